// Export: the only way journal data leaves the vault. Format: docs/export-format.md.
//
// export_grant() refuses (kConsentRefused, with an export.refused audit entry)
// unless the grant is live; selects exactly what it allows (never private
// entries; notes only with `notes`; aggregates at daily/weekly granularity);
// streams the JSON payload through age encryption into FILE; signs FILE with
// minisign (FILE.minisig); and logs export.created with counts and the
// ciphertext's SHA-256 — never content — in the same transaction as the
// export count. Files go to temporary names first: a failure leaves no FILE.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.hpp"
#include "core/consent.hpp"
#include "core/json.hpp"
#include "core/vault.hpp"

namespace tend {

struct ExportOutcome {
  Grant grant;
  Json rows;           // {"mood": n, "app_usage": n, "alliance": n}: the categories granted
  std::string sha256;  // hex, of FILE
  std::int64_t audit_seq = -1;
  std::string path, signature_path;
  Json preview;  // with --preview: {"mood": [first rows], ...}; nothing is written
};

// Exports under `grant_id` to `path` (and path + ".minisig"), or with
// `preview` only reports what would be sent.
Result<ExportOutcome> export_grant(Vault& vault, const std::string& grant_id,
                                   const std::string& path, bool preview, std::int64_t now);

}  // namespace tend
