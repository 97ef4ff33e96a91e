// The journal commands as a user meets them: show, search, rm's question,
// check-ins on a terminal, the pager, and the report's text.
#include <catch2/catch.hpp>

#include <algorithm>

#include "core/json.hpp"
#include "core/vault.hpp"
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
  test::CliResult run(const std::vector<std::string>& args) { return tend_cli(args, env); }
  Json json(std::vector<std::string> args) {
    args.push_back("--json");
    test::CliResult r = run(args);
    INFO(r.err);
    REQUIRE(r.code == 0);
    return *parse_json(r.out, "output");
  }
  std::vector<int> scores(std::vector<std::string> args) {
    args.insert(args.begin(), {"mood", "list"});
    std::vector<int> out;
    const Json list = json(args);
    for (const Json& e : list["items"]) out.push_back(e["score"]);
    return out;
  }
};

}  // namespace

TEST_CASE("mood show prints the whole note with its line breaks", "[cli][journal]") {
  Fixture f;
  REQUIRE(f.run({"mood", "add", "4", "--tag", "work", "--energy", "3", "--at", "2026-11-21T08:00",
                 "--note",
                 "first line\nsecond line, which is long enough to be cut in a table "
                 "of eighty columns"})
              .code == 0);
  test::CliResult r = f.run({"mood", "show", "1"});
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("  when     2026-11-21T08:00:00+00:00\n"));
  CHECK_THAT(r.out, Catch::Contains("  score    4 of 10\n"));
  CHECK_THAT(r.out, Catch::Contains("  tags     work\n"));
  CHECK_THAT(r.out, Catch::Contains("  created  2026-11-25 12:00\n"));
  CHECK_THAT(r.out, Catch::Contains("  edited   -\n"));
  CHECK_THAT(r.out, Catch::Contains("\n  first line\n  second line, which is long enough to be cut "
                                    "in a table of eighty columns\n"));
  REQUIRE(f.run({"mood", "edit", "1", "--add-tag", "Tired", "--rm-tag", "WORK"}).code == 0);
  const Json j = f.json({"mood", "show", "1"});
  CHECK(j["tags"] == Json::array({"tired"}));
  CHECK(j["edited_unix"] == test::kNow);
  CHECK(f.run({"mood", "show", "9"}).code == 66);

  REQUIRE(f.run({"app", "log", "Headspace", "--minutes", "10", "--at", "08:00"}).code == 0);
  REQUIRE(f.run({"app", "edit", "1", "--duration", "1h5m", "--feature", "sleep", "--app", "Calm"})
              .code == 0);
  const Json s = f.json({"app", "show", "1"});
  CHECK(s["app"] == "Calm");
  CHECK(s["duration_s"] == 3900);
  CHECK(s["feature"] == "sleep");
  CHECK(f.run({"app", "edit", "1"}).code == 64);  // nothing to change
  CHECK(f.run({"app", "edit", "1", "--minutes", "0"}).code == 64);
}

TEST_CASE("mood list: tags, text, days, months and -n", "[cli][journal]") {
  Fixture f;
  const std::vector<std::vector<std::string>> adds = {
      {"1", "--tag", "work", "--at", "2026-10-30T09:00", "--note", "Über den Berg"},
      {"2", "--tag", "@work", "--tag", "sleep", "--at", "2026-11-02T09:00", "--note", "MÜDE"},
      {"3", "--tag", "sleep", "--at", "2026-11-23T09:00", "--note", "müde und froh"},
      {"4", "--at", "2026-11-24T09:00"},
      {"5", "--tag", "walk", "--at", "2026-11-25T09:00", "--note", "froh"}};
  for (std::vector<std::string> a : adds) {
    a.insert(a.begin(), {"mood", "add"});
    REQUIRE(f.run(a).code == 0);
  }
  CHECK(f.scores({"--tag", "work", "--tag", "sleep"}) == std::vector<int>{2});
  CHECK(f.scores({"--tag", "@WORK"}) == std::vector<int>{1, 2});
  CHECK(f.scores({"--any-tag", "walk", "--any-tag", "work"}) == std::vector<int>{1, 2, 5});
  CHECK(f.scores({"--not-tag", "sleep"}) == std::vector<int>{1, 4, 5});
  CHECK(f.scores({"--contains", "müde"}) == std::vector<int>{2, 3});
  CHECK(f.scores({"--contains", "ÜBER"}) == std::vector<int>{1});
  CHECK(f.scores({"--contains", "müde", "--contains", "froh"}) == std::vector<int>{3});
  CHECK(f.scores({"-n", "2"}) == std::vector<int>{4, 5});
  CHECK(f.scores({"--on", "2026-11-24"}) == std::vector<int>{4});
  CHECK(f.scores({"--on", "2026-10"}) == std::vector<int>{1});
  CHECK(f.scores({"--from", "2026-11", "--until", "2026-11"}) == std::vector<int>{2, 3, 4, 5});
  CHECK(f.scores({"--from", "2026"}) == std::vector<int>{1, 2, 3, 4, 5});
  CHECK(f.scores({"--from", "monday"}) == std::vector<int>{3, 4, 5});      // Monday the 23rd
  CHECK(f.scores({"--from", "-1mo"}) == std::vector<int>{1, 2, 3, 4, 5});  // from 25 October 12:00
  CHECK(f.scores({"--from", "-3w"}) == std::vector<int>{3, 4, 5});         // from 4 November 12:00
  CHECK(f.run({"mood", "list", "--on", "2026-11-24", "--from", "2026-11-01"}).code == 64);
  CHECK(f.run({"mood", "list", "--contains", ""}).code == 64);
  CHECK(f.run({"mood", "list", "-n", "0"}).code == 64);
}

TEST_CASE("app list: several apps, category, feature, totals by app, day and week",
          "[cli][journal]") {
  Fixture f;
  for (std::vector<std::string> a : std::vector<std::vector<std::string>>{
           {"Headspace", "--minutes", "10", "--at", "2026-11-23T08:00", "--category",
            "Mindfulness"},
           {"headspace", "--minutes", "20", "--at", "2026-11-24T08:00", "--feature", "sleep"},
           {"Calm", "--minutes", "5", "--at", "2026-11-24T21:00", "--category", "mindfulness"},
           {"Woebot", "--minutes", "15", "--at", "2026-11-16T12:00"}}) {
    a.insert(a.begin(), {"app", "log"});
    REQUIRE(f.run(a).code == 0);
  }
  CHECK(f.json({"app", "list", "--app", "HEADSPACE", "--app", "woebot"})["count"] == 3);
  CHECK(f.json({"app", "list", "--category", "mindfulness"})["count"] == 2);
  CHECK(f.json({"app", "list", "--feature", "Sleep"})["count"] == 1);
  CHECK(f.json({"app", "list", "-n", "1"})["items"][0]["app"] == "Calm");
  const Json by_app = f.json({"app", "list", "--by", "app"});
  // Headspace and headspace are one app: 10 + 20 minutes, the most time first.
  CHECK(by_app["items"][0] == Json({{"app", "Headspace"}, {"sessions", 2}, {"duration_s", 1800}}));
  CHECK(by_app["total_duration_s"] == 3000);
  const Json by_day = f.json({"app", "list", "--by", "day"});
  CHECK(by_day["items"].size() == 3);
  CHECK(by_day["items"][2] ==
        Json({{"date", "2026-11-24"}, {"sessions", 2}, {"duration_s", 1500}}));
  const Json by_week = f.json({"app", "list", "--by", "week"});
  CHECK(by_week["items"] == Json::parse(R"([{"week":"2026-W47","sessions":1,"duration_s":900},
                        {"week":"2026-W48","sessions":3,"duration_s":2100}])"));
  CHECK(f.run({"app", "list", "--by", "month"}).code == 64);
  test::CliResult table = f.run({"app", "list", "--by", "app"});
  CHECK_THAT(table.out, Catch::Contains("Headspace         2   30m"));
}

TEST_CASE("rm asks on a terminal, needs --yes without one", "[cli][journal]") {
  Fixture f;
  REQUIRE(f.run({"mood", "add", "4", "--at", "2026-11-21T08:00"}).code == 0);
  const auto before = test::fingerprint(f.dir / "vault");
  test::CliResult none = f.run({"mood", "rm", "1"});
  CHECK(none.code == 64);
  CHECK_THAT(none.err, Catch::Contains("add --yes"));
  CHECK(test::fingerprint(f.dir / "vault") == before);

  std::vector<std::string> prompts;
  test::CliResult no = test::tend_cli_with_terminal({"mood", "rm", "1"}, f.env, {"n"}, &prompts);
  CHECK(no.code == 0);
  CHECK(prompts == std::vector<std::string>{
                       "Delete mood entry 1 (2026-11-21 08:00, score 4) for good? [y/N] "});
  CHECK(no.out == "Kept mood entry 1.\n");
  CHECK(f.json({"mood", "list"})["count"] == 1);
  prompts.clear();
  test::CliResult yes = test::tend_cli_with_terminal({"mood", "rm", "1"}, f.env, {"y"}, &prompts);
  CHECK(yes.code == 0);
  CHECK(yes.out == "Deleted mood entry 1.\n");
  CHECK(f.json({"mood", "list"})["count"] == 0);

  REQUIRE(f.run({"app", "log", "Calm", "--minutes", "25", "--at", "2026-11-21T21:00"}).code == 0);
  prompts.clear();
  CHECK(test::tend_cli_with_terminal({"app", "rm", "1"}, f.env, {""}, &prompts).out ==
        "Kept app session 1.\n");
  CHECK(prompts == std::vector<std::string>{
                       "Delete app session 1 (2026-11-21 21:00, 25m of Calm) for good? [y/N] "});
  CHECK(f.run({"app", "rm", "1", "--yes"}).code == 0);
}

TEST_CASE("rm's question shows a stored name escaped", "[cli][journal]") {
  test::TempDir dir;
  {
    CreatedVault v = test::make_vault(dir / "vault");
    // Written as a holder of the raw key could: tend itself refuses such a name.
    REQUIRE(v.vault.db()
                .exec("INSERT INTO app_session (app, at, utc_offset, duration_s, created)"
                      " VALUES ('x\x1b]0;owned\x07', 1795600000, 0, 60, 1795600000);")
                .is_ok());
  }
  std::vector<std::string> prompts;
  test::tend_cli_with_terminal(
      {"app", "rm", "1"}, {{"TEND_VAULT", dir / "vault"}, {"TEND_PASSPHRASE", test::kPassphrase}},
      {"n"}, &prompts);
  REQUIRE(prompts.size() == 1);
  CHECK(prompts[0].find('\x1b') == std::string::npos);
  CHECK_THAT(prompts[0], Catch::Contains("x\\x1b]0;owned\\x07"));
}

TEST_CASE("checkin on a terminal: one statement at a time, a wrong key asks again",
          "[cli][checkin]") {
  Fixture f;
  std::vector<std::string> prompts;
  test::CliResult r = test::tend_cli_with_terminal({"checkin", "--app", "Headspace"}, f.env,
                                                   {"3", "9", "x", "4", "2", "4", "3"}, &prompts);
  INFO(r.err);
  REQUIRE(r.code == 0);
  REQUIRE(prompts.size() == 7);
  CHECK_THAT(prompts[0], Catch::Contains("not a validated clinical instrument"));
  CHECK_THAT(prompts[0], Catch::Contains("1/5  Headspace fits into my days"));
  CHECK_THAT(prompts[0], Catch::Contains("    0  Strongly disagree\n"));
  CHECK(prompts[2] == "  that is not on the scale; answer: ");
  CHECK_THAT(r.out, Catch::Contains("score 16 on 0..20"));
  const Json list = f.json({"checkin", "list"});
  CHECK(list["items"][0]["answers"] == Json::parse("[3,4,2,4,3]"));
  CHECK(list["items"][0]["about"] == "Headspace");

  // The terminal closing halfway (Ctrl-D) leaves nothing behind.
  const auto before = test::fingerprint(f.dir / "vault");
  prompts.clear();
  CHECK(test::tend_cli_with_terminal({"checkin"}, f.env, {"1", "2"}, &prompts).code == 74);
  CHECK(f.json({"checkin", "list"})["count"] == 1);
  (void)before;

  // Scripts give every answer; the wrong number or a value off the scale is refused.
  CHECK(f.run({"checkin", "--answers", "1,2,3"}).code == 64);
  CHECK(f.run({"checkin", "--answers", "1,2,3,4,5"}).code == 64);
  CHECK(f.run({"checkin", "--answers", "1,2,three,4,0"}).code == 64);
  CHECK(f.run({"checkin"}).code == 64);  // no terminal, no answers
  CHECK(f.run({"checkin", "--answers", "0,0,0,0,0", "--private"}).code == 0);
  CHECK(f.json({"checkin", "list", "--app", "tend"})["items"][0]["private"] == true);

  // An instrument file: validated (65 with what is wrong), its licence shown.
  test::write_file(f.dir / "bad.json", R"({"format":"tend-instrument/1","id":"x"})");
  test::CliResult bad = f.run({"checkin", "--instrument", f.dir / "bad.json", "--answers", "1"});
  CHECK(bad.code == 65);
  CHECK_THAT(bad.err, Catch::Contains("instrument definition: version is missing"));
  CHECK(f.run({"checkin", "--instrument", f.dir / "none.json"}).code == 66);
  test::write_file(f.dir / "two.json", R"({"format": "tend-instrument/1", "id": "two-items",
      "version": "1", "title": "Two synthetic items", "licence": "Synthetic test licence.",
      "scale": [{"value": 1, "label": "No"}, {"value": 2, "label": "Yes"}],
      "items": [{"text": "One about {app}."}, {"text": "Two.", "reverse": true}],
      "score": {"method": "sum", "min": 2, "max": 4}})");
  test::CliResult two =
      f.run({"checkin", "--instrument", f.dir / "two.json", "--app", "Calm", "--answers", "2,2"});
  INFO(two.err);
  REQUIRE(two.code == 0);
  CHECK_THAT(two.out, Catch::Contains("score 3 on 2..4"));  // 2 + (1 + 2 - 2)
  CHECK_THAT(two.out, Catch::Contains("Two synthetic items: Synthetic test licence."));
  CHECK(f.run({"checkin", "--instrument", f.dir / "two.json", "--answers", "2,3"}).code == 64);
}

TEST_CASE("long listings go through the pager on a terminal, never when piped", "[cli][journal]") {
  Fixture f;
  REQUIRE(f.run({"mood", "add", "5"}).code == 0);
  std::vector<std::string> paged;
  cli::Io io;
  io.columns = 80;  // stdout is a terminal
  io.page = [&paged](const std::string& text) {
    paged.push_back(text);
    return true;
  };
  test::CliResult r = test::tend_cli_with_io({"mood", "list"}, f.env, io);
  CHECK(r.code == 0);
  CHECK(r.out.empty());
  REQUIRE(paged.size() == 1);
  CHECK_THAT(paged[0], Catch::Contains("SCORE"));
  // Not with --json, not for a command that is not a listing, not when piped.
  CHECK(test::tend_cli_with_io({"mood", "list", "--json"}, f.env, io).out.size() > 0);
  CHECK(test::tend_cli_with_io({"status"}, f.env, io).out.size() > 0);
  CHECK(paged.size() == 1);
  io.columns = 0;
  CHECK_THAT(test::tend_cli_with_io({"mood", "list"}, f.env, io).out, Catch::Contains("SCORE"));
  CHECK(paged.size() == 1);
  // A pager that cannot run: the text is printed.
  io.columns = 80;
  io.page = [](const std::string&) { return false; };
  CHECK_THAT(test::tend_cli_with_io({"mood", "list"}, f.env, io).out, Catch::Contains("SCORE"));
}

TEST_CASE(
    "report text: sensible when empty, 80 columns, colour only on a terminal without NO_COLOR",
    "[cli][report]") {
  Fixture f;
  test::CliResult empty = f.run({"report"});
  REQUIRE(empty.code == 0);
  CHECK_THAT(empty.out, Catch::Contains("Nothing is recorded in this window yet."));

  for (int d = 0; d < 40; ++d) {
    REQUIRE(f.run({"mood", "add", std::to_string(1 + d % 10), "--tag", d % 3 ? "work" : "rest",
                   "--at", "-" + std::to_string(d) + "d"})
                .code == 0);
    if (d % 2 == 0) {
      REQUIRE(f.run({"app", "log", "Headspace", "--minutes", "10", "--at",
                     "-" + std::to_string(d) + "d"})
                  .code == 0);
    }
  }
  test::CliResult r = f.run({"report"});
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("40 entries on 40 days"));
  CHECK_THAT(r.out, Catch::Contains("▁"));
  CHECK_THAT(r.out, Catch::Contains("app:Headspace"));
  CHECK_THAT(r.out, Catch::Contains("an association, not an effect"));
  CHECK(r.out.find('\x1b') == std::string::npos);  // not a terminal: no colour
  std::size_t widest = 0;
  for (std::size_t at = 0; at < r.out.size();) {
    const std::size_t nl = r.out.find('\n', at);
    std::size_t points = 0;
    for (std::size_t i = at; i < nl; ++i)
      points += (static_cast<unsigned char>(r.out[i]) & 0xC0) != 0x80;
    widest = std::max(widest, points);
    at = nl + 1;
  }
  CHECK(widest <= 80);

  cli::Io io;
  io.columns = 80;
  io.page = [](const std::string&) { return false; };
  CHECK(test::tend_cli_with_io({"report"}, f.env, io).out.find("\x1b[") != std::string::npos);
  auto no_colour = f.env;
  no_colour["NO_COLOR"] = "1";
  CHECK(test::tend_cli_with_io({"report"}, no_colour, io).out.find('\x1b') == std::string::npos);

  const Json j = f.json({"report", "--from", "-39d"});
  CHECK(j["days"] == 40);
  CHECK(j["mood"]["entries"] == 40);
  CHECK(j["mood"]["current_streak_days"] == 40);
  CHECK(j["html"].is_null());
  CHECK(f.run({"report", "--from", "2026-12-01", "--until", "2026-11-01"}).code == 64);
  // A window far into the future draws no sparkline past today.
  test::CliResult far = f.run({"report", "--until", "2999-12-31", "--from", "2026-10-01"});
  REQUIRE(far.code == 0);
  CHECK(std::count(far.out.begin(), far.out.end(), '\n') < 60);
}
