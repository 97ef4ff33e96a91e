// Hash functions: SHA-256 (audit log, export digests) and keyed BLAKE2b-256
// (labelled subkeys: "tend/v1/<purpose>").
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "crypto/secret.hpp"

namespace tend::crypto {

using Hash32 = std::array<std::uint8_t, 32>;

Hash32 sha256(std::span<const std::uint8_t> data);

// Incremental SHA-256.
class Sha256 {
 public:
  Sha256();
  void update(std::span<const std::uint8_t> data);
  Hash32 finish();

 private:
  alignas(64) std::array<std::uint8_t, 128> state_{};
};

// BLAKE2b-256 of `data` (unkeyed): the header checksum.
Hash32 blake2b256(std::span<const std::uint8_t> data);

// A 32-byte subkey of `key` for one labelled purpose: BLAKE2b-256 keyed with
// `key` over the ASCII `label`. Labels name their purpose, e.g. "tend/v1/header-mac".
SecretBytes derive_subkey(const SecretBytes& key, std::string_view label);

// HMAC-SHA-256.
Hash32 hmac_sha256(const SecretBytes& key, std::span<const std::uint8_t> data);

// Constant-time equality of two digests.
bool digest_equal(const Hash32& a, const Hash32& b);

}  // namespace tend::crypto
