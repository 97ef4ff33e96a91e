// tend report: the terminal form (80 columns), --json, and --html FILE.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "cli/command.hpp"
#include "core/report.hpp"
#include "core/text.hpp"

namespace po = boost::program_options;

namespace tend::cli {
namespace {

constexpr int kSparkDays = 56;  // days per sparkline row: 8 weeks, 11 + 56 columns

Result<ReportRequest> parse_report(const Invocation& in) {
  ReportRequest r;
  Status s = parse_window(in, &r.from, &r.until, false);
  if (!s.is_ok()) return s;
  Result<std::optional<std::string>> html = in.path("html");
  if (!html.is_ok()) return html.status();
  r.html_path = *html;
  return r;
}

struct Style {
  bool on = false;
  std::string bold(std::string_view s) const {
    return on ? fmt::format("\x1b[1m{}\x1b[0m", s) : std::string(s);
  }
  std::string dim(std::string_view s) const {
    return on ? fmt::format("\x1b[2m{}\x1b[0m", s) : std::string(s);
  }
  // Low moods red, middling yellow, good green.
  std::string mood(std::string_view s, double mood) const {
    if (!on) return std::string(s);
    const int code = mood < 4 ? 31 : mood < 7 ? 33 : 32;
    return fmt::format("\x1b[{}m{}\x1b[0m", code, s);
  }
};

const char* spark(double mood) {
  static const char* kBlocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  const int i = std::clamp(static_cast<int>(std::lround((mood - 1.0) / 9.0 * 7.0)), 0, 7);
  return kBlocks[i];
}

std::string cut(std::string_view s, std::size_t width) {
  std::string shown = display(s);
  // Cut by code points, not bytes, so a name never ends mid-character.
  std::size_t points = 0, i = 0;
  for (; i < shown.size(); ++i) {
    if ((static_cast<unsigned char>(shown[i]) & 0xC0) != 0x80 && points++ == width) break;
  }
  if (i < shown.size()) shown = shown.substr(0, i);
  std::size_t n = 0;
  for (char c : shown) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return shown + std::string(width > n ? width - n : 0, ' ');
}

void render_text(const Report& r, Printer& p) {
  Style st{p.colour()};
  std::string out;
  out += fmt::format("{}\n\n",
                     st.bold(fmt::format("tend report: {} to {} ({} days)", format_day(r.first_day),
                                         format_day(r.last_day), r.last_day - r.first_day + 1)));
  if (r.mood_entries == 0 && r.app_sessions == 0 && r.checkins == 0) {
    out +=
        "Nothing is recorded in this window yet.\n"
        "Log how you feel with: tend mood add 7 --note \"...\"\n"
        "and time in an app with: tend app log Headspace --minutes 10\n";
    p.raw(out);
    return;
  }

  out += fmt::format("{}\n", st.bold("Mood"));
  if (r.mood_entries == 0) {
    out += "  no entries in this window\n";
  } else {
    out += fmt::format(
        "  {} entr{} on {} day{}, mean {:.1f}, range {} to {}; streak {} day{} (longest {})\n",
        r.mood_entries, r.mood_entries == 1 ? "y" : "ies", r.mood_daily.size(),
        r.mood_daily.size() == 1 ? "" : "s", r.mood_mean, r.mood_min, r.mood_max, r.streaks.current,
        r.streaks.current == 1 ? "" : "s", r.streaks.longest);
    // A sparkline of daily means, eight weeks a row, from the first day logged.
    std::vector<double> mean(static_cast<std::size_t>(r.last_day - r.first_day + 1), 0);
    for (const MoodPeriod& d : r.mood_daily) {
      mean[static_cast<std::size_t>(d.start - r.first_day)] = d.mean;
    }
    const std::int64_t start = r.mood_daily.front().start;
    out += "\n";
    // Up to today: the days after it have no entries yet.
    const std::int64_t last = std::min(r.last_day, std::max(r.today, r.mood_daily.back().start));
    for (std::int64_t row = start; row <= last; row += kSparkDays) {
      std::string line = fmt::format("  {} ", format_day(row));
      for (std::int64_t day = row; day < row + kSparkDays && day <= last; ++day) {
        const double m = mean[static_cast<std::size_t>(day - r.first_day)];
        line += m == 0 ? st.dim("·") : st.mood(spark(m), m);
      }
      out += line;
      out += '\n';
    }
    out += fmt::format("{}\n", st.dim("             one mark a day: ▁ is 1, █ is 10, · no entry"));
    out += fmt::format("\n  {}\n", st.bold("week       entries  mean"));
    const std::size_t from = r.mood_weekly.size() > 8 ? r.mood_weekly.size() - 8 : 0;
    for (std::size_t i = from; i < r.mood_weekly.size(); ++i) {
      const MoodPeriod& w = r.mood_weekly[i];
      const int bar = static_cast<int>(std::lround(w.mean * 3));
      std::string blocks;
      for (int b = 0; b < bar; ++b) blocks += "█";
      out += fmt::format("  {:<9} {:>8}  {:>4.1f}  {}\n", w.period, w.entries, w.mean,
                         st.mood(blocks, w.mean));
    }
    if (!r.tags.empty()) {
      out += fmt::format("\n  {}\n", st.bold("tag                    entries  mean mood"));
      for (std::size_t i = 0; i < r.tags.size() && i < 8; ++i) {
        out += fmt::format("  {} {:>7}  {:>9.1f}\n", cut(r.tags[i].tag, 22), r.tags[i].n,
                           r.tags[i].mean);
      }
    }
  }

  out += fmt::format("\n{}\n", st.bold("Apps"));
  if (r.apps.empty()) {
    out += "  no app use in this window\n";
  } else {
    out += fmt::format("  {}\n", st.bold("app                        time  sessions  days used"));
    for (std::size_t i = 0; i < r.apps.size() && i < 12; ++i) {
      const AppShare& a = r.apps[i];
      out += fmt::format("  {} {:>9}  {:>8}  {:>4} ({:>3.0f}%)\n", cut(a.app, 22),
                         format_hours_minutes(a.seconds), a.sessions, a.days_used,
                         a.share_of_days * 100);
    }
    if (r.apps.size() > 12)
      out += fmt::format("  and {} more (--json has all)\n", r.apps.size() - 12);
  }

  out += fmt::format("\n{}\n", st.bold("Alliance"));
  if (r.alliance.empty()) {
    out += "  no check-ins in this window (tend checkin --app NAME)\n";
  } else {
    for (const AllianceTrend& t : r.alliance) {
      out += fmt::format("  {} {} check-in{}: {:.0f}% at first, {:.0f}% last, {:.0f}% mean\n",
                         cut(t.about + " (" + t.instrument + ")", 34), t.n, t.n == 1 ? "" : "s",
                         t.first * 100, t.last * 100, t.mean * 100);
    }
  }

  out += fmt::format("\n{}\n", st.bold("Associations"));
  if (r.associations.empty()) {
    out += fmt::format("  not enough days yet: each side needs {} days with mood entries\n",
                       kMinAssociationDays);
  } else {
    out += fmt::format(
        "{}\n", st.dim("  mean mood on days with vs without; an association, not an effect"));
    for (std::size_t i = 0; i < r.associations.size() && i < 10; ++i) {
      const Association& a = r.associations[i];
      out += fmt::format("  {} {:>4.1f} (n={}) vs {:>4.1f} (n={})  {:+.1f} [{:+.1f}, {:+.1f}]\n",
                         cut(a.what, 22), a.mean_with, a.days_with, a.mean_without, a.days_without,
                         a.difference, a.low, a.high);
    }
  }
  p.raw(out);
}

void render_report(const ReportOutcome& o, Printer& p) {
  if (o.html_path) {
    p.warn(fmt::format(
        "{} holds your journal's numbers in plaintext (health data): keep it private, delete it "
        "when done",
        display(*o.html_path)));
  }
  if (p.json()) {
    Json j = report_json(o.report);
    j["html"] =
        o.html_path ? Json({{"path", *o.html_path}, {"bytes", o.html_bytes}}) : Json(nullptr);
    p.json(j);
    return;
  }
  if (o.html_path) {
    p.text(fmt::format("Wrote the report to {} ({} KiB; open it in a browser, or print it).\n",
                       *o.html_path, (o.html_bytes + 1023) / 1024));
    return;
  }
  render_text(o.report, p);
}

}  // namespace

namespace options {
void report(po::options_description& d) {
  d.add_options()("from", po::value<std::string>()->value_name("WHEN"),
                  "the first day (default: 364 days before --until)")(
      "until", po::value<std::string>()->value_name("WHEN"), "the last day (default: today)")(
      "html", po::value<std::string>()->value_name("FILE"),
      "write one self-contained HTML page with charts (plaintext: it stays with you)");
}
}  // namespace options

namespace actions {
Action report() {
  return unlocked(parse_report, tend::report, render_report);
}
}  // namespace actions

}  // namespace tend::cli
