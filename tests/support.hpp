// Test support: temporary directories, the CLI run in-process, the real
// binary run as a child process, and file fingerprints for "nothing changed".
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/io.hpp"
#include "core/vault.hpp"

namespace tend::test {

// A fresh directory under $TMPDIR, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

constexpr const char* kPassphrase = "correct horse battery staple";
// 2026-11-25 12:00:00 UTC: the fixed "now" of in-process CLI tests.
constexpr std::int64_t kNow = 1795608000;

crypto::SecretBytes secret(const std::string& s);

// A vault made with the cheap test-only KDF.
CreatedVault make_vault(const std::string& dir, const std::string& passphrase = kPassphrase);

struct CliResult {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs `tend args...` in-process with a fixed clock, the test-only KDF, no
// terminal, and `env` as the whole environment.
CliResult tend_cli(const std::vector<std::string>& args,
                   const std::map<std::string, std::string>& env, std::int64_t now = kNow);
// The same, with `io` prepared by the test (its streams, clock, environment and
// KDF are set as for tend_cli).
CliResult tend_cli_with_io(const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env, cli::Io io);
// The same, with `stdin_data` as standard input.
CliResult tend_cli_with_stdin(const std::vector<std::string>& args,
                              const std::map<std::string, std::string>& env,
                              const std::string& stdin_data);
// The same, with a terminal that answers each prompt (passphrase, or a line
// read with echo on) with the next of `answers`; the prompts shown are
// appended to `prompts`.
CliResult tend_cli_with_terminal(const std::vector<std::string>& args,
                                 const std::map<std::string, std::string>& env,
                                 std::vector<std::string> answers,
                                 std::vector<std::string>* prompts);

struct ProcResult {
  int code = -1;  // exit code, or -signal
  std::string out;
  std::string err;
};
// Runs a program as a child process with `env` added to a minimal environment
// (PATH, TZ). Nothing reaches its argv but `argv`.
ProcResult run_process(const std::vector<std::string>& argv,
                       const std::map<std::string, std::string>& env,
                       const std::string& stdin_data = "",
                       std::optional<int> kill_after_ms = std::nullopt);

// Runs a program on a new pseudo-terminal (its controlling terminal, and its
// stdin, stdout and stderr), as a person at a terminal would: whenever it
// prints a prompt ending in ": " it is answered with the next of `answers`.
// `out` is everything the terminal showed.
ProcResult run_on_terminal(const std::vector<std::string>& argv,
                           const std::map<std::string, std::string>& env,
                           std::vector<std::string> answers);

void write_file(const std::string& path, const std::string& data);
std::string read_file(const std::string& path);

// SHA-256 (hex) of every file in `dir`, by name: equal maps mean nothing changed.
std::map<std::string, std::string> fingerprint(const std::string& dir);

// Sets TZ for the C library for one test, and puts back what was there.
class TzGuard {
 public:
  explicit TzGuard(const char* tz);
  ~TzGuard();
  TzGuard(const TzGuard&) = delete;
  TzGuard& operator=(const TzGuard&) = delete;

 private:
  std::optional<std::string> old_;
};

// An audit package of `entries` with a checkpoint after every entry, signed
// with `key`: what someone holding the device key could produce.
std::string build_package(const std::string& origin, const std::vector<std::string>& entries,
                          const crypto::KeyPair& key, const std::string& verifier_line);

// The data key, unwrapped the way docs/vault-format.md describes.
crypto::SecretBytes unwrap_dek(const std::string& dir, const std::string& passphrase);

}  // namespace tend::test
