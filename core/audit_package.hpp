// Reading and verifying an audit package (docs/audit-format.md), with no
// vault and no passphrase: what an auditor runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.hpp"
#include "crypto/merkle.hpp"
#include "crypto/note.hpp"

namespace tend {

constexpr std::uint64_t kMaxPackageEntries = 100'000'000;
constexpr std::uint64_t kMaxPackageCheckpoints = 10'000'000;
// The largest package file tend reads.
constexpr std::size_t kMaxPackageBytes = std::size_t{4} << 30;

struct AuditPackage {
  std::string origin;
  std::string verifier_key;               // as written in the package
  std::vector<std::string_view> entries;  // views into the package bytes
  std::vector<std::string> checkpoints;   // decoded notes
};

// Splits a package into its parts. kInvalidInput ("unparsable") for anything
// that is not a package; nothing about the entries' contents is checked here.
Result<AuditPackage> parse_package(std::string_view bytes);

struct VerifyOptions {
  // The auditor's verifier key; without it the package's own key is used
  // (trust on first use).
  std::optional<std::string> key;
  // An earlier checkpoint the auditor kept (a signed note).
  std::optional<std::string> trusted_checkpoint;
  // SHA-256 (hex) of a bundle that must be the ciphertext of a logged export.
  std::optional<std::string> bundle_sha256;
};

struct VerifyReport {
  bool ok = false;
  std::string origin;
  std::uint64_t size = 0;
  crypto::Hash32 root{};
  std::optional<std::int64_t> first_time, last_time;
  std::size_t checkpoints = 0;
  bool trust_on_first_use = false;  // no --key: the package's own key was used
  std::optional<std::uint64_t> trusted_size;
  std::size_t grants = 0, exports = 0, refusals = 0;  // consent replay
  std::size_t takeouts = 0;                // the owner's own copies (takeout.created): not exports
  std::optional<std::int64_t> bundle_seq;  // the export.created entry the bundle matches
  std::optional<std::int64_t> bundle_takeout_seq;  // or the takeout.created entry it matches
  // On failure: what failed, and the first bad sequence number where one can be named.
  std::string failure;
  std::optional<std::int64_t> bad_seq;

  std::string root_base64() const;  // as checkpoints write it
};

// kInvalidInput for an unparsable package or --key / trusted checkpoint that
// cannot be read; otherwise a report, ok or not.
Result<VerifyReport> verify_package(std::string_view bytes, const VerifyOptions& options);

// tend audit verify: the same, reading the files it names. Needs no vault.
struct VerifyRequest {
  std::string package;             // its path
  std::optional<std::string> key;  // a verifier key, or a file whose first line is one
  std::optional<std::string> trusted_checkpoint;  // a file holding a signed checkpoint
  std::optional<std::string> bundle;              // an export bundle's path
};
Result<VerifyReport> audit_verify(const VerifyRequest& request);

}  // namespace tend
