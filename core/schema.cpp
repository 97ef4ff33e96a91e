#include "core/schema.hpp"

#include <fmt/format.h>

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
};

constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));

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
    Status s = db.exec(kMigrations[v]);
    if (!s.is_ok()) return s.with_context(fmt::format("cannot migrate schema to {}", v + 1));
    s = db.exec(fmt::format("PRAGMA user_version = {};", v + 1).c_str());
    if (!s.is_ok()) return s;
    s = tx->commit();
    if (!s.is_ok()) return s;
  }
  return Status::ok();
}

}  // namespace tend
