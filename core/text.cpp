#include "core/text.hpp"

#include <fmt/format.h>

namespace tend {

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    unsigned cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

Status check_label(std::string_view value, std::string_view what, std::size_t max_bytes) {
  if (value.empty()) return usage_error(fmt::format("{} must not be empty", what));
  if (value.size() > max_bytes) {
    return usage_error(fmt::format("{} is longer than {} bytes", what, max_bytes));
  }
  if (!valid_utf8(value)) return usage_error(fmt::format("{} is not valid UTF-8", what));
  for (char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return usage_error(fmt::format("{} contains a control character", what));
    }
  }
  return Status::ok();
}

Status check_note(std::string_view note) {
  if (note.size() > kMaxNoteBytes) {
    return usage_error(fmt::format("note is longer than {} KiB", kMaxNoteBytes / 1024));
  }
  if (!valid_utf8(note)) return usage_error("note is not valid UTF-8");
  for (char c : note) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n' && c != '\t') || u == 0x7f) {
      return usage_error("note contains a control character");
    }
  }
  return Status::ok();
}

}  // namespace tend
