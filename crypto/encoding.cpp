#include "crypto/encoding.hpp"

#include <sodium.h>

namespace tend::crypto {

std::string to_hex(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return {};
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
  out.pop_back();
  return out;
}

std::optional<Bytes> from_hex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  if (text.empty()) return Bytes{};
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  }
  Bytes out(text.size() / 2);
  std::size_t len = 0;
  if (sodium_hex2bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, nullptr) !=
          0 ||
      len != out.size()) {
    return std::nullopt;
  }
  return out;
}

std::string to_base64(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return {};
  const std::size_t len = sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  std::string out(len, '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();  // trailing NUL
  return out;
}

std::optional<Bytes> from_base64(std::string_view text) {
  if (text.empty()) return Bytes{};
  Bytes out(text.size() / 4 * 3 + 3);
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(len);
  // Round-trip to reject non-canonical encodings (stray bits in the last symbol).
  if (to_base64(out) != text) return std::nullopt;
  return out;
}

}  // namespace tend::crypto
