#include "core/schema.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "core/when.hpp"

namespace tend {
namespace {

// Migration i takes the schema from version i to i+1. Never edit a migration
// that has shipped; add a new one.
constexpr const char* kMigrations[] = {
    // 0 -> 1: the journal and the device keys.
    R"sql(
CREATE TABLE device_key (
  purpose    TEXT PRIMARY KEY CHECK (purpose IN ('signing', 'audit')),
  secret_key BLOB NOT NULL CHECK (length(secret_key) = 64)
);
CREATE TABLE mood (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  at         INTEGER NOT NULL,
  utc_offset INTEGER NOT NULL,
  score      INTEGER NOT NULL CHECK (score BETWEEN 1 AND 10),
  energy     INTEGER CHECK (energy IS NULL OR energy BETWEEN 1 AND 10),
  note       TEXT,
  private    INTEGER NOT NULL DEFAULT 0 CHECK (private IN (0, 1)),
  created    INTEGER NOT NULL,
  import_key TEXT UNIQUE
);
CREATE INDEX mood_at ON mood (at);
CREATE TABLE mood_tag (
  mood_id INTEGER NOT NULL REFERENCES mood (id) ON DELETE CASCADE,
  tag     TEXT NOT NULL,
  PRIMARY KEY (mood_id, tag)
) WITHOUT ROWID;
CREATE INDEX mood_tag_tag ON mood_tag (tag);
CREATE TABLE app_session (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  app        TEXT NOT NULL,
  category   TEXT,
  feature    TEXT,
  at         INTEGER NOT NULL,
  utc_offset INTEGER NOT NULL,
  duration_s INTEGER NOT NULL CHECK (duration_s > 0),
  title      TEXT,
  created    INTEGER NOT NULL,
  import_key TEXT UNIQUE
);
CREATE INDEX app_session_at ON app_session (at);
)sql",
    // 1 -> 2: the audit log. Entries are stored as the exact bytes that were
    // hashed; the frontier keeps appends O(log n); checkpoints are signed notes.
    R"sql(
CREATE TABLE audit_entry (
  seq   INTEGER PRIMARY KEY CHECK (seq >= 0),
  bytes BLOB NOT NULL
);
CREATE TABLE audit_state (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  size     INTEGER NOT NULL,
  frontier BLOB NOT NULL
);
INSERT INTO audit_state (id, size, frontier) VALUES (1, 0, x'');
CREATE TABLE audit_checkpoint (
  size INTEGER PRIMARY KEY,
  note TEXT NOT NULL
);
)sql",
    // 2 -> 3: consent grants. Terms are immutable once made; only the export
    // count and the revocation change.
    R"sql(
CREATE TABLE consent_grant (
  id               TEXT PRIMARY KEY,
  recipient        TEXT NOT NULL,
  recipient_keys   TEXT NOT NULL,
  purpose          TEXT NOT NULL,
  purpose_category TEXT NOT NULL,
  categories       TEXT NOT NULL,
  granularity      TEXT NOT NULL CHECK (granularity IN ('raw', 'daily', 'weekly')),
  window_from      INTEGER,
  window_until     INTEGER,
  created          INTEGER NOT NULL,
  expires          INTEGER NOT NULL,
  max_exports      INTEGER CHECK (max_exports IS NULL OR max_exports > 0),
  exports          INTEGER NOT NULL DEFAULT 0,
  revoked_at       INTEGER,
  revoke_reason    TEXT,
  receipt_id       TEXT NOT NULL UNIQUE
);
)sql",
    // 3 -> 4: publications in flight. A command that logs a change and then makes
    // it visible (names an export's files, replaces vault.json) adds a row in the
    // transaction that logs it and deletes the row once the change is visible.
    // A row left behind was interrupted; the next unlock finishes or reports it.
    R"sql(
CREATE TABLE pending_output (
  audit_seq INTEGER PRIMARY KEY,
  what      TEXT NOT NULL CHECK (what IN ('export', 'receipt', 'header')),
  paths     TEXT NOT NULL,
  header    BLOB,
  owner     TEXT NOT NULL
);
)sql",
    // 4 -> 5: daily rollups, kept by triggers in the transaction of every write
    // to mood and app_session (whatever writes it), so no read recomputes them.
    // No trigger statement relies on a conflict being ignored: tend inserts with
    // INSERT OR FAIL, which the trigger body inherits, so that SQLite needs no
    // statement journal (which SQLCipher would encrypt page by page, per insert).
    // A day is the entry's local date (UTC seconds plus its own offset, floored
    // to whole days since 1970-01-01). An insert adds to its day; an edit or a
    // delete recomputes the days it touches from the rows of those days, found
    // through the `at` index (offsets are within +-18 h). {day:...} is expanded
    // by rollup_sql() below (only the rollup migrations have braces).
    R"sql(
CREATE TABLE mood_day (
  day           INTEGER PRIMARY KEY,
  entries       INTEGER NOT NULL,
  private       INTEGER NOT NULL,
  score_sum     INTEGER NOT NULL,
  score_min     INTEGER NOT NULL,
  score_max     INTEGER NOT NULL
);
CREATE TABLE app_day (
  day      INTEGER NOT NULL,
  app      TEXT NOT NULL,
  sessions INTEGER NOT NULL,
  seconds  INTEGER NOT NULL,
  PRIMARY KEY (day, app)
) WITHOUT ROWID;
CREATE TABLE full_check (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  at INTEGER NOT NULL,
  ok INTEGER NOT NULL CHECK (ok IN (0, 1))
);

CREATE TRIGGER mood_day_insert AFTER INSERT ON mood BEGIN
  INSERT INTO mood_day SELECT {day:NEW}, 0, 0, 0, NEW.score, NEW.score
  WHERE NOT EXISTS (SELECT 1 FROM mood_day WHERE day = {day:NEW});
  UPDATE mood_day SET entries = entries + 1, private = private + NEW.private,
    score_sum = score_sum + NEW.score, score_min = min(score_min, NEW.score),
    score_max = max(score_max, NEW.score)
  WHERE day = {day:NEW};
END;
CREATE TRIGGER mood_day_delete AFTER DELETE ON mood BEGIN
  {recompute_mood:OLD}
END;
CREATE TRIGGER mood_day_update AFTER UPDATE OF at, utc_offset, score, private ON mood BEGIN
  {recompute_mood:OLD}
  {recompute_mood:NEW}
END;

CREATE TRIGGER app_day_insert AFTER INSERT ON app_session BEGIN
  INSERT INTO app_day SELECT {day:NEW}, NEW.app, 0, 0
  WHERE NOT EXISTS (SELECT 1 FROM app_day WHERE day = {day:NEW} AND app = NEW.app);
  UPDATE app_day SET sessions = sessions + 1, seconds = seconds + NEW.duration_s
  WHERE day = {day:NEW} AND app = NEW.app;
END;
CREATE TRIGGER app_day_delete AFTER DELETE ON app_session BEGIN
  {recompute_app:OLD}
END;
CREATE TRIGGER app_day_update AFTER UPDATE OF at, utc_offset, app, duration_s ON app_session
BEGIN
  {recompute_app:OLD}
  {recompute_app:NEW}
END;

INSERT INTO mood_day
  SELECT {day:mood}, count(*), sum(private), sum(score), min(score), max(score)
  FROM mood GROUP BY 1;
INSERT INTO app_day
  SELECT {day:app_session}, app, count(*), sum(duration_s) FROM app_session GROUP BY 1, 2;
)sql",
    // 5 -> 6: when an entry was last edited; alliance check-ins and the
    // instrument definitions they answer (keyed by the definition's SHA-256);
    // app use per local hour of the day, for time-of-day patterns (a session
    // counts in the hour it starts), kept like app_day.
    R"sql(
ALTER TABLE mood ADD COLUMN edited INTEGER;
ALTER TABLE app_session ADD COLUMN edited INTEGER;
CREATE TABLE instrument (
  sha256     TEXT PRIMARY KEY CHECK (length(sha256) = 64),
  definition TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE checkin (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  at                 INTEGER NOT NULL,
  utc_offset         INTEGER NOT NULL,
  app                TEXT,
  instrument_sha256  TEXT NOT NULL REFERENCES instrument (sha256),
  instrument_id      TEXT NOT NULL,
  instrument_version TEXT NOT NULL,
  answers            TEXT NOT NULL,
  score              REAL NOT NULL,
  score_min          REAL NOT NULL,
  score_max          REAL NOT NULL,
  private            INTEGER NOT NULL DEFAULT 0 CHECK (private IN (0, 1)),
  created            INTEGER NOT NULL
);
CREATE INDEX checkin_at ON checkin (at);
CREATE TABLE app_hour (
  day      INTEGER NOT NULL,
  hour     INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
  sessions INTEGER NOT NULL,
  seconds  INTEGER NOT NULL,
  PRIMARY KEY (day, hour)
) WITHOUT ROWID;
CREATE TRIGGER app_hour_insert AFTER INSERT ON app_session BEGIN
  INSERT INTO app_hour SELECT {day:NEW}, {hour:NEW}, 0, 0
  WHERE NOT EXISTS (SELECT 1 FROM app_hour WHERE day = {day:NEW} AND hour = {hour:NEW});
  UPDATE app_hour SET sessions = sessions + 1, seconds = seconds + NEW.duration_s
  WHERE day = {day:NEW} AND hour = {hour:NEW};
END;
CREATE TRIGGER app_hour_delete AFTER DELETE ON app_session BEGIN
  {recompute_app_hour:OLD}
END;
CREATE TRIGGER app_hour_update AFTER UPDATE OF at, utc_offset, duration_s ON app_session BEGIN
  {recompute_app_hour:OLD}
  {recompute_app_hour:NEW}
END;
INSERT INTO app_hour
  SELECT {day:app_session}, {hour:app_session}, count(*), sum(duration_s)
  FROM app_session GROUP BY 1, 2;
)sql",
    // 6 -> 7: the source keys of imported entries the user deleted, so that no
    // later import of the same export brings them back. Only the key (a time,
    // or a bucket, a time and an app) stays; the entry itself is gone.
    R"sql(
CREATE TABLE import_deleted (
  import_key TEXT PRIMARY KEY
) WITHOUT ROWID;
CREATE TRIGGER mood_import_deleted AFTER DELETE ON mood WHEN OLD.import_key IS NOT NULL BEGIN
  INSERT OR IGNORE INTO import_deleted VALUES (OLD.import_key);
END;
CREATE TRIGGER app_session_import_deleted AFTER DELETE ON app_session
WHEN OLD.import_key IS NOT NULL BEGIN
  INSERT OR IGNORE INTO import_deleted VALUES (OLD.import_key);
END;
)sql",
    // 7 -> 8: each grant's key for the pseudonymous row ids of export payload
    // v2 (docs/export-format.md): random, made by tend at the grant's first
    // export (never by SQLite's PRNG), so ids are stable under one grant and
    // unrelated across grants.
    R"sql(
ALTER TABLE consent_grant ADD COLUMN row_id_key BLOB CHECK (row_id_key IS NULL OR length(row_id_key) = 32);
)sql",
    // 8 -> 9: no index of tags by tag alone. Every query reaches a tag through
    // its entry (mood_id, tag), which the key covers; the index doubled the cost
    // of writing a tag, and half of an import's time went to tags.
    R"sql(
DROP INDEX mood_tag_tag;
)sql",
};

constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));

// The local day of a row's `at` and `utc_offset`, floored (SQLite's integer
// division truncates toward zero).
std::string day_of(std::string_view row) {
  return fmt::format(
      "(CASE WHEN {0}.at + {0}.utc_offset >= 0 THEN ({0}.at + {0}.utc_offset) / 86400"
      " ELSE ({0}.at + {0}.utc_offset - 86399) / 86400 END)",
      row);
}

// The local hour (0..23) of a row's `at` and `utc_offset`.
std::string hour_of(std::string_view row) {
  return fmt::format("(({0}.at + {0}.utc_offset - {1} * 86400) / 3600)", row, day_of(row));
}

// The rows of `row`'s day, through the `at` index.
std::string same_day(std::string_view table, std::string_view row) {
  return fmt::format(
      "{0}.at BETWEEN {1} * 86400 - 64800 AND {1} * 86400 + 86400 + 64800 AND {2} = {1}", table,
      day_of(row), day_of(table));
}

std::string recompute_mood(std::string_view row) {
  return fmt::format(
      "DELETE FROM mood_day WHERE day = {0};\n"
      "  INSERT INTO mood_day SELECT {0}, count(*), sum(private), sum(score), min(score),"
      " max(score) FROM mood WHERE {1} GROUP BY 1;",
      day_of(row), same_day("mood", row));
}

std::string recompute_app(std::string_view row) {
  return fmt::format(
      "DELETE FROM app_day WHERE day = {0} AND app = {1}.app;\n"
      "  INSERT INTO app_day SELECT {0}, app, count(*), sum(duration_s) FROM app_session"
      " WHERE {2} AND app_session.app = {1}.app GROUP BY 1, 2;",
      day_of(row), row, same_day("app_session", row));
}

std::string recompute_app_hour(std::string_view row) {
  return fmt::format(
      "DELETE FROM app_hour WHERE day = {0};\n"
      "  INSERT INTO app_hour SELECT {0}, {1}, count(*), sum(duration_s) FROM app_session"
      " WHERE {2} GROUP BY 1, 2;",
      day_of(row), hour_of("app_session"), same_day("app_session", row));
}

// Expands {day:ROW}, {hour:ROW} and {recompute_...:ROW} in `sql`.
std::string rollup_sql(std::string_view sql) {
  std::string out;
  for (std::size_t i = 0; i < sql.size();) {
    const std::size_t open = sql.find('{', i);
    if (open == std::string_view::npos) {
      out.append(sql.substr(i));
      break;
    }
    const std::size_t colon = sql.find(':', open);
    const std::size_t close = sql.find('}', open);
    out.append(sql.substr(i, open - i));
    const std::string_view name = sql.substr(open + 1, colon - open - 1);
    const std::string_view row = sql.substr(colon + 1, close - colon - 1);
    if (name == "day") out += day_of(row);
    if (name == "recompute_mood") out += recompute_mood(row);
    if (name == "hour") out += hour_of(row);
    if (name == "recompute_app") out += recompute_app(row);
    if (name == "recompute_app_hour") out += recompute_app_hour(row);
    i = close + 1;
  }
  return out;
}

Result<int> user_version(Db& db) {
  Result<Statement> st = db.prepare("PRAGMA user_version;");
  if (!st.is_ok()) return st.status();
  Result<bool> row = st->step();
  if (!row.is_ok()) return row.status();
  return static_cast<int>(st->int64(0));
}

}  // namespace

int current_schema_version() {
  return kSchemaVersion;
}

Status migrate(Db& db) {
  Result<int> version = user_version(db);
  if (!version.is_ok()) return version.status();
  if (*version > kSchemaVersion) {
    return Status::error(ErrorKind::kUnsupported,
                         fmt::format("vault database schema {} is newer than this tend reads ({})",
                                     *version, kSchemaVersion),
                         "upgrade tend to open this vault");
  }
  for (int v = *version; v < kSchemaVersion; ++v) {
    Result<Transaction> tx = Transaction::begin(db);
    if (!tx.is_ok()) return tx.status();
    // Re-read inside the write lock: another tend may have migrated meanwhile.
    Result<int> now = user_version(db);
    if (!now.is_ok()) return now.status();
    if (*now > v) continue;
    const std::string sql = rollup_sql(kMigrations[v]);
    Status s = db.exec(sql.c_str());
    if (!s.is_ok()) return s.with_context(fmt::format("cannot migrate schema to {}", v + 1));
    s = db.exec(fmt::format("PRAGMA user_version = {};", v + 1).c_str());
    if (!s.is_ok()) return s;
    s = tx->commit();
    if (!s.is_ok()) return s;
  }
  return Status::ok();
}

namespace {

Result<std::vector<std::string>> schema_rows(Db& db) {
  Result<Statement> st =
      db.prepare("SELECT type, name, coalesce(sql, '') FROM sqlite_master ORDER BY type, name;");
  if (!st.is_ok()) return st.status();
  std::vector<std::string> rows;
  for (;;) {
    Result<bool> row = st->step();
    if (!row.is_ok()) return row.status();
    if (!*row) break;
    rows.push_back(fmt::format("{} {}: {}", st->text(0), st->text(1), st->text(2)));
  }
  return rows;
}

// The days from the earliest to the latest of `table`'s rows and its rollup's.
Result<std::pair<std::int64_t, std::int64_t>> day_span(Db& db, std::string_view table,
                                                       std::string_view rollup) {
  Result<Statement> st =
      db.prepare(fmt::format("SELECT (SELECT min(at) FROM {0}), (SELECT max(at) FROM {0}),"
                             " (SELECT min(day) FROM {1}), (SELECT max(day) FROM {1});",
                             table, rollup));
  if (!st.is_ok()) return st.status();
  Result<bool> row = st->step();
  if (!row.is_ok()) return row.status();
  std::int64_t lo = INT64_MAX, hi = INT64_MIN;
  if (!st->is_null(0)) {
    lo = st->int64(0) / 86400 - 2;
    hi = st->int64(1) / 86400 + 2;
  }
  if (!st->is_null(2)) {
    lo = std::min(lo, st->int64(2));
    hi = std::max(hi, st->int64(3));
  }
  return std::pair{lo, hi};
}

// Rows of `stored` EXCEPT `computed`, and the reverse: "<what> on <day>". Both
// are templates over {lo} and {hi}, and are compared a few weeks at a time, so
// that recomputing years of sessions never sorts them all in memory at once.
Status collect_differences(Db& db, std::pair<std::int64_t, std::int64_t> span,
                           const std::string& stored, const std::string& computed,
                           std::string_view what, std::size_t max, std::vector<std::string>* out) {
  constexpr std::int64_t kChunkDays = 32;
  for (std::int64_t lo = span.first; lo <= span.second && out->size() < max; lo += kChunkDays) {
    const std::int64_t hi = lo + kChunkDays - 1;
    const std::string a = fmt::format(fmt::runtime(stored), fmt::arg("lo", lo), fmt::arg("hi", hi));
    const std::string b =
        fmt::format(fmt::runtime(computed), fmt::arg("lo", lo), fmt::arg("hi", hi));
    for (const auto& [x, y, how] : {std::tuple{a, b, "stored but not in the entries"},
                                    std::tuple{b, a, "missing or wrong"}}) {
      Result<Statement> st =
          db.prepare(fmt::format("SELECT DISTINCT day FROM ({} EXCEPT {}) ORDER BY day;", x, y));
      if (!st.is_ok()) return st.status();
      for (;;) {
        Result<bool> row = st->step();
        if (!row.is_ok()) return row.status();
        if (!*row || out->size() >= max) break;
        out->push_back(fmt::format("{} on {}: {}", what, format_day(st->int64(0)), how));
      }
    }
  }
  return Status::ok();
}

}  // namespace

Result<std::vector<std::string>> schema_differences(Db& db) {
  Result<Db> fresh = Db::open_plain(":memory:");
  if (!fresh.is_ok()) return fresh.status();
  if (Status s = migrate(*fresh); !s.is_ok()) return s;
  Result<std::vector<std::string>> want = schema_rows(*fresh);
  if (!want.is_ok()) return want.status();
  Result<std::vector<std::string>> have = schema_rows(db);
  if (!have.is_ok()) return have.status();
  Result<int> version = user_version(db);
  if (!version.is_ok()) return version.status();
  std::vector<std::string> out;
  if (*version != kSchemaVersion) {
    out.push_back(fmt::format("schema version {}, expected {}", *version, kSchemaVersion));
  }
  for (const std::string& w : *want) {
    if (std::find(have->begin(), have->end(), w) == have->end()) {
      out.push_back("missing or changed: " + w.substr(0, w.find(':')));
    }
  }
  for (const std::string& h : *have) {
    if (std::find(want->begin(), want->end(), h) == want->end()) {
      out.push_back("unexpected: " + h.substr(0, h.find(':')));
    }
  }
  return out;
}

Status recompute_rollups(Db& db, std::int64_t first_day, std::int64_t last_day, Rollups which) {
  const auto rows_of = [](std::string_view table) {
    return fmt::format(
        "{0}.at BETWEEN ?1 * 86400 - 64800 AND ?2 * 86400 + 86400 + 64800 AND {1} BETWEEN ?1 AND "
        "?2",
        table, day_of(table));
  };
  const std::string sql[] = {
      "DELETE FROM mood_day WHERE day BETWEEN ?1 AND ?2;",
      fmt::format("INSERT OR FAIL INTO mood_day SELECT {}, count(*), sum(private), sum(score),"
                  " min(score), max(score) FROM mood WHERE {} GROUP BY 1;",
                  day_of("mood"), rows_of("mood")),
      "DELETE FROM app_day WHERE day BETWEEN ?1 AND ?2;",
      fmt::format("INSERT OR FAIL INTO app_day SELECT {}, app, count(*), sum(duration_s)"
                  " FROM app_session WHERE {} GROUP BY 1, 2;",
                  day_of("app_session"), rows_of("app_session")),
      "DELETE FROM app_hour WHERE day BETWEEN ?1 AND ?2;",
      fmt::format("INSERT OR FAIL INTO app_hour SELECT {}, {}, count(*), sum(duration_s)"
                  " FROM app_session WHERE {} GROUP BY 1, 2;",
                  day_of("app_session"), hour_of("app_session"), rows_of("app_session")),
  };
  const bool moods = which != Rollups::kApps, apps = which != Rollups::kMood;
  for (std::size_t i = moods ? 0 : 2; i < (apps ? std::size(sql) : 2); ++i) {
    Result<Statement> st = db.prepare(sql[i]);
    if (!st.is_ok()) return st.status();
    st->bind(1, first_day).bind(2, last_day);
    Status s = st->run();
    if (!s.is_ok()) return s.with_context("cannot recompute the rollups");
  }
  return Status::ok();
}

Result<std::vector<std::string>> rollup_differences(Db& db, std::size_t max) {
  std::vector<std::string> out;
  // Rows of days lo..hi, through the `at` index (offsets are within +-18 h).
  const auto rows_of = [](std::string_view table) {
    return fmt::format(
        "{0}.at BETWEEN {{lo}} * 86400 - 64800 AND {{hi}} * 86400 + 86400 + 64800"
        " AND {1} BETWEEN {{lo}} AND {{hi}}",
        table, day_of(table));
  };
  Result<std::pair<std::int64_t, std::int64_t>> span = day_span(db, "mood", "mood_day");
  if (!span.is_ok()) return span.status();
  Status s = collect_differences(
      db, *span,
      "SELECT day, entries, private, score_sum, score_min, score_max FROM mood_day"
      " WHERE day BETWEEN {lo} AND {hi}",
      fmt::format("SELECT {} AS day, count(*), sum(private), sum(score), min(score), max(score)"
                  " FROM mood WHERE {} GROUP BY 1",
                  day_of("mood"), rows_of("mood")),
      "mood rollup", max, &out);
  if (!s.is_ok()) return s;
  span = day_span(db, "app_session", "app_day");
  if (!span.is_ok()) return span.status();
  s = collect_differences(
      db, *span, "SELECT day, app, sessions, seconds FROM app_day WHERE day BETWEEN {lo} AND {hi}",
      fmt::format("SELECT {} AS day, app, count(*), sum(duration_s) FROM app_session"
                  " WHERE {} GROUP BY 1, 2",
                  day_of("app_session"), rows_of("app_session")),
      "app rollup", max, &out);
  if (!s.is_ok()) return s;
  span = day_span(db, "app_session", "app_hour");
  if (!span.is_ok()) return span.status();
  s = collect_differences(
      db, *span,
      "SELECT day, hour, sessions, seconds FROM app_hour WHERE day BETWEEN {lo} AND {hi}",
      fmt::format("SELECT {} AS day, {} AS hour, count(*), sum(duration_s) FROM app_session"
                  " WHERE {} GROUP BY 1, 2",
                  day_of("app_session"), hour_of("app_session"), rows_of("app_session")),
      "app hour rollup", max, &out);
  if (!s.is_ok()) return s;
  return out;
}

}  // namespace tend
