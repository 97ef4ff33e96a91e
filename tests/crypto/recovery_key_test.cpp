#include <catch2/catch.hpp>

#include "crypto/encoding.hpp"
#include "crypto/recovery_key.hpp"

using namespace tend::crypto;

namespace {
ParsedRecoveryKey parse(const std::string& s) {
  return parse_recovery_key(as_bytes(s));
}
}  // namespace

TEST_CASE("a recovery key round-trips through its typable form", "[crypto][recovery]") {
  const SecretBytes key = generate_recovery_key();
  const std::string text = format_recovery_key(key);
  CHECK(text.size() == 55 + 10);  // 11 groups of 5, 10 dashes
  ParsedRecoveryKey p = parse(text);
  REQUIRE(p.result == RecoveryParse::kOk);
  CHECK(p.key.equals(key));

  SECTION("case, spaces and dashes do not matter") {
    std::string relaxed;
    for (char c : text) {
      if (c == '-') {
        relaxed += "  ";
      } else {
        relaxed += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
    }
    CHECK(parse(relaxed + "\n").result == RecoveryParse::kOk);
  }
  SECTION("O reads as 0, I and L as 1") {
    std::string t = text;
    for (char& c : t) {
      if (c == '0') c = 'O';
      if (c == '1') c = 'l';
    }
    ParsedRecoveryKey q = parse(t);
    REQUIRE(q.result == RecoveryParse::kOk);
    CHECK(q.key.equals(key));
  }
}

TEST_CASE("every single-symbol typo in a recovery key is caught", "[crypto][recovery]") {
  const std::string text = format_recovery_key(generate_recovery_key());
  int caught = 0, tried = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '-') continue;
    std::string typo = text;
    typo[i] = text[i] == 'X' ? 'Y' : 'X';
    ++tried;
    if (parse(typo).result != RecoveryParse::kOk) ++caught;
  }
  // A 16-bit checksum misses 1 in 65,536 typos; 55 tries may all be caught.
  CHECK(caught == tried);
}

TEST_CASE("malformed recovery keys are refused by kind", "[crypto][recovery]") {
  const std::string text = format_recovery_key(generate_recovery_key());
  CHECK(parse("").result == RecoveryParse::kBadLength);
  CHECK(parse(text.substr(0, text.size() - 1)).result == RecoveryParse::kBadLength);
  CHECK(parse(text + "0").result == RecoveryParse::kBadLength);
  CHECK(parse(text.substr(0, 10) + "U" + text.substr(11)).result == RecoveryParse::kBadCharacter);
  CHECK(parse(text.substr(0, 10) + "!" + text.substr(11)).result == RecoveryParse::kBadCharacter);
}
