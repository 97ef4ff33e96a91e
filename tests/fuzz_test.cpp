// Deterministic mutation fuzzing of every parser of untrusted input: valid
// seeds, then thousands of seeded mutations (bit flips, byte changes,
// insertions, deletions, truncations, duplicated spans). Under ASan and UBSan
// a crash, leak or undefined behaviour fails the test; where a mutation must
// not be accepted, the test says so.
#include <catch2/catch.hpp>

#include <random>

#include "core/audit.hpp"
#include "core/audit_package.hpp"
#include "core/canonical.hpp"
#include "core/header.hpp"
#include "core/import.hpp"
#include "core/when.hpp"
#include "crypto/age.hpp"
#include "crypto/bech32.hpp"
#include "crypto/encoding.hpp"
#include "crypto/minisign.hpp"
#include "crypto/note.hpp"
#include "crypto/recovery_key.hpp"
#include "tests/support.hpp"

using namespace tend;

namespace {

class Mutator {
 public:
  explicit Mutator(std::uint32_t seed) : rng_(seed) {}
  std::string operator()(std::string s) {
    const int rounds = 1 + static_cast<int>(rng_() % 3);
    for (int r = 0; r < rounds; ++r) {
      const std::size_t n = s.size();
      const std::size_t at = n == 0 ? 0 : rng_() % n;
      switch (rng_() % 6) {
        case 0:
          if (n > 0) s[at] = static_cast<char>(s[at] ^ (1u << (rng_() % 8)));
          break;
        case 1:
          if (n > 0) s[at] = static_cast<char>(rng_() % 256);
          break;
        case 2:
          s.insert(at, 1, static_cast<char>(rng_() % 256));
          break;
        case 3:
          if (n > 0) s.erase(at, 1 + rng_() % std::min<std::size_t>(8, n - at));
          break;
        case 4:
          s.resize(n == 0 ? 0 : rng_() % n);
          break;
        case 5:
          if (n > 0) s.insert(at, s.substr(rng_() % n, 1 + rng_() % 16));
          break;
      }
    }
    return s;
  }

 private:
  std::mt19937 rng_;
};

constexpr int kRounds = 3000;

}  // namespace

TEST_CASE("fuzz: vault headers", "[fuzz]") {
  const std::string seed = test::read_file(std::string(TEND_FIXTURES) + "/headers/valid.json");
  Mutator m(1);
  for (int i = 0; i < kRounds; ++i) {
    const std::string input = m(seed);
    Result<VaultHeader> h = parse_header(input);
    if (input != seed) CHECK_FALSE(h.is_ok());
  }
}

TEST_CASE("fuzz: audit packages and their entries", "[fuzz]") {
  test::TempDir dir;
  CreatedVault v = test::make_vault(dir / "v");
  AuditLog log = *v.vault.audit();
  Result<Transaction> tx = Transaction::begin(v.vault.db());
  REQUIRE(log.record(kind::kEntriesDeleted, {{"count", 1}, {"type", "mood"}}, test::kNow).is_ok());
  REQUIRE(tx->commit().is_ok());
  const std::string seed = *log.package();
  VerifyOptions o;
  o.key = log.verifier_key();
  Mutator m(2);
  for (int i = 0; i < kRounds; ++i) {
    const std::string input = m(seed);
    Result<VerifyReport> r = verify_package(input, o);
    (void)r;
    const EntryHead head =
        scan_entry(m(R"({"kind":"vault.created","meta":{"a":[1,"x",{"b":-2}]},"seq":0,"time":5})"));
    (void)head;
  }
}

TEST_CASE("fuzz: age files", "[fuzz]") {
  crypto::AgeIdentity id = crypto::generate_age_identity();
  const crypto::X25519Key to[] = {id.public_key};
  std::string seed;
  crypto::AgeWriter w(to, [&](std::span<const std::uint8_t> b) {
    seed.append(reinterpret_cast<const char*>(b.data()), b.size());
    return Status::ok();
  });
  REQUIRE(w.write(std::string(70000, 'p')).is_ok());
  REQUIRE(w.finish().is_ok());
  Mutator m(3);
  for (int i = 0; i < kRounds / 3; ++i) {
    const std::string input = m(seed);
    Result<crypto::SecretBytes> r = crypto::age_decrypt(input, std::span(&id, 1));
    if (r.is_ok()) CHECK(crypto::as_text(*r) == std::string(70000, 'p'));
  }
}

TEST_CASE("fuzz: signed notes, minisign signatures, keys and recovery keys", "[fuzz]") {
  crypto::KeyPair kp = crypto::generate_keypair();
  const std::string note =
      crypto::sign_note("tend.local/x\n1\nCgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
                        "tend.local/x", kp.secret_key, kp.public_key);
  const crypto::NoteVerifier v[] = {
      *crypto::parse_verifier_key(crypto::format_verifier_key("tend.local/x", kp.public_key))};
  crypto::Blake2b512Hasher h;
  h.update(crypto::as_bytes("data"));
  const std::string sig = crypto::minisign_sign(kp, h.finish(), "u", "t");
  const crypto::MinisignKey mk = crypto::minisign_key(kp.public_key);
  const std::string recovery(
      crypto::as_text(crypto::format_recovery_key(crypto::generate_recovery_key())));
  const std::string recipient =
      crypto::format_age_recipient(crypto::generate_age_identity().public_key);
  Mutator m(4);
  for (int i = 0; i < kRounds; ++i) {
    const std::string n = m(note);
    if (Result<std::string> opened = crypto::open_note(n, v); opened.is_ok()) {
      CHECK(*opened == *crypto::open_note(note, v));
    }
    const std::string s = m(sig);
    if (Result<std::string> c = crypto::minisign_verify(s, crypto::as_bytes("data"), mk);
        c.is_ok()) {
      CHECK(*c == "t");
    }
    (void)crypto::parse_checkpoint_text(m("o\n1\nCgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"));
    (void)crypto::parse_verifier_key(m(crypto::format_verifier_key("tend.local/x", kp.public_key)));
    (void)crypto::parse_minisign_public_key(m(crypto::minisign_public_key_file(kp.public_key)));
    (void)crypto::parse_recovery_key(crypto::as_bytes(m(recovery)));
    (void)crypto::parse_age_recipient(m(recipient));
    (void)crypto::bech32_decode(m(recipient));
    (void)parse_when(m("2026-11-20T08:30:15.25+01:00"), test::kNow, TimeRole::kPoint);
    (void)parse_duration(m("1h20m"));
  }
}

TEST_CASE("fuzz: Daylio CSV, ActivityWatch and jrnl exports", "[fuzz][import]") {
  test::TempDir dir;
  const std::string path = dir / "input";
  const std::string daylio =
      "\xEF\xBB\xBF"
      "full_date,date,weekday,time,mood,activities,scales,note_title,note\r\n"
      "2026-11-20,Nov 20,Friday,10:00 pm,good,\"walk | movies / tv\",\"Energy: 3\",Title,"
      "\"a, \"\"b\"\"<br>c &amp; d\"\r\n"
      "2026-11-19,Nov 19,Thursday,12:00 am,rad,,,,\r\n";
  const std::string aw =
      R"({"buckets": {"aw-watcher-window_x": {"id": "aw-watcher-window_x", "type": "currentwindow",
      "events": [{"timestamp": "2026-11-20T10:00:00.5+00:00", "duration": 60.5, "data": {"app": "A",
      "title": "t"}}, {"id": 2, "timestamp": "2026-11-20T10:01:30Z", "duration": 3, "data":
      {"app": "B", "package": "org.b"}}]}, "afk": {"type": "afkstatus", "events": []}}})";
  const std::string jrnl =
      R"({"tags": {"@w": 1}, "entries": [{"date": "2026-11-20", "time": "09:00", "title": "T.",
      "body": "B", "tags": ["@w", "@mood7"], "starred": true}]})";
  const auto survives = [](const Result<ImportBatch>& r) {
    if (!r.is_ok()) CHECK(r.status().kind() == ErrorKind::kInvalidInput);
  };
  ActivityWatchOptions all;
  all.all_apps = true;
  all.keep_titles = true;
  JrnlOptions scored;
  scored.score = 5;
  REQUIRE(read_daylio((test::write_file(path, daylio), path), {}).is_ok());
  REQUIRE(read_activitywatch((test::write_file(path, aw), path), all).is_ok());
  REQUIRE(read_jrnl((test::write_file(path, jrnl), path), scored).is_ok());
  Mutator m(11);
  for (int i = 0; i < kRounds / 3; ++i) {
    test::write_file(path, m(daylio));
    survives(read_daylio(path, {}));
    test::write_file(path, m(aw));
    survives(read_activitywatch(path, all));
    test::write_file(path, m(jrnl));
    survives(read_jrnl(path, scored));
  }
}
