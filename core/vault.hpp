// A tend vault: a directory holding vault.json (plaintext header) and vault.db
// (SQLCipher). Format: docs/vault-format.md.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/status.hpp"
#include "core/audit.hpp"
#include "core/db.hpp"
#include "core/fs.hpp"
#include "core/header.hpp"
#include "crypto/kdf.hpp"
#include "crypto/secret.hpp"
#include "crypto/sign.hpp"

namespace tend {

struct VaultPaths {
  std::string dir;
  std::string header;  // dir/vault.json
  std::string db;      // dir/vault.db
};
VaultPaths vault_paths(const std::string& dir);

// The default vault directory: $XDG_DATA_HOME/tend, else $HOME/.local/share/tend.
// `getenv` is the environment to read (a seam for tests).
Result<std::string> default_vault_dir(const std::function<const char*(const char*)>& getenv);

enum class DeviceKey { kSigning = 1, kAudit = 2 };

// A change the audit log has recorded whose visible effect is still to come.
enum class Publication { kExport = 1, kReceipt = 2, kHeader = 3 };
struct PendingOutput {
  std::int64_t audit_seq = 0;  // the entry that records the change
  Publication what = Publication::kExport;
  std::vector<fs::FileIdentity> files;  // kExport, kReceipt: the files, once named
  std::string header;                   // kHeader: the new vault.json
};

class Vault;

struct CreatedVault;

class Vault {
 public:
  // Creates a new vault in `dir` (absent, or an empty directory). The recovery
  // key is returned once, in its typable form, and is never stored.
  static Result<CreatedVault> create(const std::string& dir, const crypto::SecretBytes& passphrase,
                                     const crypto::KdfParams& kdf, std::int64_t now);

  // kExists if `dir` already holds a vault (or a part of one).
  static Status check_can_create(const std::string& dir);

  // Reads and checks vault.json without unlocking (no secret needed).
  static Result<VaultHeader> read_header(const std::string& dir);

  // What in `dir` other users could read (tend makes the directory 0700 and
  // its files 0600): one line per finding, for the user. Ciphertext that
  // others can copy can be attacked offline.
  static std::vector<std::string> exposure_warnings(const std::string& dir);
  // kUnsafe if the vault (its directory, wherever a symlink leads, or a file in
  // it) belongs to another user or is writable by group or others: whoever can
  // write it can replace the header or roll the log back under the owner.
  // read_header() checks this first, so every way of opening a vault does.
  static Status check_access(const std::string& dir);

  // Unlocks with the passphrase: kWrongPassphrase if it does not unwrap the
  // data key; kCorrupt if the header or database is damaged. Never writes a
  // byte unless the database schema needs migrating.
  static Result<Vault> unlock(const std::string& dir, const crypto::SecretBytes& passphrase);
  // Unlocks with the data key itself, as the unlock agent hands it out: the
  // header's MAC proves the key is this vault's (kWrongPassphrase if not).
  static Result<Vault> unlock_with_data_key(const std::string& dir, crypto::SecretBytes dek);
  // Unlocks with the 32-byte recovery key.
  static Result<Vault> unlock_with_recovery_key(const std::string& dir,
                                                const crypto::SecretBytes& recovery_key);

  // Rewraps the data key under a new passphrase (new salt, same KDF cost) and
  // logs it as `audit_kind` (passphrase.changed or recovered). The data key
  // stays, so vault.db is not re-encrypted and a copy of the old vault.json
  // still opens it with the old passphrase (tend rekey changes the data key).
  // Order: the entry and the new header's bytes commit together; then
  // vault.json is replaced. Killed in between, the next unlock completes it.
  // Another tend changing the passphrase at the same time is ordered by the
  // log: the later entry's header is the one left in force, and the result says
  // whether that is this change.
  struct PassphraseChange {
    std::int64_t audit_seq = 0;
    bool in_force = true;  // false: a later change by another tend is in force
  };
  Result<PassphraseChange> change_passphrase(const crypto::SecretBytes& new_passphrase,
                                             std::string_view audit_kind, std::int64_t now);

  // tend rekey: a new data key. The database is copied, re-encrypted under it
  // (sqlcipher_export), into a staging directory beside the vault, with a
  // vault.json whose passphrase and recovery slots wrap the new key (new salt,
  // same KDF cost); `key.rotated` is logged in the copy, the copy is opened
  // once to prove it, `before_swap` runs (it ends the unlock agent), and the
  // two directories are exchanged in one rename: killed at any point, the
  // vault is the old one or the new one, each opening with the passphrase and
  // the recovery key. The old one is then removed. Device keys stay, so the
  // audit verifier key does not change. The old vault stays write-locked
  // throughout. `recovery_key` (32 bytes) must open the recovery slot, unless
  // `new_recovery_key` says it is a new one. Afterwards this is the new vault.
  Result<std::int64_t> rekey(const crypto::SecretBytes& passphrase,
                             const crypto::SecretBytes& recovery_key, bool new_recovery_key,
                             const std::function<void()>& before_swap, std::int64_t now);

  // tend backup: a copy of the vault in `out` (absent, or an empty directory),
  // encrypted as at rest under the same data key, with the vault.json in force:
  // it opens with the same passphrase and recovery key. It is taken while the
  // vault is write-locked, so it is one moment of it however many tends write;
  // it is built beside `out` (OUT.backup-...) and renamed into place whole.
  // Then `backup.created` (the log size the copy holds, no path) is logged
  // here, so the copy's log ends just before that entry.
  struct BackupMade {
    std::string dir;
    std::int64_t log_size = 0;  // entries in the copy's log
    std::int64_t audit_seq = 0;
    std::uint64_t bytes = 0;  // vault.db's size in the copy
  };
  Result<BackupMade> backup(const std::string& out, std::int64_t now);

  // tend restore: the vault in `dir` (which may be absent) replaced by the
  // backup in `from`, opened with `passphrase`. The backup is copied beside
  // `dir` (DIR.restore-...) and never written. With an audit `package` from
  // this vault (the same key, and the backup's log a prefix of it), every entry
  // the backup lacks is appended again, byte for byte, so the log continues as
  // the package's did (a vault at `dir` that opens must be that package's
  // vault as it is now, and stays write-locked until the swap); the consent
  // table is re-derived from the whole log
  // (rederive_consent). Without one, `accept_rollback` must be true: the log
  // then ends where the backup's did. Either way `vault.restored` is logged
  // last, and the two directories are exchanged in one rename (after
  // `before_swap`, which ends the unlock agent): killed at any point, `dir` is
  // the old vault or the restored one.
  struct RestoreSource {
    std::string from;
    std::optional<std::string> package;  // the audit package's bytes
    bool accept_rollback = false;
  };
  struct Restored {
    std::int64_t backup_log_size = 0;
    std::int64_t reappended = 0;
    std::int64_t journal_rows = 0;            // in the backup: every one older than it
    std::vector<std::string> grants_revoked;  // made after the backup, still active in the log
    std::int64_t audit_seq = 0;               // vault.restored
    bool continued = false;                   // the log continues the package's (else: rolled back)
    bool replaced = false;                    // a vault was at `dir` and is gone
    std::vector<std::string> notes;           // for the user, one line each
  };
  static Result<Restored> restore(
      const std::string& dir, const RestoreSource& request, const crypto::SecretBytes& passphrase,
      const std::function<void(const std::string& vault_id)>& before_swap, std::int64_t now);

  // Records `p` as in flight, owned by this process.
  // REQUIRES: inside the transaction that appends entry p.audit_seq.
  Status add_pending(const PendingOutput& p);
  // The publication is visible now: forget it (in a transaction of its own).
  Status remove_pending(std::int64_t audit_seq);
  // Finishes or reports what a killed tend left in flight: a logged passphrase
  // change is completed (the new vault.json is in its row); files that never got
  // their name are reported (their bytes died with the process). One line per
  // finding, for the user. Publications of running processes are left alone.
  Result<std::vector<std::string>> finish_interrupted();

  // The vault's audit log (its key is read from the database).
  Result<AuditLog> audit();

  // The device key pair of the given purpose, read from the database.
  Result<crypto::KeyPair> device_key(DeviceKey which);

  Db& db() { return db_; }
  // For the unlock agent only (core/agent.cpp).
  const crypto::SecretBytes& data_key() const { return dek_; }
  const VaultHeader& header() const { return header_; }
  const VaultPaths& paths() const { return paths_; }

  Vault(Vault&&) = default;
  Vault& operator=(Vault&&) = default;

 private:
  Vault() = default;
  static Result<Vault> finish_unlock(const std::string& dir, VaultHeader header,
                                     crypto::SecretBytes dek);
  // Under the database's write lock, so that no other tend logs or publishes
  // meanwhile: puts the header of the newest logged passphrase change in place
  // (if it is not already), forgets every pending header up to it, and reloads
  // header_ from vault.json. True if it had to replace vault.json.
  Result<bool> publish_latest_header();

  VaultPaths paths_;
  VaultHeader header_;
  crypto::SecretBytes dek_;
  Db db_;
};

struct CreatedVault {
  Vault vault;
  crypto::SecretBytes recovery_key;  // the raw 32 bytes; format with format_recovery_key
};

}  // namespace tend
