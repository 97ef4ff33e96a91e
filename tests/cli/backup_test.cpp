// tend backup and tend restore: a backup is one moment of the vault, and a
// restore keeps the audit log an append-only history that an auditor's later
// checkpoint still verifies, with consent as the whole log says.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <atomic>
#include <thread>

#include "core/audit_package.hpp"
#include "core/fs.hpp"
#include "core/vault.hpp"
#include "crypto/age.hpp"
#include "tests/support.hpp"

using namespace tend;

namespace {

const std::string kTend = TEND_BINARY;

struct BackupFixture {
  test::TempDir dir;
  std::string vault = dir / "vault";
  std::map<std::string, std::string> env = {{"TEND_VAULT", vault},
                                            {"TEND_PASSPHRASE", test::kPassphrase}};
  std::string recipient = crypto::format_age_recipient(crypto::generate_age_identity().public_key);

  BackupFixture() {
    REQUIRE(test::tend_cli({"init"}, env).code == 0);
    REQUIRE(test::tend_cli({"mood", "add", "6", "--note", "before the backup"}, env).code == 0);
  }
  test::CliResult run(const std::vector<std::string>& args, std::int64_t now = test::kNow) {
    return test::tend_cli(args, env, now);
  }
  std::string grant(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"grant",           "add",     "--recipient", "R",
                                     "--recipient-key", recipient, "--purpose",   "p",
                                     "--data",          "mood",    "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    test::CliResult r = run(args);
    INFO(r.err);
    REQUIRE(r.code == 0);
    return (*parse_json(r.out, "grant"))["id"];
  }
  std::vector<std::string> entries(const std::string& v) {
    Result<Vault> opened = Vault::unlock(v, test::secret(test::kPassphrase));
    REQUIRE(opened.is_ok());
    std::vector<std::string> out;
    for (const AuditEntry& e : *opened->audit()->entries(std::nullopt)) out.push_back(e.bytes);
    return out;
  }
  std::string checkpoint() {
    Result<Vault> v = Vault::unlock(vault, test::secret(test::kPassphrase));
    REQUIRE(v.is_ok());
    return *v->audit()->latest_checkpoint();
  }
  std::string verifier_key() {
    return (*parse_json(run({"identity", "--json"}).out, "identity"))["audit_verifier_key"];
  }
};

// Nothing named DIR.restore-, .rekey-, .backup- or .init- is left in `dir`.
bool no_staging_left(const std::string& dir) {
  for (const auto& [name, hash] : test::fingerprint(dir)) {
    if (name.find(".restore-") != std::string::npos || name.find(".backup-") != std::string::npos)
      return false;
  }
  return true;
}

}  // namespace

TEST_CASE("backup: a copy that checks and opens, logged with its log size", "[cli][backup]") {
  BackupFixture f;
  test::CliResult r = f.run({"backup", "-o", f.dir / "b", "--json"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const Json out = *parse_json(r.out, "out");
  CHECK(out["backup"] == f.dir / "b");
  const std::vector<std::string> live = f.entries(f.vault);
  const std::vector<std::string> copy = f.entries(f.dir / "b");
  REQUIRE(out["log_size"] == copy.size());
  REQUIRE(live.size() == copy.size() + 1);
  CHECK(std::equal(copy.begin(), copy.end(), live.begin()));
  const Json last = *parse_json(live.back(), "entry");
  CHECK(last["kind"] == "backup.created");
  CHECK(last["meta"] == Json{{"log_size", copy.size()}});  // no path
  CHECK(out["audit_seq"] == last["seq"]);

  std::map<std::string, std::string> at_backup = f.env;
  at_backup["TEND_VAULT"] = f.dir / "b";
  CHECK(test::tend_cli({"check"}, at_backup).code == 0);
  test::CliResult listed = test::tend_cli({"mood", "list"}, at_backup);
  CHECK_THAT(listed.out, Catch::Contains("before the backup"));
  // Encrypted as at rest: the same header, the same data key.
  CHECK(test::read_file(f.dir / "b/vault.json") == test::read_file(f.vault + "/vault.json"));
  CHECK(std::string(crypto::as_text(test::unwrap_dek(f.dir / "b", test::kPassphrase))) ==
        std::string(crypto::as_text(test::unwrap_dek(f.vault, test::kPassphrase))));
  CHECK(no_staging_left(f.dir.path()));
}

TEST_CASE("backup refuses what it cannot do, and changes nothing", "[cli][backup]") {
  BackupFixture f;
  test::write_file(f.dir / "full", "");
  REQUIRE(::mkdir((f.dir / "taken").c_str(), 0700) == 0);
  test::write_file(f.dir / "taken/x", "x");
  const auto before = test::fingerprint(f.vault);
  struct Case {
    std::vector<std::string> args;
    int code;
    const char* says;
  } cases[] = {
      {{"backup"}, 64, "needs -o DIR"},
      {{"backup", "-o", f.dir / "taken"}, 73, "exists and is not empty"},
      {{"backup", "-o", f.dir / "full"}, 73, "exists and is not empty"},
      {{"backup", "-o", f.vault + "/inside"}, 64, "inside the vault directory"},
      {{"backup", "-o", f.vault + "/sub/dir"}, 64, "inside the vault directory"},
      {{"backup", "-o", f.dir / "nx/../vault/sub/dir"}, 64, "inside the vault directory"},
  };
  for (const Case& c : cases) {
    test::CliResult r = f.run(c.args);
    INFO(c.args.back());
    CHECK(r.code == c.code);
    CHECK_THAT(r.err, Catch::StartsWith("tend: error: ") && Catch::Contains(c.says));
    CHECK(test::fingerprint(f.vault) == before);
  }
  CHECK(test::read_file(f.dir / "taken/x") == "x");
  CHECK_FALSE(fs::exists(f.vault + "/sub"));  // no directory made before the refusal
  CHECK_FALSE(fs::exists(f.dir / "nx"));
}

TEST_CASE("restoring a backup from before a rekey says the old key is back", "[cli][backup]") {
  BackupFixture f;
  REQUIRE(f.run({"backup", "-o", f.dir / "b"}).code == 0);
  REQUIRE(f.run({"rekey", "--new-recovery-key"}).code == 0);
  for (const char* how : {"--accept-rollback", "--audit-package"}) {
    std::vector<std::string> args = {"restore", f.dir / "b", how};
    if (std::string(how) == "--audit-package") {
      REQUIRE(f.run({"rekey", "--new-recovery-key"}).code == 0);
      ::unlink((f.dir / "pkg").c_str());
      REQUIRE(f.run({"audit", "export", "-o", f.dir / "pkg"}).code == 0);
      args.push_back(f.dir / "pkg");
    }
    test::CliResult r = f.run(args);
    INFO(how << ": " << r.err);
    CHECK(r.code == 0);
    CHECK_THAT(r.err, Catch::Contains("the data key changed after this backup was made"));
  }
}

TEST_CASE("a backup named like a staging directory is never taken for one", "[cli][backup]") {
  BackupFixture f;
  const std::string named = f.vault + ".restore-202611271200";
  REQUIRE(f.run({"backup", "-o", named}).code == 0);
  REQUIRE(f.run({"backup", "-o", f.vault + ".backup-202611271200"}).code == 0);
  REQUIRE(f.run({"status"}).code == 0);  // an unlock: stale staging is cleaned here
  CHECK(fs::exists(named + "/vault.db"));
  CHECK(fs::exists(f.vault + ".backup-202611271200/vault.db"));
  REQUIRE(f.run({"audit", "export", "-o", f.dir / "pkg"}).code == 0);
  test::CliResult r = f.run({"restore", named, "--audit-package", f.dir / "pkg"});
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(fs::exists(named + "/vault.db"));
}

TEST_CASE("restore with a package older than the vault refuses: ended consent stays ended",
          "[cli][backup]") {
  BackupFixture f;
  const std::string g = f.grant({"--max-exports", "1"});
  REQUIRE(f.run({"backup", "-o", f.dir / "b"}).code == 0);
  REQUIRE(f.run({"audit", "export", "-o", f.dir / "stale"}).code == 0);
  REQUIRE(f.run({"export", "--grant", g, "-o", f.dir / "e1"}).code == 0);
  REQUIRE(f.run({"grant", "revoke", g}).code == 0);
  const auto before = test::fingerprint(f.vault);
  test::CliResult r = f.run({"restore", f.dir / "b", "--audit-package", f.dir / "stale"});
  CHECK(r.code == 65);
  CHECK_THAT(r.err, Catch::Contains("not the vault's log as it is now"));
  CHECK(test::fingerprint(f.vault) == before);
  CHECK(f.run({"export", "--grant", g, "-o", f.dir / "e2"}).code == 77);
  // The passphrase must open the vault being replaced too.
  std::map<std::string, std::string> other = f.env;
  other["TEND_PASSPHRASE"] = "another passphrase";
  test::write_file(f.dir / "np", "another passphrase\n");
  REQUIRE(f.run({"passwd", "--new-passphrase-file", f.dir / "np"}).code == 0);
  REQUIRE(f.run({"audit", "export", "-o", f.dir / "now"}, test::kNow).code == 77);
  REQUIRE(test::tend_cli({"audit", "export", "-o", f.dir / "now"}, other).code == 0);
  const auto changed = test::fingerprint(f.vault);
  test::CliResult wrong = f.run({"restore", f.dir / "b", "--audit-package", f.dir / "now"});
  CHECK(wrong.code == 77);
  CHECK_THAT(wrong.err, Catch::Contains("does not open the vault to be replaced"));
  CHECK(test::fingerprint(f.vault) == changed);
}

TEST_CASE("restore with a newer package: the auditor's checkpoint verifies, consent stays ended",
          "[cli][backup]") {
  BackupFixture f;
  const std::string revoked_later = f.grant();
  const std::string used_up_later = f.grant({"--max-exports", "1"});
  REQUIRE(f.run({"backup", "-o", f.dir / "b"}).code == 0);
  const auto backup_before = test::fingerprint(f.dir / "b");
  const std::size_t backup_size = f.entries(f.dir / "b").size();

  // After the backup: one grant revoked, one used up, one made; a new entry.
  REQUIRE(f.run({"grant", "revoke", revoked_later}).code == 0);
  REQUIRE(f.run({"export", "--grant", used_up_later, "-o", f.dir / "e1"}).code == 0);
  const std::string made_later = f.grant();
  REQUIRE(f.run({"mood", "add", "2", "--note", "after the backup"}).code == 0);
  REQUIRE(f.run({"audit", "export", "-o", f.dir / "pkg"}).code == 0);
  test::write_file(f.dir / "trusted", f.checkpoint());  // what the auditor keeps
  const std::size_t package_size = f.entries(f.vault).size();

  test::CliResult r = f.run({"restore", f.dir / "b", "--audit-package", f.dir / "pkg", "--json"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const Json out = *parse_json(r.out, "out");
  CHECK(out["log"] == "continued");
  CHECK(out["backup_log_size"] == backup_size);
  CHECK(out["reappended"] == package_size - backup_size);
  CHECK(out["grants_revoked"] == Json::array({made_later}));
  CHECK(out["journal_rows"] == 1);
  CHECK(out["replaced"] == true);

  // The log is the package's, then the revocation and the restore.
  const std::vector<std::string> log = f.entries(f.vault);
  REQUIRE(log.size() == package_size + 2);
  const Json revocation = *parse_json(log[package_size], "entry");
  CHECK(revocation["kind"] == "grant.revoked");
  CHECK(revocation["meta"] == Json{{"grant", made_later}});
  const Json restored = *parse_json(log.back(), "entry");
  CHECK(restored["kind"] == "vault.restored");
  CHECK(restored["meta"] == Json{{"backup_log_size", backup_size},
                                 {"reappended", package_size - backup_size},
                                 {"journal_rows", 1},
                                 {"log", "continued"}});
  REQUIRE(f.run({"audit", "export", "-o", f.dir / "pkg2"}).code == 0);
  test::CliResult verified = f.run({"audit", "verify", f.dir / "pkg2", "--key", f.verifier_key(),
                                    "--trusted-checkpoint", f.dir / "trusted"});
  INFO(verified.out << verified.err);
  CHECK(verified.code == 0);

  // Consent as the whole log says: nothing ended after the backup is live again.
  for (const std::string& g : {revoked_later, used_up_later, made_later}) {
    test::CliResult e = f.run({"export", "--grant", g, "-o", f.dir / ("x-" + g)});
    INFO(g << ": " << e.err);
    CHECK(e.code == 77);
    CHECK_THAT(e.err, Catch::Contains("revoked") || Catch::Contains("all 1 of its exports"));
  }
  const Json grants = *parse_json(f.run({"grant", "list", "--all", "--json"}).out, "grants");
  std::map<std::string, std::string> state;
  for (const Json& g : grants["items"]) state[g["id"]] = g["state"];
  CHECK(state[revoked_later] == "revoked");
  CHECK(state[used_up_later] == "exhausted");
  CHECK(state.count(made_later) == 0);

  CHECK_THAT(f.run({"mood", "list"}).out, !Catch::Contains("after the backup"));
  CHECK(f.run({"check"}).code == 0);
  CHECK(test::fingerprint(f.dir / "b") == backup_before);  // never written
  CHECK(no_staging_left(f.dir.path()));
}

TEST_CASE("restore without a package refuses, and with --accept-rollback it is recorded",
          "[cli][backup]") {
  BackupFixture f;
  REQUIRE(f.run({"backup", "-o", f.dir / "b"}).code == 0);
  REQUIRE(f.run({"mood", "rm", "1", "--yes"}).code == 0);
  test::write_file(f.dir / "trusted", f.checkpoint());
  const auto before = test::fingerprint(f.vault);

  test::CliResult refused = f.run({"restore", f.dir / "b"});
  CHECK(refused.code == 64);
  CHECK_THAT(refused.err, Catch::Contains("--audit-package PKG, or --accept-rollback"));
  CHECK(test::fingerprint(f.vault) == before);

  test::CliResult r = f.run({"restore", f.dir / "b", "--accept-rollback", "--json"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK((*parse_json(r.out, "out"))["log"] == "rolled_back");
  const Json last = *parse_json(f.entries(f.vault).back(), "entry");
  CHECK(last["kind"] == "vault.restored");
  CHECK(last["meta"]["log"] == "rolled_back");
  CHECK(last["meta"]["reappended"] == 0);
  // The auditor's later checkpoint shows the rollback.
  REQUIRE(f.run({"audit", "export", "-o", f.dir / "pkg"}).code == 0);
  test::CliResult verified = f.run({"audit", "verify", f.dir / "pkg", "--key", f.verifier_key(),
                                    "--trusted-checkpoint", f.dir / "trusted"});
  CHECK(verified.code == 1);
  CHECK_THAT(f.run({"mood", "list"}).out, Catch::Contains("before the backup"));  // back
  CHECK(f.run({"check"}).code == 0);
}

TEST_CASE("restore refuses bad backups and packages, and changes nothing", "[cli][backup]") {
  BackupFixture f;
  REQUIRE(f.run({"audit", "export", "-o", f.dir / "old-pkg"}).code == 0);
  REQUIRE(f.run({"mood", "rm", "1", "--yes"}).code == 0);  // the backup is newer than old-pkg
  REQUIRE(f.run({"backup", "-o", f.dir / "b"}).code == 0);
  REQUIRE(f.run({"audit", "export", "-o", f.dir / "pkg"}).code == 0);
  std::string tampered = test::read_file(f.dir / "pkg");
  const std::size_t at = tampered.find("\"count\":1");
  REQUIRE(at != std::string::npos);
  tampered[at + 8] = '2';
  test::write_file(f.dir / "tampered-pkg", tampered);
  // Another vault: its backup, and its package.
  std::map<std::string, std::string> other = f.env;
  other["TEND_VAULT"] = f.dir / "other";
  REQUIRE(test::tend_cli({"init"}, other).code == 0);
  REQUIRE(test::tend_cli({"backup", "-o", f.dir / "other-b"}, other).code == 0);
  REQUIRE(test::tend_cli({"audit", "export", "-o", f.dir / "other-pkg"}, other).code == 0);
  test::write_file(f.dir / "junk", "not a package\n");

  const auto vault_before = test::fingerprint(f.vault);
  const auto backup_before = test::fingerprint(f.dir / "b");
  struct Case {
    std::vector<std::string> args;
    int code;
    const char* says;
    const char* passphrase = test::kPassphrase;
  } cases[] = {
      {{"restore", f.dir / "b", "--audit-package", f.dir / "old-pkg"}, 65, "older than the backup"},
      {{"restore", f.dir / "b", "--audit-package", f.dir / "tampered-pkg"}, 65, "does not verify"},
      {{"restore", f.dir / "b", "--audit-package", f.dir / "other-pkg"}, 65, "does not verify"},
      {{"restore", f.dir / "b", "--audit-package", f.dir / "junk"}, 65, "audit package"},
      {{"restore", f.dir / "b", "--audit-package", f.dir / "absent"}, 66, "absent"},
      {{"restore", f.dir / "other-b", "--accept-rollback"}, 64, "a backup of vault"},
      {{"restore", f.dir / "absent", "--accept-rollback"}, 66, "cannot read the backup"},
      {{"restore", f.vault, "--accept-rollback"}, 64, "the vault itself"},
      {{"restore", f.dir / "b", "--accept-rollback"}, 77, "", "wrong passphrase"},
  };
  for (const Case& c : cases) {
    std::map<std::string, std::string> env = f.env;
    env["TEND_PASSPHRASE"] = c.passphrase;
    test::CliResult r = test::tend_cli(c.args, env);
    INFO(c.args[1] << " " << c.args.back() << ": " << r.err);
    CHECK(r.code == c.code);
    CHECK_THAT(r.err, Catch::StartsWith("tend: error: ") && Catch::Contains(c.says));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') <= 2);  // the error, and a hint
    CHECK(test::fingerprint(f.vault) == vault_before);
    CHECK(test::fingerprint(f.dir / "b") == backup_before);
  }
  CHECK(no_staging_left(f.dir.path()));
}

TEST_CASE("restore onto a new device: no vault there yet", "[cli][backup]") {
  BackupFixture f;
  REQUIRE(f.run({"backup", "-o", f.dir / "b"}).code == 0);
  REQUIRE(f.run({"audit", "export", "-o", f.dir / "pkg"}).code == 0);
  std::map<std::string, std::string> fresh = f.env;
  fresh["TEND_VAULT"] = f.dir / "new/place/vault";
  test::CliResult r =
      test::tend_cli({"restore", f.dir / "b", "--audit-package", f.dir / "pkg", "--json"}, fresh);
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK((*parse_json(r.out, "out"))["replaced"] == false);
  CHECK_THAT(test::tend_cli({"mood", "list"}, fresh).out, Catch::Contains("before the backup"));
  CHECK(test::tend_cli({"check"}, fresh).code == 0);
}

TEST_CASE("status says when the vault was last backed up, and warns after 30 days",
          "[cli][backup]") {
  BackupFixture f;
  constexpr std::int64_t kDay = 86400;
  test::CliResult young = f.run({"status"}, test::kNow + 29 * kDay);
  CHECK_THAT(young.out, Catch::Contains("Backup    never"));
  CHECK(young.err.empty());
  test::CliResult old = f.run({"status", "--json"}, test::kNow + 31 * kDay);
  CHECK_THAT(old.err, Catch::Contains("never backed up"));
  CHECK((*parse_json(old.out, "status"))["backup"]["overdue"] == true);

  REQUIRE(f.run({"backup", "-o", f.dir / "b"}, test::kNow + 31 * kDay).code == 0);
  test::CliResult fresh = f.run({"status", "--json"}, test::kNow + 60 * kDay);
  CHECK(fresh.err.empty());
  const Json b = (*parse_json(fresh.out, "status"))["backup"];
  CHECK(b["overdue"] == false);
  CHECK(b["last_unix"] == test::kNow + 31 * kDay);
  test::CliResult stale = f.run({"status"}, test::kNow + 62 * kDay);
  CHECK_THAT(stale.err, Catch::Contains("last backed up more than 30 days ago"));
}

TEST_CASE("a backup taken while two tends write is one moment of the vault", "[process][backup]") {
  test::TempDir dir;
  const std::string vault = dir / "vault";
  (void)test::make_vault(vault);
  const std::map<std::string, std::string> env = {
      {"TEND_VAULT", vault}, {"TEND_PASSPHRASE", test::kPassphrase}, {"HOME", dir.path()}};
  std::atomic<bool> done{false};
  std::atomic<int> failures{0}, writes{0};
  auto writer = [&](bool remove) {
    while (!done) {
      test::ProcResult r = test::run_process({kTend, "mood", "add", "4", "--json"}, env);
      if (r.code == 0 && remove) {
        const std::string id = std::to_string((*parse_json(r.out, "out"))["id"].get<int>());
        r = test::run_process({kTend, "mood", "rm", id, "--yes"}, env);  // an audit entry
      }
      if (r.code != 0) {
        ++failures;
        UNSCOPED_INFO(r.err);
      }
      ++writes;
    }
  };
  std::thread a(writer, false), b(writer, true);
  std::vector<std::string> backups;
  for (int i = 0; i < 6; ++i) {
    const std::string out = dir / ("b" + std::to_string(i));
    test::ProcResult r = test::run_process({kTend, "backup", "-o", out}, env);
    INFO(r.err);
    CHECK(r.code == 0);
    backups.push_back(out);
  }
  done = true;
  a.join();
  b.join();
  CHECK(failures == 0);
  CHECK(writes > 6);

  Result<Vault> live = Vault::unlock(vault, test::secret(test::kPassphrase));
  REQUIRE(live.is_ok());
  const std::vector<AuditEntry> log = *live->audit()->entries(std::nullopt);
  std::size_t logged = 0;
  for (const std::string& out : backups) {
    std::map<std::string, std::string> at = env;
    at["TEND_VAULT"] = out;
    test::ProcResult checked = test::run_process({kTend, "check"}, at);
    INFO(out << ": " << checked.out);
    CHECK(checked.code == 0);  // rollups agree with the rows: no half-written command
    Result<Vault> copy = Vault::unlock(out, test::secret(test::kPassphrase));
    REQUIRE(copy.is_ok());
    const std::vector<AuditEntry> prefix = *copy->audit()->entries(std::nullopt);
    REQUIRE(prefix.size() < log.size());
    for (std::size_t i = 0; i < prefix.size(); ++i) CHECK(prefix[i].bytes == log[i].bytes);
    // The entry right after the copy's log is the one that records it.
    const Json next = *parse_json(log[prefix.size()].bytes, "entry");
    CHECK(next["kind"] == "backup.created");
    CHECK(next["meta"]["log_size"] == prefix.size());
    ++logged;
  }
  CHECK(logged == backups.size());
}
