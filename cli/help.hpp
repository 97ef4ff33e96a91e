// Help, generated from the command table: `tend help`, a command's page, and
// for installing, the man page tend.1 and the bash and zsh completions.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>

#include "cli/command.hpp"

namespace tend::cli {

// `tend help`: the commands by group, and the global options once.
void print_overview(std::ostream& os);
// `tend help COMMAND`, `tend COMMAND --help`: its synopsis and its own options.
void print_command_help(std::ostream& os, const Command& c);
// `tend help mood`: the commands of a group.
void print_group_help(std::ostream& os, std::string_view group);

// tend.1 in roff (man(7)), from the table and docs/cli.md (`cli_md`, Markdown):
// its Passphrases, Times and Exit codes sections are rendered into the page.
std::string man_page(std::string_view version, std::string_view cli_md);
// Completion scripts: commands, subcommands and options.
std::string bash_completion();
std::string zsh_completion();

}  // namespace tend::cli
