#include <catch2/catch.hpp>

#include <cstdlib>
#include <ctime>

#include "core/when.hpp"
#include "tests/support.hpp"

using namespace tend;

namespace {

constexpr std::int64_t kNow = test::kNow;  // 2026-11-25T12:00:00Z, a Wednesday

std::string iso(std::string_view text, TimeRole role = TimeRole::kPoint) {
  Result<Instant> r = parse_when(text, kNow, role);
  if (!r.is_ok()) return "error: " + r.status().message();
  return format_iso(*r);
}

}  // namespace

TEST_CASE("the clock of these tests is 2026-11-25 12:00 UTC", "[core][when]") {
  CHECK(format_iso({kNow, 0}) == "2026-11-25T12:00:00+00:00");
}

TEST_CASE("valid times, in UTC", "[core][when]") {
  test::TzGuard tz("UTC0");
  const std::pair<const char*, const char*> points[] = {
      {"now", "2026-11-25T12:00:00+00:00"},
      {"today", "2026-11-25T12:00:00+00:00"},
      {"yesterday", "2026-11-24T12:00:00+00:00"},
      {"08:30", "2026-11-25T08:30:00+00:00"},
      {"8:30", "2026-11-25T08:30:00+00:00"},
      {"12:04", "2026-11-25T12:04:00+00:00"},  // within the 5-minute slack
      {"23:15", "2026-11-24T23:15:00+00:00"},  // later than now: yesterday's
      {"2026-11-20", "2026-11-20T12:00:00+00:00"},
      {"2024-02-29", "2024-02-29T12:00:00+00:00"},
      {"2026-11-20T08:30", "2026-11-20T08:30:00+00:00"},
      {"2026-11-20 08:30:15", "2026-11-20T08:30:15+00:00"},
      {"2026-11-20t08:30:15.250", "2026-11-20T08:30:15+00:00"},
      {"2026-11-20T08:30Z", "2026-11-20T08:30:00+00:00"},
      {"2026-11-20T08:30+01:00", "2026-11-20T08:30:00+01:00"},
      {"2026-11-20T08:30:00-0530", "2026-11-20T08:30:00-05:30"},
      {"2026-11-20T08:30+14", "2026-11-20T08:30:00+14:00"},
      {"-90m", "2026-11-25T10:30:00+00:00"},
      {"-2h", "2026-11-25T10:00:00+00:00"},
      {"-3d", "2026-11-22T12:00:00+00:00"},
      {"-1w", "2026-11-18T12:00:00+00:00"},
      {"-1h30m", "2026-11-25T10:30:00+00:00"},
      {"-0m", "2026-11-25T12:00:00+00:00"},
  };
  for (auto [text, expected] : points) {
    INFO(text);
    CHECK(iso(text) == expected);
  }
  CHECK(iso("today", TimeRole::kRangeStart) == "2026-11-25T00:00:00+00:00");
  CHECK(iso("today", TimeRole::kRangeEnd) == "2026-11-25T23:59:59+00:00");
  CHECK(iso("yesterday", TimeRole::kRangeStart) == "2026-11-24T00:00:00+00:00");
  CHECK(iso("2026-11-20", TimeRole::kRangeEnd) == "2026-11-20T23:59:59+00:00");
  CHECK(iso("23:15", TimeRole::kRangeStart) == "2026-11-25T23:15:00+00:00");
  CHECK(iso("2026-12-01", TimeRole::kRangeEnd) ==
        "2026-12-01T23:59:59+00:00");  // future is fine for ranges
}

TEST_CASE("local times follow the zone, with its offset of the moment", "[core][when]") {
  test::TzGuard tz("CET-1CEST,M3.5.0,M10.5.0/3");
  CHECK(iso("2026-11-20T08:30") == "2026-11-20T08:30:00+01:00");  // winter
  CHECK(iso("2026-07-01T08:30") == "2026-07-01T08:30:00+02:00");  // summer
  CHECK(iso("08:30") == "2026-11-25T08:30:00+01:00");
  CHECK(iso("today", TimeRole::kRangeStart) == "2026-11-25T00:00:00+01:00");
  CHECK(format_local(kNow) == "2026-11-25 13:00");
  Result<Instant> at = parse_when("2026-11-20T08:30", kNow, TimeRole::kPoint);
  REQUIRE(at.is_ok());
  CHECK(at->utc == kNow - 5 * 86400 - 3 * 3600 - 30 * 60 - 60 * 60);
  CHECK(day_number(*at) == day_number({at->utc, 0}));
}

TEST_CASE("invalid times are refused with the grammar as a hint", "[core][when]") {
  test::TzGuard tz("UTC0");
  const char* bad[] = {
      "",
      "tomorrow",
      "Now",
      "24:00",
      "12:60",
      "8:3",
      "2026-13-01",
      "2026-02-29",
      "2026-11-31",
      "2026-1-01",
      "1969-12-31",
      "2026-11-20T25:00",
      "2026-11-20T08:30+15:00",
      "2026-11-20T08:30+01:0",
      "2026-11-20X08:30",
      "2026-11-20T08:30:61",
      "2026-11-20T08:30.5",
      "-",
      "-2",
      "-h",
      "+2h",
      "-2h-1h",
      "2026-11-20T08:30 ",
      "-99999999d",
      "-20783d",  // 1969-12-31: before the dates tend reads (found by fuzz/when.cpp)
      "-32023d",
      "2026-11-26",  // future point
      "-0h+1h",
      "2026-11-20T08:30:00.",
      "12:00:00",
      "１２:００",
  };
  for (const char* text : bad) {
    INFO(text);
    Result<Instant> r = parse_when(text, kNow, TimeRole::kPoint);
    CHECK_FALSE(r.is_ok());
    if (!r.is_ok()) CHECK(r.status().kind() == ErrorKind::kUsage);
  }
}

TEST_CASE("a relative time reaches back to 1970 and no further", "[core][when]") {
  test::TzGuard tz("UTC0");
  Result<Instant> first_day = parse_when("-20782d", kNow, TimeRole::kPoint);
  REQUIRE(first_day.is_ok());
  CHECK(format_iso(*first_day) == "1970-01-01T12:00:00+00:00");
  // What tend prints, it reads back.
  CHECK(parse_when(format_iso(*first_day), kNow, TimeRole::kPoint)->utc == first_day->utc);
  CHECK_FALSE(parse_when("-20783d", kNow, TimeRole::kPoint).is_ok());
}

TEST_CASE("durations", "[core][when]") {
  const std::pair<const char*, std::int64_t> good[] = {
      {"45m", 2700}, {"1h20m", 4800}, {"2h", 7200}, {"90s", 90}, {"24h", 86400}, {"1h1s", 3601}};
  for (auto [text, secs] : good) {
    INFO(text);
    Result<std::int64_t> d = parse_duration(text);
    REQUIRE(d.is_ok());
    CHECK(*d == secs);
  }
  for (const char* text : {"", "0m", "25h", "1d", "m", "1.5h", "-5m", "5", "1h 20m"}) {
    INFO(text);
    CHECK_FALSE(parse_duration(text).is_ok());
  }
  CHECK(format_duration(4800) == "1h20m");
  CHECK(format_duration(60) == "1m");
  CHECK(format_duration(3601) == "1h1s");
}

TEST_CASE("a local time skipped by the clocks going forward is moved, and said so",
          "[core][when]") {
  test::TzGuard tz("CET-1CEST,M3.5.0,M10.5.0/3");  // 2026-03-29 02:00 -> 03:00
  std::string notice;
  Result<Instant> at = parse_when("2026-03-29T02:30", kNow, TimeRole::kPoint, &notice);
  REQUIRE(at.is_ok());
  CHECK(format_iso(*at) == "2026-03-29T03:30:00+02:00");
  CHECK(notice ==
        "02:30 does not exist on 2026-03-29 here (the clocks went forward): read as 03:30");
  notice.clear();
  REQUIRE(parse_when("2026-03-29T03:30", kNow, TimeRole::kPoint, &notice).is_ok());
  CHECK(notice.empty());
  REQUIRE(parse_when("2026-03-29T02:30+01:00", kNow, TimeRole::kPoint, &notice).is_ok());
  CHECK(notice.empty());  // an explicit offset is never moved
}

TEST_CASE("time zones: an offset beyond 18 hours is refused, an unknown name warned about",
          "[core][when]") {
  std::string warning;
  {
    test::TzGuard tz("UTC+25");
    Status s = check_time_zone("UTC+25", kNow, &warning);
    CHECK(s.kind() == ErrorKind::kUsage);
    CHECK_THAT(s.message(), Catch::Contains("beyond ±18:00"));
  }
  {
    test::TzGuard tz("Europe/Berlinn");
    CHECK(check_time_zone("Europe/Berlinn", kNow, &warning).is_ok());
    CHECK_THAT(warning, Catch::Contains("unknown time zone 'Europe/Berlinn'"));
  }
  for (const char* fine : {"UTC0", "CET-1CEST,M3.5.0,M10.5.0/3", "<+03>-3", ""}) {
    test::TzGuard tz(fine);
    warning.clear();
    INFO(fine);
    CHECK(check_time_zone(fine, kNow, &warning).is_ok());
    CHECK(warning.empty());
  }
  {
    test::TzGuard tz("Europe/Berlin");  // tzdata, installed by scripts/install-deps
    warning.clear();
    CHECK(check_time_zone("Europe/Berlin", kNow, &warning).is_ok());
    CHECK(warning.empty());
  }
}

TEST_CASE("times no date can show are shown as seconds, never computed with", "[core][when]") {
  CHECK(format_iso({INT64_MAX, 3600}) == "@9223372036854775807");
  CHECK(format_iso({INT64_MIN, 0}) == "@-9223372036854775808");
  CHECK(format_local(67767977886828576) == "@67767977886828576");
  CHECK(format_iso({0, INT32_MIN}) == "1970-01-01T00:00:00+00:00");  // an offset beyond 18 h
  CHECK(format_iso({kMaxShownUtc, 0}) == "9999-12-31T23:59:59+00:00");
  CHECK(day_number({INT64_MAX, INT32_MAX}) == day_number({kMaxShownUtc, 18 * 3600}));
  test::TzGuard tz("Asia/Tokyo");
  CHECK(format_local(INT64_MAX) == "@9223372036854775807");
}

TEST_CASE("totals to the nearest minute", "[core][when]") {
  CHECK(format_hours_minutes(0) == "0m");
  CHECK(format_hours_minutes(29) == "0m");
  CHECK(format_hours_minutes(30) == "1m");
  CHECK(format_hours_minutes(3599) == "1h00m");
  CHECK(format_hours_minutes(3900) == "1h05m");
  CHECK(format_hours_minutes(1234 * 3600 + 600) == "1234h10m");
}

TEST_CASE("months, years and weekdays for ranges, and -1mo and -1y on the calendar",
          "[core][when]") {
  test::TzGuard tz("UTC0");
  // Now is Wednesday 2026-11-25 12:00.
  CHECK(iso("-1mo") == "2026-10-25T12:00:00+00:00");
  CHECK(iso("-1y") == "2025-11-25T12:00:00+00:00");
  CHECK(iso("-1y2d") == "2025-11-23T12:00:00+00:00");
  CHECK(iso("-2mo1w") == "2026-09-18T12:00:00+00:00");
  CHECK(iso("-90m") == "2026-11-25T10:30:00+00:00");  // m is still minutes
  // A day the month lacks is its last day: 31 March minus a month is 28 February.
  const std::int64_t march31 = 1774958400;  // 2026-03-31T12:00:00Z
  CHECK(format_iso(*parse_when("-1mo", march31, TimeRole::kPoint)) == "2026-02-28T12:00:00+00:00");
  CHECK(format_iso(*parse_when("-1y1mo", march31, TimeRole::kPoint)) ==
        "2025-02-28T12:00:00+00:00");

  CHECK(iso("2026-11", TimeRole::kRangeStart) == "2026-11-01T00:00:00+00:00");
  CHECK(iso("2026-11", TimeRole::kRangeEnd) == "2026-11-30T23:59:59+00:00");
  CHECK(iso("2024-02", TimeRole::kRangeEnd) == "2024-02-29T23:59:59+00:00");
  CHECK(iso("2026", TimeRole::kRangeStart) == "2026-01-01T00:00:00+00:00");
  CHECK(iso("2026", TimeRole::kRangeEnd) == "2026-12-31T23:59:59+00:00");
  CHECK(iso("monday", TimeRole::kRangeStart) == "2026-11-23T00:00:00+00:00");
  CHECK(iso("Mon", TimeRole::kRangeEnd) == "2026-11-23T23:59:59+00:00");
  CHECK(iso("wednesday", TimeRole::kRangeStart) == "2026-11-25T00:00:00+00:00");  // today
  CHECK(iso("thursday", TimeRole::kRangeStart) == "2026-11-19T00:00:00+00:00");
  CHECK(iso("sunday") == "2026-11-22T12:00:00+00:00");

  for (const char* bad : {"2026-13", "2026-00", "1969", "20261", "-1mon", "-1x", "moonday"}) {
    INFO(bad);
    CHECK_FALSE(parse_when(bad, kNow, TimeRole::kRangeStart).is_ok());
  }
  Result<Instant> point = parse_when("2026-11", kNow, TimeRole::kPoint);
  REQUIRE_FALSE(point.is_ok());
  CHECK_THAT(point.status().message(), Catch::Contains("range"));
}
