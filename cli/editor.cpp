#include "cli/editor.hpp"

#include "cli/child.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "core/fs.hpp"
#include "core/text.hpp"

namespace tend::cli {
namespace {

constexpr const char* kPrefix = "note-";

// The file being edited, for the signal handler: a fixed buffer, set before
// the handlers are installed and cleared after they are removed. While the
// editor runs, the handler stops it (so it cannot write the file again) and
// leaves the wiping, and the signal, to the main flow once it has waited.
char g_edit_path[PATH_MAX];
volatile sig_atomic_t g_editor_pid = 0;
volatile sig_atomic_t g_pending_signal = 0;

// Overwrites a file with zeros and unlinks it, with async-signal-safe calls only.
void wipe(const char* path) {
  const int fd = ::open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) {
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
      static const char kZeros[4096] = {};
      off_t left = st.st_size;
      while (left > 0) {
        const ssize_t n = ::write(fd, kZeros, left < 4096 ? static_cast<std::size_t>(left) : 4096);
        if (n <= 0) break;
        left -= n;
      }
      (void)::fsync(fd);
    }
    (void)::close(fd);
  }
  (void)::unlink(path);
}

void on_fatal_signal(int sig) {
  if (g_editor_pid > 0) {
    g_pending_signal = sig;
    ::kill(static_cast<pid_t>(g_editor_pid), SIGKILL);
    return;
  }
  if (g_edit_path[0] != '\0') wipe(g_edit_path);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

constexpr int kWipedSignals[] = {SIGTERM, SIGHUP, SIGINT, SIGQUIT};

// Installs the wiping handler while the file exists; restores what was there.
class SignalGuard {
 public:
  explicit SignalGuard(const std::string& path) {
    std::snprintf(g_edit_path, sizeof g_edit_path, "%s", path.c_str());
    struct sigaction sa {};
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    for (std::size_t i = 0; i < std::size(kWipedSignals); ++i) {
      ::sigaction(kWipedSignals[i], &sa, &old_[i]);
    }
  }
  ~SignalGuard() {
    for (std::size_t i = 0; i < std::size(kWipedSignals); ++i) {
      ::sigaction(kWipedSignals[i], &old_[i], nullptr);
    }
    g_edit_path[0] = '\0';
    g_editor_pid = 0;
  }
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;

 private:
  struct sigaction old_[std::size(kWipedSignals)]{};
};

bool on_tmpfs(const std::string& path) {
  struct statfs fs {};
  if (::statfs(path.c_str(), &fs) != 0) return false;
  return fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC;
}

// The place, whether or not it exists yet.
std::string edit_dir_path(const Getenv& getenv) {
  const char* runtime = getenv("XDG_RUNTIME_DIR");
  if (runtime != nullptr && runtime[0] == '/') return fs::join(runtime, "tend-edit");
  return fmt::format("/dev/shm/tend-edit-{}", ::getuid());
}

// Which process a file of the edit directory belongs to: the pid after
// "note-", wherever the name has it (an editor's swap or backup file keeps it).
std::optional<pid_t> owner_pid(const std::string& name) {
  const std::size_t at = name.find(kPrefix);
  if (at == std::string::npos) return std::nullopt;
  std::size_t i = at + std::strlen(kPrefix);
  long pid = 0;
  const std::size_t start = i;
  while (i < name.size() && name[i] >= '0' && name[i] <= '9' && pid < 1L << 30) {
    pid = pid * 10 + (name[i++] - '0');
  }
  if (i == start || i >= name.size() || name[i] != '-' || pid <= 0) return std::nullopt;
  return static_cast<pid_t>(pid);
}

// Wipes every file in `dir` whose name contains `stem` (the file and what an
// editor made beside it).
void wipe_matching(const std::string& dir, const std::function<bool(const std::string&)>& match) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  std::vector<std::string> doomed;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != ".." && match(name)) doomed.push_back(fs::join(dir, name));
  }
  ::closedir(d);
  for (const std::string& path : doomed) wipe(path.c_str());
}

std::string base_name(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The program the editor command runs, resolved through PATH and symlinks
// (vi is often vim, through /etc/alternatives).
std::string program_name(const std::string& word, const Getenv& getenv) {
  std::string found = word;
  if (word.find('/') == std::string::npos) {
    const char* path = getenv("PATH");
    std::string_view rest = path != nullptr ? path : "/usr/bin:/bin";
    while (!rest.empty()) {
      const std::size_t colon = rest.find(':');
      const std::string dir(rest.substr(0, colon));
      rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
      const std::string candidate = fs::join(dir.empty() ? "." : dir, word);
      if (::access(candidate.c_str(), X_OK) == 0) {
        found = candidate;
        break;
      }
    }
  }
  char real[PATH_MAX];
  if (::realpath(found.c_str(), real) != nullptr) {
    const std::string resolved = base_name(real);
    // A multi-call binary (busybox) names nothing useful: keep the word.
    if (resolved != "busybox") return resolved;
  }
  return base_name(word);
}

std::vector<std::string> no_trace_flags(const std::string& program) {
  const auto starts = [&](std::string_view p) { return program.rfind(p, 0) == 0; };
  if (starts("nvim")) {
    return {"-n", "-i", "NONE", "-c", "set nobackup nowritebackup noundofile shada="};
  }
  if (starts("gvim")) {  // -f: in the foreground, or tend would read the file at once
    return {"-f", "-n", "-i", "NONE", "-c", "set nobackup nowritebackup noundofile viminfo="};
  }
  if (program == "vi" || starts("vim") || starts("rvim") || program == "view") {
    return {"-n", "-i", "NONE", "-c", "set nobackup nowritebackup noundofile viminfo="};
  }
  if (program == "nano" || program == "rnano") return {"--ignorercfiles"};
  if (starts("emacs") && !starts("emacsclient")) {
    return {"--eval", "(setq make-backup-files nil auto-save-default nil create-lockfiles nil)"};
  }
  return {};
}

std::string normalise(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += text[i];
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

bool blank(const std::string& s) {
  return s.find_first_not_of(" \t\n\r") == std::string::npos;
}

}  // namespace

// Whether only this user (and root) can rename or replace what is in `parent`:
// a directory of ours that no one else may write, or a sticky one of root's
// (/dev/shm). Otherwise another user could swap tend's directory mid-edit.
Status check_parent(const std::string& parent) {
  struct stat st {};
  if (::lstat(parent.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::error(ErrorKind::kUnsupported,
                         fmt::format("{} is not a directory", quote(parent, 60)),
                         "set XDG_RUNTIME_DIR to your own runtime directory (/run/user/$(id -u))");
  }
  const bool own_private = st.st_uid == ::getuid() && (st.st_mode & 0022) == 0;
  const bool root_sticky = st.st_uid == 0 && (st.st_mode & S_ISVTX) != 0;
  if (!own_private && !root_sticky) {
    return Status::error(
        ErrorKind::kUnsupported,
        fmt::format("{} is not a private directory of yours: another user could swap the note's "
                    "file there",
                    quote(parent, 60)),
        "set XDG_RUNTIME_DIR to your own runtime directory (/run/user/$(id -u))");
  }
  return Status::ok();
}

Result<std::string> editor_dir(const Getenv& getenv) {
  const std::string dir = edit_dir_path(getenv);
  const std::string parent = fs::parent_of(dir);
  if (Status s = check_parent(parent); !s.is_ok()) return s;
  if (!on_tmpfs(parent)) {
    return Status::error(
        ErrorKind::kUnsupported,
        fmt::format(
            "{} is not a tmpfs: the note would reach a disk, so tend will not edit it there",
            quote(parent, 60)),
        "give the note with --note or --note-file -, or set XDG_RUNTIME_DIR to a tmpfs "
        "(such as /run/user/$(id -u))");
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return io_error(fmt::format("cannot create {}: {}", quote(dir, 60), std::strerror(errno)));
  }
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::getuid() ||
      (st.st_mode & 0077) != 0) {
    return Status::error(ErrorKind::kUnsupported,
                         fmt::format("{} is not a private directory of yours", quote(dir, 60)),
                         "set XDG_RUNTIME_DIR to your own runtime directory (/run/user/$(id -u)), "
                         "or remove it if it is yours");
  }
  return dir;
}

Result<std::vector<std::string>> editor_argv(const Getenv& getenv, const std::string& file,
                                             bool* known) {
  std::string command = "vi";
  for (const char* name : {"VISUAL", "EDITOR"}) {
    const char* v = getenv(name);
    if (v != nullptr && v[0] != '\0') {
      command = v;
      break;
    }
  }
  std::vector<std::string> argv;
  if (split_command(command, &argv) != 0 || argv.empty() || argv.front().empty()) {
    return usage_error("$VISUAL or $EDITOR cannot be split into a command",
                       "set it to an editor, such as: EDITOR=nano");
  }
  const std::string program = program_name(argv.front(), getenv);
  std::vector<std::string> flags = no_trace_flags(program);
  if (known != nullptr) *known = !flags.empty() || program.rfind("emacsclient", 0) == 0;
  for (std::string& flag : flags) argv.push_back(std::move(flag));
  argv.push_back(file);
  return argv;
}

void sweep_editor_leftovers(const Getenv& getenv) {
  const std::string dir = edit_dir_path(getenv);
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::getuid()) return;
  if (!check_parent(fs::parent_of(dir)).is_ok()) return;
  wipe_matching(dir, [](const std::string& name) {
    const std::optional<pid_t> pid = owner_pid(name);
    if (!pid) return false;
    return *pid != ::getpid() && ::kill(*pid, 0) != 0 && errno == ESRCH;
  });
}

Result<std::optional<std::string>> edit_in_editor(
    const Getenv& getenv, const std::string& initial,
    const std::function<void(const std::string&)>& note) {
  Result<std::string> dir = editor_dir(getenv);
  if (!dir.is_ok()) return dir.status();
  std::uint8_t random[8];
  if (::getentropy(random, sizeof random) != 0) return io_error("no randomness for a file name");
  std::string stem = fmt::format("{}{}-", kPrefix, ::getpid());
  for (std::uint8_t b : random) stem += fmt::format("{:02x}", b);
  const std::string path = fs::join(*dir, stem + ".txt");
  bool known = false;
  Result<std::vector<std::string>> argv = editor_argv(getenv, path, &known);
  if (!argv.is_ok()) return argv.status();
  if (!known && note) {
    note(
        fmt::format("{} is not an editor tend knows how to keep from writing swap or backup "
                    "files; where it keeps them is its own setting (threat-model.md)",
                    quote(argv->front(), 40)));
  }

  SignalGuard guard(path);
  struct Cleanup {
    std::string dir, stem;
    ~Cleanup() {
      wipe_matching(dir,
                    [&](const std::string& name) { return name.find(stem) != std::string::npos; });
    }
  } cleanup{*dir, stem};

  {
    fs::UniqueFd fd(
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd.valid())
      return io_error(fmt::format("cannot create the note file: {}", std::strerror(errno)));
    std::size_t done = 0;
    while (done < initial.size()) {
      const ssize_t n = ::write(fd.get(), initial.data() + done, initial.size() - done);
      if (n <= 0) return io_error("cannot write the note file");
      done += static_cast<std::size_t>(n);
    }
    if (Status s = fd.close(path); !s.is_ok()) return s;
  }

  // The editor gets the terminal's signals itself; tend waits it out (as
  // system() does) and cleans up afterwards, whatever it did.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : kWipedSignals) sigaddset(&defaults, sig);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args = c_strings(*argv);
  struct sigaction ignore {
  }, old_int{}, old_quit{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGINT, &ignore, &old_int);
  ::sigaction(SIGQUIT, &ignore, &old_quit);
  std::vector<std::string> env = child_environment();
  std::vector<char*> envp = c_strings(env);
  pid_t pid = 0;
  // Blocked around the spawn, so the handler sees the editor's pid or no editor.
  sigset_t block, old_mask;
  sigemptyset(&block);
  for (int sig : kWipedSignals) sigaddset(&block, sig);
  ::sigprocmask(SIG_BLOCK, &block, &old_mask);
  posix_spawnattr_setsigmask(&attr, &old_mask);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  const int rc = ::posix_spawnp(&pid, args[0], nullptr, &attr, args.data(), envp.data());
  if (rc == 0) g_editor_pid = pid;
  ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  posix_spawnattr_destroy(&attr);
  int status = 0;
  if (rc == 0) {
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    g_editor_pid = 0;
  }
  if (g_pending_signal != 0) {
    // tend was told to end while the editor ran: the editor is stopped; wipe
    // everything of this edit, then end as the signal says.
    const int sig = g_pending_signal;
    wipe_matching(*dir,
                  [&](const std::string& name) { return name.find(stem) != std::string::npos; });
    ::signal(sig, SIG_DFL);
    ::raise(sig);
  }
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGQUIT, &old_quit, nullptr);
  const std::string name = quote(argv->front(), 40);
  if (rc != 0)
    return not_found(fmt::format("cannot run the editor {}: {}", name, std::strerror(rc)),
                     "set VISUAL or EDITOR to an editor you have");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return io_error(fmt::format("the editor {} failed; nothing was written", name));
  }
  Result<std::string> text = fs::read_file(path, kMaxNoteBytes + 1);
  if (!text.is_ok()) {
    if (text.status().kind() == ErrorKind::kInvalidInput) {
      return usage_error(fmt::format("the note is larger than {} KiB", kMaxNoteBytes / 1024));
    }
    return io_error("the editor left no note file; nothing was written");
  }
  const std::string written = normalise(*text);
  if (blank(written) || written == normalise(initial)) return std::optional<std::string>();
  return std::optional<std::string>(written);
}

}  // namespace tend::cli
