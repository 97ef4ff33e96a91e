#include "cli/passphrase.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ostream>

#include <fmt/format.h>

#include "core/fs.hpp"

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

namespace {

constexpr const char* kNoSourceHint =
    "use --passphrase-file FILE or --passphrase-fd N (or TEND_PASSPHRASE, which is weaker)";

Status check_not_empty(const SecretBytes& p) {
  if (p.empty()) return usage_error("the passphrase is empty");
  return Status::ok();
}

bool any_source(const PassphraseSources& sources, Io& io) {
  return sources.fd || sources.file || io.getenv("TEND_PASSPHRASE") != nullptr;
}

}  // namespace

Result<SecretBytes> current_passphrase(const PassphraseSources& sources, Io& io) {
  Result<SecretBytes> r = usage_error("no passphrase");
  if (sources.fd) {
    if (sources.file) {
      return usage_error("--passphrase-fd and --passphrase-file conflict; give one");
    }
    if (*sources.fd < 0) return usage_error("--passphrase-fd must be a file descriptor number");
    r = read_secret_line(*sources.fd, fmt::format("passphrase from fd {}", *sources.fd));
  } else if (sources.file) {
    r = read_secret_file(*sources.file, "passphrase file");
  } else if (const char* env = io.getenv("TEND_PASSPHRASE")) {
    r = SecretBytes::from({reinterpret_cast<const std::uint8_t*>(env), std::strlen(env)});
  } else if (io.has_terminal && io.read_terminal_secret) {
    r = io.read_terminal_secret("Passphrase: ");
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
