// C2SP signed notes (signed-note) with Ed25519, and tlog checkpoints
// (tlog-checkpoint) as their text.
//
//   <text, ending in a newline>
//   <empty line>
//   — <key name> base64(4-byte key id ‖ 64-byte Ed25519 signature of the text)
//
// key id = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[0..4], big-endian;
// verifier key = <name>+<8 hex key id>+base64(0x01 ‖ public key).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.hpp"
#include "crypto/hash.hpp"
#include "crypto/sign.hpp"

namespace tend::crypto {

struct NoteVerifier {
  std::string name;
  std::uint32_t key_id = 0;
  PublicKey key{};
};

std::uint32_t note_key_id(std::string_view name, const PublicKey& key);
std::string format_verifier_key(std::string_view name, const PublicKey& key);
// Parses `<name>+<hex id>+<base64(0x01 ‖ key)>`; nullopt if malformed, of
// another signature type, or if the id does not match the name and key.
std::optional<NoteVerifier> parse_verifier_key(std::string_view text);

// Signs `text` (which must end in a newline) and returns the whole note.
std::string sign_note(std::string_view text, std::string_view name, const SecretBytes& secret_key,
                      const PublicKey& public_key);

// Opens a note and returns its text: signatures from unknown keys are ignored;
// at least one known key must have signed, and every known key's signature must
// verify. kInvalidInput if it is not a signed note at all; kVerifyFailed if no
// known key signed it ("is not signed by a known key") or a known key's
// signature does not verify ("has a signature that does not verify").
Result<std::string> open_note(std::string_view note, std::span<const NoteVerifier> known);

struct Checkpoint {
  std::string origin;
  std::uint64_t size = 0;
  Hash32 root{};
};
// "<origin>\n<size>\n<base64 root>\n"
std::string checkpoint_text(const Checkpoint& c);
// Parses a checkpoint's text; extension lines are refused (tend writes none).
std::optional<Checkpoint> parse_checkpoint_text(std::string_view text);

}  // namespace tend::crypto
