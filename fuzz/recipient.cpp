// Bech32 and the age recipients and identities written in it (grant add
// --recipient, identity files).
#include <algorithm>
#include <cctype>

#include "crypto/age.hpp"
#include "crypto/bech32.hpp"
#include "fuzz/fuzz.hpp"

using namespace tend;

namespace {
std::string in_case(std::string_view s, int (*f)(int)) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [f](char c) { return static_cast<char>(f(static_cast<unsigned char>(c))); });
  return out;
}
}  // namespace

TEND_FUZZ_TARGET(recipient) {
  if (std::optional<crypto::Bech32> b = crypto::bech32_decode(input)) {
    TEND_FUZZ_CHECK(crypto::bech32_encode(b->hrp, b->data) == in_case(input, ::tolower));
  }
  if (std::optional<crypto::X25519Key> key = crypto::parse_age_recipient(input)) {
    TEND_FUZZ_CHECK(crypto::format_age_recipient(*key) == in_case(input, ::tolower));
  }
  if (std::optional<crypto::AgeIdentity> id = crypto::parse_age_identity(input)) {
    TEND_FUZZ_CHECK(crypto::format_age_identity(*id) == in_case(input, ::toupper));
  }
}
