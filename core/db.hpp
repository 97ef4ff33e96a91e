// RAII handles over SQLCipher: Db (a keyed connection), Statement, Transaction.
//
// A Db is keyed with sqlite3_key() right after open — the raw key is passed as
// the blob literal x'<hex>' assembled in guarded memory, never interpolated into
// SQL — then the key is proven by reading sqlite_master. All handles are move-only.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.hpp"
#include "crypto/secret.hpp"

namespace tend {

// SQLCipher settings a vault is written with; recorded in vault.json so that a
// newer SQLCipher (4.x) can open the file with the same settings.
struct CipherSettings {
  int page_size = 4096;
  bool use_hmac = true;
  std::string hmac_algorithm = "HMAC_SHA1";
  std::string kdf_algorithm = "PBKDF2_HMAC_SHA1";
  int kdf_iter = 64000;  // unused with a raw key, recorded for completeness
  int fast_kdf_iter = 2;
  int compatibility = 3;  // SQLCipher 4's PRAGMA cipher_compatibility value
};

class Statement;

class Db {
 public:
  enum class Mode { kOpenExisting = 0, kCreate = 1 };

  Db() = default;
  ~Db();
  Db(Db&& other) noexcept;
  Db& operator=(Db&& other) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Opens and keys `path` with the 32-byte raw key. A wrong key or a damaged
  // file is reported as kCorrupt: by the time a Db is opened, the key has been
  // authenticated by a key slot, so a failure here is never "wrong passphrase".
  static Result<Db> open(const std::string& path, const crypto::SecretBytes& raw_key,
                         const CipherSettings& settings, Mode mode);

  // An unencrypted database, created if missing: ":memory:" to compare schemas,
  // or a file for the benchmark against plain SQLite. Never for journal data.
  static Result<Db> open_plain(const std::string& path);

  Status exec(const char* sql);
  Result<Statement> prepare(std::string_view sql);
  std::int64_t last_insert_rowid() const;
  int changes() const;
  sqlite3* handle() { return db_; }

  // Maps an SQLite result code to a Status, with `what` as context.
  Status error(int rc, std::string_view what) const;

  // Copies the whole database, schema, rows and user_version, into the empty
  // file `path`, encrypted under `raw_key` with `settings` (sqlcipher_export),
  // with auto_vacuum FULL as tend makes every vault. Reads one snapshot. The
  // copy is left in rollback-journal mode: open it and set WAL.
  Status export_to(const std::string& path, const crypto::SecretBytes& raw_key,
                   const CipherSettings& settings);

  // Whether the file this was opened from still has its name: false once tend
  // rekey or restore put another vault.db in its place. Transaction::begin
  // checks it, so that no write lands in a vault that was replaced.
  bool still_named() const;

  // On close, SQLite removes the -wal and -shm files by name. After tend
  // rekey or restore has put another vault under that name, they would be the
  // new vault's: this makes the close leave them (SQLITE_FCNTL_PERSIST_WAL).
  void keep_files_on_close();

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  void close();
  sqlite3* db_ = nullptr;
  // The file opened and its identity then (open() only), on the heap so that
  // SQLite's commit hook can hold its address while the Db moves.
  struct FileId {
    std::string path;
    std::uint64_t dev = 0, ino = 0;
    bool still_named() const;
  };
  std::unique_ptr<FileId> file_;
};

class Statement {
 public:
  Statement() = default;
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, as in SQLite.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const std::string& text) {
    return bind(index, std::string_view(text));
  }
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, std::optional<std::string_view> text);
  Statement& bind(int index, std::optional<std::int64_t> value);
  Statement& bind_real(int index, double value);
  Statement& bind_blob(int index, std::span<const std::uint8_t> blob);
  Statement& bind_null(int index);

  // Steps once: true with a row, false when done.
  Result<bool> step();
  // Steps to completion, expecting no rows.
  Status run();
  void reset();

  bool is_null(int column) const;
  std::int64_t int64(int column) const;
  double real(int column) const;
  std::string text(int column) const;
  std::optional<std::string> optional_text(int column) const;
  std::optional<std::int64_t> optional_int64(int column) const;
  std::vector<std::uint8_t> blob(int column) const;
  // A blob copied straight into guarded memory (for key material).
  crypto::SecretBytes secret_blob(int column) const;

 private:
  friend class Db;
  Statement(sqlite3_stmt* stmt, Db* db) : stmt_(stmt), db_(db) {}
  sqlite3_stmt* stmt_ = nullptr;
  Db* db_ = nullptr;
};

// This connection's triggers off while it lives (SQLITE_DBCONFIG_ENABLE_TRIGGER),
// for a bulk write that then recomputes what the triggers keep
// (recompute_rollups). Statements prepared meanwhile run without triggers.
class [[nodiscard]] TriggersOff {
 public:
  static Result<TriggersOff> begin(Db& db);
  ~TriggersOff();
  TriggersOff(TriggersOff&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  TriggersOff& operator=(TriggersOff&&) = delete;
  TriggersOff(const TriggersOff&) = delete;
  // Turns them back on now (before the guard goes).
  Status end();

 private:
  explicit TriggersOff(Db* db) : db_(db) {}
  Db* db_ = nullptr;
};

// BEGIN IMMEDIATE on construction; rolls back on destruction unless committed.
class [[nodiscard]] Transaction {
 public:
  // BEGIN IMMEDIATE. kIo, and nothing begun, if the file was replaced by
  // another tend (rekey, restore) while this one waited for the lock.
  static Result<Transaction> begin(Db& db);
  ~Transaction();
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;

  Status commit();

 private:
  explicit Transaction(Db* db) : db_(db) {}
  Db* db_ = nullptr;
};

}  // namespace tend
