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
#include <optional>
#include <string>

#include "base/status.hpp"
#include "core/consent.hpp"
#include "core/json.hpp"
#include "core/vault.hpp"
#include "core/when.hpp"

namespace tend {

// The payload's form: one JSON document, or a tar of CSV files (docs/export-format.md).
enum class ExportFormat { kJson = 1, kCsv = 2 };

struct ExportRequest {
  std::string grant_id;
  std::string path;  // FILE; its signature goes to FILE.minisig
  ExportFormat format = ExportFormat::kJson;
};
struct ExportOutcome {  // NOLINT(bugprone-exception-escape)
  Grant grant;          // with this export counted
  Json rows;            // {"mood": n, "app_usage": n, "alliance": n}: the categories granted
  std::string sha256;   // hex, of FILE
  std::int64_t audit_seq = -1;
  std::string path, signature_path;
};
// Exports under the grant to FILE and FILE.minisig.
Result<ExportOutcome> export_bundle(Vault& vault, const ExportRequest& request, std::int64_t now);

struct PreviewRequest {
  std::string grant_id;
};
struct ExportPreview {  // NOLINT(bugprone-exception-escape)
  Grant grant;
  Json rows;        // as an export would count them
  Json first_rows;  // {"mood": [the first rows], ...}
};
// What an export under the grant would send now. It writes, counts and logs
// nothing, and is refused as an export would be.
Result<ExportPreview> export_preview(Vault& vault, const PreviewRequest& request, std::int64_t now);

// Rows as export and takeout write them: a time as two members, "name" (RFC
// 3339 with offset) and "name_unix", both null when absent; and a column of
// unix seconds (or NULL) read in the local offset of the machine writing.
void put_time(Json& row, const std::string& name, std::optional<Instant> at);
std::optional<Instant> local_time(Statement& st, int col);

}  // namespace tend
