// App-use commands: log, list, rm.
#include <fmt/format.h>

#include "cli/command.hpp"
#include "core/app_use.hpp"

namespace po = boost::program_options;

namespace tend::cli {
namespace {

Json session_json(const AppSession& s, const Printer& p) {
  auto opt = [](const std::optional<std::string>& v) { return v ? Json(*v) : Json(nullptr); };
  return {{"id", s.id},
          {"type", "app"},
          {"app", s.app},
          {"category", opt(s.category)},
          {"feature", opt(s.feature)},
          {"start", p.iso(s.start)},
          {"start_unix", s.start.utc},
          {"duration_s", s.duration_s}};
}

Result<AppLog> parse_app_log(const Invocation& in) {
  AppLog r;
  AppSession& s = r.session;
  s.app = in.args()[0];
  auto minutes = in.opt<std::string>("minutes");
  auto duration = in.opt<std::string>("duration");
  if (minutes && duration) return usage_error("--minutes and --duration conflict; give one");
  if (!minutes && !duration) return usage_error("how long? give --minutes N or --duration 1h20m");
  if (minutes) {
    Result<std::int64_t> m = parse_int(*minutes, "minutes", 1, std::int64_t{24} * 60);
    if (!m.is_ok()) return m.status();
    s.duration_s = *m * std::int64_t{60};
  } else {
    Result<std::int64_t> d = parse_duration(*duration);
    if (!d.is_ok()) return d.status();
    s.duration_s = *d;
  }
  s.feature = in.opt<std::string>("feature");
  s.category = in.opt<std::string>("category");
  if (auto when = in.opt<std::string>("at")) {
    Result<Instant> at = parse_when(*when, in.now(), TimeRole::kPoint, &r.time_notice);
    if (!at.is_ok()) return at.status().with_context("--at");
    s.start = *at;
  } else {
    s.start = local_instant(in.now() - s.duration_s);
  }
  Status st = validate_app_session(s);
  if (!st.is_ok()) return st;
  return r;
}

void render_app_log(const AppLogged& l, Printer& p) {
  if (p.json()) {
    if (!l.time_notice.empty()) p.warn(l.time_notice);
    p.json(session_json(l.session, p));
    return;
  }
  const AppSession& s = l.session;
  p.text(fmt::format("Logged {} of {} as session {}, from {}{}.\n", format_duration(s.duration_s),
                     s.app, s.id, p.time(s.start.utc),
                     l.time_notice.empty() ? "" : " (" + l.time_notice + ")"));
}

Result<AppQuery> parse_app_list(const Invocation& in) {
  AppQuery q;
  Result<std::optional<std::int64_t>> from = in.time("from", TimeRole::kRangeStart);
  if (!from.is_ok()) return from.status();
  Result<std::optional<std::int64_t>> until = in.time("until", TimeRole::kRangeEnd);
  if (!until.is_ok()) return until.status();
  q.from = *from;
  q.until = *until;
  if (q.from && q.until && *q.from > *q.until) return usage_error("--from is later than --until");
  q.app = in.opt<std::string>("app");
  return q;
}

void render_app_list(const AppListing& l, Printer& p) {
  if (p.json()) {
    Json items = Json::array();
    for (const AppSession& s : l.sessions) items.push_back(session_json(s, p));
    p.json({{"count", l.sessions.size()},
            {"items", std::move(items)},
            {"total_duration_s", l.total_seconds}});
    return;
  }
  if (l.sessions.empty()) {
    p.text("No app sessions match.\n");
    return;
  }
  Table t({{"ID", Table::Align::kRight},
           {"START"},
           {"DURATION", Table::Align::kRight},
           {"APP"},
           {"CATEGORY"},
           {"FEATURE"}});
  for (const AppSession& s : l.sessions) {
    t.add_row({std::to_string(s.id), p.time(s.start.utc), format_duration(s.duration_s), s.app,
               s.category.value_or(""), s.feature.value_or("")});
  }
  p.table(t, true);
  p.text(fmt::format("{} session{}, {} in all\n", l.sessions.size(),
                     l.sessions.size() == 1 ? "" : "s", format_duration(l.total_seconds)));
}

void render_app_rm(const Removed& r, Printer& p) {
  if (p.json()) {
    p.json({{"id", r.id}, {"deleted", true}});
  } else {
    p.text(fmt::format("Deleted app session {}.\n", r.id));
  }
}

}  // namespace

namespace options {

void app_log(po::options_description& d) {
  d.add_options()("minutes", po::value<std::string>()->value_name("N"), "how long, in minutes")(
      "duration", po::value<std::string>()->value_name("D"), "how long: 45m, 1h20m, 2h")(
      "feature", po::value<std::string>()->value_name("F"),
      "the part of the app (meditation, journal, ...)")(
      "category", po::value<std::string>()->value_name("C"),
      "the kind of app (mindfulness, therapy, ...)")(
      "at", po::value<std::string>()->value_name("WHEN"),
      "when the session started (default: now minus its duration)");
}

void app_list(po::options_description& d) {
  d.add_options()("from", po::value<std::string>()->value_name("WHEN"),
                  "sessions starting at or after WHEN")(
      "until", po::value<std::string>()->value_name("WHEN"), "sessions starting at or before WHEN")(
      "app", po::value<std::string>()->value_name("A"), "only app A");
}

}  // namespace options

namespace actions {
Action app_log() {
  return unlocked(parse_app_log, tend::app_log, render_app_log);
}
Action app_list() {
  return unlocked(parse_app_list, tend::app_list, render_app_list);
}
Action app_rm() {
  return unlocked(parse_entry_id, tend::app_rm, render_app_rm);
}
}  // namespace actions

}  // namespace tend::cli
