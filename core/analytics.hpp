// Analytics: pure functions over the daily rollups and a few per-entry facts.
// No vault, no clock, no I/O: each is tested on fixtures worked out by hand
// (tests/core/analytics_test.cpp).
//
// Days are local calendar days as day numbers (days since 1970-01-01, as
// day_number() gives them); weeks are ISO weeks, months calendar months.
// Associations are associations: mean mood on days with and without
// something, never a claim that one causes the other.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tend {

// One day of mood, as the mood_day rollup holds it.
struct MoodDay {
  std::int64_t day = 0;
  std::int64_t entries = 0;
  std::int64_t score_sum = 0;
  int score_min = 0;
  int score_max = 0;
};

enum class Grain { kDay = 0, kWeek = 1, kMonth = 2 };

// "2026-11-25", "2026-W48" or "2026-11".
std::string period_key(std::int64_t day, Grain grain);
// The first day of the period holding `day` (a Monday for weeks).
std::int64_t period_start(std::int64_t day, Grain grain);

struct MoodPeriod {
  std::string period;
  std::int64_t start = 0;  // period_start()
  std::int64_t entries = 0;
  std::int64_t days = 0;  // days with at least one entry
  double mean = 0;        // of entries' scores
  int min = 0;
  int max = 0;
};
// Per period, in time order; periods without entries are left out.
std::vector<MoodPeriod> mood_periods(const std::vector<MoodDay>& days, Grain grain);

struct Streaks {
  std::int64_t current = 0;  // consecutive days logged, ending today or yesterday
  std::int64_t longest = 0;
};
// `logged` holds the days with an entry, in any order, repeats allowed.
Streaks mood_streaks(std::vector<std::int64_t> logged, std::int64_t today);

// Entries and mean score per local hour of the day.
struct HourMood {
  std::int64_t entries = 0;
  double mean = 0;
};
struct MoodAt {
  int hour = 0;  // 0..23, local
  int score = 0;
};
std::array<HourMood, 24> mood_by_hour(const std::vector<MoodAt>& entries);

struct TagMood {
  std::string tag;
  std::int64_t n = 0;  // entries with the tag
  double mean = 0;
};
struct TaggedScore {
  std::string tag;
  int score = 0;
};
// Per tag, most used first (then by name).
std::vector<TagMood> mood_by_tag(const std::vector<TaggedScore>& tagged);

// One app on one day, as the app_day rollup holds it.
struct AppDay {
  std::int64_t day = 0;
  std::string app;
  std::int64_t sessions = 0;
  std::int64_t seconds = 0;
};

struct AppPeriod {
  std::string period;
  std::int64_t start = 0;  // period_start()
  std::string app;
  std::int64_t sessions = 0;
  std::int64_t seconds = 0;
};
// Per period and app, in time order, then by app.
std::vector<AppPeriod> app_periods(const std::vector<AppDay>& days, Grain grain);

struct AppShare {
  std::string app;
  std::int64_t sessions = 0;
  std::int64_t seconds = 0;
  std::int64_t days_used = 0;
  double share_of_days = 0;  // days_used / days in the range
};
// Per app over days first..last (inclusive), most time first.
std::vector<AppShare> app_shares(const std::vector<AppDay>& days, std::int64_t first,
                                 std::int64_t last);

// App use by local hour of the day (a session counts in the hour it starts),
// as the app_hour rollup holds it.
struct AppHour {
  std::int64_t day = 0;
  int hour = 0;
  std::int64_t sessions = 0;
  std::int64_t seconds = 0;
};
// Seconds per weekday (0 Monday .. 6 Sunday) and hour.
using WeekHours = std::array<std::array<std::int64_t, 24>, 7>;
WeekHours app_week_hours(const std::vector<AppHour>& hours);
// Monday = 0 for a day number (1970-01-01 was a Thursday).
int weekday_of(std::int64_t day);

struct AlliancePoint {
  std::int64_t day = 0;
  std::string about;       // the app, or "tend"
  std::string instrument;  // its id
  double score = 0;
  double score_min = 0;
  double score_max = 0;
};
struct AllianceTrend {
  std::string about;
  std::string instrument;
  std::int64_t n = 0;
  double first = 0;                   // first score, as a share of its range (0..1)
  double last = 0;                    // last score, as a share of its range
  double mean = 0;                    // mean share
  std::vector<AlliancePoint> points;  // in time order
};
// Per (about, instrument), in order of first appearance; `points` in time order.
std::vector<AllianceTrend> alliance_trends(const std::vector<AlliancePoint>& points);

// Mean mood on days with versus without something (an app used, a tag written),
// over the days with mood entries. Shown only when each side has at least
// kMinAssociationDays days; the interval is a percentile bootstrap (95 %,
// kBootstrapResamples resamples of the days on each side, a fixed seed, so the
// same data gives the same interval).
constexpr std::int64_t kMinAssociationDays = 7;
// At most this many apps and this many tags are compared (those on the most days).
constexpr std::size_t kMaxAssociations = 20;
constexpr int kBootstrapResamples = 1000;

struct Association {
  std::string what;  // "app:Headspace" or "tag:work"
  std::int64_t days_with = 0;
  std::int64_t days_without = 0;
  double mean_with = 0;
  double mean_without = 0;
  double difference = 0;  // mean_with - mean_without
  double low = 0;         // 95 % bootstrap interval of the difference
  double high = 0;
};
struct DayMean {
  std::int64_t day = 0;
  double mean = 0;
};
// `days`: the mean mood of each day logged. `present[k]`: the days `names[k]`
// was there (any order). Associations for names with enough days on each side,
// in the order of `names`.
std::vector<Association> associations(const std::vector<DayMean>& days,
                                      const std::vector<std::string>& names,
                                      const std::vector<std::vector<std::int64_t>>& present);
// The percentile bootstrap of mean(a) - mean(b), deterministic for a seed.
std::pair<double, double> bootstrap_difference(const std::vector<double>& a,
                                               const std::vector<double>& b, int resamples,
                                               std::uint64_t seed);

}  // namespace tend
