// What a command handler sees: the I/O seam, parsed options, the vault.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "base/status.hpp"
#include "core/json.hpp"
#include "core/vault.hpp"
#include "core/when.hpp"
#include "crypto/kdf.hpp"
#include "crypto/secret.hpp"

namespace tend::cli {

// Everything the CLI touches outside itself. main() fills it with the real
// process; tests fill it with strings and a fixed clock.
struct Io {
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  std::function<const char*(const char*)> getenv;
  std::function<std::int64_t()> now;
  // Reads one secret line from the user's terminal with echo off (prompt shown).
  std::function<Result<crypto::SecretBytes>(const std::string& prompt)> read_terminal_secret;
  // Whether a terminal is there to ask (otherwise a passphrase source is required).
  bool has_terminal = false;
  // Terminal width for tables (0: not a terminal; tables are not truncated).
  int columns = 0;
  // TEST ONLY: the KDF cost `tend init` uses. The tend executable never sets
  // this, and no flag or environment variable reaches it.
  std::optional<crypto::KdfParams> test_only_kdf;
};

struct Context {
  Io& io;
  boost::program_options::variables_map vm;
  std::vector<std::string> args;  // positional arguments after the command words
  std::string command;            // "mood add"
  std::string vault_dir;
  bool json = false;
  std::int64_t now = 0;
  std::optional<Vault> vault;  // set when the command needs an unlocked vault

  std::ostream& out() { return *io.out; }
  std::ostream& err() { return *io.err; }
  Vault& v() { return *vault; }

  bool has(const char* option) const { return vm.count(option) > 0 && !vm[option].defaulted(); }
  template <typename T>
  std::optional<T> opt(const char* option) const {
    if (vm.count(option) == 0) return std::nullopt;
    return vm[option].as<T>();
  }
  bool flag(const char* option) const { return vm.count(option) > 0 && vm[option].as<bool>(); }

  // Unlocks the vault in vault_dir (asking for the passphrase). Handlers call
  // this after checking their own arguments, so a typo costs no KDF run.
  Status open_vault();
  // Takes an unlocked vault as this command's, after finishing what an
  // interrupted tend left in flight (and saying so on stderr).
  Status adopt_vault(Vault vault);

  // Prints `j` as the command's JSON output.
  void print_json(const Json& j);
  // A line on stderr: "tend: warning: ...".
  void warn(const std::string& message);
};

// The passphrase that unlocks the vault: --passphrase-fd, --passphrase-file,
// TEND_PASSPHRASE, else the terminal. kUsage if none is available.
Result<crypto::SecretBytes> current_passphrase(Context& ctx);

// A new passphrase: from `file` if given, else asked twice on the terminal.
// For `tend init`, the unlock sources above also count (asked once).
enum class NewPassphraseSource { kFileOrTerminal = 0, kAnySource = 1 };
Result<crypto::SecretBytes> new_passphrase(Context& ctx, const std::optional<std::string>& file,
                                           NewPassphraseSource source);

// The UTC time given for option `name` (e.g. --from), read in `role`; none if absent.
Result<std::optional<std::int64_t>> time_option(Context& ctx, const char* name, TimeRole role);

// `tend mood rm ID` and `tend app rm ID`: parse the id, unlock, delete with
// its audit entry, report. `noun` names the entry ("mood entry").
using RemoveFn = Status (*)(Db&, AuditLog&, std::int64_t, std::int64_t);
Status remove_by_id(Context& ctx, const char* noun, RemoveFn remove);

// Parses a whole decimal integer within [lo, hi]; `what` names it in errors.
Result<std::int64_t> parse_int(const std::string& text, const char* what, std::int64_t lo,
                               std::int64_t hi);

}  // namespace tend::cli
