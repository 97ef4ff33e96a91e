#include <catch2/catch.hpp>

#include <vector>

#include "crypto/encoding.hpp"
#include "crypto/recovery_key.hpp"

using namespace tend::crypto;

namespace {
tend::Result<SecretBytes> parse(const std::string& s) {
  return parse_recovery_key(as_bytes(s));
}
}  // namespace

TEST_CASE("a recovery key round-trips through its typable form", "[crypto][recovery]") {
  const SecretBytes key = generate_recovery_key();
  const std::string text(as_text(format_recovery_key(key)));
  CHECK(text.size() == 55 + 10);  // 11 groups of 5, 10 dashes
  tend::Result<SecretBytes> p = parse(text);
  REQUIRE(p.is_ok());
  CHECK(p->equals(key));

  SECTION("case, spaces and dashes do not matter") {
    std::string relaxed;
    for (char c : text) {
      if (c == '-') {
        relaxed += "  ";
      } else {
        relaxed += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
    }
    CHECK(parse(relaxed + "\n").is_ok());
  }
  SECTION("O reads as 0, I and L as 1") {
    std::string t = text;
    for (char& c : t) {
      if (c == '0') c = 'O';
      if (c == '1') c = 'l';
    }
    tend::Result<SecretBytes> q = parse(t);
    REQUIRE(q.is_ok());
    CHECK(q->equals(key));
  }
}

namespace {
// How many of a key's single-symbol typos parse_recovery_key refuses, of how many.
std::pair<int, int> typos_caught(const SecretBytes& key) {
  const std::string text(as_text(format_recovery_key(key)));
  int caught = 0, tried = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '-') continue;
    std::string typo = text;
    typo[i] = text[i] == 'X' ? 'Y' : 'X';
    ++tried;
    if (!parse(typo).is_ok()) ++caught;
  }
  return {caught, tried};
}
}  // namespace

TEST_CASE("every single-symbol typo in a recovery key is caught", "[crypto][recovery]") {
  // Fixed keys: the same typos every run. (A 16-bit checksum misses one typo
  // in 65,536, so a random key's 55 could, rarely, include a miss.)
  for (std::uint8_t fill : {0x00, 0x5A, 0xFF}) {
    std::vector<std::uint8_t> bytes(32);
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(fill ^ i);
    const auto [caught, tried] = typos_caught(SecretBytes::from(bytes));
    CHECK(tried == 55);
    CHECK(caught == tried);
  }
  // Random keys: 11,000 typos, about 0.17 misses expected; 6 or more would
  // happen less than once in ten million runs with a sound checksum.
  int missed = 0;
  for (int k = 0; k < 200; ++k) {
    const auto [caught, tried] = typos_caught(generate_recovery_key());
    missed += tried - caught;
  }
  CHECK(missed <= 5);
}

TEST_CASE("malformed recovery keys are refused by kind", "[crypto][recovery]") {
  const std::string text(as_text(format_recovery_key(generate_recovery_key())));
  auto why = [&](const std::string& t) {
    tend::Result<SecretBytes> r = parse(t);
    return r.is_ok() ? std::string("ok") : r.status().message();
  };
  CHECK(why("") == "the recovery key has the wrong length");
  CHECK(why(text.substr(0, text.size() - 1)) == "the recovery key has the wrong length");
  CHECK(why(text + "0") == "the recovery key has the wrong length");
  CHECK_THAT(why(text.substr(0, 10) + "U" + text.substr(11)),
             Catch::Contains("not in its alphabet"));
  CHECK_THAT(why(text.substr(0, 10) + "!" + text.substr(11)),
             Catch::Contains("not in its alphabet"));
  std::string typo = text;
  typo[0] = typo[0] == 'X' ? 'Y' : 'X';
  CHECK_THAT(why(typo), Catch::Contains("typo"));
}
