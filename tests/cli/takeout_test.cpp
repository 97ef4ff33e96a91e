// tend takeout as its owner meets it, through the real binary and the real age:
// every row of the vault (private entries too) in the JSON, opened by stock
// `age -d` with a key and with a passphrase; a warning for plaintext; bad
// requests refused before or without changing the vault; and the audit
// log's word that a takeout is not an export.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "core/db.hpp"
#include "core/json.hpp"
#include "core/vault.hpp"
#include "tests/support.hpp"

using namespace tend;
namespace stdfs = std::filesystem;

namespace {

const std::string kTend = TEND_BINARY;

struct Fixture {
  test::TempDir dir;
  std::string vault;
  std::map<std::string, std::string> env;
  std::string recipient;

  Fixture() : vault(dir / "vault") {
    test::make_vault(vault);
    env = {{"TEND_PASSPHRASE", test::kPassphrase}, {"HOME", dir.path()}, {"TZ", "Europe/Berlin"}};
    REQUIRE(test::run_process({"age-keygen", "-o", dir / "key.txt"}, {}).code == 0);
    recipient = test::run_process({"age-keygen", "-y", dir / "key.txt"}, {}).out;
    recipient.pop_back();
  }
  test::ProcResult run(std::vector<std::string> args) {
    args.insert(args.begin(), {kTend, "--vault", vault});
    return test::run_process(args, env);
  }
  void ok(std::vector<std::string> args) {
    test::ProcResult r = run(std::move(args));
    INFO(r.err);
    REQUIRE(r.code == 0);
  }
  // A bit of everything: shared and private entries with tags and notes, an
  // edited one, imported ones, app use, a check-in, a grant and its export.
  void fill() {
    ok({"mood", "add", "7", "--tag", "work", "--tag", "calm", "--note", "a \"quoted\", day", "--at",
        "2026-11-20 09:00"});
    ok({"mood", "add", "2", "--private", "--note", "only for me", "--at", "2026-11-21 22:15"});
    ok({"mood", "add", "5", "--energy", "4", "--at", "2026-11-22 08:00"});
    ok({"mood", "edit", "3", "--score", "6"});
    test::write_file(dir / "d.csv",
                     "full_date,date,weekday,time,mood,activities,note_title,note\r\n"
                     "2026-10-01,x,y,10:00 pm,rad,walk | read,,\"Line one<br>line two\"\r\n"
                     "2026-10-02,x,y,7:30 am,meh,,,\r\n");
    ok({"import", "daylio", dir / "d.csv"});
    ok({"app", "log", "Headspace", "--minutes", "20", "--at", "2026-11-22 07:00"});
    ok({"app", "log", "Calm", "--minutes", "5", "--feature", "sleep", "--at", "2026-11-23 23:00"});
    ok({"checkin", "--app", "Headspace", "--answers", "4,4,3,2,4"});
    test::ProcResult g = run({"grant", "add", "--recipient", "Dr. T", "--recipient-key", recipient,
                              "--purpose", "therapy", "--data", "mood,notes", "--json"});
    REQUIRE(g.code == 0);
    const std::string id = (*parse_json(g.out, "grant"))["id"];
    ok({"export", "--grant", id, "-o", dir / "export.age"});
  }
  // Rows in the vault's tables, counted in the database itself.
  std::map<std::string, std::int64_t> counts() {
    Result<Vault> v = Vault::unlock(vault, test::secret(test::kPassphrase));
    REQUIRE(v.is_ok());
    std::map<std::string, std::int64_t> out;
    for (const char* t : {"mood", "mood_tag", "app_session", "checkin", "instrument",
                          "consent_grant", "audit_entry"}) {
      Result<Statement> st = v->db().prepare(fmt::format("SELECT count(*) FROM {};", t));
      REQUIRE(st.is_ok());
      REQUIRE(*st->step());
      out[t] = st->int64(0);
    }
    return out;
  }
  Json age_open(const std::string& file) {
    test::ProcResult d = test::run_process({"age", "-d", "-i", dir / "key.txt", file}, {});
    INFO(d.err);
    REQUIRE(d.code == 0);
    return *parse_json(d.out, "takeout");
  }
};

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("takeout: age -d opens it with the key, and its JSON holds every row of the vault",
          "[cli][takeout][process][interop]") {
  Fixture f;
  f.fill();
  const std::map<std::string, std::int64_t> before = f.counts();
  test::ProcResult r = f.run({"takeout", "-o", f.dir / "t.age", "--to", f.recipient, "--json"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const Json out = *parse_json(r.out, "output");
  CHECK(out["protection"] == "age_recipients");
  CHECK(mode_of(f.dir / "t.age") == 0600);

  const Json t = f.age_open(f.dir / "t.age");
  CHECK(t["format"] == "tend-takeout");
  CHECK(t["version"] == 1);
  const Json& tables = t["tables"];
  CHECK(tables["mood"].size() == static_cast<std::size_t>(before.at("mood")));
  std::size_t tags = 0;
  for (const Json& m : tables["mood"]) tags += m["tags"].size();
  CHECK(tags == static_cast<std::size_t>(before.at("mood_tag")));
  CHECK(tables["app_usage"].size() == static_cast<std::size_t>(before.at("app_session")));
  CHECK(tables["alliance"].size() == static_cast<std::size_t>(before.at("checkin")));
  CHECK(tables["instruments"].size() == static_cast<std::size_t>(before.at("instrument")));
  CHECK(tables["grants"].size() == static_cast<std::size_t>(before.at("consent_grant")));
  // The log as it was before the takeout's own entry.
  CHECK(tables["audit_log"].size() == static_cast<std::size_t>(before.at("audit_entry")));
  CHECK(t["rows"] == out["rows"]);
  CHECK(out["rows"]["mood_tags"] == before.at("mood_tag"));

  // Private entries are in (they never are in an export); edits carry their time.
  bool private_found = false, edited_found = false;
  for (const Json& m : tables["mood"]) {
    if (m["private"] == true) {
      private_found = true;
      CHECK(m["note"] == "only for me");
      CHECK(m["at"] == "2026-11-21T22:15:00+01:00");
    }
    if (!m["edited"].is_null()) {
      edited_found = true;
      CHECK(m["score"] == 6);
      CHECK(m["edited_unix"].is_number_integer());
    }
  }
  CHECK(private_found);
  CHECK(edited_found);
  CHECK(tables["mood"][0]["note"] == "a \"quoted\", day");
  CHECK(tables["app_usage"][1]["feature"] == "sleep");
  CHECK(tables["alliance"][0]["answers"].is_array());
  CHECK(tables["grants"][0]["recipient"] == "Dr. T");
  CHECK(tables["audit_log"].back()["kind"] == "export.created");
}

TEST_CASE("takeout: the default is a passphrase, and age -d opens it with that passphrase",
          "[cli][takeout][process][interop]") {
  Fixture f;
  f.fill();
  test::write_file(f.dir / "pass", "a long takeout passphrase\n");
  test::ProcResult r =
      f.run({"takeout", "-o", f.dir / "t.age", "--takeout-passphrase-file", f.dir / "pass"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("age -d -o takeout.json"));
  CHECK(test::read_file(f.dir / "t.age").rfind("age-encryption.org/v1\n-> scrypt ", 0) == 0);
  test::ProcResult d = test::run_on_terminal({"age", "-d", "-o", f.dir / "t.json", f.dir / "t.age"},
                                             {}, {"a long takeout passphrase"});
  INFO(d.out);
  REQUIRE(d.code == 0);
  const Json t = *parse_json(test::read_file(f.dir / "t.json"), "takeout");
  CHECK(t["tables"]["mood"].size() == 5);
  // The wrong passphrase opens nothing.
  CHECK(test::run_on_terminal({"age", "-d", "-o", f.dir / "w.json", f.dir / "t.age"}, {},
                              {"another passphrase"})
            .code != 0);

  // Without a passphrase file and without a terminal: a usage error, nothing written.
  const auto before = test::fingerprint(f.vault);
  test::ProcResult none = f.run({"takeout", "-o", f.dir / "t2.age"});
  CHECK(none.code == 64);
  CHECK_THAT(none.err, Catch::Contains("no terminal"));
  CHECK(test::fingerprint(f.vault) == before);
  CHECK_FALSE(stdfs::exists(f.dir / "t2.age"));
}

TEST_CASE("takeout: asked on the terminal, the passphrase must be typed the same twice",
          "[cli][takeout]") {
  test::TempDir dir;
  test::make_vault(dir / "v");
  const std::map<std::string, std::string> env = {{"TEND_VAULT", dir / "v"}};
  std::vector<std::string> prompts;
  test::CliResult r = test::tend_cli_with_terminal(
      {"takeout", "-o", dir / "t.age"}, env,
      {test::kPassphrase, "correct horse battery", "correct horse batterY"}, &prompts);
  CHECK(r.code == 64);
  CHECK_THAT(r.err, Catch::Contains("do not match"));
  CHECK_FALSE(stdfs::exists(dir / "t.age"));
  REQUIRE(prompts.size() == 3);
  CHECK(prompts[1] == "Passphrase for the takeout: ");

  prompts.clear();
  r = test::tend_cli_with_terminal({"takeout", "-o", dir / "t.age"}, env,
                                   {test::kPassphrase, "short", "short"}, &prompts);
  CHECK(r.code == 0);
  CHECK_THAT(r.err, Catch::Contains("shorter than 12 characters"));
  CHECK(stdfs::exists(dir / "t.age"));
}

TEST_CASE("takeout: plaintext only when asked, with a warning, and CSV per table beside it",
          "[cli][takeout][process]") {
  Fixture f;
  f.fill();
  const auto before = f.counts();
  test::ProcResult r =
      f.run({"takeout", "-o", f.dir / "t.json", "--plaintext", "--csv", f.dir / "csv"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.err, Catch::Contains("warning: the takeout is not encrypted"));
  CHECK(mode_of(f.dir / "t.json") == 0600);
  CHECK(mode_of(f.dir / "csv") == 0700);
  const Json t = *parse_json(test::read_file(f.dir / "t.json"), "takeout");
  CHECK(t["tables"]["mood"].size() == static_cast<std::size_t>(before.at("mood")));

  // One CSV per table: a header line, then one line per row (no field here spans lines).
  auto lines = [](const std::string& text) {
    std::size_t n = 0;
    for (std::size_t i = 0; i + 1 < text.size(); ++i) n += text.compare(i, 2, "\r\n") == 0;
    return static_cast<std::int64_t>(n);
  };
  const std::string mood = test::read_file(f.dir / "csv/" + "mood.csv");
  CHECK(mood.rfind("id,at,at_unix,score,energy,note,private,", 0) == 0);
  CHECK(lines(mood) == before.at("mood") + 1);
  CHECK_THAT(mood, Catch::Contains(R"("a ""quoted"", day")"));
  CHECK(lines(test::read_file(f.dir / "csv/" + "mood_tags.csv")) == before.at("mood_tag") + 1);
  CHECK(lines(test::read_file(f.dir / "csv/" + "app_usage.csv")) == before.at("app_session") + 1);
  for (const char* name : {"mood.csv", "mood_tags.csv", "app_usage.csv", "alliance.csv",
                           "instruments.csv", "grants.csv", "audit_log.csv"}) {
    CHECK(mode_of(f.dir / "csv/" + name) == 0600);
  }

  // Encrypted CSV: each file opens with age -d.
  REQUIRE(f.run({"takeout", "-o", f.dir / "t2.age", "--to", f.recipient, "--csv", f.dir / "csv2"})
              .code == 0);
  test::ProcResult d =
      test::run_process({"age", "-d", "-i", f.dir / "key.txt", f.dir / "csv2/mood.csv.age"}, {});
  REQUIRE(d.code == 0);
  CHECK(lines(d.out) == before.at("mood") + 1);
}

TEST_CASE("takeout: bad requests exit non-zero and leave the vault byte for byte",
          "[cli][takeout][process]") {
  Fixture f;
  f.ok({"mood", "add", "5"});
  test::write_file(f.dir / "taken", "already here");
  ::mkdir((f.dir / "csvdir").c_str(), 0700);
  const auto before = test::fingerprint(f.vault);
  struct Case {
    std::vector<std::string> args;
    int code;
    const char* says;
  };
  const Case cases[] = {
      {{"takeout"}, 64, "-o FILE"},
      {{"takeout", "-o", f.dir / "x", "--to", "age1notakey"}, 64, "not an age recipient"},
      {{"takeout", "-o", f.dir / "x", "--to", f.recipient, "--plaintext"}, 64, "conflict"},
      {{"takeout", "-o", f.dir / "x", "--passphrase", "--plaintext"}, 64, "conflict"},
      {{"takeout", "-o", f.dir / "taken", "--plaintext"}, 73, "exists"},
      {{"takeout", "-o", f.dir / "x", "--plaintext", "--csv", f.dir / "csvdir"},
       73,
       "already exists"},
      {{"takeout", "-o", f.dir / "no/x", "--plaintext"}, 66, ""},
      {{"takeout", "-o", f.dir / "x", "--takeout-passphrase-file", f.dir / "nope"}, 66, ""},
  };
  for (const Case& c : cases) {
    test::ProcResult r = f.run(c.args);
    INFO(c.args.back() << ": " << r.err);
    CHECK(r.code == c.code);
    CHECK_THAT(r.err, Catch::Contains(c.says));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') <= 2);  // an error and maybe a hint
    CHECK(test::fingerprint(f.vault) == before);
    CHECK_FALSE(stdfs::exists(f.dir / "x"));
  }
  CHECK(test::read_file(f.dir / "taken") == "already here");
}

TEST_CASE("takeout: one takeout.created entry with counts, and audit verify says it is no export",
          "[cli][takeout][audit][process]") {
  Fixture f;
  f.fill();
  REQUIRE(f.run({"takeout", "-o", f.dir / "t.age", "--to", f.recipient}).code == 0);
  test::ProcResult log = f.run({"audit", "log", "--json"});
  REQUIRE(log.code == 0);
  const Json entries = *parse_json(log.out, "log");
  const Json& last = entries["items"].back();
  CHECK(last["kind"] == "takeout.created");
  const Json& meta = last["meta"];
  CHECK(meta["protection"] == "age_recipients");
  CHECK_FALSE(meta.contains("rows"));  // with an export's counts, they would count private entries
  CHECK(meta["recipients"].size() == 1);
  CHECK(meta["recipients"][0].get<std::string>().size() == 16);  // a fingerprint, as exports log
  CHECK(meta["csv_files"] == 0);
  // Counts, a digest of the file, and nothing of the journal.
  const std::string text = dump_json(meta);
  CHECK(text.find("only for me") == std::string::npos);
  CHECK(text.find("Headspace") == std::string::npos);
  CHECK(text.find(f.recipient) == std::string::npos);

  CHECK(meta["sha256"].get<std::string>().size() == 64);  // of the ciphertext
  // A plaintext takeout's digest would be a hash of content: it is not logged.
  REQUIRE(f.run({"takeout", "-o", f.dir / "t.json", "--plaintext"}).code == 0);
  const Json plain = (*parse_json(f.run({"audit", "log", "--json"}).out, "log"))["items"].back();
  CHECK(plain["meta"]["protection"] == "none");
  CHECK_FALSE(plain["meta"].contains("sha256"));

  REQUIRE(f.run({"audit", "export", "-o", f.dir / "pkg.json"}).code == 0);
  test::ProcResult v =
      test::run_process({kTend, "audit", "verify", f.dir / "pkg.json", "--json"}, {});
  REQUIRE(v.code == 0);
  const Json report = *parse_json(v.out, "report");
  CHECK(report["takeouts"] == 2);
  CHECK(report["consent"]["exports"] == 1);  // the export, not the takeout
  test::ProcResult b = test::run_process(
      {kTend, "audit", "verify", f.dir / "pkg.json", "--bundle", f.dir / "t.age"}, {});
  CHECK(b.code == 1);
  CHECK_THAT(b.err, Catch::Contains("is the takeout at entry") &&
                        Catch::Contains("not an export under a grant"));
  CHECK(test::run_process(
            {kTend, "audit", "verify", f.dir / "pkg.json", "--bundle", f.dir / "export.age"}, {})
            .code == 0);
}
