// The vault header (vault.json): read before any passphrase, from a file
// anyone with the disk can change.
#include "core/header.hpp"
#include "fuzz/fuzz.hpp"

using namespace tend;

TEND_FUZZ_TARGET(header) {
  Result<VaultHeader> h = parse_header(input);
  if (!h.is_ok()) return;
  // A header has one spelling: what is read is exactly what tend writes.
  TEND_FUZZ_CHECK(serialize_header(*h) == input);
}
