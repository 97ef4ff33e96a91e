// The file-system edge: the few ways tend creates, replaces and reads files.
//
// New files are created with O_EXCL and mode 0600. A replaced file is written to
// a temporary name in the same directory, fsynced, renamed over the target and
// the directory fsynced, so a crash leaves either the old or the new file.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace tend::fs {

bool exists(const std::string& path);
bool is_directory(const std::string& path);

// Reads a whole file, refusing one larger than `max_bytes`.
Result<std::string> read_file(const std::string& path, std::size_t max_bytes);

// Creates `path` (must not exist) with mode 0600 and writes `data`, fsynced.
Status create_file(const std::string& path, std::string_view data);

// Atomically replaces (or creates) `path` with `data`, mode 0600.
Status replace_file(const std::string& path, std::string_view data);

// Creates directory `path` with mode 0700, or accepts an existing empty one
// (then tightens it to 0700). Parents are created 0700 as needed.
Status make_private_dir(const std::string& path);

Status fsync_dir(const std::string& dir);

// Creates the missing parents of `path` (mode 0700), like `mkdir -p -m 700 "$(dirname path)"`.
Status make_parent_dirs(const std::string& path);

// Renames directory `from` to `to`, which must be absent or an empty
// directory (kExists otherwise); then syncs the parent directory.
Status rename_dir(const std::string& from, const std::string& to);

std::string parent_of(const std::string& path);

// A new file written through a temporary name in the same directory and
// renamed into place by commit(); destroyed uncommitted, it leaves nothing.
class PendingFile {
 public:
  // kExists if `path` exists.
  static Result<PendingFile> create(const std::string& path);
  PendingFile(PendingFile&& other) noexcept;
  PendingFile& operator=(PendingFile&&) = delete;
  PendingFile(const PendingFile&) = delete;
  ~PendingFile();

  Status write(std::span<const std::uint8_t> data);
  // fsync, rename to the final path (refusing to replace a file that appeared
  // meanwhile), fsync the directory.
  Status commit();
  const std::string& path() const { return path_; }

 private:
  PendingFile(std::string path, std::string tmp, int fd)
      : path_(std::move(path)), tmp_(std::move(tmp)), fd_(fd) {}
  std::string path_, tmp_;
  int fd_ = -1;
  bool committed_ = false;
};

std::string join(const std::string& dir, const std::string& name);

}  // namespace tend::fs
