// Strict text encodings used in tend's formats. Decoders accept exactly one
// spelling of each value (lowercase hex; padded standard base64), so that a
// changed byte in a stored file can never decode to the same value.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tend::crypto {

using Bytes = std::vector<std::uint8_t>;

std::string to_hex(std::span<const std::uint8_t> bytes);
// Lowercase hex only; nullopt on odd length, uppercase or any other character.
std::optional<Bytes> from_hex(std::string_view text);

// Standard base64 (RFC 4648 §4), with `=` padding (tend's formats, signed
// notes, minisign) or without it (age).
enum class Padding { kPadded = 0, kUnpadded = 1 };
std::string to_base64(std::span<const std::uint8_t> bytes, Padding padding = Padding::kPadded);
// Canonical encodings only: rejects whitespace, wrong padding for the variant,
// and non-canonical trailing bits (RFC 4648 §3.5).
std::optional<Bytes> from_base64(std::string_view text, Padding padding = Padding::kPadded);

// Well-formed UTF-8: no overlong forms, surrogates or values past U+10FFFF.
bool valid_utf8(std::string_view s);
// The well-formed UTF-8 sequence at `pos` (REQUIRES: pos < s.size()): its length,
// with its code point in *code_point; 0 if the bytes there are not UTF-8.
std::size_t utf8_sequence(std::string_view s, std::size_t pos, char32_t* code_point);

inline std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace tend::crypto
