// The unlock agent, run as the binary: it answers its own user only, ends on
// lock, expiry, SIGTERM and a changed passphrase, leaves the key nowhere, and
// commands fall back to the passphrase when it is gone.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "core/json.hpp"
#include "core/vault.hpp"
#include "crypto/encoding.hpp"
#include "tests/support.hpp"

using namespace tend;

namespace {

const std::string kTend = TEND_BINARY;

struct AgentFixture {
  test::TempDir dir;
  std::string vault, run, socket;
  std::map<std::string, std::string> env;
  pid_t agent = 0;

  AgentFixture() : vault(dir / "vault"), run(dir / "run") {
    test::make_vault(vault);
    ::mkdir(run.c_str(), 0700);
    // No passphrase in the environment: only the agent can unlock.
    env = {{"TEND_VAULT", vault}, {"HOME", dir.path()}, {"XDG_RUNTIME_DIR", run}};
    Result<VaultHeader> h = Vault::read_header(vault);
    REQUIRE(h.is_ok());
    socket = run + "/tend/agent-" + h->vault_id + ".sock";
  }
  ~AgentFixture() {
    if (agent > 0) ::kill(agent, SIGKILL);
  }
  test::ProcResult tend(std::vector<std::string> args) {
    args.insert(args.begin(), kTend);
    return test::run_process(args, env);
  }
  test::ProcResult with_passphrase(std::vector<std::string> args,
                                   const std::string& passphrase = test::kPassphrase) {
    args.insert(args.begin(), kTend);
    std::map<std::string, std::string> e = env;
    e["TEND_PASSPHRASE"] = passphrase;
    return test::run_process(args, e);
  }
  void unlock(const std::string& duration) {
    test::ProcResult r = with_passphrase({"unlock", "--for", duration, "--json"});
    INFO(r.err);
    REQUIRE(r.code == 0);
    Result<Json> j = parse_json(r.out, "unlock");
    REQUIRE(j.is_ok());
    CHECK((*j)["already"] == false);
    agent = (*j)["pid"].get<pid_t>();
    REQUIRE(agent > 0);
  }
};

// Gone, or a zombie no one has reaped yet (its parent, tend unlock, exited).
bool gone(pid_t pid) {
  const std::string stat = "/proc/" + std::to_string(pid) + "/stat";
  if (::access(stat.c_str(), F_OK) != 0) return true;
  const std::string text = test::read_file(stat);
  const auto paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'Z';
}

bool wait_gone(pid_t pid, int seconds) {
  for (int i = 0; i < seconds * 20; ++i) {
    if (gone(pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return gone(pid);
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

int mode_of(const std::string& path) {
  struct stat st {};
  ::lstat(path.c_str(), &st);
  return static_cast<int>(st.st_mode & 07777);
}

// Commands ask for the passphrase again: with none and no terminal, 64.
void expect_locked(AgentFixture& f) {
  test::ProcResult r = f.tend({"status"});
  CHECK(r.code == 64);
  CHECK_THAT(r.err, Catch::StartsWith("tend: error: no passphrase"));
}

}  // namespace

TEST_CASE("an agent holds the key until tend lock, and commands ask nothing meanwhile",
          "[process][agent]") {
  AgentFixture f;
  expect_locked(f);
  f.unlock("10m");
  CHECK(mode_of(f.run + "/tend") == 0700);
  CHECK(mode_of(f.socket) == 0600);
  CHECK(S_ISSOCK(static_cast<mode_t>([&] {
    struct stat st {};
    ::lstat(f.socket.c_str(), &st);
    return st.st_mode;
  }())));

  CHECK(f.tend({"mood", "add", "5"}).code == 0);
  test::ProcResult status = f.tend({"status"});
  CHECK(status.code == 0);
  CHECK_THAT(status.out, Catch::Contains("Agent     unlocked until "));
  test::ProcResult again = f.tend({"unlock"});
  CHECK(again.code == 0);
  CHECK_THAT(again.out, Catch::StartsWith("Already unlocked until "));

  // Never dumped; the key in no file, no environment, no command line.
  const std::string proc = "/proc/" + std::to_string(f.agent);
  CHECK_THAT(test::read_file(proc + "/limits"),
             Catch::Matches("(.|\\n)*Max core file size +0 +0 (.|\\n)*"));
  Result<Vault> v = Vault::unlock(f.vault, test::secret(test::kPassphrase));
  REQUIRE(v.is_ok());
  const std::string raw(reinterpret_cast<const char*>(v->data_key().data()), v->data_key().size());
  const std::string hex = crypto::to_hex(v->data_key().span());
  for (const std::string& where : {proc + "/environ", proc + "/cmdline"}) {
    const std::string text = test::read_file(where);
    CHECK(text.find(raw) == std::string::npos);
    CHECK(text.find(hex) == std::string::npos);
  }
  for (const std::string& d : {f.vault, f.run + "/tend", f.dir.path()}) {
    for (const auto& [name, hash] : test::fingerprint(d)) {
      const std::string text = test::read_file(d + "/" + name);
      INFO(d << "/" << name);
      CHECK(text.find(raw) == std::string::npos);
      CHECK(text.find(hex) == std::string::npos);
    }
  }

  test::ProcResult lock = f.tend({"lock"});
  CHECK(lock.code == 0);
  CHECK(lock.out == "Locked: the agent wiped the key and ended.\n");
  CHECK(wait_gone(f.agent, 5));
  CHECK_FALSE(exists(f.socket));
  expect_locked(f);
  CHECK(f.tend({"lock"}).out == "Locked (no agent was holding the key).\n");
}

TEST_CASE("the agent ends at its deadline, on SIGTERM, and when the passphrase changes",
          "[process][agent]") {
  AgentFixture f;
  SECTION("deadline") {
    f.unlock("2s");
    CHECK(f.tend({"status"}).code == 0);
    CHECK(wait_gone(f.agent, 8));
    CHECK_FALSE(exists(f.socket));
    expect_locked(f);
  }
  SECTION("not before: an agent started with a relative --vault keeps finding it") {
    std::map<std::string, std::string> env = f.env;
    env["TEND_PASSPHRASE"] = test::kPassphrase;
    test::ProcResult r = test::run_process(
        {"sh", "-c", "cd \"$0\" && exec \"$1\" --vault vault unlock --json", f.dir.path(), kTend},
        env);
    REQUIRE(r.code == 0);
    f.agent = (*parse_json(r.out, "unlock"))["pid"].get<pid_t>();
    std::this_thread::sleep_for(std::chrono::seconds(3));  // past its first look at vault.json
    CHECK_FALSE(gone(f.agent));
    CHECK(f.tend({"status"}).code == 0);
    CHECK(f.tend({"lock"}).code == 0);
  }
  SECTION("SIGTERM") {
    f.unlock("10m");
    REQUIRE(::kill(f.agent, SIGTERM) == 0);
    CHECK(wait_gone(f.agent, 5));
    CHECK_FALSE(exists(f.socket));
    expect_locked(f);
  }
  SECTION("a changed passphrase") {
    f.unlock("10m");
    test::write_file(f.dir / "new", "a new passphrase\n");
    test::ProcResult passwd = f.tend({"passwd", "--new-passphrase-file", f.dir / "new"});
    INFO(passwd.err);
    REQUIRE(passwd.code == 0);  // unlocked by the agent
    // The agent never hands out the key again; it ends within its watch interval.
    expect_locked(f);
    CHECK(wait_gone(f.agent, 6));
    CHECK_FALSE(exists(f.socket));
    CHECK(f.with_passphrase({"status"}, "a new passphrase").code == 0);
  }
}

TEST_CASE("a stale agent socket, or a directory not the user's own, is handled plainly",
          "[process][agent]") {
  AgentFixture f;
  f.unlock("10m");
  REQUIRE(::kill(f.agent, SIGKILL) == 0);
  REQUIRE(wait_gone(f.agent, 5));
  REQUIRE(exists(f.socket));  // killed: nothing removed it
  expect_locked(f);           // falls back, says nothing of the socket
  CHECK(f.with_passphrase({"status"}).code == 0);
  f.unlock("10m");  // a new agent in place of the stale socket
  CHECK(f.tend({"status"}).code == 0);
  CHECK(f.tend({"lock"}).code == 0);
  REQUIRE(wait_gone(f.agent, 5));

  ::chmod((f.run + "/tend").c_str(), 0755);
  test::ProcResult open = f.with_passphrase({"unlock"});
  CHECK(open.code == 74);
  CHECK_THAT(open.err, Catch::Contains("is not a private directory of this user's"));
}

TEST_CASE("the agent answers no other user, even through an open socket", "[process][agent]") {
  if (::geteuid() != 0) {
    WARN("not root: cannot run a client as another user here");
    return;
  }
  AgentFixture f;
  f.unlock("10m");
  Result<VaultHeader> h = Vault::read_header(f.vault);
  REQUIRE(h.is_ok());
  // As if the directory and socket had been opened to everyone.
  ::chmod(f.dir.path().c_str(), 0711);
  ::chmod(f.run.c_str(), 0711);
  ::chmod((f.run + "/tend").c_str(), 0711);
  ::chmod(f.socket.c_str(), 0666);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // nobody: connects, asks, and must hear nothing at all.
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(10);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, f.socket.c_str(), sizeof addr.sun_path - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) ::_exit(100 + errno);
    // The agent hangs up without reading, so the request may not even go out.
    ::signal(SIGPIPE, SIG_IGN);
    const std::string ask = "KEY " + h->vault_id + "\n";
    (void)!::write(fd, ask.data(), ask.size());
    char buf[64];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    ::_exit(n <= 0 ? 0 : 13);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  // A command passes over an agent whose directory others can enter...
  CHECK(f.tend({"status"}).code == 64);
  // ...and uses it again once the directory is private.
  ::chmod((f.run + "/tend").c_str(), 0700);
  CHECK(f.tend({"status"}).code == 0);
  CHECK(f.tend({"lock"}).code == 0);
}

TEST_CASE("the agent is not held by a slow client or a full queue, and starts once",
          "[process][agent]") {
  AgentFixture f;
  Result<VaultHeader> h = Vault::read_header(f.vault);
  REQUIRE(h.is_ok());
  auto raw_connect = [&](const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    return fd;
  };
  SECTION("a client that trickles its request does not outlast the deadline") {
    f.unlock("3s");
    const int fd = raw_connect(f.socket);
    std::thread trickle([fd] {
      ::signal(SIGPIPE, SIG_IGN);
      for (int i = 0; i < 12; ++i) {
        if (::send(fd, "K", 1, MSG_NOSIGNAL) != 1) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(900));
      }
    });
    CHECK(wait_gone(f.agent, 8));
    trickle.join();
    ::close(fd);
  }
  SECTION("something listening that never accepts does not hang a command") {
    ::mkdir((f.run + "/tend").c_str(), 0700);
    const int listener = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, f.socket.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(listener, 0) == 0);
    const int filler = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    (void)::connect(filler, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    test::ProcResult r = test::run_process(
        {kTend, "status"},
        [&] {
          auto e = f.env;
          e["TEND_PASSPHRASE"] = test::kPassphrase;
          return e;
        }(),
        "", 20000);
    CHECK(r.code == 0);  // not killed: the agent was passed over at once
    ::close(filler);
    ::close(listener);
  }
  SECTION("two tend unlock at once start one agent") {
    test::ProcResult a, b;
    std::thread first([&] { a = f.with_passphrase({"unlock", "--json"}); });
    b = f.with_passphrase({"unlock", "--json"});
    first.join();
    REQUIRE(a.code == 0);
    REQUIRE(b.code == 0);
    const Json ja = *parse_json(a.out, "a"), jb = *parse_json(b.out, "b");
    CHECK(ja["pid"] == jb["pid"]);
    CHECK(ja["already"] != jb["already"]);
    f.agent = ja["pid"].get<pid_t>();
    CHECK(f.tend({"lock"}).code == 0);
    CHECK(wait_gone(f.agent, 5));
  }
}
