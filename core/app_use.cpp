#include "core/app_use.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "core/text.hpp"

namespace tend {

const std::string& AppNames::shown(const std::string& stored) {
  auto known = by_stored_.find(stored);
  if (known == by_stored_.end()) {
    const std::string& name = by_folded_.try_emplace(fold_case(stored), stored).first->second;
    known = by_stored_.emplace(stored, &name).first;
  }
  return *known->second;
}

Status validate_app_session(const AppSession& s) {
  Status st = check_label(s.app, "app name", kMaxAppNameBytes);
  if (st.is_ok() && s.category) st = check_label(*s.category, "category", kMaxAppNameBytes);
  if (st.is_ok() && s.feature) st = check_label(*s.feature, "feature", kMaxAppNameBytes);
  if (st.is_ok() && s.title) st = check_label(*s.title, "window title", 1000);
  if (!st.is_ok()) return st;
  if (s.duration_s < 1 || s.duration_s > 86400) {
    return usage_error(fmt::format("duration {}s is outside 1s..24h", s.duration_s));
  }
  return Status::ok();
}

Result<std::int64_t> add_app_session(Db& db, const AppSession& s, std::int64_t now) {
  Result<Statement> st = db.prepare(
      "INSERT OR FAIL INTO app_session (app, category, feature, at, utc_offset, duration_s, title,"
      " created)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?);");
  if (!st.is_ok()) return st.status();
  auto opt = [](const std::optional<std::string>& v) {
    return v ? std::optional<std::string_view>(*v) : std::nullopt;
  };
  st->bind(1, std::string_view(s.app))
      .bind(2, opt(s.category))
      .bind(3, opt(s.feature))
      .bind(4, s.start.utc)
      .bind(5, std::int64_t{s.start.offset_s})
      .bind(6, s.duration_s)
      .bind(7, opt(s.title))
      .bind(8, now);
  // A single INSERT is its own transaction. OR FAIL: the row and its rollup
  // need no statement journal (schema.cpp), and a failed constraint fails
  // before anything is written.
  Status status = st->run();
  if (!status.is_ok()) return status.with_context("cannot log app session");
  return db.last_insert_rowid();
}

namespace {

constexpr const char* kSelect =
    "SELECT id, app, category, feature, at, utc_offset, duration_s, title, created, edited"
    " FROM app_session";

AppSession read_row(const Statement& st) {
  AppSession s;
  s.id = st.int64(0);
  s.app = st.text(1);
  s.category = st.optional_text(2);
  s.feature = st.optional_text(3);
  s.start = {st.int64(4), static_cast<std::int32_t>(st.int64(5))};
  s.duration_s = st.int64(6);
  s.title = st.optional_text(7);
  s.created = st.int64(8);
  s.edited = st.optional_int64(9);
  return s;
}

bool same_folded(const std::optional<std::string>& value, const std::string& folded) {
  return value && fold_case(*value) == folded;
}

}  // namespace

Result<std::vector<AppSession>> list_app_sessions(Db& db, const AppQuery& q) {
  std::string sql = std::string(kSelect) + " WHERE 1";
  if (q.from) sql += " AND at >= ?";
  if (q.until) sql += " AND at <= ?";
  sql += " ORDER BY at DESC, id DESC;";
  Result<Statement> st = db.prepare(sql);
  if (!st.is_ok()) return st.status();
  int i = 0;
  if (q.from) st->bind(++i, *q.from);
  if (q.until) st->bind(++i, *q.until);
  // Names are matched here, after Unicode case folding, which SQLite cannot do.
  std::vector<std::string> apps;
  for (const std::string& a : q.apps) apps.push_back(fold_case(a));
  const std::optional<std::string> category =
      q.category ? std::optional(fold_case(*q.category)) : std::nullopt;
  const std::optional<std::string> feature =
      q.feature ? std::optional(fold_case(*q.feature)) : std::nullopt;
  std::vector<AppSession> out;
  for (;;) {
    if (q.limit && static_cast<std::int64_t>(out.size()) >= *q.limit) break;
    Result<bool> row = st->step();
    if (!row.is_ok()) return row.status();
    if (!*row) break;
    AppSession s = read_row(*st);
    if (!apps.empty() && std::find(apps.begin(), apps.end(), fold_case(s.app)) == apps.end()) {
      continue;
    }
    if (category && !same_folded(s.category, *category)) continue;
    if (feature && !same_folded(s.feature, *feature)) continue;
    out.push_back(std::move(s));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

Result<AppSession> get_app_session(Db& db, std::int64_t id) {
  Result<Statement> st = db.prepare(std::string(kSelect) + " WHERE id = ?;");
  if (!st.is_ok()) return st.status();
  st->bind(1, id);
  Result<bool> row = st->step();
  if (!row.is_ok()) return row.status();
  if (!*row) {
    return not_found(fmt::format("no app session with id {}", id),
                     "see the ids with: tend app list");
  }
  return read_row(*st);
}

Status remove_app_session(Db& db, AuditLog& audit, std::int64_t id, std::int64_t now) {
  Result<Transaction> tx = Transaction::begin(db);
  if (!tx.is_ok()) return tx.status();
  Result<Statement> st = db.prepare("DELETE FROM app_session WHERE id = ?;");
  if (!st.is_ok()) return st.status();
  st->bind(1, id);
  Status s = st->run();
  if (!s.is_ok()) return s;
  if (db.changes() == 0) {
    return not_found(fmt::format("no app session with id {}", id),
                     "see the ids with: tend app list");
  }
  // The log records that something was deleted, and how much; never what.
  Result<std::int64_t> seq =
      audit.record(kind::kEntriesDeleted, {{"type", "app"}, {"count", 1}}, now);
  if (!seq.is_ok()) return seq.status();
  return tx->commit();
}

Result<AppLogged> app_log(Vault& vault, const AppLog& request, std::int64_t now) {
  AppLogged out{request.session, request.time_notice};
  Result<std::int64_t> id = add_app_session(vault.db(), request.session, now);
  if (!id.is_ok()) return id.status();
  out.session.id = *id;
  out.session.created = now;
  return out;
}

Result<AppListing> app_list(Vault& vault, const AppQuery& query, std::int64_t) {
  Result<std::vector<AppSession>> sessions = list_app_sessions(vault.db(), query);
  if (!sessions.is_ok()) return sessions.status();
  AppListing out;
  out.by = query.by;
  out.count = static_cast<std::int64_t>(sessions->size());
  for (const AppSession& s : *sessions) out.total_seconds += s.duration_s;
  if (query.by == AppTotals::kNone) {
    out.sessions = std::move(sessions).value();
    return out;
  }
  AppNames names;
  std::map<std::string, AppTotal> totals;
  for (const AppSession& s : *sessions) {
    std::string key;
    switch (query.by) {
      case AppTotals::kByApp:
        key = names.shown(s.app);
        break;
      case AppTotals::kByDay:
        key = format_day(day_number(s.start));
        break;
      case AppTotals::kByWeek:
      case AppTotals::kNone:
        key = format_iso_week(day_number(s.start));
        break;
    }
    AppTotal& t = totals[key];
    if (t.key.empty()) t.key = key;
    ++t.sessions;
    t.seconds += s.duration_s;
  }
  for (auto& [key, t] : totals) out.totals.push_back(std::move(t));
  if (query.by == AppTotals::kByApp) {
    std::stable_sort(out.totals.begin(), out.totals.end(),
                     [](const AppTotal& a, const AppTotal& b) { return a.seconds > b.seconds; });
  }
  return out;
}

Result<Removed> app_rm(Vault& vault, const EntryId& request, std::int64_t now) {
  if (request.confirm) {
    Result<AppSession> s = get_app_session(vault.db(), request.id);
    if (!s.is_ok()) return s.status();
    if (!request.confirm(fmt::format("app session {} ({}, {} of {})", s->id,
                                     format_local(s->start.utc), format_duration(s->duration_s),
                                     s->app))) {
      return Removed{request.id, false};
    }
  }
  Result<AuditLog> log = vault.audit();
  if (!log.is_ok()) return log.status();
  Status s = remove_app_session(vault.db(), *log, request.id, now);
  if (!s.is_ok()) return s;
  return Removed{request.id};
}

Result<AppSession> app_show(Vault& vault, const EntryId& request, std::int64_t) {
  return get_app_session(vault.db(), request.id);
}

Result<AppLogged> app_edit(Vault& vault, const AppEdit& r, std::int64_t now) {
  Result<AppSession> current = get_app_session(vault.db(), r.id);
  if (!current.is_ok()) return current.status();
  AppSession s = std::move(current).value();
  if (r.app) s.app = *r.app;
  if (r.duration_s) s.duration_s = *r.duration_s;
  if (r.category) s.category = *r.category;
  if (r.feature) s.feature = *r.feature;
  if (r.at) s.start = *r.at;
  Status st = validate_app_session(s);
  if (!st.is_ok()) return st;
  Result<Statement> up = vault.db().prepare(
      "UPDATE app_session SET app = ?, category = ?, feature = ?, at = ?, utc_offset = ?,"
      " duration_s = ?, edited = ? WHERE id = ?;");
  if (!up.is_ok()) return up.status();
  auto opt = [](const std::optional<std::string>& v) {
    return v ? std::optional<std::string_view>(*v) : std::nullopt;
  };
  up->bind(1, std::string_view(s.app))
      .bind(2, opt(s.category))
      .bind(3, opt(s.feature))
      .bind(4, s.start.utc)
      .bind(5, std::int64_t{s.start.offset_s})
      .bind(6, s.duration_s)
      .bind(7, now)
      .bind(8, s.id);
  st = up->run();
  if (!st.is_ok()) return st.with_context("cannot update app session");
  s.edited = now;
  return AppLogged{s, r.time_notice};
}

Result<AppSummary> summarize_app_use(Db& db) {
  Result<Statement> st = db.prepare(
      "SELECT coalesce(sum(sessions), 0), coalesce(sum(seconds), 0), count(DISTINCT lower(app))"
      " FROM app_day WHERE sessions > 0;");
  if (!st.is_ok()) return st.status();
  Result<bool> row = st->step();
  if (!row.is_ok()) return row.status();
  return AppSummary{st->int64(0), st->int64(1), st->int64(2)};
}

}  // namespace tend
