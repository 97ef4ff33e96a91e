// Reading passphrases and keys without letting them into ordinary memory.
#pragma once

#include <string>

#include "base/status.hpp"
#include "crypto/secret.hpp"

namespace tend::cli {

constexpr std::size_t kMaxSecretLine = 1024;

// The first line of what `fd` yields (up to newline or EOF), without the line
// ending, read straight into guarded memory. kInvalidInput if it is longer than
// kMaxSecretLine bytes.
Result<crypto::SecretBytes> read_secret_line(int fd, const std::string& what);
Result<crypto::SecretBytes> read_secret_file(const std::string& path, const std::string& what);

// Asks on /dev/tty with echo off (restored by an RAII guard, also on signals
// that unwind); kNotFound if there is no terminal.
Result<crypto::SecretBytes> read_terminal_secret(const std::string& prompt);

}  // namespace tend::cli
