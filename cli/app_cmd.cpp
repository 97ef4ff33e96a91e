// App-use commands: log, list, rm.
#include <ostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/table.hpp"
#include "core/app_use.hpp"
#include "core/text.hpp"

namespace po = boost::program_options;

namespace tend::cli {
namespace {

Json to_json(const AppSession& s) {
  auto opt = [](const std::optional<std::string>& v) { return v ? Json(*v) : Json(nullptr); };
  return {{"id", s.id},
          {"type", "app"},
          {"app", s.app},
          {"category", opt(s.category)},
          {"feature", opt(s.feature)},
          {"start", format_iso(s.start)},
          {"start_unix", s.start.utc},
          {"duration_s", s.duration_s}};
}

}  // namespace

void opts_app_log(po::options_description& d) {
  d.add_options()("minutes", po::value<std::string>()->value_name("N"), "how long, in minutes")(
      "duration", po::value<std::string>()->value_name("D"), "how long: 45m, 1h20m, 2h")(
      "feature", po::value<std::string>()->value_name("F"),
      "the part of the app (meditation, journal, ...)")(
      "category", po::value<std::string>()->value_name("C"),
      "the kind of app (mindfulness, therapy, ...)")(
      "at", po::value<std::string>()->value_name("WHEN"),
      "when the session started (default: now minus its duration)");
}

void opts_app_list(po::options_description& d) {
  d.add_options()("from", po::value<std::string>()->value_name("WHEN"),
                  "sessions starting at or after WHEN")(
      "until", po::value<std::string>()->value_name("WHEN"), "sessions starting at or before WHEN")(
      "app", po::value<std::string>()->value_name("A"), "only app A");
}

Status cmd_app_log(Context& ctx) {
  AppSession s;
  s.app = ctx.args[0];
  auto minutes = ctx.opt<std::string>("minutes");
  auto duration = ctx.opt<std::string>("duration");
  if (minutes && duration) return usage_error("--minutes and --duration conflict; give one");
  if (!minutes && !duration) {
    return usage_error("how long? give --minutes N or --duration 1h20m");
  }
  if (minutes) {
    Result<std::int64_t> m = parse_int(*minutes, "minutes", 1, std::int64_t{24} * 60);
    if (!m.is_ok()) return m.status();
    s.duration_s = *m * std::int64_t{60};
  } else {
    Result<std::int64_t> d = parse_duration(*duration);
    if (!d.is_ok()) return d.status();
    s.duration_s = *d;
  }
  s.feature = ctx.opt<std::string>("feature");
  s.category = ctx.opt<std::string>("category");
  std::string notice;
  if (auto when = ctx.opt<std::string>("at")) {
    Result<Instant> at = parse_when(*when, ctx.now, TimeRole::kPoint, &notice);
    if (!at.is_ok()) return at.status().with_context("--at");
    s.start = *at;
  } else {
    s.start = local_instant(ctx.now - s.duration_s);
  }
  Status st = validate_app_session(s);
  if (st.is_ok()) st = ctx.open_vault();
  if (!st.is_ok()) return st;
  Result<std::int64_t> id = add_app_session(ctx.v().db(), s, ctx.now);
  if (!id.is_ok()) return id.status();
  s.id = *id;
  if (ctx.json) {
    if (!notice.empty()) ctx.warn(notice);
    ctx.print_json(to_json(s));
  } else {
    ctx.out() << fmt::format("Logged {} of {} as session {}, from {}{}.\n",
                             format_duration(s.duration_s), display(s.app), s.id,
                             format_local(s.start.utc), notice.empty() ? "" : " (" + notice + ")");
  }
  return Status::ok();
}

Status cmd_app_list(Context& ctx) {
  AppQuery q;
  Result<std::optional<std::int64_t>> from = time_option(ctx, "from", TimeRole::kRangeStart);
  if (!from.is_ok()) return from.status();
  Result<std::optional<std::int64_t>> until = time_option(ctx, "until", TimeRole::kRangeEnd);
  if (!until.is_ok()) return until.status();
  q.from = *from;
  q.until = *until;
  if (q.from && q.until && *q.from > *q.until) return usage_error("--from is later than --until");
  q.app = ctx.opt<std::string>("app");
  Status st = ctx.open_vault();
  if (!st.is_ok()) return st;
  Result<std::vector<AppSession>> sessions = list_app_sessions(ctx.v().db(), q);
  if (!sessions.is_ok()) return sessions.status();
  std::int64_t total = 0;
  for (const AppSession& s : *sessions) total += s.duration_s;
  if (ctx.json) {
    Json list = Json::array();
    for (const AppSession& s : *sessions) list.push_back(to_json(s));
    ctx.print_json(
        {{"entries", std::move(list)}, {"count", sessions->size()}, {"total_duration_s", total}});
    return Status::ok();
  }
  if (sessions->empty()) {
    ctx.out() << "No app sessions match.\n";
    return Status::ok();
  }
  Table t({{"ID", Table::Align::kRight},
           {"START"},
           {"DURATION", Table::Align::kRight},
           {"APP"},
           {"CATEGORY"},
           {"FEATURE"}});
  for (const AppSession& s : *sessions) {
    t.add_row({std::to_string(s.id), format_local(s.start.utc), format_duration(s.duration_s),
               s.app, s.category.value_or(""), s.feature.value_or("")});
  }
  t.print(ctx.out(), ctx.io.columns);
  ctx.out() << fmt::format("{} session{}, {} in all\n", sessions->size(),
                           sessions->size() == 1 ? "" : "s", format_duration(total));
  return Status::ok();
}

Status cmd_app_rm(Context& ctx) {
  return remove_by_id(ctx, "app session", remove_app_session);
}

}  // namespace tend::cli
