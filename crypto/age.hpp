// age v1 (C2SP age) with X25519 recipients: encryption to one or more
// `age1...` recipients, decryption with `AGE-SECRET-KEY-1...` identities; and
// the scrypt recipient: encryption and decryption with a passphrase.
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

#include "base/status.hpp"
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

// scrypt work factors (log2 N, r = 8, p = 1): age encrypts with 18 (256 MiB,
// about a second) and refuses to decrypt above 22 (4 GiB); so does tend.
constexpr int kAgeScryptWorkFactor = 18;
constexpr int kAgeMaxScryptWorkFactor = 22;

class AgeWriter {
 public:
  using Sink = std::function<Status(std::span<const std::uint8_t>)>;
  // Writes the header for `recipients` to `sink` at once. REQUIRES: recipients non-empty.
  AgeWriter(std::span<const X25519Key> recipients, Sink sink);
  // A passphrase-encrypted file: one scrypt stanza. REQUIRES: 1 <= work_factor
  // <= kAgeMaxScryptWorkFactor and a non-empty passphrase.
  AgeWriter(const SecretBytes& passphrase, int work_factor, Sink sink);
  ~AgeWriter();
  AgeWriter(const AgeWriter&) = delete;
  AgeWriter& operator=(const AgeWriter&) = delete;

  // Each returns the first failure so far: the sink's, or kInvalidInput for a
  // low-order recipient. After a failure nothing more reaches the sink.
  Status write(std::span<const std::uint8_t> plaintext);
  Status write(std::string_view plaintext) { return write(as_bytes(plaintext)); }
  // Encrypts the final chunk.
  Status finish();

 private:
  // Writes the header (version line, `stanzas`, MAC) and the payload nonce.
  void start(std::string_view stanzas, const SecretBytes& file_key);
  Status flush_chunk(bool last);
  Sink sink_;
  SecretBytes payload_key_;
  std::vector<std::uint8_t> buffer_;
  std::uint64_t counter_ = 0;
  Status status_;
};

// What may open a file: X25519 identities, a passphrase, or both.
struct AgeKeys {
  std::span<const AgeIdentity> identities;
  const SecretBytes* passphrase = nullptr;
};

// Decrypts a binary or an ASCII-armored (`age -a`) file into guarded memory.
// Armor is unwrapped once: armor inside armor is refused, as age refuses it.
// An scrypt stanza must be the header's only stanza, with a 16-byte salt and a
// canonical decimal work factor of at most kAgeMaxScryptWorkFactor.
// Fails with kInvalidInput ("malformed age header", "malformed ASCII armor"),
// kWrongPassphrase ("no identity matches any recipient of this file"), or
// kCorrupt (the header MAC, or a payload truncated, extended or changed).
Result<SecretBytes> age_decrypt(std::string_view file, const AgeKeys& keys);
inline Result<SecretBytes> age_decrypt(std::string_view file,
                                       std::span<const AgeIdentity> identities) {
  return age_decrypt(file, AgeKeys{identities, nullptr});
}

// The binary file inside strict ASCII armor ("AGE ENCRYPTED FILE", RFC 7468
// §3 strict: 64-column padded canonical base64, LF or CRLF, whitespace only
// around the block); nullopt if it is not.
std::optional<std::string> age_dearmor(std::string_view armored);

}  // namespace tend::crypto
