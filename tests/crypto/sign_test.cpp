#include <catch2/catch.hpp>

#include "crypto/encoding.hpp"
#include "crypto/sign.hpp"

using namespace tend::crypto;

TEST_CASE("Ed25519 signatures verify only for their message and key", "[crypto][sign]") {
  KeyPair kp = generate_keypair();
  const Signature sig = sign(kp.secret_key, as_bytes("message"));
  CHECK(verify(kp.public_key, as_bytes("message"), sig));
  CHECK_FALSE(verify(kp.public_key, as_bytes("messagE"), sig));
  KeyPair other = generate_keypair();
  CHECK_FALSE(verify(other.public_key, as_bytes("message"), sig));
  tend::Result<KeyPair> again = keypair_from_secret(kp.secret_key.span());
  REQUIRE(again.is_ok());
  CHECK(again->public_key == kp.public_key);
  CHECK(keypair_from_secret(Bytes(63)).status().kind() == tend::ErrorKind::kCorrupt);
}

TEST_CASE("the minisign public key is 'Ed', the key id and the key, in base64", "[crypto][sign]") {
  KeyPair kp = generate_keypair();
  auto raw = from_base64(minisign_public_key_line(kp.public_key));
  REQUIRE(raw.has_value());
  REQUIRE(raw->size() == 42);
  CHECK((*raw)[0] == 'E');
  CHECK((*raw)[1] == 'd');
  const auto id = minisign_key_id(kp.public_key);
  CHECK(std::equal(id.begin(), id.end(), raw->begin() + 2));
  CHECK(std::equal(kp.public_key.begin(), kp.public_key.end(), raw->begin() + 10));
  const std::string file = minisign_public_key_file(kp.public_key);
  CHECK(file.rfind("untrusted comment: minisign public key ", 0) == 0);
}
