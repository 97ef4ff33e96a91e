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

#include "base/status.hpp"

namespace tend::fs {

bool exists(const std::string& path);
bool is_directory(const std::string& path);
bool is_symlink(const std::string& path);

// Reads a whole file, refusing one larger than `max_bytes`.
Result<std::string> read_file(const std::string& path, std::size_t max_bytes);

// Creates `path` (must not exist) with mode 0600 and writes `data`, fsynced.
Status create_file(const std::string& path, std::string_view data);

// Atomically replaces (or creates) `path` with `data`, mode 0600, through a
// temporary `PATH.tmp-PID-RANDOM` in the same directory.
Status replace_file(const std::string& path, std::string_view data);
// Removes the temporaries replace_file() left in `dir` for `name` when their
// process was killed (their pid no longer runs).
void remove_stale_replacements(const std::string& dir, const std::string& name);

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

// Owns a file descriptor: closed when dropped.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd&& other) noexcept;
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Closes now, reporting what close() said.
  Status close(const std::string& path);

 private:
  int fd_ = -1;
};

// A new file that appears at its path only when published, and never in part.
//
// Its bytes go to an unnamed file in the target's directory (O_TMPFILE), or,
// where the file system has none, to a hidden temporary `.NAME.tend-PID-RANDOM`
// beside it. publish() gives it its name without ever replacing a file (linkat,
// or renameat2 with RENAME_NOREPLACE). Dropped unpublished, it leaves nothing:
// an unnamed file vanishes with its descriptor, a temporary is unlinked. A
// process killed before publishing leaves nothing either, except on a file
// system without O_TMPFILE, where its temporary stays.
// Which file a path named when it was published: another run can tell whether
// the path still names that file.
struct FileIdentity {
  std::string path;  // absolute, as raw bytes
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
};
// Whether `id.path` names the file `id` describes.
bool names_file(const FileIdentity& id);

class OutputFile {
 public:
  // kUsage for an empty path; kExists if `path` exists; kNotFound if its
  // directory does not; kIo if the directory cannot be read and written (so
  // that everything that can fail for lack of rights fails here, before any
  // caller records the file).
  static Result<OutputFile> create(const std::string& path);
  OutputFile(OutputFile&& other) noexcept = default;
  OutputFile& operator=(OutputFile&&) = delete;
  OutputFile(const OutputFile&) = delete;
  ~OutputFile();

  Status write(std::span<const std::uint8_t> data);
  Status write(std::string_view data);
  // Makes the bytes durable (fsync). Call before anything records the file.
  Status sync();
  // Names the file and syncs its directory; kExists if a file appeared at its
  // path meanwhile (that file is left alone). On failure the name is not left.
  Status publish();
  // After publish(): removes the path again if it is still this file (same inode).
  void withdraw();
  const std::string& path() const { return path_; }
  // The absolute path and the file it names once published.
  const FileIdentity& identity() const { return identity_; }

 private:
  OutputFile(std::string path, UniqueFd dir, std::string base, std::string temp, UniqueFd fd)
      : path_(std::move(path)),
        dir_(std::move(dir)),
        base_(std::move(base)),
        temp_(std::move(temp)),
        fd_(std::move(fd)) {}
  std::string path_;  // as given
  UniqueFd dir_;      // the directory it goes in
  std::string base_;  // its name there
  std::string temp_;  // the hidden temporary's name there; empty for an unnamed file
  UniqueFd fd_;
  FileIdentity identity_;
  bool published_ = false;
};

// Publishes `files` in order: each one that follows a published one may refer to
// it (put a signature first, the file it signs last). If one cannot be
// published, the ones already published are withdrawn, so none appears.
Status publish_together(std::span<OutputFile* const> files);

std::string join(const std::string& dir, const std::string& name);

}  // namespace tend::fs
