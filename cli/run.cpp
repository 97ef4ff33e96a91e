// Dispatch: find the command words, parse options with Boost.Program_options,
// unlock the vault if the command needs it, run the handler, and turn a failed
// Status into one `tend: error:` line (plus an optional hint) and an exit code.
#include "cli/run.hpp"

#include <algorithm>
#include <ostream>
#include <set>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/text.hpp"
#include "crypto/secret.hpp"

namespace po = boost::program_options;

namespace tend::cli {
namespace {

constexpr const char* kGlobalValueOptions[] = {"--vault", "--passphrase-file", "--passphrase-fd"};

void add_global_options(po::options_description& d) {
  d.add_options()("vault", po::value<std::string>()->value_name("DIR"),
                  "the vault directory (default: $TEND_VAULT, else $XDG_DATA_HOME/tend, else "
                  "~/.local/share/tend)")("json", po::bool_switch(),
                                          "machine-readable output on stdout")(
      "passphrase-file", po::value<std::string>()->value_name("F"),
      "read the passphrase from the first line of F")("passphrase-fd",
                                                      po::value<int>()->value_name("N"),
                                                      "read the passphrase from file descriptor N")(
      "help,h", po::bool_switch(), "show help for the command");
}

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

const Command* find_command(std::string_view name) {
  for (const Command& c : commands()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::size_t name_width() {
  std::size_t w = 0;
  for (const Command& c : commands()) w = std::max(w, c.name.size());
  return w + 2;
}

void print_overview(std::ostream& os) {
  os << "tend — a private, encrypted journal for mood and mental-health app use\n\n"
        "Usage: tend [--vault DIR] [--json] COMMAND [ARGS] [OPTIONS]\n";
  std::string_view group;
  for (const Command& c : commands()) {
    if (c.group != group) {
      group = c.group;
      os << "\n" << group << ":\n";
    }
    os << fmt::format("  {:<{}}{}\n", c.name, name_width(), c.summary);
  }
  os << "\nGlobal options:\n";
  po::options_description globals;
  add_global_options(globals);
  os << globals;
  os << "\nEnvironment: TEND_VAULT (vault directory), TEND_PASSPHRASE (for automation; weaker than "
        "a\n"
        "file: other processes of the same user may read a process's environment).\n"
        "Run 'tend help COMMAND' for a command's options. Formats and exit codes: docs/.\n";
}

void print_command_help(std::ostream& os, const Command& c) {
  os << fmt::format("Usage: tend {}{}{}\n\n{}\n", c.name, c.synopsis.empty() ? "" : " ", c.synopsis,
                    c.summary);
  po::options_description own("Options");
  c.add_options(own);
  if (!own.options().empty()) os << "\n" << own;
  po::options_description globals("Global options");
  add_global_options(globals);
  os << "\n" << globals << "\n";
}

void print_group_help(std::ostream& os, std::string_view group) {
  os << fmt::format("Usage: tend {} COMMAND\n\n", group);
  for (const Command& c : commands()) {
    if (c.name.substr(0, c.name.find(' ')) == group) {
      os << fmt::format("  {:<{}}{}\n", c.name, name_width(), c.summary);
    }
  }
}

bool is_option(const std::string& t) {
  return t.size() > 1 && t[0] == '-';
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

Status resolve_vault_dir(Context& ctx) {
  if (auto dir = ctx.opt<std::string>("vault")) {
    ctx.vault_dir = *dir;
  } else if (const char* env = ctx.io.getenv("TEND_VAULT"); env != nullptr && env[0] != '\0') {
    ctx.vault_dir = env;
  } else {
    Result<std::string> fallback = default_vault_dir(ctx.io.getenv);
    if (!fallback.is_ok()) return fallback.status();
    ctx.vault_dir = *fallback;
  }
  if (ctx.vault_dir.empty()) return usage_error("--vault needs a directory");
  return Status::ok();
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
  if (dynamic_cast<const po::required_option*>(&e) != nullptr) {
    return usage_error(fmt::format("{} is required", option), help);
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
  if (dynamic_cast<const po::validation_error*>(&e) != nullptr) {
    return usage_error(fmt::format("the value of {} is not valid", option), help);
  }
  return usage_error("cannot read the command line", help);
}

int fail(Io& io, const Status& s) {
  // Messages quote their untrusted parts already; this is the last line of defence.
  *io.err << "tend: error: " << display(s.message()) << "\n";
  if (!s.hint().empty()) *io.err << "tend: hint: " << display(s.hint()) << "\n";
  return exit_code(s.kind());
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
      return kExitNoPerm;
    case ErrorKind::kVerifyFailed:
      return kExitVerifyFailed;
  }
  return kExitIoErr;
}

namespace {

int dispatch(const std::vector<std::string>& args, Io& io) {
  if (Status s = crypto::init(); !s.is_ok()) return fail(io, s);

  // Find the command words: the first one or two tokens that are not options
  // (or values of global options).
  std::vector<std::size_t> word_at;
  for (std::size_t i = 0; i < args.size() && word_at.size() < 3; ++i) {
    const std::string& t = args[i];
    if (t == "--") break;
    if (is_option(t)) {
      if (std::find(std::begin(kGlobalValueOptions), std::end(kGlobalValueOptions), t) !=
          std::end(kGlobalValueOptions)) {
        ++i;
      }
      if (!word_at.empty()) break;  // command options begin: no more command words
      continue;
    }
    word_at.push_back(i);
  }
  const bool version = std::find(args.begin(), args.end(), "--version") != args.end();
  if (word_at.empty()) {
    if (version) {
      *io.out << "tend " << TEND_VERSION << "\n";
      return kExitOk;
    }
    const bool help = std::any_of(args.begin(), args.end(),
                                  [](const std::string& t) { return t == "--help" || t == "-h"; });
    print_overview(help ? *io.out : *io.err);
    return help ? kExitOk : kExitUsage;
  }

  std::string first = args[word_at[0]];
  if (first == "help") {
    std::string topic;
    for (std::size_t k = 1; k < word_at.size(); ++k) topic += (k > 1 ? " " : "") + args[word_at[k]];
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

  // One word, or a group and its sub-command.
  const Command* cmd = find_command(first);
  std::size_t words_used = 1;
  if (cmd == nullptr) {
    const std::vector<std::string> subs = sub_words(first);
    if (subs.empty()) {
      std::string hint;
      if (std::string m = did_you_mean(first, top_level_words()); !m.empty()) {
        hint = fmt::format("did you mean '{}'?", m);
      } else {
        hint = "see the commands with: tend help";
      }
      return fail(io, usage_error(phrase_with("unknown command", first), hint));
    }
    if (word_at.size() < 2) {
      const bool help = std::any_of(args.begin(), args.end(), [](const std::string& t) {
        return t == "--help" || t == "-h";
      });
      print_group_help(help ? *io.out : *io.err, first);
      return help ? kExitOk : kExitUsage;
    }
    const std::string& second = args[word_at[1]];
    cmd = find_command(first + " " + second);
    if (cmd == nullptr) {
      std::string m = did_you_mean(second, subs);
      const std::string what = echo_token(second).empty()
                                   ? fmt::format("unknown {} command", first)
                                   : fmt::format("unknown command '{} {}'", first, second);
      return fail(io,
                  usage_error(what, m.empty() ? fmt::format("see: tend help {}", first)
                                              : fmt::format("did you mean '{} {}'?", first, m)));
    }
    words_used = 2;
  }

  po::options_description desc;
  po::options_description own;
  cmd->add_options(own);
  add_global_options(desc);
  desc.add(own);
  desc.add_options()("args", po::value<std::vector<std::string>>()->composing(), "");
  po::positional_options_description positional;
  positional.add("args", -1);

  std::vector<std::string> tokens;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (std::find(word_at.begin(), word_at.begin() + static_cast<std::ptrdiff_t>(words_used), i) ==
        word_at.begin() + static_cast<std::ptrdiff_t>(words_used)) {
      tokens.push_back(args[i]);
    }
  }
  tokens = join_option_values(tokens, desc);

  Context ctx{io, {}, {}, std::string(cmd->name), {}, false, io.now(), std::nullopt};
  try {
    po::store(
        po::command_line_parser(tokens)
            .options(desc)
            .positional(positional)
            .style(po::command_line_style::unix_style ^ po::command_line_style::allow_guessing)
            .run(),
        ctx.vm);
    po::notify(ctx.vm);
  } catch (const po::error& e) {
    return fail(io, option_error(e, *cmd, desc));
  }
  if (ctx.flag("help")) {
    print_command_help(*io.out, *cmd);
    return kExitOk;
  }
  if (ctx.vm.count("args") > 0) ctx.args = ctx.vm["args"].as<std::vector<std::string>>();
  const int nargs = static_cast<int>(ctx.args.size());
  if (nargs < cmd->min_args || nargs > cmd->max_args) {
    // Extra words are not echoed: they may be journal text typed without --note.
    const bool missing = nargs < cmd->min_args;
    return fail(
        io, usage_error(fmt::format("{}: usage: tend {} {}",
                                    missing ? "missing arguments" : "too many arguments", cmd->name,
                                    cmd->synopsis),
                        missing ? fmt::format("see: tend help {}", cmd->name)
                                : "text with spaces goes in quotes, a note in --note TEXT"));
  }
  ctx.json = ctx.flag("json");

  std::string tz_warning;
  Status s = check_time_zone(io.getenv("TZ"), ctx.now, &tz_warning);
  if (!s.is_ok()) return fail(io, s);
  if (!tz_warning.empty()) ctx.warn(tz_warning);
  if (cmd->needs != Needs::kNothing) s = resolve_vault_dir(ctx);
  if (s.is_ok()) s = cmd->handler(ctx);
  if (s.kind() == ErrorKind::kClockBehind && !s.is_ok()) {
    // Another tend may have appended while this one waited for the vault: a
    // fresh reading of the clock tells that from a clock that went back.
    ctx.now = io.now();
    s = cmd->handler(ctx);
  }
  if (!s.is_ok()) return fail(io, s);
  return kExitOk;
}

}  // namespace

int run(const std::vector<std::string>& args, Io& io) {
  // No exception leaves tend: what the layers below cannot turn into a Status
  // (memory exhausted, a library's own exception) is still one line and a code.
  try {
    return dispatch(args, io);
  } catch (const std::bad_alloc&) {
    return fail(io, io_error("out of memory"));
  } catch (const std::exception& e) {
    return fail(io, io_error(fmt::format("unexpected failure: {}", e.what())));
  }
}

}  // namespace tend::cli
