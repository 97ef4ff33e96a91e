#include "core/vault_ops.hpp"

#include <fmt/format.h>

#include "core/audit_package.hpp"
#include "core/canonical.hpp"
#include "core/consent.hpp"
#include "core/fs.hpp"
#include "core/schema.hpp"
#include "crypto/minisign.hpp"
#include "crypto/note.hpp"
#include "crypto/recovery_key.hpp"

namespace tend {

Status init_libraries() {
  return crypto::init();
}

std::optional<crypto::KdfParams> kdf_profile(std::string_view name) {
  std::optional<crypto::KdfProfile> profile = crypto::parse_kdf_profile(name);
  if (!profile) return std::nullopt;
  return crypto::kdf_params(*profile);
}

Result<InitOutcome> vault_init(const std::string& dir, const InitRequest& request,
                               std::int64_t now) {
  Status s = Vault::check_can_create(dir);
  if (!s.is_ok()) return s;
  Result<crypto::SecretBytes> passphrase = request.passphrase();
  if (!passphrase.is_ok()) return passphrase.status();
  Result<CreatedVault> created = Vault::create(dir, *passphrase, request.kdf, now);
  if (!created.is_ok()) return created.status().with_context("cannot create vault");
  return InitOutcome{dir, created->vault.header().vault_id, request.profile, request.kdf,
                     crypto::format_recovery_key(created->recovery_key)};
}

Result<StatusOutcome> vault_status(Vault& vault, const StatusRequest& request, std::int64_t now) {
  StatusOutcome out;
  out.dir = vault.paths().dir;
  out.header = vault.header();
  out.schema_version = current_schema_version();
  Result<MoodSummary> mood = summarize_mood(vault.db(), now);
  if (!mood.is_ok()) return mood.status();
  out.mood = *mood;
  Result<AppSummary> apps = summarize_app_use(vault.db());
  if (!apps.is_ok()) return apps.status();
  out.apps = *apps;
  Result<std::vector<Grant>> grants = list_grants(vault.db(), /*include_inactive=*/true, now);
  if (!grants.is_ok()) return grants.status();
  out.grants_total = grants->size();
  out.grants_active =
      static_cast<std::size_t>(std::count_if(grants->begin(), grants->end(), [&](const Grant& g) {
        return g.state(now) == GrantState::kActive;
      }));
  Result<AuditLog> log = vault.audit();
  if (!log.is_ok()) return log.status();
  Result<AuditHead> head = log->head();
  if (!head.is_ok()) return head.status();
  out.head = *head;
  Result<std::optional<LastCheck>> checked = last_check(vault.db());
  if (!checked.is_ok()) return checked.status();
  out.last_check = *checked;
  out.agent = agent_info(request.agents, vault.header().vault_id);
  Result<BackupAge> backup = backup_age(vault, now);
  if (!backup.is_ok()) return backup.status();
  out.backup = *backup;
  return out;
}

Result<BackupAge> backup_age(Vault& vault, std::int64_t now) {
  // Entries are canonical JSON: `"kind":"backup.created"` occurs only as the member.
  Result<Statement> st = vault.db().prepare(
      "SELECT bytes FROM audit_entry WHERE instr(bytes, ?) > 0 ORDER BY seq DESC LIMIT 1;");
  if (!st.is_ok()) return st.status();
  const std::string member = fmt::format("\"kind\":\"{}\"", kind::kBackupCreated);
  st->bind_blob(1, crypto::as_bytes(member));
  Result<bool> row = st->step();
  if (!row.is_ok()) return row.status();
  BackupAge out;
  std::int64_t since = vault.header().created;
  if (*row) {
    const std::vector<std::uint8_t> blob = st->blob(0);
    const EntryHead head =
        scan_entry(std::string_view(reinterpret_cast<const char*>(blob.data()), blob.size()));
    if (!head.error.empty()) return corrupt("a backup.created entry is damaged");
    out.last = head.time;
    since = head.time;
  }
  out.overdue = now - since > kBackupOverdueDays * 86400;
  return out;
}

Result<Vault::BackupMade> vault_backup(Vault& vault, const BackupRequest& request,
                                       std::int64_t now) {
  return vault.backup(request.out, now);
}

Result<RestoreOutcome> vault_restore(const std::string& dir, const RestoreRequest& request,
                                     std::int64_t now) {
  Vault::RestoreSource source;
  source.from = request.from;
  source.accept_rollback = request.accept_rollback;
  if (request.package) {
    Result<std::string> bytes = fs::read_file(*request.package, kMaxPackageBytes);
    if (!bytes.is_ok()) return bytes.status().with_context("cannot read the audit package");
    source.package = std::move(bytes).value();
  }
  Result<crypto::SecretBytes> passphrase = request.passphrase();
  if (!passphrase.is_ok()) return passphrase.status();
  RestoreOutcome out;
  out.dir = dir;
  Result<Vault::Restored> restored = Vault::restore(
      dir, source, *passphrase,
      [&](const std::string& vault_id) {
        out.agent_ended = agent_lock(request.agents, vault_id) == AgentLock::kEnded;
      },
      now);
  if (!restored.is_ok()) return restored.status();
  out.restored = std::move(restored).value();
  return out;
}

namespace {

Result<PassphraseOutcome> change(Vault& vault, const SecretSource& source, std::string_view kind,
                                 std::int64_t now, std::vector<std::string> notes) {
  Result<crypto::SecretBytes> next = source();
  if (!next.is_ok()) return next.status();
  Result<Vault::PassphraseChange> changed = vault.change_passphrase(*next, kind, now);
  if (!changed.is_ok()) return changed.status().with_context("cannot change the passphrase");
  return PassphraseOutcome{changed->audit_seq, changed->in_force, std::move(notes)};
}

}  // namespace

Result<PassphraseOutcome> vault_passwd(Vault& vault, const PasswdRequest& request,
                                       std::int64_t now) {
  return change(vault, request.new_passphrase, kind::kPassphraseChanged, now, {});
}

Result<PassphraseOutcome> vault_recover(const std::string& dir, const RecoverRequest& request,
                                        std::int64_t now) {
  Result<crypto::SecretBytes> key = crypto::parse_recovery_key(request.recovery_key.span());
  if (!key.is_ok()) return key.status();
  Result<Vault> vault = Vault::unlock_with_recovery_key(dir, *key);
  if (!vault.is_ok()) return vault.status();
  Result<std::vector<std::string>> notes = vault->finish_interrupted();
  if (!notes.is_ok()) return notes.status();
  return change(*vault, request.new_passphrase, kind::kRecovered, now, std::move(notes).value());
}

Result<RekeyOutcome> vault_rekey(const std::string& dir, const RekeyRequest& request,
                                 std::int64_t now) {
  // The recovery key is read before anything is unlocked: a typo costs no KDF.
  const bool new_key = !request.recovery_key;
  crypto::SecretBytes recovery_key;
  if (new_key) {
    recovery_key = crypto::generate_recovery_key();
  } else {
    Result<crypto::SecretBytes> parsed = crypto::parse_recovery_key(request.recovery_key->span());
    if (!parsed.is_ok()) return parsed.status();
    recovery_key = std::move(parsed).value();
  }
  Result<crypto::SecretBytes> passphrase = request.passphrase();
  if (!passphrase.is_ok()) return passphrase.status();
  Result<Vault> vault = Vault::unlock(dir, *passphrase);
  if (!vault.is_ok()) return vault.status();
  RekeyOutcome out;
  Result<std::vector<std::string>> notes = vault->finish_interrupted();
  if (!notes.is_ok()) return notes.status();
  out.notes = std::move(notes).value();
  const std::string vault_id = vault->header().vault_id;
  Result<std::int64_t> seq = vault->rekey(
      *passphrase, recovery_key, new_key,
      [&] { out.agent_ended = agent_lock(request.agents, vault_id) == AgentLock::kEnded; }, now);
  if (!seq.is_ok()) return seq.status();
  out.audit_seq = *seq;
  if (new_key) out.new_recovery_key = crypto::format_recovery_key(recovery_key);
  return out;
}

Result<UnlockOutcome> vault_unlock(Vault& vault, const UnlockRequest& request, std::int64_t now) {
  if (std::optional<AgentInfo> running = agent_info(request.agents, vault.header().vault_id)) {
    return UnlockOutcome{*running, true};
  }
  Result<AgentInfo> started = start_agent(request.agents, vault, now, request.seconds);
  if (!started.is_ok()) return started.status();
  return UnlockOutcome{*started, false};
}

Result<LockOutcome> vault_lock(const std::string& dir, const LockRequest& request, std::int64_t) {
  Result<VaultHeader> header = Vault::read_header(dir);
  if (!header.is_ok()) return header.status();
  switch (agent_lock(request.agents, header->vault_id)) {
    case AgentLock::kNone:
      return LockOutcome{false};
    case AgentLock::kEnded:
      return LockOutcome{true};
    case AgentLock::kNoAnswer:
      break;
  }
  return io_error("an agent is listening for this vault but did not answer",
                  "it ends at its deadline; or end it with kill (its pid is in tend unlock's "
                  "output)");
}

Result<Identity> vault_identity(Vault& vault, const IdentityRequest&, std::int64_t) {
  const VaultHeader& h = vault.header();
  return Identity{h.vault_id, crypto::minisign_public_key_line(h.signing_key),
                  crypto::minisign_public_key_file(h.signing_key),
                  crypto::format_verifier_key(audit_origin(h.vault_id), h.audit_key)};
}

}  // namespace tend
