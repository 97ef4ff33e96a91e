#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "core/check.hpp"
#include "core/db.hpp"
#include "core/fs.hpp"
#include "core/mood.hpp"
#include "core/schema.hpp"
#include "core/vault.hpp"
#include "crypto/recovery_key.hpp"
#include "tests/support.hpp"

using namespace tend;
using test::secret;

namespace {

int mode_of(const std::string& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return static_cast<int>(st.st_mode & 07777);
}

void flip_byte(const std::string& path, std::size_t offset) {
  std::string data = test::read_file(path);
  REQUIRE(offset < data.size());
  data[offset] = static_cast<char>(data[offset] ^ 0x01);
  test::write_file(path, data);
}

std::int64_t add_entry(Vault& v, int score, const char* note = nullptr) {
  MoodEntry e;
  e.score = score;
  e.at = local_instant(test::kNow);
  if (note != nullptr) e.note = note;
  REQUIRE(validate_mood(e).is_ok());
  Result<std::int64_t> id = add_mood(v.db(), e, test::kNow);
  REQUIRE(id.is_ok());
  return *id;
}

}  // namespace

TEST_CASE("a new vault is private and opens with its passphrase", "[core][vault]") {
  test::TempDir dir;
  const std::string path = dir / "vault";
  CreatedVault created = test::make_vault(path);
  CHECK(mode_of(path) == 0700);
  CHECK(mode_of(path + "/vault.json") == 0600);
  CHECK(mode_of(path + "/vault.db") == 0600);
  add_entry(created.vault, 7);
  { CreatedVault gone = std::move(created); }

  Result<Vault> v = Vault::unlock(path, secret(test::kPassphrase));
  REQUIRE(v.is_ok());
  Result<std::vector<MoodEntry>> list = list_mood(v->db(), {});
  REQUIRE(list.is_ok());
  CHECK(list->size() == 1);
  Result<crypto::KeyPair> signing = v->device_key(DeviceKey::kSigning);
  REQUIRE(signing.is_ok());
  CHECK(signing->public_key == v->header().signing_key);
}

TEST_CASE("init refuses to touch an existing vault or a non-empty directory", "[core][vault]") {
  test::TempDir dir;
  test::make_vault(dir / "vault");
  const auto before = test::fingerprint(dir / "vault");
  Result<CreatedVault> again = Vault::create(dir / "vault", secret("other passphrase"),
                                             crypto::test_only_insecure_kdf_params(), test::kNow);
  REQUIRE_FALSE(again.is_ok());
  CHECK(again.status().kind() == ErrorKind::kExists);
  CHECK(test::fingerprint(dir / "vault") == before);

  ::mkdir((dir / "busy").c_str(), 0755);
  test::write_file(dir / "busy/notes.txt", "mine");
  Result<CreatedVault> busy = Vault::create(dir / "busy", secret("other passphrase"),
                                            crypto::test_only_insecure_kdf_params(), test::kNow);
  REQUIRE_FALSE(busy.is_ok());
  CHECK(busy.status().kind() == ErrorKind::kExists);
  CHECK(test::fingerprint(dir / "busy").size() == 1);
}

TEST_CASE("a wrong passphrase is its own error and changes nothing", "[core][vault]") {
  test::TempDir dir;
  test::make_vault(dir / "v");
  const auto before = test::fingerprint(dir / "v");
  Result<Vault> v = Vault::unlock(dir / "v", secret("not the passphrase"));
  REQUIRE_FALSE(v.is_ok());
  CHECK(v.status().kind() == ErrorKind::kWrongPassphrase);
  CHECK(v.status().message() == "cannot open vault: wrong passphrase");
  CHECK(test::fingerprint(dir / "v") == before);
}

TEST_CASE("a flipped byte anywhere in vault.db is damage where it is read, and check finds it",
          "[core][vault][check]") {
  test::TempDir dir;
  {
    CreatedVault created = test::make_vault(dir / "v");
    for (int i = 0; i < 50; ++i)
      add_entry(created.vault, 1 + i % 10, "a note long enough to fill pages");
  }
  const std::string db = dir / "v/vault.db";
  const std::string pristine = test::read_file(db);
  REQUIRE(pristine.size() >= 4 * 4096);
  // Every page ends in SQLCipher 3's 48-byte reserve: IV (16), HMAC-SHA1 (20),
  // then 12 bytes of random padding that nothing reads or authenticates.
  constexpr std::size_t kPage = 4096, kPadding = 12;
  // The salt, page 1, then each page at its start, middle, IV and HMAC.
  std::vector<std::size_t> offsets = {0, 15, 16, 100};
  for (std::size_t page = 0; page < pristine.size(); page += kPage) {
    offsets.insert(offsets.end(), {page + 20, page + 2000, page + kPage - 48, page + kPage - 30,
                                   page + kPage - kPadding - 1});
  }
  std::size_t found_at_unlock = 0, found_by_check = 0;
  for (std::size_t offset : offsets) {
    INFO("offset " << offset);
    test::write_file(db, pristine);
    flip_byte(db, offset);
    const auto before = test::fingerprint(dir / "v");
    std::optional<Result<Vault>> opened(Vault::unlock(dir / "v", secret(test::kPassphrase)));
    Result<Vault>& v = *opened;
    if (!v.is_ok()) {
      // Opening reads page 1, the schema and the key table, and nothing else.
      CHECK(v.status().kind() == ErrorKind::kCorrupt);
      CHECK_THAT(v.status().message(), Catch::Contains("damaged"));
      ++found_at_unlock;
    } else {
      // Whatever reads the page says it is damaged; nothing else goes wrong.
      Result<std::vector<MoodEntry>> moods = list_mood(v->db(), {});
      if (!moods.is_ok()) {
        CHECK(moods.status().kind() == ErrorKind::kCorrupt);
        CHECK_THAT(moods.status().message(), Catch::Contains(db));
      }
      // A command per process, as tend runs them: check on a connection of its own.
      opened.emplace(Vault::unlock(dir / "v", secret(test::kPassphrase)));
      REQUIRE(v.is_ok());
      Result<CheckOutcome> checked = vault_check(*v, {}, test::kNow);
      INFO((checked.is_ok() ? "" : checked.status().message()));
      REQUIRE(checked.is_ok());
      CHECK_FALSE(checked->ok);
      REQUIRE_FALSE(checked->parts.empty());
      CHECK(checked->parts.front().name == "pages");
      CHECK_FALSE(checked->parts.front().ok);
      ++found_by_check;
    }
    opened.reset();
    CHECK(test::fingerprint(dir / "v") == before);
  }
  // Most pages are not read at open: that is the point.
  CHECK(found_by_check > found_at_unlock);
}

TEST_CASE("check passes a sound vault and records when it ran", "[core][vault][check]") {
  test::TempDir dir;
  CreatedVault created = test::make_vault(dir / "v");
  add_entry(created.vault, 5, "fine");
  REQUIRE(last_check(created.vault.db())->has_value() == false);
  Result<CheckOutcome> checked = vault_check(created.vault, {}, test::kNow + 60);
  REQUIRE(checked.is_ok());
  for (const CheckPart& part : checked->parts) {
    INFO(part.name << ": " << part.detail);
    CHECK(part.ok);
  }
  CHECK(checked->ok);
  CHECK(checked->parts.size() == 4);
  Result<std::optional<LastCheck>> last = last_check(created.vault.db());
  REQUIRE(last.is_ok());
  REQUIRE(last->has_value());
  CHECK((*last)->at == test::kNow + 60);
  CHECK((*last)->ok);
}

TEST_CASE("a flipped byte in a page's unauthenticated padding changes nothing readable",
          "[core][vault]") {
  test::TempDir dir;
  {
    CreatedVault created = test::make_vault(dir / "v");
    add_entry(created.vault, 4, "still here");
  }
  const std::string db = dir / "v/vault.db";
  for (std::size_t offset : {4096 - 12, 4096 - 1, 2 * 4096 - 6}) {
    flip_byte(db, offset);
    Result<Vault> v = Vault::unlock(dir / "v", secret(test::kPassphrase));
    REQUIRE(v.is_ok());
    Result<std::vector<MoodEntry>> list = list_mood(v->db(), {});
    REQUIRE(list.is_ok());
    REQUIRE(list->size() == 1);
    CHECK(list->front().note == "still here");
  }
}

TEST_CASE("a flipped byte in vault.json is damage, found before the passphrase is tried",
          "[core][vault]") {
  test::TempDir dir;
  test::make_vault(dir / "v");
  const std::string header = dir / "v/vault.json";
  const std::string pristine = test::read_file(header);
  for (std::size_t offset = 0; offset < pristine.size(); offset += 7) {
    INFO("offset " << offset);
    test::write_file(header, pristine);
    flip_byte(header, offset);
    const auto before = test::fingerprint(dir / "v");
    // Even the right passphrase: the header is damaged, and says so.
    Result<Vault> v = Vault::unlock(dir / "v", secret(test::kPassphrase));
    REQUIRE_FALSE(v.is_ok());
    CHECK(v.status().kind() == ErrorKind::kCorrupt);
    CHECK(test::fingerprint(dir / "v") == before);
  }
}

TEST_CASE("a header edited with its checksum recomputed fails the MAC after unlock",
          "[core][vault]") {
  test::TempDir dir;
  test::make_vault(dir / "v");
  Result<VaultHeader> h = Vault::read_header(dir / "v");
  REQUIRE(h.is_ok());
  VaultHeader edited = *h;
  edited.created += 1;  // any field, e.g. a substituted device public key
  REQUIRE(fs::replace_file(dir / "v/vault.json", serialize_header(edited)).is_ok());
  Result<Vault> v = Vault::unlock(dir / "v", secret(test::kPassphrase));
  REQUIRE_FALSE(v.is_ok());
  CHECK(v.status().kind() == ErrorKind::kCorrupt);
  CHECK_THAT(v.status().message(), Catch::Contains("MAC does not match"));
}

TEST_CASE("passwd rewraps the key: the new passphrase opens, the old does not, the data key stays",
          "[core][vault]") {
  test::TempDir dir;
  CreatedVault created = test::make_vault(dir / "v");
  add_entry(created.vault, 5, "unchanged");
  { CreatedVault gone = std::move(created); }
  const crypto::SecretBytes dek_before = test::unwrap_dek(dir / "v", test::kPassphrase);
  {
    Result<Vault> v = Vault::unlock(dir / "v", secret(test::kPassphrase));
    REQUIRE(v.is_ok());
    REQUIRE(v->change_passphrase(secret("a new passphrase"), kind::kPassphraseChanged, test::kNow)
                .is_ok());
    // vault.db is not re-encrypted: the only change in it is the audit entry.
    const std::vector<AuditEntry> log = *v->audit()->entries(std::nullopt);
    REQUIRE(log.size() == 2);
    CHECK(log[0].kind == "vault.created");
    CHECK(log[1].kind == "passphrase.changed");
  }
  CHECK(test::unwrap_dek(dir / "v", "a new passphrase").equals(dek_before));
  CHECK(Vault::unlock(dir / "v", secret(test::kPassphrase)).status().kind() ==
        ErrorKind::kWrongPassphrase);
  Result<Vault> v = Vault::unlock(dir / "v", secret("a new passphrase"));
  REQUIRE(v.is_ok());
  CHECK(list_mood(v->db(), {})->front().note == "unchanged");
}

TEST_CASE("the recovery key unlocks and sets a new passphrase", "[core][vault]") {
  test::TempDir dir;
  crypto::SecretBytes recovery;
  {
    CreatedVault created = test::make_vault(dir / "v");
    recovery = std::move(created.recovery_key);
  }
  const crypto::SecretBytes text = crypto::format_recovery_key(recovery);
  Result<crypto::SecretBytes> parsed = crypto::parse_recovery_key(text.span());
  REQUIRE(parsed.is_ok());
  {
    Result<Vault> v = Vault::unlock_with_recovery_key(dir / "v", *parsed);
    REQUIRE(v.is_ok());
    REQUIRE(
        v->change_passphrase(secret("recovered passphrase"), kind::kRecovered, test::kNow).is_ok());
  }
  CHECK(Vault::unlock(dir / "v", secret("recovered passphrase")).is_ok());
  CHECK_FALSE(Vault::unlock(dir / "v", secret(test::kPassphrase)).is_ok());

  // Another vault's recovery key is a wrong key, not damage.
  test::TempDir other;
  CreatedVault o = test::make_vault(other / "v");
  Result<Vault> wrong = Vault::unlock_with_recovery_key(dir / "v", o.recovery_key);
  REQUIRE_FALSE(wrong.is_ok());
  CHECK(wrong.status().kind() == ErrorKind::kWrongPassphrase);
}

TEST_CASE("a vault from a newer tend is refused by name", "[core][vault][schema]") {
  test::TempDir dir;
  {
    CreatedVault created = test::make_vault(dir / "v");
    REQUIRE(created.vault.db().exec("PRAGMA user_version = 99;").is_ok());
  }
  Result<Vault> v = Vault::unlock(dir / "v", secret(test::kPassphrase));
  REQUIRE_FALSE(v.is_ok());
  CHECK(v.status().kind() == ErrorKind::kUnsupported);
  CHECK_THAT(v.status().message(), Catch::Contains("schema 99 is newer than this tend reads (" +
                                                   std::to_string(current_schema_version()) + ")"));
}

TEST_CASE("a missing vault is not found, with a hint to create one", "[core][vault]") {
  test::TempDir dir;
  Result<VaultHeader> h = Vault::read_header(dir / "nothing-here");
  REQUIRE_FALSE(h.is_ok());
  CHECK(h.status().kind() == ErrorKind::kNotFound);
  CHECK_THAT(h.status().hint(), Catch::Contains("tend init"));
}

TEST_CASE("key slots are bound to their vault and their kind", "[core][vault][slots]") {
  test::TempDir dir;
  test::make_vault(dir / "a");
  test::make_vault(dir / "b");
  VaultHeader a = *Vault::read_header(dir / "a");
  const VaultHeader b = *Vault::read_header(dir / "b");

  SECTION("a passphrase slot copied from another vault does not open this one") {
    *a.slot(SlotKind::kPassphrase) = *b.slot(SlotKind::kPassphrase);
    REQUIRE(fs::replace_file(dir / "a/vault.json", serialize_header(a)).is_ok());
    // The same passphrase, but the slot's associated data names vault b.
    CHECK(Vault::unlock(dir / "a", secret(test::kPassphrase)).status().kind() ==
          ErrorKind::kWrongPassphrase);
  }
  SECTION("a recovery slot's key cannot be presented as the passphrase slot's") {
    a.slot(SlotKind::kPassphrase)->wrapped = a.slot(SlotKind::kRecovery)->wrapped;
    REQUIRE(fs::replace_file(dir / "a/vault.json", serialize_header(a)).is_ok());
    CHECK(Vault::unlock(dir / "a", secret(test::kPassphrase)).status().kind() ==
          ErrorKind::kWrongPassphrase);
  }
  SECTION("the slot's associated data is the documented string") {
    CHECK(slot_associated_data(a.vault_id, SlotKind::kPassphrase) ==
          "tend/v1/slot:" + a.vault_id + ":passphrase");
    CHECK(slot_associated_data(a.vault_id, SlotKind::kRecovery) ==
          "tend/v1/slot:" + a.vault_id + ":recovery");
  }
}

TEST_CASE("a writer that waited on a vault rekey replaced writes nothing into the old file",
          "[core][vault][rekey]") {
  test::TempDir dir;
  crypto::SecretBytes recovery;
  {
    CreatedVault created = test::make_vault(dir / "v");
    recovery = std::move(created.recovery_key);
  }
  Result<Vault> waiting = Vault::unlock(dir / "v", secret(test::kPassphrase));
  REQUIRE(waiting.is_ok());
  {
    Result<Vault> v = Vault::unlock(dir / "v", secret(test::kPassphrase));
    REQUIRE(v.is_ok());
    bool swapped = false;
    Result<std::int64_t> seq = v->rekey(
        secret(test::kPassphrase), recovery, false, [&] { swapped = true; }, test::kNow);
    REQUIRE(seq.is_ok());
    CHECK(swapped);
    // It is the new vault now, and writes to it.
    Result<Transaction> tx = Transaction::begin(v->db());
    CHECK(tx.is_ok());
  }
  // The other handle still has the old file open: a lone statement's commit
  // is rolled back, and its next transaction stops before it begins.
  const Status lone = waiting->db().exec("DELETE FROM mood;");
  REQUIRE_FALSE(lone.is_ok());
  CHECK(lone.kind() == ErrorKind::kIo);
  CHECK_THAT(lone.message(), Catch::Contains("replaced"));
  Result<Transaction> tx = Transaction::begin(waiting->db());
  REQUIRE_FALSE(tx.is_ok());
  CHECK(tx.status().kind() == ErrorKind::kIo);
  CHECK_THAT(tx.status().message(), Catch::Contains("replaced"));
}

TEST_CASE("staging directories a killed tend left are removed at the next unlock, others kept",
          "[core][vault][rekey]") {
  test::TempDir dir;
  (void)test::make_vault(dir / "v");
  const auto make = [&](const std::string& name) {
    REQUIRE(::mkdir((dir / name).c_str(), 0700) == 0);
    test::write_file(dir / name + "/vault.db", "old ciphertext");
    test::write_file(dir / name + "/.tend-staging", "");
  };
  make("v.rekey-0123456789ab");    // left by a killed rekey
  make("v.init-ba9876543210");     // by a killed init
  make("v.rekey-0123456789");      // not tend's name: too short
  make("w.rekey-0123456789ab");    // another vault's
  make("v.rekey-aaaaaaaaaaaa");    // one a running tend holds
  make("v.restore-bbbbbbbbbbbb");  // the user's own directory, named like one: no marker
  ::unlink((dir / "v.restore-bbbbbbbbbbbb/.tend-staging").c_str());
  const fs::UniqueFd held(::open((dir / "v.rekey-aaaaaaaaaaaa").c_str(), O_RDONLY | O_DIRECTORY));
  REQUIRE(::flock(held.get(), LOCK_EX) == 0);

  Result<Vault> v = Vault::unlock(dir / "v", secret(test::kPassphrase));
  REQUIRE(v.is_ok());
  Result<std::vector<std::string>> notes = v->finish_interrupted();
  REQUIRE(notes.is_ok());
  REQUIRE(notes->size() == 2);
  CHECK_THAT((*notes)[0] + (*notes)[1],
             Catch::Contains("interrupted tend rekey") && Catch::Contains("interrupted tend init"));
  CHECK_FALSE(fs::exists(dir / "v.rekey-0123456789ab"));
  CHECK_FALSE(fs::exists(dir / "v.init-ba9876543210"));
  CHECK(fs::exists(dir / "v.rekey-0123456789"));
  CHECK(fs::exists(dir / "w.rekey-0123456789ab"));
  CHECK(fs::exists(dir / "v.rekey-aaaaaaaaaaaa"));
  CHECK(fs::exists(dir / "v.restore-bbbbbbbbbbbb/vault.db"));
}
