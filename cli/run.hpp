// The tend command line as a function: main() is a thin shell over run().
#pragma once

#include <string>
#include <vector>

#include "base/status.hpp"
#include "cli/io.hpp"

namespace tend::cli {

// Exit codes (sysexits): see DESIGN "Commands".
constexpr int kExitOk = 0;
constexpr int kExitVerifyFailed = 1;
constexpr int kExitUsage = 64;
constexpr int kExitDataErr = 65;
constexpr int kExitNoInput = 66;
constexpr int kExitCantCreate = 73;
constexpr int kExitIoErr = 74;
constexpr int kExitNoPerm = 77;

int exit_code(ErrorKind kind);

// Runs one tend command and returns its exit code. `args` excludes the program
// name. No exception leaves it.
int run(const std::vector<std::string>& args, Io& io) noexcept;

}  // namespace tend::cli
