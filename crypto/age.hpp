// age v1 (C2SP age) with X25519 recipients: encryption to one or more
// `age1...` recipients, decryption with `AGE-SECRET-KEY-1...` identities.
//
// Encryption streams: AgeWriter takes plaintext in any pieces and emits the
// header, then each 64 KiB chunk as soon as it is full, so a payload is never
// held whole in memory. Decryption refuses anything the spec does not allow:
// non-canonical base64, malformed stanzas, a bad header MAC, truncated,
// extended, reordered or re-flagged chunks, an empty final chunk after others.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/encoding.hpp"
#include "crypto/secret.hpp"

namespace tend::crypto {

using X25519Key = std::array<std::uint8_t, 32>;

// "age1..." -> public key; nullopt if not a valid X25519 recipient.
std::optional<X25519Key> parse_age_recipient(std::string_view text);
std::string format_age_recipient(const X25519Key& public_key);
// Whether `public_key` is a point of small order: every shared secret with it is
// all zeros, so a file key wrapped to it would be readable by anyone (age refuses
// to encrypt to such a key, and so does tend).
bool is_low_order(const X25519Key& public_key);

struct AgeIdentity {
  SecretBytes secret;  // 32 bytes
  X25519Key public_key{};
};
// "AGE-SECRET-KEY-1..." -> identity; nullopt if malformed.
std::optional<AgeIdentity> parse_age_identity(std::string_view text);
std::string format_age_identity(const AgeIdentity& identity);  // secret: print with care
AgeIdentity generate_age_identity();

// HKDF-SHA-256 (RFC 5869) on libsodium's HMAC-SHA-256, 32 bytes out.
SecretBytes hkdf_sha256(std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> salt,
                        std::string_view info);

constexpr std::size_t kAgeChunk = std::size_t{64} * 1024;

class AgeWriter {
 public:
  using Sink = std::function<bool(std::span<const std::uint8_t>)>;
  // Writes the header for `recipients` to `sink` at once. REQUIRES: recipients non-empty.
  AgeWriter(std::span<const X25519Key> recipients, Sink sink);
  ~AgeWriter();
  AgeWriter(const AgeWriter&) = delete;
  AgeWriter& operator=(const AgeWriter&) = delete;

  bool write(std::span<const std::uint8_t> plaintext);
  bool write(std::string_view plaintext) { return write(as_bytes(plaintext)); }
  // Encrypts the final chunk. Returns false if any sink call failed.
  bool finish();

 private:
  bool flush_chunk(bool last);
  Sink sink_;
  SecretBytes payload_key_;
  std::vector<std::uint8_t> buffer_;
  std::uint64_t counter_ = 0;
  bool ok_ = true;
};

enum class AgeError {
  kNone = 0,
  kHeader = 1,   // malformed header or stanza
  kNoMatch = 2,  // no stanza for these identities
  kHmac = 3,     // header MAC does not verify
  kPayload = 4,  // payload truncated, extended or tampered with
  kArmor = 5,    // ASCII armor that is not strict PEM
};
const char* age_error_message(AgeError e);

struct AgeResult {
  AgeError error = AgeError::kNone;
  std::string plaintext;
};
// Decrypts a binary or an ASCII-armored (`age -a`) file. Armor is unwrapped once:
// armor inside armor is refused, as age refuses it.
AgeResult age_decrypt(std::string_view file, std::span<const AgeIdentity> identities);

// The binary file inside strict ASCII armor ("AGE ENCRYPTED FILE", RFC 7468
// §3 strict: 64-column padded canonical base64, LF or CRLF, whitespace only
// around the block); nullopt if it is not.
std::optional<std::string> age_dearmor(std::string_view armored);

}  // namespace tend::crypto
