// minisign public keys (grant add --signer, bundle open --signer) and
// signature files (.minisig beside a bundle).
//
// Input: a public key file (its first two lines), then a signature file,
// checked over the fixed message "tend fuzz\n"; so that seeds can carry a
// valid pair and mutations reach the signature's verification.
#include "crypto/minisign.hpp"
#include "crypto/encoding.hpp"
#include "crypto/sign.hpp"
#include "fuzz/fuzz.hpp"

using namespace tend;

TEND_FUZZ_TARGET(minisign) {
  (void)crypto::parse_minisign_public_key(input);
  const std::size_t first = input.find('\n');
  if (first == std::string_view::npos) return;
  const std::size_t second = input.find('\n', first + 1);
  if (second == std::string_view::npos) return;
  std::optional<crypto::MinisignKey> key =
      crypto::parse_minisign_public_key(input.substr(0, second + 1));
  if (!key) return;
  Result<std::string> comment =
      crypto::minisign_verify(input.substr(second + 1), crypto::as_bytes("tend fuzz\n"), *key);
  // A trusted comment is one line.
  if (comment.is_ok()) TEND_FUZZ_CHECK(comment->find('\n') == std::string::npos);
}
