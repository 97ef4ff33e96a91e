// The consent matrix: each case gives exactly the expected payload, or a
// refusal with its audit entry. Payloads are read back by decrypting the
// bundle with the recipient's identity.
#include <catch2/catch.hpp>

#include <map>
#include <utility>

#include <fmt/format.h>
#include <set>

#include "core/checkin.hpp"

#include "core/app_use.hpp"
#include "core/audit_package.hpp"
#include "core/bundle.hpp"
#include "core/export.hpp"
#include "core/mood.hpp"
#include "core/tar.hpp"
#include "crypto/age.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "tests/support.hpp"

using namespace tend;

namespace {

std::int64_t t(const char* iso) {
  Result<Instant> at = parse_when(iso, test::kNow, TimeRole::kRangeStart);
  REQUIRE(at.is_ok());
  return at->utc;
}

struct ConsentFixture {
  test::TempDir dir;
  CreatedVault created;
  Vault& v;
  crypto::AgeIdentity recipient = crypto::generate_age_identity();
  int files = 0;

  ConsentFixture() : created(test::make_vault(dir / "v")), v(created.vault) {
    struct M {
      const char* at;
      int score;
      const char* note;
      bool priv;
    };
    for (const M& m : std::initializer_list<M>{{"2026-11-15T23:59:59Z", 1, "just before", false},
                                               {"2026-11-16T00:00:00Z", 4, "edge-start", false},
                                               {"2026-11-16T12:00:00Z", 6, nullptr, false},
                                               {"2026-11-18T09:00:00Z", 10, "PRIVATE", true},
                                               {"2026-11-22T23:59:59Z", 7, "edge-end", false},
                                               {"2026-11-23T00:00:00Z", 2, "just after", false}}) {
      MoodEntry e;
      e.at = {t(m.at), 0};
      e.score = m.score;
      if (m.note != nullptr) e.note = m.note;
      e.is_private = m.priv;
      e.tags = {"t"};
      REQUIRE(validate_mood(e).is_ok());
      REQUIRE(add_mood(v.db(), e, test::kNow).is_ok());
    }
    struct A {
      const char* at;
      const char* app;
      std::int64_t secs;
    };
    for (const A& a : std::initializer_list<A>{{"2026-11-17T10:00:00Z", "Calm", 600},
                                               {"2026-11-17T20:00:00Z", "Calm", 1200},
                                               {"2026-11-19T07:00:00Z", "Headspace", 900},
                                               {"2026-11-24T07:00:00Z", "Calm", 300}}) {
      AppSession s;
      s.app = a.app;
      s.start = {t(a.at), 0};
      s.duration_s = a.secs;
      s.title = "a window title";
      REQUIRE(add_app_session(v.db(), s, test::kNow).is_ok());
    }
  }

  Grant grant(std::vector<Category> data, Granularity g = Granularity::kRaw,
              std::optional<std::int64_t> max = std::nullopt,
              std::int64_t expires = test::kNow + 86400) {
    Grant gr;
    gr.recipient = "Dr. Test";
    gr.recipient_keys = {crypto::format_age_recipient(recipient.public_key)};
    gr.purpose = "matrix";
    gr.purpose_category = PurposeCategory::kCare;
    gr.categories = std::move(data);
    gr.granularity = g;
    gr.from = t("2026-11-16T00:00:00Z");
    gr.until = t("2026-11-22T23:59:59Z");
    gr.expires = expires;
    gr.max_exports = max;
    AuditLog log = *v.audit();
    Result<Grant> made = add_grant(v.db(), log, gr, test::kNow);
    REQUIRE(made.is_ok());
    return *made;
  }

  // Exports and reads the payload back as the recipient would.
  Json export_payload(const Grant& g, std::int64_t now = test::kNow) {
    const std::string path = dir / ("bundle" + std::to_string(files++));
    Result<ExportOutcome> r = export_bundle(v, {g.id, path}, now);
    INFO(r.status().message());
    REQUIRE(r.is_ok());
    const std::string bundle = test::read_file(path);
    CHECK(crypto::to_hex(crypto::sha256(crypto::as_bytes(bundle))) == r->sha256);
    Result<crypto::SecretBytes> plain = crypto::age_decrypt(bundle, std::span(&recipient, 1));
    REQUIRE(plain.is_ok());
    Result<Json> j = parse_json(crypto::as_text(*plain), "payload");
    REQUIRE(j.is_ok());
    CHECK((*j)["audit_seq"] == r->audit_seq);
    CHECK(last_entry()["kind"] == "export.created");
    return *j;
  }

  // A refused export: the status, no file, and the export.refused entry.
  void expect_refusal(const std::string& id, const std::string& reason,
                      std::int64_t now = test::kNow) {
    const std::string path = dir / "refused";
    Result<ExportOutcome> r = export_bundle(v, {id, path}, now);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().kind() == ErrorKind::kConsentRefused);
    CHECK_THAT(r.status().message(), Catch::StartsWith("export refused: "));
    CHECK_FALSE(test::fingerprint(dir.path()).count("refused"));
    CHECK_FALSE(test::fingerprint(dir.path()).count("refused.minisig"));
    const Json e = last_entry();
    CHECK(e["kind"] == "export.refused");
    CHECK(e["meta"]["reason"] == reason);
  }

  Json last_entry() {
    AuditLog log = *v.audit();
    return *parse_json(log.entries(1)->back().bytes, "entry");
  }
};

// Rows without their pseudonymous ids (each checked to be one: 32 hex digits),
// and without the members named in `drop`, for comparing with expected rows.
Json without_ids(Json rows, std::initializer_list<const char*> drop = {}) {
  for (Json& r : rows) {
    CHECK(r["id"].get<std::string>().size() == 32);
    r.erase("id");
    for (const char* name : drop) r.erase(name);
  }
  return rows;
}

std::vector<int> scores(const Json& payload) {
  std::vector<int> out;
  for (const Json& r : payload["data"]["mood"]) out.push_back(r["score"]);
  return out;
}

}  // namespace

TEST_CASE("consent: no grant is refused and logged", "[core][consent]") {
  ConsentFixture f;
  f.expect_refusal("gzzzzzz", "no_grant");
}

TEST_CASE("consent: a revoked grant is refused and logged", "[core][consent]") {
  ConsentFixture f;
  Grant g = f.grant({Category::kMood});
  AuditLog log = *f.v.audit();
  REQUIRE(revoke_grant(f.v.db(), log, g.id, std::string("changed my mind"), test::kNow).is_ok());
  CHECK(f.last_entry()["meta"] == Json({{"grant", g.id}}));  // the reason stays in the vault
  f.expect_refusal(g.id, "revoked");
}

TEST_CASE("consent: an expired grant is refused and logged", "[core][consent]") {
  ConsentFixture f;
  Grant g = f.grant({Category::kMood}, Granularity::kRaw, std::nullopt, test::kNow + 100);
  f.expect_refusal(g.id, "expired", test::kNow + 100);
}

TEST_CASE("consent: a grant over its export limit is refused and logged", "[core][consent]") {
  ConsentFixture f;
  Grant g = f.grant({Category::kMood}, Granularity::kRaw, 1);
  f.export_payload(g);
  f.expect_refusal(g.id, "limit");
}

TEST_CASE(
    "consent: only granted categories leave, never private entries, titles, or notes without notes",
    "[core][consent]") {
  ConsentFixture f;
  Json mood_only = f.export_payload(f.grant({Category::kMood}));
  CHECK(mood_only["data"].size() == 1);
  CHECK(mood_only["rows"] == Json({{"mood", 3}}));
  CHECK(scores(mood_only) == std::vector<int>{4, 6, 7});  // the private 10 never
  for (const Json& r : mood_only["data"]["mood"]) CHECK_FALSE(r.contains("note"));
  CHECK(mood_only.dump().find("PRIVATE") == std::string::npos);

  Json with_notes = f.export_payload(f.grant({Category::kMood, Category::kNotes}));
  CHECK(with_notes["data"]["mood"][0]["note"] == "edge-start");
  CHECK(with_notes["data"]["mood"][1]["note"].is_null());
  CHECK(with_notes.dump().find("PRIVATE") == std::string::npos);

  Json apps = f.export_payload(f.grant({Category::kAppUsage}));
  CHECK(apps["data"].size() == 1);
  REQUIRE(apps["data"]["app_usage"].size() == 3);
  CHECK(without_ids(apps["data"]["app_usage"])[0] ==
        Json({{"start", "2026-11-17T10:00:00+00:00"},
              {"start_unix", t("2026-11-17T10:00:00Z")},
              {"edited", nullptr},
              {"edited_unix", nullptr},
              {"app", "Calm"},
              {"category", nullptr},
              {"feature", nullptr},
              {"duration_s", 600}}));
  CHECK(apps.dump().find("window title") == std::string::npos);
}

TEST_CASE("consent: rows just inside the window leave, rows just outside do not",
          "[core][consent]") {
  ConsentFixture f;
  Json p = f.export_payload(f.grant({Category::kMood, Category::kNotes}));
  std::vector<std::string> at;
  for (const Json& r : p["data"]["mood"]) at.push_back(r["at"]);
  CHECK(at == std::vector<std::string>{"2026-11-16T00:00:00+00:00", "2026-11-16T12:00:00+00:00",
                                       "2026-11-22T23:59:59+00:00"});
  CHECK(p.dump().find("just before") == std::string::npos);
  CHECK(p.dump().find("just after") == std::string::npos);
}

TEST_CASE("consent: daily and weekly granularity export aggregates, never rows",
          "[core][consent]") {
  ConsentFixture f;
  Json daily =
      f.export_payload(f.grant({Category::kMood, Category::kAppUsage}, Granularity::kDaily));
  CHECK(without_ids(daily["data"]["mood"]) ==
        Json::parse(R"([{"date":"2026-11-16","count":2,"mean":5.0,"min":4,"max":6},
                        {"date":"2026-11-22","count":1,"mean":7.0,"min":7,"max":7}])"));
  CHECK(without_ids(daily["data"]["app_usage"]) ==
        Json::parse(R"([{"date":"2026-11-17","app":"Calm","sessions":2,"minutes":30},
                        {"date":"2026-11-19","app":"Headspace","sessions":1,"minutes":15}])"));
  Json weekly =
      f.export_payload(f.grant({Category::kMood, Category::kAppUsage}, Granularity::kWeekly));
  CHECK(without_ids(weekly["data"]["mood"]) ==
        Json::parse(R"([{"week":"2026-W47","count":3,"mean":5.67,"min":4,"max":7}])"));
  CHECK(without_ids(weekly["data"]["app_usage"]) ==
        Json::parse(R"([{"week":"2026-W47","app":"Calm","sessions":2,"minutes":30},
                        {"week":"2026-W47","app":"Headspace","sessions":1,"minutes":15}])"));
  CHECK(weekly.dump().find("\"at\"") == std::string::npos);
}

TEST_CASE("consent: alliance check-ins leave under the grant's rules, private ones never",
          "[core][consent]") {
  ConsentFixture f;
  const auto checkin = [&](const char* at, std::optional<std::string> app, std::vector<int> answers,
                           bool priv) {
    CheckinAdd a;
    a.instrument = tend_reflection();
    a.app = std::move(app);
    a.answers = std::move(answers);
    a.at = {t(at), 0};
    a.is_private = priv;
    REQUIRE(checkin_add(f.v, a, test::kNow).is_ok());
  };
  checkin("2026-11-15T10:00:00Z", "Calm", {4, 4, 4, 4, 4}, false);        // before the window
  checkin("2026-11-17T10:00:00Z", "Calm", {3, 4, 2, 4, 3}, false);        // 16
  checkin("2026-11-18T10:00:00Z", "Calm", {1, 1, 1, 1, 1}, true);         // private
  checkin("2026-11-19T10:00:00Z", "Calm", {2, 2, 2, 2, 3}, false);        // 11
  checkin("2026-11-20T10:00:00Z", std::nullopt, {4, 3, 4, 3, 4}, false);  // 18, about tend

  // Without the category, none; mood alone carries no check-in.
  CHECK(f.export_payload(f.grant({Category::kMood}))["data"].count("alliance") == 0);
  Json raw = f.export_payload(f.grant({Category::kAlliance}));
  const Json& rows = raw["data"]["alliance"];
  REQUIRE(rows.size() == 3);
  CHECK(rows[0]["at"] == "2026-11-17T10:00:00+00:00");
  CHECK(rows[0]["about"] == "Calm");
  CHECK(rows[0]["instrument"] == "tend-reflection");
  CHECK(rows[0]["instrument_sha256"] == tend_reflection().sha256);
  CHECK(rows[0]["answers"] == Json::parse("[3,4,2,4,3]"));
  CHECK(rows[0]["score"] == 16.0);
  CHECK(rows[0]["score_max"] == 20.0);
  CHECK_THAT(rows[0]["instrument_note"].get<std::string>(),
             Catch::Contains("not a validated clinical instrument"));
  CHECK(rows[2]["about"] == "tend");
  CHECK(raw["rows"]["alliance"] == 3);
  // Weekly: Calm's two shared check-ins in W47, mean (16 + 11) / 2 = 13.5; tend's one, 18.
  Json weekly = f.export_payload(f.grant({Category::kAlliance}, Granularity::kWeekly));
  const std::string expected = R"([
      {"week":"2026-W47","about":"Calm","instrument":"tend-reflection","instrument_version":"1",
       "instrument_sha256":"SHA","count":2,"mean_score":13.5,"score_min":0.0,"score_max":20.0,"instrument_note":
       "tend's own reflection on the five alliance qualities; not a validated clinical instrument"},
      {"week":"2026-W47","about":"tend","instrument":"tend-reflection","instrument_version":"1",
       "instrument_sha256":"SHA","count":1,"mean_score":18.0,"score_min":0.0,"score_max":20.0,"instrument_note":
       "tend's own reflection on the five alliance qualities; not a validated clinical instrument"}
  ])";
  std::string with_hash = expected;
  for (std::size_t at = with_hash.find("SHA"); at != std::string::npos;
       at = with_hash.find("SHA")) {
    with_hash.replace(at, 3, tend_reflection().sha256);
  }
  CHECK(without_ids(weekly["data"]["alliance"]) == Json::parse(with_hash));
  CHECK(weekly.dump().find("answers") == std::string::npos);
}

TEST_CASE("consent: grants are validated", "[core][consent]") {
  ConsentFixture f;
  auto bad = [&](auto change, const char* why) {
    Grant g;
    g.recipient = "R";
    g.recipient_keys = {crypto::format_age_recipient(f.recipient.public_key)};
    g.purpose = "p";
    g.purpose_category = PurposeCategory::kCare;
    g.categories = {Category::kMood};
    g.expires = test::kNow + 10;
    change(g);
    Status s = validate_grant(g, test::kNow);
    INFO(why);
    CHECK(s.kind() == ErrorKind::kUsage);
    CHECK_THAT(s.message(), Catch::Contains(why));
  };
  bad([](Grant& g) { g.recipient_keys = {"age1notakey"}; }, "not an age X25519 recipient");
  bad([](Grant& g) { g.recipient_keys.clear(); }, "at least one");
  bad([](Grant& g) { g.categories = {}; }, "a grant needs --data");
  bad([](Grant& g) { g.categories = {Category::kNotes}; }, "add mood");
  bad(
      [](Grant& g) {
        g.categories = {Category::kMood, Category::kNotes};
        g.granularity = Granularity::kDaily;
      },
      "raw granularity");
  bad([](Grant& g) { g.expires = test::kNow; }, "expire before it starts");
  bad(
      [](Grant& g) {
        g.from = 10;
        g.until = 5;
      },
      "ends before it starts");
  bad([](Grant& g) { g.purpose = ""; }, "--purpose");
}

TEST_CASE("audit replay: a forged export under a revoked grant fails verification",
          "[core][consent][audit]") {
  ConsentFixture f;
  Grant g = f.grant({Category::kMood});
  f.export_payload(g);
  AuditLog log = *f.v.audit();
  REQUIRE(revoke_grant(f.v.db(), log, g.id, std::nullopt, test::kNow + 10).is_ok());
  const crypto::KeyPair key = *f.v.device_key(DeviceKey::kAudit);
  std::vector<std::string> entries;
  for (const AuditEntry& e : *log.entries(std::nullopt)) entries.push_back(e.bytes);
  VerifyOptions o;
  o.key = log.verifier_key();
  REQUIRE(verify_package(*log.package(), o)->ok);

  // Someone with the device key appends an export under the revoked grant and re-signs.
  const Json real_export = *parse_json(entries[entries.size() - 2], "entry");
  REQUIRE(real_export["kind"] == "export.created");
  std::vector<std::string> forged = entries;
  forged.push_back(make_entry(static_cast<std::int64_t>(entries.size()), test::kNow + 20,
                              kind::kExportCreated, real_export["meta"]));
  Result<VerifyReport> r =
      verify_package(test::build_package(log.origin(), forged, key, log.verifier_key()), o);
  REQUIRE(r.is_ok());
  CHECK_FALSE(r->ok);
  CHECK(r->bad_seq == static_cast<std::int64_t>(entries.size()));
  CHECK_THAT(r->failure,
             Catch::Contains("consent violation") && Catch::Contains("was revoked at seq"));

  // Other forgeries replay as violations too.
  auto forge = [&](const Json& meta) {
    std::vector<std::string> es(entries.begin(), entries.end() - 1);  // before the revocation
    es.push_back(make_entry(static_cast<std::int64_t>(es.size()), test::kNow + 5,
                            kind::kExportCreated, meta));
    Result<VerifyReport> v =
        verify_package(test::build_package(log.origin(), es, key, log.verifier_key()), o);
    REQUIRE(v.is_ok());
    return *v;
  };
  Json wider = real_export["meta"];
  wider["categories"] = {"mood", "notes"};
  CHECK_THAT(forge(wider).failure, Catch::Contains("does not cover"));
  Json unknown = real_export["meta"];
  unknown["grant"] = "gzzzzzz";
  CHECK_THAT(forge(unknown).failure, Catch::Contains("which no earlier entry created"));
  Json daily = real_export["meta"];
  daily["granularity"] = "daily";
  CHECK_THAT(forge(daily).failure, Catch::Contains("granularity"));
  Json outside = real_export["meta"];
  outside.erase("from");
  CHECK_THAT(forge(outside).failure, Catch::Contains("data window"));
}

TEST_CASE("audit replay: exports over a grant's limit fail verification",
          "[core][consent][audit]") {
  ConsentFixture f;
  Grant g = f.grant({Category::kMood}, Granularity::kRaw, 1);
  f.export_payload(g);
  AuditLog log = *f.v.audit();
  std::vector<std::string> entries;
  for (const AuditEntry& e : *log.entries(std::nullopt)) entries.push_back(e.bytes);
  const Json meta = (*parse_json(entries.back(), "entry"))["meta"];
  entries.push_back(make_entry(static_cast<std::int64_t>(entries.size()), test::kNow + 1,
                               kind::kExportCreated, meta));
  VerifyOptions o;
  o.key = log.verifier_key();
  Result<VerifyReport> r =
      verify_package(test::build_package(log.origin(), entries, *f.v.device_key(DeviceKey::kAudit),
                                         log.verifier_key()),
                     o);
  REQUIRE(r.is_ok());
  CHECK_FALSE(r->ok);
  CHECK_THAT(r->failure,
             Catch::Contains("export 2 under grant") && Catch::Contains("which allows 1"));
}

TEST_CASE("export v2: a row keeps its id across exports under one grant, and not across grants",
          "[core][consent][export_v2]") {
  ConsentFixture f;
  auto ids_by_at = [](const Json& payload, const char* category, const char* time) {
    std::map<std::string, std::string> out;
    for (const Json& r : payload["data"][category]) {
      const std::string id = r["id"];
      CHECK(id.size() == 32);
      CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
      out[r[time]] = id;
    }
    return out;
  };
  const Grant a = f.grant({Category::kMood, Category::kAppUsage});
  const Grant b = f.grant({Category::kMood, Category::kAppUsage});
  const Json a1 = f.export_payload(a);
  CHECK(a1["version"] == 2);

  // A correction between two exports: the row keeps its id and says when it was edited.
  MoodEntry e = *get_mood(f.v.db(), 3);
  REQUIRE(e.score == 6);
  e.score = 5;
  AuditLog log = *f.v.audit();
  REQUIRE(update_mood(f.v.db(), log, e, test::kNow + 60).is_ok());
  const Json a2 = f.export_payload(a, test::kNow + 120);
  const Json b1 = f.export_payload(b, test::kNow + 180);

  for (const char* category : {"mood", "app_usage"}) {
    const char* time = std::string(category) == "mood" ? "at" : "start";
    const auto first = ids_by_at(a1, category, time);
    const auto again = ids_by_at(a2, category, time);
    const auto other = ids_by_at(b1, category, time);
    INFO(category);
    REQUIRE(first.size() >= 3);
    CHECK(first == again);
    std::set<std::string> seen;
    for (const auto& [at, id] : first) seen.insert(id);
    CHECK(seen.size() == first.size());  // distinct rows, distinct ids
    for (const auto& [at, id] : other) CHECK(seen.count(id) == 0);
  }
  int edited = 0;
  for (const Json& r : a2["data"]["mood"]) {
    CHECK(r["at_unix"].is_number_integer());
    if (r["edited"].is_null()) {
      CHECK(r["edited_unix"].is_null());
      continue;
    }
    ++edited;
    CHECK(r["score"] == 5);
    CHECK(r["edited_unix"] == test::kNow + 60);
    CHECK(r["id"] == ids_by_at(a1, "mood", "at").at(r["at"]));
  }
  CHECK(edited == 1);
  for (const Json& r : a1["data"]["mood"]) CHECK(r["edited"].is_null());

  // The grant as `grant show --json` names it, times in RFC 3339 and unix seconds.
  const Json& g = a2["grant"];
  CHECK(g["id"] == a.id);
  CHECK(g["receipt_id"] == a.receipt_id);
  CHECK(g["recipient_keys"] == Json(a.recipient_keys));
  CHECK(g["from_unix"] == *a.from);
  CHECK(g["from"].get<std::string>().size() == 25);
  CHECK_FALSE(g.contains("grant"));
  CHECK_FALSE(g.contains("state"));
  CHECK_FALSE(a2.contains("receipt_id"));  // one place: the grant's
  CHECK(a2["exported_at_unix"] == test::kNow + 120);
}

TEST_CASE("export v2: aggregate rows have ids too, stable under one grant",
          "[core][consent][export_v2]") {
  ConsentFixture f;
  const Grant a = f.grant({Category::kMood, Category::kAppUsage}, Granularity::kDaily);
  const Json one = f.export_payload(a);
  const Json two = f.export_payload(a, test::kNow + 60);
  CHECK(one["data"] == two["data"]);
  std::set<std::string> ids;
  for (const char* c : {"mood", "app_usage"}) {
    for (const Json& r : one["data"][c]) ids.insert(r["id"].get<std::string>());
  }
  CHECK(ids.size() == one["data"]["mood"].size() + one["data"]["app_usage"].size());
}

TEST_CASE("bundle open refuses an archive that is not exactly a CSV export's",
          "[core][consent][export_v2]") {
  test::TempDir dir;
  const crypto::AgeIdentity id = crypto::generate_age_identity();
  test::write_file(dir / "key.txt", crypto::format_age_identity(id) + "\n");
  auto open = [&](const std::string& payload) {
    std::string file;
    const crypto::X25519Key to[] = {id.public_key};
    crypto::AgeWriter w(to, [&](std::span<const std::uint8_t> b) {
      file.append(reinterpret_cast<const char*>(b.data()), b.size());
      return Status::ok();
    });
    REQUIRE(w.write(payload).is_ok());
    REQUIRE(w.finish().is_ok());
    test::write_file(dir / "b.age", file);
    return bundle_open({dir / "b.age", dir / "key.txt", std::nullopt});
  };
  const std::string manifest = R"({"format":"tend-export","version":2,"rows":{"mood":0}})";
  const std::string csv = "id,at\r\n";
  auto member = [](const std::string& name, const std::string& data) {
    return tar::header(name, data.size(), 1795000000) + data + tar::padding(data.size());
  };
  const std::string good = member("export.json", manifest) + member("mood.csv", csv) + tar::end();
  Result<OpenedBundle> ok = open(good);
  INFO(ok.status().message());
  REQUIRE(ok.is_ok());
  CHECK(ok->tar);
  CHECK(ok->export_version == 2);

  auto with_type = [&](char type) {
    std::string h = tar::header("mood.csv", 0, 0);
    h[156] = type;
    unsigned sum = 0;
    for (std::size_t i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : (unsigned char)h[i];
    const std::string chk = fmt::format("{:06o}", sum);
    std::copy(chk.begin(), chk.end(), h.begin() + 148);
    return member("export.json", manifest) + h + tar::end();
  };
  std::string bad_sum = good;
  bad_sum[10] = 'x';  // the name changes, the checksum does not
  std::string escapes = std::string(1024, '\x1b');
  escapes.replace(257, 6, std::string("ustar\0", 6));
  const std::pair<const char*, std::string> cases[] = {
      {"a symlink", with_type('2')},
      {"a directory", with_type('5')},
      {"a path outside", member("export.json", manifest) + member("../mood.csv", csv) + tar::end()},
      {"an unknown name", member("export.json", manifest) + member("evil.sh", csv) + tar::end()},
      {"a name twice", member("export.json", manifest) + member("mood.csv", csv) +
                           member("mood.csv", csv) + tar::end()},
      {"export.json not first",
       member("mood.csv", csv) + member("export.json", manifest) + tar::end()},
      {"a bad checksum", bad_sum},
      {"bytes after the end", good + std::string(512, 'x')},
      {"no end", member("export.json", manifest) + member("mood.csv", csv)},
      {"a later version inside",
       member("export.json", R"({"format":"tend-export","version":3})") + tar::end()},
      {"not a tend export inside", member("export.json", R"({"a":1})") + tar::end()},
      {"escapes with the magic", escapes},
  };
  for (const auto& [what, payload] : cases) {
    INFO(what);
    Result<OpenedBundle> r = open(payload);
    CHECK_FALSE(r.is_ok());
  }
}
