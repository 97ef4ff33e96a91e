// kill -9 between any two syscalls of a commit: the real binary runs under
// strace, which delivers SIGKILL on entry to the N-th call of a syscall, for
// every N and every syscall that writes or names a file. After each kill the
// visible state must already be in the log: no file with its final name that no
// entry records, no header the log does not know; and the next run finishes or
// reports what was left in flight.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

#include "core/audit_package.hpp"
#include "core/consent.hpp"
#include "core/fs.hpp"
#include "core/schema.hpp"
#include "crypto/age.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/recovery_key.hpp"
#include "tests/support.hpp"

using namespace tend;

namespace {

const std::string kTend = TEND_BINARY;
// The syscalls that make a write durable or visible.
constexpr const char* kSyscalls[] = {"pwrite64", "write",  "fsync",     "fdatasync",
                                     "linkat",   "link",   "renameat2", "renameat",
                                     "rename",   "unlink", "unlinkat"};
const std::string kNewPassphrase = "a new passphrase";

// Every call that syncs, names or removes a file; of the many plain writes
// (SQLite's pages, the output's chunks, lines on stdout) the first, the last and
// every third, which keeps the run short and still lands between each pair of
// syncs.
bool worth_killing(const std::string& syscall, int n, int calls) {
  if (syscall != "write" && syscall != "pwrite64") return true;
  return n == 1 || n == calls || n % 3 == 0;
}

// LeakSanitizer cannot run under ptrace.
std::map<std::string, std::string> traced_env(std::map<std::string, std::string> env) {
  env["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=1";
  return env;
}

std::string syscall_list() {
  std::string out;
  for (const char* s : kSyscalls) out += (out.empty() ? "" : ",") + std::string(s);
  return out;
}

// How often `args` calls each of kSyscalls in a whole run.
std::map<std::string, int> count_syscalls(const std::vector<std::string>& args,
                                          const std::map<std::string, std::string>& env,
                                          const std::string& log) {
  std::vector<std::string> argv = {
      "strace", "-f", "-qq", "-o", log, "-e", "trace=" + syscall_list(), kTend};
  argv.insert(argv.end(), args.begin(), args.end());
  test::ProcResult r = test::run_process(argv, traced_env(env));
  INFO(r.err);
  REQUIRE(r.code == 0);
  std::map<std::string, int> counts;
  std::istringstream lines(test::read_file(log));
  for (std::string line; std::getline(lines, line);) {
    // "PID  name(...": strace pads the pid, so the name starts after the spaces.
    const auto space = line.find(' ');
    const auto name = line.find_first_not_of(' ', space);
    const auto paren = line.find('(');
    if (name == std::string::npos || paren == std::string::npos || paren < name) continue;
    ++counts[line.substr(name, paren - name)];
  }
  return counts;
}

// Runs `args`, killed on entry to the `n`-th call of `syscall`.
test::ProcResult run_killed(const std::vector<std::string>& args,
                            const std::map<std::string, std::string>& env,
                            const std::string& syscall, int n) {
  std::vector<std::string> argv = {"strace",
                                   "-f",
                                   "-qq",
                                   "-o",
                                   "/dev/null",
                                   "-e",
                                   "trace=" + syscall,
                                   "-e",
                                   "inject=" + syscall + ":signal=KILL:when=" + std::to_string(n),
                                   kTend};
  argv.insert(argv.end(), args.begin(), args.end());
  return test::run_process(argv, traced_env(env));
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& [name, hash] : test::fingerprint(dir)) out.push_back(name);
  return out;
}

std::vector<Json> log_entries(Vault& v) {
  std::vector<Json> out;
  for (const AuditEntry& e : *v.audit()->entries(std::nullopt)) {
    out.push_back(*parse_json(e.bytes, "entry"));
  }
  return out;
}

std::int64_t pending_rows(Vault& v) {
  Result<Statement> st = v.db().prepare("SELECT count(*) FROM pending_output;");
  REQUIRE(st.is_ok());
  REQUIRE(*st->step());
  return st->int64(0);
}

// The audit log still verifies, against the checkpoint taken before the kill.
void check_log_verifies(Vault& v, const std::string& trusted) {
  AuditLog log = *v.audit();
  VerifyOptions o;
  o.key = log.verifier_key();
  o.trusted_checkpoint = trusted;
  Result<VerifyReport> r = verify_package(*log.package(), o);
  REQUIRE(r.is_ok());
  INFO(r->failure);
  CHECK(r->ok);
}

// A vault with an entry and a grant, closed, to be copied for each kill.
struct CrashFixture {
  test::TempDir dir;
  std::string base;
  std::string grant;
  std::string recovery_key;
  std::map<std::string, std::string> env;

  CrashFixture() : base(dir / "base") {
    CreatedVault created = test::make_vault(base);
    recovery_key = crypto::as_text(crypto::format_recovery_key(created.recovery_key));
    env = {{"TEND_PASSPHRASE", test::kPassphrase}, {"HOME", dir.path()}};
    test::write_file(dir / "new-passphrase", kNewPassphrase + "\n");
    test::write_file(dir / "recovery-key", recovery_key + "\n");
    auto run = [&](std::vector<std::string> args) {
      args.insert(args.begin(), {kTend, "--vault", base});
      test::ProcResult r = test::run_process(args, env);
      INFO(r.err);
      REQUIRE(r.code == 0);
      return r.out;
    };
    run({"mood", "add", "6", "--note", "before the crash"});
    const std::string key =
        crypto::format_age_recipient(crypto::generate_age_identity().public_key);
    const std::string out = run({"grant", "add", "--recipient", "R", "--recipient-key", key,
                                 "--purpose", "p", "--data", "mood,notes", "--json"});
    grant = (*parse_json(out, "grant"))["id"];
  }

  // A fresh copy of the base vault and an empty output directory.
  struct Copy {
    std::string vault, out;
  };
  Copy copy(const std::string& name) {
    Copy c{dir / (name + "-vault"), dir / (name + "-out")};
    (void)!std::system(("rm -rf '" + c.vault + "' '" + c.out + "' && cp -a '" + base + "' '" +
                        c.vault + "' && mkdir '" + c.out + "'")
                           .c_str());
    return c;
  }

  std::string checkpoint(const std::string& vault) {
    Result<Vault> v = Vault::unlock(vault, test::secret(test::kPassphrase));
    REQUIRE(v.is_ok());
    return *v->audit()->latest_checkpoint();
  }
};

// The next run: a command that unlocks, as the user would type it next.
test::ProcResult next_run(const std::string& vault, const std::string& passphrase,
                          const std::map<std::string, std::string>& base_env) {
  std::map<std::string, std::string> env = base_env;
  env["TEND_PASSPHRASE"] = passphrase;
  return test::run_process({kTend, "--vault", vault, "status"}, env);
}

}  // namespace

TEST_CASE("kill -9 at every write of an export or a receipt: no file the log does not record",
          "[process][crash][strace]") {
  CrashFixture f;
  struct Command {
    const char* name;
    std::vector<std::string> args;  // after --vault V; "OUT" is the output file
    const char* kind;               // the entry that records it
  };
  const Command commands[] = {
      {"export", {"export", "--grant", f.grant, "-o", "OUT"}, "export.created"},
      {"receipt", {"grant", "receipt", f.grant, "-o", "OUT"}, "receipt.issued"},
  };
  for (const Command& c : commands) {
    const std::string trusted = f.checkpoint(f.base);
    auto args_for = [&](const CrashFixture::Copy& copy) {
      std::vector<std::string> args = {"--vault", copy.vault};
      for (const std::string& a : c.args) args.push_back(a == "OUT" ? copy.out + "/file" : a);
      return args;
    };
    const CrashFixture::Copy probe = f.copy("probe");
    const std::map<std::string, int> counts =
        count_syscalls(args_for(probe), f.env, f.dir / "trace");
    int kills = 0;
    for (const auto& [syscall, calls] : counts) {
      for (int n = 1; n <= calls; ++n) {
        if (!worth_killing(syscall, n, calls)) continue;
        INFO(c.name << ": killed at " << syscall << " #" << n << " of " << calls);
        const CrashFixture::Copy copy = f.copy("run");
        test::ProcResult r = run_killed(args_for(copy), f.env, syscall, n);
        if (r.code == 0) continue;  // the call was not reached in this run
        INFO(r.err);
        CHECK(r.code == -SIGKILL);  // it died of the kill, not of an error
        ++kills;
        const std::string file = copy.out + "/file";
        {
          Result<Vault> v = Vault::unlock(copy.vault, test::secret(test::kPassphrase));
          REQUIRE(v.is_ok());
          const std::vector<Json> entries = log_entries(*v);
          const bool logged = entries.back()["kind"] == c.kind;
          // Only the final names, and only what the log records.
          for (const std::string& name : names_in(copy.out))
            CHECK((name == "file" || name == "file.minisig"));
          if (fs::exists(file)) {
            CHECK(logged);
            CHECK(fs::exists(file + ".minisig"));  // the signature is named first
            if (std::string(c.kind) == "export.created") {
              CHECK(entries.back()["meta"]["sha256"] ==
                    crypto::to_hex(crypto::sha256(crypto::as_bytes(test::read_file(file)))));
            }
          }
          Result<CheckedGrant> g = consented_grant(v->db(), f.grant);
          REQUIRE(g.is_ok());
          CHECK(g->tampered.is_ok());  // the count and the entry moved together
          check_log_verifies(*v, trusted);
        }
        // The next run says what was left in flight, and clears it.
        const bool interrupted = [&] {
          Result<Vault> v = Vault::unlock(copy.vault, test::secret(test::kPassphrase));
          return pending_rows(*v) > 0 && !fs::exists(file);
        }();
        test::ProcResult next = next_run(copy.vault, test::kPassphrase, f.env);
        CHECK(next.code == 0);
        CHECK((next.err.find("was interrupted before") != std::string::npos) == interrupted);
        Result<Vault> after = Vault::unlock(copy.vault, test::secret(test::kPassphrase));
        REQUIRE(after.is_ok());
        CHECK(pending_rows(*after) == 0);
      }
    }
    INFO(c.name);
    CHECK(kills > 10);
  }
}

TEST_CASE("kill -9 at every write of an import: the vault is exactly as before or as after",
          "[process][crash][strace][import]") {
  CrashFixture f;
  std::string csv = "full_date,date,weekday,time,mood,activities,note\n";
  constexpr int kRows = 400;
  for (int i = 0; i < kRows; ++i) {
    csv += "2025-" + std::to_string(10 + i % 3) + "-" + std::to_string(10 + i % 18) + ",x,y," +
           std::to_string(1 + i % 12) + ":" + std::to_string(10 + i % 50) +
           " pm,good,walk | read,\"row " + std::to_string(i) + "\"\n";
  }
  test::write_file(f.dir / "daylio.csv", csv);
  const std::string trusted = f.checkpoint(f.base);
  const auto args_for = [&](const CrashFixture::Copy& copy) {
    return std::vector<std::string>{"--vault", copy.vault, "import", "daylio",
                                    f.dir / "daylio.csv"};
  };
  const std::map<std::string, int> counts =
      count_syscalls(args_for(f.copy("probe")), f.env, f.dir / "trace");
  int kills = 0;
  for (const auto& [syscall, calls] : counts) {
    for (int n = 1; n <= calls; ++n) {
      if (!worth_killing(syscall, n, calls)) continue;
      INFO("killed at " << syscall << " #" << n << " of " << calls);
      const CrashFixture::Copy copy = f.copy("run");
      test::ProcResult r = run_killed(args_for(copy), f.env, syscall, n);
      if (r.code == 0) continue;
      INFO(r.err);
      CHECK(r.code == -SIGKILL);  // it died of the kill, not of an error
      ++kills;
      Result<Vault> v = Vault::unlock(copy.vault, test::secret(test::kPassphrase));
      REQUIRE(v.is_ok());
      Result<Statement> st = v->db().prepare("SELECT count(*) FROM mood;");
      REQUIRE(st.is_ok());
      REQUIRE(*st->step());
      const std::int64_t moods = st->int64(0);
      CHECK((moods == 1 || moods == 1 + kRows));  // before, or after: never between
      const bool logged = log_entries(*v).back()["kind"] == "import.completed";
      CHECK(logged == (moods == 1 + kRows));
      Result<std::vector<std::string>> diff = rollup_differences(v->db(), 5);
      REQUIRE(diff.is_ok());
      CHECK(diff->empty());
      check_log_verifies(*v, trusted);
    }
  }
  CHECK(kills > 10);
}

TEST_CASE("kill -9 at every write of passwd or recover: the header changes only once it is logged",
          "[process][crash][strace]") {
  CrashFixture f;
  struct Command {
    const char* name;
    std::vector<std::string> args;
    const char* kind;
  };
  const Command commands[] = {
      {"passwd",
       {"passwd", "--new-passphrase-file", f.dir / "new-passphrase"},
       "passphrase.changed"},
      {"recover",
       {"recover", "--recovery-key-file", f.dir / "recovery-key", "--new-passphrase-file",
        f.dir / "new-passphrase"},
       "recovered"},
  };
  for (const Command& c : commands) {
    const std::string trusted = f.checkpoint(f.base);
    const std::string old_header = test::read_file(f.base + "/vault.json");
    auto args_for = [&](const std::string& vault) {
      std::vector<std::string> args = {"--vault", vault};
      args.insert(args.end(), c.args.begin(), c.args.end());
      return args;
    };
    const std::map<std::string, int> counts =
        count_syscalls(args_for(f.copy("probe").vault), f.env, f.dir / "trace");
    int kills = 0;
    for (const auto& [syscall, calls] : counts) {
      for (int n = 1; n <= calls; ++n) {
        if (!worth_killing(syscall, n, calls)) continue;
        INFO(c.name << ": killed at " << syscall << " #" << n << " of " << calls);
        const CrashFixture::Copy copy = f.copy("run");
        test::ProcResult r = run_killed(args_for(copy.vault), f.env, syscall, n);
        if (r.code == 0) continue;
        INFO(r.err);
        CHECK(r.code == -SIGKILL);  // it died of the kill, not of an error
        ++kills;
        const bool header_changed = test::read_file(copy.vault + "/vault.json") != old_header;
        bool logged = false;
        {
          // Whichever passphrase the header on disk takes, the log must know of it.
          Result<Vault> v = Vault::unlock(copy.vault, test::secret(test::kPassphrase));
          if (!v.is_ok()) v = Vault::unlock(copy.vault, test::secret(kNewPassphrase));
          REQUIRE(v.is_ok());
          logged = log_entries(*v).back()["kind"] == c.kind;
          if (header_changed) CHECK(logged);
          check_log_verifies(*v, trusted);
        }
        // The next run, with the passphrase that opens the vault now: a logged
        // change that had not taken effect is completed, and said so.
        test::ProcResult next =
            next_run(copy.vault, header_changed ? kNewPassphrase : test::kPassphrase, f.env);
        INFO(next.err);
        CHECK(next.code == 0);
        CHECK((next.err.find("completed a passphrase change") != std::string::npos) ==
              (logged && !header_changed));
        // From then on, the log and the passphrase in force agree.
        CHECK(Vault::unlock(copy.vault, test::secret(kNewPassphrase)).is_ok() == logged);
        CHECK(Vault::unlock(copy.vault, test::secret(test::kPassphrase)).is_ok() == !logged);
        for (const std::string& name : names_in(copy.vault)) {
          CHECK(name.find(".tmp-") == std::string::npos);  // no temporary left behind
        }
      }
    }
    INFO(c.name);
    CHECK(kills > 10);
  }
}

TEST_CASE("kill -9 at every write of rekey: the old vault or the new one, each opening",
          "[process][crash][strace][rekey]") {
  CrashFixture f;
  const std::string trusted = f.checkpoint(f.base);
  std::string old_dek;
  {
    Result<Vault> v = Vault::unlock(f.base, test::secret(test::kPassphrase));
    REQUIRE(v.is_ok());
    old_dek = std::string(crypto::as_text(v->data_key()));
  }
  const crypto::SecretBytes recovery =
      *crypto::parse_recovery_key(crypto::as_bytes(f.recovery_key));
  auto args_for = [&](const std::string& vault) {
    return std::vector<std::string>{"--vault", vault, "rekey", "--recovery-key-file",
                                    f.dir / "recovery-key"};
  };
  const std::map<std::string, int> counts =
      count_syscalls(args_for(f.copy("probe").vault), f.env, f.dir / "trace");
  int kills = 0, old_ones = 0, new_ones = 0;
  for (const auto& [syscall, calls] : counts) {
    for (int n = 1; n <= calls; ++n) {
      if (!worth_killing(syscall, n, calls)) continue;
      INFO("rekey: killed at " << syscall << " #" << n << " of " << calls);
      const CrashFixture::Copy copy = f.copy("run");
      test::ProcResult r = run_killed(args_for(copy.vault), f.env, syscall, n);
      if (r.code == 0) continue;
      INFO(r.err);
      CHECK(r.code == -SIGKILL);  // it died of the kill, not of an error
      ++kills;
      {
        // Exactly before or exactly after: the old key and no entry, or the
        // new key and key.rotated last; the log whole either way.
        Result<Vault> v = Vault::unlock(copy.vault, test::secret(test::kPassphrase));
        REQUIRE(v.is_ok());
        const bool new_key = crypto::as_text(v->data_key()) != old_dek;
        CHECK((log_entries(*v).back()["kind"] == "key.rotated") == new_key);
        (new_key ? new_ones : old_ones) += 1;
        check_log_verifies(*v, trusted);
        Result<Statement> st = v->db().prepare("SELECT note FROM mood;");
        REQUIRE(st.is_ok());
        REQUIRE(*st->step());
        CHECK(st->text(0) == "before the crash");  // the data, under whichever key
      }
      CHECK(Vault::unlock_with_recovery_key(copy.vault, recovery).is_ok());
      // The next run opens it, finds every page sound, and removes what the
      // killed rekey left beside it.
      test::ProcResult next = test::run_process({kTend, "--vault", copy.vault, "check"}, f.env);
      INFO(next.err);
      CHECK(next.code == 0);
      for (const std::string& name : names_in(f.dir.path())) {
        CHECK(name.find("run-vault.rekey-") == std::string::npos);
      }
    }
  }
  std::string counted;
  for (const auto& [syscall, calls] : counts)
    counted += syscall + " " + std::to_string(calls) + " ";
  INFO(counted << "; kills " << kills << ", old " << old_ones << ", new " << new_ones);
  CHECK(kills >= 50);
  CHECK(old_ones > 0);
  CHECK(new_ones > 0);
}

TEST_CASE("kill -9 at every write of grant add and grant revoke: the grant exactly before or after",
          "[process][crash][strace][consent]") {
  CrashFixture f;
  const std::string trusted = f.checkpoint(f.base);
  const std::string key = crypto::format_age_recipient(crypto::generate_age_identity().public_key);
  std::size_t base_size = 0;
  {
    Result<Vault> v = Vault::unlock(f.base, test::secret(test::kPassphrase));
    REQUIRE(v.is_ok());
    base_size = log_entries(*v).size();
  }
  struct Command {
    const char* name;
    std::vector<std::string> args;  // after --vault V
    const char* kind;               // the entry that records it
  };
  const Command commands[] = {
      {"grant add",
       {"grant", "add", "--recipient", "S", "--recipient-key", key, "--purpose", "q", "--data",
        "mood"},
       "grant.created"},
      {"grant revoke", {"grant", "revoke", f.grant}, "grant.revoked"},
  };
  for (const Command& c : commands) {
    auto args_for = [&](const CrashFixture::Copy& copy) {
      std::vector<std::string> args = {"--vault", copy.vault};
      args.insert(args.end(), c.args.begin(), c.args.end());
      return args;
    };
    const std::map<std::string, int> counts =
        count_syscalls(args_for(f.copy("probe")), f.env, f.dir / "trace");
    int kills = 0, before = 0, after = 0;
    for (const auto& [syscall, calls] : counts) {
      for (int n = 1; n <= calls; ++n) {  // every call: one transaction makes few
        INFO(c.name << ": killed at " << syscall << " #" << n << " of " << calls);
        const CrashFixture::Copy copy = f.copy("run");
        test::ProcResult r = run_killed(args_for(copy), f.env, syscall, n);
        if (r.code == 0) continue;
        INFO(r.err);
        CHECK(r.code == -SIGKILL);
        ++kills;
        {
          Result<Vault> v = Vault::unlock(copy.vault, test::secret(test::kPassphrase));
          REQUIRE(v.is_ok());
          check_log_verifies(*v, trusted);
          const std::vector<Json> log = log_entries(*v);
          const bool done = log.size() == base_size + 1;
          CHECK((done ? log.back()["kind"] == c.kind : log.size() == base_size));
          (done ? after : before) += 1;
          // The table says what the log says, for every grant.
          Result<std::vector<Grant>> grants = list_grants(v->db(), true, test::kNow);
          REQUIRE(grants.is_ok());
          CHECK(grants->size() == (std::string(c.kind) == "grant.created" && done ? 2u : 1u));
          for (const Grant& g : *grants) {
            Result<CheckedGrant> checked = consented_grant(v->db(), g.id);
            REQUIRE(checked.is_ok());
            CHECK(checked->tampered.is_ok());
            if (g.id == f.grant && std::string(c.kind) == "grant.revoked") {
              CHECK(g.revoked_at.has_value() == done);
            }
          }
        }
        test::ProcResult next = test::run_process({kTend, "--vault", copy.vault, "check"}, f.env);
        INFO(next.err);
        CHECK(next.code == 0);
      }
    }
    INFO(c.name << ": kills " << kills << ", before " << before << ", after " << after);
    CHECK(kills >= 50);
    CHECK(before > 0);
    CHECK(after > 0);
  }
}

TEST_CASE("kill -9 at every write of backup: no backup the log records that is not whole",
          "[process][crash][strace][backup]") {
  CrashFixture f;
  const std::string trusted = f.checkpoint(f.base);
  auto args_for = [&](const CrashFixture::Copy& copy) {
    return std::vector<std::string>{"--vault", copy.vault, "backup", "-o", copy.out + "/b"};
  };
  const std::map<std::string, int> counts =
      count_syscalls(args_for(f.copy("probe")), f.env, f.dir / "trace");
  int kills = 0, logged = 0, unlogged = 0;
  for (const auto& [syscall, calls] : counts) {
    for (int n = 1; n <= calls; ++n) {
      if (!worth_killing(syscall, n, calls)) continue;
      INFO("backup: killed at " << syscall << " #" << n << " of " << calls);
      const CrashFixture::Copy copy = f.copy("run");
      test::ProcResult r = run_killed(args_for(copy), f.env, syscall, n);
      if (r.code == 0) continue;
      INFO(r.err);
      CHECK(r.code == -SIGKILL);
      ++kills;
      const std::string out = copy.out + "/b";
      Result<Vault> v = Vault::unlock(copy.vault, test::secret(test::kPassphrase));
      REQUIRE(v.is_ok());
      check_log_verifies(*v, trusted);
      const std::vector<Json> log = log_entries(*v);
      const bool recorded = log.back()["kind"] == "backup.created";
      (recorded ? logged : unlogged) += 1;
      // A backup the log records is there and whole; one with its name is whole.
      if (recorded) CHECK(fs::exists(out));
      if (fs::exists(out)) {
        Result<Vault> b = Vault::unlock(out, test::secret(test::kPassphrase));
        REQUIRE(b.is_ok());
        CHECK(log_entries(*b).size() == log.size() - (recorded ? 1 : 0));
        test::ProcResult checked = test::run_process({kTend, "--vault", out, "check"}, f.env);
        CHECK(checked.code == 0);
      } else {
        // The next backup to that place removes what this one left, and succeeds.
        std::vector<std::string> argv = args_for(copy);
        argv.insert(argv.begin(), kTend);
        test::ProcResult again = test::run_process(argv, f.env);
        INFO(again.err);
        CHECK(again.code == 0);
        for (const std::string& name : names_in(copy.out)) {
          CHECK(name.find(".backup-") == std::string::npos);
        }
      }
      CHECK(test::run_process({kTend, "--vault", copy.vault, "check"}, f.env).code == 0);
    }
  }
  INFO("kills " << kills << ", logged " << logged << ", not logged " << unlogged);
  CHECK(kills >= 50);
  CHECK(logged > 0);
  CHECK(unlogged > 0);
}

TEST_CASE("kill -9 at every write of restore: the old vault or the restored one",
          "[process][crash][strace][backup]") {
  CrashFixture f;
  const std::string backup = f.dir / "backup";
  auto tend = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {kTend, "--vault", f.base});
    test::ProcResult r = test::run_process(args, f.env);
    INFO(r.err);
    REQUIRE(r.code == 0);
  };
  tend({"backup", "-o", backup});
  // After the backup: the grant revoked, an entry added; the package and the
  // auditor's checkpoint are from then.
  tend({"grant", "revoke", f.grant});
  tend({"mood", "add", "2", "--note", "after the backup"});
  tend({"audit", "export", "-o", f.dir / "pkg"});
  const std::string trusted = f.checkpoint(f.base);
  const auto backup_before = test::fingerprint(backup);
  auto args_for = [&](const CrashFixture::Copy& copy) {
    return std::vector<std::string>{"--vault", copy.vault,        "restore",
                                    backup,    "--audit-package", f.dir / "pkg"};
  };
  const std::map<std::string, int> counts =
      count_syscalls(args_for(f.copy("probe")), f.env, f.dir / "trace");
  int kills = 0, old_ones = 0, restored = 0;
  for (const auto& [syscall, calls] : counts) {
    for (int n = 1; n <= calls; ++n) {
      // Every call: restore makes few plain writes (the copy goes in 1 MiB chunks).

      INFO("restore: killed at " << syscall << " #" << n << " of " << calls);
      const CrashFixture::Copy copy = f.copy("run");
      test::ProcResult r = run_killed(args_for(copy), f.env, syscall, n);
      if (r.code == 0) continue;
      INFO(r.err);
      CHECK(r.code == -SIGKILL);
      ++kills;
      {
        Result<Vault> v = Vault::unlock(copy.vault, test::secret(test::kPassphrase));
        REQUIRE(v.is_ok());
        check_log_verifies(*v, trusted);  // the auditor's checkpoint holds either way
        const bool is_restored = log_entries(*v).back()["kind"] == "vault.restored";
        (is_restored ? restored : old_ones) += 1;
        Result<Statement> st = v->db().prepare("SELECT count(*) FROM mood;");
        REQUIRE(st.is_ok());
        REQUIRE(*st->step());
        CHECK(st->int64(0) == (is_restored ? 1 : 2));  // exactly before, or exactly after
        Result<CheckedGrant> g = consented_grant(v->db(), f.grant);
        REQUIRE(g.is_ok());
        CHECK(g->tampered.is_ok());
        REQUIRE(g->grant);
        CHECK(g->grant->revoked_at.has_value());  // revoked, whichever vault it is
      }
      test::ProcResult next = test::run_process({kTend, "--vault", copy.vault, "check"}, f.env);
      INFO(next.err);
      CHECK(next.code == 0);
      for (const std::string& name : names_in(f.dir.path())) {
        CHECK(name.find("run-vault.restore-") == std::string::npos);
      }
      CHECK(test::fingerprint(backup) == backup_before);
    }
  }
  INFO("kills " << kills << ", old " << old_ones << ", restored " << restored);
  CHECK(kills >= 50);
  CHECK(old_ones > 0);
  CHECK(restored > 0);
}

TEST_CASE("a failed export removes nothing it did not create", "[cli][consent][crash]") {
  test::TempDir dir;
  const std::map<std::string, std::string> env = {{"TEND_VAULT", dir / "v"},
                                                  {"TEND_PASSPHRASE", test::kPassphrase}};
  REQUIRE(test::tend_cli({"init"}, env).code == 0);
  REQUIRE(test::tend_cli({"mood", "add", "5"}, env).code == 0);
  const std::string key = crypto::format_age_recipient(crypto::generate_age_identity().public_key);
  test::CliResult g = test::tend_cli({"grant", "add", "--recipient", "R", "--recipient-key", key,
                                      "--purpose", "p", "--data", "mood", "--json"},
                                     env);
  REQUIRE(g.code == 0);
  const std::string id = (*parse_json(g.out, "grant"))["id"];
  REQUIRE(test::tend_cli({"export", "--grant", id, "-o", dir / "week.age"}, env).code == 0);
  const auto first = test::fingerprint(dir.path());
  test::CliResult again = test::tend_cli({"export", "--grant", id, "-o", dir / "week.age"}, env);
  CHECK(again.code == 73);
  CHECK_THAT(again.err, Catch::Contains("already exists"));
  CHECK(test::fingerprint(dir.path()) == first);  // the first export's files are untouched
  // Only the signature's name taken: still nothing of the first is removed.
  test::write_file(dir / "other.age.minisig", "someone else's");
  CHECK(test::tend_cli({"export", "--grant", id, "-o", dir / "other.age"}, env).code == 73);
  CHECK(test::read_file(dir / "other.age.minisig") == "someone else's");
  CHECK_FALSE(fs::exists(dir / "other.age"));
  // An empty output name is refused before anything is counted or logged.
  const auto vault = test::fingerprint(dir / "v");
  CHECK(test::tend_cli({"export", "--grant", id, "-o", ""}, env).code == 64);
  CHECK(test::tend_cli({"grant", "receipt", id, "-o", ""}, env).code == 64);
  CHECK(test::tend_cli({"audit", "export", "-o", ""}, env).code == 64);
  CHECK(test::fingerprint(dir / "v") == vault);
}

namespace {

// `argv` run from `dir`, through sh, each word quoted.
std::vector<std::string> in_dir(const std::string& dir, const std::vector<std::string>& argv) {
  auto q = [](const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  };
  std::string cmd = "cd " + q(dir) + " && exec";
  for (const std::string& a : argv) cmd += " " + q(a);
  return {"sh", "-c", cmd};
}

}  // namespace

TEST_CASE("an interrupted export is reported by the file it made, from any directory",
          "[process][crash][strace]") {
  CrashFixture f;
  // Killed before the bundle gets its name (at the second link: the signature has
  // its name already); the next run is elsewhere, where files of that name exist.
  // Then killed after both names, before the record is cleared: nothing to report.
  struct Case {
    const char* syscall;
    int n;
    bool reported;
  };
  for (const Case& c : {Case{"linkat", 2, true}, Case{"fsync", 4, false}}) {
    INFO(c.syscall << " #" << c.n);
    const CrashFixture::Copy copy = f.copy("rel");
    ::mkdir((copy.out + "/elsewhere").c_str(), 0700);
    test::write_file(copy.out + "/elsewhere/out.age", "not the export");
    test::write_file(copy.out + "/elsewhere/out.age.minisig", "not its signature");
    std::map<std::string, std::string> env = traced_env(f.env);
    env["TEND_VAULT"] = copy.vault;
    test::ProcResult killed = test::run_process(
        in_dir(
            copy.out,
            {"strace", "-f", "-qq", "-o", "/dev/null", "-e", std::string("trace=") + c.syscall,
             "-e", std::string("inject=") + c.syscall + ":signal=KILL:when=" + std::to_string(c.n),
             kTend, "export", "--grant", f.grant, "-o", "out.age"}),
        env);
    REQUIRE(killed.code != 0);
    CHECK(fs::exists(copy.out + "/out.age") == !c.reported);
    test::ProcResult next =
        test::run_process(in_dir(copy.out + "/elsewhere", {kTend, "status"}), env);
    INFO(next.err);
    CHECK(next.code == 0);
    CHECK((next.err.find("was interrupted before") != std::string::npos) == c.reported);
    if (c.reported) CHECK_THAT(next.err, Catch::Contains(copy.out + "/out.age"));
  }
}

TEST_CASE("two passphrase changes at once: the later logged one is in force",
          "[process][crash][strace]") {
  CrashFixture f;
  const CrashFixture::Copy copy = f.copy("two");
  test::write_file(f.dir / "pA", "passphrase A\n");
  test::write_file(f.dir / "pB", "passphrase B\n");
  std::map<std::string, std::string> env = traced_env(f.env);
  // A logs first, then stalls five seconds as it renames (renameat2 with no flags is the renameat
  // call) vault.json into place. B starts once A's replacement file exists, so A has logged and B
  // still reads the old header, however slow the machine.
  test::ProcResult a;
  std::thread slow([&] {
    a = test::run_process(
        {"strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=renameat,renameat2", "-e",
         "inject=renameat,renameat2:delay_enter=5000000", kTend, "--vault", copy.vault, "passwd",
         "--new-passphrase-file", f.dir / "pA"},
        env);
  });
  const auto replacing = [&] {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(copy.vault, ec)) {
      if (e.path().filename().string().rfind("vault.json.tmp-", 0) == 0) return true;
    }
    return false;
  };
  for (int i = 0; i < 1200 && !replacing(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const bool stalled = replacing();
  if (!stalled) slow.join();
  INFO(a.err);
  REQUIRE(stalled);
  test::ProcResult b = test::run_process(
      {kTend, "--vault", copy.vault, "passwd", "--new-passphrase-file", f.dir / "pB"}, env);
  slow.join();
  INFO(a.err << b.err);
  CHECK(a.code == 0);
  CHECK(b.code == 0);
  Result<Vault> v = Vault::unlock(copy.vault, test::secret("passphrase B"));
  REQUIRE(v.is_ok());
  const std::vector<Json> entries = log_entries(*v);
  REQUIRE(entries.size() >= 2);
  CHECK(entries[entries.size() - 1]["kind"] == "passphrase.changed");
  CHECK(entries[entries.size() - 2]["kind"] == "passphrase.changed");
  CHECK_FALSE(Vault::unlock(copy.vault, test::secret("passphrase A")).is_ok());
  CHECK(pending_rows(*v) == 0);
}

TEST_CASE("an output directory tend cannot read is refused before anything is counted",
          "[process][crash]") {
  // Permissions do not bind root, so the binary runs as nobody when the tests run as root.
  CrashFixture f;
  const CrashFixture::Copy copy = f.copy("wx");
  const std::string wx = copy.out + "/write-only";
  ::mkdir(wx.c_str(), 0300);
  std::vector<std::string> prefix;
  if (::geteuid() == 0) {
    (void)!std::system(
        ("chown -R nobody:nogroup '" + f.dir.path() + "' && chmod 755 '" + f.dir.path() + "'")
            .c_str());
    prefix = {"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"};
  }
  auto tend = [&](std::vector<std::string> args) {
    args.insert(args.begin(), kTend);
    args.insert(args.begin(), prefix.begin(), prefix.end());
    std::map<std::string, std::string> env = f.env;
    env["TEND_VAULT"] = copy.vault;
    return test::run_process(args, env);
  };
  const auto before = test::fingerprint(copy.vault);
  for (std::vector<std::string> args :
       {std::vector<std::string>{"export", "--grant", f.grant, "-o", wx + "/out.age"},
        {"grant", "receipt", f.grant, "-o", wx + "/receipt.json"},
        {"audit", "export", "-o", wx + "/audit.pkg"}}) {
    test::ProcResult r = tend(args);
    INFO(args[0] << ": " << r.err);
    CHECK(r.code == 74);
    CHECK_THAT(r.err, Catch::Contains("Permission denied"));
  }
  ::chmod(wx.c_str(), 0700);
  CHECK(names_in(wx).empty());
  auto after = test::fingerprint(copy.vault);
  after.erase("vault.db-shm");
  auto was = before;
  was.erase("vault.db-shm");
  CHECK(after == was);  // nothing counted, nothing logged
}
