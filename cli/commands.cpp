#include "cli/commands.hpp"

namespace tend::cli {

namespace {
void no_options(boost::program_options::options_description&) {}
}  // namespace

std::span<const Command> commands() {
  static const Command commands_table[] = {
      {"init", "[--kdf interactive|moderate|sensitive]",
       "create a vault; prints the recovery key once", "Vault", Needs::kVaultDir, 0, 0, opts_init,
       cmd_init},
      {"status", "", "vault, counts, last check-in, streak", "Vault", Needs::kUnlocked, 0, 0,
       no_options, cmd_status},
      {"passwd", "[--new-passphrase-file F]",
       "change the passphrase (rewraps the data key; old copies of vault.json keep the old one)",
       "Vault", Needs::kUnlocked, 0, 0, opts_passwd, cmd_passwd},
      {"recover", "--recovery-key-file F [--new-passphrase-file F]",
       "set a new passphrase with the recovery key", "Vault", Needs::kVaultDir, 0, 0, opts_recover,
       cmd_recover},
      {"identity", "", "the device's public keys (minisign, audit verifier key)", "Vault",
       Needs::kUnlocked, 0, 0, no_options, cmd_identity},
      {"mood add", "SCORE [options]", "log how you feel, 1 (worst) to 10 (best)", "Journal",
       Needs::kUnlocked, 1, 1, opts_mood_add, cmd_mood_add},
      {"mood list", "[options]", "list mood entries", "Journal", Needs::kUnlocked, 0, 0,
       opts_mood_list, cmd_mood_list},
      {"mood edit", "ID [options]", "correct a mood entry", "Journal", Needs::kUnlocked, 1, 1,
       opts_mood_edit, cmd_mood_edit},
      {"mood rm", "ID", "delete a mood entry for good", "Journal", Needs::kUnlocked, 1, 1,
       no_options, cmd_mood_rm},
      {"app log", "APP (--minutes N | --duration 1h20m) [options]", "log time spent in an app",
       "Journal", Needs::kUnlocked, 1, 1, opts_app_log, cmd_app_log},
      {"app list", "[options]", "list app sessions", "Journal", Needs::kUnlocked, 0, 0,
       opts_app_list, cmd_app_list},
      {"app rm", "ID", "delete an app session for good", "Journal", Needs::kUnlocked, 1, 1,
       no_options, cmd_app_rm},
      {"grant add",
       "--recipient NAME --recipient-key age1... --purpose TEXT --data "
       "mood[,notes,app_usage,alliance] [options]",
       "consent to share: with whom, what, why, until when", "Consent and export", Needs::kUnlocked,
       0, 0, opts_grant_add, cmd_grant_add},
      {"grant list", "[--all]", "the grants you made", "Consent and export", Needs::kUnlocked, 0, 0,
       opts_grant_list, cmd_grant_list},
      {"grant show", "ID", "one grant's terms and state", "Consent and export", Needs::kUnlocked, 1,
       1, no_options, cmd_grant_show},
      {"grant revoke", "ID [--reason TEXT]", "withdraw consent: no further exports",
       "Consent and export", Needs::kUnlocked, 1, 1, opts_grant_revoke, cmd_grant_revoke},
      {"grant receipt", "ID -o FILE", "a signed consent receipt (Kantara CR v1.1)",
       "Consent and export", Needs::kUnlocked, 1, 1, opts_grant_receipt, cmd_grant_receipt},
      {"export", "--grant ID -o FILE [--preview]",
       "age-encrypted, signed bundle: only what the grant allows", "Consent and export",
       Needs::kUnlocked, 0, 0, opts_export, cmd_export},
      {"bundle open", "FILE --identity KEYFILE [--signer PUBKEY]",
       "for recipients: check the signature, decrypt, print the JSON", "Consent and export",
       Needs::kNothing, 1, 1, opts_bundle_open, cmd_bundle_open},
      {"audit log", "[--limit N]", "the audit log: what happened, never what was written", "Audit",
       Needs::kUnlocked, 0, 0, opts_audit_log, cmd_audit_log},
      {"audit checkpoint", "", "the latest signed checkpoint (for auditors to keep)", "Audit",
       Needs::kUnlocked, 0, 0, no_options, cmd_audit_checkpoint},
      {"audit export", "-o FILE", "write the audit package (metadata only)", "Audit",
       Needs::kUnlocked, 0, 0, opts_audit_export, cmd_audit_export},
      {"audit verify", "FILE [--key VERIFIER] [--trusted-checkpoint F] [--bundle B]",
       "verify an audit package; needs no vault and no passphrase", "Audit", Needs::kNothing, 1, 1,
       opts_audit_verify, cmd_audit_verify},
  };
  return commands_table;
}

}  // namespace tend::cli
