#include "core/tar.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <set>

#include <fmt/format.h>

namespace tend::tar {
namespace {

// An octal field of `width` bytes: width-1 digits, zero-padded, then NUL.
void octal(std::string& h, std::size_t at, std::size_t width, std::uint64_t value) {
  const std::string digits = fmt::format("{:0{}o}", value, width - 1);
  std::memcpy(h.data() + at, digits.data(), width - 1);
  h[at + width - 1] = '\0';
}

void text(std::string& h, std::size_t at, std::string_view s) {
  std::memcpy(h.data() + at, s.data(), s.size());
}

}  // namespace

std::string header(std::string_view name, std::uint64_t size, std::int64_t mtime) {
  std::string h(kBlock, '\0');
  text(h, 0, name.substr(0, 100));                                       // name
  octal(h, 100, 8, 0600);                                                // mode
  octal(h, 108, 8, 0);                                                   // uid
  octal(h, 116, 8, 0);                                                   // gid
  octal(h, 124, 12, size);                                               // size
  octal(h, 136, 12, mtime < 0 ? 0 : static_cast<std::uint64_t>(mtime));  // mtime
  h[156] = '0';                                                          // typeflag: a regular file
  text(h, 257, std::string_view("ustar\0", 6));                          // magic
  text(h, 263, "00");                                                    // version
  text(h, 265, "tend");                                                  // uname
  text(h, 297, "tend");                                                  // gname
  // The checksum: the sum of all bytes with its own field as eight spaces,
  // written as six octal digits, NUL, space.
  text(h, 148, "        ");
  unsigned sum = 0;
  for (char c : h) sum += static_cast<unsigned char>(c);
  const std::string chk = fmt::format("{:06o}", sum);
  text(h, 148, chk);
  h[154] = '\0';
  h[155] = ' ';
  return h;
}

std::string padding(std::uint64_t size) {
  return std::string((kBlock - size % kBlock) % kBlock, '\0');
}

std::string end() {
  return std::string(2 * kBlock, '\0');
}

namespace {

// An octal field as header() writes it: width-1 digits, then NUL.
std::optional<std::uint64_t> read_octal(std::string_view field) {
  if (field.back() != '\0') return std::nullopt;
  field.remove_suffix(1);
  std::uint64_t v = 0;
  for (char c : field) {
    if (c < '0' || c > '7') return std::nullopt;
    v = v * 8 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

bool all_zero(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '\0'; });
}

}  // namespace

Status check_export_archive(std::string_view a, std::initializer_list<std::string_view> allowed,
                            std::string_view* manifest) {
  const Status bad = invalid_input("the bundle's payload is not an export archive");
  if (a.size() % kBlock != 0) return bad;
  std::set<std::string> seen;
  std::size_t pos = 0;
  for (;;) {
    if (a.size() - pos < kBlock) return bad;
    const std::string_view h = a.substr(pos, kBlock);
    if (all_zero(h)) {
      // The end: exactly two zero blocks, nothing after.
      if (a.size() - pos != 2 * kBlock || !all_zero(a.substr(pos)) || seen.empty()) return bad;
      return Status::ok();
    }
    unsigned sum = 0;
    for (std::size_t i = 0; i < kBlock; ++i) {
      sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
    }
    const std::optional<std::uint64_t> chk = read_octal(h.substr(148, 7));
    const std::optional<std::uint64_t> size = read_octal(h.substr(124, 12));
    const std::string_view name = h.substr(0, std::min<std::size_t>(h.find('\0'), 100));
    if (!chk || *chk != sum || h[155] != ' ' || !size || h[156] != '0' ||
        h.substr(257, 8) != std::string_view("ustar\0"
                                             "00",
                                             8) ||
        !all_zero(h.substr(345, 155))) {
      return bad;
    }
    const bool first = seen.empty();
    const bool known = std::find(allowed.begin(), allowed.end(), name) != allowed.end();
    if ((first && name != "export.json") || (!first && !known) ||
        !seen.insert(std::string(name)).second) {
      return bad;
    }
    pos += kBlock;
    const std::uint64_t padded = (*size + kBlock - 1) / kBlock * kBlock;
    if (padded > a.size() - pos) return bad;
    if (!all_zero(a.substr(pos + *size, padded - *size))) return bad;
    if (first) *manifest = a.substr(pos, *size);
    pos += padded;
  }
}

}  // namespace tend::tar
