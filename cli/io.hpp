// Everything the CLI touches outside itself. main() fills it with the real
// process; tests fill it with strings, a fixed clock and scripted answers.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

#include "base/status.hpp"
#include "core/secret.hpp"

namespace tend::cli {

struct Io {
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  std::function<const char*(const char*)> getenv;
  std::function<std::int64_t()> now;
  // Reads one secret line from the user's terminal with echo off (prompt shown).
  std::function<Result<SecretBytes>(const std::string& prompt)> read_terminal_secret;
  // Reads one line from the user's terminal with echo on (prompt shown): a
  // confirmation, a check-in answer. An error when there is none, or at its end.
  std::function<Result<std::string>(const std::string& prompt)> read_terminal_line;
  // Writes a note in the user's editor, starting from `initial` (cli/editor.hpp);
  // nullopt when the buffer was left unchanged or emptied.
  std::function<Result<std::optional<std::string>>(const std::string& initial)> edit_text;
  // Whether edit_text can run here (a tmpfs for its file), asked before unlocking.
  std::function<Status()> editor_ready;
  // Shows text through $PAGER (default less -FRX); false if no pager ran.
  std::function<bool(const std::string& text)> page;
  // All of standard input, refusing more than `max_bytes` (for `--note-file -`).
  std::function<Result<std::string>(std::size_t max_bytes)> read_stdin;
  // Whether a terminal is there to ask (otherwise a passphrase source is required).
  bool has_terminal = false;
  // Whether standard error is a terminal: long work shows a progress line there.
  bool err_is_terminal = false;
  // Terminal width for tables (0: not a terminal; tables are not truncated).
  int columns = 0;
  // TEST ONLY: the KDF cost `tend init` uses. The tend executable never sets
  // this, and no flag or environment variable reaches it.
  std::optional<KdfParams> test_only_kdf;
};

}  // namespace tend::cli
