// A real full disk: the vault on a small tmpfs, filled to the last byte, and
// every command that writes run against it. Each fails with exit 74 and one
// line, the vault is as it was and still opens with everything in it, and once
// space is freed the same commands succeed. (tests/cli/fault_test.cpp makes
// each write fail in turn through the file-system interface; this one is the
// kernel's own ENOSPC, SQLite's included.) Mounting needs root, as CI runs.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "crypto/age.hpp"
#include "tests/support.hpp"

using namespace tend;

namespace {

struct Tmpfs {
  std::string path;
  bool mounted = false;
  explicit Tmpfs(std::string p) : path(std::move(p)) {
    if (::mkdir(path.c_str(), 0700) != 0) return;
    mounted =
        ::mount("tmpfs", path.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=3m,mode=0700") == 0;
  }
  ~Tmpfs() {
    if (mounted) ::umount2(path.c_str(), MNT_DETACH);
  }
  Tmpfs(const Tmpfs&) = delete;
  Tmpfs& operator=(const Tmpfs&) = delete;
};

// Writes `path` until the file system is full; returns how many bytes it took.
std::size_t fill(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  REQUIRE(fd >= 0);
  const std::string chunk(4096, 'f');
  std::size_t total = 0;
  for (;;) {
    const ssize_t n = ::write(fd, chunk.data(), chunk.size());
    if (n <= 0) break;
    total += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return total;
}

}  // namespace

TEST_CASE("a real full disk: every write fails with 74 and loses nothing", "[process][diskfull]") {
  if (::geteuid() != 0) {
    WARN("mounting a tmpfs needs root (CI runs as root): skipped");
    return;
  }
  test::TempDir dir;
  Tmpfs disk(dir / "disk");
  if (!disk.mounted) {
    WARN("no tmpfs could be mounted here (" << std::strerror(errno) << "): skipped");
    return;
  }
  const std::string v = disk.path + "/vault";
  std::map<std::string, std::string> env = {{"TEND_VAULT", v},
                                            {"TEND_PASSPHRASE", test::kPassphrase}};
  test::CliResult init = test::tend_cli({"init", "--json"}, env);
  REQUIRE(init.code == 0);
  test::write_file(dir / "rk", (*parse_json(init.out, "init"))["recovery_key"].get<std::string>());
  for (int i = 0; i < 5; ++i) {
    REQUIRE(test::tend_cli({"mood", "add", "6", "--note", "kept " + std::to_string(i)}, env).code ==
            0);
  }
  const std::string key = crypto::format_age_recipient(crypto::generate_age_identity().public_key);
  test::CliResult g = test::tend_cli({"grant", "add", "--recipient", "R", "--recipient-key", key,
                                      "--purpose", "p", "--data", "mood,notes", "--json"},
                                     env);
  REQUIRE(g.code == 0);
  const std::string grant = (*parse_json(g.out, "grant"))["id"];
  REQUIRE(test::tend_cli({"backup", "-o", dir / "b"}, env).code == 0);
  test::write_file(dir / "note", std::string(60 * 1024, 'n'));
  test::write_file(dir / "daylio.csv",
                   "full_date,date,weekday,time,mood,activities,note\n"
                   "2026-11-20,Nov 20,Friday,10:00 pm,good,walk,a note\n");
  const std::string listed = test::tend_cli({"mood", "list", "--json"}, env).out;

  struct Command {
    const char* name;
    std::vector<std::string> args;
  };
  const std::vector<Command> commands = {
      {"mood add", {"mood", "add", "5", "--note-file", dir / "note"}},
      {"import", {"import", "daylio", dir / "daylio.csv"}},
      {"export", {"export", "--grant", grant, "-o", disk.path + "/week.age"}},
      {"grant revoke", {"grant", "revoke", grant}},
      {"audit export", {"audit", "export", "-o", disk.path + "/audit.pkg"}},
      {"backup", {"backup", "-o", disk.path + "/backup"}},
      {"rekey", {"rekey", "--recovery-key-file", dir / "rk"}},
      {"restore", {"restore", dir / "b", "--audit-package", dir / "pkg-now"}},
  };
  // restore's package is the vault's log as it is just then.
  auto take_package = [&] {
    ::unlink((dir / "pkg-now").c_str());
    REQUIRE(test::tend_cli({"audit", "export", "-o", dir / "pkg-now"}, env).code == 0);
  };
  for (const Command& c : commands) {
    if (c.args[0] == "restore") take_package();
    const std::size_t filled = fill(disk.path + "/filler");
    const auto before = test::fingerprint(disk.path);
    test::CliResult r = test::tend_cli(c.args, env);
    INFO(c.name << " on a full disk (the filler took " << filled << " bytes): " << r.err);
    CHECK(r.code == 74);
    CHECK_THAT(r.err, Catch::StartsWith("tend: error: "));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') <= 2);  // the error, and a hint
    CHECK(test::fingerprint(disk.path) == before);             // nothing written, nothing left
    // Even reading needs room (SQLite's shared-memory file); with some, all is there.
    REQUIRE(::unlink((disk.path + "/filler").c_str()) == 0);
    CHECK(test::tend_cli({"mood", "list", "--json"}, env).out == listed);  // nothing lost
  }

  // Space again: the same commands succeed, and the vault checks.
  for (const Command& c : commands) {
    if (c.args[0] == "restore") take_package();
    test::CliResult r = test::tend_cli(c.args, env);
    INFO(c.name << ": " << r.err);
    CHECK(r.code == 0);
    if (c.args[0] == "restore") {  // the backup is from before the rekey: said so
      CHECK_THAT(r.err, Catch::Contains("the data key changed after this backup was made"));
    }
  }
  CHECK(test::tend_cli({"check"}, env).code == 0);
}
