// Process hygiene, seen from outside the real binary: a whole session under
// strace opens no socket but its own agent's; a running tend writes no core
// and cannot be dumped; a vault that others could change, or that is not the
// user's, is refused; and whatever the umask, files are 0600 and directories
// 0700.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "crypto/age.hpp"
#include "tests/support.hpp"

using namespace tend;

namespace {

const std::string kTend = TEND_BINARY;

// Every network call in an strace log (`-f`: each line starts with a pid).
struct NetworkCall {
  std::string name;  // socket, connect, ...
  std::string line;
};
std::vector<NetworkCall> network_calls(const std::string& log) {
  static const std::regex call(R"(^\d+ +(?:<\.\.\. )?([a-z_0-9]+)[( ])");
  std::vector<NetworkCall> out;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, call)) out.push_back({m[1], line});
  }
  return out;
}

// "Max core file size" from /proc/PID/limits: its soft limit as written.
std::string core_limit(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/limits");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Max core file size", 0) == 0) {
      std::istringstream words(line.substr(18));
      std::string soft;
      words >> soft;
      return soft;
    }
  }
  return "";
}

// Who owns /proc/PID/environ: the process's own user while it is dumpable,
// root once it is not (proc(5), PR_SET_DUMPABLE).
std::optional<uid_t> environ_owner(pid_t pid) {
  struct stat st {};
  if (::stat(("/proc/" + std::to_string(pid) + "/environ").c_str(), &st) != 0) return std::nullopt;
  return st.st_uid;
}

}  // namespace

TEST_CASE("a running tend writes no core and cannot be dumped by its own user",
          "[process][hygiene]") {
  // tend waits for a passphrase on a pipe while its /proc entries are read.
  // As root, it runs as nobody, so that "not dumpable" shows as /proc entries
  // owned by root instead of by nobody.
  const bool as_nobody = ::geteuid() == 0;
  test::TempDir dir;
  if (as_nobody) REQUIRE(::chown(dir.path().c_str(), 65534, 65534) == 0);
  const std::string vault = dir / "v";
  int in[2];
  REQUIRE(::pipe(in) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::close(in[0]);
    ::close(in[1]);
    // Cores allowed as far as this process may: tend must take that back itself.
    rlimit core{};
    ::getrlimit(RLIMIT_CORE, &core);
    core.rlim_cur = core.rlim_max;
    if (as_nobody) core = {RLIM_INFINITY, RLIM_INFINITY};  // root may raise the hard limit
    ::setrlimit(RLIMIT_CORE, &core);
    // AddressSanitizer turns core dumps off itself unless told not to.
    ::setenv("ASAN_OPTIONS", "disable_coredump=0:detect_leaks=0", 1);
    if (as_nobody &&
        (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0)) {
      ::_exit(126);
    }
    ::execl(kTend.c_str(), "tend", "--vault", vault.c_str(), "init", "--passphrase-fd", "0",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(in[0]);
  rlimit mine{};
  ::getrlimit(RLIMIT_CORE, &mine);
  if (as_nobody) mine.rlim_max = RLIM_INFINITY;
  std::string limit;
  std::optional<uid_t> owner;
  // From exec to the first lines of main: poll, for up to 20 s under sanitizers.
  for (int i = 0; i < 2000; ++i) {
    // Only a live process that has become tend counts (a zombie's /proc is root's).
    char exe[4096] = {};
    const ssize_t n =
        ::readlink(("/proc/" + std::to_string(pid) + "/exe").c_str(), exe, sizeof exe - 1);
    if (n <= 0 || std::string(exe, static_cast<std::size_t>(n)) != kTend) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    limit = core_limit(pid);
    owner = environ_owner(pid);
    if (limit == "0" && (!as_nobody || owner == uid_t{0})) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // Still waiting for its passphrase when sampled: not a zombie.
  std::ifstream stat_file("/proc/" + std::to_string(pid) + "/stat");
  std::string stat_line;
  std::getline(stat_file, stat_line);
  CHECK(stat_line.find(") Z ") == std::string::npos);
  ::close(in[1]);  // no passphrase: tend ends without a vault
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) != 126);
  CHECK(WEXITSTATUS(status) != 127);
  if (mine.rlim_max == 0) WARN("core dumps were already off here: the limit proves less");
  CHECK(limit == "0");
  if (as_nobody) {
    CHECK(owner == uid_t{0});
  } else {
    WARN("not root: PR_SET_DUMPABLE is not observable from outside as the same user");
  }
  struct stat st {};
  CHECK(::stat(vault.c_str(), &st) != 0);
}

TEST_CASE("a whole session opens no socket but the one to its own agent",
          "[process][strace][hygiene]") {
  test::TempDir dir;
  test::make_vault(dir / "v");
  const std::string run = dir / "run";
  REQUIRE(::mkdir(run.c_str(), 0700) == 0);
  const std::string recipient =
      crypto::format_age_recipient(crypto::generate_age_identity().public_key);
  test::write_file(dir / "daylio.csv",
                   "full_date,date,weekday,time,mood,activities,note\n"
                   "2026-11-20,x,y,10:00 pm,good,walk,An evening\n");
  test::write_file(dir / "aw.json",
                   R"({"buckets": {"aw-watcher-window_h": {"id": "aw-watcher-window_h",)"
                   R"( "type": "currentwindow", "events": [{"timestamp":)"
                   R"( "2026-11-20T10:00:00Z", "duration": 600.0, "data": {"app": "Calm"}}]}}})");
  // Everything a person does in a week, the agent included, in one traced
  // shell: strace follows every process (the agent too) and ends with the last.
  const std::string session = R"sh(set -e
t() { "$TEND" "$@" >/dev/null; }
trap '"$TEND" lock >/dev/null 2>&1' EXIT  # strace -f waits for the agent: always end it
t mood add 7 --tag walk --note "A good day"
t app log Headspace --duration 15m
t import daylio "$DIR/daylio.csv"
t import activitywatch "$DIR/aw.json" --all-apps
t checkin --app Headspace --answers 4,4,3,2,4
t report
t report --html "$DIR/report.html"
grant=$("$TEND" --json grant add --recipient R --recipient-key "$KEY" --purpose p \
  --data mood,notes | sed -n 's/.*"id": *"\([^"]*\)".*/\1/p')
t export --grant "$grant" -o "$DIR/out.age"
t grant receipt "$grant" -o "$DIR/receipt.json"
t grant revoke "$grant"
t takeout -o "$DIR/takeout.json" --plaintext
t audit export -o "$DIR/pkg"
t audit verify "$DIR/pkg"
t check
t unlock --for 10m
TEND_PASSPHRASE= t status
TEND_PASSPHRASE= t mood list
t lock
)sh";
  const std::string log = dir / "strace.log";
  test::ProcResult r = test::run_process(
      {"strace", "-f", "-qq", "-o", log, "-e", "trace=%network", "sh", "-c", session},
      {{"TEND", kTend},
       {"DIR", dir.path()},
       {"KEY", recipient},
       {"TEND_VAULT", dir / "v"},
       {"TEND_PASSPHRASE", test::kPassphrase},
       {"HOME", dir.path()},
       {"XDG_RUNTIME_DIR", run},
       {"ASAN_OPTIONS", "detect_leaks=0:abort_on_error=1"}});  // LeakSanitizer cannot run traced
  INFO(r.err);
  REQUIRE(r.code == 0);

  const std::vector<NetworkCall> calls = network_calls(test::read_file(log));
  int agent_sockets = 0, connects = 0;
  for (const NetworkCall& c : calls) {
    INFO(c.line);
    if (c.name == "socket" || c.name == "socketpair") {
      CHECK(c.line.find("(AF_UNIX,") != std::string::npos);
      ++agent_sockets;
    }
    if (c.name == "connect" || c.name == "bind" || c.name == "sendto" || c.name == "sendmsg") {
      // Only ever the agent's socket, in the runtime directory tend was given.
      if (c.line.find("sa_family=") != std::string::npos) {
        CHECK(c.line.find("sa_family=AF_UNIX, sun_path=\"" + run + "/tend/") != std::string::npos);
        connects += c.name == "connect" ? 1 : 0;
      }
    }
    CHECK((c.name != "socket" || c.line.find("AF_INET") == std::string::npos));
  }
  // The session did reach its agent (else this test would prove nothing).
  CHECK(agent_sockets >= 3);
  CHECK(connects >= 2);
}

TEST_CASE(
    "a vault others can write, or another user's, is refused, and one others can read is warned of",
    "[process][hygiene]") {
  test::TempDir dir;
  test::make_vault(dir / "v");
  const std::map<std::string, std::string> env = {{"TEND_PASSPHRASE", test::kPassphrase},
                                                  {"HOME", dir.path()}};
  const auto tend = [&](const std::string& vault) {
    return test::run_process({kTend, "--vault", vault, "status"}, env);
  };
  const auto before = test::fingerprint(dir / "v");
  const auto refused = [&](const std::string& path, mode_t mode, const std::string& hint) {
    REQUIRE(::chmod(path.c_str(), mode) == 0);
    test::ProcResult r = tend(dir / "v");
    CHECK(r.code == 77);
    CHECK_THAT(r.err, Catch::Contains("is writable by other users") && Catch::Contains(hint));
    CHECK_THAT(r.err, Catch::StartsWith("tend: error: "));
  };
  refused(dir / "v/vault.db", 0620, "chmod 600");
  REQUIRE(::chmod((dir / "v/vault.db").c_str(), 0600) == 0);
  refused(dir / "v/vault.json", 0602, "chmod 600");
  REQUIRE(::chmod((dir / "v/vault.json").c_str(), 0600) == 0);
  refused(dir / "v", 0770, "chmod 700");
  REQUIRE(::chmod((dir / "v").c_str(), 0700) == 0);
  CHECK(test::fingerprint(dir / "v") == before);  // refused before anything was written

  // Readable by others: opened, with a warning.
  REQUIRE(::chmod((dir / "v/vault.db").c_str(), 0640) == 0);
  test::ProcResult readable = tend(dir / "v");
  CHECK(readable.code == 0);
  CHECK_THAT(readable.err, Catch::Contains("is open to other users (mode 0640)"));
  REQUIRE(::chmod((dir / "v/vault.db").c_str(), 0600) == 0);

  // A vault file that is a symbolic link (SQLite would keep its WAL beside the target).
  REQUIRE(::rename((dir / "v/vault.db").c_str(), (dir / "elsewhere.db").c_str()) == 0);
  REQUIRE(::symlink((dir / "elsewhere.db").c_str(), (dir / "v/vault.db").c_str()) == 0);
  test::ProcResult linked = tend(dir / "v");
  CHECK(linked.code == 77);
  CHECK_THAT(linked.err, Catch::Contains("is not a plain file"));
  REQUIRE(::unlink((dir / "v/vault.db").c_str()) == 0);
  REQUIRE(::rename((dir / "elsewhere.db").c_str(), (dir / "v/vault.db").c_str()) == 0);

  // A directory above the vault that others can write (and that is not
  // sticky): they could put another vault in its place.
  REQUIRE(::mkdir((dir / "shared").c_str(), 0700) == 0);
  REQUIRE(::chmod((dir / "shared").c_str(), 0777) == 0);
  REQUIRE(test::run_process({"cp", "-a", dir / "v", dir / "shared/v"}, {}).code == 0);
  test::ProcResult above = tend(dir / "shared/v");
  CHECK(above.code == 77);
  CHECK_THAT(above.err, Catch::Contains("shared' is writable by other users (mode 0777)") &&
                            Catch::Contains("chmod go-w"));
  test::ProcResult init_there = test::run_process(
      {kTend, "--vault", dir / "shared/new", "init", "--kdf", "interactive"}, env);
  CHECK(init_there.code == 77);
  struct stat none {};
  CHECK(::stat((dir / "shared/new").c_str(), &none) != 0);
  // Sticky, as /tmp is, with the vault's own directory inside: opened.
  REQUIRE(::chmod((dir / "shared").c_str(), 01777) == 0);
  CHECK(tend(dir / "shared/v").code == 0);
  CHECK(test::fingerprint(dir / "v") == before);

  // A path that is a symlink to another user's vault.
  if (::geteuid() != 0) {
    WARN("not root: another user's vault cannot be made here");
    return;
  }
  test::TempDir other;
  REQUIRE(test::run_process({"cp", "-a", dir / "v", other / "v"}, {}).code == 0);
  REQUIRE(test::run_process({"chown", "-R", "65534:65534", other / "v"}, {}).code == 0);
  REQUIRE(::symlink((other / "v").c_str(), (dir / "link").c_str()) == 0);
  const auto others_before = test::fingerprint(other / "v");
  test::ProcResult theirs = tend(dir / "link");
  CHECK(theirs.code == 77);
  CHECK_THAT(theirs.err,
             Catch::Contains("belongs to another user (uid 65534)") && Catch::Contains("readlink"));
  CHECK(test::fingerprint(other / "v") == others_before);

  // The user's own vault, through a link another user owns: they choose where it leads.
  REQUIRE(::symlink((dir / "v").c_str(), (dir / "their-link").c_str()) == 0);
  REQUIRE(::lchown((dir / "their-link").c_str(), 65534, 65534) == 0);
  test::ProcResult their_link = tend(dir / "their-link");
  CHECK(their_link.code == 77);
  CHECK_THAT(their_link.err, Catch::Contains("is a symbolic link that belongs to another user"));
  // A directory above the vault that another user owns.
  test::TempDir theirs_above;
  REQUIRE(test::run_process({"cp", "-a", dir / "v", theirs_above / "v"}, {}).code == 0);
  REQUIRE(::chown(theirs_above.path().c_str(), 65534, 65534) == 0);
  test::ProcResult owned_above = tend(theirs_above / "v");
  CHECK(owned_above.code == 77);
  CHECK_THAT(owned_above.err, Catch::Contains("belongs to another user (uid 65534): whoever owns "
                                              "a directory above the vault"));
  REQUIRE(::chown(theirs_above.path().c_str(), 0, 0) == 0);  // for TempDir to remove it
}

TEST_CASE("whatever the umask, tend makes its files 0600 and its directories 0700",
          "[process][hygiene]") {
  test::TempDir dir;
  const std::string recipient =
      crypto::format_age_recipient(crypto::generate_age_identity().public_key);
  const std::string session = R"sh(set -e
umask 000
t() { "$TEND" "$@" >/dev/null 2>&1; }
t init --kdf interactive
t mood add 6 --note "umask"
grant=$("$TEND" --json grant add --recipient R --recipient-key "$KEY" --purpose p \
  --data mood,notes | sed -n 's/.*"id": *"\([^"]*\)".*/\1/p')
t export --grant "$grant" -o "$DIR/out/export.age"
t grant receipt "$grant" -o "$DIR/out/receipt.json"
t takeout -o "$DIR/out/takeout.json" --plaintext --csv "$DIR/out/csv"
t audit export -o "$DIR/out/audit.pkg"
t report --html "$DIR/out/report.html"
)sh";
  REQUIRE(::mkdir((dir / "out").c_str(), 0755) == 0);
  test::ProcResult r = test::run_process({"sh", "-c", session}, {{"TEND", kTend},
                                                                 {"DIR", dir.path()},
                                                                 {"KEY", recipient},
                                                                 {"TEND_VAULT", dir / "v"},
                                                                 {"TEND_PASSPHRASE", "umask test"},
                                                                 {"HOME", dir.path()}});
  INFO(r.err);
  REQUIRE(r.code == 0);
  std::vector<std::string> files;
  for (const std::string& top : {dir / "v", dir / "out"}) {
    test::ProcResult found = test::run_process({"find", top, "-mindepth", "1"}, {});
    std::istringstream lines(found.out);
    for (std::string line; std::getline(lines, line);) files.push_back(line);
  }
  files.push_back(dir / "v");
  CHECK(files.size() >= 10);
  for (const std::string& f : files) {
    struct stat st {};
    REQUIRE(::lstat(f.c_str(), &st) == 0);
    INFO(f);
    CHECK((st.st_mode & 0777) == (S_ISDIR(st.st_mode) ? 0700u : 0600u));
  }
}
