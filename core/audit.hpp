// The audit log: an append-only list of canonical JSON entries in the vault,
// hashed as an RFC 9162 Merkle tree, with a signed checkpoint (C2SP
// tlog-checkpoint) after every command that appended. Format: docs/audit-format.md.
//
// Invariants:
//   - An entry is appended in the same transaction as the change it records.
//   - audit_entry.bytes are exactly the bytes hashed into the leaf.
//   - audit_state holds the frontier of the tree over all entries, so an
//     append costs O(log n) and never rereads the log.
//   - No journal content and no hash of content ever enters an entry.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.hpp"
#include "core/db.hpp"
#include "core/json.hpp"
#include "crypto/merkle.hpp"
#include "crypto/note.hpp"
#include "crypto/sign.hpp"

namespace tend {

// Entry kinds. The verifier refuses any other.
namespace kind {
inline constexpr std::string_view kVaultCreated = "vault.created";
inline constexpr std::string_view kPassphraseChanged = "passphrase.changed";
inline constexpr std::string_view kRecovered = "recovered";
inline constexpr std::string_view kKeyRotated = "key.rotated";
inline constexpr std::string_view kEntriesDeleted = "entries.deleted";
inline constexpr std::string_view kEntriesShared = "entries.shared";  // private made shareable
inline constexpr std::string_view kImportCompleted = "import.completed";
inline constexpr std::string_view kGrantCreated = "grant.created";
inline constexpr std::string_view kGrantRevoked = "grant.revoked";
inline constexpr std::string_view kReceiptIssued = "receipt.issued";
inline constexpr std::string_view kExportCreated = "export.created";
inline constexpr std::string_view kExportRefused = "export.refused";
inline constexpr std::string_view kReportWritten = "report.written";    // a plaintext HTML report
inline constexpr std::string_view kTakeoutCreated = "takeout.created";  // the owner's own copy
inline constexpr std::string_view kBackupCreated = "backup.created";    // tend backup
inline constexpr std::string_view kVaultRestored = "vault.restored";    // tend restore
}  // namespace kind
bool is_known_kind(std::string_view k);

// "tend.local/<vault-id>": the checkpoint origin and the note key name.
std::string audit_origin(const std::string& vault_id);

// The canonical bytes of an entry: {"kind","meta","seq","time"}.
std::string make_entry(std::int64_t seq, std::int64_t time, std::string_view kind,
                       const Json& meta);

struct AuditEntry {
  std::int64_t seq = 0;
  std::int64_t time = 0;
  std::string kind;
  std::string bytes;
};

struct AuditHead {
  std::uint64_t size = 0;
  crypto::Hash32 root{};
  std::string root_base64() const;  // as checkpoints write it
};

class AuditLog {
 public:
  // `key` is the vault's audit key pair.
  AuditLog(Db& db, std::string origin, crypto::KeyPair key)
      : db_(&db), origin_(std::move(origin)), key_(std::move(key)) {}

  // Appends an entry and signs a checkpoint for the new size. Entry times never
  // go back: kClockBehind if `time` is earlier than the last entry's (a clock
  // set back, or a `now` read before another tend appended; the caller may retry
  // with a fresh reading of the clock).
  // REQUIRES: the caller holds a write transaction on the database, so the
  // entry commits together with the change it records, or not at all.
  Result<std::int64_t> record(std::string_view kind, const Json& meta, std::int64_t time);

  // tend restore: appends an entry another copy of this log already holds,
  // byte for byte, so the tree goes on as that copy's did. kInvalidInput
  // unless it is canonical, of a known kind, numbered as the next entry and
  // dated no earlier than the last. No checkpoint is signed (record() signs
  // one for the size after it).
  // REQUIRES: a write transaction, as for record().
  Result<std::int64_t> reappend(std::string_view bytes);

  Result<AuditHead> head();
  // The time of the newest entry; nullopt for an empty log.
  Result<std::optional<std::int64_t>> last_time();
  // The newest `limit` entries (all if none), oldest first.
  Result<std::vector<AuditEntry>> entries(std::optional<std::int64_t> limit);
  // The newest signed checkpoint; kNotFound if none yet.
  Result<std::string> latest_checkpoint();
  // Every checkpoint, by size.
  Result<std::vector<std::string>> checkpoints();

  const std::string& origin() const { return origin_; }
  std::string verifier_key() const { return crypto::format_verifier_key(origin_, key_.public_key); }

  // The audit package (docs/audit-format.md): metadata only, no journal content.
  Result<std::string> package();
  // Writes the package to `path`, a new file (never replacing one), whole or not at all.
  Result<AuditHead> export_package(const std::string& path);

 private:
  Result<crypto::MerkleFrontier> load_frontier();
  // Appends to the tree `f` (and stores the entry and the new frontier).
  Result<std::int64_t> append(crypto::MerkleFrontier& f, std::string_view kind, const Json& meta,
                              std::int64_t time);
  // Stores entry `seq` (its exact bytes) and the frontier `f` that ends with it.
  Status store(const crypto::MerkleFrontier& f, std::int64_t seq, std::string_view bytes);
  Status sign_checkpoint(const crypto::MerkleFrontier& f);

  Db* db_;
  std::string origin_;
  crypto::KeyPair key_;
};

}  // namespace tend
