#include <catch2/catch.hpp>

#include "crypto/encoding.hpp"

using namespace tend::crypto;

TEST_CASE("hex round-trips and accepts only lowercase pairs", "[crypto][encoding]") {
  const Bytes b = {0x00, 0x7f, 0xab, 0xff};
  CHECK(to_hex(b) == "007fabff");
  CHECK(from_hex("007fabff") == b);
  CHECK(from_hex("") == Bytes{});
  for (const char* bad : {"0", "007FABFF", "0g", " 00", "00 ", "0x00"}) {
    INFO(bad);
    CHECK_FALSE(from_hex(bad).has_value());
  }
}

TEST_CASE("base64 follows RFC 4648 and rejects other spellings", "[crypto][encoding]") {
  // RFC 4648 §10 test vectors.
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : vectors) {
    INFO(plain);
    CHECK(to_base64(as_bytes(plain)) == encoded);
    auto back = from_base64(encoded);
    REQUIRE(back.has_value());
    CHECK(std::string(back->begin(), back->end()) == plain);
  }
  for (const char* bad : {"Zg", "Zg=", "Zh==", "Zm9v\n", " Zm9v", "Zm9v====", "Zm-v", "Zm_v"}) {
    INFO(bad);
    CHECK_FALSE(from_base64(bad).has_value());
  }
}
