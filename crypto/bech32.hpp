// Bech32 (BIP 173, checksum constant 1) as age uses it for recipients
// ("age1...") and identities ("AGE-SECRET-KEY-1..."), without BIP 173's
// 90-character limit. Mixed case is refused.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "crypto/encoding.hpp"

namespace tend::crypto {

// Encodes `data` (8-bit bytes) under `hrp`, in lowercase.
std::string bech32_encode(std::string_view hrp, std::span<const std::uint8_t> data);

struct Bech32 {
  std::string hrp;  // lowercase
  Bytes data;
};
// Decodes and checks the checksum; nullopt if malformed.
std::optional<Bech32> bech32_decode(std::string_view text);

}  // namespace tend::crypto
