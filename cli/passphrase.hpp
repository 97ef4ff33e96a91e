// Reading passphrases and keys without letting them into ordinary memory, and
// where they come from: a file descriptor, a file, the environment, a terminal.
#pragma once

#include <optional>
#include <string>

#include "base/status.hpp"
#include "cli/io.hpp"
#include "core/secret.hpp"
#include "core/vault_ops.hpp"

namespace tend::cli {

constexpr std::size_t kMaxSecretLine = 1024;

// The first line of what `fd` yields (up to newline or EOF), without the line
// ending, read straight into guarded memory. kInvalidInput if it is longer than
// kMaxSecretLine bytes.
Result<SecretBytes> read_secret_line(int fd, const std::string& what);
Result<SecretBytes> read_secret_file(const std::string& path, const std::string& what);

// Asks on /dev/tty with echo off (restored by an RAII guard, also on signals
// that unwind); kNotFound if there is no terminal.
Result<SecretBytes> read_terminal_secret(const std::string& prompt);
// One line from /dev/tty with echo on, for confirmations and answers.
Result<std::string> read_terminal_line(const std::string& prompt);

// The first line a command prints (as restic's --password-command): the
// command line is split into words as a shell would (wordexp(3), without
// command substitution; no shell runs it), its
// stdin and stderr are tend's. kNotFound when it does not exist, kIo when it
// fails, kInvalidInput when it prints nothing. Never cached.
Result<SecretBytes> run_passphrase_command(const std::string& command_line);

// Where the vault's passphrase comes from, in this order: --passphrase-fd,
// --passphrase-file or --passphrase-command (one of them), then
// TEND_PASSPHRASE_COMMAND, TEND_PASSPHRASE, the terminal. kUsage if none is
// there. `asked_on_terminal` tells whether the terminal was asked (a wrong
// passphrase typed there may be retried).
struct PassphraseSources {
  std::optional<int> fd;
  std::optional<std::string> file;
  std::optional<std::string> command;
};
Result<SecretBytes> current_passphrase(const PassphraseSources& sources, Io& io,
                                       bool* asked_on_terminal = nullptr);

// A new passphrase: from `file` if given, else asked twice on the terminal.
// kAnySource (tend init) also takes the sources above, asked once.
enum class NewPassphrase { kFileOrTerminal = 0, kAnySource = 1 };
SecretSource new_passphrase(Io& io, PassphraseSources sources, std::optional<std::string> file,
                            NewPassphrase kind);

}  // namespace tend::cli
