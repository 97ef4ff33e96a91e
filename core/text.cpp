#include "core/text.hpp"

#include <fmt/format.h>

namespace tend {

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
