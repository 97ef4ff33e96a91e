#include "core/audit_ops.hpp"

namespace tend {

Result<std::vector<AuditEntry>> audit_log(Vault& vault, const AuditLogRequest& request,
                                          std::int64_t) {
  Result<AuditLog> log = vault.audit();
  if (!log.is_ok()) return log.status();
  return log->entries(request.limit);
}

Result<CheckpointOutcome> audit_checkpoint(Vault& vault, const CheckpointRequest&, std::int64_t) {
  Result<AuditLog> log = vault.audit();
  if (!log.is_ok()) return log.status();
  Result<std::string> note = log->latest_checkpoint();
  if (!note.is_ok()) return note.status();
  Result<AuditHead> head = log->head();
  if (!head.is_ok()) return head.status();
  return CheckpointOutcome{std::move(note).value(), *head, log->verifier_key()};
}

Result<AuditExportOutcome> audit_export(Vault& vault, const AuditExportRequest& request,
                                        std::int64_t) {
  Result<AuditLog> log = vault.audit();
  if (!log.is_ok()) return log.status();
  AuditExportOutcome out;
  out.path = request.path;
  out.verifier_key = log->verifier_key();
  if (request.path) {
    Result<AuditHead> head = log->export_package(*request.path);
    if (!head.is_ok()) return head.status();
    out.head = *head;
    return out;
  }
  Status s = vault.db().exec("BEGIN;");  // the package and its head from one view of the log
  if (!s.is_ok()) return s;
  Result<std::string> package = log->package();
  Result<AuditHead> head = log->head();
  (void)vault.db().exec("COMMIT;");
  if (!package.is_ok()) return package.status();
  if (!head.is_ok()) return head.status();
  out.package = std::move(package).value();
  out.head = *head;
  return out;
}

}  // namespace tend
