#include "cli/passphrase.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

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

Result<crypto::SecretBytes> read_secret_line(int fd, const std::string& what) {
  crypto::SecretBytes buf(kMaxSecretLine + 1);
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

Result<crypto::SecretBytes> read_secret_file(const std::string& path, const std::string& what) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return not_found(fmt::format("{} {} does not exist", what, path));
    return io_error(fmt::format("cannot read {} {}: {}", what, path, std::strerror(errno)));
  }
  Result<crypto::SecretBytes> r = read_secret_line(fd, what);
  ::close(fd);
  return r;
}

Result<crypto::SecretBytes> read_terminal_secret(const std::string& prompt) {
  const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return not_found("no terminal to ask for the passphrase");
  (void)!::write(fd, prompt.data(), prompt.size());
  Result<crypto::SecretBytes> r = [&] {
    EchoOffGuard guard(fd);
    return read_secret_line(fd, "passphrase");
  }();
  ::close(fd);
  return r;
}

}  // namespace tend::cli
