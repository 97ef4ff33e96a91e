// The command table: every command tend has, with what it needs and who handles it.
#pragma once

#include <span>
#include <string_view>

#include <boost/program_options.hpp>

#include "cli/context.hpp"

namespace tend::cli {

enum class Needs {
  kNothing = 0,   // runs without a vault (help, audit verify)
  kVaultDir = 1,  // resolves the vault directory but does not unlock (init)
  kUnlocked = 2,  // unlocks the vault before the handler runs
};

struct Command {
  std::string_view name;      // "mood add"
  std::string_view synopsis;  // "SCORE [options]"
  std::string_view summary;   // one line for `tend help`
  std::string_view group;     // heading in `tend help`
  Needs needs;
  int min_args;
  int max_args;
  void (*add_options)(boost::program_options::options_description&);
  Status (*handler)(Context&);
};

std::span<const Command> commands();

// Handlers, one file per group.
Status cmd_init(Context&);
Status cmd_status(Context&);
Status cmd_passwd(Context&);
Status cmd_recover(Context&);
Status cmd_identity(Context&);
Status cmd_mood_add(Context&);
Status cmd_mood_list(Context&);
Status cmd_mood_edit(Context&);
Status cmd_mood_rm(Context&);
Status cmd_app_log(Context&);
Status cmd_app_list(Context&);
Status cmd_app_rm(Context&);
Status cmd_grant_add(Context&);
Status cmd_grant_list(Context&);
Status cmd_grant_show(Context&);
Status cmd_grant_revoke(Context&);
Status cmd_grant_receipt(Context&);
Status cmd_export(Context&);
Status cmd_bundle_open(Context&);
Status cmd_audit_log(Context&);
Status cmd_audit_checkpoint(Context&);
Status cmd_audit_export(Context&);
Status cmd_audit_verify(Context&);

void opts_init(boost::program_options::options_description&);
void opts_passwd(boost::program_options::options_description&);
void opts_recover(boost::program_options::options_description&);
void opts_mood_add(boost::program_options::options_description&);
void opts_mood_list(boost::program_options::options_description&);
void opts_mood_edit(boost::program_options::options_description&);
void opts_app_log(boost::program_options::options_description&);
void opts_app_list(boost::program_options::options_description&);
void opts_grant_add(boost::program_options::options_description&);
void opts_grant_list(boost::program_options::options_description&);
void opts_grant_revoke(boost::program_options::options_description&);
void opts_grant_receipt(boost::program_options::options_description&);
void opts_export(boost::program_options::options_description&);
void opts_bundle_open(boost::program_options::options_description&);
void opts_audit_log(boost::program_options::options_description&);
void opts_audit_export(boost::program_options::options_description&);
void opts_audit_verify(boost::program_options::options_description&);

}  // namespace tend::cli
