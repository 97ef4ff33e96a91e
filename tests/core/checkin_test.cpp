// Check-ins: tend's reflection, instruments from files (validated strictly),
// scoring, storage.
#include <catch2/catch.hpp>

#include "core/checkin.hpp"
#include "core/json.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "tests/support.hpp"

using namespace tend;

namespace {

// A synthetic six-item questionnaire in the documented format (its wording is
// made up for the test, like any instrument a clinician would supply).
Json six_items() {
  Json items = Json::array();
  for (int i = 1; i <= 6; ++i) {
    items.push_back({{"id", "q" + std::to_string(i)},
                     {"text", "Synthetic statement " + std::to_string(i) + " about {app}."}});
  }
  items[5]["reverse"] = true;
  return {{"format", "tend-instrument/1"},
          {"id", "test-six"},
          {"version", "2.1"},
          {"title", "A synthetic six-item test questionnaire"},
          {"licence", "Synthetic; for tests only."},
          {"scale", Json::array({{{"value", 0}, {"label", "Never"}},
                                 {{"value", 1}, {"label", "Rarely"}},
                                 {{"value", 2}, {"label", "Sometimes"}},
                                 {{"value", 3}, {"label", "Often"}},
                                 {{"value", 4}, {"label", "Always"}}})},
          {"items", items},
          {"score", {{"method", "sum"}, {"min", 0}, {"max", 24}}}};
}

Status parse_with(const std::function<void(Json&)>& change) {
  Json j = six_items();
  change(j);
  return parse_instrument(j.dump()).status();
}

}  // namespace

TEST_CASE("tend's reflection: five qualities, 0 to 4, scored 0 to 20", "[core][checkin]") {
  const Instrument& r = tend_reflection();
  REQUIRE(r.items.size() == 5);
  CHECK(r.id == "tend-reflection");
  CHECK(r.builtin);
  CHECK(r.scale.size() == 5);
  CHECK(r.scale.front().label == "Strongly disagree");
  CHECK(r.scale.back().label == "Strongly agree");
  CHECK(r.score_min == 0);
  CHECK(r.score_max == 20);
  CHECK_THAT(r.note, Catch::Contains("not a validated clinical instrument"));
  CHECK(r.items[0].id == "flexibility");
  CHECK(r.items[4].id == "goals");
  CHECK(item_text(r, 3, "Headspace") == "I trust Headspace enough to be open with it.");
  // The stored hash is of the definition's exact bytes.
  CHECK(r.sha256 == crypto::to_hex(crypto::sha256(crypto::as_bytes(r.definition))));
  CHECK(instrument_score(r, {3, 4, 2, 4, 3}) == Approx(16));
}

TEST_CASE("an instrument file: read strictly, scored with reversed items", "[core][checkin]") {
  Result<Instrument> in = parse_instrument(six_items().dump());
  INFO(in.status().message());
  REQUIRE(in.is_ok());
  CHECK(in->id == "test-six");
  CHECK(in->version == "2.1");
  CHECK(in->items.size() == 6);
  CHECK(in->items[5].reverse);
  // 1+2+3+4+0 + reversed 0 (4 - 0 = 4) = 14.
  CHECK(instrument_score(*in, {1, 2, 3, 4, 0, 0}) == Approx(14));
  CHECK(on_scale(*in, 4));
  CHECK_FALSE(on_scale(*in, 5));
  // "license" is read as well; the mean method and its range.
  Json mean = six_items();
  mean.erase("licence");
  mean["license"] = "Synthetic.";
  mean["score"] = {{"method", "mean"}, {"min", 0}, {"max", 4}};
  Result<Instrument> m = parse_instrument(mean.dump());
  REQUIRE(m.is_ok());
  CHECK(instrument_score(*m, {4, 4, 4, 4, 4, 4}) == Approx(20.0 / 6));  // 4*5 + (4-4)
}

TEST_CASE("a malformed instrument file is refused with what is wrong", "[core][checkin]") {
  const std::vector<std::pair<std::function<void(Json&)>, const char*>> cases = {
      {[](Json& j) { j["format"] = "other/1"; }, "format"},
      {[](Json& j) { j.erase("id"); }, "id is missing"},
      {[](Json& j) { j["id"] = "Has Spaces"; }, "id must be"},
      {[](Json& j) { j["id"] = "tend-reflection"; }, "tend's own"},
      {[](Json& j) { j["version"] = 2; }, "version is not a string"},
      {[](Json& j) { j.erase("licence"); }, "licence is missing"},
      {[](Json& j) { j["license"] = "x"; }, "both licence and license"},
      {[](Json& j) { j["extra"] = 1; }, "unknown field"},
      {[](Json& j) { j["items"] = Json::array(); }, "items must have"},
      {[](Json& j) { j["items"][0]["text"] = ""; }, "items[0].text"},
      {[](Json& j) { j["items"][1]["id"] = "q1"; }, "items[1].id is repeated"},
      {[](Json& j) { j["items"][0]["reverse"] = "yes"; }, "reverse"},
      {[](Json& j) { j["items"][0]["weight"] = 2; }, "unknown field"},
      {[](Json& j) {
         j["scale"] = Json::array({{{"value", 0}, {"label", "x"}}});
       },
       "2 to 11"},
      {[](Json& j) { j["scale"][1]["value"] = 0; }, "scale[1].value is repeated"},
      {[](Json& j) { j["scale"][1]["value"] = 1.5; }, "whole number"},
      {[](Json& j) { j["scale"][1]["label"] = "a\x1b[31m"; }, "scale[1].label"},
      {[](Json& j) { j["score"]["method"] = "median"; }, "sum\" or \"mean"},
      {[](Json& j) { j["score"]["max"] = 30; }, "score range 0..30 is not the sum of 6 items"},
      {[](Json& j) { j.erase("score"); }, "score is missing"},
  };
  for (const auto& [change, why] : cases) {
    INFO(why);
    Status s = parse_with(change);
    REQUIRE_FALSE(s.is_ok());
    CHECK(s.kind() == ErrorKind::kInvalidInput);
    CHECK_THAT(s.message(), Catch::Contains(why));
  }
  // A huge number must not wrap into the scale's range; a key given twice is refused.
  std::string huge = six_items().dump();
  const std::string zero = "\"value\":0";
  REQUIRE(huge.find(zero) != std::string::npos);
  huge.replace(huge.find(zero), zero.size(), "\"value\":18446744073709551615");
  CHECK_THAT(parse_instrument(huge).status().message(), Catch::Contains("outside -100..100"));
  std::string twice = six_items().dump();
  twice.insert(1, "\"id\":\"first\",");
  CHECK_THAT(parse_instrument(twice).status().message(), Catch::Contains("given twice"));
  CHECK_FALSE(parse_instrument("{").is_ok());
  CHECK_FALSE(parse_instrument("[]").is_ok());
  CHECK_FALSE(parse_instrument(std::string(kMaxInstrumentBytes + 1, ' ')).is_ok());
}

TEST_CASE("check-ins are stored with the instrument's id, version and hash", "[core][checkin]") {
  test::TempDir dir;
  CreatedVault created = test::make_vault(dir / "v");
  Vault& v = created.vault;
  CheckinAdd a;
  a.instrument = *parse_instrument(six_items().dump());
  a.app = "Headspace";
  a.answers = {1, 2, 3, 4, 0, 0};
  a.at = {test::kNow - 3600, 0};
  Result<Checkin> c = checkin_add(v, a, test::kNow);
  REQUIRE(c.is_ok());
  CHECK(c->score == Approx(14));

  CheckinAdd b;
  b.instrument = tend_reflection();
  b.at = {test::kNow, 0};
  b.is_private = true;
  int asked = 0;
  b.ask = [&](const Instrument& in, const std::string& about) -> Result<std::vector<int>> {
    ++asked;
    CHECK(about == "tend");
    return std::vector<int>(in.items.size(), 2);
  };
  REQUIRE(checkin_add(v, b, test::kNow).is_ok());
  CHECK(asked == 1);

  // An answer set that does not fit is refused, and nothing is stored.
  CheckinAdd bad = a;
  bad.answers = {1, 2, 3};
  CHECK(checkin_add(v, bad, test::kNow).status().kind() == ErrorKind::kUsage);
  bad.answers = {1, 2, 3, 4, 0, 9};
  CHECK(checkin_add(v, bad, test::kNow).status().kind() == ErrorKind::kUsage);
  CheckinAdd interrupted = b;
  interrupted.ask = [](const Instrument&, const std::string&) -> Result<std::vector<int>> {
    return io_error("interrupted");
  };
  CHECK_FALSE(checkin_add(v, interrupted, test::kNow).is_ok());

  Result<std::vector<Checkin>> all = list_checkins(v.db(), {});
  REQUIRE(all.is_ok());
  REQUIRE(all->size() == 2);
  const Checkin& first = (*all)[0];
  CHECK(first.app == std::optional<std::string>("Headspace"));
  CHECK(first.instrument_id == "test-six");
  CHECK(first.instrument_version == "2.1");
  CHECK(first.instrument_sha256 ==
        crypto::to_hex(crypto::sha256(crypto::as_bytes(six_items().dump()))));
  CHECK(first.answers == std::vector<int>{1, 2, 3, 4, 0, 0});
  CHECK(first.score_max == 24);
  CHECK((*all)[1].is_private);
  CHECK((*all)[1].score == Approx(10));
  CheckinQuery about;
  about.app = "HEADSPACE";
  CHECK(list_checkins(v.db(), about)->size() == 1);
  about.app = "tend";
  CHECK(list_checkins(v.db(), about)->size() == 1);
}
