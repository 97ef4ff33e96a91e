#include "core/text.hpp"

#include <algorithm>

#include <cstdlib>
#include <memory>

#include <fmt/format.h>
#include <utf8proc.h>

namespace tend {
namespace {

bool is_bidi_control(char32_t cp) {
  return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

// Empty if `text` is acceptable, else what is wrong and at which byte.
std::string find_refused(std::string_view text, bool allow_layout) {
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    const std::size_t n = crypto::utf8_sequence(text, i, &cp);
    if (n == 0) return fmt::format("is not valid UTF-8 (at byte {})", i + 1);
    if (!(allow_layout && (cp == '\n' || cp == '\t')) && is_refused_code_point(cp)) {
      return fmt::format("contains {} U+{:04X} at byte {}",
                         is_bidi_control(cp) ? "the bidirectional control" : "control character",
                         static_cast<std::uint32_t>(cp), i + 1);
    }
    i += n;
  }
  return {};
}

}  // namespace

std::string fold_case(std::string_view text) {
  if (text.empty()) return {};
  // ASCII folds to its lowercase and is already in NFC: no need for utf8proc.
  if (std::all_of(text.begin(), text.end(), [](char c) { return c > 0 && c < 0x7F; })) {
    std::string out(text);
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
  }
  utf8proc_uint8_t* out = nullptr;
  const utf8proc_ssize_t n = utf8proc_map(
      reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
      static_cast<utf8proc_ssize_t>(text.size()), &out,
      static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD));
  if (n < 0) return std::string(text);
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(out, &std::free);
  return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
}

bool is_refused_code_point(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || is_bidi_control(cp);
}

Status check_label(std::string_view value, std::string_view what, std::size_t max_bytes) {
  if (value.empty()) return usage_error(fmt::format("{} must not be empty", what));
  if (value.size() > max_bytes) {
    return usage_error(fmt::format("{} is longer than {} bytes", what, max_bytes));
  }
  if (std::string why = find_refused(value, false); !why.empty()) {
    return usage_error(fmt::format("{} {}", what, why));
  }
  return Status::ok();
}

Status check_note(std::string_view note) {
  if (note.size() > kMaxNoteBytes) {
    return usage_error(fmt::format("note is longer than {} KiB", kMaxNoteBytes / 1024));
  }
  if (std::string why = find_refused(note, true); !why.empty()) {
    return usage_error(fmt::format("note {}", why));
  }
  return Status::ok();
}

std::string display(std::string_view text, Newlines newlines) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    const std::size_t n = crypto::utf8_sequence(text, i, &cp);
    if (n == 0) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[i]));
      ++i;
      continue;
    }
    if (newlines == Newlines::kKeep && (cp == '\n' || cp == '\t')) {
      out += static_cast<char>(cp);
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp < 0x80 && is_refused_code_point(cp)) {
      out += fmt::format("\\x{:02x}", static_cast<std::uint32_t>(cp));
    } else if (is_refused_code_point(cp)) {
      out += fmt::format("\\u{:04x}", static_cast<std::uint32_t>(cp));
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out;
}

std::string quote(std::string_view text, std::size_t max_chars) {
  const std::string shown = display(text);
  std::string out = "'";
  std::size_t chars = 0;
  for (std::size_t i = 0; i < shown.size(); ++i) {
    const bool starts = (static_cast<unsigned char>(shown[i]) & 0xC0) != 0x80;
    if (starts && ++chars > max_chars) {
      out += "…";
      break;
    }
    out += shown[i];
  }
  return out + "'";
}

std::string echo_token(std::string_view value) {
  if (value.empty() || value.size() > 32) return {};
  for (char c : value) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("._:+@/-").find(c) != std::string_view::npos;
    if (!ok) return {};
  }
  return quote(value);
}

std::string phrase_with(std::string_view phrase, std::string_view value) {
  const std::string shown = echo_token(value);
  return shown.empty() ? std::string(phrase) : fmt::format("{} {}", phrase, shown);
}

std::string shell_word(std::string_view text) {
  constexpr std::string_view kSafe =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789=,._-+/:@%";
  if (!text.empty() && text.find_first_not_of(kSafe) == std::string_view::npos) {
    return std::string(text);
  }
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

}  // namespace tend
