// Every analytic on small fixtures whose expected values are worked out by hand
// in the comments beside them.
#include <catch2/catch.hpp>

#include "core/analytics.hpp"
#include "core/when.hpp"

using namespace tend;

namespace {
// 2026-01-01 is day 20454 (56 years of 365 days plus 14 leap days since
// 1970-01-01); it was a Thursday, the first day of ISO week 2026-W01, whose
// Monday is 2025-12-29 (day 20451).
constexpr std::int64_t kMon = 20451;  // 2025-12-29
}  // namespace

TEST_CASE("days, weeks and months are the calendar's", "[analytics]") {
  CHECK(format_day(20454) == "2026-01-01");
  CHECK(period_key(20454, Grain::kDay) == "2026-01-01");
  CHECK(period_key(kMon, Grain::kWeek) == "2026-W01");  // ISO: the week of 1 January's Thursday
  CHECK(period_key(kMon, Grain::kMonth) == "2025-12");
  CHECK(period_start(20454, Grain::kWeek) == kMon);
  CHECK(period_start(20454, Grain::kMonth) == 20454);
  CHECK(period_start(kMon, Grain::kMonth) == 20423);  // 2025-12-01 = 20454 - 31
  CHECK(weekday_of(0) == 3);                          // 1970-01-01, a Thursday (Monday = 0)
  CHECK(weekday_of(-1) == 2);                         // 1969-12-31, a Wednesday
  CHECK(weekday_of(kMon) == 0);
}

TEST_CASE("mood per day, ISO week and month", "[analytics]") {
  // Mon 29 Dec: 4 and 6; Tue 30 Dec: 8; Thu 1 Jan: 3, 5, 7; Tue 6 Jan: 2.
  const std::vector<MoodDay> days = {
      {kMon, 2, 10, 4, 6}, {kMon + 1, 1, 8, 8, 8}, {kMon + 3, 3, 15, 3, 7}, {kMon + 8, 1, 2, 2, 2}};
  const auto daily = mood_periods(days, Grain::kDay);
  REQUIRE(daily.size() == 4);
  CHECK(daily[0].period == "2025-12-29");
  CHECK(daily[0].mean == Approx(5.0));  // (4 + 6) / 2
  CHECK(daily[2].mean == Approx(5.0));  // (3 + 5 + 7) / 3
  CHECK(daily[3].start == kMon + 8);

  const auto weekly = mood_periods(days, Grain::kWeek);
  REQUIRE(weekly.size() == 2);
  // 2026-W01 holds 29 Dec to 4 Jan: 6 entries on 3 days, (10 + 8 + 15) / 6 = 5.5, from 3 to 8.
  CHECK(weekly[0].period == "2026-W01");
  CHECK(weekly[0].entries == 6);
  CHECK(weekly[0].days == 3);
  CHECK(weekly[0].mean == Approx(5.5));
  CHECK(weekly[0].min == 3);
  CHECK(weekly[0].max == 8);
  CHECK(weekly[0].start == kMon);
  CHECK(weekly[1].period == "2026-W02");
  CHECK(weekly[1].mean == Approx(2.0));
  CHECK(weekly[1].start == kMon + 7);

  const auto monthly = mood_periods(days, Grain::kMonth);
  REQUIRE(monthly.size() == 2);
  // December: (10 + 8) / 3 = 6.0 on 2 days; January: (15 + 2) / 4 = 4.25, from 2 to 7.
  CHECK(monthly[0].period == "2025-12");
  CHECK(monthly[0].mean == Approx(6.0));
  CHECK(monthly[0].days == 2);
  CHECK(monthly[1].period == "2026-01");
  CHECK(monthly[1].entries == 4);
  CHECK(monthly[1].mean == Approx(4.25));
  CHECK(monthly[1].min == 2);
  CHECK(monthly[1].max == 7);
}

TEST_CASE("streaks: current ends today or yesterday, longest anywhere", "[analytics]") {
  const std::vector<std::int64_t> logged = {1, 2, 3, 4, 10, 12, 13, 14, 13};
  // Runs: 1..4 (4 days), 10 (1), 12..14 (3; 13 twice counts once).
  CHECK(mood_streaks(logged, 14).current == 3);
  CHECK(mood_streaks(logged, 15).current == 3);  // today not logged yet: up to yesterday
  CHECK(mood_streaks(logged, 16).current == 0);
  CHECK(mood_streaks(logged, 16).longest == 4);
  CHECK(mood_streaks({}, 16).longest == 0);
}

TEST_CASE("mood by hour of day and by tag", "[analytics]") {
  // 08h: 4 and 7 -> 2 entries, mean 5.5; 22h: 3 -> mean 3.
  const auto hours = mood_by_hour({{8, 4}, {8, 7}, {22, 3}, {24, 9}});
  CHECK(hours[8].entries == 2);
  CHECK(hours[8].mean == Approx(5.5));
  CHECK(hours[22].entries == 1);
  CHECK(hours[22].mean == Approx(3.0));
  CHECK(hours[0].entries == 0);  // and hour 24 is not an hour: ignored

  // work: 4, 6, 2 -> n 3, mean 4; sleep: 8 -> n 1, mean 8. Most used first.
  const auto tags = mood_by_tag({{"work", 4}, {"work", 6}, {"sleep", 8}, {"work", 2}});
  REQUIRE(tags.size() == 2);
  CHECK(tags[0].tag == "work");
  CHECK(tags[0].n == 3);
  CHECK(tags[0].mean == Approx(4.0));
  CHECK(tags[1].tag == "sleep");
  CHECK(tags[1].mean == Approx(8.0));
}

TEST_CASE("app minutes and sessions per period, share of days, time of day", "[analytics]") {
  const std::vector<AppDay> days = {{kMon, "A", 1, 600},
                                    {kMon + 1, "A", 2, 1200},
                                    {kMon + 1, "B", 1, 300},
                                    {kMon + 8, "A", 1, 60}};
  const auto weekly = app_periods(days, Grain::kWeek);
  REQUIRE(weekly.size() == 3);
  // W01: A 1 + 2 = 3 sessions, 600 + 1200 = 1800 s; B 1, 300 s. W02: A 1, 60 s.
  CHECK(weekly[0].period == "2026-W01");
  CHECK(weekly[0].app == "A");
  CHECK(weekly[0].sessions == 3);
  CHECK(weekly[0].seconds == 1800);
  CHECK(weekly[1].app == "B");
  CHECK(weekly[1].seconds == 300);
  CHECK(weekly[2].period == "2026-W02");
  CHECK(weekly[2].seconds == 60);
  CHECK(app_periods(days, Grain::kDay).size() == 4);
  CHECK(app_periods(days, Grain::kMonth).size() == 3);  // Dec A, Dec B, Jan A

  // Over the 10 days kMon..kMon+9: A on 3 of them (0.3), B on 1 (0.1); most time first.
  const auto shares = app_shares(days, kMon, kMon + 9);
  REQUIRE(shares.size() == 2);
  CHECK(shares[0].app == "A");
  CHECK(shares[0].sessions == 4);
  CHECK(shares[0].seconds == 1860);
  CHECK(shares[0].days_used == 3);
  CHECK(shares[0].share_of_days == Approx(0.3));
  CHECK(shares[1].share_of_days == Approx(0.1));
  CHECK(app_shares(days, kMon + 2, kMon + 9).size() == 1);  // B's day is outside

  // Monday 09h: 600 + 60 (two Mondays); Tuesday 09h: 1200.
  const WeekHours wh =
      app_week_hours({{kMon, 9, 1, 600}, {kMon + 1, 9, 2, 1200}, {kMon + 7, 9, 1, 60}});
  CHECK(wh[0][9] == 660);
  CHECK(wh[1][9] == 1200);
  CHECK(wh[2][9] == 0);
}

TEST_CASE("alliance: each app's scores as shares of their range, in time order", "[analytics]") {
  // A on day 1: 5 of 0..20 = 0.25; B on day 3: 3 of 1..5 = (3-1)/4 = 0.5; A on day 5: 10/20 = 0.5.
  const auto trends = alliance_trends({{5, "A", "tend-reflection", 10, 0, 20},
                                       {1, "A", "tend-reflection", 5, 0, 20},
                                       {3, "B", "x", 3, 1, 5}});
  REQUIRE(trends.size() == 2);
  CHECK(trends[0].about == "A");
  CHECK(trends[0].n == 2);
  CHECK(trends[0].first == Approx(0.25));
  CHECK(trends[0].last == Approx(0.5));
  CHECK(trends[0].mean == Approx(0.375));  // (0.25 + 0.5) / 2
  CHECK(trends[0].points.front().day == 1);
  CHECK(trends[1].about == "B");
  CHECK(trends[1].mean == Approx(0.5));
}

TEST_CASE("associations: means with and without, n, and a bootstrap interval", "[analytics]") {
  std::vector<DayMean> days;
  // Days 1..8 alternate 6 and 8 (mean 7); days 9..16 alternate 4 and 6 (mean 5).
  for (int d = 1; d <= 8; ++d) days.push_back({d, d % 2 == 1 ? 6.0 : 8.0});
  for (int d = 9; d <= 16; ++d) days.push_back({d, d % 2 == 1 ? 4.0 : 6.0});
  const std::vector<std::int64_t> on = {1, 2, 3, 4, 5, 6, 7, 8};
  const std::vector<std::int64_t> few = {1, 2, 3, 4, 5, 6};  // 6 days with: under the minimum
  const auto a = associations(days, {"app:A", "tag:few"}, {on, few});
  REQUIRE(a.size() == 1);
  CHECK(a[0].what == "app:A");
  CHECK(a[0].days_with == 8);
  CHECK(a[0].days_without == 8);
  CHECK(a[0].mean_with == Approx(7.0));
  CHECK(a[0].mean_without == Approx(5.0));
  CHECK(a[0].difference == Approx(2.0));
  // Resampled means stay within each side's range: with in [6, 8], without in [4, 6],
  // so the difference is within [0, 4]; the interval holds the observed 2.
  CHECK(a[0].low >= 0.0);
  CHECK(a[0].high <= 4.0);
  CHECK(a[0].low < 2.0);
  CHECK(a[0].high > 2.0);
  // Deterministic: the same data gives the same interval.
  const auto again = associations(days, {"app:A"}, {on});
  CHECK(again[0].low == a[0].low);
  CHECK(again[0].high == a[0].high);

  // Constant sides: every resample has the same means, so the interval is the point 2.
  const auto point = bootstrap_difference({7, 7, 7}, {5, 5}, 200, 1);
  CHECK(point.first == Approx(2.0));
  CHECK(point.second == Approx(2.0));
  CHECK(bootstrap_difference({}, {1}, 10, 1) == std::pair<double, double>{0, 0});
}
