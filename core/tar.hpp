// The few bytes of a POSIX ustar archive (POSIX.1-1988, pax's "ustar" format)
// that an export in CSV needs: a header per regular file, padding, the end.
// Only what tend writes itself: short ASCII names, files of known size.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "base/status.hpp"

namespace tend::tar {

constexpr std::size_t kBlock = 512;

// The 512-byte header of a regular file, mode 0600, owner 0:0, modified at
// `mtime`. REQUIRES: name is 1-100 bytes of printable ASCII; size < 8 GiB.
std::string header(std::string_view name, std::uint64_t size, std::int64_t mtime);
// The zero bytes that fill a file of `size` bytes up to a whole block.
std::string padding(std::uint64_t size);
// Two zero blocks: the end of the archive.
std::string end();

// Whether `archive` is exactly what a CSV export writes, read as untrusted
// input: ustar headers with valid checksums, regular files only, the first
// named export.json and the others distinct among `allowed`, no prefix, zero
// padding, two zero blocks and nothing after. `manifest` gets export.json's
// bytes. kInvalidInput otherwise.
Status check_export_archive(std::string_view archive,
                            std::initializer_list<std::string_view> allowed,
                            std::string_view* manifest);

}  // namespace tend::tar
