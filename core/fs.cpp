#include "core/fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>  // renameat2, RENAME_NOREPLACE
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "crypto/aead.hpp"
#include "crypto/encoding.hpp"

namespace tend::fs {
namespace {

Status errno_status(const std::string& what, const std::string& path) {
  const int e = errno;
  if (e == ENOENT) return not_found(fmt::format("{} {}: no such file or directory", what, path));
  return io_error(fmt::format("{} {}: {}", what, path, std::strerror(e)));
}

Env g_real_env;
Env* g_env = &g_real_env;

Status write_loop(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = env().write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_status("cannot write", path);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::ok();
}

Status write_all(int fd, std::string_view data, const std::string& path) {
  Status s = write_loop(fd, data, path);
  if (s.is_ok() && env().fsync(fd) != 0) return errno_status("cannot sync", path);
  return s;
}

}  // namespace

int Env::create(int dirfd, const char* path, int flags, mode_t mode) {
  return ::openat(dirfd, path, flags, mode);
}
ssize_t Env::write(int fd, const void* data, std::size_t size) {
  return ::write(fd, data, size);
}
int Env::fsync(int fd) {
  return ::fsync(fd);
}
int Env::linkat(int olddirfd, const char* oldpath, int newdirfd, const char* newpath, int flags) {
  return ::linkat(olddirfd, oldpath, newdirfd, newpath, flags);
}
int Env::renameat2(int olddirfd, const char* oldpath, int newdirfd, const char* newpath,
                   unsigned int flags) {
  return ::renameat2(olddirfd, oldpath, newdirfd, newpath, flags);
}
int Env::mkdir(const char* path, mode_t mode) {
  return ::mkdir(path, mode);
}

Env& env() {
  return *g_env;
}

void set_env_for_tests(Env* e) {
  g_env = e != nullptr ? e : &g_real_env;
}

std::string parent_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

bool is_symlink(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string join(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

Result<std::string> read_file(const std::string& path, std::size_t max_bytes) {
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return errno_status("cannot read", path);
  std::string out;
  struct stat st {};
  if (::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode) &&
      static_cast<std::uint64_t>(st.st_size) <= max_bytes) {
    out.reserve(static_cast<std::size_t>(st.st_size));
  }
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_status("cannot read", path);
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      return invalid_input(fmt::format("{} is larger than {} bytes", path, max_bytes));
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

Result<FileReader> FileReader::open(const std::string& path) {
  FileReader r;
  r.path_ = path == "-" ? "standard input" : path;
  r.fd_ = UniqueFd(path == "-" ? ::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0)
                               : ::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!r.fd_.valid()) return errno_status("cannot read", path);
  struct stat st {};
  if (::fstat(r.fd_.get(), &st) != 0) return errno_status("cannot read", path);
  if (S_ISDIR(st.st_mode)) return invalid_input(fmt::format("{} is a directory", path));
  if (S_ISREG(st.st_mode)) r.size_ = static_cast<std::uint64_t>(st.st_size);
  return r;
}

Result<std::size_t> FileReader::read(char* buf, std::size_t size) {
  for (;;) {
    const ssize_t n = ::read(fd_.get(), buf, size);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) return errno_status("cannot read", path_);
  }
}

Status create_file(const std::string& path, std::string_view data) {
  UniqueFd fd(env().create(AT_FDCWD, path.c_str(),
                           O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) {
    if (errno == EEXIST) {
      return Status::error(ErrorKind::kExists, fmt::format("{} already exists", path));
    }
    return errno_status("cannot create", path);
  }
  Status s = write_all(fd.get(), data, path);
  if (s.is_ok()) s = fd.close(path);
  if (!s.is_ok()) ::unlink(path.c_str());
  return s;
}

Status copy_file(const std::string& from, const std::string& to) {
  UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!in.valid()) return errno_status("cannot read", from);
  UniqueFd out(env().create(AT_FDCWD, to.c_str(),
                            O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!out.valid()) {
    if (errno == EEXIST)
      return Status::error(ErrorKind::kExists, fmt::format("{} already exists", to));
    return errno_status("cannot create", to);
  }
  std::vector<char> buf(std::size_t{1} << 20);
  Status s;
  for (;;) {
    const ssize_t n = ::read(in.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      s = errno_status("cannot read", from);
      break;
    }
    if (n == 0) break;
    s = write_loop(out.get(), std::string_view(buf.data(), static_cast<std::size_t>(n)), to);
    if (!s.is_ok()) break;
  }
  if (s.is_ok() && env().fsync(out.get()) != 0) s = errno_status("cannot sync", to);
  if (s.is_ok()) s = out.close(to);
  if (!s.is_ok()) ::unlink(to.c_str());
  return s;
}

Status replace_file(const std::string& path, std::string_view data) {
  const std::string tmp =
      fmt::format("{}.tmp-{}-{}", path, ::getpid(), crypto::to_hex(crypto::random_bytes(6)));
  Status s = create_file(tmp, data);
  if (!s.is_ok()) return s;
  if (env().renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), 0) != 0) {
    s = errno_status("cannot replace", path);
    ::unlink(tmp.c_str());
    return s;
  }
  return fsync_dir(parent_of(path));
}

void remove_stale_replacements(const std::string& dir, const std::string& name) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  const std::string prefix = name + ".tmp-";
  std::vector<std::string> stale;
  while (dirent* e = ::readdir(d)) {
    const std::string_view entry = e->d_name;
    if (entry.substr(0, prefix.size()) != prefix) continue;
    const std::string_view rest = entry.substr(prefix.size());
    long pid = 0;
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), pid);
    if (ec != std::errc() || *p != '-' || pid <= 0) continue;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) stale.emplace_back(entry);
  }
  ::closedir(d);
  for (const std::string& f : stale) ::unlink(join(dir, f).c_str());
}

Status fsync_dir(const std::string& dir) {
  const UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return errno_status("cannot open directory", dir);
  if (env().fsync(fd.get()) != 0) return errno_status("cannot sync directory", dir);
  return Status::ok();
}

Status make_parent_dirs(const std::string& path) {
  for (std::size_t i = 1; i < path.size(); ++i) {
    if (path[i] != '/') continue;
    const std::string parent = path.substr(0, i);
    if (env().mkdir(parent.c_str(), 0700) != 0 && errno != EEXIST) {
      return errno_status("cannot create directory", parent);
    }
  }
  return Status::ok();
}

Status rename_dir(const std::string& from, const std::string& to) {
  if (env().renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), 0) != 0) {
    if (errno == ENOTEMPTY || errno == EEXIST || errno == ENOTDIR) {
      return Status::error(ErrorKind::kExists, fmt::format("{} exists and is not empty", to),
                           "choose a new directory with --vault DIR");
    }
    return errno_status("cannot create", to);
  }
  Status s = fsync_dir(parent_of(to));
  if (!s.is_ok()) {
    // Not known to last: put it back where it was, for the caller to remove.
    (void)env().renameat2(AT_FDCWD, to.c_str(), AT_FDCWD, from.c_str(), RENAME_NOREPLACE);
  }
  return s;
}

Status exchange_dirs(const std::string& a, const std::string& b) {
  if (env().renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) != 0) {
    if (errno == EINVAL || errno == ENOSYS) {
      return io_error(
          fmt::format("the file system of {} cannot swap two directories in one step", b),
          "move the vault to a local file system (ext4, xfs, btrfs, tmpfs) first");
    }
    return errno_status("cannot swap in", b);
  }
  Status s = fsync_dir(parent_of(b));
  if (!s.is_ok()) (void)env().renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE);
  return s;
}

Status remove_dir_files(const std::string& dir, std::string_view last) {
  const UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return errno_status("cannot open directory", dir);
  DIR* d = ::fdopendir(::dup(fd.get()));
  if (d == nullptr) return errno_status("cannot read directory", dir);
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  std::stable_partition(names.begin(), names.end(),
                        [&](const std::string& name) { return name != last; });
  for (const std::string& name : names) {
    if (::unlinkat(fd.get(), name.c_str(), 0) != 0)
      return errno_status("cannot remove", join(dir, name));
  }
  if (::rmdir(dir.c_str()) != 0) return errno_status("cannot remove", dir);
  return Status::ok();
}

Status make_private_dir(const std::string& path) {
  if (path.empty()) return usage_error("empty vault path");
  Status parents = make_parent_dirs(path);
  if (!parents.is_ok()) return parents;
  if (env().mkdir(path.c_str(), 0700) == 0) return Status::ok();
  if (errno != EEXIST) return errno_status("cannot create directory", path);
  if (!is_directory(path)) {
    return Status::error(ErrorKind::kExists, fmt::format("{} exists and is not a directory", path));
  }
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return errno_status("cannot open directory", path);
  bool empty = true;
  while (dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) empty = false;
  }
  ::closedir(d);
  if (!empty) {
    return Status::error(ErrorKind::kExists, fmt::format("{} exists and is not empty", path),
                         "choose a new directory with --vault DIR");
  }
  if (::chmod(path.c_str(), 0700) != 0) return errno_status("cannot set mode of", path);
  return Status::ok();
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

UniqueFd::UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

Status UniqueFd::close(const std::string& path) {
  const int fd = std::exchange(fd_, -1);
  if (fd >= 0 && ::close(fd) != 0) return errno_status("cannot close", path);
  return Status::ok();
}

bool names_file(const FileIdentity& id) {
  struct stat st {};
  return ::lstat(id.path.c_str(), &st) == 0 && static_cast<std::uint64_t>(st.st_dev) == id.device &&
         static_cast<std::uint64_t>(st.st_ino) == id.inode;
}

Result<OutputFile> OutputFile::create(const std::string& path) {
  if (path.empty()) return usage_error("the output file name is empty");
  const auto slash = path.find_last_of('/');
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.empty() || base == "." || base == "..") {
    return usage_error(fmt::format("{} names a directory, not a file", path));
  }
  const std::string dir_path = parent_of(path);
  UniqueFd dir(::open(dir_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) return errno_status("cannot create", path);
  if (::faccessat(dir.get(), ".", W_OK | X_OK, AT_EACCESS) != 0) {
    return errno_status("cannot create", path);
  }
  struct stat st {};
  if (::fstatat(dir.get(), base.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    return Status::error(ErrorKind::kExists, fmt::format("{} already exists", path),
                         "remove it or choose another name");
  }
  std::string temp;
  // An unnamed file, if the file system has them and /proc can name it later.
  UniqueFd fd(env().create(dir.get(), ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600));
  if (!fd.valid() && errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
    return errno_status("cannot create", path);  // not for want of O_TMPFILE: no fallback
  }
  if (!fd.valid() || ::access(fmt::format("/proc/self/fd/{}", fd.get()).c_str(), F_OK) != 0) {
    temp = fmt::format(".{}.tend-{}-{}", base, ::getpid(), crypto::to_hex(crypto::random_bytes(6)));
    fd = UniqueFd(env().create(dir.get(), temp.c_str(),
                               O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd.valid()) return errno_status("cannot create", path);
  }
  OutputFile out(path, std::move(dir), base, std::move(temp), std::move(fd));
  if (::fstat(out.fd_.get(), &st) != 0) return errno_status("cannot create", path);
  out.identity_.device = static_cast<std::uint64_t>(st.st_dev);
  out.identity_.inode = static_cast<std::uint64_t>(st.st_ino);
  std::string absolute = path;
  if (absolute.front() != '/') {
    char cwd[4096];
    if (::getcwd(cwd, sizeof cwd) == nullptr) return errno_status("cannot create", path);
    absolute = join(cwd, path);
  }
  out.identity_.path = std::move(absolute);
  return out;
}

OutputFile::~OutputFile() {
  if (!published_ && !temp_.empty() && dir_.valid()) ::unlinkat(dir_.get(), temp_.c_str(), 0);
}

Status OutputFile::write(std::span<const std::uint8_t> data) {
  return write_loop(
      fd_.get(), std::string_view(reinterpret_cast<const char*>(data.data()), data.size()), path_);
}

Status OutputFile::write(std::string_view data) {
  return write_loop(fd_.get(), data, path_);
}

Status OutputFile::sync() {
  if (env().fsync(fd_.get()) != 0) return errno_status("cannot sync", path_);
  return Status::ok();
}

Status OutputFile::publish() {
  int rc = 0;
  if (temp_.empty()) {
    const std::string self = fmt::format("/proc/self/fd/{}", fd_.get());
    rc = env().linkat(AT_FDCWD, self.c_str(), dir_.get(), base_.c_str(), AT_SYMLINK_FOLLOW);
  } else {
    rc = env().renameat2(dir_.get(), temp_.c_str(), dir_.get(), base_.c_str(), RENAME_NOREPLACE);
    if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
      // No RENAME_NOREPLACE here: link() also refuses an existing target.
      rc = env().linkat(dir_.get(), temp_.c_str(), dir_.get(), base_.c_str(), 0);
      if (rc == 0) ::unlinkat(dir_.get(), temp_.c_str(), 0);
    }
  }
  if (rc != 0) {
    if (errno == EEXIST) {
      return Status::error(
          ErrorKind::kExists,
          fmt::format("{} appeared while tend was writing it; it was left alone", path_));
    }
    return errno_status("cannot create", path_);
  }
  published_ = true;
  if (env().fsync(dir_.get()) != 0) {
    Status s = errno_status("cannot sync the directory of", path_);
    withdraw();
    return s;
  }
  return Status::ok();
}

void OutputFile::withdraw() {
  if (!published_) return;
  struct stat ours {
  }, there{};
  if (::fstat(fd_.get(), &ours) == 0 &&
      ::fstatat(dir_.get(), base_.c_str(), &there, AT_SYMLINK_NOFOLLOW) == 0 &&
      ours.st_dev == there.st_dev && ours.st_ino == there.st_ino) {
    ::unlinkat(dir_.get(), base_.c_str(), 0);
    (void)::fsync(dir_.get());
  }
  published_ = false;
}

Result<OutputFile*> OutputSet::add(const std::string& path) {
  Result<OutputFile> f = OutputFile::create(path);
  if (!f.is_ok()) return f.status();
  files_.push_back(std::move(f).value());
  return &files_.back();
}

Status OutputSet::sync() {
  for (OutputFile& f : files_) {
    Status s = f.sync();
    if (!s.is_ok()) return s;
  }
  return Status::ok();
}

std::vector<FileIdentity> OutputSet::identities() const {
  std::vector<FileIdentity> out;
  for (const OutputFile& f : files_) out.push_back(f.identity());
  return out;
}

Status OutputSet::publish() {
  for (std::size_t i = 0; i < files_.size(); ++i) {
    Status s = files_[i].publish();
    if (!s.is_ok()) {
      for (std::size_t k = 0; k < i; ++k) files_[k].withdraw();
      return s;
    }
  }
  return Status::ok();
}

}  // namespace tend::fs
