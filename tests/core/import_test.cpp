// Imports: Daylio CSV in each header era, ActivityWatch exports from both
// servers (desktop and Android), jrnl's JSON export; the writer's idempotence,
// atomicity, rollups and audit entry. Fixtures are written here, from the
// formats as each tool documents and writes them (docs/import-format.md).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <ctime>

#include <fmt/format.h>

#include "core/import.hpp"
#include "core/json.hpp"
#include "core/schema.hpp"
#include "tests/support.hpp"

using namespace tend;

namespace {

Result<ImportBatch> daylio(const std::string& text, const DaylioOptions& o = {}) {
  test::TempDir dir;
  test::write_file(dir / "daylio.csv", text);
  return read_daylio(dir / "daylio.csv", o);
}

Result<ImportBatch> activitywatch(const std::string& text, ActivityWatchOptions o) {
  test::TempDir dir;
  test::write_file(dir / "aw.json", text);
  return read_activitywatch(dir / "aw.json", o);
}

Result<ImportBatch> jrnl(const std::string& text, std::optional<int> score) {
  test::TempDir dir;
  test::write_file(dir / "jrnl.json", text);
  JrnlOptions o;
  o.score = score;
  return read_jrnl(dir / "jrnl.json", o);
}

ActivityWatchOptions all_apps() {
  ActivityWatchOptions o;
  o.all_apps = true;
  return o;
}

std::string error_of(const Result<ImportBatch>& r) {
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().kind() == ErrorKind::kInvalidInput);
  return r.status().message();
}

std::string iso(const MoodEntry& e) {
  return format_iso(e.at);
}

struct Written {
  std::string app;
  std::int64_t at = 0;
  std::int64_t duration = 0;
  std::optional<std::string> title;
};
std::vector<Written> sessions(const ImportBatch& b) {
  std::vector<Written> out;
  for (const ImportedSessions::Session& s : b.apps.sessions) {
    out.push_back({b.apps.names[s.app], s.start_us / 1000000, s.duration_s,
                   s.title ? std::optional(b.apps.names[s.title]) : std::nullopt});
  }
  return out;
}

}  // namespace

TEST_CASE("Daylio: the oldest era, year plus \"18 May\", 12-hour times", "[import][daylio]") {
  test::TzGuard tz("Europe/Berlin");
  Result<ImportBatch> b = daylio(
      "year,date,weekday,time,mood,activities,note\n"
      "2018,18 May,Friday,11:54 pm,good,\"clean | cook | music\",\"Went to a party\"\n"
      "2018,17 May,Thursday,12:00 am,awful,\"cook | stressed \",\"\"\n"
      "2018,May 16,Wednesday,12:30 PM,Meh,\"\",\"Did nothing today.\"\n");
  REQUIRE(b.is_ok());
  REQUIRE(b->moods.size() == 3);
  CHECK(b->records == 3);
  // Oldest first, whatever the file's order (Daylio writes newest first).
  const MoodEntry& a = b->moods[2].entry;
  CHECK(iso(a) == "2018-05-18T23:54:00+02:00");
  CHECK(a.score == 8);
  CHECK(a.tags == std::vector<std::string>{"clean", "cook", "music"});
  CHECK(a.note == "Went to a party");
  CHECK(iso(b->moods[1].entry) == "2018-05-17T00:00:00+02:00");  // 12:00 am is midnight
  CHECK(b->moods[1].entry.score == 1);
  CHECK(b->moods[1].entry.tags == std::vector<std::string>{"cook", "stressed"});
  CHECK_FALSE(b->moods[1].entry.note);
  CHECK(iso(b->moods[0].entry) == "2018-05-16T12:30:00+02:00");  // 12:30 pm is after noon
  CHECK(b->moods[0].entry.score == 6);
  CHECK(b->moods[2].key == "daylio:2018-05-18T23:54#1");
}

TEST_CASE("Daylio: full_date eras with 24-hour times, titles, scales, HTML, RFC 4180, CRLF, BOM",
          "[import][daylio]") {
  test::TzGuard tz("Europe/Berlin");
  SECTION("full_date,date,weekday,time,mood,activities,note") {
    Result<ImportBatch> b = daylio(
        "full_date,date,weekday,time,mood,activities,note\n"
        "2026-11-20,November 20,Friday,14:03,rad,family,\"a, b\"\n"
        "2026-11-19,November 19,Thursday,0:05,bad,,\n");
    REQUIRE(b.is_ok());
    REQUIRE(b->moods.size() == 2);
    CHECK(iso(b->moods[1].entry) == "2026-11-20T14:03:00+01:00");
    CHECK(b->moods[1].entry.score == 10);
    CHECK(b->moods[1].entry.note == "a, b");
    CHECK(iso(b->moods[0].entry) == "2026-11-19T00:05:00+01:00");
    CHECK(b->moods[0].entry.score == 3);
  }
  SECTION("full_date,...,note_title,note with HTML, doubled quotes, a line break, non-ASCII") {
    Result<ImportBatch> b = daylio(
        "\xEF\xBB\xBF"
        "full_date,date,weekday,time,mood,activities,note_title,note\r\n"
        "2026-11-20,20 Nov,Friday,10:00 pm,good,\"movies / tv | bad sleep | Über\","
        "\"Müde \"\"aber\"\" ok\",\"<b>Line</b> one<br>Line two &amp; more<br/>\r\n"
        "Line three 🌧\"\r\n");
    REQUIRE(b.is_ok());
    REQUIRE(b->moods.size() == 1);
    const MoodEntry& e = b->moods[0].entry;
    CHECK(iso(e) == "2026-11-20T22:00:00+01:00");
    CHECK(e.tags == std::vector<std::string>{"bad-sleep", "movies/tv", "über"});
    CHECK(e.note == "Müde \"aber\" ok\n\nLine one\nLine two & more\n\nLine three 🌧");
  }
  SECTION("full_date,...,scales,note_title,note: scales kept as the note's last line") {
    Result<ImportBatch> b = daylio(
        "full_date,date,weekday,time,mood,activities,scales,note_title,note\n"
        "2026-11-20,Nov 20,Friday,1:49 PM,meh,,\"Energy: 3 | Stress: 2\",,Fine\n"
        "2026-11-20,Nov 20,Friday,1:49 PM,meh,,,,\n");
    REQUIRE(b.is_ok());
    REQUIRE(b->moods.size() == 2);
    CHECK(iso(b->moods[0].entry) == "2026-11-20T13:49:00+01:00");
    CHECK(b->moods[0].entry.note == "Fine\n\nScales: Energy: 3 | Stress: 2");
    // Two entries at the same minute: two keys, counted in file order.
    CHECK(b->moods[0].key == "daylio:2026-11-20T13:49#1");
    CHECK(b->moods[1].key == "daylio:2026-11-20T13:49#2");
  }
}

TEST_CASE("Daylio: local times as --at reads them, across a DST gap and fold", "[import][daylio]") {
  test::TzGuard tz("Europe/Berlin");
  Result<ImportBatch> b = daylio(
      "full_date,date,weekday,time,mood,activities,note\n"
      "2026-03-29,March 29,Sunday,2:30 am,good,,\n"       // does not exist: 03:30 CEST
      "2026-10-25,October 25,Sunday,2:30 am,good,,\n"     // happens twice
      "2026-10-25,October 25,Sunday,12:00 pm,good,,\n");  // noon, the day of the change
  REQUIRE(b.is_ok());
  REQUIRE(b->moods.size() == 3);
  CHECK(iso(b->moods[0].entry) == "2026-03-29T03:30:00+02:00");
  REQUIRE(b->notices.size() == 1);
  CHECK_THAT(b->notices[0], Catch::Contains("line 2") && Catch::Contains("02:30"));
  const std::string fold = iso(b->moods[1].entry);
  CHECK((fold == "2026-10-25T02:30:00+02:00" || fold == "2026-10-25T02:30:00+01:00"));
  CHECK(iso(b->moods[2].entry) == "2026-10-25T12:00:00+01:00");
}

TEST_CASE("Daylio: moods are labels, custom ones need --mood-map, and every missing one is named",
          "[import][daylio]") {
  test::TzGuard tz("UTC");
  const std::string csv =
      "full_date,date,weekday,time,mood,activities,note\n"
      "2026-11-20,x,y,10:00,  RAD ,,\n"
      "2026-11-19,x,y,10:00,super happy,,\n"
      "2026-11-18,x,y,10:00,Sad,,\n"
      "2026-11-17,x,y,10:00,SUPER HAPPY,,\n";
  const std::string e = error_of(daylio(csv));
  CHECK_THAT(e, Catch::Contains("2 mood labels") && Catch::Contains("'super happy'") &&
                    Catch::Contains("'Sad'"));
  Result<std::vector<MoodLabel>> map = parse_mood_map("super happy=9, sad = 2,rad=9");
  REQUIRE(map.is_ok());
  DaylioOptions o;
  o.mood_map = *map;
  Result<ImportBatch> b = daylio(csv, o);
  REQUIRE(b.is_ok());
  REQUIRE(b->moods.size() == 4);
  CHECK(b->moods[3].entry.score == 9);  // rad: the map replaces a default
  CHECK(b->moods[2].entry.score == 9);
  CHECK(b->moods[1].entry.score == 2);
  CHECK(b->moods[0].entry.score == 9);
  // A label may hold commas; a pair ends at the first comma after its `=`.
  Result<std::vector<MoodLabel>> commas = parse_mood_map("tired, but ok=5,a,b=c=7");
  REQUIRE(commas.is_ok());
  REQUIRE(commas->size() == 2);
  CHECK(commas->at(0).label == "tired, but ok");
  CHECK(commas->at(1).label == "a,b=c");
  CHECK(commas->at(1).score == 7);
  CHECK_FALSE(parse_mood_map("happy").is_ok());
  CHECK_FALSE(parse_mood_map("happy=11").is_ok());
  CHECK_FALSE(parse_mood_map("=3").is_ok());
  std::vector<MoodLabel> defaults = daylio_default_moods();
  REQUIRE(defaults.size() == 5);
  CHECK(defaults[0].score == 1);
  CHECK(defaults[1].score == 3);
  CHECK(defaults[2].score == 6);
  CHECK(defaults[3].score == 8);
  CHECK(defaults[4].score == 10);
}

TEST_CASE("Daylio: a file tend cannot read whole is refused with its line", "[import][daylio]") {
  test::TzGuard tz("UTC");
  const std::string h = "full_date,date,weekday,time,mood,activities,note\n";
  CHECK_THAT(error_of(daylio(h + "2026-11-20,x,y,10:00,rad,,\n2026-02-30,x,y,10:00,rad,,\n")),
             Catch::Contains("line 3") && Catch::Contains("no such date"));
  // The first of several bad rows is the one named.
  CHECK_THAT(error_of(daylio(h + "2026-11-20,x,y,10:00,rad,,\n2026-11-20,x,y,99:00,rad,,\n" +
                             "2026-11-20,x,y,10:00,rad\n2026-13-01,x,y,10:00,rad,,\n")),
             Catch::Contains("line 3") && Catch::Contains("time"));
  CHECK_THAT(error_of(daylio(h + "2026-11-20,x,y,13:00 pm,rad,,\n")),
             Catch::Contains("line 2") && Catch::Contains("time"));
  CHECK_THAT(error_of(daylio(h + "2026-11-20,x,y,24:00,rad,,\n")), Catch::Contains("line 2"));
  CHECK_THAT(error_of(daylio(h + "2026-11-20,x,y,10:61,rad,,\n")), Catch::Contains("line 2"));
  CHECK_THAT(error_of(daylio(h + "2026-11-20,x,y,10:00,rad,,\"a\nb\n2026-11-19,x,y,10:00,rad,,\n")),
             Catch::Contains("line 2") && Catch::Contains("never ends"));
  CHECK_THAT(error_of(daylio(h + "2026-11-20,x,y,10:00,rad,,\"a\nb\"\n2026-11-19,x,y,10:00,rad\n")),
             Catch::Contains("line 4") && Catch::Contains("5 fields where the header has 7"));
  CHECK_THAT(error_of(daylio(h + "2026-11-20,x,y,10:00,ra\"d,,\n")), Catch::Contains("line 2"));
  CHECK_THAT(error_of(daylio(h + "20-11-2026,x,y,10:00,rad,,\n")), Catch::Contains("date"));
  CHECK_THAT(error_of(daylio("date,mood\n2026-11-20,rad\n")),
             Catch::Contains("line 1") && Catch::Contains("not a Daylio"));
  CHECK_THAT(error_of(daylio("")), Catch::Contains("empty"));
  CHECK_THAT(error_of(daylio(h + "2026-11-20,x,y,10:00,rad,,\"\x1b[2J\xff\"\n")),
             Catch::Contains("line 2"));
  test::TempDir dir;
  CHECK(read_daylio(dir / "absent.csv", {}).status().kind() == ErrorKind::kNotFound);
}

TEST_CASE("HTML in notes becomes plain text with line breaks", "[import]") {
  CHECK(html_to_text("a<br>b<BR/>c<br />d") == "a\nb\nc\nd");
  CHECK(html_to_text("<p>one</p><p>two</p>") == "one\ntwo\n");
  CHECK(html_to_text("<ul><li>x</li><li>y</li></ul>") == "- x\n- y\n");
  CHECK(html_to_text("&lt;3 &amp; &quot;q&quot; &#233;&#xE9; &nbsp;&bogus; & x") ==
        "<3 & \"q\" éé  &bogus; & x");
  CHECK(html_to_text("1 < 2 <3") == "1 < 2 <3");
  CHECK(html_to_text("a&#27;[2Jb&#x202E;c") == "a[2Jbc");  // no control characters
  CHECK(html_to_text("a<br><br><br><br>b") == "a\n\nb");
}

namespace {

// aw-server (Python): +00:00 with microseconds, no event ids, newest first.
const char* kPython = R"({
  "buckets": {
    "aw-watcher-window_laptop": {
      "id": "aw-watcher-window_laptop", "created": "2026-01-01T09:00:00.000000+00:00",
      "name": null, "type": "currentwindow", "client": "aw-watcher-window", "hostname": "laptop",
      "events": [
        {"timestamp": "2026-11-20T10:05:00.000000+00:00", "duration": 100.4, "data": {"app": "Headspace", "title": "Breathe"}},
        {"timestamp": "2026-11-20T10:03:00.250000+00:00", "duration": 30.0, "data": {"app": "Firefox", "title": "news"}},
        {"timestamp": "2026-11-20T10:02:00.000000+00:00", "duration": 59.5, "data": {"app": "headspace", "title": "Home"}},
        {"timestamp": "2026-11-20T10:00:00.000000+00:00", "duration": 60.0, "data": {"app": "Headspace", "title": "Start"}},
        {"timestamp": "2026-11-20T09:00:00.000000+00:00", "duration": 0.4, "data": {"app": "Calm", "title": "x"}}
      ]
    },
    "aw-watcher-afk_laptop": {
      "id": "aw-watcher-afk_laptop", "created": "2026-01-01T09:00:00.000000+00:00", "name": null,
      "type": "afkstatus", "client": "aw-watcher-afk", "hostname": "laptop",
      "events": [
        {"timestamp": "2026-11-20T10:00:00.000000+00:00", "duration": 3600.0, "data": {"status": "not-afk"}},
        {"timestamp": "2026-11-19T10:00:00.000000+00:00", "duration": 1209600.0, "data": {"status": "afk"}}
      ]
    },
    "aw-watcher-web-firefox": {
      "id": "aw-watcher-web-firefox", "type": "web.tab.current", "client": "aw-client-web",
      "hostname": "laptop", "created": "2026-01-01T09:00:00.000000+00:00", "name": null,
      "events": [{"timestamp": "2026-11-20T10:03:00.000000+00:00", "duration": 30.0,
                  "data": {"url": "https://example.org/", "title": "x", "audible": false, "incognito": false}}]
    }
  }
})";

// aw-server-rust: Z timestamps, event ids, metadata, last_updated; an Android
// watcher (app label, package, class name) and its unlock bucket.
const char* kRust = R"({"buckets":{
  "aw-watcher-android-test":{"id":"aw-watcher-android-test","name":null,"type":"currentwindow",
    "client":"aw-android","hostname":"Unknown","created":"2026-01-01T00:00:00Z","data":{},
    "metadata":{"start":null,"end":null},"last_updated":"2026-11-21T09:00:00Z",
    "events":[
      {"id":3,"timestamp":"2026-11-21T08:12:00Z","duration":120.0,"data":{"app":"Calm","package":"com.calm.android","classname":"com.calm.android.MainActivity"}},
      {"id":2,"timestamp":"2026-11-21T08:10:59Z","duration":1.0,"data":{"app":"Calm","package":"com.calm.android","classname":"x"}},
      {"id":1,"timestamp":"2026-11-21T08:00:00Z","duration":300.0,"data":{"app":"Calm","package":"com.calm.android","classname":"x"}},
      {"id":4,"timestamp":"2026-11-21T09:00:00Z","duration":45,"data":{"package":"org.example.nolabel","classname":"y"}}
    ]},
  "aw-watcher-android-unlock":{"id":"aw-watcher-android-unlock","name":null,"type":"os.lockscreen.unlocks",
    "client":"aw-android","hostname":"Unknown","created":"2026-01-01T00:00:00Z","data":{},
    "metadata":{"start":null,"end":null},
    "events":[{"id":5,"timestamp":"2026-11-21T07:59:00Z","duration":0.0,"data":{}}]}
}})";

}  // namespace

TEST_CASE("ActivityWatch, Python server: sessions per app, merged within 60 s, titles dropped",
          "[import][activitywatch]") {
  test::TzGuard tz("Europe/Berlin");
  Result<ImportBatch> b = activitywatch(kPython, all_apps());
  REQUIRE(b.is_ok());
  CHECK(b->records == 8);
  std::vector<Written> s = sessions(*b);
  // Headspace 10:00 (60 s) and 10:02 (59.5 s) are 60 s apart: one session of
  // 119.5 s, rounded to 120; 10:05 starts 120.5 s after that one's end: another.
  // Calm's 0.4 s rounds to nothing.
  REQUIRE(s.size() == 3);
  CHECK(s[0].app == "Headspace");
  CHECK(s[0].at == 1795168800);  // 2026-11-20T10:00:00Z
  CHECK(s[0].duration == 120);
  CHECK_FALSE(s[0].title);
  CHECK(s[1].app == "Firefox");
  CHECK(s[1].duration == 30);
  CHECK(s[2].app == "Headspace");
  CHECK(s[2].at == 1795169100);
  CHECK(s[2].duration == 100);
  CHECK(b->skipped.at("afkstatus") == 2);
  CHECK(b->skipped.at("web.tab.current") == 1);
  CHECK(b->skipped.at("sessions shorter than a second") == 1);
  CHECK(b->apps.key(b->apps.sessions[0]) ==
        "aw:aw-watcher-window_laptop:1795168800000000:headspace");
}

TEST_CASE("ActivityWatch: --only names or packages in any case, --keep-titles keeps the first",
          "[import][activitywatch]") {
  test::TzGuard tz("UTC");
  ActivityWatchOptions o;
  o.only = {"HEADSPACE"};
  o.keep_titles = true;
  Result<ImportBatch> b = activitywatch(kPython, o);
  REQUIRE(b.is_ok());
  std::vector<Written> s = sessions(*b);
  REQUIRE(s.size() == 2);
  CHECK(s[0].title == "Start");
  CHECK(s[1].title == "Breathe");
  CHECK(b->skipped.at("apps not chosen") == 2);  // Firefox and Calm

  ActivityWatchOptions android;
  android.only = {"com.calm.android", "ORG.EXAMPLE.NOLABEL"};
  Result<ImportBatch> r = activitywatch(kRust, android);
  REQUIRE(r.is_ok());
  s = sessions(*r);
  // 08:00 + 300 s ends 08:05:00; 08:10:59 starts 359 s later: a new session,
  // which 08:12:00 (1 s after its end) joins: 1 + 120 s.
  REQUIRE(s.size() == 3);
  CHECK(s[0].app == "Calm");
  CHECK(s[0].duration == 300);
  CHECK(s[1].at == 1795248000 + 659);  // 2026-11-21T08:10:59Z
  CHECK(s[1].duration == 121);
  CHECK(s[2].app == "org.example.nolabel");  // no label: the package names it
  CHECK(r->skipped.at("os.lockscreen.unlocks") == 1);
}

TEST_CASE("ActivityWatch: a session lasts the sum of its events and never more than a day",
          "[import][activitywatch]") {
  test::TzGuard tz("UTC");
  const std::string doc = R"({"buckets": {"w": {"type": "currentwindow", "events": [
      {"timestamp": "2026-11-20T00:00:00Z", "duration": 200000.25, "data": {"app": "Term"}},
      {"timestamp": "2026-11-25T00:00:00Z", "duration": 50000, "data": {"app": "Term"}},
      {"timestamp": "2026-11-25T13:53:20Z", "duration": 40000, "data": {"app": "Term"}},
      {"timestamp": "2026-11-26T02:00:00Z", "duration": 10, "data": {"app": "Term"}}]}}})";
  Result<ImportBatch> b = activitywatch(doc, all_apps());
  REQUIRE(b.is_ok());
  std::vector<Written> s = sessions(*b);
  // 200000 s: two whole days and the rest; then 50000 s with 40000 s right after
  // would pass a day, so the second starts a session of its own (which the 10 s
  // event, an hour after its end, does not join).
  REQUIRE(s.size() == 6);
  CHECK(s[0].duration == 86400);
  CHECK(s[1].duration == 86400);
  CHECK(s[2].duration == 27200);
  CHECK(s[3].duration == 50000);
  CHECK(s[4].duration == 40000);
  CHECK(s[5].duration == 10);
}

TEST_CASE(
    "ActivityWatch: bad timestamps, durations, types and truncation are refused with a "
    "position",
    "[import][activitywatch]") {
  test::TzGuard tz("UTC");
  const auto with_event = [](const std::string& event) {
    return R"({"buckets": {"w": {"type": "currentwindow", "events": [)" + event + "]}}}";
  };
  const auto refused = [&](const std::string& event) {
    return error_of(activitywatch(with_event(event), all_apps()));
  };
  CHECK_THAT(
      refused(R"({"timestamp": "2026-11-20T10:00:00Z", "duration": -1, "data": {"app": "A"}})"),
      Catch::Contains("negative") && Catch::Contains("byte"));
  CHECK_THAT(refused(R"({"timestamp": "2026-11-20 10:00", "duration": 1, "data": {"app": "A"}})"),
             Catch::Contains("timestamp"));
  CHECK_THAT(
      refused(R"({"timestamp": "2026-02-30T10:00:00Z", "duration": 1, "data": {"app": "A"}})"),
      Catch::Contains("timestamp"));
  CHECK_THAT(refused(R"({"timestamp": 1795687200, "duration": 1, "data": {"app": "A"}})"),
             Catch::Contains("timestamp is not a string"));
  CHECK_THAT(
      refused(R"({"timestamp": "2026-11-20T10:00:00Z", "duration": "1", "data": {"app": "A"}})"),
      Catch::Contains("duration is not a number"));
  CHECK_THAT(
      refused(R"({"timestamp": "2026-11-20T10:00:00Z", "duration": 1e300, "data": {"app": "A"}})"),
      Catch::Contains("longer than a year"));
  CHECK_THAT(refused(R"({"timestamp": "2026-11-20T10:00:00Z", "duration": 1, "data": {"app": 5}})"),
             Catch::Contains("data.app is not a string"));
  CHECK_THAT(refused(R"({"timestamp": "2026-11-20T10:00:00Z", "duration": 1, "data": ["A"]})"),
             Catch::Contains("data is not an object"));
  CHECK_THAT(refused(R"({"timestamp": "2026-11-20T10:00:00Z", "data": {"app": "A"}})"),
             Catch::Contains("no duration"));
  CHECK_THAT(refused(R"("an event")"), Catch::Contains("not an object"));
  // Past 9999-12-31T23:59:59Z once its offset is applied.
  CHECK_THAT(
      refused(R"({"timestamp": "9999-12-31T23:59:59-14:00", "duration": 1, "data": {"app": "A"}})"),
      Catch::Contains("timestamp"));
  const std::string whole =
      with_event(R"({"timestamp": "2026-11-20T10:00:00Z", "duration": 1, "data": {"app": "A"}})");
  for (std::size_t cut : {std::size_t{1}, whole.size() / 2, whole.size() - 1}) {
    CHECK_THAT(error_of(activitywatch(whole.substr(0, cut), all_apps())),
               Catch::Contains("not valid JSON") && Catch::Contains("byte"));
  }
  CHECK_THAT(error_of(activitywatch("[]", all_apps())), Catch::Contains("not an ActivityWatch"));
  CHECK_THAT(error_of(activitywatch(R"({"buckets": []})", all_apps())),
             Catch::Contains("not an object"));
  // A journal-like string at the point of failure is never repeated.
  CHECK_THAT(error_of(activitywatch(R"({"buckets": {"w": "I feel hopeless)", all_apps())),
             !Catch::Contains("hopeless"));
}

TEST_CASE("jrnl: title and body as the note, @tags, starred, a score for all or skipped",
          "[import][jrnl]") {
  test::TzGuard tz("Europe/Berlin");
  const std::string doc = R"({"tags": {"@work": 1, "@mood7": 1}, "entries": [
    {"title": "Long day.", "body": " Meetings all day.\nTired.\n", "date": "2026-11-02",
     "time": "21:15", "tags": ["@work"], "starred": true},
    {"title": "Better.", "body": "", "date": "2026-11-03", "time": "08:00",
     "tags": ["@MOOD7"], "starred": false}]})";
  Result<ImportBatch> b = jrnl(doc, 5);
  REQUIRE(b.is_ok());
  REQUIRE(b->moods.size() == 2);
  const MoodEntry& e = b->moods[0].entry;
  CHECK(iso(e) == "2026-11-02T21:15:00+01:00");
  CHECK(e.score == 5);
  CHECK(e.note == "Long day.\nMeetings all day.\nTired.");
  CHECK(e.tags == std::vector<std::string>{"starred", "work"});
  CHECK(b->moods[1].entry.score == 7);  // its own @mood7 wins
  CHECK(b->moods[1].entry.tags.empty());
  CHECK(b->moods[0].key == "jrnl:2026-11-02T21:15#1");

  Result<ImportBatch> skipped = jrnl(doc, std::nullopt);
  REQUIRE(skipped.is_ok());
  REQUIRE(skipped->moods.size() == 1);
  CHECK(skipped->skipped.at("entries without a score") == 1);

  CHECK_THAT(error_of(jrnl(R"({"entries": [{"date": "2026-13-01", "time": "10:00"}]})", 5)),
             Catch::Contains("date"));
  CHECK_THAT(error_of(jrnl(R"({"entries": [{"date": "2026-11-01", "time": "25:00"}]})", 5)),
             Catch::Contains("no such date or time"));
  CHECK_THAT(
      error_of(jrnl(R"({"entries": [{"date": "2026-11-01", "time": "10:00", "tags": "x"}]})", 5)),
      Catch::Contains("tags"));
  CHECK_THAT(
      error_of(jrnl(R"({"entries": [{"date": "2026-11-01", "time": "10:00", "starred": 1}]})", 5)),
      Catch::Contains("starred"));
  CHECK_THAT(error_of(jrnl(R"({"entries": [{"date": 20261101, "time": "10:00"}]})", 5)),
             Catch::Contains("not a string"));
  CHECK_THAT(
      error_of(
          jrnl(R"({"entries": [{"date": "2026-11-01", "time": "10:00", "body": "I feel hopel)", 5)),
      Catch::Contains("not valid JSON") && !Catch::Contains("hopel"));
  CHECK_THAT(error_of(jrnl(R"({"tags": {}})", 5)), Catch::Contains("not a jrnl export"));
}

namespace {

std::int64_t count(Vault& v, const char* sql) {
  Result<Statement> st = v.db().prepare(sql);
  REQUIRE(st.is_ok());
  REQUIRE(*st->step());
  return st->int64(0);
}

ImportOutcome import(Vault& v, ImportBatch batch, bool dry_run = false) {
  ImportRequest r;
  r.batch = std::move(batch);
  r.dry_run = dry_run;
  Result<ImportOutcome> out = import_batch(v, r, test::kNow);
  REQUIRE(out.is_ok());
  return *out;
}

}  // namespace

TEST_CASE("an import is idempotent, adds only what is new, keeps rollups, logs counts only",
          "[import]") {
  test::TzGuard tz("Europe/Berlin");
  test::TempDir dir;
  CreatedVault created = test::make_vault(dir / "v");
  Vault& v = created.vault;
  const std::string h = "full_date,date,weekday,time,mood,activities,note\n";
  const std::string older = h + "2026-11-19,x,y,10:00 pm,good,walk | family,Secret note\n" +
                            "2026-11-18,x,y,9:00 am,bad,,\n";
  const std::string newer = h + "2026-11-20,x,y,8:00 am,rad,walk,\n" + older.substr(h.size());

  SECTION("a dry run writes nothing") {
    const auto before = test::fingerprint(dir / "v");
    ImportOutcome o = import(v, *daylio(older), true);
    CHECK(o.dry_run);
    CHECK(o.imported == 2);
    CHECK(o.audit_seq == 0);
    CHECK(count(v, "SELECT count(*) FROM mood;") == 0);
    CHECK(test::fingerprint(dir / "v") == before);
  }
  SECTION("again, and newer") {
    ImportOutcome first = import(v, *daylio(older));
    CHECK(first.imported == 2);
    CHECK(first.present == 0);
    CHECK(count(v, "SELECT count(*) FROM mood_tag;") == 2);
    const auto after_first = test::fingerprint(dir / "v");
    ImportOutcome again = import(v, *daylio(older));
    CHECK(again.imported == 0);
    CHECK(again.present == 2);
    CHECK(again.audit_seq == 0);
    CHECK(test::fingerprint(dir / "v") == after_first);  // nothing at all was written
    ImportOutcome next = import(v, *daylio(newer));
    CHECK(next.imported == 1);
    CHECK(next.present == 2);
    CHECK(count(v, "SELECT count(*) FROM mood;") == 3);
    Result<std::vector<std::string>> diff = rollup_differences(v.db(), 10);
    REQUIRE(diff.is_ok());
    CHECK(diff->empty());
    CHECK(count(v, "SELECT sum(entries) FROM mood_day;") == 3);
    // The log holds counts, never content.
    std::vector<AuditEntry> entries = *v.audit()->entries(std::nullopt);
    REQUIRE(entries.size() == 3);  // created, and the two imports that added rows
    for (std::size_t i = 1; i < 3; ++i) {
      CHECK(entries[i].kind == "import.completed");
      Json meta = (*parse_json(entries[i].bytes, "entry"))["meta"];
      CHECK(meta["type"] == "mood");
      for (const auto& [k, value] : meta.items()) {
        CHECK((k == "type" || value.is_number_integer()));
      }
      CHECK(entries[i].bytes.find("Secret") == std::string::npos);
      CHECK(entries[i].bytes.find("walk") == std::string::npos);
    }
    CHECK((*parse_json(entries[2].bytes, "entry"))["meta"]["present"] == 2);
  }
}

TEST_CASE("entries go in many to a statement: in time order, ids never reused, each tag on its own",
          "[import]") {
  test::TzGuard tz("UTC");
  test::TempDir dir;
  CreatedVault created = test::make_vault(dir / "v");
  Vault& v = created.vault;
  // An entry made and deleted in tend first: its id is never given again.
  MoodEntry own;
  own.at = {test::kNow, 0};
  own.score = 5;
  Result<std::int64_t> own_id = add_mood(v.db(), own, test::kNow);
  REQUIRE(own_id.is_ok());
  Result<AuditLog> log = v.audit();
  REQUIRE(log.is_ok());
  REQUIRE(remove_mood(v.db(), *log, *own_id, test::kNow).is_ok());

  // 150 rows, newest first as Daylio writes them: two full statements and a
  // short one. Row i has the note "row i" and the tag "tag-i"; rows 7 and 8
  // share a minute and keep their file order.
  std::string csv = "full_date,date,weekday,time,mood,activities,note\n";
  for (int i = 0; i < 150; ++i) {
    const int minute = i == 8 ? 7 : i;  // rows 7 and 8: 2026-11-20 at 10:07
    csv += fmt::format("2026-11-20,x,y,{}:{:02},{},tag {} | shared,row {}\n", 10 - minute / 60,
                       59 - minute % 60, i % 2 == 0 ? "good" : "bad", i, i);
  }
  ImportRequest r;
  r.batch = *daylio(csv);
  r.mark_private = true;
  Result<ImportOutcome> out = import_batch(v, r, test::kNow);
  REQUIRE(out.is_ok());
  CHECK(out->imported == 150);
  CHECK(count(v, "SELECT count(*) FROM mood;") == 150);
  CHECK(count(v, "SELECT min(id) FROM mood;") == *own_id + 1);
  CHECK(count(v, "SELECT seq FROM sqlite_sequence WHERE name = 'mood';") == *own_id + 150);
  CHECK(count(v, "SELECT count(*) FROM mood WHERE private = 1;") == 150);
  // Ids follow time; entries at one time follow the file.
  CHECK(count(v, "SELECT count(*) FROM mood a JOIN mood b ON b.id = a.id + 1 WHERE b.at < a.at;") ==
        0);
  CHECK(count(v,
              "SELECT count(*) FROM mood a JOIN mood b ON a.note = 'row 7' AND b.note = 'row 8'"
              " WHERE a.at = b.at AND a.id < b.id;") == 1);
  // Every entry has its own tag, and the shared one, and no other.
  CHECK(count(v, "SELECT count(*) FROM mood_tag;") == 300);
  CHECK(count(v,
              "SELECT count(*) FROM mood m JOIN mood_tag t ON t.mood_id = m.id"
              " WHERE t.tag = 'tag-' || substr(m.note, 5);") == 150);
  CHECK(count(v, "SELECT count(*) FROM mood_tag WHERE tag = 'shared';") == 150);
  // Tags are reached through their entry only (schema 9): no index by tag to write.
  CHECK(count(v,
              "SELECT count(*) FROM sqlite_master WHERE tbl_name = 'mood_tag' AND type = "
              "'index' AND name NOT LIKE 'sqlite_autoindex%';") == 0);
  Result<std::vector<std::string>> diff = rollup_differences(v.db(), 10);
  REQUIRE(diff.is_ok());
  CHECK(diff->empty());
}

TEST_CASE("app sessions: re-import adds nothing, a session grown in a newer export is extended",
          "[import][activitywatch]") {
  test::TzGuard tz("UTC");
  test::TempDir dir;
  CreatedVault created = test::make_vault(dir / "v");
  Vault& v = created.vault;
  const auto doc = [](const std::string& events) {
    return R"({"buckets": {"b": {"type": "currentwindow", "events": [)" + events + "]}}}";
  };
  const std::string first =
      R"({"timestamp": "2026-11-20T10:00:00Z", "duration": 60, "data": {"app": "Calm"}})";
  const std::string second =
      R"({"timestamp": "2026-11-20T10:01:30Z", "duration": 30, "data": {"app": "Calm"}})";
  const std::string later =
      R"({"timestamp": "2026-11-20T12:00:00Z", "duration": 10, "data": {"app": "Calm"}})";
  ImportOutcome a = import(v, *activitywatch(doc(first), all_apps()));
  CHECK(a.imported == 1);
  ImportOutcome b = import(v, *activitywatch(doc(first), all_apps()));
  CHECK(b.imported == 0);
  CHECK(b.present == 1);
  ImportOutcome c = import(v, *activitywatch(doc(later + "," + second + "," + first), all_apps()));
  CHECK(c.imported == 1);
  CHECK(c.extended == 1);
  CHECK(count(v, "SELECT duration_s FROM app_session ORDER BY at LIMIT 1;") == 90);
  CHECK(count(v, "SELECT sum(seconds) FROM app_day;") == 100);
  CHECK(count(v, "SELECT sum(seconds) FROM app_hour;") == 100);
  Result<std::vector<std::string>> diff = rollup_differences(v.db(), 10);
  REQUIRE(diff.is_ok());
  CHECK(diff->empty());
  // The user's own edit is never overwritten by an import.
  REQUIRE(v.db()
              .exec("UPDATE app_session SET duration_s = 5, edited = 1 WHERE at = 1795168800;")
              .is_ok());
  ImportOutcome d = import(v, *activitywatch(doc(second + "," + first), all_apps()));
  CHECK(d.extended == 0);
  CHECK(d.present == 1);
  CHECK(count(v, "SELECT duration_s FROM app_session ORDER BY at LIMIT 1;") == 5);
}

TEST_CASE("keys cannot collide: a bucket id with colons, app names differing in case, repeats",
          "[import][activitywatch]") {
  test::TzGuard tz("UTC");
  test::TempDir dir;
  CreatedVault created = test::make_vault(dir / "v");
  Vault& v = created.vault;
  // "a:1" with app "x" at 2 s, and "a" with app "2000000:x" at 1 µs, once made
  // the same key.
  Result<ImportBatch> tricky = activitywatch(R"({"buckets": {
      "a:1": {"type": "currentwindow", "events": [
        {"timestamp": "1970-01-01T00:00:02Z", "duration": 30, "data": {"app": "x"}}]},
      "a": {"type": "currentwindow", "events": [
        {"timestamp": "1970-01-01T00:00:00.000001Z", "duration": 30, "data": {"app": "2000000:x"}}]}}})",
                                             all_apps());
  REQUIRE(tricky.is_ok());
  CHECK(import(v, *tricky).imported == 2);
  ImportOutcome tricky_again = import(v, *tricky);  // found by their encoded keys
  CHECK(tricky_again.imported == 0);
  CHECK(tricky_again.present == 2);

  // The same session spelt "firefox" in one export and "Firefox" in the next.
  const auto one = [](const std::string& events) {
    return R"({"buckets": {"w": {"type": "currentwindow", "events": [)" + events + "]}}}";
  };
  CHECK(import(v, *activitywatch(one(R"({"timestamp": "2026-11-20T10:00:00Z", "duration": 60,
      "data": {"app": "firefox"}})"),
                                 all_apps()))
            .imported == 1);
  ImportOutcome again = import(v, *activitywatch(one(R"(
      {"timestamp": "2026-11-20T12:00:00Z", "duration": 60, "data": {"app": "Firefox"}},
      {"timestamp": "2026-11-20T10:00:00Z", "duration": 60, "data": {"app": "firefox"}})"),
                                                 all_apps()));
  CHECK(again.imported == 1);
  CHECK(again.present == 1);

  // A bucket given twice: its sessions once, the longer kept, the repeat counted.
  Result<ImportBatch> twice = activitywatch(R"({"buckets": {
      "b": {"type": "currentwindow", "events": [{"timestamp": "2026-11-21T10:00:00Z", "duration": 10, "data": {"app": "y"}}]},
      "b": {"type": "currentwindow", "events": [{"timestamp": "2026-11-21T10:00:00Z", "duration": 20, "data": {"app": "y"}}]}}})",
                                            all_apps());
  REQUIRE(twice.is_ok());
  REQUIRE(twice->apps.sessions.size() == 1);
  CHECK(twice->apps.sessions[0].duration_s == 20);
  CHECK(twice->skipped.at("sessions repeated in the file") == 1);
  CHECK(import(v, *twice).imported == 1);
  Result<std::vector<std::string>> diff = rollup_differences(v.db(), 10);
  REQUIRE(diff.is_ok());
  CHECK(diff->empty());
}

TEST_CASE("jrnl keys count every entry, scored or not", "[import][jrnl]") {
  test::TzGuard tz("UTC");
  test::TempDir dir;
  CreatedVault created = test::make_vault(dir / "v");
  const std::string doc = R"({"entries": [
    {"date": "2026-11-02", "time": "21:15", "title": "Unscored A.", "body": "", "tags": []},
    {"date": "2026-11-02", "time": "21:15", "title": "Scored B.", "body": "", "tags": ["@mood7"]}]})";
  ImportOutcome first = import(created.vault, *jrnl(doc, std::nullopt));
  CHECK(first.imported == 1);
  ImportOutcome second = import(created.vault, *jrnl(doc, 5));
  CHECK(second.imported == 1);  // A, now with a score
  CHECK(second.present == 1);   // B
  CHECK(count(created.vault, "SELECT count(*) FROM mood;") == 2);
  CHECK(count(created.vault, "SELECT count(DISTINCT note) FROM mood;") == 2);
}

TEST_CASE("an imported entry deleted in tend is not brought back by the next import", "[import]") {
  test::TzGuard tz("UTC");
  test::TempDir dir;
  CreatedVault created = test::make_vault(dir / "v");
  Vault& v = created.vault;
  const std::string csv =
      "full_date,date,weekday,time,mood,activities,note\n"
      "2026-11-20,x,y,10:00,good,,Keep\n"
      "2026-11-19,x,y,10:00,bad,,Delete me\n";
  REQUIRE(import(v, *daylio(csv)).imported == 2);
  Result<AuditLog> log = v.audit();
  REQUIRE(log.is_ok());
  REQUIRE(remove_mood(v.db(), *log, 1, test::kNow).is_ok());  // the oldest: "Delete me"
  CHECK(count(v, "SELECT count(*) FROM mood WHERE note = 'Delete me';") == 0);
  ImportOutcome again = import(v, *daylio(csv));
  CHECK(again.imported == 0);
  CHECK(again.present == 1);
  CHECK(again.skipped.at("deleted in tend before") == 1);
  CHECK(count(v, "SELECT count(*) FROM mood;") == 1);
  CHECK(count(v, "SELECT count(*) FROM import_deleted;") == 1);
}

TEST_CASE("skipped bucket types are counted under short names, many of them together",
          "[import][activitywatch]") {
  std::string doc = R"({"buckets": {)";
  for (int i = 0; i < 40; ++i) {
    doc += (i == 0 ? "" : ",") + fmt::format(R"("b{0}": {{"type": "type-{0}-{1}", "events": [)"
                                             R"({{"timestamp": "2026-11-20T10:00:00Z", )"
                                             R"("duration": 1, "data": {{}}}}]}})",
                                             i, std::string(200, 'x'));
  }
  Result<ImportBatch> b = activitywatch(doc + "}}", all_apps());
  REQUIRE(b.is_ok());
  CHECK(b->skipped.size() <= 25);
  CHECK(b->skipped.at("other bucket types") > 0);
  for (const auto& [name, n] : b->skipped) CHECK(name.size() <= 60);
}
