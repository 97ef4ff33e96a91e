#include "cli/help.hpp"

#include <algorithm>
#include <map>
#include <ostream>
#include <set>
#include <sstream>
#include <vector>

#include <fmt/format.h>

namespace po = boost::program_options;

namespace tend::cli {
namespace {

struct OptionLine {
  std::string left;  // "-o, --output FILE"
  std::string description;
};

// Options as tend shows them: "--name VALUE", never Boost's "-h [ --help ] arg".
std::vector<OptionLine> option_lines(const po::options_description& d) {
  std::vector<OptionLine> out;
  for (const auto& opt : d.options()) {
    if (opt->long_name() == "args") continue;
    std::string left = "--" + opt->long_name();
    const std::string shortname =
        opt->canonical_display_name(po::command_line_style::allow_dash_for_short);
    if (shortname.size() == 2 && shortname[0] == '-' && shortname != left)
      left = shortname + ", " + left;
    if (opt->semantic()->max_tokens() > 0) {
      std::string value = opt->semantic()->name();
      const auto eq = value.find(" (=");
      std::string fallback;
      if (eq != std::string::npos) {
        fallback = value.substr(eq + 3, value.size() - eq - 4);
        value = value.substr(0, eq);
      }
      left += " " + value;
      out.push_back({left, opt->description() +
                               (fallback.empty() ? "" : fmt::format(" (default: {})", fallback))});
    } else {
      out.push_back({left, opt->description()});
    }
  }
  return out;
}

void print_options(std::ostream& os, const std::vector<OptionLine>& lines) {
  std::size_t w = 0;
  for (const OptionLine& l : lines) w = std::max(w, l.left.size());
  w = std::min<std::size_t>(w, 30);
  for (const OptionLine& l : lines) {
    if (l.left.size() > w) {
      os << fmt::format("  {}\n  {:<{}}  {}\n", l.left, "", w, l.description);
    } else {
      os << fmt::format("  {:<{}}  {}\n", l.left, w, l.description);
    }
  }
}

std::vector<OptionLine> own_options(const Command& c) {
  po::options_description own;
  c.options(own);
  return option_lines(own);
}

std::vector<OptionLine> globals() {
  po::options_description g;
  global_options(g);
  return option_lines(g);
}

std::size_t name_width() {
  std::size_t w = 0;
  for (const Command& c : commands()) w = std::max(w, c.name.size());
  return w + 2;
}

// The first word of each command, and the second words under it.
std::map<std::string, std::vector<std::string>> words() {
  std::map<std::string, std::vector<std::string>> out;
  for (const Command& c : commands()) {
    const auto sp = c.name.find(' ');
    std::vector<std::string>& subs = out[std::string(c.name.substr(0, sp))];
    if (sp != std::string_view::npos) subs.emplace_back(c.name.substr(sp + 1));
  }
  out["help"];
  return out;
}

std::string option_names(const Command& c) {
  po::options_description own;
  c.options(own);
  std::string out;
  for (const auto& opt : own.options()) out += (out.empty() ? "--" : " --") + opt->long_name();
  return out;
}

// Options that take a value, as "--a|--b|-o" case patterns: those whose value is a
// path (completed with file names) and the others (completed with nothing).
struct ValueOptions {
  std::string paths;
  std::string others;
};

ValueOptions value_options() {
  static const std::set<std::string> kPathValues = {"FILE", "F",        "B",     "KEYFILE",
                                                    "DIR",  "VERIFIER", "PUBKEY"};
  std::set<std::string> paths, others;
  auto collect = [&](const po::options_description& d) {
    for (const auto& opt : d.options()) {
      if (opt->long_name() == "args" || opt->semantic()->max_tokens() == 0) continue;
      std::string value = opt->semantic()->name();
      value = value.substr(0, value.find(" (="));
      std::set<std::string>& into = kPathValues.count(value) ? paths : others;
      into.insert("--" + opt->long_name());
      const std::string shortname =
          opt->canonical_display_name(po::command_line_style::allow_dash_for_short);
      if (shortname.size() == 2 && shortname[0] == '-') into.insert(shortname);
    }
  };
  po::options_description g;
  global_options(g);
  collect(g);
  for (const Command& c : commands()) {
    po::options_description own;
    c.options(own);
    collect(own);
  }
  auto join = [](const std::set<std::string>& names) {
    std::string out;
    for (const std::string& n : names) out += (out.empty() ? "" : "|") + n;
    return out;
  };
  return {join(paths), join(others)};
}

std::string global_names() {
  po::options_description g;
  global_options(g);
  std::string out;
  for (const auto& opt : g.options()) out += (out.empty() ? "--" : " --") + opt->long_name();
  return out;
}

// roff text: backslashes and hyphens escaped, no line starting with a control character.
std::string roff(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out = "\\&" + out;
  return out;
}

// Markdown `code` as bold, the rest as roff text.
std::string roff_inline(std::string_view text) {
  std::string out;
  bool code = false;
  std::string piece;
  auto flush = [&] {
    out += code ? "\\fB" + roff(piece) + "\\fR" : roff(piece);
    piece.clear();
  };
  for (char c : text) {
    if (c == '`') {
      flush();
      code = !code;
    } else {
      piece += c;
    }
  }
  flush();
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out = "\\&" + out;
  return out;
}

std::vector<std::string> cells(std::string_view row) {
  std::vector<std::string> out;
  std::string cell;
  for (std::size_t i = 1; i < row.size(); ++i) {
    if (row[i] == '|') {
      const auto b = cell.find_first_not_of(' '), e = cell.find_last_not_of(' ');
      out.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
      cell.clear();
    } else {
      cell += row[i];
    }
  }
  return out;
}

// The body of the section "## TITLE" of a Markdown document, up to the next "## ".
std::string_view section(std::string_view md, std::string_view title) {
  const std::string head = "\n## " + std::string(title) + "\n";
  const std::size_t at = md.find(head);
  if (at == std::string_view::npos) return {};
  const std::size_t from = at + head.size();
  const std::size_t to = md.find("\n## ", from);
  return md.substr(from, to == std::string_view::npos ? std::string_view::npos : to - from + 1);
}

// A section of Markdown (paragraphs and one-header tables) as roff.
std::string markdown_to_roff(std::string_view md) {
  std::string out;
  std::istringstream in{std::string(md)};
  std::vector<std::string> header;
  bool in_paragraph = false;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) {
      in_paragraph = false;
      header.clear();
      continue;
    }
    if (line[0] == '|') {
      std::vector<std::string> row = cells(line);
      if (header.empty()) {
        header = row;
        out += ".PP\n";
      } else if (!row.empty() && row[0].find("---") == 0) {
        continue;
      } else {
        out += ".TP\n" + roff_inline(row.empty() ? "" : row[0]) + "\n";
        // Two columns read as "term, meaning"; more as "column: value; ...".
        std::string rest = header.size() == 2 && row.size() == 2 ? row[1] : "";
        for (std::size_t i = 1; header.size() > 2 && i < row.size() && i < header.size(); ++i) {
          rest += (i > 1 ? "; " : "") + header[i] + ": " + row[i];
        }
        out += roff_inline(rest) + "\n";
      }
      continue;
    }
    if (!in_paragraph) out += ".PP\n";
    in_paragraph = true;
    out += roff_inline(line) + "\n";
  }
  return out;
}

}  // namespace

void print_overview(std::ostream& os) {
  os << "tend — a private, encrypted journal for mood and mental-health app use\n\n"
        "Usage: tend [GLOBAL OPTIONS] COMMAND [ARGS] [OPTIONS]\n";
  std::string_view group;
  for (const Command& c : commands()) {
    if (c.group != group) {
      group = c.group;
      os << "\n" << group << ":\n";
    }
    os << fmt::format("  {:<{}}{}\n", c.name, name_width(), c.summary);
  }
  os << "\nGlobal options (before or after the command):\n";
  std::vector<OptionLine> lines = globals();
  lines.push_back({"-V, --version", "show tend's version"});
  print_options(os, lines);
  os << "\nEnvironment: TEND_VAULT (vault directory), TEND_PASSPHRASE (for automation; weaker "
        "than a\nfile: other processes of the same user may read a process's environment).\n"
        "Run 'tend help COMMAND' for a command's options. Formats and exit codes: man tend, "
        "docs/.\n";
}

void print_command_help(std::ostream& os, const Command& c) {
  os << fmt::format("Usage: tend {}{}{}\n\n{}\n", c.name, c.synopsis.empty() ? "" : " ", c.synopsis,
                    c.summary);
  const std::vector<OptionLine> own = own_options(c);
  if (!own.empty()) {
    os << "\nOptions:\n";
    print_options(os, own);
  }
  os << "\nGlobal options (--vault, --json, --utc, --passphrase-file, ...): see tend help\n";
}

void print_group_help(std::ostream& os, std::string_view group) {
  os << fmt::format("Usage: tend {} COMMAND\n\n", group);
  for (const Command& c : commands()) {
    if (c.name.substr(0, c.name.find(' ')) == group) {
      os << fmt::format("  {:<{}}{}\n", c.name, name_width(), c.summary);
    }
  }
}

std::string man_page(std::string_view version, std::string_view cli_md) {
  std::string m;
  m += fmt::format(".TH TEND 1 \"\" \"tend {}\" \"User Commands\"\n", version);
  m += ".SH NAME\ntend \\- a private, encrypted journal for mood and mental\\-health app use\n";
  m += ".SH SYNOPSIS\n.B tend\n[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR] "
       "[\\fIOPTIONS\\fR]\n";
  m += ".SH DESCRIPTION\n"
       "tend keeps a mood and app\\-use journal encrypted on this device (SQLCipher, under "
       "a key wrapped with Argon2id). Nothing leaves it except through a consent grant the user "
       "made and can "
       "revoke, and every grant and export is written to a tamper\\-evident audit log that an "
       "auditor can verify offline without reading the journal.\n";
  m += ".SH COMMANDS\n";
  std::string_view group;
  for (const Command& c : commands()) {
    if (c.group != group) {
      group = c.group;
      m += ".SS " + roff(group) + "\n";
    }
    m += ".TP\n\\fBtend " + roff(c.name) + "\\fR " + roff(c.synopsis) + "\n" + roff(c.summary) +
         ".\n";
    for (const OptionLine& o : own_options(c)) {
      m += ".RS\n.TP\n\\fB" + roff(o.left) + "\\fR\n" + roff(o.description) + "\n.RE\n";
    }
  }
  m += ".SH GLOBAL OPTIONS\n";
  for (const OptionLine& o : globals()) {
    m += ".TP\n\\fB" + roff(o.left) + "\\fR\n" + roff(o.description) + "\n";
  }
  m += ".TP\n\\fB\\-V, \\-\\-version\\fR\nshow tend's version\n";
  m += ".SH PASSPHRASES\n" + markdown_to_roff(section(cli_md, "Passphrases"));
  m += ".SH TIMES\n" + markdown_to_roff(section(cli_md, "Times"));
  m += ".SH ENVIRONMENT\n"
       ".TP\n\\fBTEND_VAULT\\fR\nthe vault directory (else $XDG_DATA_HOME/tend, else "
       "~/.local/share/tend)\n"
       ".TP\n\\fBTEND_PASSPHRASE\\fR\nthe passphrase, for automation; weaker than a file, since "
       "other processes of the same user may read a process's environment\n"
       ".TP\n\\fBTZ\\fR\nthe time zone times are read and shown in\n";
  m += ".SH EXIT STATUS\n" + markdown_to_roff(section(cli_md, "Exit codes and errors"));
  m += ".SH FILES\n.TP\n\\fIvault.json\\fR\nthe vault's plaintext header: nothing secret, nothing "
       "personal\n.TP\n\\fIvault.db\\fR\nthe encrypted journal, grants, audit log and device "
       "keys\n";
  m += ".SH SEE ALSO\n.BR age (1),\n.BR minisign (1),\n.BR sqlcipher (1)\n";
  return m;
}

// What both completions list: the first words, and a shell `case` arm per
// command group (its second words) and per command (its options), each arm
// written by the shell's own pattern: {0} the word, {1} the space-separated list.
struct CompletionCases {
  std::string top, sub_cases, option_cases;
};
CompletionCases completion_cases(std::string_view sub_arm, std::string_view option_arm) {
  CompletionCases out;
  for (const auto& [first, subs] : words()) {
    out.top += (out.top.empty() ? "" : " ") + first;
    if (subs.empty()) continue;
    std::string list;
    for (const std::string& s : subs) list += (list.empty() ? "" : " ") + s;
    out.sub_cases += fmt::format(fmt::runtime(sub_arm), first, list);
  }
  for (const Command& c : commands()) {
    out.option_cases += fmt::format(fmt::runtime(option_arm), c.name, option_names(c));
  }
  return out;
}

std::string bash_completion() {
  const ValueOptions vo = value_options();
  const auto [top, sub_cases, option_cases] =
      completion_cases("    {}) subs=\"{}\" ;;\n", "    \"{}\") opts=\"{}\" ;;\n");
  return fmt::format(R"(# bash completion for tend, generated from its command table.
_tend() {{
  local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}"
  local globals="{globals} --version"
  local -a cmd=()
  local i skip=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    local w="${{COMP_WORDS[i]}}"
    if ((skip)); then skip=0; continue; fi
    case "$w" in
      {paths}|{others}) skip=1 ;;
      -*) ;;
      *) ((${{#cmd[@]}} < 2)) && cmd+=("$w") ;;
    esac
  done
  case "$prev" in
    {paths}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    {others}) COMPREPLY=(); return ;;
  esac
  if ((${{#cmd[@]}} == 0)); then
    if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$globals" -- "$cur"));
    else COMPREPLY=($(compgen -W "{top}" -- "$cur")); fi
    return
  fi
  local subs=""
  case "${{cmd[0]}}" in
{sub_cases}  esac
  if [[ -n "$subs" && ${{#cmd[@]}} -eq 1 ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur")); return
  fi
  local name="${{cmd[0]}}"
  [[ -n "$subs" ]] && name="${{cmd[0]}} ${{cmd[1]}}"
  local opts=""
  case "$name" in
{option_cases}  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$opts $globals" -- "$cur")); return; fi
  COMPREPLY=($(compgen -f -- "$cur"))
}}
complete -F _tend tend
)",
                     fmt::arg("globals", global_names()), fmt::arg("top", top),
                     fmt::arg("sub_cases", sub_cases), fmt::arg("option_cases", option_cases),
                     fmt::arg("paths", vo.paths), fmt::arg("others", vo.others));
}

std::string zsh_completion() {
  const ValueOptions vo = value_options();
  const auto [top, sub_cases, option_cases] =
      completion_cases("    ({}) subs=({}) ;;\n", "    ('{}') opts=({}) ;;\n");
  return fmt::format(R"(#compdef tend
# zsh completion for tend, generated from its command table.
_tend() {{
  local -a globals cmd subs opts
  globals=({globals} --version)
  local i skip=0
  for ((i = 2; i < CURRENT; i++)); do
    if ((skip)); then skip=0; continue; fi
    case "${{words[i]}}" in
      {paths}|{others}) skip=1 ;;
      -*) ;;
      *) ((${{#cmd}} < 2)) && cmd+=("${{words[i]}}") ;;
    esac
  done
  case "${{words[CURRENT-1]}}" in
    {paths}) _files; return ;;
    {others}) return ;;
  esac
  if ((${{#cmd}} == 0)); then
    if [[ "$PREFIX" == -* ]]; then compadd -- $globals; else compadd -- {top}; fi
    return
  fi
  case "${{cmd[1]}}" in
{sub_cases}  esac
  if ((${{#subs}} && ${{#cmd}} == 1)); then compadd -- $subs; return; fi
  local name="${{cmd[1]}}"
  ((${{#subs}})) && name="${{cmd[1]}} ${{cmd[2]}}"
  case "$name" in
{option_cases}  esac
  if [[ "$PREFIX" == -* ]]; then compadd -- $opts $globals; else _files; fi
}}
_tend "$@"
)",
                     fmt::arg("globals", global_names()), fmt::arg("top", top),
                     fmt::arg("sub_cases", sub_cases), fmt::arg("option_cases", option_cases),
                     fmt::arg("paths", vo.paths), fmt::arg("others", vo.others));
}

}  // namespace tend::cli
