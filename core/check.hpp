// tend check: the whole-vault check that opening no longer does. Every page is
// read (SQLCipher authenticates each one), the schema is compared with what
// this tend makes, the audit log is recomputed and verified against its latest
// checkpoint (and consent replayed), and the daily rollups are compared with a
// recomputation from the entries. The result is recorded for `tend status`
// (unless pages are damaged: nothing is written to a damaged file).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.hpp"
#include "core/vault.hpp"

namespace tend {

struct CheckPart {
  std::string name;  // "pages", "schema", "audit log", "rollups"
  bool ok = false;
  std::string detail;                 // what was checked, or the first problem
  std::vector<std::string> problems;  // every problem found (capped)
};

struct CheckOutcome {
  std::string dir;
  bool ok = false;
  std::vector<CheckPart> parts;
};

struct CheckRequest {};

// Checks an unlocked vault and records when (and whether it passed).
Result<CheckOutcome> vault_check(Vault& vault, const CheckRequest& request, std::int64_t now);

// The outcome when damage stopped the vault from unlocking at all (page 1, the
// key table, the schema): nothing further can be read.
CheckOutcome damaged_before_check(const std::string& dir, const Status& damage);

struct LastCheck {
  std::int64_t at = 0;
  bool ok = false;
};
// When `tend check` last ran on this vault, if ever.
Result<std::optional<LastCheck>> last_check(Db& db);

}  // namespace tend
