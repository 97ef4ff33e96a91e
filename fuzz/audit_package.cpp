// Audit packages (tend audit verify): what an auditor is handed, and may have
// been handed by someone who changed it.
#include "core/audit_package.hpp"
#include "core/canonical.hpp"
#include "fuzz/fuzz.hpp"

using namespace tend;

TEND_FUZZ_TARGET(audit_package) {
  Result<AuditPackage> package = parse_package(input);
  Result<VerifyReport> report = verify_package(input, {});  // trust on first use
  if (!report.is_ok() || !report->ok) return;
  // A package that verifies is made of canonical entries, in order.
  TEND_FUZZ_CHECK(package.is_ok());
  TEND_FUZZ_CHECK(report->size == package->entries.size());
  for (std::size_t i = 0; i < package->entries.size(); ++i) {
    const EntryHead head = scan_entry(package->entries[i]);
    TEND_FUZZ_CHECK(head.error.empty() && head.seq == static_cast<std::int64_t>(i));
  }
}
