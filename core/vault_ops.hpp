// The vault commands as operations (tend init, status, passwd, recover,
// rekey, backup, restore, identity): each takes a request the CLI parsed and returns what happened.
// Secrets the operation needs later than the command line (a new passphrase)
// come from a source it calls when it needs them, so they are asked for after
// the vault is known to open.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.hpp"
#include "core/agent.hpp"
#include "core/app_use.hpp"
#include "core/audit.hpp"
#include "core/check.hpp"
#include "core/mood.hpp"
#include "core/secret.hpp"
#include "core/vault.hpp"

namespace tend {

// Asks for (or reads) a secret when called.
using SecretSource = std::function<Result<crypto::SecretBytes>()>;

// Called now and then while a long command runs (an import, a takeout): `done` of `total` bytes
// read
// ("reading") or rows written ("writing").
using ProgressFn =
    std::function<void(std::string_view stage, std::uint64_t done, std::uint64_t total)>;

// The KDF cost of a profile by name: interactive, moderate or sensitive.
std::optional<crypto::KdfParams> kdf_profile(std::string_view name);

struct InitRequest {
  std::string profile;  // the KDF profile's name
  crypto::KdfParams kdf;
  SecretSource passphrase;  // asked once the directory is known to be free
};
struct InitOutcome {
  std::string dir;
  std::string vault_id;
  std::string profile;
  crypto::KdfParams kdf;
  crypto::SecretBytes recovery_key;  // its typable form: shown once, never stored
};
// Creates a vault in `dir`; kExists if one is there.
Result<InitOutcome> vault_init(const std::string& dir, const InitRequest& request,
                               std::int64_t now);

// When the vault was last backed up (its newest backup.created entry), and
// whether that is long ago: more than kBackupOverdueDays, or never in a vault
// older than that.
inline constexpr std::int64_t kBackupOverdueDays = 30;
struct BackupAge {
  std::optional<std::int64_t> last;
  bool overdue = false;
};
struct StatusRequest {
  AgentPlace agents;  // where to ask whether an unlock agent holds the key
};
struct StatusOutcome {
  std::string dir;
  VaultHeader header;
  int schema_version = 0;
  MoodSummary mood;
  AppSummary apps;
  std::size_t grants_active = 0;
  std::size_t grants_total = 0;
  AuditHead head;
  std::optional<LastCheck> last_check;  // tend check, if it ever ran
  std::optional<AgentInfo> agent;       // an unlock agent holds the key, until when
  BackupAge backup;
};
Result<StatusOutcome> vault_status(Vault& vault, const StatusRequest& request, std::int64_t now);

struct PasswdRequest {
  SecretSource new_passphrase;
};
struct RecoverRequest {
  crypto::SecretBytes recovery_key;  // its typable form, as read
  SecretSource new_passphrase;
};
struct PassphraseOutcome {
  std::int64_t audit_seq = 0;
  bool in_force = true;            // false: a later change by another tend is in force
  std::vector<std::string> notes;  // what an interrupted tend left and this one finished
};
// Sets a new passphrase (logged as passphrase.changed).
Result<PassphraseOutcome> vault_passwd(Vault& vault, const PasswdRequest& request,
                                       std::int64_t now);
// Unlocks `dir` with the recovery key and sets a new passphrase (logged as recovered).
Result<PassphraseOutcome> vault_recover(const std::string& dir, const RecoverRequest& request,
                                        std::int64_t now);

// tend unlock: an agent holds the data key for `seconds` (at most
// kAgentMaxSeconds); tend lock ends it.
struct UnlockRequest {
  AgentPlace agents;
  std::int64_t seconds = kAgentDefaultSeconds;
};
struct UnlockOutcome {
  AgentInfo agent;
  bool already = false;  // one was running: it is left as it is
};
Result<UnlockOutcome> vault_unlock(Vault& vault, const UnlockRequest& request, std::int64_t now);

struct LockRequest {
  AgentPlace agents;
};
struct LockOutcome {
  bool was_unlocked = false;
};
// Needs no passphrase: any process of the user's may end the agent.
Result<LockOutcome> vault_lock(const std::string& dir, const LockRequest& request,
                               std::int64_t now);

// tend rekey: a new data key (Vault::rekey), logged as key.rotated. The
// recovery key is needed to rewrap its slot, or a new one is made and shown.
struct RekeyRequest {
  AgentPlace agents;                                // the agent holding the old key is ended
  SecretSource passphrase;                          // the vault's passphrase
  std::optional<crypto::SecretBytes> recovery_key;  // its typable form; nullopt: a new one
};
struct RekeyOutcome {
  std::int64_t audit_seq = 0;
  bool agent_ended = false;
  std::optional<crypto::SecretBytes> new_recovery_key;  // typable form: shown once, never stored
  std::vector<std::string> notes;  // what an interrupted tend left and this one finished
};
Result<RekeyOutcome> vault_rekey(const std::string& dir, const RekeyRequest& request,
                                 std::int64_t now);

// tend backup (Vault::backup).
struct BackupRequest {
  std::string out;  // the directory to make
};
Result<Vault::BackupMade> vault_backup(Vault& vault, const BackupRequest& request,
                                       std::int64_t now);

// tend restore (Vault::restore). The package is read before the passphrase is
// asked for.
struct RestoreRequest {
  AgentPlace agents;                   // the agent holding the old vault's key is ended
  SecretSource passphrase;             // the backup's passphrase
  std::string from;                    // the backup's directory
  std::optional<std::string> package;  // an audit package's path
  bool accept_rollback = false;
};
struct RestoreOutcome {
  std::string dir;
  Vault::Restored restored;
  bool agent_ended = false;
};
Result<RestoreOutcome> vault_restore(const std::string& dir, const RestoreRequest& request,
                                     std::int64_t now);

Result<BackupAge> backup_age(Vault& vault, std::int64_t now);

struct IdentityRequest {};
struct Identity {
  std::string vault_id;
  std::string minisign_key_line;  // "RW..."
  std::string minisign_key_file;  // the two-line .pub file
  std::string verifier_key;       // the audit log's
};
Result<Identity> vault_identity(Vault& vault, const IdentityRequest& request, std::int64_t now);

}  // namespace tend
