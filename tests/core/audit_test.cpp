// The audit log and its offline verifier: one test per way to tamper with it.
#include <catch2/catch.hpp>

#include "core/audit.hpp"
#include "core/audit_package.hpp"
#include "core/canonical.hpp"
#include "core/mood.hpp"
#include "crypto/encoding.hpp"
#include "tests/support.hpp"

using namespace tend;

namespace {

// A log with a few events, its package, its key, and an earlier checkpoint.
struct LogFixture {
  test::TempDir dir;
  std::string origin;
  crypto::KeyPair key;
  std::string verifier;
  std::string early_checkpoint;  // at size 3
  std::string package;
  std::vector<std::string> entries;

  LogFixture() {
    CreatedVault created = test::make_vault(dir / "v");
    Vault& v = created.vault;
    AuditLog log = *v.audit();
    for (int i = 0; i < 4; ++i) {
      MoodEntry e;
      e.score = 5;
      e.at = local_instant(test::kNow);
      REQUIRE(add_mood(v.db(), e, test::kNow).is_ok());
    }
    REQUIRE(remove_mood(v.db(), log, 1, test::kNow + 1).is_ok());
    REQUIRE(remove_mood(v.db(), log, 2, test::kNow + 2).is_ok());
    early_checkpoint = *log.latest_checkpoint();
    REQUIRE(remove_mood(v.db(), log, 3, test::kNow + 3).is_ok());
    REQUIRE(v.change_passphrase(test::secret("second passphrase"), kind::kPassphraseChanged,
                                test::kNow + 4)
                .is_ok());
    REQUIRE(remove_mood(v.db(), log, 4, test::kNow + 5).is_ok());
    origin = log.origin();
    key = *v.device_key(DeviceKey::kAudit);
    verifier = log.verifier_key();
    package = *log.package();
    for (const AuditEntry& e : *log.entries(std::nullopt)) entries.push_back(e.bytes);
    REQUIRE(entries.size() == 6);
  }

  std::string build(const std::vector<std::string>& es, const crypto::KeyPair& k,
                    const std::string& verifier_line) const {
    return test::build_package(origin, es, k, verifier_line);
  }
  std::string build(const std::vector<std::string>& es) const { return build(es, key, verifier); }

  VerifyReport verify(const std::string& pkg, std::optional<std::string> trusted = std::nullopt,
                      bool with_key = true) const {
    VerifyOptions o;
    if (with_key) o.key = verifier;
    o.trusted_checkpoint = std::move(trusted);
    Result<VerifyReport> r = verify_package(pkg, o);
    INFO(r.status().message());
    REQUIRE(r.is_ok());
    return *r;
  }

  Status unparsable(const std::string& pkg) const {
    VerifyOptions o;
    o.key = verifier;
    Result<VerifyReport> r = verify_package(pkg, o);
    REQUIRE_FALSE(r.is_ok());
    return r.status();
  }
};

std::string replace_line(const std::string& pkg, const std::string& from, const std::string& to) {
  std::string out = pkg;
  const auto at = out.find(from);
  REQUIRE(at != std::string::npos);
  out.replace(at, from.size(), to);
  return out;
}

}  // namespace

TEST_CASE("entries are canonical JSON with no journal content", "[core][audit]") {
  LogFixture f;
  CHECK(f.entries[0].rfind(R"({"kind":"vault.created","meta":{"format_version":1},"seq":0,)", 0) ==
        0);
  CHECK(f.entries[1] ==
        R"({"kind":"entries.deleted","meta":{"count":1,"type":"mood"},"seq":1,"time":1795608001})");
  CHECK(f.entries[4] == R"({"kind":"passphrase.changed","meta":{},"seq":4,"time":1795608004})");
  for (const std::string& e : f.entries) {
    INFO(e);
    CHECK(scan_entry(e).error.empty());
  }
}

TEST_CASE("an untouched package verifies, with the key and against an earlier checkpoint",
          "[core][audit]") {
  LogFixture f;
  VerifyReport r = f.verify(f.package, f.early_checkpoint);
  CHECK(r.ok);
  CHECK(r.size == 6);
  CHECK(r.checkpoints == 6);
  CHECK(r.trusted_size == 3);
  CHECK_FALSE(r.trust_on_first_use);
  CHECK(*r.first_time == test::kNow - 86400 * 30);
  CHECK(*r.last_time == test::kNow + 5);
  VerifyReport tofu = f.verify(f.package, std::nullopt, /*with_key=*/false);
  CHECK(tofu.ok);
  CHECK(tofu.trust_on_first_use);
  // The package the test builds itself is the same as tend's own.
  CHECK(f.verify(f.build(f.entries)).ok);
  CHECK(f.verify(f.build(f.entries)).root == r.root);
}

TEST_CASE("tamper: one changed byte in any entry", "[core][audit][tamper]") {
  LogFixture f;
  for (std::size_t i = 0; i < f.entries.size(); ++i) {
    for (std::size_t pos = 0; pos < f.entries[i].size(); ++pos) {
      std::string e = f.entries[i];
      e[pos] = static_cast<char>(e[pos] ^ 0x01);
      if (e.find('\n') != std::string::npos) continue;  // would split the line: a parse error
      const std::string pkg = replace_line(f.package, f.entries[i] + "\n", e + "\n");
      VerifyReport r = f.verify(pkg);
      INFO("entry " << i << " byte " << pos << ": " << r.failure);
      CHECK_FALSE(r.ok);
      REQUIRE(r.bad_seq.has_value());
      CHECK(*r.bad_seq == static_cast<std::int64_t>(i));
    }
  }
}

TEST_CASE("tamper: a deleted entry", "[core][audit][tamper]") {
  LogFixture f;
  std::string pkg = replace_line(f.package, f.entries[2] + "\n", "");
  pkg = replace_line(pkg, "entries 6\n", "entries 5\n");
  VerifyReport r = f.verify(pkg);
  CHECK_FALSE(r.ok);
  // Named where it happened, although the checkpoints also cover more than is left.
  CHECK(r.bad_seq == 2);
  CHECK_THAT(r.failure, Catch::Contains("entry at position 2 has seq 3"));
  // With the checkpoints re-signed to match, the sequence gap is still found.
  VerifyReport gap = f.verify(f.build({f.entries[0], f.entries[1], f.entries[3]}));
  CHECK_FALSE(gap.ok);
  CHECK(gap.bad_seq == 2);
  CHECK_THAT(gap.failure, Catch::Contains("entry at position 2 has seq 3"));
}

TEST_CASE("tamper: two entries swapped", "[core][audit][tamper]") {
  LogFixture f;
  std::string pkg = replace_line(f.package, f.entries[1] + "\n" + f.entries[2] + "\n",
                                 f.entries[2] + "\n" + f.entries[1] + "\n");
  VerifyReport r = f.verify(pkg);
  CHECK_FALSE(r.ok);
  CHECK(r.bad_seq == 1);
  CHECK_THAT(r.failure, Catch::Contains("has seq 2"));
}

TEST_CASE("tamper: a forged entry appended", "[core][audit][tamper]") {
  LogFixture f;
  const std::string forged =
      make_entry(6, test::kNow + 9, kind::kEntriesDeleted, {{"count", 1}, {"type", "mood"}});
  std::string pkg =
      replace_line(f.package, f.entries[5] + "\n", f.entries[5] + "\n" + forged + "\n");
  pkg = replace_line(pkg, "entries 6\n", "entries 7\n");
  VerifyReport r = f.verify(pkg);
  CHECK_FALSE(r.ok);
  CHECK(r.bad_seq == 6);
  CHECK_THAT(r.failure, Catch::Contains("not covered by any signed checkpoint"));
}

TEST_CASE("tamper: the tail truncated", "[core][audit][tamper]") {
  LogFixture f;
  std::string pkg = replace_line(f.package, f.entries[4] + "\n" + f.entries[5] + "\n", "");
  pkg = replace_line(pkg, "entries 6\n", "entries 4\n");
  VerifyReport r = f.verify(pkg);
  CHECK_FALSE(r.ok);
  CHECK(r.bad_seq == 4);
  CHECK_THAT(r.failure, Catch::Contains("truncated"));
}

TEST_CASE("tamper: an older package against a newer trusted checkpoint", "[core][audit][tamper]") {
  LogFixture f;
  const std::string old_pkg = f.build({f.entries.begin(), f.entries.begin() + 3});
  REQUIRE(f.verify(old_pkg).ok);  // fine on its own
  const std::string newer = f.build(f.entries);
  const auto pkg = parse_package(newer);
  const std::string newest_checkpoint = pkg->checkpoints.back();
  VerifyReport r = f.verify(old_pkg, newest_checkpoint);
  CHECK_FALSE(r.ok);
  CHECK_THAT(r.failure, Catch::Contains("trusted size 6, package size 3"));
  CHECK_THAT(r.failure, Catch::Contains("rolled back"));
}

TEST_CASE("tamper: the verifier key replaced", "[core][audit][tamper]") {
  LogFixture f;
  crypto::KeyPair mallory = crypto::generate_keypair();
  const std::string mallory_key = crypto::format_verifier_key(f.origin, mallory.public_key);
  std::vector<std::string> rewritten = f.entries;
  rewritten[3] =
      make_entry(3, test::kNow + 3, kind::kEntriesDeleted, {{"count", 9}, {"type", "mood"}});
  const std::string pkg = f.build(rewritten, mallory, mallory_key);
  // Trust on first use accepts it, and says so...
  VerifyReport tofu = f.verify(pkg, std::nullopt, /*with_key=*/false);
  CHECK(tofu.ok);
  CHECK(tofu.trust_on_first_use);
  // ...the auditor's key does not...
  VerifyReport keyed = f.verify(pkg);
  CHECK_FALSE(keyed.ok);
  CHECK_THAT(keyed.failure, Catch::Contains("checkpoint 1 is not signed by a known key"));
  // ...and neither does the auditor's earlier checkpoint.
  VerifyReport trusted = f.verify(pkg, f.early_checkpoint, /*with_key=*/false);
  CHECK_FALSE(trusted.ok);
  CHECK_THAT(trusted.failure, Catch::Contains("verifier key was replaced"));
}

TEST_CASE("tamper: a corrupted signature", "[core][audit][tamper]") {
  LogFixture f;
  Result<AuditPackage> p = parse_package(f.package);
  REQUIRE(p.is_ok());
  std::string note = p->checkpoints[2];
  note[note.size() - 10] = note[note.size() - 10] == 'A' ? 'B' : 'A';
  const std::string pkg =
      replace_line(f.package, crypto::to_base64(crypto::as_bytes(p->checkpoints[2])),
                   crypto::to_base64(crypto::as_bytes(note)));
  VerifyReport r = f.verify(pkg);
  CHECK_FALSE(r.ok);
  CHECK_THAT(r.failure, Catch::Contains("checkpoint 3 has a signature that does not verify"));
}

TEST_CASE("tamper: malformed JSON and wrong types name the entry", "[core][audit][tamper]") {
  LogFixture f;
  const std::pair<std::string, std::string> bad[] = {
      {R"({"kind":"entries.deleted","meta":{"count":1,"type":"mood"},"seq":2,"time":1795608002)",
       "truncated"},
      {R"({"kind":"entries.deleted","meta":{"count":1,"type":"mood"},"seq":"2","time":1795608002})",
       "expected a value"},
      {R"({"kind":"entries.deleted","meta":{"count":1.5,"type":"mood"},"seq":2,"time":1795608002})",
       "expected , or }"},
      {R"({"kind":"entries.deleted","meta":{"count":true,"type":"mood"},"seq":2,"time":1795608002})",
       "only objects, arrays, strings and integers"},
      {R"({"seq":2,"kind":"entries.deleted","meta":{"count":1,"type":"mood"},"time":1795608002})",
       "not sorted"},
      {R"({"kind": "entries.deleted","meta":{"count":1,"type":"mood"},"seq":2,"time":1795608002})",
       "expected a string"},
      {R"({"kind":"entries.deleted","meta":{"count":01,"type":"mood"},"seq":2,"time":1795608002})",
       "leading zero"},
      {R"({"kind":"entries.deleted","meta":{"count":99999999999999999999,"type":"mood"},"seq":2,"time":1795608002})",
       "out of range"},
      {R"({"kind":"entries.deleted","meta":{"count":1,"type":"m\u006fod"},"seq":2,"time":1795608002})",
       "non-canonical escape"},
      {R"({"kind":"nonsense","meta":{},"seq":2,"time":1795608002})", "unknown kind"},
      {R"({"kind":"entries.deleted","meta":{},"seq":2,"time":67767977886828576})",
       "after the year 9999"},
      {R"({"kind":"entries.deleted","meta":{},"time":1795608002})", "missing"},
      {R"({"kind":"entries.deleted","meta":[],"seq":2,"time":1795608002})", "expected an object"},
      {R"({"extra":1,"kind":"entries.deleted","meta":{},"seq":2,"time":1795608002})",
       "unexpected member"},
      {"[1,2,3]", "expected an object"},
      {"", "expected an object"},
  };
  for (const auto& [entry, why] : bad) {
    INFO(entry);
    std::vector<std::string> es = f.entries;
    es[2] = entry;
    VerifyReport r = f.verify(f.build(es));
    CHECK_FALSE(r.ok);
    CHECK(r.bad_seq == 2);
    CHECK_THAT(r.failure, Catch::Contains("entry 2") && Catch::Contains(why));
  }
}

TEST_CASE("unparsable packages: huge sizes, truncation, garbage", "[core][audit][tamper]") {
  LogFixture f;
  const std::string cases[] = {
      "",
      "not a package\n",
      replace_line(f.package, "entries 6\n", "entries 99999999999999\n"),
      replace_line(f.package, "entries 6\n", "entries 7\n"),
      replace_line(f.package, "entries 6\n", "entries -1\n"),
      replace_line(f.package, "entries 6\n", "entries 06\n"),
      replace_line(f.package, "checkpoints 6\n", "checkpoints 18446744073709551616\n"),
      f.package.substr(0, f.package.size() / 2),
      f.package.substr(0, f.package.size() - 1),
      f.package + "extra\n",
      replace_line(f.package, "verifier ", "verifyer "),
  };
  for (const std::string& pkg : cases) {
    INFO(pkg.substr(0, 80));
    Status s = f.unparsable(pkg);
    CHECK(s.kind() == ErrorKind::kInvalidInput);
  }
  CHECK(f.unparsable(replace_line(f.package, "package v1", "package v2")).kind() ==
        ErrorKind::kUnsupported);
}

TEST_CASE(
    "a log rewritten and re-signed with the device key fails only against a trusted checkpoint",
    "[core][audit][tamper]") {
  LogFixture f;
  // Someone with the passphrase has the device key: they can rewrite history
  // (here: hide that entry 1 deleted anything) and re-sign every checkpoint.
  std::vector<std::string> rewritten = f.entries;
  rewritten[1] = make_entry(1, test::kNow + 1, kind::kPassphraseChanged, Json::object());
  const std::string pkg = f.build(rewritten);
  VerifyReport alone = f.verify(pkg);
  CHECK(alone.ok);  // nothing in the package itself can show it
  VerifyReport against = f.verify(pkg, f.early_checkpoint);
  CHECK_FALSE(against.ok);
  CHECK_THAT(against.failure,
             Catch::Contains(
                 "not consistent with the trusted checkpoint (trusted size 3, package size 6)"));
}
