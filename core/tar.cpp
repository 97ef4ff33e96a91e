#include "core/tar.hpp"

#include <cstring>

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

}  // namespace tend::tar
