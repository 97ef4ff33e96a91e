#include "cli/passphrase.hpp"

#include "cli/child.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <wordexp.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ostream>
#include <vector>

#include <fmt/format.h>

#include "core/fs.hpp"
#include "core/text.hpp"

extern char** environ;

namespace tend::cli {
namespace {

// Turns terminal echo off for its lifetime.
class EchoOffGuard {
 public:
  explicit EchoOffGuard(int fd) : fd_(fd) {
    if (tcgetattr(fd_, &saved_) == 0) {
      termios quiet = saved_;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      quiet.c_lflag |= ECHONL;
      active_ = tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
    }
  }
  ~EchoOffGuard() {
    if (active_) tcsetattr(fd_, TCSAFLUSH, &saved_);
  }
  EchoOffGuard(const EchoOffGuard&) = delete;
  EchoOffGuard& operator=(const EchoOffGuard&) = delete;

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

}  // namespace

Result<SecretBytes> read_secret_line(int fd, const std::string& what) {
  SecretBytes buf(kMaxSecretLine + 1);
  std::size_t len = 0;
  for (;;) {
    std::uint8_t c = 0;
    const ssize_t n = ::read(fd, &c, 1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error(fmt::format("cannot read {}: {}", what, std::strerror(errno)));
    }
    if (n == 0 || c == '\n') break;
    if (len == kMaxSecretLine) {
      return invalid_input(fmt::format("{} is longer than {} bytes", what, kMaxSecretLine));
    }
    buf.data()[len++] = c;
  }
  if (len > 0 && buf.data()[len - 1] == '\r') --len;
  buf.truncate(len);
  return buf;
}

Result<SecretBytes> read_secret_file(const std::string& path, const std::string& what) {
  const fs::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return not_found(fmt::format("{} {} does not exist", what, path));
    return io_error(fmt::format("cannot read {} {}: {}", what, path, std::strerror(errno)));
  }
  return read_secret_line(fd.get(), what);
}

Result<SecretBytes> read_terminal_secret(const std::string& prompt) {
  const fs::UniqueFd fd(::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) return not_found("no terminal to ask for the passphrase");
  (void)!::write(fd.get(), prompt.data(), prompt.size());
  EchoOffGuard guard(fd.get());
  return read_secret_line(fd.get(), "passphrase");
}

Result<std::string> read_terminal_line(const std::string& prompt) {
  const fs::UniqueFd fd(::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) return not_found("no terminal to ask");
  (void)!::write(fd.get(), prompt.data(), prompt.size());
  std::string line;
  for (;;) {
    char c = 0;
    const ssize_t n = ::read(fd.get(), &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error(fmt::format("cannot read the terminal: {}", std::strerror(errno)));
    if (n == 0) {
      if (line.empty()) return io_error("the terminal closed (end of input)");
      break;
    }
    if (c == '\n') break;
    if (line.size() < 1024) line += c;
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

Result<SecretBytes> run_passphrase_command(const std::string& command_line) {
  // Split by the C library's shell word expansion (quotes, escapes, $VAR, ~),
  // with command substitution refused; no shell runs.
  std::vector<std::string> argv;
  const int split = split_command(command_line, &argv);
  if (split == WRDE_BADCHAR) {
    return usage_error(
        "--passphrase-command has a character only a shell understands (| & ; < > ( ) { })",
        "to use a pipe, give: sh -c '...'");
  }
  if (split == WRDE_CMDSUB) {
    return usage_error("--passphrase-command may not use $(...) or backquotes",
                       "to use them, give: sh -c '...'");
  }
  if (split != 0) {
    return usage_error("--passphrase-command cannot be split into words (an unclosed quote?)");
  }
  if (argv.empty() || argv.front().empty()) return usage_error("--passphrase-command is empty");
  const std::string name = quote(argv.front(), 60);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return io_error(fmt::format("cannot run {}: {}", name, std::strerror(errno)));
  }
  fs::UniqueFd out(pipe_fds[0]);
  fs::UniqueFd in(pipe_fds[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.get(), STDOUT_FILENO);
  std::vector<char*> args = c_strings(argv);
  pid_t pid = 0;
  // Its stdin and stderr are tend's, so a pinentry or an error reaches the user.
  const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  (void)in.close("");
  if (rc != 0) {
    if (rc == ENOENT) {
      return not_found(fmt::format("the passphrase command {} was not found", name),
                       "give its full path, or check PATH");
    }
    return io_error(
        fmt::format("cannot run the passphrase command {}: {}", name, std::strerror(rc)));
  }
  // The first line may take as long as the user needs (a pinentry asks).
  Result<SecretBytes> line = read_secret_line(out.get(), "the passphrase command's output");
  // Then the rest is read (into guarded memory, dropped) so that the command is
  // not stopped by a full pipe (`pass` prints more lines), but only up to
  // kMaxTail bytes and kGraceMs: a command that goes on printing, or keeps its
  // output open, or does not exit, is ended with SIGTERM.
  constexpr std::size_t kMaxTail = 64 * 1024;
  constexpr int kGraceMs = 5000;
  int status = 0;
  bool ended = false;
  if (line.is_ok()) {
    SecretBytes rest(4096);
    std::size_t drained = 0;
    for (int waited = 0; drained < kMaxTail && waited < kGraceMs;) {
      pollfd p{out.get(), POLLIN, 0};
      const int ready = ::poll(&p, 1, 100);
      if (ready == 0) {
        waited += 100;
        continue;
      }
      const ssize_t n = ::read(out.get(), rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      drained += static_cast<std::size_t>(n);
    }
    (void)out.close("");
    for (int waited = 0; waited < kGraceMs && !ended; waited += 20) {
      const pid_t r = ::waitpid(pid, &status, WNOHANG);
      ended = r == pid;
      if (!ended) ::usleep(20000);
    }
  }
  if (!ended) {
    ::kill(pid, SIGTERM);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!line.is_ok()) return line.status();
    return io_error(fmt::format(
        "the passphrase command {} did not exit after printing the passphrase; tend ended it",
        name));
  }
  // tend stopped reading after kMaxTail: a command that SIGPIPE then ended
  // (or its shell, with 128 + 13) did not fail.
  const bool stopped_by_us = (WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE) ||
                             (WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGPIPE);
  if (WIFSIGNALED(status) && !stopped_by_us) {
    return io_error(
        fmt::format("the passphrase command {} was killed by signal {}", name, WTERMSIG(status)));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0 && !stopped_by_us) {
    return io_error(
        fmt::format("the passphrase command {} failed (exit {})", name, WEXITSTATUS(status)));
  }
  if (!line.is_ok()) return line.status();
  if (line->empty()) {
    return invalid_input(fmt::format("the passphrase command {} printed no passphrase", name),
                         "it must print the passphrase on its first line");
  }
  return line;
}

namespace {

constexpr const char* kNoSourceHint =
    "use --passphrase-file FILE, --passphrase-fd N or --passphrase-command CMD (or "
    "TEND_PASSPHRASE, which is weaker)";

Status check_not_empty(const SecretBytes& p) {
  if (p.empty()) return usage_error("the passphrase is empty");
  return Status::ok();
}

bool any_source(const PassphraseSources& sources, Io& io) {
  return sources.fd || sources.file || sources.command ||
         io.getenv("TEND_PASSPHRASE_COMMAND") != nullptr || io.getenv("TEND_PASSPHRASE") != nullptr;
}

}  // namespace

Result<SecretBytes> current_passphrase(const PassphraseSources& sources, Io& io,
                                       bool* asked_on_terminal) {
  if (asked_on_terminal != nullptr) *asked_on_terminal = false;
  Result<SecretBytes> r = usage_error("no passphrase");
  const int given = (sources.fd ? 1 : 0) + (sources.file ? 1 : 0) + (sources.command ? 1 : 0);
  if (given > 1) {
    return usage_error(
        "--passphrase-fd, --passphrase-file and --passphrase-command conflict; give one");
  }
  if (sources.fd) {
    if (*sources.fd < 0) return usage_error("--passphrase-fd must be a file descriptor number");
    r = read_secret_line(*sources.fd, fmt::format("passphrase from fd {}", *sources.fd));
  } else if (sources.file) {
    r = read_secret_file(*sources.file, "passphrase file");
  } else if (sources.command) {
    r = run_passphrase_command(*sources.command);
  } else if (const char* cmd = io.getenv("TEND_PASSPHRASE_COMMAND")) {
    r = run_passphrase_command(cmd);
  } else if (const char* env = io.getenv("TEND_PASSPHRASE")) {
    r = SecretBytes::from({reinterpret_cast<const std::uint8_t*>(env), std::strlen(env)});
  } else if (io.has_terminal && io.read_terminal_secret) {
    r = io.read_terminal_secret("Passphrase: ");
    if (asked_on_terminal != nullptr) *asked_on_terminal = true;
  } else {
    return usage_error("no passphrase: there is no terminal to ask", kNoSourceHint);
  }
  if (!r.is_ok()) return r.status();
  Status s = check_not_empty(*r);
  if (!s.is_ok()) return s;
  return r;
}

SecretSource new_passphrase(Io& io, PassphraseSources sources, std::optional<std::string> file,
                            NewPassphrase kind) {
  return
      [&io, sources = std::move(sources), file = std::move(file), kind]() -> Result<SecretBytes> {
        Result<SecretBytes> r = usage_error("no new passphrase");
        if (file) {
          r = read_secret_file(*file, "new passphrase file");
        } else if (kind == NewPassphrase::kAnySource && any_source(sources, io)) {
          r = current_passphrase(sources, io);
        } else if (io.has_terminal && io.read_terminal_secret) {
          r = io.read_terminal_secret("New passphrase: ");
          if (!r.is_ok()) return r.status();
          Status s = check_not_empty(*r);
          if (!s.is_ok()) return s;
          Result<SecretBytes> again = io.read_terminal_secret("Repeat it: ");
          if (!again.is_ok()) return again.status();
          if (!r->equals(*again))
            return usage_error("the passphrases do not match; nothing changed");
        } else {
          return usage_error(
              "no new passphrase: there is no terminal to ask",
              kind == NewPassphrase::kAnySource ? kNoSourceHint : "use --new-passphrase-file FILE");
        }
        if (!r.is_ok()) return r.status();
        Status s = check_not_empty(*r);
        if (!s.is_ok()) return s;
        if (r->size() < 8) {
          *io.err << "tend: warning: a passphrase shorter than 8 characters is easy to guess\n";
        }
        return r;
      };
}

}  // namespace tend::cli
