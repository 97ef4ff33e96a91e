#include "core/agent.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "core/fs.hpp"
#include "core/text.hpp"

namespace tend {
namespace {

constexpr std::size_t kKeyBytes = 32;
constexpr int kReplyTimeoutMs = 2000;
// How often the agent looks whether the passphrase changed, when not asked.
constexpr int kWatchMs = 2000;

std::int64_t monotonic_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

bool fill_address(const std::string& path, sockaddr_un* addr) {
  std::memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  if (path.size() >= sizeof addr->sun_path) return false;
  std::memcpy(addr->sun_path, path.data(), path.size());
  return true;
}

// The uid of the process at the other end of `fd`.
std::optional<uid_t> peer_uid(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return std::nullopt;
  return cred.uid;
}

// Waits until `fd` can be read or written, or `deadline_ms` (monotonic) passes.
bool wait_for(int fd, short events, std::int64_t deadline_ms) {
  for (;;) {
    const std::int64_t left = deadline_ms - monotonic_ms();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

// Each exchange, whole, ends by one deadline: a peer that trickles bytes gets
// no more time than one that sends nothing.
bool send_all(int fd, const std::uint8_t* data, std::size_t size, std::int64_t deadline_ms) {
  while (size > 0) {
    if (!wait_for(fd, POLLOUT, deadline_ms)) return false;
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool send_text(int fd, const std::string& text, std::int64_t deadline_ms) {
  return send_all(fd, reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), deadline_ms);
}

bool read_exact(int fd, std::uint8_t* out, std::size_t size, std::int64_t deadline_ms) {
  while (size > 0) {
    if (!wait_for(fd, POLLIN, deadline_ms)) return false;
    const ssize_t n = ::recv(fd, out, size, MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return false;
    out += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// One line (without its newline) of at most `max` bytes, or nullopt.
std::optional<std::string> read_line(int fd, std::size_t max, std::int64_t deadline_ms) {
  std::string line;
  for (;;) {
    std::uint8_t c = 0;
    if (!read_exact(fd, &c, 1, deadline_ms)) return std::nullopt;
    if (c == '\n') return line;
    if (line.size() == max) return std::nullopt;
    line.push_back(static_cast<char>(c));
  }
}

std::optional<std::int64_t> to_int(std::string_view text) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return v;
}

// The directory is this user's own, 0700, and not a link.
bool private_dir(const std::string& dir) {
  struct stat st {};
  return ::lstat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::getuid() &&
         (st.st_mode & 077) == 0;
}

// Connects to the agent of `vault_id`, if its socket is in a directory of this
// user's and a process of this user listens on it. Never waits: a listener
// whose queue is full (one that never accepts) is no agent.
fs::UniqueFd connect_agent(const AgentPlace& place, const std::string& vault_id) {
  sockaddr_un addr{};
  if (!private_dir(place.dir) || !fill_address(place.socket(vault_id), &addr)) {
    return fs::UniqueFd();
  }
  fs::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) return fs::UniqueFd();
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    return fs::UniqueFd();
  }
  if (peer_uid(fd.get()) != ::getuid()) return fs::UniqueFd();
  return fd;
}

// ---- the agent process

struct Agent {
  std::string vault_dir;
  std::string vault_id;
  crypto::Sealed passphrase_slot;  // as it was when unlocked
  crypto::SecretBytes key;
  std::int64_t until = 0;        // wall clock, as shown
  std::int64_t deadline_ms = 0;  // monotonic
};

// The vault still has the passphrase slot it was unlocked with.
bool passphrase_unchanged(const Agent& a) {
  Result<VaultHeader> h = Vault::read_header(a.vault_dir);
  if (!h.is_ok()) return false;
  const KeySlot* slot = h->slot(SlotKind::kPassphrase);
  return slot != nullptr && slot->wrapped.nonce == a.passphrase_slot.nonce &&
         slot->wrapped.ciphertext == a.passphrase_slot.ciphertext;
}

// Answers one request. False when the agent should end.
bool serve(Agent& a, int fd) {
  if (peer_uid(fd) != ::getuid()) return true;  // not ours: no answer at all
  // A client gets kReplyTimeoutMs in all, and never past the agent's deadline.
  const std::int64_t deadline = std::min(monotonic_ms() + kReplyTimeoutMs, a.deadline_ms);
  std::optional<std::string> line = read_line(fd, 128, deadline);
  if (!line) return true;
  if (*line == "LOCK") {
    (void)send_text(fd, "OK\n", deadline);
    return false;
  }
  if (!passphrase_unchanged(a)) {
    (void)send_text(fd, "NO\n", deadline);
    return false;
  }
  if (*line == "STATUS") {
    (void)send_text(fd, fmt::format("OK {} {}\n", a.until, ::getpid()), deadline);
  } else if (*line == "KEY " + a.vault_id) {
    if (send_text(fd, fmt::format("OK {}\n", a.until), deadline)) {
      (void)send_all(fd, a.key.data(), kKeyBytes, deadline);
    }
  } else {
    (void)send_text(fd, "NO\n", deadline);
  }
  return true;
}

[[noreturn]] void run_agent(Agent& a, int listen_fd, const std::string& socket_path,
                            const struct stat& socket_st) {
  // Nothing of the parent's but the socket: not its terminal, not its files.
  const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int target = 0; target <= 2 && null_fd >= 0; ++target) ::dup2(null_fd, target);
  ::dup2(listen_fd, 3);
  ::close_range(4, ~0U, 0);
  listen_fd = 3;
  ::setsid();
  (void)!::chdir("/");  // keeps no directory of the caller's busy

  sigset_t mask;
  sigemptyset(&mask);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&mask, sig);
  ::sigprocmask(SIG_BLOCK, &mask, nullptr);
  const int sig_fd = ::signalfd(-1, &mask, SFD_CLOEXEC);
  ::signal(SIGPIPE, SIG_IGN);

  for (bool running = sig_fd >= 0; running;) {
    const std::int64_t left = a.deadline_ms - monotonic_ms();
    if (left <= 0) break;
    pollfd fds[2] = {{listen_fd, POLLIN, 0}, {sig_fd, POLLIN, 0}};
    const int n = ::poll(fds, 2, static_cast<int>(std::min<std::int64_t>(left, kWatchMs)));
    if (n < 0 && errno != EINTR) break;
    if (fds[1].revents != 0) break;  // SIGTERM, SIGINT or SIGHUP
    if (n == 0 && !passphrase_unchanged(a)) break;
    if ((fds[0].revents & POLLIN) != 0) {
      const int client = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) {
        running = serve(a, client);
        ::close(client);
      }
    }
  }
  a.key = crypto::SecretBytes();  // wiped and freed
  // Remove the socket only if it is still the one this agent made.
  struct stat st {};
  if (::lstat(socket_path.c_str(), &st) == 0 && st.st_ino == socket_st.st_ino &&
      st.st_dev == socket_st.st_dev) {
    ::unlink(socket_path.c_str());
  }
  ::_exit(0);
}

}  // namespace

std::string AgentPlace::socket(const std::string& vault_id) const {
  return fs::join(dir, fmt::format("agent-{}.sock", vault_id));
}

AgentPlace agent_place(const char* xdg_runtime_dir, const char* tmpdir) {
  if (xdg_runtime_dir != nullptr && xdg_runtime_dir[0] == '/') {
    return AgentPlace{fs::join(xdg_runtime_dir, "tend")};
  }
  const std::string tmp = tmpdir != nullptr && tmpdir[0] == '/' ? tmpdir : "/tmp";
  return AgentPlace{fs::join(tmp, fmt::format("tend-{}", ::getuid()))};
}

Status prepare_agent_dir(const AgentPlace& place) {
  if (::mkdir(place.dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return io_error(
        fmt::format("cannot create {}: {}", quote(place.dir, 120), std::strerror(errno)));
  }
  struct stat st {};
  if (::lstat(place.dir.c_str(), &st) != 0) {
    return io_error(fmt::format("cannot use {}: {}", quote(place.dir, 120), std::strerror(errno)));
  }
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::getuid() || (st.st_mode & 077) != 0) {
    return io_error(
        fmt::format("{} is not a private directory of this user's (it must be yours, mode 0700, "
                    "not a link); the agent will not use it",
                    quote(place.dir, 120)),
        "remove it, or set XDG_RUNTIME_DIR");
  }
  return Status::ok();
}

std::optional<crypto::SecretBytes> agent_key(const AgentPlace& place, const std::string& vault_id) {
  fs::UniqueFd fd = connect_agent(place, vault_id);
  const std::int64_t deadline = monotonic_ms() + kReplyTimeoutMs;
  if (!fd.valid() || !send_text(fd.get(), fmt::format("KEY {}\n", vault_id), deadline)) {
    return std::nullopt;
  }
  std::optional<std::string> line = read_line(fd.get(), 64, deadline);
  if (!line || line->rfind("OK ", 0) != 0) return std::nullopt;
  crypto::SecretBytes key(kKeyBytes);
  if (!read_exact(fd.get(), key.data(), kKeyBytes, deadline)) return std::nullopt;
  return key;
}

std::optional<AgentInfo> agent_info(const AgentPlace& place, const std::string& vault_id) {
  fs::UniqueFd fd = connect_agent(place, vault_id);
  const std::int64_t deadline = monotonic_ms() + kReplyTimeoutMs;
  if (!fd.valid() || !send_text(fd.get(), "STATUS\n", deadline)) return std::nullopt;
  std::optional<std::string> line = read_line(fd.get(), 64, deadline);
  if (!line || line->rfind("OK ", 0) != 0) return std::nullopt;
  const std::string_view rest = std::string_view(*line).substr(3);
  const std::size_t space = rest.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::optional<std::int64_t> until = to_int(rest.substr(0, space));
  std::optional<std::int64_t> pid = to_int(rest.substr(space + 1));
  if (!until || !pid) return std::nullopt;
  return AgentInfo{*until, static_cast<pid_t>(*pid)};
}

AgentLock agent_lock(const AgentPlace& place, const std::string& vault_id) {
  fs::UniqueFd fd = connect_agent(place, vault_id);
  if (!fd.valid()) return AgentLock::kNone;
  const std::int64_t deadline = monotonic_ms() + kReplyTimeoutMs;
  if (!send_text(fd.get(), "LOCK\n", deadline)) return AgentLock::kNoAnswer;
  std::optional<std::string> line = read_line(fd.get(), 16, deadline);
  return line && *line == "OK" ? AgentLock::kEnded : AgentLock::kNoAnswer;
}

Result<AgentInfo> start_agent(const AgentPlace& place, const Vault& vault, std::int64_t now,
                              std::int64_t seconds) {
  const std::string& id = vault.header().vault_id;
  Status s = prepare_agent_dir(place);
  if (!s.is_ok()) return s;
  // One tend unlock at a time per vault, from the check for a running agent to
  // the new one listening: two would both take the socket's name.
  const std::string lock_path = fs::join(place.dir, fmt::format("agent-{}.lock", id));
  const fs::UniqueFd lock(
      ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!lock.valid() || ::flock(lock.get(), LOCK_EX) != 0) {
    return io_error(fmt::format("cannot lock {}: {}", quote(lock_path, 120), std::strerror(errno)));
  }
  if (std::optional<AgentInfo> running = agent_info(place, id)) {
    return Status::error(ErrorKind::kExists, "an agent already holds this vault's key",
                         "tend lock ends it; then tend unlock --for ... starts another");
  }
  const std::string path = place.socket(id);
  sockaddr_un addr{};
  if (!fill_address(path, &addr)) {
    return io_error(fmt::format("the agent's socket path {} is too long", quote(path, 120)));
  }
  fs::UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listener.valid())
    return io_error(fmt::format("cannot make a socket: {}", std::strerror(errno)));
  ::unlink(path.c_str());  // a stale socket: no agent answered on it
  const mode_t old_mask = ::umask(0177);
  const int bound = ::bind(listener.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  const int bind_errno = errno;
  ::umask(old_mask);
  if (bound != 0 || ::listen(listener.get(), 16) != 0) {
    return io_error(
        fmt::format("cannot listen on {}: {}", quote(path, 120), std::strerror(bind_errno)));
  }
  struct stat socket_st {};
  if (::lstat(path.c_str(), &socket_st) != 0) {
    return io_error(fmt::format("cannot use {}: {}", quote(path, 120), std::strerror(errno)));
  }

  Agent agent;
  // Absolute: the agent leaves the caller's working directory.
  char* real = ::realpath(vault.paths().dir.c_str(), nullptr);
  if (real == nullptr) {
    return io_error(
        fmt::format("cannot resolve {}: {}", quote(vault.paths().dir, 120), std::strerror(errno)));
  }
  agent.vault_dir = real;
  std::free(real);
  agent.vault_id = id;
  agent.passphrase_slot = vault.header().slot(SlotKind::kPassphrase)->wrapped;
  agent.until = now + seconds;
  agent.deadline_ms = monotonic_ms() + seconds * 1000;

  const pid_t pid = ::fork();
  if (pid < 0) {
    const int e = errno;
    ::unlink(path.c_str());
    return io_error(fmt::format("cannot start the agent: {}", std::strerror(e)));
  }
  if (pid == 0) {
    // Not traceable, never dumped, before the key is copied in.
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    const rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    agent.key = vault.data_key().clone();
    run_agent(agent, listener.get(), path, socket_st);
  }
  return AgentInfo{agent.until, pid};
}

}  // namespace tend
