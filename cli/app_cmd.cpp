// App-use commands: log, list, show, edit, rm.
#include <fmt/format.h>

#include "cli/command.hpp"
#include "core/app_use.hpp"
#include "core/text.hpp"

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
          {"duration_s", s.duration_s},
          {"created", s.created ? Json(p.iso(s.created)) : Json(nullptr)},
          {"created_unix", s.created ? Json(s.created) : Json(nullptr)},
          {"edited", s.edited ? Json(p.iso(*s.edited)) : Json(nullptr)},
          {"edited_unix", s.edited ? Json(*s.edited) : Json(nullptr)}};
}

// --minutes N or --duration D, if either is given.
Result<std::optional<std::int64_t>> duration(const Invocation& in) {
  auto minutes = in.opt<std::string>("minutes");
  auto text = in.opt<std::string>("duration");
  if (minutes && text) return usage_error("--minutes and --duration conflict; give one");
  if (minutes) {
    Result<std::int64_t> m = parse_int(*minutes, "minutes", 1, std::int64_t{24} * 60);
    if (!m.is_ok()) return m.status();
    return std::optional<std::int64_t>(*m * 60);
  }
  if (text) {
    Result<std::int64_t> d = parse_duration(*text);
    if (!d.is_ok()) return d.status();
    return std::optional<std::int64_t>(*d);
  }
  return std::optional<std::int64_t>();
}

Result<AppLog> parse_app_log(const Invocation& in) {
  AppLog r;
  AppSession& s = r.session;
  s.app = in.args()[0];
  Result<std::optional<std::int64_t>> d = duration(in);
  if (!d.is_ok()) return d.status();
  if (!*d) return usage_error("how long? give --minutes N or --duration 1h20m");
  s.duration_s = **d;
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
  Status s = parse_window(in, &q.from, &q.until, false);
  if (!s.is_ok()) return s;
  q.apps = in.list("app");
  q.category = in.opt<std::string>("category");
  q.feature = in.opt<std::string>("feature");
  Result<std::optional<std::int64_t>> limit = parse_limit(in);
  if (!limit.is_ok()) return limit.status();
  q.limit = *limit;
  if (auto by = in.opt<std::string>("by")) {
    if (*by == "app") {
      q.by = AppTotals::kByApp;
    } else if (*by == "day") {
      q.by = AppTotals::kByDay;
    } else if (*by == "week") {
      q.by = AppTotals::kByWeek;
    } else {
      return usage_error(phrase_with("unknown --by", *by), "give --by app, day or week");
    }
  }
  return q;
}

void render_app_list(const AppListing& l, Printer& p) {
  if (l.by != AppTotals::kNone) {
    const char* key = l.by == AppTotals::kByApp   ? "app"
                      : l.by == AppTotals::kByDay ? "date"
                                                  : "week";
    if (p.json()) {
      Json items = Json::array();
      for (const AppTotal& t : l.totals) {
        items.push_back({{key, t.key}, {"sessions", t.sessions}, {"duration_s", t.seconds}});
      }
      p.json({{"by", key},
              {"count", l.count},
              {"items", std::move(items)},
              {"total_duration_s", l.total_seconds}});
      return;
    }
    if (l.totals.empty()) {
      p.text("No app sessions match.\n");
      return;
    }
    Table t({{l.by == AppTotals::kByApp   ? "APP"
              : l.by == AppTotals::kByDay ? "DATE"
                                          : "WEEK"},
             {"SESSIONS", Table::Align::kRight},
             {"TIME", Table::Align::kRight}});
    for (const AppTotal& a : l.totals) {
      t.add_row({a.key, std::to_string(a.sessions), format_duration(a.seconds)});
    }
    p.table(t, false);
    p.text(fmt::format("{} session{}, {} in all\n", l.count, l.count == 1 ? "" : "s",
                       format_duration(l.total_seconds)));
    return;
  }
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

void render_app_show(const AppSession& s, Printer& p) {
  if (p.json()) {
    p.json(session_json(s, p));
    return;
  }
  std::string out = fmt::format("App session {}\n", s.id);
  out += fmt::format("  app       {}\n", s.app);
  out += fmt::format("  start     {}\n", p.iso(s.start));
  out += fmt::format("  duration  {}\n", format_duration(s.duration_s));
  out += fmt::format("  category  {}\n", s.category.value_or("-"));
  out += fmt::format("  feature   {}\n", s.feature.value_or("-"));
  if (s.title) out += fmt::format("  title     {}\n", *s.title);
  out += fmt::format("  created   {}\n", s.created ? p.time(s.created) : "-");
  out += fmt::format("  edited    {}\n", s.edited ? p.time(*s.edited) : "-");
  p.text(out);
}

Result<AppEdit> parse_app_edit(const Invocation& in) {
  AppEdit r;
  Result<std::int64_t> id = parse_int(in.args()[0], "id", 1, INT64_MAX);
  if (!id.is_ok()) return id.status();
  r.id = *id;
  r.app = in.opt<std::string>("app");
  Result<std::optional<std::int64_t>> d = duration(in);
  if (!d.is_ok()) return d.status();
  r.duration_s = *d;
  for (const auto& [value, off] :
       {std::pair{"category", "no-category"}, {"feature", "no-feature"}}) {
    if (in.has(value) && in.flag(off)) {
      return usage_error(fmt::format("--{} and --{} conflict", value, off));
    }
  }
  if (auto c = in.opt<std::string>("category")) r.category = std::optional<std::string>(*c);
  if (in.flag("no-category")) r.category = std::optional<std::string>();
  if (auto f = in.opt<std::string>("feature")) r.feature = std::optional<std::string>(*f);
  if (in.flag("no-feature")) r.feature = std::optional<std::string>();
  if (auto when = in.opt<std::string>("at")) {
    Result<Instant> at = parse_when(*when, in.now(), TimeRole::kPoint, &r.time_notice);
    if (!at.is_ok()) return at.status().with_context("--at");
    r.at = *at;
  }
  if (!r.app && !r.duration_s && !r.category && !r.feature && !r.at) {
    return usage_error("nothing to change", "see: tend help app edit");
  }
  // New values are checked before the vault is unlocked.
  AppSession probe;
  probe.app = r.app.value_or("x");
  probe.duration_s = r.duration_s.value_or(60);
  probe.category = r.category.value_or(std::nullopt);
  probe.feature = r.feature.value_or(std::nullopt);
  Status s = validate_app_session(probe);
  if (!s.is_ok()) return s;
  return r;
}

void render_app_edit(const AppLogged& l, Printer& p) {
  if (p.json()) {
    if (!l.time_notice.empty()) p.warn(l.time_notice);
    p.json(session_json(l.session, p));
    return;
  }
  p.text(fmt::format("Updated app session {}{}.\n", l.session.id,
                     l.time_notice.empty() ? "" : " (" + l.time_notice + ")"));
}

void render_app_rm(const Removed& r, Printer& p) {
  if (p.json()) {
    p.json({{"id", r.id}, {"deleted", r.deleted}});
  } else {
    p.text(fmt::format("{} app session {}.\n", r.deleted ? "Deleted" : "Kept", r.id));
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
                  "sessions starting at or after WHEN (a date, 2026-11, monday, -1w, ...)")(
      "until", po::value<std::string>()->value_name("WHEN"), "sessions starting at or before WHEN")(
      "app", po::value<std::vector<std::string>>()->composing()->value_name("A"),
      "only app A, in any case (repeat for more)")(
      "category", po::value<std::string>()->value_name("C"), "only sessions of category C")(
      "feature", po::value<std::string>()->value_name("F"), "only sessions of feature F")(
      "limit,n", po::value<std::string>()->value_name("N"), "only the N most recent")(
      "by", po::value<std::string>()->value_name("app|day|week"),
      "totals per app, day or ISO week instead of sessions");
}

void app_edit(po::options_description& d) {
  d.add_options()("app", po::value<std::string>()->value_name("NAME"), "a new app name")(
      "minutes", po::value<std::string>()->value_name("N"), "a new duration, in minutes")(
      "duration", po::value<std::string>()->value_name("D"), "a new duration: 45m, 1h20m")(
      "feature", po::value<std::string>()->value_name("F"), "a new feature")(
      "no-feature", po::bool_switch(), "remove the feature")(
      "category", po::value<std::string>()->value_name("C"), "a new category")(
      "no-category", po::bool_switch(), "remove the category")(
      "at", po::value<std::string>()->value_name("WHEN"), "a new start time");
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
  return unlocked(parse_entry_to_remove, tend::app_rm, render_app_rm);
}
Action app_show() {
  return unlocked(parse_entry_id, tend::app_show, render_app_show);
}
Action app_edit() {
  return unlocked(parse_app_edit, tend::app_edit, render_app_edit);
}
}  // namespace actions

}  // namespace tend::cli
