// The dishonest holder: someone with the raw key edits the consent table, or
// rewrites export entries and re-signs the log with the device key. Each edit
// is caught by `tend export` itself (the table is only a cache of the log) or by
// `tend audit verify` (consent replay); the clock cannot be set back either.
#include <catch2/catch.hpp>

#include <functional>

#include "core/audit_package.hpp"
#include "core/export.hpp"
#include "core/mood.hpp"
#include "core/receipt.hpp"
#include "crypto/age.hpp"
#include "tests/support.hpp"

using namespace tend;

namespace {

struct HolderFixture {
  test::TempDir dir;
  CreatedVault created;
  Vault& v;
  crypto::AgeIdentity recipient = crypto::generate_age_identity();
  Grant grant;
  int files = 0;

  HolderFixture() : created(test::make_vault(dir / "v")), v(created.vault) {
    MoodEntry e;
    e.score = 6;
    e.at = local_instant(test::kNow - 3600);
    REQUIRE(add_mood(v.db(), e, test::kNow).is_ok());
    Grant g;
    g.recipient = "Dr. Holder";
    g.recipient_keys = {crypto::format_age_recipient(recipient.public_key)};
    g.purpose = "weekly check-in";
    g.purpose_category = PurposeCategory::kCare;
    g.categories = {Category::kMood};
    g.from = test::kNow - 86400 * 10;
    g.until = test::kNow;
    g.expires = test::kNow + 86400;
    g.max_exports = 3;
    AuditLog log = *v.audit();
    Result<Grant> made = add_grant(v.db(), log, g, test::kNow);
    REQUIRE(made.is_ok());
    grant = *made;
    REQUIRE(export_once().is_ok());  // one honest export first
  }

  Result<ExportOutcome> export_once(std::int64_t now = test::kNow + 10) {
    return export_bundle(v, {grant.id, dir / ("bundle" + std::to_string(files++))}, now);
  }

  void edit(const std::string& sql) { REQUIRE(v.db().exec(sql.c_str()).is_ok()); }

  std::vector<std::string> entries() {
    std::vector<std::string> out;
    for (const AuditEntry& e : *v.audit()->entries(std::nullopt)) out.push_back(e.bytes);
    return out;
  }
  Json last_entry() { return *parse_json(entries().back(), "entry"); }

  // The log with `forged` appended, every checkpoint re-signed with the device key.
  VerifyReport verify_with(std::string_view kind, const Json& meta,
                           std::int64_t time = test::kNow + 20) {
    std::vector<std::string> es = entries();
    es.push_back(make_entry(static_cast<std::int64_t>(es.size()), time, kind, meta));
    AuditLog log = *v.audit();
    VerifyOptions o;
    o.key = log.verifier_key();
    Result<VerifyReport> r = verify_package(
        test::build_package(log.origin(), es, *v.device_key(DeviceKey::kAudit), log.verifier_key()),
        o);
    REQUIRE(r.is_ok());
    return *r;
  }
};

}  // namespace

TEST_CASE("dishonest holder: every column of consent_grant edited is refused by export itself",
          "[core][consent][holder]") {
  const std::string other_key =
      crypto::format_age_recipient(crypto::generate_age_identity().public_key);
  struct Edit {
    const char* column;
    std::string sql;  // %ID% is the grant id
  };
  const Edit edits[] = {
      {"recipient", "UPDATE consent_grant SET recipient = 'Someone Else'"},
      {"recipient_keys", "UPDATE consent_grant SET recipient_keys = '[\"" + other_key + "\"]'"},
      {"purpose", "UPDATE consent_grant SET purpose = 'marketing'"},
      {"purpose_category", "UPDATE consent_grant SET purpose_category = 'research'"},
      {"categories", "UPDATE consent_grant SET categories = '[\"mood\",\"notes\"]'"},
      {"granularity", "UPDATE consent_grant SET granularity = 'daily'"},
      {"window_from", "UPDATE consent_grant SET window_from = NULL"},
      {"window_until", "UPDATE consent_grant SET window_until = window_until + 86400"},
      {"created", "UPDATE consent_grant SET created = created - 1"},
      {"expires", "UPDATE consent_grant SET expires = expires + 86400 * 365"},
      {"max_exports", "UPDATE consent_grant SET max_exports = 100"},
      {"exports", "UPDATE consent_grant SET exports = 0"},
      {"revoked_at", ""},  // set below: a revocation cleared
      {"receipt_id", "UPDATE consent_grant SET receipt_id = 'not-the-one'"},
      {"id", "UPDATE consent_grant SET id = 'g222222'"},
      {"recipient_keys (malformed)", "UPDATE consent_grant SET recipient_keys = 'not json'"},
      {"a grant with no log entry", ""},
  };
  for (const Edit& e : edits) {
    INFO(e.column);
    HolderFixture f;
    std::string target = f.grant.id;
    if (std::string(e.column) == "revoked_at") {
      AuditLog log = *f.v.audit();
      REQUIRE(revoke_grant(f.v.db(), log, f.grant.id, std::nullopt, test::kNow + 10).is_ok());
      f.edit("UPDATE consent_grant SET revoked_at = NULL");
    } else if (std::string(e.column) == "a grant with no log entry") {
      f.edit(
          "INSERT INTO consent_grant (id, recipient, recipient_keys, purpose, purpose_category,"
          " categories, granularity, created, expires, receipt_id) SELECT 'g333333', recipient,"
          " recipient_keys, purpose, purpose_category, categories, granularity, created,"
          " expires, 'r2' FROM consent_grant");
      target = "g333333";
    } else {
      f.edit(e.sql);
    }
    const std::size_t before = f.entries().size();
    Result<ExportOutcome> r = export_bundle(f.v, {target, f.dir / "tampered.age"}, test::kNow + 10);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().kind() == ErrorKind::kCorrupt);  // exit 65
    CHECK_THAT(r.status().message(), Catch::StartsWith("export refused: grant") &&
                                         Catch::Contains("does not match the audit log"));
    CHECK_FALSE(test::fingerprint(f.dir.path()).count("tampered.age"));
    CHECK_FALSE(test::fingerprint(f.dir.path()).count("tampered.age.minisig"));
    REQUIRE(f.entries().size() == before + 1);
    const Json refused = f.last_entry();
    CHECK(refused["kind"] == "export.refused");
    CHECK(refused["meta"]["reason"] == "tampered");
    // A receipt never states terms the log does not hold either.
    CHECK(grant_receipt(f.v, {target, f.dir / "receipt.json", std::nullopt}, test::kNow + 11)
              .status()
              .kind() == ErrorKind::kCorrupt);
    CHECK_FALSE(test::fingerprint(f.dir.path()).count("receipt.json"));
  }

  // The revocation reason is the user's own note, not a term: nothing to catch.
  HolderFixture f;
  f.edit("UPDATE consent_grant SET revoke_reason = 'edited'");
  CHECK(f.export_once().is_ok());
}

TEST_CASE("dishonest holder: export entries rewritten and re-signed fail consent replay",
          "[core][consent][holder][audit]") {
  HolderFixture f;
  const Json honest = f.last_entry()["meta"];
  REQUIRE(f.last_entry()["kind"] == "export.created");
  // The honest export replays; the next honest one would be export 2.
  Json next = honest;
  next["exports"] = 2;
  REQUIRE(f.verify_with(kind::kExportCreated, next).ok);

  const std::string stranger = recipient_fingerprint(
      crypto::format_age_recipient(crypto::generate_age_identity().public_key));
  struct Forgery {
    const char* what;
    std::function<void(Json&)> change;
    const char* failure;
  };
  const Forgery forgeries[] = {
      {"another recipient", [&](Json& m) { m["recipients"] = {stranger}; },
       "recipient keys that grant"},
      {"an extra recipient", [&](Json& m) { m["recipients"].push_back(stranger); },
       "recipient keys that grant"},
      {"another purpose", [](Json& m) { m["purpose"] = "marketing"; }, "another purpose"},
      {"another purpose category", [](Json& m) { m["purpose_category"] = "research"; },
       "another purpose"},
      {"wider data",
       [](Json& m) {
         m["categories"] = {"mood", "notes"};
       },
       "does not cover"},
      {"other data", [](Json& m) { m["categories"] = {"app_usage"}; }, "does not cover"},
      {"another granularity", [](Json& m) { m["granularity"] = "daily"; }, "granularity"},
      {"an earlier start", [](Json& m) { m["from"] = m["from"].get<std::int64_t>() - 1; },
       "data window"},
      {"no start", [](Json& m) { m.erase("from"); }, "data window"},
      {"a later end", [](Json& m) { m["until"] = m["until"].get<std::int64_t>() + 1; },
       "data window"},
      {"sha256 'x'", [](Json& m) { m["sha256"] = "x"; }, "sha256 is malformed"},
      {"uppercase sha256",
       [](Json& m) {
         std::string s = m["sha256"];
         for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
         m["sha256"] = s;
       },
       "sha256 is malformed"},
      {"rows not an object", [](Json& m) { m["rows"] = 3; }, "row counts are malformed"},
      {"rows for data not granted", [](Json& m) { m["rows"]["app_usage"] = 1; },
       "row counts are malformed"},
      {"a negative row count", [](Json& m) { m["rows"]["mood"] = -1; }, "row counts are malformed"},
      {"the count not advanced", [](Json& m) { m["exports"] = 1; }, "counted as export 1"},
      {"an unknown grant", [](Json& m) { m["grant"] = "gzzzzzz"; }, "which no earlier entry"},
      {"an extra member", [](Json& m) { m["note"] = "hi"; }, "unexpected member"},
  };
  for (const Forgery& forgery : forgeries) {
    INFO(forgery.what);
    Json m = next;
    forgery.change(m);
    VerifyReport r = f.verify_with(kind::kExportCreated, m);
    CHECK_FALSE(r.ok);
    CHECK(r.bad_seq == static_cast<std::int64_t>(f.entries().size()));
    CHECK_THAT(r.failure, Catch::Contains("consent violation") && Catch::Contains(forgery.failure));
  }
  for (const char* field : {"grant", "recipients", "purpose", "purpose_category", "categories",
                            "granularity", "rows", "sha256", "exports"}) {
    INFO("without " << field);
    Json m = next;
    m.erase(field);
    VerifyReport r = f.verify_with(kind::kExportCreated, m);
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.failure, Catch::Contains(std::string("it has no '") + field + "'"));
  }
  // After the grant's expiry, and over its limit.
  CHECK_THAT(f.verify_with(kind::kExportCreated, next, test::kNow + 86400).failure,
             Catch::Contains("after it expired"));
  Json fourth = next;
  fourth["exports"] = 4;
  std::vector<std::string> es = f.entries();
  for (int n = 2; n <= 3; ++n) {
    Json m = next;
    m["exports"] = n;
    es.push_back(
        make_entry(static_cast<std::int64_t>(es.size()), test::kNow + 20, kind::kExportCreated, m));
  }
  es.push_back(make_entry(static_cast<std::int64_t>(es.size()), test::kNow + 20,
                          kind::kExportCreated, fourth));
  AuditLog log = *f.v.audit();
  VerifyOptions o;
  o.key = log.verifier_key();
  Result<VerifyReport> over = verify_package(
      test::build_package(log.origin(), es, *f.v.device_key(DeviceKey::kAudit), log.verifier_key()),
      o);
  REQUIRE(over.is_ok());
  CHECK_THAT(over->failure, Catch::Contains("export 4 under grant") && Catch::Contains("allows 3"));
  // Receipts and refusals are checked too.
  CHECK_THAT(
      f.verify_with(kind::kReceiptIssued, {{"grant", f.grant.id}, {"receipt_id", "other"}}).failure,
      Catch::Contains("another receipt id"));
  CHECK_THAT(f.verify_with(kind::kExportRefused, {{"reason", "bored"}}).failure,
             Catch::Contains("export.refused entry is malformed"));
}

TEST_CASE("entry times never go back: the verifier fails, tend refuses to append",
          "[core][audit][clock]") {
  HolderFixture f;
  // An export dated before the entry before it, as with the clock set back to dodge an expiry.
  Json next = f.last_entry()["meta"];
  next["exports"] = 2;
  VerifyReport r = f.verify_with(kind::kExportCreated, next, test::kNow + 9);
  CHECK_FALSE(r.ok);
  CHECK(r.bad_seq == static_cast<std::int64_t>(f.entries().size()));
  CHECK_THAT(r.failure, Catch::Contains("is dated before entry"));
  CHECK(f.verify_with(kind::kExportCreated, next, test::kNow + 10).ok);  // the same second is fine

  // tend itself: the clock behind the log's last entry is an error, and nothing changes
  // (the shared-memory index is left out: readers write their marks there).
  auto files = [&] {
    auto fp = test::fingerprint(f.dir / "v");
    fp.erase("vault.db-shm");
    return fp;
  };
  const auto before = files();
  const std::size_t entries = f.entries().size();
  AuditLog log = *f.v.audit();
  Result<Grant> revoked = revoke_grant(f.v.db(), log, f.grant.id, std::nullopt, test::kNow + 9);
  REQUIRE_FALSE(revoked.is_ok());
  CHECK(revoked.status().kind() == ErrorKind::kClockBehind);
  CHECK_THAT(revoked.status().message(),
             Catch::Contains("earlier than the audit log's last entry"));
  CHECK_THAT(revoked.status().hint(), Catch::Contains("clock"));
  Result<ExportOutcome> exported = f.export_once(test::kNow - 3600);
  CHECK(exported.status().kind() == ErrorKind::kClockBehind);
  CHECK(f.entries().size() == entries);
  CHECK(get_grant(f.v.db(), f.grant.id)->exports == 1);
  CHECK(files() == before);
}

TEST_CASE("the verifier's edges: an empty package, a garbage verifier line",
          "[core][audit][tamper]") {
  HolderFixture f;
  AuditLog log = *f.v.audit();
  const std::string empty = "tend-audit-package v1\norigin " + log.origin() + "\nverifier " +
                            log.verifier_key() + "\nentries 0\ncheckpoints 0\nend\n";
  for (bool with_key : {true, false}) {
    VerifyOptions o;
    if (with_key) o.key = log.verifier_key();
    Result<VerifyReport> r = verify_package(empty, o);
    REQUIRE(r.is_ok());
    CHECK_FALSE(r->ok);
    CHECK_THAT(r->failure, Catch::Contains("no signed checkpoint"));
  }
  std::string garbage = *log.package();
  garbage.replace(garbage.find("verifier ") + 9, log.verifier_key().size(), "\x1b[2Jgarbage");
  VerifyOptions o;
  o.key = log.verifier_key();
  Result<VerifyReport> r = verify_package(garbage, o);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().kind() == ErrorKind::kInvalidInput);  // exit 65
  CHECK_THAT(r.status().message(), Catch::Contains("verifier line is not a verifier key"));
}
