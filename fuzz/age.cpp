// age files, binary or armored: the header, its stanzas and MAC, and the
// STREAM payload (export bundles and audit packages sent to tend users).
#include <vector>

#include "crypto/age.hpp"
#include "fuzz/fuzz.hpp"

using namespace tend;

namespace {
const std::vector<crypto::AgeIdentity>& identities() {
  static const std::vector<crypto::AgeIdentity> ids = [] {
    std::vector<crypto::AgeIdentity> v;
    for (const char* text : fuzz::kCctvIdentities) v.push_back(*crypto::parse_age_identity(text));
    return v;
  }();
  return ids;
}
}  // namespace

TEND_FUZZ_TARGET(age) {
  // No passphrase: an scrypt stanza is then refused without deriving, as a
  // work factor of 22 would take seconds per input.
  Result<crypto::SecretBytes> plain = crypto::age_decrypt(input, identities());
  if (!plain.is_ok()) return;
  // Armor is only a wrapping: the file inside decrypts to the same bytes.
  if (std::optional<std::string> binary = crypto::age_dearmor(input)) {
    Result<crypto::SecretBytes> inner = crypto::age_decrypt(*binary, identities());
    TEND_FUZZ_CHECK(inner.is_ok() && crypto::as_text(*inner) == crypto::as_text(*plain));
  }
}
