// The operations behind tend audit log, checkpoint and export (with the
// vault); tend audit verify, which needs none, is in core/audit_package.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.hpp"
#include "core/audit.hpp"
#include "core/vault.hpp"

namespace tend {

struct AuditLogRequest {
  std::optional<std::int64_t> limit;  // the newest N
};
Result<std::vector<AuditEntry>> audit_log(Vault& vault, const AuditLogRequest& request,
                                          std::int64_t now);

struct CheckpointRequest {};
struct CheckpointOutcome {
  std::string note;  // the newest signed checkpoint
  AuditHead head;
  std::string verifier_key;
};
Result<CheckpointOutcome> audit_checkpoint(Vault& vault, const CheckpointRequest& request,
                                           std::int64_t now);

struct AuditExportRequest {
  std::optional<std::string> path;  // nullopt: the package comes back in the outcome (stdout)
};
struct AuditExportOutcome {
  std::optional<std::string> path;
  AuditHead head;
  std::string verifier_key;
  std::string package;  // when there is no path
};
// Writes the package to a new file (never replacing one), whole or not at all.
Result<AuditExportOutcome> audit_export(Vault& vault, const AuditExportRequest& request,
                                        std::int64_t now);

}  // namespace tend
