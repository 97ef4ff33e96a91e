// The file-system edge: the few ways tend creates, replaces and reads files.
//
// New files are created with O_EXCL and mode 0600. A replaced file is written to
// a temporary name in the same directory, fsynced, renamed over the target and
// the directory fsynced, so a crash leaves either the old or the new file.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.hpp"

namespace tend::fs {

// The calls through which tend makes, writes and names files: one seam, as
// leveldb's Env, so that tests can make any of them fail (ENOSPC, EIO, a short
// write). Each behaves as the system call of its name. The tend executable
// always uses these, the real calls; only tests install others.
class Env {
 public:
  virtual ~Env() = default;
  // Opens with O_CREAT or O_TMPFILE (reading opens go straight to the system).
  virtual int create(int dirfd, const char* path, int flags, mode_t mode);
  virtual ssize_t write(int fd, const void* data, std::size_t size);
  virtual int fsync(int fd);
  virtual int linkat(int olddirfd, const char* oldpath, int newdirfd, const char* newpath,
                     int flags);
  virtual int renameat2(int olddirfd, const char* oldpath, int newdirfd, const char* newpath,
                        unsigned int flags);
  virtual int mkdir(const char* path, mode_t mode);
};
Env& env();
// TEST ONLY: makes `e` the Env until it is set back (nullptr: the real calls).
void set_env_for_tests(Env* e);

bool exists(const std::string& path);
bool is_directory(const std::string& path);
bool is_symlink(const std::string& path);

// Reads a whole file, refusing one larger than `max_bytes`.
Result<std::string> read_file(const std::string& path, std::size_t max_bytes);

// Creates `path` (must not exist) with mode 0600 and writes `data`, fsynced.
Status create_file(const std::string& path, std::string_view data);

// Copies file `from` (not a symbolic link) to `to`, a new file made as by
// create_file(), fsynced; `to` is removed if the copy fails.
Status copy_file(const std::string& from, const std::string& to);

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
// directory (kExists otherwise); then syncs the parent directory, and if that
// fails, renames it back (so `to` holds nothing that may not last).
Status rename_dir(const std::string& from, const std::string& to);

// Swaps directories `a` and `b` in one step (renameat2 RENAME_EXCHANGE), then
// syncs their parent; if that fails, swaps them back. kIo on a file system
// that cannot (tend rekey and restore refuse to work without it).
Status exchange_dirs(const std::string& a, const std::string& b);

// Removes directory `dir` and the files in it (no subdirectories expected; a
// symbolic link in it is removed, never followed); the file named `last`, if
// there, after all the others (a staging directory's marker).
Status remove_dir_files(const std::string& dir, std::string_view last = {});

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

// A file read front to back in chunks: an import's input, never held whole.
class FileReader {
 public:
  // kNotFound if it does not exist; kInvalidInput if it is a directory. `-`
  // is standard input.
  static Result<FileReader> open(const std::string& path);
  // Up to `size` bytes into `buf`; 0 at the end.
  Result<std::size_t> read(char* buf, std::size_t size);
  // Its size when it is a regular file (0 for a pipe).
  std::uint64_t size() const { return size_; }

 private:
  UniqueFd fd_;
  std::string path_;
  std::uint64_t size_ = 0;
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

// Output files that appear together or not at all: what a command writes
// beside its audit entry (a signature and the file it signs). Each is written
// out of sight (OutputFile); the caller syncs them, records them in the log,
// and then publishes them, in the order they were added: put a signature
// before the file it signs. If one cannot be named, the ones already named are
// taken back. No command writes its output another way.
class OutputSet {
 public:
  // Adds a new file to write; see OutputFile::create for its errors.
  Result<OutputFile*> add(const std::string& path);
  Status sync();
  std::vector<FileIdentity> identities() const;
  Status publish();

 private:
  std::deque<OutputFile> files_;
};

std::string join(const std::string& dir, const std::string& name);

}  // namespace tend::fs
