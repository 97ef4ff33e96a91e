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

// Where the vault's passphrase comes from, in this order: --passphrase-fd,
// --passphrase-file, TEND_PASSPHRASE, the terminal. kUsage if none is there.
struct PassphraseSources {
  std::optional<int> fd;
  std::optional<std::string> file;
};
Result<SecretBytes> current_passphrase(const PassphraseSources& sources, Io& io);

// A new passphrase: from `file` if given, else asked twice on the terminal.
// kAnySource (tend init) also takes the sources above, asked once.
enum class NewPassphrase { kFileOrTerminal = 0, kAnySource = 1 };
SecretSource new_passphrase(Io& io, PassphraseSources sources, std::optional<std::string> file,
                            NewPassphrase kind);

}  // namespace tend::cli
