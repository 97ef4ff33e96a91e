// The real tend binary as a child process, and the stock sqlcipher shell.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <signal.h>

#include <random>
#include <thread>

#include "core/fs.hpp"
#include "core/mood.hpp"
#include "crypto/age.hpp"
#include "crypto/encoding.hpp"
#include "tests/support.hpp"

using namespace tend;

namespace {

const std::string kTend = TEND_BINARY;

struct ProcFixture {
  test::TempDir dir;
  std::string vault;
  std::map<std::string, std::string> env;
  ProcFixture() : vault(dir / "vault") {
    test::make_vault(vault);  // the cheap test-only KDF; the binary reads it from the header
    env = {{"TEND_VAULT", vault}, {"TEND_PASSPHRASE", test::kPassphrase}, {"HOME", dir.path()}};
  }
  test::ProcResult tend(std::vector<std::string> args) {
    args.insert(args.begin(), kTend);
    return test::run_process(args, env);
  }
};

// Every regular file below `dir`, recursively.
void list_files(const std::string& dir, std::vector<std::string>& out) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    const std::string path = dir + "/" + name;
    if (e->d_type == DT_DIR) {
      list_files(path, out);
    } else {
      out.push_back(path);
    }
  }
  ::closedir(d);
}

std::size_t count_entries(const std::string& vault) {
  Result<Vault> v = Vault::unlock(vault, test::secret(test::kPassphrase));
  REQUIRE(v.is_ok());
  return list_mood(v->db(), {})->size();
}

}  // namespace

TEST_CASE("the stock sqlcipher shell reads a vault given the raw key and stored settings",
          "[process][sqlcipher]") {
  ProcFixture f;
  REQUIRE(f.tend({"mood", "add", "6", "--note", "read by the stock shell"}).code == 0);
  const crypto::SecretBytes dek = test::unwrap_dek(f.vault, test::kPassphrase);
  Result<VaultHeader> h = Vault::read_header(f.vault);
  REQUIRE(h.is_ok());
  // The key goes to the shell on stdin, never in argv.
  const std::string script = "PRAGMA key = \"x'" + crypto::to_hex(dek.span()) + "'\";\n" +
                             "PRAGMA cipher_page_size = " + std::to_string(h->cipher.page_size) +
                             ";\nSELECT score || '|' || note FROM mood;\n";
  test::ProcResult r = test::run_process({"sqlcipher", f.vault + "/vault.db"}, {}, script);
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(r.out == "6|read by the stock shell\n");

  // Without the key, the same shell sees no database at all.
  test::ProcResult nokey =
      test::run_process({"sqlcipher", f.vault + "/vault.db"}, {}, "SELECT count(*) FROM mood;\n");
  CHECK_THAT(nokey.err, Catch::Contains("not a database"));
}

TEST_CASE("a note's text is nowhere on disk: not in the vault files, not in temp files",
          "[process][plaintext]") {
  ProcFixture f;
  const std::string marker = "MARKER-" + crypto::to_hex(crypto::random_bytes(8));
  test::TempDir tmp;
  f.env["TMPDIR"] = tmp.path();
  // Hold a connection open so the WAL and shared-memory files stay on disk to be searched.
  Result<Vault> holder = Vault::unlock(f.vault, test::secret(test::kPassphrase));
  REQUIRE(holder.is_ok());
  REQUIRE(f.tend({"mood", "add", "4", "--note", "a note with " + marker}).code == 0);
  test::write_file(f.dir / "note.txt", "from a file " + marker + "-2\n");
  REQUIRE(f.tend({"mood", "add", "4", "--note-file", f.dir / "note.txt"}).code == 0);
  REQUIRE(f.tend({"mood", "list"}).out.find(marker) != std::string::npos);  // it is there

  std::vector<std::string> files;
  list_files(f.vault, files);
  list_files(tmp.path(), files);
  CHECK(std::count_if(files.begin(), files.end(), [](const std::string& p) {
          return p.size() > 4 && p.substr(p.size() - 4) == "-wal";
        }) == 1);
  for (const std::string& path : files) {
    INFO(path);
    CHECK(test::read_file(path).find("MARKER-") == std::string::npos);
  }
}

TEST_CASE("the binary: wrong passphrase exits 77 and changes no byte", "[process]") {
  ProcFixture f;
  REQUIRE(f.tend({"mood", "add", "5"}).code == 0);
  const auto before = test::fingerprint(f.vault);
  f.env["TEND_PASSPHRASE"] = "wrong passphrase";
  for (std::vector<std::string> args : {std::vector<std::string>{"status"},
                                        {"mood", "add", "5"},
                                        {"mood", "rm", "1", "--yes"},
                                        {"passwd"}}) {
    test::ProcResult r = f.tend(args);
    CHECK(r.code == 77);
    CHECK(r.err.rfind("tend: error: cannot open vault: wrong passphrase\n", 0) == 0);
    CHECK(test::fingerprint(f.vault) == before);
  }
}

TEST_CASE("the binary: a damaged page fails the command that reads it (65), and check says 1",
          "[process][check]") {
  ProcFixture f;
  {
    Result<Vault> v = Vault::unlock(f.vault, test::secret(test::kPassphrase));
    REQUIRE(v.is_ok());
    for (int i = 0; i < 200; ++i) {
      MoodEntry e;
      e.score = 1 + i % 10;
      e.at = local_instant(test::kNow - i * 3600);
      e.note = std::string(200, 'a' + static_cast<char>(i % 26));
      REQUIRE(validate_mood(e).is_ok());
      REQUIRE(add_mood(v->db(), e, test::kNow).is_ok());
    }
  }
  test::ProcResult sound = f.tend({"check"});
  INFO(sound.err);
  CHECK(sound.code == 0);
  CHECK_THAT(sound.out, Catch::StartsWith("Sound: "));
  CHECK_THAT(f.tend({"status"}).out, Catch::Contains("Checked   "));

  // A page in the middle of the mood table: mood list reads it, opening does not.
  const std::string db = f.vault + "/vault.db";
  const std::string pristine = test::read_file(db);
  bool found = false;
  for (std::size_t page = 2; page < pristine.size() / 4096 && !found; ++page) {
    std::string damaged = pristine;
    damaged[page * 4096 + 1000] = static_cast<char>(damaged[page * 4096 + 1000] ^ 0x10);
    test::write_file(db, damaged);
    const auto before = test::fingerprint(f.vault);
    test::ProcResult list = f.tend({"mood", "list"});
    if (list.code == 0) continue;
    found = true;
    INFO("page " << page << ": " << list.err);
    CHECK(list.code == 65);
    CHECK_THAT(list.err,
               Catch::StartsWith("tend: error: the vault database '" + db + "' is damaged"));
    CHECK_THAT(list.err, Catch::Contains("tend: hint: tend check"));
    test::ProcResult checked = f.tend({"check"});
    CHECK(checked.code == 1);
    CHECK_THAT(checked.out, Catch::StartsWith("PROBLEMS: "));
    CHECK_THAT(checked.err, Catch::StartsWith("tend: error: check failed: pages: "));
    test::ProcResult json = f.tend({"check", "--json"});
    CHECK(json.code == 1);
    CHECK_THAT(json.out, Catch::Contains("\"ok\": false"));
    f.env["TEND_PASSPHRASE"] = "wrong passphrase";
    CHECK(f.tend({"check"}).code == 77);  // damage never reads as a wrong passphrase, or back
    f.env["TEND_PASSPHRASE"] = test::kPassphrase;
    CHECK(test::fingerprint(f.vault) == before);
  }
  CHECK(found);

  // Damage that stops the unlock itself (page 1) is still check's finding.
  std::string first = pristine;
  first[2000] = static_cast<char>(first[2000] ^ 0x10);
  test::write_file(db, first);
  test::ProcResult page1 = f.tend({"check"});
  CHECK(page1.code == 1);
  CHECK_THAT(page1.out, Catch::Contains("pages      FAILED: "));
  CHECK(f.tend({"status"}).code == 65);
}

TEST_CASE("two processes writing at once both succeed", "[process][concurrency]") {
  ProcFixture f;
  constexpr int kEach = 200;
  std::atomic<int> failures{0};
  auto writer = [&](int score) {
    for (int i = 0; i < kEach; ++i) {
      test::ProcResult r = test::run_process({kTend, "mood", "add", std::to_string(score)}, f.env);
      if (r.code != 0) {
        ++failures;
        UNSCOPED_INFO(r.err);
      }
    }
  };
  std::thread a(writer, 3), b(writer, 8);
  a.join();
  b.join();
  CHECK(failures == 0);
  Result<Vault> v = Vault::unlock(f.vault, test::secret(test::kPassphrase));
  REQUIRE(v.is_ok());
  Result<std::vector<MoodEntry>> all = list_mood(v->db(), {});
  REQUIRE(all->size() == 2 * kEach);
  CHECK(std::count_if(all->begin(), all->end(), [](const MoodEntry& e) { return e.score == 3; }) ==
        kEach);
}

TEST_CASE("kill -9 during writes leaves a vault that opens and passes integrity_check",
          "[process][crash]") {
  ProcFixture f;
  const std::string note = std::string(60 * 1024, 'n');
  test::write_file(f.dir / "note", note);
  const std::vector<std::string> add = {kTend, "mood", "add", "5", "--note-file", f.dir / "note"};
  // How long one write takes here, so kills land before, during and after it.
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(test::run_process(add, f.env).code == 0);
  const int full_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::steady_clock::now() - start)
                                           .count());
  std::mt19937 rng(20261125);
  std::uniform_int_distribution<int> delay(0, std::max(2, full_ms));
  std::size_t before = 1, killed = 0;
  for (int round = 0; round < 25; ++round) {
    test::ProcResult r = test::run_process(add, f.env, "", delay(rng));
    if (r.code == -SIGKILL) ++killed;
    Result<Vault> v = Vault::unlock(f.vault, test::secret(test::kPassphrase));
    INFO("round " << round << ": " << (v.is_ok() ? "" : v.status().message()));
    REQUIRE(v.is_ok());
    Result<Statement> check = v->db().prepare("PRAGMA integrity_check;");
    REQUIRE(check.is_ok());
    REQUIRE(*check->step());
    CHECK(check->text(0) == "ok");
    const std::size_t now = list_mood(v->db(), {})->size();
    CHECK((now == before || now == before + 1));  // as before, or as after
    before = now;
  }
  CHECK(killed > 0);
  CHECK(count_entries(f.vault) == before);
}

TEST_CASE("the binary verifies an audit package with an empty environment", "[process][audit]") {
  ProcFixture f;
  REQUIRE(f.tend({"mood", "add", "5"}).code == 0);
  REQUIRE(f.tend({"mood", "rm", "1", "--yes"}).code == 0);
  REQUIRE(f.tend({"audit", "export", "-o", f.dir / "pkg"}).code == 0);
  const std::string key = f.tend({"identity", "--json"}).out;
  const std::string verifier = (*parse_json(key, "identity"))["audit_verifier_key"];
  test::ProcResult r =
      test::run_process({kTend, "audit", "verify", f.dir / "pkg", "--key", verifier}, {});
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::StartsWith("OK: 2 entries"));
}

TEST_CASE("kill -9 during init leaves no vault or a whole one, never half of one",
          "[process][crash]") {
  test::TempDir dir;
  const std::map<std::string, std::string> env = {{"TEND_PASSPHRASE", test::kPassphrase}};
  const std::string vault = dir / "v";
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(test::run_process({kTend, "init", "--vault", vault}, env).code == 0);
  const int full_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::steady_clock::now() - start)
                                           .count());
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> delay(0, std::max(2, full_ms));
  int whole = 0, none = 0;
  for (int round = 0; round < 12; ++round) {
    (void)!std::system(("rm -rf '" + vault + "'*").c_str());
    test::run_process({kTend, "init", "--vault", vault}, env, "", delay(rng));
    if (test::fingerprint(vault).count("vault.json") > 0) {
      Result<Vault> v = Vault::unlock(vault, test::secret(test::kPassphrase));
      INFO("round " << round << ": " << v.status().message());
      REQUIRE(v.is_ok());
      ++whole;
    } else {
      // Nothing at the vault path, so a new init just works.
      CHECK_FALSE(fs::exists(vault));
      CHECK(test::run_process({kTend, "init", "--vault", vault}, env).code == 0);
      ++none;
    }
  }
  CHECK(whole + none == 12);
}

TEST_CASE("a recipient key edited with the stock sqlcipher shell is refused by export itself",
          "[process][sqlcipher][consent]") {
  ProcFixture f;
  REQUIRE(f.tend({"mood", "add", "6"}).code == 0);
  const std::string key = crypto::format_age_recipient(crypto::generate_age_identity().public_key);
  test::ProcResult g = f.tend({"grant", "add", "--recipient", "Dr. R", "--recipient-key", key,
                               "--purpose", "care", "--data", "mood", "--json"});
  REQUIRE(g.code == 0);
  const std::string id = (*parse_json(g.out, "grant"))["id"];
  test::write_file(f.dir / "cp", f.tend({"audit", "checkpoint"}).out);

  // The holder swaps in a key of their own, as docs/vault-format.md shows how.
  const std::string mine = crypto::format_age_recipient(crypto::generate_age_identity().public_key);
  const crypto::SecretBytes dek = test::unwrap_dek(f.vault, test::kPassphrase);
  const std::string script = "PRAGMA key = \"x'" + crypto::to_hex(dek.span()) +
                             "'\";\nPRAGMA cipher_page_size = 4096;\n"
                             "UPDATE consent_grant SET recipient_keys = '[\"" +
                             mine + "\"]';\n";
  test::ProcResult edit = test::run_process({"sqlcipher", f.vault + "/vault.db"}, {}, script);
  INFO(edit.err);
  REQUIRE(edit.code == 0);

  test::ProcResult e = f.tend({"export", "--grant", id, "-o", f.dir / "out.age"});
  CHECK(e.code == 65);
  CHECK_THAT(e.err, Catch::StartsWith("tend: error: export refused: grant " + id +
                                      " in the vault does not match the audit log: its recipient "
                                      "keys differ"));
  CHECK_FALSE(fs::exists(f.dir / "out.age"));
  // The refusal is logged; the log verifies and shows no export.
  REQUIRE(f.tend({"audit", "export", "-o", f.dir / "pkg"}).code == 0);
  const std::string verifier =
      (*parse_json(f.tend({"identity", "--json"}).out, "identity"))["audit_verifier_key"];
  test::ProcResult v = test::run_process({kTend, "audit", "verify", f.dir / "pkg", "--key",
                                          verifier, "--trusted-checkpoint", f.dir / "cp", "--json"},
                                         {});
  INFO(v.err);
  CHECK(v.code == 0);
  const Json report = *parse_json(v.out, "report");
  CHECK(report["consent"]["exports"] == 0);
  CHECK(report["consent"]["refusals"] == 1);
}

TEST_CASE("the binary: a skipped local time is said so, and a bad TZ is not silent",
          "[process][when]") {
  ProcFixture f;
  f.env["TZ"] = "Europe/Berlin";
  test::ProcResult gap = f.tend({"mood", "add", "5", "--at", "2026-03-29T02:30"});
  CHECK(gap.code == 0);
  CHECK_THAT(gap.out, Catch::Contains("at 2026-03-29 03:30 (02:30 does not exist on 2026-03-29 "
                                      "here (the clocks went forward): read as 03:30)"));
  f.env["TZ"] = "UTC+25";
  const auto before = test::fingerprint(f.vault);
  test::ProcResult far = f.tend({"mood", "add", "5"});
  CHECK(far.code == 64);
  CHECK_THAT(far.err, Catch::Contains("beyond ±18:00"));
  CHECK(test::fingerprint(f.vault) == before);
  f.env["TZ"] = "Europe/Berlinn";
  test::ProcResult unknown = f.tend({"status"});
  CHECK(unknown.code == 0);
  CHECK_THAT(unknown.err, Catch::Contains("warning: unknown time zone 'Europe/Berlinn'"));
}
