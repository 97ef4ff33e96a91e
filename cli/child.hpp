// The programs tend starts: the passphrase command, the editor, the pager.
// Their command lines are split the same way, and none of them is handed the
// passphrase variables.
#pragma once

#include <string>
#include <vector>

namespace tend::cli {

// Splits `line` into words as a shell would (quotes, escapes, $VAR, ~) with the
// C library's wordexp, command substitution refused; no shell runs. Returns
// wordexp's code: 0, or WRDE_BADCHAR, WRDE_CMDSUB, WRDE_SYNTAX, ...; `words`
// is filled only on 0.
int split_command(const std::string& line, std::vector<std::string>* words);

// tend's environment for a child process, without TEND_PASSPHRASE and
// TEND_PASSPHRASE_COMMAND.
std::vector<std::string> child_environment();

// argv- or envp-style pointers into `strings`, ending in nullptr. `strings`
// must outlive them.
std::vector<char*> c_strings(std::vector<std::string>& strings);

}  // namespace tend::cli
