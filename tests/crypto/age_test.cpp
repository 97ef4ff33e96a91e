#include <catch2/catch.hpp>

#include <sodium.h>

#include "crypto/age.hpp"
#include "crypto/bech32.hpp"
#include "crypto/encoding.hpp"
#include "crypto/minisign.hpp"
#include "tests/age_outcome.hpp"

using namespace tend::crypto;
using tend::test::age_outcome;

namespace {

std::string encrypt(const std::string& plain, std::span<const X25519Key> to) {
  std::string out;
  AgeWriter w(to, [&](std::span<const std::uint8_t> b) {
    out.append(reinterpret_cast<const char*>(b.data()), b.size());
    return tend::Status::ok();
  });
  // Feed in uneven pieces: chunking must not depend on how data arrives.
  std::size_t pos = 0, step = 1;
  while (pos < plain.size()) {
    const std::size_t n = std::min(step, plain.size() - pos);
    REQUIRE(w.write(std::string_view(plain).substr(pos, n)).is_ok());
    pos += n;
    step = step * 3 + 7;
  }
  REQUIRE(w.finish().is_ok());
  return out;
}

std::size_t header_length(const std::string& file) {
  return file.find('\n', file.find("\n---") + 1) + 1;
}

}  // namespace

TEST_CASE("bech32 follows BIP 173", "[crypto][bech32]") {
  for (const char* valid : {"A12UEL5L", "a12uel5l", "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
                            "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w"}) {
    INFO(valid);
    CHECK(bech32_decode(valid).has_value());
  }
  for (const char* invalid : {"A1G7SGD8", "10a06t8", "1qzzfhee", "x1b4n0q5v", "li1dgmt3",
                              "A12uEL5L", "abc1rzg", "a12uel5m"}) {
    INFO(invalid);
    CHECK_FALSE(bech32_decode(invalid).has_value());
  }
  const Bytes data = {0, 1, 2, 250, 255};
  auto back = bech32_decode(bech32_encode("test", data));
  REQUIRE(back.has_value());
  CHECK(back->hrp == "test");
  CHECK(back->data == data);
}

TEST_CASE("age recipients and identities", "[crypto][age]") {
  AgeIdentity id = generate_age_identity();
  const std::string r = format_age_recipient(id.public_key);
  CHECK(r.rfind("age1", 0) == 0);
  CHECK(parse_age_recipient(r) == id.public_key);
  const std::string s = format_age_identity(id);
  CHECK(s.rfind("AGE-SECRET-KEY-1", 0) == 0);
  auto back = parse_age_identity(s);
  REQUIRE(back.has_value());
  CHECK(back->public_key == id.public_key);
  std::string upper = r;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string& bad : {upper, r.substr(0, r.size() - 1), r + "q", std::string("age1"), s,
                                 std::string("ssh-ed25519 AAAA")}) {
    INFO(bad);
    CHECK_FALSE(parse_age_recipient(bad).has_value());
  }
  CHECK_FALSE(parse_age_identity(r).has_value());
}

TEST_CASE("HKDF-SHA-256 gives the RFC 5869 test case 1 output", "[crypto][age][kat]") {
  const Bytes ikm(22, 0x0b);
  const Bytes salt = *from_hex("000102030405060708090a0b0c");
  const std::string info = "\xf0\xf1\xf2\xf3\xf4\xf5\xf6\xf7\xf8\xf9";
  const SecretBytes okm = hkdf_sha256(ikm, salt, info);
  CHECK(to_hex(okm.span()) == "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf");
}

TEST_CASE("age round-trips at every chunk boundary, to several recipients", "[crypto][age]") {
  AgeIdentity a = generate_age_identity(), b = generate_age_identity(), c = generate_age_identity();
  const X25519Key to[] = {a.public_key, b.public_key};
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, kAgeChunk - 1, kAgeChunk, kAgeChunk + 1,
                        3 * kAgeChunk, 3 * kAgeChunk + 17}) {
    INFO("size " << n);
    std::string plain(n, '\0');
    for (std::size_t i = 0; i < n; ++i) plain[i] = static_cast<char>('a' + i % 26);
    const std::string file = encrypt(plain, to);
    const std::size_t chunks = n == 0 ? 1 : (n + kAgeChunk - 1) / kAgeChunk;
    CHECK(file.size() == header_length(file) + 16 + n + 16 * chunks);
    for (const AgeIdentity* id : {&a, &b}) {
      tend::Result<SecretBytes> r = age_decrypt(file, std::span(id, 1));
      REQUIRE(r.is_ok());
      CHECK(as_text(*r) == plain);
    }
    CHECK(age_outcome(age_decrypt(file, std::span(&c, 1))) == "no match");
  }
}

TEST_CASE("age decryption refuses truncated, extended, reordered and changed files",
          "[crypto][age]") {
  AgeIdentity id = generate_age_identity();
  const X25519Key to[] = {id.public_key};
  const std::string plain(3 * kAgeChunk + 100, 'x');
  const std::string file = encrypt(plain, to);
  const std::size_t hdr = header_length(file);
  const std::size_t full = kAgeChunk + 16;
  const std::size_t body = hdr + 16;  // after the payload nonce
  auto decrypt = [&](const std::string& f) {
    return age_outcome(age_decrypt(f, std::span(&id, 1)));
  };

  CHECK(decrypt(file.substr(0, file.size() - 1)) == "payload failure");  // last byte cut
  CHECK(decrypt(file.substr(0, body + 3 * full)) == "payload failure");  // final chunk dropped
  CHECK(decrypt(file.substr(0, body + full)) == "payload failure");      // cut at a boundary
  CHECK(decrypt(file + "x") == "payload failure");                       // extended
  CHECK(decrypt(file.substr(0, body)) == "payload failure");             // no chunks
  CHECK(decrypt(file.substr(0, hdr + 10)) == "header failure");          // short nonce
  std::string swapped = file;
  std::copy(file.begin() + static_cast<std::ptrdiff_t>(body + full),
            file.begin() + static_cast<std::ptrdiff_t>(body + 2 * full),
            swapped.begin() + static_cast<std::ptrdiff_t>(body));
  std::copy(file.begin() + static_cast<std::ptrdiff_t>(body),
            file.begin() + static_cast<std::ptrdiff_t>(body + full),
            swapped.begin() + static_cast<std::ptrdiff_t>(body + full));
  CHECK(decrypt(swapped) == "payload failure");  // reordered
  std::string flipped = file;
  flipped[body + 5] ^= 1;
  CHECK(decrypt(flipped) == "payload failure");
  std::string mac = file;
  mac[hdr - 5] = mac[hdr - 5] == 'A' ? 'B' : 'A';
  CHECK(decrypt(mac) != "success");  // the MAC line changed
  std::string stanza = file;
  stanza[file.find("-> X25519 ") + 12] ^= 1;
  CHECK(decrypt(stanza) != "success");
  CHECK(decrypt("age-encryption.org/v2\n") == "header failure");
  CHECK(decrypt("") == "header failure");
  std::string crlf = file;
  crlf.replace(crlf.find('\n'), 1, "\r\n");
  CHECK(decrypt(crlf) == "header failure");
}

TEST_CASE("minisign signatures verify only for their data, comment and key", "[crypto][minisign]") {
  KeyPair kp = generate_keypair();
  const MinisignKey key = minisign_key(kp.public_key);
  const std::string data = "the bundle";
  Blake2b512Hasher h;
  h.update(as_bytes(data));
  const std::string sig = minisign_sign(kp, h.finish(), "untrusted", "grant=g2345ab audit_seq=4");
  tend::Result<std::string> ok = minisign_verify(sig, as_bytes(data), key);
  REQUIRE(ok.is_ok());
  CHECK(*ok == "grant=g2345ab audit_seq=4");
  auto failure = [&](const std::string& s, std::string_view d, const MinisignKey& k) {
    tend::Result<std::string> r = minisign_verify(s, as_bytes(d), k);
    REQUIRE_FALSE(r.is_ok());
    return std::pair(r.status().kind(), r.status().message());
  };
  using tend::ErrorKind;
  CHECK(failure(sig, "the bundlE", key).first == ErrorKind::kVerifyFailed);
  std::string comment = sig;
  comment.replace(comment.find("audit_seq=4"), 11, "audit_seq=5");
  CHECK_THAT(failure(comment, data, key).second, Catch::Contains("does not verify"));
  CHECK(failure(sig, data, minisign_key(generate_keypair().public_key)) ==
        std::pair(ErrorKind::kVerifyFailed, std::string("it was signed by another key")));
  CHECK(failure("untrusted comment: x\nnot base64\n", data, key).first == ErrorKind::kInvalidInput);
  auto parsed = parse_minisign_public_key(minisign_public_key_file(kp.public_key));
  REQUIRE(parsed.has_value());
  CHECK(parsed->key == kp.public_key);
  CHECK(parse_minisign_public_key(minisign_public_key_line(kp.public_key))->key_id == key.key_id);
}

namespace {

// ASCII armor as `age -a` writes it: RFC 7468 strict, 64 columns.
std::string armor(const std::string& binary) {
  const std::string b64 = to_base64(as_bytes(binary));
  std::string out = "-----BEGIN AGE ENCRYPTED FILE-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  return out + "-----END AGE ENCRYPTED FILE-----\n";
}

}  // namespace

TEST_CASE("armor is unwrapped once: armor inside armor is refused, as age refuses it",
          "[crypto][age][armor]") {
  AgeIdentity id = generate_age_identity();
  const X25519Key to[] = {id.public_key};
  const std::string binary = encrypt("inside", to);
  tend::Result<SecretBytes> once = age_decrypt(armor(binary), std::span(&id, 1));
  REQUIRE(once.is_ok());
  CHECK(as_text(*once) == "inside");
  CHECK(age_outcome(age_decrypt(armor(armor(binary)), std::span(&id, 1))) == "header failure");
}

TEST_CASE("low-order X25519 recipients are recognised, so no file key is wrapped to them",
          "[crypto][age]") {
  // The small-order u-coordinates of Curve25519 and its twist (0, 1, the two
  // points of order 8, p-1, p, p+1), as the X25519 literature lists them.
  for (const char* hex : {"0000000000000000000000000000000000000000000000000000000000000000",
                          "0100000000000000000000000000000000000000000000000000000000000000",
                          "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
                          "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
                          "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                          "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                          "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"}) {
    X25519Key k{};
    const Bytes b = *from_hex(hex);
    std::copy(b.begin(), b.end(), k.begin());
    INFO(hex);
    CHECK(is_low_order(k));
    // A recipient string can still encode it; tend refuses it where a grant is made.
    CHECK(parse_age_recipient(format_age_recipient(k)) == k);
  }
  for (int i = 0; i < 32; ++i) CHECK_FALSE(is_low_order(generate_age_identity().public_key));
}

TEST_CASE("a header with more stanzas than any sender needs is refused before any work",
          "[crypto][age]") {
  AgeIdentity id = generate_age_identity();
  std::vector<X25519Key> many(255, generate_age_identity().public_key);
  many.push_back(id.public_key);
  const std::string at_limit = encrypt("x", many);
  tend::Result<SecretBytes> ok = age_decrypt(at_limit, std::span(&id, 1));
  REQUIRE(ok.is_ok());  // 256 stanzas
  many.push_back(id.public_key);
  CHECK(age_outcome(age_decrypt(encrypt("x", many), std::span(&id, 1))) == "header failure");
}

TEST_CASE("a passphrase file (age's scrypt recipient) opens with its passphrase and no other",
          "[crypto][age][scrypt]") {
  const SecretBytes pass = SecretBytes::from(as_bytes(std::string_view("correct horse")));
  const std::string plain(kAgeChunk + 5, 'p');
  std::string file;
  AgeWriter w(pass, 10, [&](std::span<const std::uint8_t> b) {
    file.append(reinterpret_cast<const char*>(b.data()), b.size());
    return tend::Status::ok();
  });
  REQUIRE(w.write(plain).is_ok());
  REQUIRE(w.finish().is_ok());
  // One stanza: "-> scrypt SALT 10", a 16-byte salt in unpadded base64.
  const std::string stanza = file.substr(22, file.find('\n', 22) - 22);
  REQUIRE(stanza.size() == std::string("-> scrypt ").size() + 22 + 3);
  CHECK(stanza.rfind("-> scrypt ", 0) == 0);
  CHECK(stanza.substr(stanza.size() - 3) == " 10");

  tend::Result<SecretBytes> r = age_decrypt(file, AgeKeys{{}, &pass});
  REQUIRE(r.is_ok());
  CHECK(std::string(reinterpret_cast<const char*>(r->data()), r->size()) == plain);

  const SecretBytes wrong = SecretBytes::from(as_bytes(std::string_view("correct horse ")));
  CHECK(age_outcome(age_decrypt(file, AgeKeys{{}, &wrong})) == "no match");
  const AgeIdentity id = generate_age_identity();
  CHECK(age_outcome(age_decrypt(file, std::span<const AgeIdentity>(&id, 1))) == "no match");
  // A passphrase does not open an X25519 file.
  const std::string x = encrypt("x", std::span<const X25519Key>(&id.public_key, 1));
  CHECK(age_outcome(age_decrypt(x, AgeKeys{{}, &pass})) == "no match");

  // The writer refuses what age would refuse to read, or could not derive.
  for (int factor : {0, kAgeMaxScryptWorkFactor + 1}) {
    bool wrote = false;
    AgeWriter bad(pass, factor, [&](std::span<const std::uint8_t>) {
      wrote = true;
      return tend::Status::ok();
    });
    CHECK_FALSE(bad.finish().is_ok());
    CHECK_FALSE(wrote);
  }
}
