// minisign signatures ("ED": Ed25519 over the BLAKE2b-512 of the file), so
// that anyone can check tend's exports and receipts with the stock tool:
//
//   untrusted comment: <text>
//   base64("ED" ‖ key id (8) ‖ signature of BLAKE2b-512(file) (64))
//   trusted comment: <text>
//   base64(Ed25519 signature of (signature ‖ trusted comment text))
//
// Verification also accepts legacy "Ed" signatures (over the file itself).
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/status.hpp"
#include "crypto/secret.hpp"
#include "crypto/sign.hpp"

namespace tend::crypto {

using Blake2b512 = std::array<std::uint8_t, 64>;

// Incremental BLAKE2b-512, for hashing a file while it is written.
class Blake2b512Hasher {
 public:
  Blake2b512Hasher();
  void update(std::span<const std::uint8_t> data);
  Blake2b512 finish();

 private:
  alignas(64) std::array<std::uint8_t, 384> state_{};
};

struct MinisignKey {
  std::array<std::uint8_t, 8> key_id{};
  PublicKey key{};
};
// A public key as its base64 line ("RW...") or as a minisign .pub file.
std::optional<MinisignKey> parse_minisign_public_key(std::string_view text);
MinisignKey minisign_key(const PublicKey& pk);

// The .minisig file for a file whose BLAKE2b-512 is `digest`. Comments must
// be single lines.
std::string minisign_sign(const KeyPair& key, const Blake2b512& digest, std::string_view untrusted,
                          std::string_view trusted);

// The trusted comment of `sig_file`, a signature by `key` over `data`.
// kInvalidInput if it is not a minisign signature; kVerifyFailed if another key
// made it, or if it does not verify (the data or the trusted comment changed).
Result<std::string> minisign_verify(std::string_view sig_file, std::span<const std::uint8_t> data,
                                    const MinisignKey& key);

}  // namespace tend::crypto
