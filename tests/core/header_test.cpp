#include <catch2/catch.hpp>

#include "core/fs.hpp"
#include "core/header.hpp"
#include "core/vault.hpp"
#include "tests/support.hpp"

using namespace tend;

namespace {
std::string fixture(const std::string& name) {
  return test::read_file(std::string(TEND_FIXTURES) + "/headers/" + name);
}
}  // namespace

TEST_CASE("a header written by tend parses back to the same bytes", "[core][header]") {
  Result<VaultHeader> h = parse_header(fixture("valid.json"));
  REQUIRE(h.is_ok());
  CHECK(h->version == 1);
  CHECK(h->slot(SlotKind::kPassphrase) != nullptr);
  CHECK(h->slot(SlotKind::kRecovery) != nullptr);
  CHECK(serialize_header(*h) == fixture("valid.json"));
}

TEST_CASE("broken headers are refused, each for what is broken", "[core][header]") {
  struct Case {
    const char* file;
    ErrorKind kind;
    const char* message;
  };
  const Case cases[] = {
      {"empty.json", ErrorKind::kCorrupt, "not valid JSON"},
      {"not-json.json", ErrorKind::kCorrupt, "not valid JSON"},
      {"truncated-header.json", ErrorKind::kCorrupt, "not valid JSON"},
      {"array-not-object.json", ErrorKind::kCorrupt, "not a JSON object"},
      {"flipped-salt-byte.json", ErrorKind::kCorrupt, "checksum mismatch"},
      {"flipped-checksum.json", ErrorKind::kCorrupt, "checksum mismatch"},
      {"not-canonical.json", ErrorKind::kCorrupt, "not in canonical form"},
      {"uppercase-hex.json", ErrorKind::kCorrupt, "checksum mismatch"},
      {"kdf-cost-64GiB.json", ErrorKind::kCorrupt, "memlimit 68719476736 bytes is outside"},
      {"kdf-opslimit-absurd.json", ErrorKind::kCorrupt, "opslimit 4294967295 is outside"},
      {"kdf-opslimit-zero.json", ErrorKind::kCorrupt, "opslimit 0 is outside"},
      {"kdf-negative-memlimit.json", ErrorKind::kCorrupt, "malformed KDF parameters"},
      {"kdf-memlimit-string.json", ErrorKind::kCorrupt, "malformed KDF parameters"},
      {"kdf-unknown-algorithm.json", ErrorKind::kCorrupt, "malformed KDF parameters"},
      {"version-99.json", ErrorKind::kUnsupported, "version 99 is newer than this tend reads"},
      {"version-0.json", ErrorKind::kUnsupported, "version 0 is too old"},
      {"version-string.json", ErrorKind::kCorrupt, "missing version"},
      {"not-a-tend-vault.json", ErrorKind::kCorrupt, "not a tend vault header"},
      {"unknown-slot-kind.json", ErrorKind::kCorrupt, "unknown key slot kind"},
      {"no-passphrase-slot.json", ErrorKind::kCorrupt, "no passphrase slot"},
      {"duplicate-slot.json", ErrorKind::kCorrupt, "malformed slots"},
      {"short-salt.json", ErrorKind::kCorrupt, "malformed KDF parameters"},
      {"short-nonce.json", ErrorKind::kCorrupt, "malformed key slot"},
      {"page-size-1024.json", ErrorKind::kCorrupt, "unexpected SQLCipher settings"},
      {"hmac-off.json", ErrorKind::kCorrupt, "unexpected SQLCipher settings"},
      {"bad-device-key.json", ErrorKind::kCorrupt, "malformed device keys"},
      {"short-vault-id.json", ErrorKind::kCorrupt, "malformed vault_id"},
      {"extra-field.json", ErrorKind::kCorrupt, "unexpected fields"},
      {"missing-mac.json", ErrorKind::kCorrupt, "malformed mac"},
  };
  for (const Case& c : cases) {
    INFO(c.file);
    Result<VaultHeader> h = parse_header(fixture(c.file));
    REQUIRE_FALSE(h.is_ok());
    CHECK(h.status().kind() == c.kind);
    CHECK_THAT(h.status().message(), Catch::Contains(c.message));
  }
}

TEST_CASE("a header larger than 64 KiB is refused unread", "[core][header]") {
  std::string big = fixture("valid.json");
  big.insert(1, std::string(70 * 1024, ' '));
  Result<VaultHeader> h = parse_header(big);
  REQUIRE_FALSE(h.is_ok());
  CHECK_THAT(h.status().message(), Catch::Contains("larger than 64 KiB"));
}

TEST_CASE("every single-byte change to vault.json is detected", "[core][header]") {
  const std::string valid = fixture("valid.json");
  for (std::size_t i = 0; i < valid.size(); ++i) {
    for (unsigned char mask : {0x01, 0x20, 0x80}) {
      std::string t = valid;
      t[i] = static_cast<char>(t[i] ^ mask);
      INFO("byte " << i << " xor " << int(mask));
      CHECK_FALSE(parse_header(t).is_ok());
    }
  }
}

TEST_CASE("an absurd KDF cost is refused before any KDF runs", "[core][header][vault]") {
  for (const char* name : {"kdf-cost-64GiB.json", "kdf-opslimit-absurd.json"}) {
    INFO(name);
    test::TempDir dir;
    test::make_vault(dir / "v");
    REQUIRE(fs::replace_file(dir / "v/vault.json", fixture(name)).is_ok());
    const auto before = test::fingerprint(dir / "v");
    // Were the KDF to run, this would take hours or fail to allocate 64 GiB
    // (an out-of-memory kIo error, not this kCorrupt one).
    Result<Vault> v = Vault::unlock(dir / "v", test::secret(test::kPassphrase));
    REQUIRE_FALSE(v.is_ok());
    CHECK(v.status().kind() == ErrorKind::kCorrupt);
    CHECK_THAT(v.status().message(), Catch::Contains("is outside"));
    CHECK(test::fingerprint(dir / "v") == before);
  }
}
