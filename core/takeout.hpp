// Takeout: all of the owner's own data, private entries included, in one
// documented JSON file (docs/takeout-format.md), and one CSV per table when
// asked. It is the right to data portability, not a share: no grant is
// involved, and nothing is left out but tend's own secrets (the device keys)
// and what tend derives again (rollups, checkpoints).
//
// Encrypted by default: to age recipients the owner holds, or with a
// passphrase (age's scrypt recipient), so stock `age -d` opens it. Plaintext
// only when asked. Files go through fs::OutputSet (0600, never replacing a
// file, whole or not at all), and one `takeout.created` audit entry (counts and
// the file's SHA-256, never content) commits before any file has its name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.hpp"
#include "core/import.hpp"
#include "core/json.hpp"
#include "core/vault.hpp"
#include "core/vault_ops.hpp"

namespace tend {

enum class Protection { kRecipients = 1, kPassphrase = 2, kNone = 3 };
// As the audit entry and --json name it: age_recipients, age_passphrase, none.
const char* protection_name(Protection p);

// age's own scrypt work factor (log2 N): about a second and 256 MiB to try one passphrase.
constexpr int kTakeoutWorkFactor = 18;

struct TakeoutRequest {
  std::string path;                    // FILE: the JSON document
  std::optional<std::string> csv_dir;  // DIR: a new directory for one CSV per table
  Protection protection = Protection::kPassphrase;
  std::vector<std::string> recipients;  // kRecipients: "age1..."
  SecretSource passphrase;              // kPassphrase: asked once the vault is open
  int work_factor = kTakeoutWorkFactor;
  ProgressFn progress;  // "writing": rows done of rows
};

// What can be checked before the vault is unlocked: kUsage unless the
// protection has what it needs (a valid, not low-order recipient each; a
// passphrase source).
Status check_takeout_request(const TakeoutRequest& request);

struct TakeoutOutcome {  // NOLINT(bugprone-exception-escape)
  Json rows;             // {"mood": n, "mood_tags": n, ...}: every table written
  std::string sha256;    // hex, of FILE as written
  std::int64_t audit_seq = -1;
  std::vector<std::string> paths;  // FILE, then the CSV files
};

Result<TakeoutOutcome> takeout(Vault& vault, const TakeoutRequest& request, std::int64_t now);

// The tables of a takeout, in the order they are written.
inline constexpr const char* kTakeoutTables[] = {
    "mood", "mood_tags", "app_usage", "alliance", "instruments", "grants", "audit_log"};

}  // namespace tend
