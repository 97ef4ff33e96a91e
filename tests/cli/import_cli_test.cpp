// tend import as a user meets it, through the real binary: usage errors before
// unlocking, a bad file that changes nothing, summaries and --json, a second
// run that adds nothing, and an import running beside another writer.
#include <catch2/catch.hpp>

#include <thread>

#include <fmt/format.h>

#include "core/json.hpp"
#include "tests/support.hpp"

using namespace tend;

namespace {

const std::string kTend = TEND_BINARY;

struct Fixture {
  test::TempDir dir;
  std::string vault;
  std::map<std::string, std::string> env;
  Fixture() : vault(dir / "vault") {
    test::make_vault(vault);
    env = {{"TEND_PASSPHRASE", test::kPassphrase}, {"HOME", dir.path()}, {"TZ", "Europe/Berlin"}};
  }
  test::ProcResult run(std::vector<std::string> args) {
    args.insert(args.begin(), {kTend, "--vault", vault});
    return test::run_process(args, env);
  }
  Json json(std::vector<std::string> args) {
    args.push_back("--json");
    test::ProcResult r = run(args);
    INFO(r.err);
    REQUIRE(r.code == 0);
    return *parse_json(r.out, "output");
  }
  std::string file(const std::string& name, const std::string& text) {
    test::write_file(dir / name, text);
    return dir / name;
  }
};

const std::string kHeader = "full_date,date,weekday,time,mood,activities,note_title,note\r\n";

std::string daylio_rows(int n) {
  std::string out = kHeader;
  for (int i = 0; i < n; ++i) {
    out += fmt::format(
        "2025-{:02}-{:02},x,y,{}:{:02} pm,{},walk | read,,\"Row {}, \"\"ok\"\"\"\r\n",
        1 + (i / 28) % 12, 1 + i % 28, 1 + i % 11, i % 60, i % 2 == 0 ? "good" : "meh", i);
  }
  return out;
}

}  // namespace

TEST_CASE("import: choosing what to take is a usage error before any passphrase",
          "[cli][import][process]") {
  Fixture f;
  const std::string aw = f.file("aw.json", R"({"buckets": {}})");
  const std::string jr = f.file("j.json", R"({"entries": []})");
  f.env["TEND_PASSPHRASE"] = "the wrong passphrase";  // never asked for: 64, not 77
  test::ProcResult r = f.run({"import", "activitywatch", aw});
  CHECK(r.code == 64);
  CHECK_THAT(r.err, Catch::Contains("--only") && Catch::Contains("--all-apps"));
  CHECK(f.run({"import", "activitywatch", aw, "--only", "Calm", "--all-apps"}).code == 64);
  CHECK(f.run({"import", "activitywatch", aw, "--only", ""}).code == 64);
  CHECK_THAT(f.run({"import", "jrnl", jr}).err, Catch::Contains("--score"));
  CHECK(f.run({"import", "jrnl", jr}).code == 64);
  CHECK(f.run({"import", "jrnl", jr, "--score", "6", "--skip-unscored"}).code == 64);
  CHECK(f.run({"import", "jrnl", jr, "--score", "11"}).code == 64);
  CHECK(f.run({"import", "daylio", f.dir / "none.csv"}).code == 66);
  CHECK(f.run({"import", "daylio", f.file("d.csv", kHeader), "--mood-map", "happy"}).code == 64);
}

TEST_CASE("import: a file tend cannot read whole exits 65 and leaves the vault byte for byte",
          "[cli][import][process]") {
  Fixture f;
  REQUIRE(f.run({"mood", "add", "5"}).code == 0);
  const auto before = test::fingerprint(f.vault);
  const std::vector<std::vector<std::string>> bad = {
      {"daylio", f.file("a.csv", daylio_rows(30) + "2026-02-30,x,y,1:00 pm,good,,,\r\n")},
      {"daylio", f.file("b.csv", daylio_rows(3) + "2026-02-03,x,y,1:00 pm,ecstatic,,,\r\n")},
      {"daylio", f.file("c.csv", daylio_rows(3) + "2026-02-03,x,y,1:00 pm,good,,\"open\r\n")},
      {"daylio", f.file("d.csv", daylio_rows(3) + "2026-02-03,x,y,1:00 pm,good\r\n")},
      {"activitywatch",
       f.file("e.json", R"({"buckets": {"w": {"type": "currentwindow", )"
                        R"("events": [{"timestamp": "2026-11-20T10:00:00Z", )"
                        R"("duration": -5, "data": {"app": "A"}}]}}})"),
       "--all-apps"},
      {"activitywatch", f.file("f.json", R"({"buckets": {"w": {"type": "currentwin)"),
       "--all-apps"},
      {"jrnl", f.file("g.json", R"({"entries": [{"date": "2026-11-20", "time": 900}]})"), "--score",
       "5"},
  };
  for (std::vector<std::string> args : bad) {
    args.insert(args.begin(), "import");
    test::ProcResult r = f.run(args);
    INFO(args[1] << " " << r.err);
    CHECK(r.code == 65);
    CHECK_THAT(r.err, Catch::Contains("nothing was imported"));
    CHECK(r.out.empty());
    CHECK(test::fingerprint(f.vault) == before);
  }
  CHECK_THAT(f.run({"import", "daylio", f.dir / "a.csv"}).err, Catch::Contains("line 32"));
  CHECK_THAT(f.run({"import", "daylio", f.dir / "b.csv"}).err,
             Catch::Contains("'ecstatic'") && Catch::Contains("--mood-map ecstatic=N"));
}

TEST_CASE("import daylio: a summary, --json, a second run that adds nothing, --private",
          "[cli][import][process]") {
  Fixture f;
  const std::string csv = f.file("daylio.csv", daylio_rows(40));
  test::ProcResult dry = f.run({"import", "daylio", csv, "--dry-run"});
  REQUIRE(dry.code == 0);
  CHECK_THAT(dry.out, Catch::Contains("would import 40 mood entries") &&
                          Catch::Contains("Nothing was written"));
  CHECK(f.json({"mood", "list"})["count"] == 0);

  test::ProcResult first = f.run({"import", "daylio", csv, "--private"});
  INFO(first.err);
  REQUIRE(first.code == 0);
  CHECK_THAT(first.out, Catch::Contains("Imported 40 mood entries from daylio"));
  Json list = f.json({"mood", "list"});
  CHECK(list["count"] == 40);
  CHECK(list["items"][0]["private"] == true);
  CHECK(list["items"][0]["tags"] == Json::array({"read", "walk"}));

  Json again = f.json({"import", "daylio", csv});
  CHECK(again["imported"] == 0);
  CHECK(again["already_present"] == 40);
  CHECK(again["audit_seq"].is_null());
  CHECK(f.json({"mood", "list"})["count"] == 40);
  Json log = f.json({"audit", "log"});
  CHECK(log["count"] == 2);  // created, one import
  CHECK(log["items"][1]["kind"] == "import.completed");
  CHECK(log["items"][1]["meta"]["imported"] == 40);
  test::ProcResult check = f.run({"check"});
  INFO(check.out);
  CHECK(check.code == 0);
}

TEST_CASE("import activitywatch and jrnl end to end", "[cli][import][process]") {
  Fixture f;
  const std::string aw =
      f.file("aw.json",
             R"({"buckets": {"aw-watcher-android-test": {"type": "currentwindow", "events": [
         {"id": 2, "timestamp": "2026-11-21T08:10:00Z", "duration": 60.4,
          "data": {"app": "Calm", "package": "com.calm.android", "classname": "x"}},
         {"id": 1, "timestamp": "2026-11-21T08:00:00Z", "duration": 600.0,
          "data": {"app": "Calm", "package": "com.calm.android", "classname": "x"}},
         {"id": 3, "timestamp": "2026-11-21T09:00:00Z", "duration": 5,
          "data": {"app": "Chrome", "package": "com.android.chrome", "classname": "x"}}]},
        "aw-watcher-afk_x": {"type": "afkstatus", "events": [
         {"timestamp": "2026-11-21T08:00:00Z", "duration": 10, "data": {"status": "afk"}}]}}})");
  Json out = f.json({"import", "activitywatch", aw, "--only", "com.calm.android"});
  CHECK(out["type"] == "app");
  CHECK(out["records"] == 4);
  CHECK(out["imported"] == 1);  // 600 s, then 60.4 s starting at its end: one session
  CHECK(out["skipped"]["afkstatus"] == 1);
  CHECK(out["skipped"]["apps not chosen"] == 1);
  Json apps = f.json({"app", "list"});
  REQUIRE(apps["count"] == 1);
  CHECK(apps["items"][0]["app"] == "Calm");
  CHECK(apps["items"][0]["duration_s"] == 660);
  CHECK(apps["items"][0]["start"] == "2026-11-21T09:00:00+01:00");

  const std::string jr = f.file("j.json", R"({"tags": {"@work": 1}, "entries": [
        {"date": "2026-11-02", "time": "21:15", "title": "Long day.", "body": "Tired.",
         "tags": ["@work", "@mood4"], "starred": true},
        {"date": "2026-11-03", "time": "07:00", "title": "Up early.", "body": "",
         "tags": [], "starred": false}]})");
  test::ProcResult skipped = f.run({"import", "jrnl", jr, "--skip-unscored"});
  REQUIRE(skipped.code == 0);
  CHECK_THAT(skipped.out, Catch::Contains("Imported 1 mood entry") &&
                              Catch::Contains("skipped, entries without a score: 1"));
  // From standard input, as jrnl --export json | tend import jrnl - would give it.
  std::vector<std::string> argv = {kTend, "--vault", f.vault, "import", "jrnl",
                                   "-",   "--score", "6",     "--json"};
  test::ProcResult piped = test::run_process(argv, f.env, test::read_file(jr));
  INFO(piped.err);
  REQUIRE(piped.code == 0);
  Json scored = *parse_json(piped.out, "output");
  CHECK(scored["imported"] == 1);
  CHECK(scored["already_present"] == 1);
  Json moods = f.json({"mood", "list"});
  REQUIRE(moods["count"] == 2);
  CHECK(moods["items"][0]["score"] == 4);
  CHECK(moods["items"][0]["note"] == "Long day.\nTired.");
  CHECK(moods["items"][0]["tags"] == Json::array({"starred", "work"}));
  CHECK(moods["items"][1]["score"] == 6);
}

TEST_CASE("an import and tend mood add at the same time: both succeed", "[cli][import][process]") {
  Fixture f;
  const std::string csv = f.file("big.csv", daylio_rows(3000));
  test::ProcResult import_result;
  std::thread importer([&] { import_result = f.run({"import", "daylio", csv}); });
  std::vector<test::ProcResult> adds;
  for (int i = 0; i < 5; ++i) adds.push_back(f.run({"mood", "add", "7", "--note", "meanwhile"}));
  importer.join();
  INFO(import_result.err);
  CHECK(import_result.code == 0);
  for (const test::ProcResult& a : adds) {
    INFO(a.err);
    CHECK(a.code == 0);
  }
  CHECK(f.json({"mood", "list"})["count"] == 3005);
  CHECK(f.run({"check"}).code == 0);
}
