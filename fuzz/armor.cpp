// ASCII armor (RFC 7468 strict, as age writes it).
#include "crypto/age.hpp"
#include "crypto/encoding.hpp"
#include "fuzz/fuzz.hpp"

using namespace tend;

namespace {
// The armor age writes: 64 columns of padded base64, LF line ends.
std::string armor(std::string_view binary) {
  const std::string b64 = crypto::to_base64(crypto::as_bytes(binary));
  std::string out = "-----BEGIN AGE ENCRYPTED FILE-----\n";
  for (std::size_t at = 0; at < b64.size(); at += 64) out += b64.substr(at, 64) + "\n";
  return out + "-----END AGE ENCRYPTED FILE-----\n";
}
}  // namespace

TEND_FUZZ_TARGET(armor) {
  std::optional<std::string> binary = crypto::age_dearmor(input);
  if (binary) TEND_FUZZ_CHECK(crypto::age_dearmor(armor(*binary)) == binary);
  // Any bytes, armored as age does, come back whole.
  TEND_FUZZ_CHECK(crypto::age_dearmor(armor(input)) == std::string(input));
}
