#include "core/analytics.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "core/when.hpp"

namespace tend {

std::string period_key(std::int64_t day, Grain grain) {
  switch (grain) {
    case Grain::kWeek:
      return format_iso_week(day);
    case Grain::kMonth:
      return format_day(day).substr(0, 7);
    case Grain::kDay:
      break;
  }
  return format_day(day);
}

std::int64_t period_start(std::int64_t day, Grain grain) {
  switch (grain) {
    case Grain::kWeek:
      return day - weekday_of(day);
    case Grain::kMonth:
      return day - (std::stoi(format_day(day).substr(8, 2)) - 1);
    case Grain::kDay:
      break;
  }
  return day;
}

std::vector<MoodPeriod> mood_periods(const std::vector<MoodDay>& days, Grain grain) {
  struct Acc {
    std::int64_t first_day = 0, entries = 0, days = 0, sum = 0;
    int min = 0, max = 0;
  };
  std::map<std::string, Acc> acc;
  for (const MoodDay& d : days) {
    if (d.entries <= 0) continue;
    Acc& a = acc[period_key(d.day, grain)];
    if (a.entries == 0) {
      a.first_day = d.day;
      a.min = d.score_min;
      a.max = d.score_max;
    }
    a.first_day = std::min(a.first_day, d.day);
    a.entries += d.entries;
    a.days += 1;
    a.sum += d.score_sum;
    a.min = std::min(a.min, d.score_min);
    a.max = std::max(a.max, d.score_max);
  }
  std::vector<std::pair<std::int64_t, MoodPeriod>> out;
  for (const auto& [key, a] : acc) {
    out.push_back({a.first_day,
                   {key, period_start(a.first_day, grain), a.entries, a.days,
                    static_cast<double>(a.sum) / static_cast<double>(a.entries), a.min, a.max}});
  }
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<MoodPeriod> periods;
  for (auto& [day, p] : out) periods.push_back(std::move(p));
  return periods;
}

Streaks mood_streaks(std::vector<std::int64_t> logged, std::int64_t today) {
  std::sort(logged.begin(), logged.end());
  logged.erase(std::unique(logged.begin(), logged.end()), logged.end());
  Streaks s;
  std::int64_t run = 0;
  for (std::size_t i = 0; i < logged.size(); ++i) {
    run = i > 0 && logged[i] == logged[i - 1] + 1 ? run + 1 : 1;
    s.longest = std::max(s.longest, run);
  }
  // The current streak ends today, or yesterday when today has no entry yet.
  std::int64_t expect = std::binary_search(logged.begin(), logged.end(), today) ? today : today - 1;
  while (std::binary_search(logged.begin(), logged.end(), expect)) {
    ++s.current;
    --expect;
  }
  return s;
}

std::array<HourMood, 24> mood_by_hour(const std::vector<MoodAt>& entries) {
  std::array<HourMood, 24> out{};
  std::array<std::int64_t, 24> sums{};
  for (const MoodAt& e : entries) {
    if (e.hour < 0 || e.hour > 23) continue;
    const auto h = static_cast<std::size_t>(e.hour);
    ++out[h].entries;
    sums[h] += e.score;
  }
  for (std::size_t h = 0; h < 24; ++h) {
    if (out[h].entries > 0) {
      out[h].mean = static_cast<double>(sums[h]) / static_cast<double>(out[h].entries);
    }
  }
  return out;
}

std::vector<TagMood> mood_by_tag(const std::vector<TaggedScore>& tagged) {
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> acc;  // n, sum
  for (const TaggedScore& t : tagged) {
    auto& [n, sum] = acc[t.tag];
    ++n;
    sum += t.score;
  }
  std::vector<TagMood> out;
  for (const auto& [tag, ns] : acc) {
    out.push_back({tag, ns.first, static_cast<double>(ns.second) / static_cast<double>(ns.first)});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const TagMood& a, const TagMood& b) { return a.n > b.n; });
  return out;
}

std::vector<AppPeriod> app_periods(const std::vector<AppDay>& days, Grain grain) {
  // Years of daily rows: apps become small numbers, a period's key is made
  // once, and the sums are a sort and a merge rather than a tree of strings.
  std::map<std::string_view, int> index;
  std::vector<std::string_view> names;
  std::map<std::int64_t, std::string> keys;  // period start -> key
  struct Part {
    std::int64_t start;
    int app;
    std::int64_t sessions, seconds;
  };
  std::vector<Part> parts;
  parts.reserve(days.size());
  std::int64_t last_day = 0, start = 0;
  for (std::size_t k = 0; k < days.size(); ++k) {
    const AppDay& d = days[k];
    if (k == 0 || d.day != last_day) {
      last_day = d.day;
      start = period_start(d.day, grain);
      if (keys.count(start) == 0) keys.emplace(start, period_key(d.day, grain));
    }
    auto [it, fresh] = index.try_emplace(d.app, static_cast<int>(names.size()));
    if (fresh) names.push_back(d.app);
    parts.push_back({start, it->second, d.sessions, d.seconds});
  }
  // In time order, then by app name.
  std::vector<int> rank(names.size());
  {
    int r = 0;
    for (const auto& [name, at] : index) rank[static_cast<std::size_t>(at)] = r++;
  }
  std::sort(parts.begin(), parts.end(), [&](const Part& a, const Part& b) {
    return a.start != b.start
               ? a.start < b.start
               : rank[static_cast<std::size_t>(a.app)] < rank[static_cast<std::size_t>(b.app)];
  });
  std::vector<AppPeriod> out;
  for (const Part& p : parts) {
    if (!out.empty() && out.back().start == p.start &&
        out.back().app == names[static_cast<std::size_t>(p.app)]) {
      out.back().sessions += p.sessions;
      out.back().seconds += p.seconds;
      continue;
    }
    out.push_back({keys[p.start], p.start, std::string(names[static_cast<std::size_t>(p.app)]),
                   p.sessions, p.seconds});
  }
  return out;
}

std::vector<AppShare> app_shares(const std::vector<AppDay>& days, std::int64_t first,
                                 std::int64_t last) {
  std::map<std::string, AppShare> acc;
  std::map<std::string, std::set<std::int64_t>> used;
  for (const AppDay& d : days) {
    if (d.day < first || d.day > last) continue;
    AppShare& a = acc[d.app];
    a.app = d.app;
    a.sessions += d.sessions;
    a.seconds += d.seconds;
    if (d.sessions > 0) used[d.app].insert(d.day);
  }
  const double span = static_cast<double>(std::max<std::int64_t>(1, last - first + 1));
  std::vector<AppShare> out;
  for (auto& [app, a] : acc) {
    a.days_used = static_cast<std::int64_t>(used[app].size());
    a.share_of_days = static_cast<double>(a.days_used) / span;
    out.push_back(std::move(a));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const AppShare& a, const AppShare& b) { return a.seconds > b.seconds; });
  return out;
}

int weekday_of(std::int64_t day) {
  // Day 0 (1970-01-01) was a Thursday: Monday-based index 3.
  return static_cast<int>(((day % 7) + 7 + 3) % 7);
}

WeekHours app_week_hours(const std::vector<AppHour>& hours) {
  WeekHours out{};
  for (const AppHour& h : hours) {
    if (h.hour < 0 || h.hour > 23) continue;
    out[static_cast<std::size_t>(weekday_of(h.day))][static_cast<std::size_t>(h.hour)] += h.seconds;
  }
  return out;
}

std::vector<AllianceTrend> alliance_trends(const std::vector<AlliancePoint>& points) {
  std::vector<AllianceTrend> out;
  const auto share = [](const AlliancePoint& p) {
    return p.score_max > p.score_min ? (p.score - p.score_min) / (p.score_max - p.score_min) : 0.0;
  };
  std::vector<AlliancePoint> sorted = points;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const AlliancePoint& a, const AlliancePoint& b) { return a.day < b.day; });
  for (const AlliancePoint& p : sorted) {
    auto it = std::find_if(out.begin(), out.end(), [&](const AllianceTrend& t) {
      return t.about == p.about && t.instrument == p.instrument;
    });
    if (it == out.end()) {
      out.push_back({p.about, p.instrument, 0, share(p), 0, 0, {}});
      it = out.end() - 1;
    }
    it->points.push_back(p);
    ++it->n;
    it->last = share(p);
    it->mean += (share(p) - it->mean) / static_cast<double>(it->n);
  }
  return out;
}

namespace {

// splitmix64: small, fast, and the same sequence everywhere for a seed.
struct SplitMix {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Modulo: the bias is below n / 2^64, far under what a bootstrap can show.
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
};

double mean_of(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return v.empty() ? 0 : sum / static_cast<double>(v.size());
}

}  // namespace

std::pair<double, double> bootstrap_difference(const std::vector<double>& a,
                                               const std::vector<double>& b, int resamples,
                                               std::uint64_t seed) {
  if (a.empty() || b.empty() || resamples <= 0) return {0, 0};
  SplitMix rng{seed};
  std::vector<double> diffs(static_cast<std::size_t>(resamples));
  for (double& d : diffs) {
    double sa = 0, sb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) sa += a[rng.below(a.size())];
    for (std::size_t i = 0; i < b.size(); ++i) sb += b[rng.below(b.size())];
    d = sa / static_cast<double>(a.size()) - sb / static_cast<double>(b.size());
  }
  std::sort(diffs.begin(), diffs.end());
  const auto at = [&](double q) {
    const auto i = static_cast<std::size_t>(q * static_cast<double>(resamples));
    return diffs[std::min(i, diffs.size() - 1)];
  };
  return {at(0.025), at(0.975)};
}

std::vector<Association> associations(const std::vector<DayMean>& days,
                                      const std::vector<std::string>& names,
                                      const std::vector<std::vector<std::int64_t>>& present) {
  std::vector<Association> out;
  for (std::size_t k = 0; k < names.size() && k < present.size(); ++k) {
    std::set<std::int64_t> on(present[k].begin(), present[k].end());
    std::vector<double> with, without;
    for (const DayMean& d : days) (on.count(d.day) > 0 ? with : without).push_back(d.mean);
    if (static_cast<std::int64_t>(with.size()) < kMinAssociationDays ||
        static_cast<std::int64_t>(without.size()) < kMinAssociationDays) {
      continue;
    }
    Association a;
    a.what = names[k];
    a.days_with = static_cast<std::int64_t>(with.size());
    a.days_without = static_cast<std::int64_t>(without.size());
    a.mean_with = mean_of(with);
    a.mean_without = mean_of(without);
    a.difference = a.mean_with - a.mean_without;
    // The seed depends only on what is compared, so a report is reproducible.
    std::uint64_t seed = 0xC0FFEE;
    for (char c : names[k]) seed = seed * 131 + static_cast<unsigned char>(c);
    std::tie(a.low, a.high) = bootstrap_difference(with, without, kBootstrapResamples, seed);
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace tend
