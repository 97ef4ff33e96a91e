// The CLI run in-process: output shapes, exit codes, and that refusals write nothing.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "core/audit_package.hpp"
#include "core/json.hpp"
#include "crypto/age.hpp"
#include "crypto/encoding.hpp"
#include "crypto/recovery_key.hpp"
#include "tests/support.hpp"

using namespace tend;
using test::tend_cli;

namespace {

struct Fixture {
  test::TempDir dir;
  std::map<std::string, std::string> env;
  Fixture() {
    env = {{"TEND_VAULT", dir / "vault"},
           {"TEND_PASSPHRASE", test::kPassphrase},
           {"HOME", dir.path()}};
    REQUIRE(tend_cli({"init"}, env).code == 0);
  }
  test::CliResult run(std::vector<std::string> args) { return tend_cli(args, env); }
  Json json(std::vector<std::string> args) {
    args.push_back("--json");
    test::CliResult r = run(args);
    REQUIRE(r.code == 0);
    Result<Json> j = parse_json(r.out, "output");
    REQUIRE(j.is_ok());
    return *j;
  }
  std::map<std::string, std::string> files() { return test::fingerprint(dir / "vault"); }
};

}  // namespace

TEST_CASE("init prints the recovery key once and refuses a second init", "[cli]") {
  test::TempDir dir;
  std::map<std::string, std::string> env = {{"TEND_VAULT", dir / "v"},
                                            {"TEND_PASSPHRASE", test::kPassphrase}};
  test::CliResult r = tend_cli({"init", "--json"}, env);
  REQUIRE(r.code == 0);
  Json j = *parse_json(r.out, "out");
  CHECK(j["recovery_key"].get<std::string>().size() == 65);
  const auto before = test::fingerprint(dir / "v");
  test::CliResult again = tend_cli({"init"}, env);
  CHECK(again.code == 73);
  CHECK_THAT(again.err, Catch::StartsWith("tend: error: a vault already exists"));
  CHECK(test::fingerprint(dir / "v") == before);
  CHECK(tend_cli({"init", "--kdf", "weak"}, {{"TEND_VAULT", dir / "w"}, {"TEND_PASSPHRASE", "x"}})
            .code == 64);
}

TEST_CASE("mood and app listings have a stable JSON shape", "[cli]") {
  Fixture f;
  REQUIRE(f.run({"mood", "add", "7", "--energy", "4", "--tag", "Work", "--note", "fine", "--at",
                 "09:00"})
              .code == 0);
  REQUIRE(f.run({"mood", "add", "3", "--private", "--at", "-2h"}).code == 0);
  REQUIRE(f.run({"app", "log", "Headspace", "--minutes", "15", "--feature", "sleep"}).code == 0);
  REQUIRE(f.run({"app", "log", "Calm", "--duration", "1h20m", "--at", "yesterday"}).code == 0);

  Json mood = f.json({"mood", "list"});
  REQUIRE(mood["items"].size() == 2);
  CHECK(mood["count"] == 2);
  const Json& first = mood["items"][0];
  CHECK(first["id"] == 1);
  CHECK(first["score"] == 7);
  CHECK(first["energy"] == 4);
  CHECK(first["tags"] == Json::array({"work"}));
  CHECK(first["note"] == "fine");
  CHECK(first["private"] == false);
  CHECK(first["at"] == "2026-11-25T09:00:00+00:00");
  CHECK(mood["items"][1]["private"] == true);
  CHECK(mood["items"][1]["at"] == "2026-11-25T10:00:00+00:00");

  Json apps = f.json({"app", "list"});
  REQUIRE(apps["items"].size() == 2);
  CHECK(apps["items"][0]["app"] == "Calm");
  CHECK(apps["items"][0]["duration_s"] == 4800);
  CHECK(apps["items"][1]["duration_s"] == 900);
  CHECK(apps["total_duration_s"] == 5700);

  Json status = f.json({"status"});
  CHECK(status["mood"]["count"] == 2);
  CHECK(status["mood"]["private"] == 1);
  CHECK(status["mood"]["streak_days"] == 1);
  CHECK(status["apps"]["sessions"] == 2);
}

TEST_CASE("human listings are aligned tables that mark private entries", "[cli]") {
  Fixture f;
  REQUIRE(f.run({"mood", "add", "7", "--note", "public note"}).code == 0);
  REQUIRE(f.run({"mood", "add", "10", "--private"}).code == 0);
  f.env["TZ"] = "UTC0";
  test::CliResult r = f.run({"mood", "list"});
  REQUIRE(r.code == 0);
  CHECK(r.out ==
        "Times in UTC0, UTC+00:00.\n"
        "ID  WHEN              SCORE  ENERGY  PRIVATE  TAGS  NOTE\n"
        " 1  2026-11-25 12:00      7       -                 public note\n"
        " 2  2026-11-25 12:00     10       -  private\n");
}

TEST_CASE("relative times work as users type them", "[cli]") {
  Fixture f;
  for (std::vector<std::string> args : {std::vector<std::string>{"mood", "add", "5", "--at", "-2h"},
                                        {"mood", "add", "5", "--at=-90m"},
                                        {"mood", "add", "5", "--at", "-3d", "--note", "-dash note"},
                                        {"app", "log", "Calm", "--minutes", "5", "--at", "-1h"}}) {
    test::CliResult r = f.run(args);
    INFO(r.err);
    CHECK(r.code == 0);
  }
  Json j = f.json({"mood", "list", "--from", "-1d"});
  CHECK(j["count"] == 2);
  CHECK(f.json({"mood", "list", "--contains", "-dash"})["count"] == 1);
}

TEST_CASE("mood edit changes only what it is told", "[cli]") {
  Fixture f;
  REQUIRE(f.run({"mood", "add", "4", "--tag", "a", "--note", "keep"}).code == 0);
  REQUIRE(f.run({"mood", "edit", "1", "--score", "6", "--private"}).code == 0);
  Json e = f.json({"mood", "list"})["items"][0];
  CHECK(e["score"] == 6);
  CHECK(e["note"] == "keep");
  CHECK(e["tags"] == Json::array({"a"}));
  CHECK(e["private"] == true);
  REQUIRE(f.run({"mood", "edit", "1", "--no-note", "--no-tags", "--public"}).code == 0);
  e = f.json({"mood", "list"})["items"][0];
  CHECK(e["note"].is_null());
  CHECK(e["tags"].empty());
  CHECK(e["private"] == false);
}

TEST_CASE("bad input gets one clear line, the right exit code, and writes nothing", "[cli]") {
  Fixture f;
  REQUIRE(f.run({"mood", "add", "5"}).code == 0);
  struct Case {
    std::vector<std::string> args;
    int code;
    const char* message;
  };
  const Case cases[] = {
      {{"mood", "add", "11"}, 64, "score 11 is outside 1..10"},
      {{"mood", "add", "0"}, 64, "score 0 is outside 1..10"},
      {{"mood", "add", "seven"}, 64, "score is not a whole number"},
      {{"mood", "add", "5", "--energy", "0"}, 64, "energy 0 is outside 1..10"},
      {{"mood", "add", "5", "--at", "2026-02-30"}, 64, "cannot read the time '2026-02-30'"},
      {{"mood", "add", "5", "--at", "tomorrow"}, 64, "cannot read the time 'tomorrow'"},
      {{"mood", "add", "5", "--at", "2027-01-01"}, 64, "is in the future"},
      {{"mood", "add", "5", "--note", "a", "--note-file", "x"}, 64, "conflict"},
      {{"mood", "add", "5", "--note-file", "/nonexistent/note"},
       66,
       "the note file (--note-file) does not exist"},
      {{"mood", "add", "5", "--tag", "a,b"}, 64, "contains a comma"},
      {{"mood", "add"}, 64, "missing arguments"},
      {{"mood", "add", "5", "feeling", "low"}, 64, "too many arguments"},
      {{"mood", "add", "5", "--bogus"}, 64, "unknown option '--bogus'"},
      {{"mood", "edit", "99", "--score", "3"}, 66, "no mood entry with id 99"},
      {{"mood", "edit", "1"}, 64, "nothing to change"},
      {{"mood", "edit", "1", "--private", "--public"}, 64, "conflict"},
      {{"mood", "rm", "99", "--yes"}, 66, "no mood entry with id 99"},
      {{"mood", "rm", "x"}, 64, "id is not a whole number"},
      {{"mood", "list", "--from", "2026-11-20", "--until", "2026-11-10"}, 64, "later than"},
      {{"mood", "list", "--limit", "0"}, 64, "limit 0 is outside"},
      {{"app", "log", "Calm"}, 64, "give --minutes N or --duration"},
      {{"app", "log", "Calm", "--minutes", "5", "--duration", "5m"}, 64, "conflict"},
      {{"app", "log", "Calm", "--minutes", "0"}, 64, "minutes 0 is outside"},
      {{"app", "log", "Calm", "--duration", "25h"}, 64, "outside 1s..24h"},
      {{"app", "log", "", "--minutes", "5"}, 64, "app name must not be empty"},
      {{"app", "rm", "7", "--yes"}, 66, "no app session with id 7"},
      {{"mod"}, 64, "unknown command 'mod'"},
      {{"mood", "ad", "5"}, 64, "unknown command 'mood ad'"},
      {{"passwd", "--new-passphrase-file", "/nonexistent"}, 66, "does not exist"},
  };
  const auto before = f.files();
  for (const Case& c : cases) {
    test::CliResult r = f.run(c.args);
    INFO(r.err);
    CHECK(r.code == c.code);
    CHECK_THAT(r.err, Catch::StartsWith("tend: error: ") && Catch::Contains(c.message));
    CHECK(r.out.empty());
    // One error line, and at most one hint line.
    const auto lines = std::count(r.err.begin(), r.err.end(), '\n');
    CHECK(lines >= 1);
    CHECK(lines <= 2);
    CHECK(f.files() == before);
  }
  // Journal text typed by mistake is never repeated in an error.
  CHECK(f.run({"mood", "add", "5", "--tag", "secret,words"}).err.find("secret") ==
        std::string::npos);
  CHECK(f.run({"mood", "add", "5", "secret", "words"}).err.find("secret") == std::string::npos);
  CHECK_THAT(f.run({"mod"}).err, Catch::Contains("tend: hint: did you mean 'mood'?"));
  CHECK_THAT(f.run({"mood", "lst"}).err, Catch::Contains("did you mean 'mood list'?"));
  CHECK_THAT(f.run({"mood", "add", "5", "--enrgy", "3"}).err,
             Catch::Contains("did you mean '--energy'?"));
  CHECK_THAT(f.run({"mood", "list", "--untill=today"}).err,
             Catch::Contains("did you mean '--until'?"));
}

TEST_CASE("a missing vault, a wrong passphrase and no passphrase source", "[cli]") {
  test::TempDir dir;
  test::CliResult missing =
      tend_cli({"status"}, {{"TEND_VAULT", dir / "none"}, {"TEND_PASSPHRASE", "x"}});
  CHECK(missing.code == 66);
  CHECK_THAT(missing.err, Catch::Contains("no vault at") && Catch::Contains("tend init"));

  Fixture f;
  const auto before = f.files();
  std::map<std::string, std::string> wrong = f.env;
  wrong["TEND_PASSPHRASE"] = "wrong";
  test::CliResult r = tend_cli({"mood", "add", "5"}, wrong);
  CHECK(r.code == 77);
  CHECK_THAT(r.err, Catch::StartsWith("tend: error: cannot open vault: wrong passphrase"));
  CHECK(f.files() == before);

  std::map<std::string, std::string> none = f.env;
  none.erase("TEND_PASSPHRASE");
  test::CliResult n = tend_cli({"status"}, none);
  CHECK(n.code == 64);
  CHECK_THAT(n.err, Catch::Contains("--passphrase-file"));

  test::write_file(f.dir / "pass", std::string(test::kPassphrase) + "\n");
  CHECK(tend_cli({"status", "--passphrase-file", f.dir / "pass"}, none).code == 0);
  CHECK(tend_cli({"--passphrase-file", f.dir / "pass", "status"}, none).code == 0);
}

TEST_CASE("passwd and recover through the CLI", "[cli]") {
  test::TempDir dir;
  std::map<std::string, std::string> env = {{"TEND_VAULT", dir / "v"},
                                            {"TEND_PASSPHRASE", test::kPassphrase}};
  test::CliResult init = tend_cli({"init", "--json"}, env);
  REQUIRE(init.code == 0);
  const std::string recovery = (*parse_json(init.out, "out"))["recovery_key"];
  test::write_file(dir / "new", "second passphrase\n");
  REQUIRE(tend_cli({"passwd", "--new-passphrase-file", dir / "new"}, env).code == 0);
  CHECK(tend_cli({"status"}, env).code == 77);
  env["TEND_PASSPHRASE"] = "second passphrase";
  CHECK(tend_cli({"status"}, env).code == 0);

  test::write_file(dir / "rk", recovery + "\n");
  test::write_file(dir / "third", "third passphrase\n");
  test::CliResult rec = tend_cli(
      {"recover", "--recovery-key-file", dir / "rk", "--new-passphrase-file", dir / "third"}, env);
  INFO(rec.err);
  REQUIRE(rec.code == 0);
  env["TEND_PASSPHRASE"] = "third passphrase";
  CHECK(tend_cli({"status"}, env).code == 0);

  std::string typo = recovery;
  typo[3] = typo[3] == 'A' ? 'B' : 'A';
  test::write_file(dir / "typo", typo);
  const auto before = test::fingerprint(dir / "v");
  test::CliResult bad = tend_cli(
      {"recover", "--recovery-key-file", dir / "typo", "--new-passphrase-file", dir / "new"}, env);
  CHECK(bad.code == 65);
  CHECK_THAT(bad.err, Catch::Contains("typo"));
  CHECK(test::fingerprint(dir / "v") == before);
}

TEST_CASE("help reads well and lists every command", "[cli]") {
  test::CliResult r = tend_cli({"help"}, {});
  CHECK(r.code == 0);
  for (const char* cmd : {"init", "status", "passwd", "recover", "identity", "mood add",
                          "mood list", "mood edit", "mood rm", "app log", "app list", "app rm"}) {
    CHECK_THAT(r.out, Catch::Contains(cmd));
  }
  CHECK(tend_cli({"--help"}, {}).out == r.out);
  test::CliResult mood = tend_cli({"help", "mood", "add"}, {});
  CHECK_THAT(mood.out,
             Catch::StartsWith("Usage: tend mood add SCORE") && Catch::Contains("--private"));
  CHECK(tend_cli({"mood", "add", "--help"}, {}).out == mood.out);
  CHECK(tend_cli({}, {}).code == 64);
  CHECK_THAT(tend_cli({"mood"}, {}).err, Catch::Contains("mood add"));
}

TEST_CASE("identity shows the minisign public key", "[cli]") {
  Fixture f;
  test::CliResult r = f.run({"identity"});
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("untrusted comment: minisign public key "));
  Json j = f.json({"identity"});
  CHECK(j["minisign_public_key"].get<std::string>().size() == 56);
}

TEST_CASE("audit: export, then verify with no vault and no passphrase", "[cli][audit]") {
  Fixture f;
  REQUIRE(f.run({"mood", "add", "5"}).code == 0);
  REQUIRE(f.run({"mood", "rm", "1", "--yes"}).code == 0);
  test::CliResult cp = f.run({"audit", "checkpoint"});
  REQUIRE(cp.code == 0);
  test::write_file(f.dir / "trusted", cp.out);
  test::write_file(f.dir / "new", "next passphrase\n");
  REQUIRE(f.run({"passwd", "--new-passphrase-file", f.dir / "new"}).code == 0);
  f.env["TEND_PASSPHRASE"] = "next passphrase";
  const std::string key = f.json({"identity"})["audit_verifier_key"];
  REQUIRE(f.run({"audit", "export", "-o", f.dir / "pkg"}).code == 0);
  CHECK(f.run({"audit", "export", "-o", f.dir / "pkg"}).code == 73);

  Json log = f.json({"audit", "log"});
  REQUIRE(log["count"] == 3);
  CHECK(log["items"][1]["kind"] == "entries.deleted");
  CHECK(log["items"][1]["meta"] == Json({{"count", 1}, {"type", "mood"}}));
  CHECK(log["items"][2]["kind"] == "passphrase.changed");

  const std::map<std::string, std::string> nothing;  // no vault, no passphrase
  test::CliResult ok = tend_cli(
      {"audit", "verify", f.dir / "pkg", "--key", key, "--trusted-checkpoint", f.dir / "trusted"},
      nothing);
  INFO(ok.err);
  CHECK(ok.code == 0);
  CHECK_THAT(ok.out, Catch::StartsWith("OK: 3 entries") &&
                         Catch::Contains("extends   your trusted checkpoint of size 2"));
  test::CliResult tofu = tend_cli({"audit", "verify", f.dir / "pkg"}, nothing);
  CHECK(tofu.code == 0);
  CHECK_THAT(tofu.err, Catch::Contains("trust on first use"));

  std::string pkg = test::read_file(f.dir / "pkg");
  pkg.replace(pkg.find("\"count\":1"), 9, "\"count\":7");
  test::write_file(f.dir / "tampered", pkg);
  test::CliResult bad =
      tend_cli({"audit", "verify", f.dir / "tampered", "--key", key, "--json"}, nothing);
  CHECK(bad.code == 1);
  Json j = *parse_json(bad.out, "out");
  CHECK(j["ok"] == false);
  CHECK(j["bad_seq"] == 1);
  CHECK_THAT(bad.err,
             Catch::StartsWith("tend: error: audit verification failed: entry 1 was changed"));

  test::write_file(f.dir / "cut", pkg.substr(0, 120));
  CHECK(tend_cli({"audit", "verify", f.dir / "cut"}, nothing).code == 65);
  CHECK(tend_cli({"audit", "verify", f.dir / "absent"}, nothing).code == 66);
  CHECK(tend_cli({"audit", "verify", f.dir / "pkg", "--key", "nonsense+1+2"}, nothing).code == 65);
}

TEST_CASE("grant and export refusals: one line, the right code, nothing half-written",
          "[cli][consent]") {
  Fixture f;
  const std::string key = crypto::format_age_recipient(crypto::generate_age_identity().public_key);
  REQUIRE(f.run({"mood", "add", "5"}).code == 0);
  const auto before = f.files();
  struct Case {
    std::vector<std::string> args;
    int code;
    const char* message;
  };
  const std::vector<std::string> base = {"grant",           "add", "--recipient", "R",
                                         "--recipient-key", key,   "--purpose",   "p"};
  auto with = [&](std::initializer_list<std::string> more) {
    std::vector<std::string> a = base;
    a.insert(a.end(), more);
    return a;
  };
  const Case cases[] = {
      {with({"--data", "mood", "--recipient-key", "age1bogus"}), 64, "not an age X25519 recipient"},
      // 32 zero bytes: a valid encoding of a point anyone can decrypt for.
      {with({"--data", "mood", "--recipient-key", crypto::format_age_recipient({})}), 65,
       "recipient key 2 of 2 is a low-order X25519 point"},
      {with({"--data", "mood,diary"}), 64, "unknown data category 'diary'"},
      {with({"--data", "notes"}), 64, "add mood"},
      {with({"--data", "mood", "--expires", "2020-01-01"}), 64, "expire before it starts"},
      {with({"--data", "mood", "--expires", "0d"}), 64, "outside"},
      {with({"--data", "mood", "--from", "2026-11-20", "--until", "2026-11-10"}), 64,
       "ends before it starts"},
      {with({"--data", "mood", "--granularity", "hourly"}), 64, "raw, daily or weekly"},
      {with({"--data", "mood", "--max-exports", "0"}), 64, "outside"},
      {with({}), 64, "grant add needs --data"},
      {{"grant", "show", "gzzzzzz"}, 66, "no grant 'gzzzzzz'"},
      {{"grant", "revoke", "gzzzzzz"}, 66, "no grant 'gzzzzzz'"},
      {{"export", "--grant", "gzzzzzz"}, 64, "needs -o FILE"},
      {{"export", "-o", f.dir / "x"}, 64, "--grant"},
  };
  for (const Case& c : cases) {
    test::CliResult r = f.run(c.args);
    INFO(r.err);
    CHECK(r.code == c.code);
    CHECK_THAT(r.err, Catch::StartsWith("tend: error: ") && Catch::Contains(c.message));
    CHECK(f.files() == before);
  }

  test::CliResult g = f.run(with({"--data", "mood", "--max-exports", "1", "--json"}));
  REQUIRE(g.code == 0);
  const std::string id = (*parse_json(g.out, "grant"))["id"];
  CHECK(f.json({"grant", "show", id})["state"] == "active");
  CHECK(f.json({"grant", "list"})["count"] == 1);
  // An output in a missing directory: an error, no file, no count used, no log entry.
  const auto log_before = f.json({"audit", "log"})["count"];
  test::CliResult nodir = f.run({"export", "--grant", id, "-o", f.dir / "missing/out.age"});
  CHECK(nodir.code == 66);
  CHECK(f.json({"audit", "log"})["count"] == log_before);
  CHECK(f.json({"grant", "show", id})["exports"] == 0);
  test::write_file(f.dir / "exists.age", "mine");
  CHECK(f.run({"export", "--grant", id, "-o", f.dir / "exists.age"}).code == 73);
  CHECK(test::read_file(f.dir / "exists.age") == "mine");

  Json preview = f.json({"export", "--grant", id, "--preview"});
  CHECK(preview["rows"]["mood"] == 1);
  CHECK(f.json({"grant", "show", id})["exports"] == 0);
  REQUIRE(f.run({"export", "--grant", id, "-o", f.dir / "one.age"}).code == 0);
  test::CliResult again = f.run({"export", "--grant", id, "-o", f.dir / "two.age"});
  CHECK(again.code == 77);
  CHECK(again.err ==
        "tend: error: export refused: grant " + id + " has been used for all 1 of its exports\n");
  CHECK_FALSE(test::fingerprint(f.dir.path()).count("two.age"));
  CHECK(f.json({"audit", "log", "--limit", "1"})["items"][0]["kind"] == "export.refused");
  CHECK(f.run({"grant", "revoke", id}).code == 0);
  CHECK(f.run({"grant", "revoke", id}).code == 65);
  CHECK(f.json({"grant", "list"})["count"] == 0);
  CHECK(f.json({"grant", "list", "--all"})["items"][0]["state"] == "revoked");
}

TEST_CASE("on a terminal, init asks twice and refuses a mismatch, unlocking asks once", "[cli]") {
  test::TempDir dir;
  const std::map<std::string, std::string> env = {{"TEND_VAULT", dir / "v"}};
  std::vector<std::string> prompts;
  test::CliResult mismatch = test::tend_cli_with_terminal(
      {"init"}, env, {"first passphrase", "second passphrase"}, &prompts);
  CHECK(mismatch.code == 64);
  CHECK_THAT(mismatch.err, Catch::Contains("do not match"));
  CHECK(prompts == std::vector<std::string>{"New passphrase: ", "Repeat it: "});
  CHECK(test::fingerprint(dir / "v").empty());

  prompts.clear();
  REQUIRE(
      test::tend_cli_with_terminal({"init"}, env, {"same passphrase", "same passphrase"}, &prompts)
          .code == 0);
  prompts.clear();
  CHECK(test::tend_cli_with_terminal({"status"}, env, {"same passphrase"}, &prompts).code == 0);
  CHECK(prompts == std::vector<std::string>{"Passphrase: "});
  prompts.clear();
  CHECK(test::tend_cli_with_terminal({"passwd"}, env,
                                     {"same passphrase", "newer one!", "newer one!"}, &prompts)
            .code == 0);
  CHECK(prompts == std::vector<std::string>{"Passphrase: ", "New passphrase: ", "Repeat it: "});
}

TEST_CASE("a wrong passphrase typed on a terminal may be retried, three tries in all", "[cli]") {
  Fixture f;
  std::map<std::string, std::string> env = f.env;
  env.erase("TEND_PASSPHRASE");
  std::vector<std::string> prompts;
  test::CliResult second = test::tend_cli_with_terminal(
      {"status"}, env, {"mistyped", "also mistyped", test::kPassphrase}, &prompts);
  CHECK(second.code == 0);
  CHECK(prompts.size() == 3);
  CHECK_THAT(second.err, Catch::Contains("wrong passphrase; try again (2 of 3)"));
  CHECK_THAT(second.err, Catch::Contains("wrong passphrase; try again (3 of 3)"));
  prompts.clear();
  test::CliResult none = test::tend_cli_with_terminal(
      {"status"}, env, {"one", "two", "three", test::kPassphrase}, &prompts);
  CHECK(none.code == 77);
  CHECK(prompts.size() == 3);  // the fourth answer is never asked for
  // Not from a terminal: no second try.
  env["TEND_PASSPHRASE"] = "wrong";
  test::CliResult scripted = tend_cli({"status"}, env);
  CHECK(scripted.code == 77);
  CHECK(scripted.err.find("try again") == std::string::npos);
}

TEST_CASE("a passphrase command: the first line it prints, and its failures said", "[cli]") {
  Fixture f;
  std::map<std::string, std::string> env = f.env;
  env.erase("TEND_PASSPHRASE");
  const auto before = f.files();
  const std::string pass = test::kPassphrase;
  // Split as a shell would; later lines (pass prints more) are read and dropped.
  test::CliResult ok = tend_cli(
      {"--passphrase-command", "printf '%s\\nlogin: someone\\n' '" + pass + "'", "status"}, env);
  INFO(ok.err);
  CHECK(ok.code == 0);
  // A long tail after the first line never blocks the command.
  CHECK(tend_cli({"--passphrase-command",
                  "sh -c 'printf \"%s\\n\" \"$0\"; seq 1 200000' '" + pass + "'", "status"},
                 env)
            .code == 0);
  env["TEND_PASSPHRASE_COMMAND"] = "printf '%s\\n' '" + pass + "'";
  CHECK(tend_cli({"status"}, env).code == 0);
  env.erase("TEND_PASSPHRASE_COMMAND");

  struct Case {
    std::string command;
    int code;
    std::string error;
  };
  for (const Case& c : {
           Case{"false", 74, "tend: error: the passphrase command 'false' failed (exit 1)\n"},
           Case{"sh -c 'kill -TERM $$'", 74,
                "tend: error: the passphrase command 'sh' was killed by signal 15\n"},
           Case{"true", 65, "tend: error: the passphrase command 'true' printed no passphrase\n"},
           Case{"/nonexistent/tend-no-such-command", 66,
                "tend: error: the passphrase command '/nonexistent/tend-no-such-command' was not "
                "found\n"},
           Case{"", 64, "tend: error: --passphrase-command is empty\n"},
           Case{"printf 'unclosed", 64, "tend: error: --passphrase-command cannot be split"},
           Case{"pass show tend | head -1", 64,
                "tend: error: --passphrase-command has a character"},
           Case{"printf $(cat /etc/hostname)", 64, "tend: error: --passphrase-command may not use"},
           Case{"printf 'not it\\n'", 77, "tend: error: cannot open vault: wrong passphrase\n"},
           // Prints forever: the first line is taken, the rest cut off.
           Case{"yes", 77, "tend: error: cannot open vault: wrong passphrase\n"},
           Case{"head -c 5000 /dev/zero", 65,
                "tend: error: the passphrase command's output is longer than 1024 bytes\n"},
           // Prints, then neither exits nor lets go: ended after a grace period.
           Case{"sh -c 'echo pw; exec >&-; sleep 60'", 74,
                "tend: error: the passphrase command 'sh' did not exit after printing the "
                "passphrase; tend ended it\n"},
       }) {
    INFO(c.command);
    test::CliResult r = tend_cli({"--passphrase-command", c.command, "mood", "add", "5"}, env);
    CHECK(r.code == c.code);
    CHECK_THAT(r.err, Catch::StartsWith(c.error));
    CHECK(f.files() == before);
  }
  test::write_file(f.dir / "p", pass + "\n");
  test::CliResult both =
      tend_cli({"--passphrase-file", f.dir / "p", "--passphrase-command", "true", "status"}, env);
  CHECK(both.code == 64);
  CHECK_THAT(both.err, Catch::Contains("conflict"));
}

TEST_CASE("the passphrase is read from the first line of --passphrase-fd", "[cli]") {
  Fixture f;
  std::map<std::string, std::string> env = f.env;
  env.erase("TEND_PASSPHRASE");
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const std::string line = std::string(test::kPassphrase) + "\nsecond line ignored\n";
  REQUIRE(::write(fds[1], line.data(), line.size()) == static_cast<ssize_t>(line.size()));
  ::close(fds[1]);
  test::CliResult r = tend_cli({"status", "--passphrase-fd", std::to_string(fds[0])}, env);
  ::close(fds[0]);
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(tend_cli({"status", "--passphrase-fd", "3", "--passphrase-file", "x"}, env).code == 64);
}

TEST_CASE("smaller edges: a symlinked vault path, exposed files, what passwd does not do",
          "[cli]") {
  test::TempDir dir;
  ::mkdir((dir / "empty").c_str(), 0700);
  REQUIRE(::symlink((dir / "empty").c_str(), (dir / "link").c_str()) == 0);
  test::CliResult link =
      tend_cli({"init", "--vault", dir / "link"}, {{"TEND_PASSPHRASE", test::kPassphrase}});
  CHECK(link.code == 73);
  CHECK_THAT(link.err, Catch::Contains("is a symbolic link") && Catch::Contains("readlink -f"));

  Fixture f;
  REQUIRE(::chmod((f.dir / "vault/vault.db").c_str(), 0644) == 0);
  test::CliResult exposed = f.run({"status"});
  CHECK(exposed.code == 0);
  CHECK_THAT(exposed.err, Catch::Contains("vault.db' is open to other users (mode 0644)") &&
                              Catch::Contains("chmod 600"));
  REQUIRE(::chmod((f.dir / "vault/vault.db").c_str(), 0600) == 0);
  CHECK(f.run({"status"}).err.empty());

  // passwd says plainly that an old copy of the header still opens the data.
  test::write_file(f.dir / "new", "another passphrase\n");
  test::CliResult p = f.run({"passwd", "--new-passphrase-file", f.dir / "new"});
  CHECK(p.code == 0);
  CHECK_THAT(p.out,
             Catch::Contains("a copy of the old vault.json") && Catch::Contains("tend rekey"));
  CHECK_THAT(tend_cli({"help", "passwd"}, {}).out, Catch::Contains("old copies of vault.json"));
}

TEST_CASE("rekey: a new data key, the data readable, the verifier key and the ids kept",
          "[cli][rekey]") {
  test::TempDir dir;
  const std::string v = dir / "v";
  std::map<std::string, std::string> env = {{"TEND_VAULT", v},
                                            {"TEND_PASSPHRASE", test::kPassphrase}};
  test::CliResult init = tend_cli({"init", "--json"}, env);
  REQUIRE(init.code == 0);
  const std::string recovery = (*parse_json(init.out, "out"))["recovery_key"];
  test::write_file(dir / "rk", recovery + "\n");
  REQUIRE(tend_cli({"mood", "add", "6", "--note", "before the rekey"}, env).code == 0);
  REQUIRE(tend_cli({"mood", "add", "3"}, env).code == 0);
  REQUIRE(tend_cli({"mood", "rm", "2", "--yes"}, env).code == 0);  // id 2 is never reused

  const std::string identity = tend_cli({"identity", "--json"}, env).out;
  const std::string old_header = test::read_file(v + "/vault.json");
  std::string old_dek, trusted;
  {
    Result<Vault> old = Vault::unlock(v, test::secret(test::kPassphrase));
    REQUIRE(old.is_ok());
    old_dek = std::string(crypto::as_text(old->data_key()));
    trusted = *old->audit()->latest_checkpoint();
  }
  test::CliResult r = tend_cli({"rekey", "--recovery-key-file", dir / "rk", "--json"}, env);
  INFO(r.err);
  REQUIRE(r.code == 0);
  const Json out = *parse_json(r.out, "out");
  CHECK(out["rekeyed"] == true);
  CHECK(!out.contains("recovery_key"));

  Result<Vault> now = Vault::unlock(v, test::secret(test::kPassphrase));
  REQUIRE(now.is_ok());
  CHECK(crypto::as_text(now->data_key()) != old_dek);  // a new key
  const Json last = *parse_json(now->audit()->entries(std::nullopt)->back().bytes, "entry");
  CHECK(last["kind"] == "key.rotated");
  CHECK(last["meta"] == Json{{"recovery_key", "kept"}});
  CHECK(last["seq"] == out["audit_seq"]);
  // The log continues: a checkpoint from before still verifies it.
  VerifyOptions o;
  o.key = now->audit()->verifier_key();
  o.trusted_checkpoint = trusted;
  Result<VerifyReport> verified = verify_package(*now->audit()->package(), o);
  REQUIRE(verified.is_ok());
  CHECK(verified->ok);
  // The old key, or the old header, no longer opens the vault.
  {
    crypto::SecretBytes old_key(old_dek.size());
    std::memcpy(old_key.data(), old_dek.data(), old_dek.size());
    CHECK_FALSE(Vault::unlock_with_data_key(v, std::move(old_key)).is_ok());
  }
  CHECK(old_header != test::read_file(v + "/vault.json"));
  // The recovery key still opens it; the device and audit keys are the same.
  CHECK(Vault::unlock_with_recovery_key(v, *crypto::parse_recovery_key(crypto::as_bytes(recovery)))
            .is_ok());
  CHECK(tend_cli({"identity", "--json"}, env).out == identity);
  test::CliResult listed = tend_cli({"mood", "list"}, env);
  CHECK_THAT(listed.out, Catch::Contains("before the rekey"));
  REQUIRE(tend_cli({"mood", "add", "7"}, env).code == 0);
  CHECK(tend_cli({"mood", "show", "3"}, env).code == 0);  // after 1 and the deleted 2
  CHECK(tend_cli({"check"}, env).code == 0);
  for (const auto& [name, hash] : test::fingerprint(dir.path())) {
    CHECK(name.find(".rekey-") == std::string::npos);  // the old vault is gone
  }
}

TEST_CASE("rekey --new-recovery-key: shown once, the old one no longer works", "[cli][rekey]") {
  test::TempDir dir;
  const std::string v = dir / "v";
  std::map<std::string, std::string> env = {{"TEND_VAULT", v},
                                            {"TEND_PASSPHRASE", test::kPassphrase}};
  test::CliResult init = tend_cli({"init", "--json"}, env);
  REQUIRE(init.code == 0);
  const std::string old_recovery = (*parse_json(init.out, "out"))["recovery_key"];
  test::CliResult r = tend_cli({"rekey", "--new-recovery-key"}, env);
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("New recovery key (shown this once"));
  test::CliResult j = tend_cli({"rekey", "--new-recovery-key", "--json"}, env);
  REQUIRE(j.code == 0);
  const std::string fresh = (*parse_json(j.out, "out"))["recovery_key"];
  CHECK(fresh != old_recovery);
  auto opens = [&](const std::string& key) {
    return Vault::unlock_with_recovery_key(v, *crypto::parse_recovery_key(crypto::as_bytes(key)))
        .is_ok();
  };
  CHECK(opens(fresh));
  CHECK_FALSE(opens(old_recovery));
  Result<Vault> now = Vault::unlock(v, test::secret(test::kPassphrase));
  REQUIRE(now.is_ok());
  const Json last = *parse_json(now->audit()->entries(std::nullopt)->back().bytes, "entry");
  CHECK(last["meta"] == Json{{"recovery_key", "new"}});
}

TEST_CASE("rekey refuses what it cannot do and changes nothing", "[cli][rekey]") {
  test::TempDir dir;
  const std::string v = dir / "v";
  std::map<std::string, std::string> env = {{"TEND_VAULT", v},
                                            {"TEND_PASSPHRASE", test::kPassphrase}};
  test::CliResult init = tend_cli({"init", "--json"}, env);
  REQUIRE(init.code == 0);
  const std::string recovery = (*parse_json(init.out, "out"))["recovery_key"];
  // Another vault's recovery key: well-formed, not this vault's.
  test::write_file(
      dir / "other",
      std::string(crypto::as_text(crypto::format_recovery_key(crypto::generate_recovery_key()))) +
          "\n");
  test::write_file(dir / "rk", recovery + "\n");
  std::string typo = recovery;
  typo[3] = typo[3] == 'A' ? 'B' : 'A';
  test::write_file(dir / "typo", typo + "\n");
  const auto state = [&] {
    return std::make_pair(test::fingerprint(dir.path()), test::fingerprint(v));
  };
  const auto before = state();
  struct Case {
    std::vector<std::string> args;
    std::map<std::string, std::string> env;
    int code;
  };
  std::map<std::string, std::string> wrong = env;
  wrong["TEND_PASSPHRASE"] = "not the passphrase";
  const Case cases[] = {
      {{"rekey"}, env, 64},
      {{"rekey", "--recovery-key-file", dir / "rk", "--new-recovery-key"}, env, 64},
      {{"rekey", "--recovery-key-file", dir / "missing"}, env, 66},
      {{"rekey", "--recovery-key-file", dir / "typo"}, env, 65},
      {{"rekey", "--recovery-key-file", dir / "other"}, env, 77},
      {{"rekey", "--recovery-key-file", dir / "rk"}, wrong, 77},
  };
  for (const Case& c : cases) {
    test::CliResult r = tend_cli(c.args, c.env);
    INFO(c.args.back() << ": " << r.err);
    CHECK(r.code == c.code);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') <= 2);  // an error and a hint
    CHECK(state() == before);
  }
}

TEST_CASE("rekey through a symbolic link replaces the directory it names", "[cli][rekey]") {
  test::TempDir dir;
  const std::string real = dir / "real";
  std::map<std::string, std::string> env = {{"TEND_VAULT", real},
                                            {"TEND_PASSPHRASE", test::kPassphrase}};
  test::CliResult init = tend_cli({"init", "--json"}, env);
  REQUIRE(init.code == 0);
  test::write_file(dir / "rk",
                   (*parse_json(init.out, "out"))["recovery_key"].get<std::string>() + "\n");
  REQUIRE(::symlink(real.c_str(), (dir / "link").c_str()) == 0);
  std::string old_dek;
  {
    Result<Vault> v = Vault::unlock(real, test::secret(test::kPassphrase));
    REQUIRE(v.is_ok());
    old_dek = std::string(crypto::as_text(v->data_key()));
  }
  env["TEND_VAULT"] = dir / "link";
  test::CliResult r = tend_cli({"rekey", "--recovery-key-file", dir / "rk"}, env);
  INFO(r.err);
  REQUIRE(r.code == 0);
  struct stat st {};
  REQUIRE(::lstat((dir / "link").c_str(), &st) == 0);
  CHECK(S_ISLNK(st.st_mode));  // the link is where it was
  Result<Vault> v = Vault::unlock(real, test::secret(test::kPassphrase));
  REQUIRE(v.is_ok());
  CHECK(crypto::as_text(v->data_key()) != old_dek);  // and what it names is the new vault
  CHECK(test::fingerprint(dir.path()).size() == 3);  // real, link, rk: no old vault left
}
