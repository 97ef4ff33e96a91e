#include "core/db.hpp"

#include <sys/stat.h>

#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "core/text.hpp"
#include "crypto/encoding.hpp"

namespace tend {
namespace {

constexpr int kBusyTimeoutMs = 30000;

// The key as SQLCipher's raw-key literal x'<64 hex>', in guarded memory.
crypto::SecretBytes raw_key_literal(const crypto::SecretBytes& key) {
  static constexpr char kHex[] = "0123456789abcdef";
  crypto::SecretBytes lit(key.size() * 2 + 3);
  std::uint8_t* p = lit.data();
  *p++ = 'x';
  *p++ = '\'';
  for (std::size_t i = 0; i < key.size(); ++i) {
    *p++ = static_cast<std::uint8_t>(kHex[key.data()[i] >> 4]);
    *p++ = static_cast<std::uint8_t>(kHex[key.data()[i] & 15]);
  }
  *p = '\'';
  return lit;
}

}  // namespace

// A file that lost its name (tend rekey or restore swapped its directory out)
// must not take the -wal and -shm by that name with it when it closes: they
// are the new vault's now.
void Db::close() {
  if (db_ == nullptr) return;
  if (!still_named()) keep_files_on_close();
  sqlite3_close_v2(db_);
  db_ = nullptr;
}

Db::~Db() {
  close();
}

Db::Db(Db&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), file_(std::move(other.file_)) {}

Db& Db::operator=(Db&& other) noexcept {
  if (this != &other) {
    close();
    db_ = std::exchange(other.db_, nullptr);
    file_ = std::move(other.file_);
  }
  return *this;
}

Status Db::error(int rc, std::string_view what) const {
  const char* msg = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  if (rc == SQLITE_CONSTRAINT_COMMITHOOK ||
      ((rc & 0xff) == SQLITE_CONSTRAINT && db_ != nullptr &&
       sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_COMMITHOOK)) {
    return io_error(fmt::format("{}: the vault was replaced (by tend rekey) meanwhile; nothing "
                                "was written",
                                what),
                    "run the command again");
  }
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: {
      // SQLCipher authenticates each page as it is read, so this is where a
      // damaged page surfaces, on whatever command reads it.
      const char* file = db_ != nullptr ? sqlite3_db_filename(db_, "main") : nullptr;
      return corrupt(fmt::format("the vault database {}is damaged",
                                 file != nullptr && *file != 0 ? quote(file, 120) + " " : ""),
                     "tend check lists what is damaged; restore vault.db from a backup");
    }
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return io_error(fmt::format("{}: the vault is busy (another tend is writing)", what),
                      "try again in a moment");
    case SQLITE_FULL:
      return io_error(fmt::format("{}: the disk is full", what));
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
      return io_error(fmt::format("{}: {}", what, msg));
    case SQLITE_CONSTRAINT:
      return invalid_input(fmt::format("{}: {}", what, msg));
    default:
      return io_error(fmt::format("{}: {}", what, msg));
  }
}

Result<Db> Db::open(const std::string& path, const crypto::SecretBytes& raw_key,
                    const CipherSettings& settings, Mode mode) {
  if (raw_key.size() != 32) return corrupt("vault key has the wrong length");
  // The file's identity before SQLite opens it by name: if another tend swaps
  // a new vault in meanwhile, the two differ and the open stops.
  struct stat before {};
  if (::stat(path.c_str(), &before) != 0 && mode == Mode::kOpenExisting) {
    return io_error(fmt::format("cannot open vault database {}", path));
  }
  sqlite3* handle = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX |
                    (mode == Mode::kCreate ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
  Db db(handle);
  if (rc != SQLITE_OK) return db.error(rc, "cannot open vault database");

  const crypto::SecretBytes literal = raw_key_literal(raw_key);
  rc = sqlite3_key(handle, literal.data(), static_cast<int>(literal.size()));
  if (rc != SQLITE_OK) return db.error(rc, "cannot key vault database");
  sqlite3_busy_timeout(handle, kBusyTimeoutMs);

  // Settings must precede the first read; page size is the only one that differs
  // from SQLCipher 3's defaults, the rest are checked against the header.
  const std::string page = fmt::format("PRAGMA cipher_page_size = {};", settings.page_size);
  Status s = db.exec(page.c_str());
  if (!s.is_ok()) return s;

  // Prove the key: reading the schema decrypts and authenticates page 1.
  s = db.exec("SELECT count(*) FROM sqlite_master;");
  if (!s.is_ok()) return s.with_context("cannot open vault database");
  // SQLite holds the file open from here on: this is the file it reads.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return io_error(fmt::format("cannot stat {}", path));
  if (mode == Mode::kOpenExisting && (st.st_dev != before.st_dev || st.st_ino != before.st_ino)) {
    return io_error("the vault was replaced (by tend rekey) while this command opened it",
                    "run the command again");
  }
  db.file_ = std::make_unique<FileId>(FileId{path, st.st_dev, st.st_ino});
  // Every commit, through Transaction or a lone statement, lands only in the
  // file that still has the vault's name (a non-zero return rolls it back).
  sqlite3_commit_hook(
      handle, [](void* file) { return static_cast<const FileId*>(file)->still_named() ? 0 : 1; },
      db.file_.get());

  // No plaintext spills into temporary files; deleted content is overwritten.
  s = db.exec(
      "PRAGMA temp_store = MEMORY; PRAGMA secure_delete = ON; PRAGMA foreign_keys = ON;"
      "PRAGMA synchronous = FULL;");
  if (!s.is_ok()) return s;
  return db;
}

Result<Db> Db::open_plain(const std::string& path) {
  sqlite3* handle = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &handle,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  Db db(handle);
  if (rc != SQLITE_OK) return db.error(rc, "cannot open a plain database");
  sqlite3_busy_timeout(handle, kBusyTimeoutMs);
  return db;
}

Status Db::exec(const char* sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (err != nullptr) sqlite3_free(err);
  if (rc != SQLITE_OK) return error(rc, "database error");
  return Status::ok();
}

Result<Statement> Db::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return error(rc, "database error");
  return Statement(stmt, this);
}

std::int64_t Db::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_);
}
int Db::changes() const {
  return sqlite3_changes(db_);
}

Statement::~Statement() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), db_(std::exchange(other.db_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::bind_real(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind(int index, std::optional<std::string_view> text) {
  return text ? bind(index, *text) : bind_null(index);
}

Statement& Statement::bind(int index, std::optional<std::int64_t> value) {
  return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind_blob(int index, std::span<const std::uint8_t> blob) {
  sqlite3_bind_blob(stmt_, index, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // SQLCipher 3 reports a page that fails its HMAC by putting the pager in an
  // error state with a bare SQLITE_ERROR (the btree may also see the zeroed
  // page and say SQLITE_CORRUPT first). A prepared statement has no other cause
  // of a bare SQLITE_ERROR when stepped: every other failure has its own code
  // or its own message.
  if (rc == SQLITE_ERROR &&
      std::strcmp(sqlite3_errmsg(sqlite3_db_handle(stmt_)), sqlite3_errstr(SQLITE_ERROR)) == 0) {
    rc = SQLITE_CORRUPT;
  }
  return db_->error(rc, "database error");
}

Status Statement::run() {
  for (;;) {
    Result<bool> r = step();
    if (!r.is_ok()) return r.status();
    if (!r.value()) return Status::ok();
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

double Statement::real(int column) const {
  return sqlite3_column_double(stmt_, column);
}

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  return p == nullptr ? std::string()
                      : std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

std::optional<std::string> Statement::optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}

std::optional<std::int64_t> Statement::optional_int64(int column) const {
  if (is_null(column)) return std::nullopt;
  return int64(column);
}

std::vector<std::uint8_t> Statement::blob(int column) const {
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
  const int n = sqlite3_column_bytes(stmt_, column);
  if (p == nullptr) return {};
  return {p, p + n};
}

crypto::SecretBytes Statement::secret_blob(int column) const {
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
  const int n = sqlite3_column_bytes(stmt_, column);
  if (p == nullptr) return {};
  return crypto::SecretBytes::from({p, static_cast<std::size_t>(n)});
}

void Db::keep_files_on_close() {
  int persist = 1;
  (void)sqlite3_file_control(db_, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
}

bool Db::FileId::still_named() const {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

bool Db::still_named() const {
  return file_ == nullptr || file_->still_named();
}

Status Db::export_to(const std::string& path, const crypto::SecretBytes& raw_key,
                     const CipherSettings& settings) {
  // The key is bound, not spliced into the SQL, so no copy of it is left in
  // an SQL string.
  const crypto::SecretBytes literal = raw_key_literal(raw_key);
  sqlite3_stmt* attach = nullptr;
  int rc = sqlite3_prepare_v2(db_, "ATTACH DATABASE ?1 AS rekeyed KEY ?2;", -1, &attach, nullptr);
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(attach, 1, path.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(attach, 2, literal.data(), static_cast<int>(literal.size()), SQLITE_STATIC);
    rc = sqlite3_step(attach);
    if (rc == SQLITE_DONE) rc = SQLITE_OK;
  }
  sqlite3_finalize(attach);
  if (rc != SQLITE_OK) return error(rc, "cannot create the re-encrypted database");
  Result<Statement> version = prepare("PRAGMA main.user_version;");
  Status s = version.status();
  std::int64_t user_version = 0;
  if (s.is_ok()) {
    Result<bool> row = version->step();
    s = row.status();
    if (s.is_ok() && *row) user_version = version->int64(0);
  }
  version = Statement();
  const std::string setup =
      fmt::format("PRAGMA rekeyed.cipher_page_size = {}; PRAGMA rekeyed.auto_vacuum = FULL;",
                  settings.page_size);
  // One transaction, and no journal for the copy: it is a new file that is
  // thrown away whole if anything fails, so a rollback journal would only
  // cost a create, a sync and an unlink per table.
  if (s.is_ok()) s = exec(setup.c_str());
  if (s.is_ok()) s = exec("PRAGMA rekeyed.journal_mode = OFF; BEGIN;");
  if (s.is_ok()) s = exec("SELECT sqlcipher_export('rekeyed');");
  if (s.is_ok()) {
    s = exec(fmt::format("PRAGMA rekeyed.user_version = {};", user_version).c_str());
  }
  if (s.is_ok()) s = exec("COMMIT;");
  if (!s.is_ok()) (void)exec("ROLLBACK;");
  Status detached = exec("DETACH DATABASE rekeyed;");
  return s.is_ok() ? detached : s;
}

Result<Transaction> Transaction::begin(Db& db) {
  Status s = db.exec("BEGIN IMMEDIATE;");
  if (!s.is_ok()) return s;
  if (!db.still_named()) {
    (void)db.exec("ROLLBACK;");
    return io_error("the vault was replaced (by tend rekey or restore) while this command waited",
                    "run the command again");
  }
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) (void)db_->exec("ROLLBACK;");
}

Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Status Transaction::commit() {
  Db* db = std::exchange(db_, nullptr);
  Status s = db->exec("COMMIT;");
  if (!s.is_ok()) (void)db->exec("ROLLBACK;");
  return s;
}

Result<TriggersOff> TriggersOff::begin(Db& db) {
  int now_on = 1;
  const int rc = sqlite3_db_config(db.handle(), SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, &now_on);
  if (rc != SQLITE_OK || now_on != 0) return db.error(rc, "cannot turn triggers off");
  return TriggersOff(&db);
}

Status TriggersOff::end() {
  if (db_ == nullptr) return Status::ok();
  int now_on = 0;
  const int rc = sqlite3_db_config(db_->handle(), SQLITE_DBCONFIG_ENABLE_TRIGGER, 1, &now_on);
  db_ = nullptr;
  if (rc != SQLITE_OK || now_on != 1) return io_error("cannot turn triggers back on");
  return Status::ok();
}

TriggersOff::~TriggersOff() {
  // Nothing to report to here: a connection left without triggers is closed
  // by the command that made it, and the next opens with them on.
  (void)end();
}

}  // namespace tend
