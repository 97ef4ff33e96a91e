#include <catch2/catch.hpp>

#include "crypto/encoding.hpp"
#include "crypto/kdf.hpp"

using namespace tend::crypto;

TEST_CASE("KDF profiles are libsodium's Argon2id limits", "[crypto][kdf]") {
  CHECK(kdf_params(KdfProfile::kInteractive).memlimit == 64ull << 20);
  CHECK(kdf_params(KdfProfile::kModerate).memlimit == 256ull << 20);
  CHECK(kdf_params(KdfProfile::kSensitive).memlimit == 1ull << 30);
  CHECK(parse_kdf_profile("moderate") == KdfProfile::kModerate);
  CHECK_FALSE(parse_kdf_profile("test").has_value());
  CHECK_FALSE(parse_kdf_profile("Interactive").has_value());
  for (auto p : {KdfProfile::kInteractive, KdfProfile::kModerate, KdfProfile::kSensitive}) {
    CHECK(check_kdf_params(kdf_params(p)).is_ok());
  }
}

TEST_CASE("stored KDF parameters are range-checked", "[crypto][kdf]") {
  struct Case {
    KdfParams p;
    bool ok;
  };
  const Case cases[] = {
      {{1, 8192}, true},
      {{2, 64ull << 20}, true},
      {{4, 1ull << 30}, true},
      {{0, 64ull << 20}, false},              // no passes
      {{5, 64ull << 20}, false},              // more passes than tend writes
      {{4294967295ull, 64ull << 20}, false},  // hours of work
      {{2, 8191}, false},                     // below libsodium's minimum
      {{2, 64ull << 30}, false},              // 64 GiB
      {{2, (1ull << 30) + 1}, false},
  };
  for (const Case& c : cases) {
    INFO(c.p.opslimit << " " << c.p.memlimit);
    CHECK(check_kdf_params(c.p).is_ok() == c.ok);
  }
}

TEST_CASE("derive_key refuses out-of-range parameters without running", "[crypto][kdf]") {
  const SecretBytes pass = SecretBytes::from(as_bytes("pw"));
  const Bytes salt(kSaltBytes, 1);
  CHECK(derive_key(pass, salt, {2, 64ull << 30}).status().kind() == tend::ErrorKind::kCorrupt);
  CHECK(derive_key(pass, Bytes(15, 1), test_only_insecure_kdf_params()).status().kind() ==
        tend::ErrorKind::kCorrupt);
  const SecretBytes a = *derive_key(pass, salt, test_only_insecure_kdf_params());
  const SecretBytes b = *derive_key(pass, salt, test_only_insecure_kdf_params());
  REQUIRE(a.size() == 32);
  CHECK(a.equals(b));
  const SecretBytes c =
      *derive_key(SecretBytes::from(as_bytes("pW")), salt, test_only_insecure_kdf_params());
  CHECK_FALSE(a.equals(c));
}
