// The command line as a user meets it: help for every command, the version,
// -o -, notes on standard input, one JSON convention (held to the table in
// docs/cli.md), tables that say their zone, hints that fit the mistake.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "cli/command.hpp"
#include "cli/help.hpp"
#include "core/audit_package.hpp"
#include "core/json.hpp"
#include "crypto/age.hpp"
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
           {"HOME", dir.path()},
           {"TZ", "UTC0"}};
    REQUIRE(tend_cli({"init"}, env).code == 0);
  }
  test::CliResult run(std::vector<std::string> args) { return tend_cli(args, env); }
  std::string grant() {
    const std::string key =
        crypto::format_age_recipient(crypto::generate_age_identity().public_key);
    test::CliResult g = run({"grant", "add", "--recipient", "R", "--recipient-key", key,
                             "--purpose", "p", "--data", "mood", "--json"});
    REQUIRE(g.code == 0);
    return (*parse_json(g.out, "grant"))["id"];
  }
};

std::vector<std::string> words_of(std::string_view name) {
  std::vector<std::string> out;
  std::istringstream in{std::string(name)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// ---- the shapes table of docs/cli.md

struct Shape {
  struct Name {
    std::string name;
    bool optional = false;
    std::unique_ptr<Shape> object;  // a{...}
    std::unique_ptr<Shape> list;    // a[...]
  };
  std::vector<Name> names;
};

// name := word ['?'] ['{' spec '}' | '[' spec ']']; spec := name (',' name)*
Shape parse_shape(std::string_view& s) {
  Shape shape;
  auto skip = [&] {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  };
  for (;;) {
    skip();
    Shape::Name n;
    while (!s.empty() &&
           (std::isalnum(static_cast<unsigned char>(s.front())) || s.front() == '_')) {
      n.name += s.front();
      s.remove_prefix(1);
    }
    if (!s.empty() && s.front() == '?') {
      n.optional = true;
      s.remove_prefix(1);
    }
    if (!s.empty() && (s.front() == '{' || s.front() == '[')) {
      const char open = s.front();
      s.remove_prefix(1);
      auto inner = std::make_unique<Shape>(parse_shape(s));
      s.remove_prefix(1);  // the closing bracket
      (open == '{' ? n.object : n.list) = std::move(inner);
    }
    shape.names.push_back(std::move(n));
    skip();
    if (s.empty() || s.front() != ',') return shape;
    s.remove_prefix(1);
  }
}

std::map<std::string, Shape> documented_shapes() {
  std::ifstream f(std::string(TEND_SOURCE_DIR) + "/docs/cli.md");
  std::map<std::string, Shape> out;
  bool in_table = false;
  for (std::string line; std::getline(f, line);) {
    if (line == "### Shapes") in_table = true;
    if (!in_table || line.rfind("| `", 0) != 0) continue;
    const auto end = line.find('`', 3);
    const std::string command = line.substr(3, end - 3);
    std::string_view spec = std::string_view(line).substr(line.find('|', end) + 1);
    spec.remove_suffix(spec.size() - spec.rfind('|'));
    out.emplace(command, parse_shape(spec));
  }
  return out;
}

// Empty when `j` has exactly the names of `shape` (optional ones may be absent).
std::string mismatch(const Json& j, const Shape& shape, const std::string& at) {
  if (!j.is_object()) return at + " is not an object";
  for (const Shape::Name& n : shape.names) {
    if (!j.contains(n.name)) {
      if (n.optional) continue;
      return at + " lacks '" + n.name + "'";
    }
    const Json& v = j[n.name];
    if (n.object && !v.is_null()) {
      if (std::string m = mismatch(v, *n.object, at + "." + n.name); !m.empty()) return m;
    }
    if (n.list) {
      if (!v.is_array()) return at + "." + n.name + " is not a list";
      for (const Json& item : v) {
        if (std::string m = mismatch(item, *n.list, at + "." + n.name + "[]"); !m.empty()) return m;
      }
    }
  }
  for (const auto& item : j.items()) {
    const std::string& name = item.key();
    const bool known = std::any_of(shape.names.begin(), shape.names.end(),
                                   [&](const Shape::Name& n) { return n.name == name; });
    if (!known) return at + " has '" + name + "', which the table does not list";
  }
  return {};
}

}  // namespace

TEST_CASE("every command's --help prints its page and exits 0, before anything is checked",
          "[cli][shape]") {
  for (const cli::Command& c : cli::commands()) {
    std::vector<std::string> args = words_of(c.name);
    args.push_back("--help");
    test::CliResult r = tend_cli(args, {});  // no vault, no passphrase, no required option
    INFO(c.name << ": " << r.err);
    CHECK(r.code == 0);
    CHECK_THAT(r.out, Catch::StartsWith("Usage: tend " + std::string(c.name)));
    CHECK(r.out.find("[ --") == std::string::npos);                  // no option-library artefacts
    CHECK(r.out.find("--passphrase-file F ") == std::string::npos);  // globals: on tend help
    test::CliResult h = tend_cli({"help", std::string(c.name)}, {});
    CHECK(h.out == r.out);
  }
  test::CliResult overview = tend_cli({"help"}, {});
  CHECK(overview.code == 0);
  std::size_t vaults = 0;
  for (std::size_t at = overview.out.find("--vault DIR"); at != std::string::npos;
       at = overview.out.find("--vault DIR", at + 1)) {
    ++vaults;
  }
  CHECK(vaults == 1);  // the global options once
  CHECK(overview.out.find("[ --") == std::string::npos);
}

TEST_CASE("the version: --version and -V print it", "[cli][shape]") {
  for (const char* flag : {"--version", "-V"}) {
    test::CliResult r = tend_cli({flag}, {});
    CHECK(r.code == 0);
    CHECK(r.out == std::string("tend ") + TEND_VERSION_FOR_TESTS + "\n");
  }
}

TEST_CASE("stdout: -o - writes one stream, and export refuses it before counting anything",
          "[cli][shape]") {
  Fixture f;
  REQUIRE(f.run({"mood", "add", "5"}).code == 0);
  const std::string id = f.grant();
  test::CliResult pkg = f.run({"audit", "export", "-o", "-"});
  REQUIRE(pkg.code == 0);
  VerifyOptions none;
  CHECK(verify_package(pkg.out, none)->ok);

  test::CliResult receipt =
      f.run({"grant", "receipt", id, "-o", "-", "--signature", f.dir / "receipt.minisig"});
  INFO(receipt.err);
  REQUIRE(receipt.code == 0);
  CHECK((*parse_json(receipt.out, "receipt"))["version"] == "KI-CR-v1.1.0");
  CHECK(test::fingerprint(f.dir.path()).count("receipt.minisig") == 1);
  CHECK(f.run({"grant", "receipt", id, "-o", "-"}).code == 64);  // where would its signature go

  const auto before = test::fingerprint(f.dir / "vault");
  test::CliResult e = f.run({"export", "--grant", id, "-o", "-"});
  CHECK(e.code == 64);
  CHECK_THAT(e.err, Catch::Contains("two files"));
  CHECK(test::fingerprint(f.dir / "vault") == before);  // nothing counted or logged
  for (const char* o : {"-o", "--output"}) {
    CHECK(f.run({"export", "--grant", id, o, ""}).code == 64);
  }
}

TEST_CASE("standard input: --note-file - reads it, CRLF as LF", "[cli][shape]") {
  Fixture f;
  test::CliResult r = test::tend_cli_with_stdin({"mood", "add", "6", "--note-file", "-", "--json"},
                                                f.env, "first line\r\nsecond\r\n");
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK((*parse_json(r.out, "entry"))["note"] == "first line\nsecond");
  test::CliResult bad =
      test::tend_cli_with_stdin({"mood", "add", "6", "--note-file", "-"}, f.env, "ok\x1b[2J");
  CHECK(bad.code == 64);
  CHECK_THAT(bad.err, Catch::Contains("control character U+001B at byte 3"));
  CHECK(bad.err.find("ok") == std::string::npos);
}

TEST_CASE("every --json output follows the table in docs/cli.md", "[cli][shape]") {
  const std::map<std::string, Shape> shapes = documented_shapes();
  // Every command has a row.
  for (const cli::Command& c : cli::commands()) {
    INFO(c.name);
    CHECK(shapes.count(std::string(c.name)) == 1);
  }
  Fixture f;
  ::mkdir((f.dir / "run").c_str(), 0700);
  f.env["XDG_RUNTIME_DIR"] = f.dir / "run";  // the agent that unlock starts lives here
  const std::string key_file = f.dir / "key.txt";
  const crypto::AgeIdentity id = crypto::generate_age_identity();
  test::write_file(key_file, crypto::format_age_identity(id) + "\n");
  test::CliResult g = f.run({"grant", "add", "--recipient", "R", "--recipient-key",
                             crypto::format_age_recipient(id.public_key), "--purpose", "p",
                             "--data", "mood,notes", "--json"});
  REQUIRE(g.code == 0);
  const std::string grant = (*parse_json(g.out, "grant"))["id"];
  test::write_file(f.dir / "new", "second passphrase\n");
  test::write_file(f.dir / "daylio.csv",
                   "full_date,date,weekday,time,mood,activities,note\n"
                   "2026-11-20,Nov 20,Friday,10:00 pm,good,walk,\n");
  test::write_file(f.dir / "aw.json",
                   R"({"buckets": {"w": {"type": "currentwindow", "events": [{"timestamp": )"
                   R"("2026-11-20T10:00:00Z", "duration": 60, "data": {"app": "Calm"}}]}}})");
  test::write_file(f.dir / "jrnl.json",
                   R"({"tags": {}, "entries": [{"date": "2026-11-20", "time": "09:00", )"
                   R"("title": "t", "body": "b", "tags": [], "starred": false}]})");
  test::TempDir other;
  std::string recovery;
  struct Run {
    std::string command;  // the row of the table
    std::vector<std::string> args;
  };
  const std::vector<Run> runs = {
      {"status", {"status"}},
      {"identity", {"identity"}},
      {"check", {"check"}},
      {"unlock", {"unlock", "--for", "1m"}},
      {"lock", {"lock"}},
      {"mood add", {"mood", "add", "6", "--tag", "t", "--note", "n"}},
      {"mood list", {"mood", "list"}},
      {"mood edit", {"mood", "edit", "1", "--score", "7"}},
      {"mood show", {"mood", "show", "1"}},
      {"app log", {"app", "log", "Calm", "--minutes", "10"}},
      {"app list", {"app", "list"}},
      {"app list --by", {"app", "list", "--by", "app"}},
      {"app edit", {"app", "edit", "1", "--minutes", "12"}},
      {"app show", {"app", "show", "1"}},
      {"checkin", {"checkin", "--app", "Calm", "--answers", "3,4,2,4,3"}},
      {"checkin list", {"checkin", "list"}},
      {"report", {"report"}},
      {"import daylio", {"import", "daylio", f.dir / "daylio.csv"}},
      {"import activitywatch", {"import", "activitywatch", f.dir / "aw.json", "--all-apps"}},
      {"import jrnl", {"import", "jrnl", f.dir / "jrnl.json", "--score", "6"}},
      {"takeout", {"takeout", "-o", f.dir / "takeout.json", "--plaintext"}},
      {"grant show", {"grant", "show", grant}},
      {"grant list", {"grant", "list"}},
      {"grant receipt", {"grant", "receipt", grant, "-o", f.dir / "r.json"}},
      {"export --preview", {"export", "--grant", grant, "--preview"}},
      {"export", {"export", "--grant", grant, "-o", f.dir / "b.age"}},
      {"audit log", {"audit", "log"}},
      {"audit checkpoint", {"audit", "checkpoint"}},
      {"audit export", {"audit", "export", "-o", f.dir / "a.pkg"}},
      {"audit verify", {"audit", "verify", f.dir / "a.pkg"}},
      {"bundle open", {"bundle", "open", f.dir / "b.age", "--identity", key_file}},
      {"mood rm", {"mood", "rm", "1", "--yes"}},
      {"app rm", {"app", "rm", "1", "--yes"}},
      {"grant add",
       {"grant", "add", "--recipient", "R", "--recipient-key",
        crypto::format_age_recipient(id.public_key), "--purpose", "p", "--data", "app_usage",
        "--max-exports", "2", "--from", "2026-01-01"}},
      {"grant revoke", {"grant", "revoke", grant}},
      {"passwd", {"passwd", "--new-passphrase-file", f.dir / "new"}},
  };
  std::set<std::string> seen;
  for (const Run& run : runs) {
    std::vector<std::string> args = run.args;
    args.push_back("--json");
    if (run.command == "passwd") f.env["TEND_PASSPHRASE"] = test::kPassphrase;
    test::CliResult r = f.run(args);
    if (run.command == "passwd") f.env["TEND_PASSPHRASE"] = "second passphrase";
    INFO(run.command << ": " << r.err);
    REQUIRE((r.code == 0 || run.command == "audit verify"));
    Result<Json> j = parse_json(r.out, "output");
    REQUIRE(j.is_ok());
    REQUIRE(shapes.count(run.command) == 1);
    CHECK(mismatch(*j, shapes.at(run.command), run.command) == "");
    seen.insert(run.command);
  }
  // init and recover, on a vault of their own.
  std::map<std::string, std::string> env2 = {{"TEND_VAULT", other / "v"},
                                             {"TEND_PASSPHRASE", test::kPassphrase}};
  test::CliResult init = tend_cli({"init", "--json"}, env2);
  REQUIRE(init.code == 0);
  CHECK(mismatch(*parse_json(init.out, "init"), shapes.at("init"), "init") == "");
  test::write_file(other / "rk",
                   (*parse_json(init.out, "init"))["recovery_key"].get<std::string>());
  test::write_file(other / "np", "recovered passphrase\n");
  test::CliResult rec = tend_cli({"recover", "--recovery-key-file", other / "rk",
                                  "--new-passphrase-file", other / "np", "--json"},
                                 env2);
  REQUIRE(rec.code == 0);
  CHECK(mismatch(*parse_json(rec.out, "recover"), shapes.at("recover"), "recover") == "");
  env2["TEND_PASSPHRASE"] = "recovered passphrase";
  test::CliResult rekey = tend_cli({"rekey", "--new-recovery-key", "--json"}, env2);
  REQUIRE(rekey.code == 0);
  CHECK(mismatch(*parse_json(rekey.out, "rekey"), shapes.at("rekey"), "rekey") == "");
  test::CliResult backup = tend_cli({"backup", "-o", other / "b", "--json"}, env2);
  REQUIRE(backup.code == 0);
  CHECK(mismatch(*parse_json(backup.out, "backup"), shapes.at("backup"), "backup") == "");
  test::CliResult restore = tend_cli({"restore", other / "b", "--accept-rollback", "--json"}, env2);
  REQUIRE(restore.code == 0);
  CHECK(mismatch(*parse_json(restore.out, "restore"), shapes.at("restore"), "restore") == "");
  seen.insert("init");
  seen.insert("recover");
  seen.insert("rekey");
  seen.insert("backup");
  seen.insert("restore");
  CHECK(seen.size() == shapes.size());  // every row was run
}

TEST_CASE("tables say their zone once, and --utc shows UTC", "[cli][shape]") {
  test::TzGuard tz("CET-1CEST,M3.5.0,M10.5.0/3");
  Fixture f;
  f.env["TZ"] = "Europe/Berlin";
  // Typed in local time, so the entry keeps Berlin's offset (docs/cli.md, Times).
  REQUIRE(f.run({"mood", "add", "5", "--at", "2026-11-20T13:00"}).code == 0);
  test::CliResult local = f.run({"mood", "list"});
  CHECK_THAT(local.out, Catch::StartsWith("Times in Europe/Berlin, UTC+01:00.\n") &&
                            Catch::Contains("2026-11-20 13:00"));
  test::CliResult utc = f.run({"mood", "list", "--utc"});
  CHECK_THAT(utc.out, Catch::StartsWith("Times in UTC.\n") && Catch::Contains("2026-11-20 12:00"));
  const Json j = *parse_json(f.run({"mood", "list", "--json", "--utc"}).out, "list");
  CHECK(j["items"][0]["at"] == "2026-11-20T12:00:00+00:00");
  const Json k = *parse_json(f.run({"mood", "list", "--json"}).out, "list");
  CHECK(k["items"][0]["at"] == "2026-11-20T13:00:00+01:00");
}

TEST_CASE("hints fit the mistake", "[cli][shape]") {
  Fixture f;
  test::CliResult extra = f.run({"audit", "log", "audit.pkg"});
  CHECK(extra.code == 64);
  CHECK(extra.err.find("--note") == std::string::npos);
  CHECK_THAT(extra.err, Catch::Contains("tend help audit log"));
  CHECK_THAT(f.run({"mood", "add", "5", "feeling", "low"}).err, Catch::Contains("--note"));
  test::CliResult empty = f.run({"mood", "add", "5", "--note", ""});
  CHECK(empty.code == 0);
  CHECK(empty.err.find("equal sign") == std::string::npos);
  CHECK_THAT(f.run({"mood", "add", "5", "--note"}).err, Catch::Contains("--note needs a value"));
}
