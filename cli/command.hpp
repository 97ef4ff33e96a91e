// The command table, and what its rows are made of.
//
// A command is one row: name, synopsis, summary, group, what it needs, how many
// arguments, its options, and three functions:
//   parse   the command line to a typed request. It reads no vault, so a typo
//           never costs a key derivation;
//   op      in core: Result<Outcome> op(Vault&, const Request&, now), or the
//           form that takes the vault's directory, or the one that needs no
//           vault at all;
//   render  the outcome as text, or as JSON with --json.
// The dispatcher (cli/run.cpp) runs parse, then unlocks when the row says so,
// then op, then render. Nothing else unlocks a vault.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/program_options.hpp>

#include "base/status.hpp"
#include "cli/io.hpp"
#include "cli/passphrase.hpp"
#include "cli/printer.hpp"
#include "core/agent.hpp"
#include "core/mood.hpp"
#include "core/vault.hpp"
#include "core/when.hpp"

namespace tend::cli {

enum class Needs {
  kNothing = 0,   // no vault (help, audit verify, bundle open)
  kVaultDir = 1,  // where the vault is, not unlocked (init, recover)
  kUnlocked = 2,  // unlocked by the dispatcher before op runs
  // Unlocked by the dispatcher; damage that stops the unlock (a damaged page
  // it reads, a modified vault.json) goes to op as a finding, not an error.
  // For tend check.
  kUnlockedOrDamaged = 3,
};

// What parse sees: the options and arguments of the command line, the clock,
// and the process's edge (for a note on stdin, or a secret asked for later).
class Invocation {
 public:
  Invocation(const boost::program_options::variables_map& vm, std::vector<std::string> args,
             std::int64_t now, Io& io)
      : vm_(vm), args_(std::move(args)), now_(now), io_(io) {}

  const std::vector<std::string>& args() const { return args_; }
  std::int64_t now() const { return now_; }
  Io& io() const { return io_; }

  bool has(const char* option) const { return vm_.count(option) > 0 && !vm_[option].defaulted(); }
  bool flag(const char* option) const { return vm_.count(option) > 0 && vm_[option].as<bool>(); }
  template <typename T>
  std::optional<T> opt(const char* option) const {
    if (vm_.count(option) == 0) return std::nullopt;
    return vm_[option].as<T>();
  }
  std::vector<std::string> list(const char* option) const {
    return opt<std::vector<std::string>>(option).value_or(std::vector<std::string>{});
  }
  // The time given for option `name` (--from, --until), read in `role`.
  Result<std::optional<std::int64_t>> time(const char* name, TimeRole role) const;
  // The option's value when given, refused (64) if empty.
  Result<std::optional<std::string>> path(const char* name) const;
  // Where the vault's passphrase comes from (--passphrase-fd, --passphrase-file).
  PassphraseSources passphrase_sources() const;
  // Where unlock agents listen ($XDG_RUNTIME_DIR/tend, or under $TMPDIR).
  AgentPlace agents() const;

 private:
  const boost::program_options::variables_map& vm_;
  std::vector<std::string> args_;
  std::int64_t now_;
  Io& io_;
};

// What op and render share once parse is done.
struct Session {
  std::string vault_dir;
  std::optional<Vault> vault;    // set by the dispatcher for kUnlocked rows
  std::optional<Status> damage;  // kUnlockedOrDamaged: why there is no vault
  std::int64_t now = 0;
};

// op and render, bound to a parsed request; run again with a fresh clock when
// op finds the clock behind the log (another tend appended meanwhile).
using Step = std::function<Status(Session&, Printer&)>;

// A row's parse, with the op and render it leads to, and what it needs.
struct Action {
  Needs needs = Needs::kNothing;
  std::function<Result<Step>(const Invocation&)> parse;
};

// "tend: writing 41%" on standard error, rewritten in place, when it is a
// terminal; nullptr otherwise.
ProgressFn progress_line(Io& io);

template <typename Request>
using ParseFn = Result<Request> (*)(const Invocation&);
template <typename Outcome>
using RenderFn = void (*)(const Outcome&, Printer&);

// A command whose op works on the unlocked vault.
template <typename Request, typename Outcome>
Action unlocked(ParseFn<Request> parse, Result<Outcome> (*op)(Vault&, const Request&, std::int64_t),
                RenderFn<Outcome> render) {
  return {Needs::kUnlocked, [=](const Invocation& in) -> Result<Step> {
            Result<Request> request = parse(in);
            if (!request.is_ok()) return request.status();
            auto r = std::make_shared<Request>(std::move(request).value());
            return Step([=](Session& s, Printer& p) -> Status {
              Result<Outcome> out = op(*s.vault, *r, s.now);
              if (!out.is_ok()) return out.status();
              render(*out, p);
              return Status::ok();
            });
          }};
}

// A command whose op takes the vault's directory (it creates or unlocks it itself).
template <typename Request, typename Outcome>
Action in_vault_dir(ParseFn<Request> parse,
                    Result<Outcome> (*op)(const std::string&, const Request&, std::int64_t),
                    RenderFn<Outcome> render) {
  return {Needs::kVaultDir, [=](const Invocation& in) -> Result<Step> {
            Result<Request> request = parse(in);
            if (!request.is_ok()) return request.status();
            auto r = std::make_shared<Request>(std::move(request).value());
            return Step([=](Session& s, Printer& p) -> Status {
              Result<Outcome> out = op(s.vault_dir, *r, s.now);
              if (!out.is_ok()) return out.status();
              render(*out, p);
              return Status::ok();
            });
          }};
}

// A command that needs no vault.
template <typename Request, typename Outcome>
Action standalone(ParseFn<Request> parse, Result<Outcome> (*op)(const Request&),
                  RenderFn<Outcome> render) {
  return {Needs::kNothing, [=](const Invocation& in) -> Result<Step> {
            Result<Request> request = parse(in);
            if (!request.is_ok()) return request.status();
            auto r = std::make_shared<Request>(std::move(request).value());
            return Step([=](Session&, Printer& p) -> Status {
              Result<Outcome> out = op(*r);
              if (!out.is_ok()) return out.status();
              render(*out, p);
              return Status::ok();
            });
          }};
}

struct Command {
  std::string_view name;      // "mood add"
  std::string_view synopsis;  // "SCORE [options]"
  std::string_view summary;   // one line for `tend help`
  std::string_view group;     // its heading in `tend help`
  int min_args = 0;
  int max_args = 0;
  void (*options)(boost::program_options::options_description&) = nullptr;
  Action action;
  // What to say when more arguments come than the command takes (a note typed
  // without --note, say); empty for the general hint.
  std::string_view extra_args_hint;
  // A listing that may be long: on a terminal its text goes through the pager.
  bool paged = false;
};

std::span<const Command> commands();
const Command* find_command(std::string_view name);

// The global options, for the dispatcher and `tend help`.
void global_options(boost::program_options::options_description& d);

// Each group's options and actions, defined beside their parse and render.
namespace options {
void none(boost::program_options::options_description&);
void init(boost::program_options::options_description&);
void passwd(boost::program_options::options_description&);
void recover(boost::program_options::options_description&);
void rekey(boost::program_options::options_description&);
void backup(boost::program_options::options_description&);
void restore(boost::program_options::options_description&);
void unlock(boost::program_options::options_description&);
void mood_add(boost::program_options::options_description&);
void mood_list(boost::program_options::options_description&);
void mood_edit(boost::program_options::options_description&);
void mood_rm(boost::program_options::options_description&);
void app_edit(boost::program_options::options_description&);
void checkin(boost::program_options::options_description&);
void checkin_list(boost::program_options::options_description&);
void report(boost::program_options::options_description&);
void import_daylio(boost::program_options::options_description&);
void import_activitywatch(boost::program_options::options_description&);
void import_jrnl(boost::program_options::options_description&);
void takeout(boost::program_options::options_description&);
void app_log(boost::program_options::options_description&);
void app_list(boost::program_options::options_description&);
void grant_add(boost::program_options::options_description&);
void grant_list(boost::program_options::options_description&);
void grant_revoke(boost::program_options::options_description&);
void grant_receipt(boost::program_options::options_description&);
void export_(boost::program_options::options_description&);
void bundle_open(boost::program_options::options_description&);
void audit_log(boost::program_options::options_description&);
void audit_export(boost::program_options::options_description&);
void audit_verify(boost::program_options::options_description&);
}  // namespace options

namespace actions {
Action init();
Action status();
Action passwd();
Action rekey();
Action backup();
Action restore();
Action recover();
Action identity();
Action check();
Action unlock();
Action lock();
Action mood_add();
Action mood_list();
Action mood_edit();
Action mood_rm();
Action mood_show();
Action app_show();
Action app_edit();
Action checkin();
Action checkin_list();
Action report();
Action import_daylio();
Action import_activitywatch();
Action import_jrnl();
Action takeout();
Action app_log();
Action app_list();
Action app_rm();
Action grant_add();
Action grant_list();
Action grant_show();
Action grant_revoke();
Action grant_receipt();
Action export_();
Action bundle_open();
Action audit_log();
Action audit_checkpoint();
Action audit_export();
Action audit_verify();
}  // namespace actions

// Parsing helpers shared by the groups.
// The entry id of `tend mood show ID` and `tend app show ID`.
Result<EntryId> parse_entry_id(const Invocation& in);
// The entry id of `tend mood rm ID` and `tend app rm ID`, with the question
// asked before deleting: on a terminal unless --yes; without one, --yes is required.
Result<EntryId> parse_entry_to_remove(const Invocation& in);
// --from and --until (and --on DATE, when `with_on`), in order.
Status parse_window(const Invocation& in, std::optional<std::int64_t>* from,
                    std::optional<std::int64_t>* until, bool with_on);
// --limit N (or -n N).
Result<std::optional<std::int64_t>> parse_limit(const Invocation& in);
// A whole decimal number within [lo, hi]; `what` names it, the text is never repeated.
Result<std::int64_t> parse_int(const std::string& text, const char* what, std::int64_t lo,
                               std::int64_t hi);

}  // namespace tend::cli
