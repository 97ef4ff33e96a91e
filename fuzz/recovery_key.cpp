// Recovery keys as typed (tend recover): groups, dashes, case, typos.
#include "crypto/recovery_key.hpp"
#include "crypto/encoding.hpp"
#include "fuzz/fuzz.hpp"

using namespace tend;

TEND_FUZZ_TARGET(recovery_key) {
  Result<crypto::SecretBytes> key = crypto::parse_recovery_key(crypto::as_bytes(input));
  if (!key.is_ok()) return;
  const crypto::SecretBytes printed = crypto::format_recovery_key(*key);
  Result<crypto::SecretBytes> again =
      crypto::parse_recovery_key(std::span(printed.data(), printed.size()));
  TEND_FUZZ_CHECK(again.is_ok() && crypto::as_text(*again) == crypto::as_text(*key));
}
