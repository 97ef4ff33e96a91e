// Vault commands: init, status, passwd, recover, identity.
#include <sodium.h>

#include <ostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/passphrase.hpp"
#include "core/app_use.hpp"
#include "core/consent.hpp"
#include "core/mood.hpp"
#include "core/schema.hpp"
#include "core/text.hpp"
#include "crypto/encoding.hpp"
#include "crypto/note.hpp"
#include "crypto/recovery_key.hpp"

namespace po = boost::program_options;

namespace tend::cli {
namespace {

std::string kdf_description(const crypto::KdfParams& p) {
  return fmt::format("Argon2id, {} MiB, {} passes", p.memlimit / (std::uint64_t{1} << 20),
                     p.opslimit);
}

}  // namespace

void opts_init(po::options_description& d) {
  d.add_options()(
      "kdf", po::value<std::string>()->default_value("interactive")->value_name("PROFILE"),
      "passphrase KDF cost: interactive (64 MiB), moderate (256 MiB), sensitive (1 GiB)");
}

void opts_passwd(po::options_description& d) {
  d.add_options()("new-passphrase-file", po::value<std::string>()->value_name("F"),
                  "read the new passphrase from the first line of F (else asked twice)");
}

void opts_recover(po::options_description& d) {
  d.add_options()("recovery-key-file", po::value<std::string>()->value_name("F")->required(),
                  "the recovery key shown by tend init, on the first line of F")(
      "new-passphrase-file", po::value<std::string>()->value_name("F"),
      "read the new passphrase from the first line of F (else asked twice)");
}

Status cmd_init(Context& ctx) {
  const std::string profile_name = *ctx.opt<std::string>("kdf");
  std::optional<crypto::KdfProfile> profile = crypto::parse_kdf_profile(profile_name);
  if (!profile) {
    return usage_error(phrase_with("unknown KDF profile", profile_name),
                       "use interactive, moderate or sensitive");
  }
  crypto::KdfParams kdf = crypto::kdf_params(*profile);
  if (ctx.io.test_only_kdf) kdf = *ctx.io.test_only_kdf;

  Status s = Vault::check_can_create(ctx.vault_dir);
  if (!s.is_ok()) return s;
  Result<crypto::SecretBytes> pass =
      new_passphrase(ctx, std::nullopt, NewPassphraseSource::kAnySource);
  if (!pass.is_ok()) return pass.status();
  Result<CreatedVault> created = Vault::create(ctx.vault_dir, *pass, kdf, ctx.now);
  if (!created.is_ok()) return created.status().with_context("cannot create vault");
  // The typable recovery key exists outside guarded memory only while it is printed.
  std::string recovery(crypto::as_text(crypto::format_recovery_key(created->recovery_key)));
  struct Wipe {
    std::string& s;
    ~Wipe() { sodium_memzero(s.data(), s.size()); }
  } wipe{recovery};
  const VaultHeader& h = created->vault.header();
  if (ctx.json) {
    ctx.print_json(
        {{"vault", ctx.vault_dir},
         {"vault_id", h.vault_id},
         {"kdf",
          {{"profile", profile_name}, {"opslimit", kdf.opslimit}, {"memlimit", kdf.memlimit}}},
         {"recovery_key", recovery}});
    return Status::ok();
  }
  ctx.out() << fmt::format(
      "Created a vault at {}\n"
      "  passphrase KDF: {} ({})\n\n"
      "Recovery key (shown this once; write it down and keep it apart from this device):\n\n"
      "    {}\n\n"
      "With it, 'tend recover' sets a new passphrase if you forget yours.\n"
      "Next: tend mood add 7 --note \"...\"    (tend help for everything else)\n",
      display(ctx.vault_dir), profile_name, kdf_description(kdf), recovery);
  return Status::ok();
}

Status cmd_status(Context& ctx) {
  Status s = ctx.open_vault();
  if (!s.is_ok()) return s;
  Vault& v = ctx.v();
  Result<MoodSummary> mood = summarize_mood(v.db(), ctx.now);
  if (!mood.is_ok()) return mood.status();
  Result<AppSummary> apps = summarize_app_use(v.db());
  if (!apps.is_ok()) return apps.status();
  const VaultHeader& h = v.header();
  const crypto::KdfParams kdf = h.slot(SlotKind::kPassphrase)->kdf;
  Result<AuditLog> log = v.audit();
  if (!log.is_ok()) return log.status();
  Result<AuditHead> head = log->head();
  if (!head.is_ok()) return head.status();
  Result<std::vector<Grant>> grants = list_grants(v.db(), /*include_inactive=*/true, ctx.now);
  if (!grants.is_ok()) return grants.status();
  const auto active = std::count_if(grants->begin(), grants->end(),
                                    [&](const Grant& g) { return g.state(ctx.now) == "active"; });

  if (ctx.json) {
    Json last = nullptr;
    if (mood->last) last = format_iso(*mood->last);
    ctx.print_json({{"vault",
                     {{"path", ctx.vault_dir},
                      {"id", h.vault_id},
                      {"format_version", h.version},
                      {"schema_version", current_schema_version()},
                      {"created", format_iso(local_instant(h.created))},
                      {"recovery_slot", h.slot(SlotKind::kRecovery) != nullptr},
                      {"kdf",
                       {{"algorithm", "argon2id13"},
                        {"opslimit", kdf.opslimit},
                        {"memlimit", kdf.memlimit}}}}},
                    {"mood",
                     {{"count", mood->count},
                      {"private", mood->private_count},
                      {"last_checkin", last},
                      {"streak_days", mood->streak_days}}},
                    {"apps",
                     {{"sessions", apps->count},
                      {"apps", apps->apps},
                      {"total_duration_s", apps->total_seconds}}},
                    {"grants", {{"active", active}, {"total", grants->size()}}},
                    {"audit", {{"size", head->size}, {"root", crypto::to_base64(head->root)}}}});
    return Status::ok();
  }
  std::ostream& o = ctx.out();
  o << fmt::format("Vault     {} (id {})\n", display(ctx.vault_dir), h.vault_id);
  o << fmt::format("Created   {}\n", format_local(h.created));
  o << fmt::format("Unlock    passphrase ({}){}\n", kdf_description(kdf),
                   h.slot(SlotKind::kRecovery) ? " or recovery key" : "");
  o << fmt::format(
      "Mood      {} entr{}{}\n", mood->count, mood->count == 1 ? "y" : "ies",
      mood->private_count > 0 ? fmt::format(" ({} private)", mood->private_count) : "");
  o << fmt::format("Apps      {} session{}, {} in {} app{}\n", apps->count,
                   apps->count == 1 ? "" : "s", format_duration(apps->total_seconds), apps->apps,
                   apps->apps == 1 ? "" : "s");
  o << fmt::format("Last      {}\n",
                   mood->last ? format_local(mood->last->utc) : "no check-in yet");
  o << fmt::format("Streak    {} day{}\n", mood->streak_days, mood->streak_days == 1 ? "" : "s");
  o << fmt::format("Grants    {} active ({} in all)\n", active, grants->size());
  o << fmt::format("Log head  {} entr{}, root {}\n", head->size, head->size == 1 ? "y" : "ies",
                   crypto::to_base64(head->root));
  return Status::ok();
}

Status cmd_passwd(Context& ctx) {
  Status s = ctx.open_vault();
  if (!s.is_ok()) return s;
  Result<crypto::SecretBytes> next = new_passphrase(
      ctx, ctx.opt<std::string>("new-passphrase-file"), NewPassphraseSource::kFileOrTerminal);
  if (!next.is_ok()) return next.status();
  Result<Vault::PassphraseChange> changed =
      ctx.v().change_passphrase(*next, kind::kPassphraseChanged, ctx.now);
  if (!changed.is_ok()) return changed.status().with_context("cannot change passphrase");
  if (!changed->in_force) {
    ctx.warn("another tend changed the passphrase after this change: the later one is in force");
  }
  if (ctx.json) {
    ctx.print_json({{"changed", true}});
  } else {
    ctx.out() << "Passphrase changed: this vault now opens with the new one.\n"
                 "The data key stays the same, so a copy of the old vault.json (in a backup, "
                 "say)\n"
                 "still opens the data with the old passphrase. To shut out old copies, the data\n"
                 "key itself must change: tend rekey (coming in a later release).\n";
  }
  return Status::ok();
}

Status cmd_recover(Context& ctx) {
  Result<VaultHeader> header = Vault::read_header(ctx.vault_dir);
  if (!header.is_ok()) return header.status();
  Result<crypto::SecretBytes> text =
      read_secret_file(*ctx.opt<std::string>("recovery-key-file"), "recovery key file");
  if (!text.is_ok()) return text.status();
  Result<crypto::SecretBytes> key = crypto::parse_recovery_key(text->span());
  if (!key.is_ok()) return key.status();
  Result<Vault> v = Vault::unlock_with_recovery_key(ctx.vault_dir, *key);
  if (!v.is_ok()) return v.status();
  Status adopted = ctx.adopt_vault(std::move(v).value());
  if (!adopted.is_ok()) return adopted;
  Result<crypto::SecretBytes> next = new_passphrase(
      ctx, ctx.opt<std::string>("new-passphrase-file"), NewPassphraseSource::kFileOrTerminal);
  if (!next.is_ok()) return next.status();
  Result<Vault::PassphraseChange> changed =
      ctx.v().change_passphrase(*next, kind::kRecovered, ctx.now);
  if (!changed.is_ok()) return changed.status().with_context("cannot set the new passphrase");
  if (!changed->in_force) {
    ctx.warn("another tend changed the passphrase after this change: the later one is in force");
  }
  if (ctx.json) {
    ctx.print_json({{"recovered", true}});
  } else {
    ctx.out() << "New passphrase set. The recovery key still works; keep it safe.\n"
                 "The data key stays the same: a copy of the old vault.json still opens the data\n"
                 "with the old passphrase, until tend rekey (coming in a later release).\n";
  }
  return Status::ok();
}

Status cmd_identity(Context& ctx) {
  Status s = ctx.open_vault();
  if (!s.is_ok()) return s;
  const VaultHeader& h = ctx.v().header();
  const std::string minisign = crypto::minisign_public_key_file(h.signing_key);
  const std::string verifier = crypto::format_verifier_key(audit_origin(h.vault_id), h.audit_key);
  if (ctx.json) {
    ctx.print_json({{"vault_id", h.vault_id},
                    {"minisign_public_key", crypto::minisign_public_key_line(h.signing_key)},
                    {"audit_verifier_key", verifier}});
    return Status::ok();
  }
  ctx.out() << "Signing key (minisign; exports and receipts are signed with it):\n\n"
            << minisign
            << "\nAudit verifier key (checkpoints are signed with it; give it to your auditor):\n\n"
            << verifier << "\n";
  return Status::ok();
}

}  // namespace tend::cli
