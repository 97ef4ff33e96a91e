// One audit entry's canonical JSON (RFC 8785 restricted), as an auditor's
// verifier reads it.
#include "core/canonical.hpp"
#include "core/json.hpp"
#include "fuzz/fuzz.hpp"

using namespace tend;

TEND_FUZZ_TARGET(audit_entry) {
  const EntryHead head = scan_entry(input);
  if (!head.error.empty()) return;
  // Canonical means: exactly what tend writes for the value it holds.
  Result<Json> value = parse_json(input, "entry");
  TEND_FUZZ_CHECK(value.is_ok());
  TEND_FUZZ_CHECK(canonical_json(*value) == input);
}
