#include "core/app_use.hpp"

#include <fmt/format.h>

#include "core/text.hpp"

namespace tend {

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

Result<std::vector<AppSession>> list_app_sessions(Db& db, const AppQuery& q) {
  std::string sql =
      "SELECT id, app, category, feature, at, utc_offset, duration_s, title FROM app_session"
      " WHERE 1";
  if (q.from) sql += " AND at >= ?";
  if (q.until) sql += " AND at <= ?";
  if (q.app) sql += " AND lower(app) = lower(?)";
  sql += " ORDER BY at, id;";
  Result<Statement> st = db.prepare(sql);
  if (!st.is_ok()) return st.status();
  int i = 0;
  if (q.from) st->bind(++i, *q.from);
  if (q.until) st->bind(++i, *q.until);
  if (q.app) st->bind(++i, std::string_view(*q.app));
  std::vector<AppSession> out;
  for (;;) {
    Result<bool> row = st->step();
    if (!row.is_ok()) return row.status();
    if (!*row) break;
    AppSession s;
    s.id = st->int64(0);
    s.app = st->text(1);
    s.category = st->optional_text(2);
    s.feature = st->optional_text(3);
    s.start = {st->int64(4), static_cast<std::int32_t>(st->int64(5))};
    s.duration_s = st->int64(6);
    s.title = st->optional_text(7);
    out.push_back(std::move(s));
  }
  return out;
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
  return out;
}

Result<AppListing> app_list(Vault& vault, const AppQuery& query, std::int64_t) {
  Result<std::vector<AppSession>> sessions = list_app_sessions(vault.db(), query);
  if (!sessions.is_ok()) return sessions.status();
  AppListing out{std::move(sessions).value(), 0};
  for (const AppSession& s : out.sessions) out.total_seconds += s.duration_s;
  return out;
}

Result<Removed> app_rm(Vault& vault, const EntryId& request, std::int64_t now) {
  Result<AuditLog> log = vault.audit();
  if (!log.is_ok()) return log.status();
  Status s = remove_app_session(vault.db(), *log, request.id, now);
  if (!s.is_ok()) return s;
  return Removed{request.id};
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
