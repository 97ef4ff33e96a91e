// Vault commands: init, status, passwd, recover, identity.
#include <fmt/format.h>

#include "cli/command.hpp"
#include "cli/passphrase.hpp"
#include "core/check.hpp"
#include "core/text.hpp"
#include "core/vault_ops.hpp"

namespace po = boost::program_options;

namespace tend::cli {
namespace {

constexpr const char* kRekeyNote =
    "The data key stays the same, so a copy of the old vault.json (in a backup, say)\n"
    "still opens the data with the old passphrase. To shut out old copies, change the\n"
    "data key itself: tend rekey.\n";

std::string kdf_description(const KdfParams& p) {
  return fmt::format("Argon2id, {} MiB, {} passes", p.memlimit / (std::uint64_t{1} << 20),
                     p.opslimit);
}

// ---- init

Result<InitRequest> parse_init(const Invocation& in) {
  const std::string profile = *in.opt<std::string>("kdf");
  std::optional<KdfParams> kdf = kdf_profile(profile);
  if (!kdf) {
    return usage_error(phrase_with("unknown KDF profile", profile),
                       "use interactive, moderate or sensitive");
  }
  if (in.io().test_only_kdf) kdf = *in.io().test_only_kdf;
  return InitRequest{
      profile, *kdf,
      new_passphrase(in.io(), in.passphrase_sources(), std::nullopt, NewPassphrase::kAnySource)};
}

// Where a recovery key goes in text built around it.
constexpr std::string_view kSlot = "@RECOVERY-KEY@";

// Prints `shown` with `key` in place of kSlot: the key leaves guarded memory
// only in the stream that shows it.
void print_with_key(Printer& p, std::string_view shown, const SecretBytes* key) {
  const std::size_t at = shown.find(kSlot);
  if (key == nullptr || at == std::string_view::npos) {
    p.raw(shown);
    return;
  }
  p.raw(shown.substr(0, at));
  p.raw(as_text(*key));
  p.raw(shown.substr(at + kSlot.size()));
}

void render_init(const InitOutcome& o, Printer& p) {
  std::string shown;
  if (p.json()) {
    shown =
        dump_json(
            {{"vault", o.dir},
             {"vault_id", o.vault_id},
             {"kdf",
              {{"profile", o.profile}, {"opslimit", o.kdf.opslimit}, {"memlimit", o.kdf.memlimit}}},
             {"recovery_key", kSlot}},
            2) +
        "\n";
  } else {
    shown = fmt::format(
        "Created a vault at {}\n"
        "  passphrase KDF: {} ({})\n\n"
        "Recovery key (shown this once; write it down and keep it apart from this device):\n\n"
        "    {}\n\n"
        "With it, 'tend recover' sets a new passphrase if you forget yours.\n"
        "Next: tend mood add 7 --note \"...\"    (tend help for everything else)\n",
        display(o.dir), o.profile, kdf_description(o.kdf), kSlot);
  }
  print_with_key(p, shown, &o.recovery_key);
}

// ---- status

Result<StatusRequest> parse_status(const Invocation& in) {
  return StatusRequest{in.agents()};
}

void render_status(const StatusOutcome& s, Printer& p) {
  const VaultHeader& h = s.header;
  if (s.backup.overdue) {
    p.warn(s.backup.last ? fmt::format("the vault was last backed up more than {} days ago: "
                                       "tend backup -o DIR, onto another disk",
                                       kBackupOverdueDays)
                         : fmt::format("the vault is older than {} days and was never backed "
                                       "up: tend backup -o DIR, onto another disk",
                                       kBackupOverdueDays));
  }
  const KdfParams kdf = h.slot(SlotKind::kPassphrase)->kdf;
  if (p.json()) {
    Json last = nullptr, last_unix = nullptr;
    if (s.mood.last) {
      last = p.iso(*s.mood.last);
      last_unix = s.mood.last->utc;
    }
    p.json({{"vault",
             {{"path", s.dir},
              {"id", h.vault_id},
              {"format_version", h.version},
              {"schema_version", s.schema_version},
              {"created", p.iso(h.created)},
              {"created_unix", h.created},
              {"recovery_slot", h.slot(SlotKind::kRecovery) != nullptr},
              {"kdf",
               {{"algorithm", "argon2id13"},
                {"opslimit", kdf.opslimit},
                {"memlimit", kdf.memlimit}}}}},
            {"mood",
             {{"count", s.mood.count},
              {"private", s.mood.private_count},
              {"last_checkin", last},
              {"last_checkin_unix", last_unix},
              {"streak_days", s.mood.streak_days}}},
            {"apps",
             {{"sessions", s.apps.count},
              {"apps", s.apps.apps},
              {"total_duration_s", s.apps.total_seconds}}},
            {"grants", {{"active", s.grants_active}, {"total", s.grants_total}}},
            {"audit", {{"size", s.head.size}, {"root", s.head.root_base64()}}},
            {"check", s.last_check ? Json{{"at", p.iso(s.last_check->at)},
                                          {"at_unix", s.last_check->at},
                                          {"ok", s.last_check->ok}}
                                   : Json(nullptr)},
            {"backup",
             {{"last", s.backup.last ? Json(p.iso(*s.backup.last)) : Json(nullptr)},
              {"last_unix", s.backup.last ? Json(*s.backup.last) : Json(nullptr)},
              {"overdue", s.backup.overdue}}},
            {"agent",
             s.agent ? Json{{"unlocked", true},
                            {"until", p.iso(s.agent->until)},
                            {"until_unix", s.agent->until}}
                     : Json{{"unlocked", false}, {"until", nullptr}, {"until_unix", nullptr}}}});
    return;
  }
  std::string o;
  o += fmt::format("Vault     {} (id {})\n", s.dir, h.vault_id);
  o += fmt::format("Created   {}\n", p.time(h.created));
  o += fmt::format("Unlock    passphrase ({}){}\n", kdf_description(kdf),
                   h.slot(SlotKind::kRecovery) ? " or recovery key" : "");
  o += fmt::format(
      "Mood      {} entr{}{}\n", s.mood.count, s.mood.count == 1 ? "y" : "ies",
      s.mood.private_count > 0 ? fmt::format(" ({} private)", s.mood.private_count) : "");
  o += fmt::format("Apps      {} session{}, {} in {} app{}\n", s.apps.count,
                   s.apps.count == 1 ? "" : "s", format_duration(s.apps.total_seconds), s.apps.apps,
                   s.apps.apps == 1 ? "" : "s");
  o += fmt::format("Last      {}\n", s.mood.last ? p.time(s.mood.last->utc) : "no check-in yet");
  o += fmt::format("Streak    {} day{}\n", s.mood.streak_days, s.mood.streak_days == 1 ? "" : "s");
  o += fmt::format("Grants    {} active ({} in all)\n", s.grants_active, s.grants_total);
  o += fmt::format("Log head  {} entr{}, root {}\n", s.head.size, s.head.size == 1 ? "y" : "ies",
                   s.head.root_base64());
  if (s.last_check) {
    o += fmt::format("Checked   {}, {}\n", p.time(s.last_check->at),
                     s.last_check->ok ? "sound" : "problems found (run tend check)");
  } else {
    o += "Checked   never (tend check reads every page and recomputes the log)\n";
  }
  o += fmt::format("Backup    {}\n",
                   s.backup.last ? p.time(*s.backup.last) : "never (tend backup -o DIR makes one)");
  o += s.agent ? fmt::format("Agent     unlocked until {} (tend lock ends it)\n",
                             p.time(s.agent->until))
               : "Agent     locked (tend unlock keeps the key for a while)\n";
  p.text(o);
}

// ---- check

Result<CheckRequest> parse_check(const Invocation&) {
  return CheckRequest{};
}

void render_check(const CheckOutcome& o, Printer& p) {
  if (p.json()) {
    Json parts = Json::array();
    for (const CheckPart& part : o.parts) {
      parts.push_back({{"name", part.name},
                       {"ok", part.ok},
                       {"detail", part.detail},
                       {"problems", part.problems}});
    }
    p.json({{"vault", o.dir}, {"ok", o.ok}, {"parts", parts}});
    return;
  }
  std::string out = fmt::format("{} {}\n", o.ok ? "Sound:" : "PROBLEMS:", display(o.dir));
  for (const CheckPart& part : o.parts) {
    out += fmt::format("  {:<10} {}: {}\n", part.name, part.ok ? "ok" : "FAILED",
                       display(part.detail));
    for (std::size_t i = 1; i < part.problems.size(); ++i) {
      out += fmt::format("  {:<10}   {}\n", "", display(part.problems[i]));
    }
  }
  p.text(out);
}

Action check_action() {
  return {Needs::kUnlockedOrDamaged, [](const Invocation& in) -> Result<Step> {
            Result<CheckRequest> r = parse_check(in);
            if (!r.is_ok()) return r.status();
            return Step([r = std::move(r).value()](Session& s, Printer& p) -> Status {
              Result<CheckOutcome> out =
                  s.damage ? Result<CheckOutcome>(damaged_before_check(s.vault_dir, *s.damage))
                           : vault_check(*s.vault, r, s.now);
              if (!out.is_ok()) return out.status();
              render_check(*out, p);
              if (out->ok) return Status::ok();
              const CheckPart& bad = *std::find_if(out->parts.begin(), out->parts.end(),
                                                   [](const CheckPart& c) { return !c.ok; });
              return Status::error(ErrorKind::kVerifyFailed,
                                   fmt::format("check failed: {}: {}", bad.name, bad.detail),
                                   "restore the vault from a backup made before the damage");
            });
          }};
}

// ---- unlock, lock

Result<UnlockRequest> parse_unlock(const Invocation& in) {
  UnlockRequest r{in.agents(), kAgentDefaultSeconds};
  if (std::optional<std::string> text = in.opt<std::string>("for")) {
    Result<std::int64_t> seconds = parse_duration(*text);
    if (!seconds.is_ok()) return seconds.status();
    if (*seconds > kAgentMaxSeconds) {
      return usage_error("--for is at most 12h", "an agent holds the key for 12 hours at most");
    }
    r.seconds = *seconds;
  }
  return r;
}

void render_unlock(const UnlockOutcome& o, Printer& p) {
  if (p.json()) {
    p.json({{"unlocked", true},
            {"already", o.already},
            {"until", p.iso(o.agent.until)},
            {"until_unix", o.agent.until},
            {"pid", o.agent.pid}});
    return;
  }
  p.text(fmt::format("{} until {} (agent pid {}; tend lock ends it now)\n",
                     o.already ? "Already unlocked" : "Unlocked", p.time(o.agent.until),
                     o.agent.pid));
}

Result<LockRequest> parse_lock(const Invocation& in) {
  return LockRequest{in.agents()};
}

void render_lock(const LockOutcome& o, Printer& p) {
  if (p.json()) {
    p.json({{"locked", true}, {"was_unlocked", o.was_unlocked}});
    return;
  }
  p.text(o.was_unlocked ? "Locked: the agent wiped the key and ended.\n"
                        : "Locked (no agent was holding the key).\n");
}

// ---- passwd, recover

Result<PasswdRequest> parse_passwd(const Invocation& in) {
  Result<std::optional<std::string>> file = in.path("new-passphrase-file");
  if (!file.is_ok()) return file.status();
  return PasswdRequest{
      new_passphrase(in.io(), in.passphrase_sources(), *file, NewPassphrase::kFileOrTerminal)};
}

Result<RecoverRequest> parse_recover(const Invocation& in) {
  Result<std::optional<std::string>> key_file = in.path("recovery-key-file");
  if (!key_file.is_ok()) return key_file.status();
  if (!*key_file) {
    return usage_error("recover needs --recovery-key-file F",
                       "the recovery key tend init showed, on the first line of F");
  }
  Result<std::optional<std::string>> file = in.path("new-passphrase-file");
  if (!file.is_ok()) return file.status();
  Result<SecretBytes> key = read_secret_file(**key_file, "recovery key file");
  if (!key.is_ok()) return key.status();
  return RecoverRequest{
      std::move(key).value(),
      new_passphrase(in.io(), in.passphrase_sources(), *file, NewPassphrase::kFileOrTerminal)};
}

void render_passphrase(const PassphraseOutcome& o, bool recovered, Printer& p) {
  for (const std::string& note : o.notes) p.warn(note);
  if (!o.in_force) {
    p.warn("another tend changed the passphrase after this change: the later one is in force");
  }
  if (p.json()) {
    p.json({{recovered ? "recovered" : "changed", true},
            {"audit_seq", o.audit_seq},
            {"in_force", o.in_force}});
    return;
  }
  p.text(recovered ? "New passphrase set. The recovery key still works; keep it safe.\n"
                   : "Passphrase changed: this vault now opens with the new one.\n");
  p.text(kRekeyNote);
}

void render_passwd(const PassphraseOutcome& o, Printer& p) {
  render_passphrase(o, false, p);
}
void render_recover(const PassphraseOutcome& o, Printer& p) {
  render_passphrase(o, true, p);
}

// ---- rekey

Result<RekeyRequest> parse_rekey(const Invocation& in) {
  Result<std::optional<std::string>> key_file = in.path("recovery-key-file");
  if (!key_file.is_ok()) return key_file.status();
  const bool new_key = in.flag("new-recovery-key");
  if (key_file->has_value() == new_key) {
    return usage_error("rekey needs --recovery-key-file F or --new-recovery-key",
                       "the recovery key's slot is rewrapped too: give the key tend init showed, "
                       "or have a new one made");
  }
  RekeyRequest r;
  r.agents = in.agents();
  if (*key_file) {
    Result<SecretBytes> key = read_secret_file(**key_file, "recovery key file");
    if (!key.is_ok()) return key.status();
    r.recovery_key = std::move(key).value();
  }
  Io& io = in.io();
  const PassphraseSources sources = in.passphrase_sources();
  r.passphrase = [&io, sources] { return current_passphrase(sources, io); };
  return r;
}

void render_rekey(const RekeyOutcome& o, Printer& p) {
  for (const std::string& note : o.notes) p.warn(note);
  std::string shown;
  if (p.json()) {
    Json j = {{"rekeyed", true}, {"audit_seq", o.audit_seq}, {"agent_ended", o.agent_ended}};
    if (o.new_recovery_key) j["recovery_key"] = kSlot;
    shown = dump_json(j, 2) + "\n";
  } else {
    shown =
        "Data key replaced: vault.db is re-encrypted under a new key, and copies of the old\n"
        "vault.json or vault.db no longer open this vault's data. The passphrase is the same.\n";
    if (o.agent_ended)
      shown += "The unlock agent held the old key and was ended: tend unlock again.\n";
    if (o.new_recovery_key) {
      shown += fmt::format(
          "\nNew recovery key (shown this once; the old one no longer works; write it down\n"
          "and keep it apart from this device):\n\n    {}\n",
          kSlot);
    } else {
      shown += "The recovery key is the same.\n";
    }
  }
  print_with_key(p, shown, o.new_recovery_key ? &*o.new_recovery_key : nullptr);
}

// ---- backup and restore

Result<BackupRequest> parse_backup(const Invocation& in) {
  Result<std::optional<std::string>> out = in.path("output");
  if (!out.is_ok()) return out.status();
  if (!*out) {
    return usage_error("backup needs -o DIR, the new directory to copy the vault into",
                       "put it on another disk: a backup on the same one dies with it");
  }
  return BackupRequest{**out};
}

void render_backup(const Vault::BackupMade& b, Printer& p) {
  if (p.json()) {
    p.json({{"backup", b.dir},
            {"log_size", b.log_size},
            {"audit_seq", b.audit_seq},
            {"bytes", b.bytes}});
    return;
  }
  p.text(fmt::format(
      "Backed up to {} (vault.db {:.1f} MiB; its audit log {} entr{} long).\n"
      "It is encrypted as the vault is and opens with the same passphrase and recovery key.\n"
      "Keep it away from this device; bring it back with tend restore. Do not use it as a\n"
      "second vault: two copies in use fork the audit log (docs/cli.md, \"Backup and restore\").\n",
      b.dir, static_cast<double>(b.bytes) / (1024.0 * 1024.0), b.log_size,
      b.log_size == 1 ? "y" : "ies"));
}

Result<RestoreRequest> parse_restore(const Invocation& in) {
  Result<std::optional<std::string>> package = in.path("audit-package");
  if (!package.is_ok()) return package.status();
  const bool rollback = in.flag("accept-rollback");
  if (!*package && !rollback) {
    return usage_error(
        "restore needs --audit-package PKG, or --accept-rollback",
        "a package tend audit export made after the backup lets the audit log continue; "
        "without one it goes back to the backup's, and an auditor holding a later checkpoint "
        "will see a rollback");
  }
  if (in.args()[0].empty()) return usage_error("the backup directory name is empty");
  RestoreRequest r;
  r.agents = in.agents();
  r.from = in.args()[0];
  r.package = *package;
  r.accept_rollback = rollback;
  Io& io = in.io();
  const PassphraseSources sources = in.passphrase_sources();
  r.passphrase = [&io, sources] { return current_passphrase(sources, io); };
  return r;
}

void render_restore(const RestoreOutcome& o, Printer& p) {
  const Vault::Restored& r = o.restored;
  for (const std::string& note : r.notes) p.warn(note);
  if (p.json()) {
    p.json({{"restored", o.dir},
            {"backup_log_size", r.backup_log_size},
            {"reappended", r.reappended},
            {"journal_rows", r.journal_rows},
            {"grants_revoked", r.grants_revoked},
            {"log", r.continued ? "continued" : "rolled_back"},
            {"audit_seq", r.audit_seq},
            {"replaced", r.replaced},
            {"agent_ended", o.agent_ended}});
    return;
  }
  std::string t = fmt::format("Restored {} from the backup ({} journal row{}).\n", o.dir,
                              r.journal_rows, r.journal_rows == 1 ? "" : "s");
  if (r.continued) {
    t += fmt::format(
        "The audit log continues the package's: the backup's {} entr{}, the {} after them "
        "appended again,\nthen entry {} records the restore. Checkpoints of that log still "
        "verify.\n",
        r.backup_log_size, r.backup_log_size == 1 ? "y" : "ies", r.reappended, r.audit_seq);
  } else {
    t += fmt::format(
        "The audit log goes back to the backup's {} entr{}, and entry {} records the "
        "restore.\nAn auditor holding a checkpoint from after the backup will see a "
        "rollback: tell them.\n",
        r.backup_log_size, r.backup_log_size == 1 ? "y" : "ies", r.audit_seq);
  }
  for (const std::string& id : r.grants_revoked) {
    t += fmt::format(
        "Grant {} was made after the backup: the restored vault cannot export under it, "
        "and it is now revoked.\n",
        id);
  }
  t += "Entries written after the backup are gone, and entries deleted after it are back.\n";
  if (o.agent_ended) t += "The unlock agent held the old vault's key and was ended.\n";
  p.text(t);
}

// ---- identity

Result<IdentityRequest> parse_identity(const Invocation&) {
  return IdentityRequest{};
}

void render_identity(const Identity& id, Printer& p) {
  if (p.json()) {
    p.json({{"vault_id", id.vault_id},
            {"minisign_public_key", id.minisign_key_line},
            {"audit_verifier_key", id.verifier_key}});
    return;
  }
  p.text("Signing key (minisign; exports and receipts are signed with it):\n\n" +
         id.minisign_key_file +
         "\nAudit verifier key (checkpoints are signed with it; give it to your auditor):\n\n" +
         id.verifier_key + "\n");
}

}  // namespace

namespace options {

void init(po::options_description& d) {
  d.add_options()(
      "kdf", po::value<std::string>()->default_value("interactive")->value_name("PROFILE"),
      "passphrase KDF cost: interactive (64 MiB), moderate (256 MiB), sensitive (1 GiB)");
}

void unlock(po::options_description& d) {
  d.add_options()("for", po::value<std::string>()->value_name("DURATION"),
                  "how long the agent keeps the key: 90s, 45m, 2h (default 15m, at most 12h)");
}

void passwd(po::options_description& d) {
  d.add_options()("new-passphrase-file", po::value<std::string>()->value_name("F"),
                  "read the new passphrase from the first line of F (else asked twice)");
}

void rekey(po::options_description& d) {
  d.add_options()("recovery-key-file", po::value<std::string>()->value_name("F"),
                  "the recovery key shown by tend init, on the first line of F (it keeps working)")(
      "new-recovery-key", po::bool_switch(),
      "make a new recovery key instead, shown once (the old one stops working)");
}

void backup(po::options_description& d) {
  d.add_options()("output,o", po::value<std::string>()->value_name("DIR"),
                  "the directory to make (it must not exist, or be empty)");
}

void restore(po::options_description& d) {
  d.add_options()("audit-package", po::value<std::string>()->value_name("PKG"),
                  "an audit package of this vault from after the backup (tend audit export): "
                  "the entries the backup lacks are appended again")(
      "accept-rollback", po::bool_switch(),
      "without a package: the log goes back to the backup's, and says so");
}

void recover(po::options_description& d) {
  d.add_options()("recovery-key-file", po::value<std::string>()->value_name("F"),
                  "the recovery key shown by tend init, on the first line of F");
  passwd(d);
}

}  // namespace options

namespace actions {
Action init() {
  return in_vault_dir(parse_init, vault_init, render_init);
}
Action status() {
  return unlocked(parse_status, vault_status, render_status);
}
Action passwd() {
  return unlocked(parse_passwd, vault_passwd, render_passwd);
}
Action recover() {
  return in_vault_dir(parse_recover, vault_recover, render_recover);
}
Action rekey() {
  return in_vault_dir(parse_rekey, vault_rekey, render_rekey);
}
Action backup() {
  return unlocked(parse_backup, vault_backup, render_backup);
}
Action restore() {
  return in_vault_dir(parse_restore, vault_restore, render_restore);
}
Action identity() {
  return unlocked(parse_identity, vault_identity, render_identity);
}
Action check() {
  return check_action();
}
Action unlock() {
  return unlocked(parse_unlock, vault_unlock, render_unlock);
}
Action lock() {
  return in_vault_dir(parse_lock, vault_lock, render_lock);
}
}  // namespace actions

}  // namespace tend::cli
