// C2SP signed-note known answers: the Go sumdb/note test keys and signatures.
#include <catch2/catch.hpp>

#include <cstring>

#include "crypto/encoding.hpp"
#include "crypto/note.hpp"

using namespace tend::crypto;

namespace {

const char kPeterKey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const char kPeterSeed[] = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";  // 0x01 ‖ seed
const char kEnochKey[] = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const char kText[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
const char kPeterSig[] =
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const char kEnochSig[] =
    "\xE2\x80\x94 EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/"
    "5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

NoteVerifier verifier(const char* key) {
  auto v = parse_verifier_key(key);
  REQUIRE(v.has_value());
  return *v;
}

}  // namespace

TEST_CASE("the Go sumdb note verifier keys parse and their key ids match", "[crypto][note][kat]") {
  NoteVerifier peter = verifier(kPeterKey);
  CHECK(peter.name == "PeterNeumann");
  CHECK(peter.key_id == 0xc74f20a3);
  CHECK(format_verifier_key(peter.name, peter.key) == kPeterKey);
  CHECK(verifier(kEnochKey).key_id == 0xaf0cfe78);

  // Every truncation and every single-byte change is refused.
  const std::string k = kPeterKey;
  for (std::size_t i = 0; i < k.size(); ++i) {
    CHECK_FALSE(parse_verifier_key(k.substr(0, i)).has_value());
    std::string bad = k;
    ++bad[i];
    INFO(bad);
    CHECK_FALSE(parse_verifier_key(bad).has_value());
  }
  CHECK_FALSE(
      parse_verifier_key("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"));
}

TEST_CASE("signing the test text with the test key gives the known signature",
          "[crypto][note][kat]") {
  auto seed = from_base64(kPeterSeed);
  REQUIRE(seed.has_value());
  REQUIRE(seed->size() == 33);
  // libsodium's secret key is seed ‖ public key.
  NoteVerifier peter = verifier(kPeterKey);
  Bytes sk(seed->begin() + 1, seed->end());
  sk.insert(sk.end(), peter.key.begin(), peter.key.end());
  const std::string note = sign_note(kText, "PeterNeumann", SecretBytes::from(sk), peter.key);
  CHECK(note == std::string(kText) + "\n" + kPeterSig);
}

TEST_CASE("opening notes: unknown keys are ignored, known keys must verify",
          "[crypto][note][kat]") {
  const NoteVerifier peter = verifier(kPeterKey), enoch = verifier(kEnochKey);
  const std::string both = std::string(kText) + "\n" + kPeterSig + kEnochSig;
  const NoteVerifier only_peter[] = {peter};
  tend::Result<std::string> n = open_note(both, only_peter);
  REQUIRE(n.is_ok());
  CHECK(*n == kText);
  const NoteVerifier two[] = {peter, enoch};
  CHECK(open_note(both, two).is_ok());
  auto failure = [](const tend::Result<std::string>& r) {
    return r.is_ok() ? std::string("ok") : r.status().message();
  };
  CHECK(failure(open_note(both, {})) == "is not signed by a known key");

  std::string corrupt = std::string(kText) + "\n" + kPeterSig;
  corrupt.replace(corrupt.find("x08go/ZJ") + 60, 4, "ABCD");
  CHECK(failure(open_note(corrupt, only_peter)) == "has a signature that does not verify");

  std::string changed_text = both;
  changed_text[3] = 'X';
  CHECK(failure(open_note(changed_text, only_peter)) == "has a signature that does not verify");

  const std::string bad_msgs[] = {
      kText,
      std::string(kText) + "\n",
      std::string(kText) + "\n" + std::string(kPeterSig).substr(0, std::strlen(kPeterSig) - 1),
      "\x01" + std::string(kText) + "\n" + kPeterSig,
      "\xff" + std::string(kText) + "\n" + kPeterSig,
      std::string(kText) +
          "\n\xE2\x80\x94 Bad Name "
          "x08go/ZJkuBS9UG/"
          "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
      std::string(kText) + "\n" + kPeterSig + "Unexpected line.\n",
  };
  for (const std::string& m : bad_msgs) {
    INFO(m);
    CHECK(open_note(m, only_peter).status().kind() == tend::ErrorKind::kInvalidInput);
  }
  std::string many = std::string(kText) + "\n";
  for (int i = 0; i < 101; ++i) many += kPeterSig;
  CHECK(open_note(many, only_peter).status().kind() == tend::ErrorKind::kInvalidInput);
}

TEST_CASE("checkpoint text is origin, size, base64 root", "[crypto][note]") {
  Checkpoint c{"tend.local/abc", 20852163, {}};
  c.root[0] = 0x0a;
  const std::string text = checkpoint_text(c);
  CHECK(text == "tend.local/abc\n20852163\nCgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
  auto back = parse_checkpoint_text(text);
  REQUIRE(back.has_value());
  CHECK(back->size == c.size);
  CHECK(back->root == c.root);
  for (const char* bad : {"", "o\n1\n", "o\n01\nCgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
                          "o\n-1\nCgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "o\n1\nCgAA\n",
                          "\n1\nCgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
                          "o\n1\nCgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\next\n"}) {
    INFO(bad);
    CHECK_FALSE(parse_checkpoint_text(bad).has_value());
  }
}
