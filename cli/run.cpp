// The dispatcher: find the command words, read the options, then for the row
// found run parse, unlock when the row says so, op and render; turn a failed
// Status into one `tend: error:` line (and perhaps a hint) and its exit code.
#include "cli/run.hpp"

#include <algorithm>
#include <ostream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "cli/help.hpp"
#include "core/text.hpp"

namespace po = boost::program_options;

namespace tend::cli {
namespace {

constexpr const char* kGlobalValueOptions[] = {"--vault", "--passphrase-file", "--passphrase-fd",
                                               "--passphrase-command"};

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = 3;
  for (const std::string& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_d || (c.rfind(word, 0) == 0 && best.empty())) {
      best_d = std::min(d, best_d);
      best = c;
    }
  }
  return best;
}

std::vector<std::string> top_level_words() {
  std::set<std::string> words;
  for (const Command& c : commands()) words.emplace(c.name.substr(0, c.name.find(' ')));
  words.insert("help");
  return {words.begin(), words.end()};
}

std::vector<std::string> sub_words(std::string_view group) {
  std::vector<std::string> out;
  for (const Command& c : commands()) {
    if (c.name.size() > group.size() && c.name.substr(0, group.size()) == group &&
        c.name[group.size()] == ' ') {
      out.emplace_back(c.name.substr(group.size() + 1));
    }
  }
  return out;
}

bool is_option(const std::string& t) {
  return t.size() > 1 && t[0] == '-';
}

bool asks_for_help(const std::vector<std::string>& tokens) {
  for (const std::string& t : tokens) {
    if (t == "--") return false;
    if (t == "--help" || t == "-h") return true;
  }
  return false;
}

// Joins `--opt value` into `--opt=value` where the value starts with a dash and
// the option takes a value, so that `--at -2h` is never read as two options.
std::vector<std::string> join_option_values(const std::vector<std::string>& tokens,
                                            const po::options_description& desc) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const std::string& t = tokens[i];
    if (t == "--") {
      out.insert(out.end(), tokens.begin() + static_cast<std::ptrdiff_t>(i), tokens.end());
      break;
    }
    if (t.rfind("--", 0) == 0 && t.find('=') == std::string::npos && i + 1 < tokens.size() &&
        tokens[i + 1].size() > 1 && tokens[i + 1][0] == '-') {
      const po::option_description* d = desc.find_nothrow(t.substr(2), false);
      if (d != nullptr && d->semantic()->max_tokens() > 0) {
        out.push_back(t + "=" + tokens[++i]);
        continue;
      }
    }
    out.push_back(t);
  }
  return out;
}

// Boost's messages repeat what was typed (an unknown option with its value, a
// value it could not convert). These name the option and what is wrong with it.
Status option_error(const po::error& e, const Command& cmd, const po::options_description& desc) {
  const auto* named = dynamic_cast<const po::error_with_option_name*>(&e);
  std::string name = named != nullptr ? named->get_option_name() : std::string();
  name = name.substr(0, name.find('='));
  const std::string option = echo_token(name).empty() ? std::string("an option") : name;
  const std::string help = fmt::format("see: tend help {}", cmd.name);
  if (dynamic_cast<const po::unknown_option*>(&e) != nullptr) {
    std::vector<std::string> names;
    for (const auto& opt : desc.options()) {
      if (opt->long_name() != "args") names.push_back("--" + opt->long_name());
    }
    const std::string m = did_you_mean(name, names);
    return usage_error(phrase_with("unknown option", name),
                       m.empty() ? help : fmt::format("did you mean '{}'?", m));
  }
  if (dynamic_cast<const po::multiple_occurrences*>(&e) != nullptr) {
    return usage_error(fmt::format("{} was given more than once", option), help);
  }
  if (const auto* syntax = dynamic_cast<const po::invalid_command_line_syntax*>(&e)) {
    switch (syntax->kind()) {
      case po::invalid_syntax::missing_parameter:
      case po::invalid_syntax::empty_adjacent_parameter:
        return usage_error(fmt::format("{} needs a value", option), help);
      case po::invalid_syntax::extra_parameter:
        return usage_error(fmt::format("{} takes no value", option), help);
      default:
        return usage_error(fmt::format("cannot read {}", option), help);
    }
  }
  return usage_error("cannot read the command line", help);
}

int fail(Io& io, const Status& s) {
  // Messages quote their untrusted parts already; this is the last line of defence.
  *io.err << "tend: error: " << display(s.message()) << "\n";
  if (!s.hint().empty()) *io.err << "tend: hint: " << display(s.hint()) << "\n";
  return exit_code(s.kind());
}

Status resolve_vault_dir(const po::variables_map& vm, Io& io, std::string* dir) {
  if (vm.count("vault") > 0) {
    *dir = vm["vault"].as<std::string>();
  } else if (const char* env = io.getenv("TEND_VAULT"); env != nullptr && env[0] != '\0') {
    *dir = env;
  } else {
    Result<std::string> fallback = default_vault_dir(io.getenv);
    if (!fallback.is_ok()) return fallback.status();
    *dir = *fallback;
  }
  if (dir->empty()) return usage_error("--vault needs a directory");
  return Status::ok();
}

// The one place a vault is unlocked (by its agent, or with the passphrase). A missing or damaged
// vault is found before anything is asked; what an interrupted tend left in
// flight is finished (and said) before the command runs.
Status unlock(Session& s, const Invocation& in, Printer& p) {
  Result<VaultHeader> header = Vault::read_header(s.vault_dir);
  if (!header.is_ok()) return header.status();
  for (const std::string& w : Vault::exposure_warnings(s.vault_dir)) p.warn(w);
  // An unlock agent that holds this vault's key saves the passphrase; one
  // whose key no longer fits (the vault was replaced) is passed over.
  if (std::optional<SecretBytes> key = agent_key(in.agents(), header->vault_id)) {
    Result<Vault> v = Vault::unlock_with_data_key(s.vault_dir, std::move(*key));
    if (v.is_ok()) s.vault.emplace(std::move(v).value());
    if (!v.is_ok() && v.status().kind() != ErrorKind::kWrongPassphrase) return v.status();
  }
  // A passphrase typed on a terminal may be mistyped: three tries, as sudo gives.
  constexpr int kTries = 3;
  for (int attempt = 1; !s.vault; ++attempt) {
    bool asked = false;
    Result<SecretBytes> pass = current_passphrase(in.passphrase_sources(), in.io(), &asked);
    if (!pass.is_ok()) return pass.status();
    Result<Vault> v = Vault::unlock(s.vault_dir, *pass);
    if (v.is_ok()) {
      s.vault.emplace(std::move(v).value());
      break;
    }
    if (!asked || attempt == kTries || v.status().kind() != ErrorKind::kWrongPassphrase) {
      return v.status();
    }
    p.warn(fmt::format("wrong passphrase; try again ({} of {})", attempt + 1, kTries));
  }
  Result<std::vector<std::string>> notes = s.vault->finish_interrupted();
  if (!notes.is_ok()) return notes.status();
  for (const std::string& note : *notes) p.warn(note);
  return Status::ok();
}

// The words that name the command: the first one or two tokens that are not
// options (or values of global options).
std::vector<std::size_t> command_words(const std::vector<std::string>& args) {
  std::vector<std::size_t> at;
  for (std::size_t i = 0; i < args.size() && at.size() < 3; ++i) {
    const std::string& t = args[i];
    if (t == "--") break;
    if (is_option(t)) {
      if (std::find(std::begin(kGlobalValueOptions), std::end(kGlobalValueOptions), t) !=
          std::end(kGlobalValueOptions)) {
        ++i;
      }
      if (!at.empty()) break;  // command options begin: no more command words
      continue;
    }
    at.push_back(i);
  }
  return at;
}

// `tend help [TOPIC]`.
int help(const std::vector<std::string>& args, const std::vector<std::size_t>& words, Io& io) {
  std::string topic;
  for (std::size_t k = 1; k < words.size(); ++k) topic += (k > 1 ? " " : "") + args[words[k]];
  if (topic.empty()) {
    print_overview(*io.out);
    return kExitOk;
  }
  if (const Command* c = find_command(topic)) {
    print_command_help(*io.out, *c);
    return kExitOk;
  }
  if (!sub_words(topic).empty()) {
    print_group_help(*io.out, topic);
    return kExitOk;
  }
  return fail(io, usage_error(phrase_with("no help for", topic), "see: tend help"));
}

// The row for the command words, or why there is none; `used` is how many words it took.
Result<const Command*> lookup(const std::vector<std::string>& args,
                              const std::vector<std::size_t>& words, std::size_t* used) {
  const std::string& first = args[words[0]];
  // A word can be a command and a group both (tend checkin, tend checkin list).
  if (words.size() >= 2) {
    *used = 2;
    if (const Command* c = find_command(first + " " + args[words[1]])) return c;
  }
  *used = 1;
  if (const Command* c = find_command(first)) return c;
  const std::vector<std::string> subs = sub_words(first);
  if (subs.empty()) {
    const std::string m = did_you_mean(first, top_level_words());
    return usage_error(
        phrase_with("unknown command", first),
        m.empty() ? "see the commands with: tend help" : fmt::format("did you mean '{}'?", m));
  }
  if (words.size() < 2) return static_cast<const Command*>(nullptr);  // a group alone
  const std::string& second = args[words[1]];
  *used = 2;
  if (const Command* c = find_command(first + " " + second)) return c;
  const std::string m = did_you_mean(second, subs);
  return usage_error(echo_token(second).empty()
                         ? fmt::format("unknown {} command", first)
                         : fmt::format("unknown command '{} {}'", first, second),
                     m.empty() ? fmt::format("see: tend help {}", first)
                               : fmt::format("did you mean '{} {}'?", first, m));
}

int dispatch(const std::vector<std::string>& args, Io& io) {
  if (Status s = init_libraries(); !s.is_ok()) return fail(io, s);
  const std::vector<std::size_t> words = command_words(args);
  if (words.empty()) {
    if (std::any_of(args.begin(), args.end(),
                    [](const std::string& t) { return t == "--version" || t == "-V"; })) {
      *io.out << "tend " << TEND_VERSION << "\n";
      return kExitOk;
    }
    const bool asked = asks_for_help(args);
    print_overview(asked ? *io.out : *io.err);
    return asked ? kExitOk : kExitUsage;
  }
  if (args[words[0]] == "help") return help(args, words, io);

  std::size_t used = 0;
  Result<const Command*> found = lookup(args, words, &used);
  if (!found.is_ok()) return fail(io, found.status());
  if (*found == nullptr) {  // a group without its command
    const bool asked = asks_for_help(args);
    print_group_help(asked ? *io.out : *io.err, args[words[0]]);
    return asked ? kExitOk : kExitUsage;
  }
  const Command& cmd = **found;

  std::vector<std::string> tokens;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (std::find(words.begin(), words.begin() + static_cast<std::ptrdiff_t>(used), i) ==
        words.begin() + static_cast<std::ptrdiff_t>(used)) {
      tokens.push_back(args[i]);
    }
  }
  // Help comes before anything else is read: a missing option or a bad value
  // must not stand between a user and the page that explains them.
  if (asks_for_help(tokens)) {
    print_command_help(*io.out, cmd);
    return kExitOk;
  }

  po::options_description desc;
  global_options(desc);
  cmd.options(desc);
  desc.add_options()("args", po::value<std::vector<std::string>>()->composing(), "");
  po::positional_options_description positional;
  positional.add("args", -1);
  po::variables_map vm;
  try {
    po::store(
        po::command_line_parser(join_option_values(tokens, desc))
            .options(desc)
            .positional(positional)
            .style(po::command_line_style::unix_style ^ po::command_line_style::allow_guessing)
            .run(),
        vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return fail(io, option_error(e, cmd, desc));
  }
  std::vector<std::string> positionals;
  if (vm.count("args") > 0) positionals = vm["args"].as<std::vector<std::string>>();
  const int nargs = static_cast<int>(positionals.size());
  if (nargs < cmd.min_args || nargs > cmd.max_args) {
    // Extra words are not echoed: they may be journal text typed without --note.
    const bool missing = nargs < cmd.min_args;
    return fail(io, usage_error(fmt::format("{}: usage: tend {} {}",
                                            missing ? "missing arguments" : "too many arguments",
                                            cmd.name, cmd.synopsis),
                                missing || cmd.extra_args_hint.empty()
                                    ? fmt::format("see: tend help {}", cmd.name)
                                    : std::string(cmd.extra_args_hint)));
  }

  const std::int64_t now = io.now();
  std::string tz_warning;
  if (Status s = check_time_zone(io.getenv("TZ"), now, &tz_warning); !s.is_ok()) {
    return fail(io, s);
  }
  Printer printer(io, vm["json"].as<bool>(), vm["utc"].as<bool>(), now);
  if (!tz_warning.empty()) printer.warn(tz_warning);

  // parse → unlock when the row says so → op → render
  const Invocation in(vm, std::move(positionals), now, io);
  Result<Step> step = cmd.action.parse(in);
  if (!step.is_ok()) return fail(io, step.status());
  Session session;
  session.now = now;
  if (cmd.action.needs != Needs::kNothing) {
    if (Status s = resolve_vault_dir(vm, io, &session.vault_dir); !s.is_ok()) return fail(io, s);
  }
  if (cmd.action.needs == Needs::kUnlocked) {
    if (Status s = unlock(session, in, printer); !s.is_ok()) return fail(io, s);
  }
  if (cmd.action.needs == Needs::kUnlockedOrDamaged) {
    Status s = unlock(session, in, printer);
    if (s.kind() == ErrorKind::kCorrupt && !s.is_ok()) {
      session.vault.reset();
      session.damage = s;
    } else if (!s.is_ok()) {
      return fail(io, s);
    }
  }
  // A long listing on a terminal is shown through the pager, once it is whole.
  const bool paged = cmd.paged && io.columns > 0 && !printer.json() && io.page;
  std::ostringstream held;
  std::ostream* const out = io.out;
  if (paged) io.out = &held;
  Status s = (*step)(session, printer);
  if (paged) {
    io.out = out;
    if (!held.str().empty() && !io.page(held.str())) *out << held.str();
  }
  if (s.kind() == ErrorKind::kClockBehind && !s.is_ok()) {
    // Another tend may have appended while this one waited for the vault: a
    // fresh reading of the clock tells that from a clock that went back.
    session.now = io.now();
    Printer again(io, vm["json"].as<bool>(), vm["utc"].as<bool>(), session.now);
    s = (*step)(session, again);
  }
  if (!s.is_ok()) return fail(io, s);
  return kExitOk;
}

}  // namespace

int exit_code(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUsage:
      return kExitUsage;
    case ErrorKind::kInvalidInput:
    case ErrorKind::kCorrupt:
    case ErrorKind::kUnsupported:
      return kExitDataErr;
    case ErrorKind::kNotFound:
      return kExitNoInput;
    case ErrorKind::kExists:
      return kExitCantCreate;
    case ErrorKind::kIo:
    case ErrorKind::kClockBehind:
      return kExitIoErr;
    case ErrorKind::kWrongPassphrase:
    case ErrorKind::kConsentRefused:
    case ErrorKind::kUnsafe:
      return kExitNoPerm;
    case ErrorKind::kVerifyFailed:
      return kExitVerifyFailed;
  }
  return kExitIoErr;
}

int run(const std::vector<std::string>& args, Io& io) noexcept {
  // No exception leaves tend: what the layers below cannot turn into a Status
  // (memory exhausted, a library's own exception) is still one line and a code.
  try {
    return dispatch(args, io);
  } catch (const std::bad_alloc&) {
    return fail(io, io_error("out of memory"));
  } catch (const std::exception& e) {
    return fail(io, io_error(fmt::format("unexpected failure: {}", e.what())));
  } catch (...) {
    return kExitIoErr;
  }
}

}  // namespace tend::cli
