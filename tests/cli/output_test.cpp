// What tend prints: JSON that never aborts, terminals that untrusted text
// cannot drive, and errors that never repeat what may be journal text.
#include <catch2/catch.hpp>

#include <set>

#include "cli/command.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "crypto/age.hpp"
#include "crypto/encoding.hpp"
#include "tests/support.hpp"

using namespace tend;
using test::tend_cli;

namespace {

// Text a terminal can show without acting on it: UTF-8 with no control
// characters but newline, and no C1 or bidirectional controls.
bool terminal_safe(const std::string& s) {
  if (!crypto::valid_utf8(s)) return false;
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const std::size_t n = crypto::utf8_sequence(s, i, &cp);
    if (cp != '\n' && is_refused_code_point(cp)) return false;
    i += n;
  }
  return true;
}

// Hostile text: a screen clear, an OSC 52 clipboard write, a window title, a
// C1 CSI, a right-to-left override, DEL, and a byte that is not UTF-8.
const std::string kHostile =
    "\x1b[2J\x1b]52;c;aGVsbG8=\x07\x1b]0;title\x07\xc2\x9b"
    "31m\xe2\x80\xae"
    "ev\x7fil\xff";

struct Fixture {
  test::TempDir dir;
  std::map<std::string, std::string> env;
  explicit Fixture(const std::string& vault_name = "vault") {
    env = {{"TEND_VAULT", dir / vault_name},
           {"TEND_PASSPHRASE", test::kPassphrase},
           {"HOME", dir.path()}};
    REQUIRE(tend_cli({"init"}, env).code == 0);
  }
  test::CliResult run(std::vector<std::string> args) { return tend_cli(args, env); }
  Json json(std::vector<std::string> args) {
    args.push_back("--json");
    test::CliResult r = run(args);
    INFO(r.err);
    REQUIRE(r.code == 0);
    Result<Json> j = parse_json(r.out, "output");
    REQUIRE(j.is_ok());
    return *j;
  }
  // Rewrites vault text behind tend's back, as someone with the raw key could.
  void sql(const std::string& statement, const std::string& text) {
    Result<Vault> v = Vault::unlock(env.at("TEND_VAULT"), test::secret(test::kPassphrase));
    REQUIRE(v.is_ok());
    Result<Statement> st = v->db().prepare(statement);
    REQUIRE(st.is_ok());
    st->bind(1, text);
    REQUIRE(st->run().is_ok());
  }
};

std::string age_key() {
  return crypto::format_age_recipient(crypto::generate_age_identity().public_key);
}

}  // namespace

TEST_CASE("JSON output (--json) never aborts on text that is not UTF-8", "[cli][output]") {
  test::TempDir dir;
  const std::string vault = dir / "r\xe9sum\xe9";
  const std::map<std::string, std::string> env = {{"TEND_VAULT", vault},
                                                  {"TEND_PASSPHRASE", test::kPassphrase}};
  test::CliResult init = tend_cli({"init", "--json"}, env);
  REQUIRE(init.code == 0);
  Result<Json> j = parse_json(init.out, "init");
  REQUIRE(j.is_ok());
  CHECK((*j)["recovery_key"].get<std::string>().size() == 65);
  CHECK((*j)["vault"].get<std::string>().find("\xef\xbf\xbd") != std::string::npos);  // U+FFFD

  Fixture f;
  test::CliResult status = tend_cli({"status", "--json"}, env);
  REQUIRE(status.code == 0);
  CHECK(parse_json(status.out, "status").is_ok());
  CHECK(f.json({"status"})["vault"]["path"].is_string());
  Json g = f.json({"grant", "add", "--recipient", "R", "--recipient-key", age_key(), "--purpose",
                   "p", "--data", "mood"});
  const std::string out = f.dir / "r\xe9sum\xe9.age";
  Json e = f.json({"export", "--grant", g["id"], "-o", out});
  CHECK(e["file"].get<std::string>().find("\xef\xbf\xbd") != std::string::npos);
  CHECK(test::fingerprint(f.dir.path()).count("r\xe9sum\xe9.age") == 1);  // the real name

  // Text a dishonest holder put in the vault, and a package from anyone.
  f.sql("UPDATE consent_grant SET recipient = ?;", "R\xff");
  CHECK(f.json({"grant", "list"})["count"] == 1);
  REQUIRE(f.run({"audit", "export", "-o", f.dir / "pkg"}).code == 0);
  std::string pkg = test::read_file(f.dir / "pkg");
  const std::string origin = pkg.substr(pkg.find("origin ") + 7, 43);
  std::string bad = pkg;
  for (std::size_t at = bad.find(origin); at != std::string::npos; at = bad.find(origin, at + 1)) {
    bad.replace(at, origin.size(), origin.substr(0, 42) + "\xff");
  }
  test::write_file(f.dir / "bad.pkg", bad);
  test::CliResult v = tend_cli({"audit", "verify", f.dir / "bad.pkg", "--json"}, {});
  CHECK(v.code != 0);
  CHECK(v.code != 134);
  if (!v.out.empty()) CHECK(parse_json(v.out, "verify").is_ok());
}

TEST_CASE("text that may be hostile reaches the terminal escaped", "[cli][output]") {
  Fixture f;
  REQUIRE(f.run({"mood", "add", "5", "--tag", "t", "--note", "fine"}).code == 0);
  REQUIRE(f.run({"app", "log", "Calm", "--minutes", "5"}).code == 0);
  Json g = f.json({"grant", "add", "--recipient", "R", "--recipient-key", age_key(), "--purpose",
                   "p", "--data", "mood"});
  REQUIRE(f.run({"grant", "revoke", g["id"], "--reason", "done"}).code == 0);

  // What a dishonest holder (or damage) can put in the vault is shown escaped.
  f.sql("UPDATE mood SET note = ?;", kHostile + "\nsecond line");
  f.sql("UPDATE mood_tag SET tag = ?;", kHostile);
  f.sql("UPDATE app_session SET app = ?;", kHostile);
  f.sql("UPDATE consent_grant SET recipient = ?;", kHostile);
  f.sql("UPDATE consent_grant SET purpose = ?;", kHostile);
  f.sql("UPDATE consent_grant SET revoke_reason = ?;", kHostile);
  for (std::vector<std::string> args : {std::vector<std::string>{"mood", "list"},
                                        {"app", "list"},
                                        {"grant", "list", "--all"},
                                        {"grant", "show", g["id"]},
                                        {"audit", "log"},
                                        {"status"}}) {
    for (bool json : {false, true}) {
      if (json) args.push_back("--json");
      test::CliResult r = f.run(args);
      INFO(args.front() << " " << args.back());
      CHECK(r.code == 0);
      CHECK(terminal_safe(r.out));
      CHECK(terminal_safe(r.err));
      if (json) CHECK(parse_json(r.out, "output").is_ok());
    }
  }
  CHECK_THAT(f.run({"mood", "list"}).out,
             Catch::Contains("\\x1b[2J") && Catch::Contains("\\u202e"));
  CHECK_THAT(f.run({"mood", "list", "--json"}).out, Catch::Contains("\\u009b"));
}

TEST_CASE("labels and notes refuse C1 and bidirectional controls, naming kind and place",
          "[cli][output]") {
  Fixture f;
  const auto before = test::fingerprint(f.dir / "vault");
  struct Case {
    std::vector<std::string> args;
    const char* message;
  };
  const std::string csi = "a\xc2\x9b";
  const std::string rlo = "ab\xe2\x80\xae";
  const Case cases[] = {
      {{"mood", "add", "5", "--tag", csi}, "tag contains control character U+009B at byte 2"},
      {{"mood", "add", "5", "--note", rlo},
       "note contains the bidirectional control U+202E at byte 3"},
      {{"mood", "add", "5", "--note", "x\x1b[2J"},
       "note contains control character U+001B at byte 2"},
      {{"app", "log", csi, "--minutes", "3"}, "app name contains control character U+009B"},
      {{"app", "log", "Calm", "--feature", rlo, "--minutes", "3"}, "feature contains the bidi"},
      {{"grant", "add", "--recipient", rlo, "--recipient-key", age_key(), "--purpose", "p",
        "--data", "mood"},
       "recipient name contains the bidirectional control U+202E"},
      {{"grant", "add", "--recipient", "R", "--recipient-key", age_key(), "--purpose", csi,
        "--data", "mood"},
       "purpose contains control character U+009B"},
  };
  for (const Case& c : cases) {
    test::CliResult r = f.run(c.args);
    INFO(r.err);
    CHECK(r.code == 64);
    CHECK_THAT(r.err, Catch::Contains(c.message));
    CHECK(terminal_safe(r.err));
  }
  CHECK(test::fingerprint(f.dir / "vault") == before);
}

TEST_CASE("an audit package's own text is escaped and cut in the auditor's errors",
          "[cli][output][audit]") {
  test::TempDir dir;
  const std::map<std::string, std::string> nothing;
  const std::string long_hostile = kHostile + std::string(5000, 'A');
  const std::string packages[] = {
      "tend-audit-package " + long_hostile + "\n",
      "tend-audit-package v1\norigin " + long_hostile + "\nverifier tend.local/x+00000000+AA==\n",
      "tend-audit-package v1\norigin o\nverifier " + long_hostile + "\n",
  };
  for (const std::string& pkg : packages) {
    test::write_file(dir / "pkg", pkg);
    for (bool json : {false, true}) {
      std::vector<std::string> args = {"audit", "verify", dir / "pkg"};
      if (json) args.push_back("--json");
      test::CliResult r = tend_cli(args, nothing);
      INFO(r.err);
      CHECK(r.code == 65);
      CHECK(terminal_safe(r.err));
      CHECK(terminal_safe(r.out));
      CHECK(r.err.size() < 400);  // echoed values are cut
    }
  }
  // A package whose origin is hostile but whose layout is right reaches the key check.
  Fixture f;
  REQUIRE(f.run({"audit", "export", "-o", f.dir / "pkg"}).code == 0);
  std::string pkg = test::read_file(f.dir / "pkg");
  const std::string origin = pkg.substr(pkg.find("origin ") + 7, 43);
  pkg.replace(pkg.find("origin ") + 7, origin.size(), long_hostile);
  test::write_file(f.dir / "hostile.pkg", pkg);
  test::CliResult r = tend_cli({"audit", "verify", f.dir / "hostile.pkg"}, nothing);
  CHECK(r.code == 1);
  CHECK(terminal_safe(r.err));
  CHECK(r.err.size() < 400);
  CHECK_THAT(r.err, Catch::Contains("\\x1b[2J") && Catch::Contains("…"));
}

TEST_CASE("errors never repeat a positional argument or option value that may be journal text",
          "[cli][output]") {
  Fixture f;
  REQUIRE(f.run({"mood", "add", "5"}).code == 0);
  const std::string marker = "MARKER I feel hopeless today";
  // Values that name a file are echoed on purpose ("cannot read PATH"): they are
  // paths, not journal text, and a user needs to see which one failed.
  // --note-file is not among them: a note typed in the wrong place lands there.
  const std::set<std::string> paths = {"vault",
                                       "passphrase-file",
                                       "output",
                                       "identity",
                                       "key",
                                       "trusted-checkpoint",
                                       "bundle",
                                       "new-passphrase-file",
                                       "recovery-key-file",
                                       "signer",
                                       "html",
                                       "instrument",
                                       "csv",
                                       "takeout-passphrase-file",
                                       "audit-package"};
  const std::set<std::string> path_positionals = {"audit verify",  "bundle open",
                                                  "import daylio", "import activitywatch",
                                                  "import jrnl",   "restore"};
  int errors = 0;
  for (const cli::Command& c : cli::commands()) {
    std::vector<std::string> words;
    for (std::size_t at = 0, next = 0; next != std::string::npos; at = next + 1) {
      next = c.name.find(' ', at);
      words.emplace_back(c.name.substr(at, next == std::string_view::npos ? next : next - at));
    }
    auto run = [&](std::vector<std::string> tail, const std::string& what) {
      std::vector<std::string> args = words;
      args.insert(args.end(), tail.begin(), tail.end());
      test::CliResult r = f.run(args);
      INFO(c.name << " " << what << " -> " << r.err);
      if (r.code != 0) ++errors;
      CHECK(r.err.find("MARKER") == std::string::npos);
      CHECK(r.err.find("hopeless") == std::string::npos);
      // The same place given hostile bytes: nothing raw reaches the terminal.
      for (std::string& a : args) {
        if (a.find("MARKER") != std::string::npos || a == "hopeless") a = kHostile;
      }
      test::CliResult hostile = f.run(args);
      CHECK(terminal_safe(hostile.err));
      CHECK(terminal_safe(hostile.out));
    };
    if (!path_positionals.count(std::string(c.name))) {
      for (int i = 0; i < std::max(c.max_args, 1); ++i) {
        std::vector<std::string> tail(static_cast<std::size_t>(c.max_args), "1");
        if (tail.empty())
          tail.push_back(marker);  // an extra word where none belongs
        else
          tail[static_cast<std::size_t>(i)] = marker;
        run(tail, "positional " + std::to_string(i));
      }
    }
    boost::program_options::options_description own;
    c.options(own);
    for (const auto& opt : own.options()) {
      if (opt->semantic()->max_tokens() == 0 || paths.count(opt->long_name())) continue;
      std::vector<std::string> tail(static_cast<std::size_t>(c.min_args), "1");
      tail.push_back("--" + opt->long_name());
      tail.push_back(marker);
      run(tail, "--" + opt->long_name());
      tail.back() = "hopeless";  // one word of journal text, where a number belongs
      if (opt->long_name() == "energy" || opt->long_name() == "score") run(tail, "one word");
    }
  }
  CHECK(errors > 40);  // the loop really reached the error paths
  // A score typed as words gets a hint that fits.
  CHECK_THAT(f.run({"mood", "add", "hopeless"}).err,
             Catch::Contains("not a whole number") && Catch::Contains("--note"));
}

TEST_CASE("bundle open writes a hostile payload escaped, and says when it checked no signature",
          "[cli][output][bundle]") {
  test::TempDir dir;
  const crypto::AgeIdentity id = crypto::generate_age_identity();
  test::write_file(dir / "key.txt", crypto::format_age_identity(id) + "\n");
  const std::string payload = R"({"e":[],"format":"tend-export","note":")" +
                              std::string("\xc2\x9b") + "2J\xe2\x80\xae" +
                              R"(","rows":[1,2,{}],"version":2})";
  std::string file;
  const crypto::X25519Key to[] = {id.public_key};
  crypto::AgeWriter w(to, [&](std::span<const std::uint8_t> b) {
    file.append(reinterpret_cast<const char*>(b.data()), b.size());
    return Status::ok();
  });
  REQUIRE(w.write(payload).is_ok());
  REQUIRE(w.finish().is_ok());
  test::write_file(dir / "b.age", file);
  test::CliResult r =
      tend_cli({"bundle", "open", dir / "b.age", "--identity", dir / "key.txt"}, {});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(terminal_safe(r.out));
  CHECK_THAT(r.out, Catch::Contains("\\u009b2J\\u202e"));
  CHECK(*parse_json(r.out, "out") == *parse_json(payload, "payload"));   // the same values
  CHECK(r.out == dump_json(*parse_json(payload, "payload"), 2) + "\n");  // laid out as --json is
  CHECK_THAT(r.err, Catch::Contains("signature was not checked"));
}
