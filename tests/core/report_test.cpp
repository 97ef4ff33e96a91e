// tend report: the numbers on an empty vault, on one entry, and on 90 days;
// the HTML file as a browser renders it (headless Chromium, network off).
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

#include "core/app_use.hpp"
#include "core/audit.hpp"
#include "core/checkin.hpp"
#include "core/json.hpp"
#include "core/mood.hpp"
#include "core/report.hpp"
#include "tests/support.hpp"

using namespace tend;

namespace {

constexpr std::int64_t kDay = 86400;

// 90 days of synthetic life ending on test::kNow (2026-11-25, UTC): one to
// three mood entries most days, following a slow wave, a little better on days
// with a morning Headspace session; Calm in some evenings; a check-in every
// other week for each app. The same every run (a fixed LCG).
void fill_90_days(Vault& v) {
  std::uint64_t seed = 42;
  const auto next = [&seed](int n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int>((seed >> 33) % static_cast<std::uint64_t>(n));
  };
  const std::int64_t first = (test::kNow / kDay - 89) * kDay;  // midnight, 89 days back
  static const char* kTags[] = {"work", "sleep", "friends", "walk", "family"};
  for (int d = 0; d < 90; ++d) {
    const std::int64_t day = first + d * kDay;
    const bool headspace = next(10) < 6;
    if (headspace) {
      AppSession s;
      s.app = "Headspace";
      s.category = "mindfulness";
      s.feature = next(2) == 0 ? "meditation" : "sleep";
      s.start = {day + 7 * 3600 + next(90) * 60, 0};
      s.duration_s = (8 + next(15)) * 60;
      REQUIRE(add_app_session(v.db(), s, test::kNow).is_ok());
    }
    if (next(10) < 3) {
      AppSession s;
      s.app = "Calm";
      s.start = {day + 21 * 3600 + next(60) * 60, 0};
      s.duration_s = (10 + next(20)) * 60;
      REQUIRE(add_app_session(v.db(), s, test::kNow).is_ok());
    }
    if (next(10) == 0) continue;  // a day without a mood entry
    const int entries = 1 + next(3);
    for (int e = 0; e < entries; ++e) {
      MoodEntry m;
      const double wave = 5.5 + 2.0 * std::sin(d / 9.0) + (headspace ? 0.8 : 0.0);
      m.score = std::clamp(static_cast<int>(std::lround(wave)) + next(3) - 1, 1, 10);
      m.at = {day + (8 + e * 5 + next(3)) * 3600, 0};
      m.tags = {kTags[next(5)]};
      if (next(4) == 0) m.tags.push_back(kTags[next(5)]);
      m.note = "synthetic note";
      REQUIRE(validate_mood(m).is_ok());
      REQUIRE(add_mood(v.db(), m, test::kNow).is_ok());
    }
    if (d % 14 == 3 || d % 14 == 10) {
      CheckinAdd c;
      c.instrument = tend_reflection();
      c.app = d % 14 == 3 ? "Headspace" : "Calm";
      const int base = std::min(4, 1 + d / 30);
      c.answers = {base, std::max(0, base - 1), base, std::min(4, base + next(2)), base};
      c.at = {day + 20 * 3600, 0};
      REQUIRE(checkin_add(v, c, test::kNow).is_ok());
    }
  }
}

std::string audit_kind_of_last(Vault& v) {
  AuditLog log = *v.audit();
  return (*parse_json(log.entries(1)->back().bytes, "entry"))["kind"];
}

bool have(const char* program) {
  return std::system(fmt::format("command -v {} >/dev/null 2>&1", program).c_str()) == 0;
}

}  // namespace

TEST_CASE("report on an empty vault: zeros and no claims", "[core][report]") {
  test::TempDir dir;
  CreatedVault c = test::make_vault(dir / "v");
  Result<Report> r = build_report(c.vault.db(), {}, test::kNow);
  REQUIRE(r.is_ok());
  CHECK(r->last_day - r->first_day + 1 == kDefaultReportDays);
  CHECK(r->mood_entries == 0);
  CHECK(r->mood_daily.empty());
  CHECK(r->streaks.current == 0);
  CHECK(r->apps.empty());
  CHECK(r->associations.empty());
  const Json j = report_json(*r);
  CHECK(j["mood"]["mean"].is_null());
  CHECK(j["days"] == 365);
  const std::string html = report_html(*r, test::kNow);
  CHECK_THAT(html, Catch::Contains("No mood entries in this window"));
}

TEST_CASE("report on one entry", "[core][report]") {
  test::TempDir dir;
  CreatedVault c = test::make_vault(dir / "v");
  MoodEntry m;
  m.score = 6;
  m.at = {test::kNow - 3600, 0};
  m.tags = {"work"};
  REQUIRE(validate_mood(m).is_ok());
  REQUIRE(add_mood(c.vault.db(), m, test::kNow).is_ok());
  Result<Report> r = build_report(c.vault.db(), {}, test::kNow);
  REQUIRE(r.is_ok());
  CHECK(r->mood_entries == 1);
  CHECK(r->mood_mean == Approx(6));
  CHECK(r->streaks.current == 1);
  CHECK(r->mood_hours[11].entries == 1);  // 11:00 UTC
  REQUIRE(r->tags.size() == 1);
  CHECK(r->associations.empty());  // one day is not enough to compare anything
  const Json j = report_json(*r);
  CHECK(j["mood"]["daily"][0]["date"] == "2026-11-25");
  CHECK(j["mood"]["weekly"][0]["week"] == "2026-W48");
  CHECK(j["mood"]["by_tag"][0]["tag"] == "work");
}

TEST_CASE("report refuses rollup rows no entries could make", "[core][report]") {
  test::TempDir dir;
  CreatedVault c = test::make_vault(dir / "v");
  // As a holder of the raw key could write them: sums that would overflow.
  const std::int64_t today = test::kNow / kDay;
  REQUIRE(
      c.vault.db()
          .exec(fmt::format("INSERT INTO mood_day VALUES ({0}, 2, 0, 9223372036854775807, 1, 10),"
                            " ({1}, 2, 0, 9223372036854775807, 1, 10);",
                            today, today - 1)
                    .c_str())
          .is_ok());
  Result<Report> r = build_report(c.vault.db(), {}, test::kNow);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().kind() == ErrorKind::kCorrupt);
  CHECK_THAT(r.status().message(), Catch::Contains("rollup"));
}

TEST_CASE("report numbers on 90 days follow the rollups", "[core][report]") {
  test::TempDir dir;
  CreatedVault c = test::make_vault(dir / "v");
  fill_90_days(c.vault);
  ReportRequest window;
  window.from = test::kNow - 89 * kDay;
  Result<Report> r = build_report(c.vault.db(), window, test::kNow);
  REQUIRE(r.is_ok());
  CHECK(r->last_day - r->first_day + 1 == 90);
  // Cross-checks: the daily, weekly and monthly views add up to the same entries.
  std::int64_t daily = 0, weekly = 0, monthly = 0;
  for (const auto& p : r->mood_daily) daily += p.entries;
  for (const auto& p : r->mood_weekly) weekly += p.entries;
  for (const auto& p : r->mood_monthly) monthly += p.entries;
  CHECK(daily == r->mood_entries);
  CHECK(weekly == r->mood_entries);
  CHECK(monthly == r->mood_entries);
  std::int64_t hours = 0;
  for (const auto& h : r->mood_hours) hours += h.entries;
  CHECK(hours == r->mood_entries);
  std::int64_t app_seconds = 0;
  for (const auto& row : r->app_week_hours) {
    for (std::int64_t s : row) app_seconds += s;
  }
  CHECK(app_seconds == r->app_seconds);
  REQUIRE(r->apps.size() == 2);
  CHECK(r->apps[0].app == "Headspace");
  CHECK(r->alliance.size() == 2);
  // Headspace days score higher by construction; with 90 days each side has enough days.
  REQUIRE_FALSE(r->associations.empty());
  CHECK(r->associations[0].what == "app:Headspace");
  CHECK(r->associations[0].difference > 0);
}

TEST_CASE("report --html: a new 0600 file, logged without content or path", "[core][report]") {
  test::TempDir dir;
  CreatedVault c = test::make_vault(dir / "v");
  fill_90_days(c.vault);
  ReportRequest req;
  req.html_path = dir / "report.html";
  Result<ReportOutcome> out = report(c.vault, req, test::kNow);
  REQUIRE(out.is_ok());
  struct stat st {};
  REQUIRE(::stat((dir / "report.html").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(audit_kind_of_last(c.vault) == "report.written");
  AuditLog log = *c.vault.audit();
  const std::string entry = log.entries(1)->back().bytes;
  CHECK(entry.find("report.html") == std::string::npos);
  CHECK_THAT(entry, Catch::Contains("\"meta\":{}"));
  const std::string html = test::read_file(dir / "report.html");
  CHECK_THAT(html,
             Catch::Contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                             "'none'; style-src 'unsafe-inline'; img-src data:\">"));
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("http://") == std::string::npos);  // not one address to fetch
  CHECK(html.find("https://") == std::string::npos);

  // It never replaces a file; nothing is logged then.
  const std::uint64_t size = log.head()->size;
  Result<ReportOutcome> again = report(c.vault, req, test::kNow);
  REQUIRE_FALSE(again.is_ok());
  CHECK(again.status().kind() == ErrorKind::kExists);
  CHECK(c.vault.audit()->head()->size == size);
}

TEST_CASE("the HTML report renders in headless Chromium, offline, with every chart",
          "[core][report][chromium]") {
  if (!have("chromium")) {
    // scripts/install-deps installs it; a machine without it cannot run this.
    FAIL("chromium is not installed (scripts/install-deps installs it)");
  }
  test::TempDir dir;
  CreatedVault c = test::make_vault(dir / "v");
  fill_90_days(c.vault);
  ReportRequest req;
  req.from = test::kNow - 89 * kDay;
  req.html_path = dir / "report.html";
  REQUIRE(report(c.vault, req, test::kNow).is_ok());
  // A page that does make a request, to show that the check below sees one.
  test::write_file(dir / "control.html",
                   "<!DOCTYPE html><html><body><img src=\"http://192.0.2.1/x.png\"></body></html>");

  // No network at all where a user namespace allows it; the browser's own
  // background fetches are told apart from the page's by their initiator.
  const std::string offline =
      std::system("unshare -rn true >/dev/null 2>&1") == 0 ? "unshare -rn " : "";
  const auto chromium = [&](const std::string& page, const std::string& what,
                            const std::string& netlog) {
    return fmt::format(
        "{}timeout 120 chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars "
        "--no-first-run --disable-extensions --disable-sync --disable-background-networking "
        "--disable-component-update --user-data-dir={} --window-size=900,3000 "
        "--log-net-log={} {} file://{} 2>/dev/null",
        offline, dir / "profile", netlog, what, page);
  };
  const auto page_requests = [](const std::string& netlog) {
    Result<Json> log = parse_json(test::read_file(netlog), "net log");
    REQUIRE(log.is_ok());
    std::vector<std::string> urls;
    for (const Json& e : (*log)["events"]) {
      const auto p = e.find("params");
      if (p == e.end() || !p->contains("url") || !p->contains("initiator")) continue;
      if ((*p)["initiator"] != "not an origin") urls.push_back((*p)["url"]);
    }
    return urls;
  };

  const std::string png = dir / "report.png";
  REQUIRE(std::system(
              chromium(dir / "report.html", "--screenshot=" + png, dir / "net1.json").c_str()) ==
          0);
  struct stat st {};
  REQUIRE(::stat(png.c_str(), &st) == 0);
  CHECK(st.st_size > 50 * 1024);  // a page of charts, not a blank one
  CHECK(page_requests(dir / "net1.json").empty());

  REQUIRE(std::system((chromium(dir / "report.html", "--dump-dom", dir / "net2.json") + " > " +
                       dir / "dom.html")
                          .c_str()) == 0);
  CHECK(page_requests(dir / "net2.json").empty());
  const std::string dom = test::read_file(dir / "dom.html");
  for (const char* chart : {"mood", "calendar", "apps", "alliance", "heatmap"}) {
    INFO(chart);
    const std::size_t at = dom.find(fmt::format("<svg id=\"chart-{}\"", chart));
    REQUIRE(at != std::string::npos);
    const std::string svg = dom.substr(at, dom.find("</svg>", at) - at);
    const auto count = [&](const char* tag) {
      std::size_t n = 0;
      for (std::size_t i = svg.find(tag); i != std::string::npos; i = svg.find(tag, i + 1)) ++n;
      return n;
    };
    CHECK(count("<circle") + count("<rect") + count("<polyline") >= 10);
  }

  REQUIRE(
      std::system((chromium(dir / "control.html", "--dump-dom", dir / "net3.json") + " > /dev/null")
                      .c_str()) == 0);
  CHECK(page_requests(dir / "net3.json") == std::vector<std::string>{"http://192.0.2.1/x.png"});

  // TEND_REPORT_PNG=docs/report.png keeps the screenshot (the README shows it).
  if (const char* keep = std::getenv("TEND_REPORT_PNG")) {
    std::ifstream in(png, std::ios::binary);
    std::ofstream out(keep, std::ios::binary);
    out << in.rdbuf();
  }
}
