#include "core/report.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/app_use.hpp"
#include "core/audit.hpp"
#include "core/fs.hpp"
#include "core/text.hpp"
#include "core/when.hpp"

namespace tend {
namespace {

struct Window {
  std::int64_t first = 0, last = 0;  // days
  std::int64_t lo = 0, hi = 0;       // `at` bounds that hold every row of those days
};

Window window_of(const ReportRequest& r, std::int64_t now) {
  Window w;
  w.last = day_number(local_instant(r.until.value_or(now)));
  w.first = r.from ? day_number(local_instant(*r.from)) : w.last - (kDefaultReportDays - 1);
  // Offsets are within +-18 h, so rows of these days lie within these bounds.
  w.lo = w.first * 86400 - 64800;
  w.hi = (w.last + 1) * 86400 + 64800;
  return w;
}

// More rows a day than anyone writes or imports; it bounds every sum below.
constexpr std::int64_t kMaxRowsPerDay = 1000000;

Status damaged_rollup(std::string_view what, std::int64_t day) {
  return corrupt(
      fmt::format("the {} rollup of {} holds numbers no entries could make", what, format_day(day)),
      "run tend check");
}

Status load_mood(Db& db, const Window& w, Report& r, std::vector<DayMean>* day_means,
                 std::map<std::string, std::vector<std::int64_t>>* tag_days) {
  Result<Statement> st = db.prepare(
      "SELECT day, entries, score_sum, score_min, score_max FROM mood_day"
      " WHERE day BETWEEN ? AND ? AND entries > 0 ORDER BY day;");
  if (!st.is_ok()) return st.status();
  st->bind(1, w.first).bind(2, w.last);
  std::vector<MoodDay> days;
  std::int64_t sum = 0;
  for (;;) {
    Result<bool> row = st->step();
    if (!row.is_ok()) return row.status();
    if (!*row) break;
    MoodDay d{st->int64(0), st->int64(1), st->int64(2), static_cast<int>(st->int64(3)),
              static_cast<int>(st->int64(4))};
    // The rollups are the vault's; a row no entries could make is damage, not a number.
    if (d.entries < 1 || d.entries > kMaxRowsPerDay || d.score_sum < d.entries ||
        d.score_sum > 10 * d.entries || d.score_min < 1 || d.score_max > 10) {
      return damaged_rollup("mood", d.day);
    }
    r.mood_min = r.mood_entries == 0 ? d.score_min : std::min(r.mood_min, d.score_min);
    r.mood_max = std::max(r.mood_max, d.score_max);
    r.mood_entries += d.entries;
    sum += d.score_sum;
    day_means->push_back(
        {d.day, static_cast<double>(d.score_sum) / static_cast<double>(d.entries)});
    days.push_back(d);
  }
  if (r.mood_entries > 0)
    r.mood_mean = static_cast<double>(sum) / static_cast<double>(r.mood_entries);
  r.mood_daily = mood_periods(days, Grain::kDay);
  r.mood_weekly = mood_periods(days, Grain::kWeek);
  r.mood_monthly = mood_periods(days, Grain::kMonth);
  std::vector<std::int64_t> logged;
  for (const MoodDay& d : days) logged.push_back(d.day);
  r.streaks = mood_streaks(logged, std::min(r.today, w.last));

  // Time of day and tags in one pass over the window's rows (through the `at`
  // index; each row's tags through mood_tag's key), so each page is read once.
  st = db.prepare(
      "SELECT m.at, m.utc_offset, m.score,"
      " (SELECT group_concat(tag, ',') FROM mood_tag t WHERE t.mood_id = m.id)"
      " FROM mood m WHERE m.at BETWEEN ? AND ?;");
  if (!st.is_ok()) return st.status();
  st->bind(1, w.lo).bind(2, w.hi);
  std::vector<MoodAt> at;
  std::vector<TaggedScore> tagged;
  for (;;) {
    Result<bool> row = st->step();
    if (!row.is_ok()) return row.status();
    if (!*row) break;
    const Instant i{st->int64(0), static_cast<std::int32_t>(st->int64(1))};
    const std::int64_t day = day_number(i);
    if (day < w.first || day > w.last) continue;
    const std::int64_t local = i.utc + i.offset_s - day * 86400;
    const int score = static_cast<int>(st->int64(2));
    at.push_back({static_cast<int>(local / 3600), score});
    if (st->is_null(3)) continue;
    const std::string tags = st->text(3);
    std::string_view rest = tags;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      std::string tag(rest.substr(0, comma));
      (*tag_days)[tag].push_back(day);
      tagged.push_back({std::move(tag), score});
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  r.mood_hours = mood_by_hour(at);

  r.tags = mood_by_tag(tagged);
  return Status::ok();
}

Status load_apps(Db& db, const Window& w, Report& r,
                 std::map<std::string, std::vector<std::int64_t>>* app_days) {
  Result<Statement> st = db.prepare(
      "SELECT day, app, sessions, seconds FROM app_day WHERE day BETWEEN ? AND ? AND sessions > 0"
      " ORDER BY day, app;");
  if (!st.is_ok()) return st.status();
  st->bind(1, w.first).bind(2, w.last);
  std::vector<AppDay> days;
  // A guess that saves regrowing years of rows: a dozen apps a day.
  days.reserve(static_cast<std::size_t>(std::min<std::int64_t>(w.last - w.first + 1, 4000)) * 12);
  // Names that differ only in case are one app, named as first seen (as in app list --by app).
  std::map<std::string, std::string> names;        // folded -> shown
  std::map<std::string, const std::string*> seen;  // as stored -> shown
  for (;;) {
    Result<bool> row = st->step();
    if (!row.is_ok()) return row.status();
    if (!*row) break;
    const std::string app = st->text(1);
    auto known = seen.find(app);
    if (known == seen.end()) {
      const std::string& shown = names.try_emplace(fold_case(app), app).first->second;
      known = seen.emplace(app, &shown).first;
    }
    const std::string& name = *known->second;
    AppDay d{st->int64(0), name, st->int64(2), st->int64(3)};
    if (d.sessions < 1 || d.sessions > kMaxRowsPerDay || d.seconds < d.sessions ||
        d.seconds > 86400 * d.sessions) {
      return damaged_rollup("app", d.day);
    }
    r.app_sessions += d.sessions;
    r.app_seconds += d.seconds;
    (*app_days)[d.app].push_back(d.day);
    days.push_back(std::move(d));
  }
  r.apps = app_shares(days, w.first, w.last);
  r.app_daily = app_periods(days, Grain::kDay);
  r.app_weekly = app_periods(days, Grain::kWeek);
  r.app_monthly = app_periods(days, Grain::kMonth);

  st = db.prepare("SELECT day, hour, sessions, seconds FROM app_hour WHERE day BETWEEN ? AND ?;");
  if (!st.is_ok()) return st.status();
  st->bind(1, w.first).bind(2, w.last);
  std::vector<AppHour> hours;
  hours.reserve(static_cast<std::size_t>(std::min<std::int64_t>(w.last - w.first + 1, 4000)) * 24);
  for (;;) {
    Result<bool> row = st->step();
    if (!row.is_ok()) return row.status();
    if (!*row) break;
    AppHour h{st->int64(0), static_cast<int>(st->int64(1)), st->int64(2), st->int64(3)};
    if (h.sessions < 1 || h.sessions > kMaxRowsPerDay || h.seconds < h.sessions ||
        h.seconds > 86400 * h.sessions) {
      return damaged_rollup("app hour", h.day);
    }
    if (h.hour >= 0 && h.hour < 24)
      r.app_hour_seconds[static_cast<std::size_t>(h.hour)] += h.seconds;
    hours.push_back(h);
  }
  r.app_week_hours = app_week_hours(hours);
  return Status::ok();
}

Status load_alliance(Db& db, const Window& w, Report& r) {
  Result<Statement> st = db.prepare(
      "SELECT at, utc_offset, coalesce(app, 'tend'), instrument_id, score, score_min, score_max"
      " FROM checkin WHERE at BETWEEN ? AND ? ORDER BY at, id;");
  if (!st.is_ok()) return st.status();
  st->bind(1, w.lo).bind(2, w.hi);
  std::vector<AlliancePoint> points;
  for (;;) {
    Result<bool> row = st->step();
    if (!row.is_ok()) return row.status();
    if (!*row) break;
    const std::int64_t day = day_number({st->int64(0), static_cast<std::int32_t>(st->int64(1))});
    if (day < w.first || day > w.last) continue;
    const double score = st->real(4), lo = st->real(5), hi = st->real(6);
    if (!std::isfinite(score) || !std::isfinite(lo) || !std::isfinite(hi) || lo > hi ||
        score < lo || score > hi || std::abs(lo) > 1e9 || std::abs(hi) > 1e9) {
      return corrupt("a check-in's score is outside its range", "run tend check");
    }
    points.push_back({day, st->text(2), st->text(3), score, lo, hi});
  }
  r.checkins = static_cast<std::int64_t>(points.size());
  r.alliance = alliance_trends(points);
  return Status::ok();
}

double round2(double v) {
  return std::round(v * 100.0) / 100.0;
}

// ---- HTML

std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Mood 1..10 on a colour-blind-safe ramp (viridis, ten steps).
const char* mood_colour(double mood) {
  static const char* kRamp[] = {"#440154", "#482878", "#3e4989", "#31688e", "#26828e",
                                "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"};
  const int i = std::clamp(static_cast<int>(std::lround(mood)), 1, 10) - 1;
  return kRamp[i];
}

const char* series_colour(std::size_t i) {
  static const char* kSeries[] = {"#0072b2", "#e69f00", "#009e73", "#cc79a7",
                                  "#56b4e9", "#d55e00", "#999999"};
  return kSeries[i % 7];
}

std::string no_data(int width, int height, std::string_view what) {
  return fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" class=\"muted\">{}</text>",
                     width / 2, height / 2, esc(what));
}

constexpr int kW = 760;  // every chart's width, in SVG units

std::string svg_open(std::string_view id, int height, std::string_view label) {
  return fmt::format("<svg id=\"chart-{}\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\">",
                     id, kW, height, esc(label));
}

std::string chart_mood(const Report& r) {
  constexpr int H = 230, L = 36, R = 10, T = 10, B = 30;
  std::string svg = svg_open("mood", H, "Mood over time: daily means and weekly means");
  const double span = static_cast<double>(std::max<std::int64_t>(1, r.last_day - r.first_day));
  const auto x = [&](std::int64_t day) {
    return L + (kW - L - R) * static_cast<double>(day - r.first_day) / span;
  };
  const auto y = [&](double mood) { return T + (H - T - B) * (10.0 - mood) / 9.0; };
  for (int m : {1, 4, 7, 10}) {
    svg += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" class=\"grid\"/>"
        "<text x=\"{}\" y=\"{:.1f}\" class=\"axis\" text-anchor=\"end\">{}</text>",
        L, kW - R, y(m), y(m), L - 6, y(m) + 4, m);
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\" class=\"axis\">{}</text>", L, H - 8,
                     format_day(r.first_day));
  svg += fmt::format("<text x=\"{}\" y=\"{}\" class=\"axis\" text-anchor=\"end\">{}</text>", kW - R,
                     H - 8, format_day(r.last_day));
  if (r.mood_daily.empty())
    return svg + no_data(kW, H, "No mood entries in this window") + "</svg>";
  for (const MoodPeriod& p : r.mood_daily) {
    svg += fmt::format(
        "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2\" fill=\"{}\"><title>{}: "
        "{:.1f}</title></circle>",
        x(p.start), y(p.mean), mood_colour(p.mean), p.period, p.mean);
  }
  std::string line;
  for (const MoodPeriod& p : r.mood_weekly) {
    line += fmt::format("{:.1f},{:.1f} ", x(std::max(p.start, r.first_day) + 3), y(p.mean));
  }
  svg += fmt::format("<polyline points=\"{}\" class=\"trend\"/>", line);
  return svg + "</svg>";
}

// A year in pixels: one square a day for the last 53 weeks of the window,
// coloured by the day's mean mood; weeks are columns, Monday on top.
std::string chart_calendar(const Report& r) {
  constexpr int C = 13, L = 30, T = 18, H = T + 7 * C + 30;
  std::string svg = svg_open("calendar", H, "A year in pixels: each day's mean mood");
  const std::int64_t last_week = r.last_day - weekday_of(r.last_day);
  const std::int64_t first_shown = last_week - 52 * 7;
  std::map<std::int64_t, double> mean;
  for (const MoodPeriod& p : r.mood_daily) mean[p.start] = p.mean;
  static const char* kDays[] = {"Mon", "", "Wed", "", "Fri", "", "Sun"};
  for (int d = 0; d < 7; d += 2) {
    svg += fmt::format("<text x=\"{}\" y=\"{}\" class=\"axis\" text-anchor=\"end\">{}</text>",
                       L - 4, T + d * C + 10, kDays[d]);
  }
  for (std::int64_t day = std::max(first_shown, r.first_day); day <= r.last_day; ++day) {
    const std::int64_t col = (day - first_shown) / 7;
    const int row = weekday_of(day);
    const std::string date = format_day(day);
    if (date.substr(8) == "01") {
      svg += fmt::format("<text x=\"{}\" y=\"{}\" class=\"axis\">{}</text>", L + col * C, T - 6,
                         date.substr(0, 7));
    }
    const auto it = mean.find(day);
    svg += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"2\" "
        "fill=\"{}\"><title>{}{}</title></rect>",
        L + col * C, T + row * C, C - 2, C - 2,
        it == mean.end() ? "#e8e8e8" : mood_colour(it->second), date,
        it == mean.end() ? std::string() : fmt::format(": {:.1f}", it->second));
  }
  for (int m = 1; m <= 10; ++m) {
    svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>",
                       L + (m - 1) * C, T + 7 * C + 10, C - 2, C - 2, mood_colour(m));
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\" class=\"axis\">mood 1 to 10; grey: no entry</text>",
                     L + 10 * C + 6, T + 7 * C + 20);
  return svg + "</svg>";
}

// A row of colour keys along a chart's foot, one per series, names cut to `max_chars`.
std::string legend(const std::vector<std::string>& names, int height, std::size_t max_chars) {
  std::string svg;
  double lx = 44;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string name = names[i].substr(0, max_chars);
    svg += fmt::format(
        "<rect x=\"{:.0f}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/>"
        "<text x=\"{:.0f}\" y=\"{}\" class=\"axis\">{}</text>",
        lx, height - 22, series_colour(i), lx + 14, height - 13, esc(name));
    lx += 24 + 7.0 * static_cast<double>(name.size());
  }
  return svg;
}

// Minutes per week, stacked by app (the five most used, then the rest).
std::string chart_apps(const Report& r) {
  constexpr int H = 240, L = 44, R = 10, T = 10, B = 46;
  std::string svg = svg_open("apps", H, "App minutes per week");
  if (r.app_weekly.empty()) return svg + no_data(kW, H, "No app use in this window") + "</svg>";
  std::vector<std::string> top;
  for (const AppShare& a : r.apps) {
    if (top.size() < 5) top.push_back(a.app);
  }
  std::map<std::int64_t, std::vector<double>> weeks;  // start -> minutes per series
  for (const AppPeriod& p : r.app_weekly) {
    auto& v = weeks[p.start];
    v.resize(top.size() + 1);
    const auto it = std::find(top.begin(), top.end(), p.app);
    v[static_cast<std::size_t>(it - top.begin())] += static_cast<double>(p.seconds) / 60.0;
  }
  double most = 1;
  for (const auto& [w, v] : weeks) {
    double sum = 0;
    for (double m : v) sum += m;
    most = std::max(most, sum);
  }
  const std::int64_t first = r.first_day - weekday_of(r.first_day);
  const double n = static_cast<double>((r.last_day - first) / 7 + 1);
  const double bw = (kW - L - R) / n;
  const auto y = [&](double minutes) { return T + (H - T - B) * (1.0 - minutes / most); };
  svg += fmt::format(
      "<text x=\"{}\" y=\"{:.1f}\" class=\"axis\" text-anchor=\"end\">{:.0f}</text>"
      "<text x=\"{}\" y=\"{:.1f}\" class=\"axis\" text-anchor=\"end\">0</text>",
      L - 4, y(most) + 4, most, L - 4, y(0) + 4);
  for (const auto& [start, v] : weeks) {
    const double bx = L + bw * static_cast<double>((start - first) / 7);
    double base = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i] <= 0) continue;
      svg += fmt::format(
          "<rect x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\" "
          "fill=\"{}\"><title>{} {}: {:.0f} min</title></rect>",
          bx, y(base + v[i]), std::max(0.5, bw - 1), y(base) - y(base + v[i]), series_colour(i),
          format_iso_week(start), esc(i < top.size() ? top[i] : "other apps"), v[i]);
      base += v[i];
    }
  }
  std::vector<std::string> names = top;
  names.emplace_back("other apps");
  return svg + legend(names, H, 24) + "</svg>";
}

// Each alliance series as a share of its instrument's range, over time.
std::string chart_alliance(const Report& r) {
  constexpr int H = 220, L = 44, R = 10, T = 10, B = 46;
  std::string svg = svg_open("alliance", H, "Alliance check-ins per app, as a share of the scale");
  if (r.alliance.empty()) {
    return svg + no_data(kW, H, "No alliance check-ins in this window (tend checkin)") + "</svg>";
  }
  const double span = static_cast<double>(std::max<std::int64_t>(1, r.last_day - r.first_day));
  const auto x = [&](std::int64_t day) {
    return L + (kW - L - R) * static_cast<double>(day - r.first_day) / span;
  };
  const auto y = [&](double share) { return T + (H - T - B) * (1.0 - share); };
  for (int pct : {0, 50, 100}) {
    svg += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" class=\"grid\"/>"
        "<text x=\"{}\" y=\"{:.1f}\" class=\"axis\" text-anchor=\"end\">{}%</text>",
        L, kW - R, y(pct / 100.0), y(pct / 100.0), L - 4, y(pct / 100.0) + 4, pct);
  }
  std::vector<std::string> names;
  for (std::size_t i = 0; i < r.alliance.size(); ++i) {
    const AllianceTrend& t = r.alliance[i];
    std::string line;
    for (const AlliancePoint& p : t.points) {
      const double share =
          p.score_max > p.score_min ? (p.score - p.score_min) / (p.score_max - p.score_min) : 0;
      line += fmt::format("{:.1f},{:.1f} ", x(p.day), y(share));
      svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"/>", x(p.day),
                         y(share), series_colour(i));
    }
    svg += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>",
                       line, series_colour(i));
    names.push_back(t.about + " (" + t.instrument + ")");
  }
  return svg + legend(names, H, 40) + "</svg>";
}

// App minutes by weekday and hour; the mood row below shows the mean mood per hour.
std::string chart_heatmap(const Report& r) {
  constexpr int C = 26, L = 40, T = 20, H = T + 9 * C + 10;
  std::string svg =
      svg_open("heatmap", H, "Time of day: app minutes by weekday and hour, and mood by hour");
  std::int64_t most = 1;
  for (const auto& row : r.app_week_hours) {
    for (std::int64_t s : row) most = std::max(most, s);
  }
  static const char* kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  for (int h = 0; h < 24; h += 3) {
    svg += fmt::format("<text x=\"{}\" y=\"{}\" class=\"axis\">{:02}h</text>", L + h * C, T - 6, h);
  }
  for (std::size_t d = 0; d < 7; ++d) {
    svg += fmt::format("<text x=\"{}\" y=\"{}\" class=\"axis\" text-anchor=\"end\">{}</text>",
                       L - 4, T + static_cast<int>(d) * C + 17, kDays[d]);
    for (std::size_t h = 0; h < 24; ++h) {
      const std::int64_t s = r.app_week_hours[d][h];
      const double a =
          s == 0 ? 0.0 : 0.15 + 0.85 * static_cast<double>(s) / static_cast<double>(most);
      svg += fmt::format(
          "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#0072b2\" "
          "fill-opacity=\"{:.2f}\" "
          "stroke=\"#ddd\"><title>{} {:02}h: {} min</title></rect>",
          L + static_cast<int>(h) * C, T + static_cast<int>(d) * C, C - 2, C - 2, a, kDays[d], h,
          (s + 30) / 60);
    }
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\" class=\"axis\" text-anchor=\"end\">mood</text>",
                     L - 4, T + 8 * C + 7);
  for (std::size_t h = 0; h < 24; ++h) {
    const HourMood& m = r.mood_hours[h];
    svg += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{:02}h: "
        "{}</title></rect>",
        L + static_cast<int>(h) * C, T + 7 * C + 10, C - 2, C - 2,
        m.entries == 0 ? "#e8e8e8" : mood_colour(m.mean), h,
        m.entries == 0 ? std::string("no entries")
                       : fmt::format("mean {:.1f} of {} entries", m.mean, m.entries));
  }
  return svg + "</svg>";
}

const char* kStyle = R"css(
body{font:15px/1.45 system-ui,"DejaVu Sans",sans-serif;color:#1b1b1b;background:#fff;max-width:800px;margin:24px auto;padding:0 16px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 6px;border-bottom:1px solid #ddd;padding-bottom:4px}
.muted,.note{color:#666}.note{font-size:13px}figure{margin:8px 0 16px}figcaption{font-size:13px;color:#555;margin-bottom:4px}
svg{width:100%;height:auto;display:block}svg text{font:11px system-ui,"DejaVu Sans",sans-serif;fill:#444}
.grid{stroke:#e5e5e5;stroke-width:1}.trend{fill:none;stroke:#d55e00;stroke-width:2}
table{border-collapse:collapse;font-size:14px;margin:6px 0}td,th{padding:3px 10px;text-align:left;border-bottom:1px solid #eee}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:120px}
.card b{display:block;font-size:20px}
@media print{body{margin:0;max-width:none;font-size:12px}h2{break-after:avoid}figure,table{break-inside:avoid}}
)css";

}  // namespace

Result<Report> build_report(Db& db, const ReportRequest& request, std::int64_t now) {
  const Window w = window_of(request, now);
  if (w.first > w.last) return usage_error("--from is later than --until");
  Report r;
  r.first_day = w.first;
  r.last_day = w.last;
  r.today = day_number(local_instant(now));
  std::vector<DayMean> day_means;
  std::map<std::string, std::vector<std::int64_t>> tag_days, app_days;
  if (Status s = load_mood(db, w, r, &day_means, &tag_days); !s.is_ok()) return s;
  if (Status s = load_apps(db, w, r, &app_days); !s.is_ok()) return s;
  if (Status s = load_alliance(db, w, r); !s.is_ok()) return s;
  // The kMaxAssociations apps and tags used on the most days are compared:
  // the bootstrap's cost grows with each, and a long tail of rare ones would
  // rarely reach the minimum of days anyway.
  std::vector<std::string> names;
  std::vector<std::vector<std::int64_t>> present;
  const auto add_top = [&](std::map<std::string, std::vector<std::int64_t>>& days,
                           std::string_view prefix) {
    std::vector<std::pair<std::size_t, std::string>> by_days;
    for (auto& [name, list] : days) {
      std::sort(list.begin(), list.end());
      list.erase(std::unique(list.begin(), list.end()), list.end());
      by_days.emplace_back(list.size(), name);
    }
    std::stable_sort(by_days.begin(), by_days.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t i = 0; i < by_days.size() && i < kMaxAssociations; ++i) {
      names.push_back(std::string(prefix) + by_days[i].second);
      present.push_back(days[by_days[i].second]);
    }
  };
  add_top(app_days, "app:");
  add_top(tag_days, "tag:");
  r.associations = associations(day_means, names, present);
  return r;
}

Json report_json(const Report& r) {
  Json mood_periods_json[3];
  const std::vector<MoodPeriod>* mood[] = {&r.mood_daily, &r.mood_weekly, &r.mood_monthly};
  const char* keys[] = {"date", "week", "month"};
  for (int g = 0; g < 3; ++g) {
    mood_periods_json[g] = Json::array();
    for (const MoodPeriod& p : *mood[g]) {
      mood_periods_json[g].push_back({{keys[g], p.period},
                                      {"entries", p.entries},
                                      {"days_logged", p.days},
                                      {"mean", round2(p.mean)},
                                      {"min", p.min},
                                      {"max", p.max}});
    }
  }
  Json hours = Json::array();
  for (std::size_t h = 0; h < 24; ++h) {
    hours.push_back(
        {{"hour", h},
         {"entries", r.mood_hours[h].entries},
         {"mean", r.mood_hours[h].entries ? Json(round2(r.mood_hours[h].mean)) : Json(nullptr)}});
  }
  Json tags = Json::array();
  for (const TagMood& t : r.tags)
    tags.push_back({{"tag", t.tag}, {"n", t.n}, {"mean", round2(t.mean)}});
  Json apps = Json::array();
  for (const AppShare& a : r.apps) {
    apps.push_back({{"app", a.app},
                    {"sessions", a.sessions},
                    {"minutes", (a.seconds + 30) / 60},
                    {"seconds", a.seconds},
                    {"days_used", a.days_used},
                    {"share_of_days", round2(a.share_of_days)}});
  }
  Json app_periods_json[3];
  const std::vector<AppPeriod>* app[] = {&r.app_daily, &r.app_weekly, &r.app_monthly};
  for (int g = 0; g < 3; ++g) {
    app_periods_json[g] = Json::array();
    for (const AppPeriod& p : *app[g]) {
      app_periods_json[g].push_back({{keys[g], p.period},
                                     {"app", p.app},
                                     {"sessions", p.sessions},
                                     {"minutes", (p.seconds + 30) / 60}});
    }
  }
  Json app_hours = Json::array();
  for (std::size_t h = 0; h < 24; ++h) {
    app_hours.push_back({{"hour", h}, {"minutes", (r.app_hour_seconds[h] + 30) / 60}});
  }
  Json week_hours = Json::array();
  for (const auto& row : r.app_week_hours) {
    Json m = Json::array();
    for (std::int64_t s : row) m.push_back((s + 30) / 60);
    week_hours.push_back(std::move(m));
  }
  Json alliance = Json::array();
  for (const AllianceTrend& t : r.alliance) {
    Json points = Json::array();
    for (const AlliancePoint& p : t.points) {
      points.push_back({{"date", format_day(p.day)},
                        {"score", round2(p.score)},
                        {"score_min", p.score_min},
                        {"score_max", p.score_max}});
    }
    alliance.push_back({{"about", t.about},
                        {"instrument", t.instrument},
                        {"n", t.n},
                        {"first_share", round2(t.first)},
                        {"last_share", round2(t.last)},
                        {"mean_share", round2(t.mean)},
                        {"points", std::move(points)}});
  }
  Json assoc = Json::array();
  for (const Association& a : r.associations) {
    assoc.push_back({{"what", a.what},
                     {"days_with", a.days_with},
                     {"days_without", a.days_without},
                     {"mean_with", round2(a.mean_with)},
                     {"mean_without", round2(a.mean_without)},
                     {"difference", round2(a.difference)},
                     {"interval_95", {round2(a.low), round2(a.high)}}});
  }
  return {{"from", format_day(r.first_day)},
          {"until", format_day(r.last_day)},
          {"days", r.last_day - r.first_day + 1},
          {"mood",
           {{"entries", r.mood_entries},
            {"days_logged", static_cast<std::int64_t>(r.mood_daily.size())},
            {"mean", r.mood_entries ? Json(round2(r.mood_mean)) : Json(nullptr)},
            {"min", r.mood_entries ? Json(r.mood_min) : Json(nullptr)},
            {"max", r.mood_entries ? Json(r.mood_max) : Json(nullptr)},
            {"current_streak_days", r.streaks.current},
            {"longest_streak_days", r.streaks.longest},
            {"daily", std::move(mood_periods_json[0])},
            {"weekly", std::move(mood_periods_json[1])},
            {"monthly", std::move(mood_periods_json[2])},
            {"by_hour", std::move(hours)},
            {"by_tag", std::move(tags)}}},
          {"apps",
           {{"sessions", r.app_sessions},
            {"minutes", (r.app_seconds + 30) / 60},
            {"by_app", std::move(apps)},
            {"daily", std::move(app_periods_json[0])},
            {"weekly", std::move(app_periods_json[1])},
            {"monthly", std::move(app_periods_json[2])},
            {"by_hour", std::move(app_hours)},
            {"by_weekday_hour", std::move(week_hours)}}},
          {"alliance", {{"checkins", r.checkins}, {"trends", std::move(alliance)}}},
          {"associations",
           {{"min_days_each_side", kMinAssociationDays},
            {"bootstrap_resamples", kBootstrapResamples},
            {"items", std::move(assoc)}}}};
}

std::string report_html(const Report& r, std::int64_t now) {
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
       "'unsafe-inline'; img-src data:\">\n"
       "<meta name=\"referrer\" content=\"no-referrer\">\n"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += fmt::format("<title>tend report {} to {}</title>\n<style>{}</style></head><body>\n",
                   format_day(r.first_day), format_day(r.last_day), kStyle);
  h += fmt::format(
      "<h1>Your tend report</h1><p class=\"muted\">{} to {} ({} days). Made on {} from your "
      "own vault. This file is plaintext health data: keep it private.</p>\n",
      format_day(r.first_day), format_day(r.last_day), r.last_day - r.first_day + 1,
      format_local(now), "");
  h += "<div class=\"cards\">";
  const auto card = [&](std::string_view label, std::string value) {
    h += fmt::format("<div class=\"card\"><b>{}</b>{}</div>", esc(value), esc(label));
  };
  card("mood entries", std::to_string(r.mood_entries));
  card("mean mood", r.mood_entries ? fmt::format("{:.1f}", r.mood_mean) : "-");
  card("days logged", std::to_string(r.mood_daily.size()));
  card("current streak", fmt::format("{} d", r.streaks.current));
  card("longest streak", fmt::format("{} d", r.streaks.longest));
  card("app time", format_hours_minutes(r.app_seconds));
  card("check-ins", std::to_string(r.checkins));
  h += "</div>\n";

  h += "<h2>Mood over time</h2><figure><figcaption>Each day's mean mood (dots) and each week's "
       "(line).</figcaption>" +
       chart_mood(r) + "</figure>\n";
  h += "<h2>A year in pixels</h2><figure><figcaption>The last 53 weeks of the window, one square "
       "a day.</figcaption>" +
       chart_calendar(r) + "</figure>\n";
  if (!r.mood_weekly.empty()) {
    h += "<table><tr><th>week</th><th class=\"n\">entries</th><th class=\"n\">mean</th>"
         "<th class=\"n\">min</th><th class=\"n\">max</th></tr>";
    const std::size_t from = r.mood_weekly.size() > 8 ? r.mood_weekly.size() - 8 : 0;
    for (std::size_t i = from; i < r.mood_weekly.size(); ++i) {
      const MoodPeriod& p = r.mood_weekly[i];
      h += fmt::format(
          "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{:.1f}</td><td "
          "class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
          p.period, p.entries, p.mean, p.min, p.max);
    }
    h += "</table><p class=\"note\">The last eight weeks.</p>\n";
  }
  h += "<h2>Apps</h2><figure><figcaption>Minutes per week, by app.</figcaption>" + chart_apps(r) +
       "</figure>\n";
  if (!r.apps.empty()) {
    h += "<table><tr><th>app</th><th class=\"n\">time</th><th class=\"n\">sessions</th>"
         "<th class=\"n\">days used</th></tr>";
    for (const AppShare& a : r.apps) {
      h += fmt::format(
          "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td "
          "class=\"n\">{} ({:.0f}%)</td></tr>",
          esc(a.app), format_hours_minutes(a.seconds), a.sessions, a.days_used,
          a.share_of_days * 100);
    }
    h += "</table>\n";
  }
  h += "<h2>Time of day</h2><figure><figcaption>App minutes by weekday and starting hour; the "
       "bottom row is your mean mood by hour.</figcaption>" +
       chart_heatmap(r) + "</figure>\n";
  h += "<h2>Alliance</h2><figure><figcaption>Check-in scores per app, as a share of each "
       "instrument's range. tend's own reflection is not a validated clinical "
       "instrument.</figcaption>" +
       chart_alliance(r) + "</figure>\n";
  h += "<h2>Associations</h2>";
  if (r.associations.empty()) {
    h += fmt::format(
        "<p class=\"muted\">Not enough days yet: an association is shown when there are at least "
        "{} days with mood entries on each side.</p>\n",
        kMinAssociationDays);
  } else {
    h += "<p class=\"note\">Mean mood on days with and without each app or tag, with a 95% "
         "bootstrap interval of the difference. These are associations in your own data, not "
         "effects: they do not say that one causes the other.</p><table><tr><th>on days "
         "with</th><th class=\"n\">days</th><th class=\"n\">mean</th><th "
         "class=\"n\">without</th><th class=\"n\">mean</th><th "
         "class=\"n\">difference</th></tr>";
    for (const Association& a : r.associations) {
      h += fmt::format(
          "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{:.1f}</td><td "
          "class=\"n\">{}</td><td class=\"n\">{:.1f}</td><td class=\"n\">{:+.1f} ({:+.1f} to "
          "{:+.1f})</td></tr>",
          esc(a.what), a.days_with, a.mean_with, a.days_without, a.mean_without, a.difference,
          a.low, a.high);
    }
    h += "</table>\n";
  }
  if (!r.tags.empty()) {
    h += "<h2>Tags</h2><table><tr><th>tag</th><th class=\"n\">entries</th><th "
         "class=\"n\">mean mood</th></tr>";
    for (const TagMood& t : r.tags) {
      h += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{:.1f}</td></tr>",
                       esc(t.tag), t.n, t.mean);
    }
    h += "</table>\n";
  }
  h += "<p class=\"note\">Made by tend on your own device. Nothing in this page loads anything "
       "from anywhere.</p>\n</body></html>\n";
  return h;
}

Result<ReportOutcome> report(Vault& vault, const ReportRequest& request, std::int64_t now) {
  Result<Report> built = build_report(vault.db(), request, now);
  if (!built.is_ok()) return built.status();
  ReportOutcome out{std::move(built).value(), std::nullopt, 0};
  if (!request.html_path) return out;

  Result<fs::OutputFile> file = fs::OutputFile::create(*request.html_path);
  if (!file.is_ok()) return file.status().with_context("cannot write the report");
  const std::string html = report_html(out.report, now);
  Status s = file->write(html);
  if (s.is_ok()) s = file->sync();
  if (!s.is_ok()) return s.with_context("cannot write the report");
  // Logged before it is named, as every file tend writes; the entry holds no
  // content and no path: only that a plaintext report was made.
  Db& db = vault.db();
  Result<Transaction> tx = Transaction::begin(db);
  if (!tx.is_ok()) return tx.status();
  Result<AuditLog> log = vault.audit();
  if (!log.is_ok()) return log.status();
  Result<std::int64_t> seq = log->record(kind::kReportWritten, Json::object(), now);
  if (!seq.is_ok()) return seq.status();
  s = tx->commit();
  if (!s.is_ok()) return s.with_context("cannot write the report");
  s = file->publish();
  if (!s.is_ok()) {
    return s.with_context(
        fmt::format("the report is logged (audit entry {}) but its file could not be named", *seq));
  }
  out.html_path = *request.html_path;
  out.html_bytes = static_cast<std::int64_t>(html.size());
  return out;
}

}  // namespace tend
