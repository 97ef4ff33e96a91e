#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "core/app_use.hpp"
#include "core/mood.hpp"
#include "core/text.hpp"
#include "tests/support.hpp"

using namespace tend;

namespace {

template <typename Q, typename F>
Q with(F set) {
  Q q;
  set(q);
  return q;
}

MoodEntry mood(int score, std::int64_t at, std::vector<std::string> tags = {},
               std::optional<std::string> note = std::nullopt) {
  MoodEntry e;
  e.score = score;
  e.at = {at, 0};
  e.tags = std::move(tags);
  e.note = std::move(note);
  return e;
}

}  // namespace

TEST_CASE("mood entries are validated", "[core][mood]") {
  struct Case {
    MoodEntry e;
    bool ok;
  };
  auto with = [](auto change) {
    MoodEntry e = mood(5, test::kNow);
    change(e);
    return e;
  };
  std::vector<Case> cases = {
      {mood(1, 0), true},
      {mood(10, 0), true},
      {mood(0, 0), false},
      {mood(11, 0), false},
      {with([](MoodEntry& e) { e.energy = 0; }), false},
      {with([](MoodEntry& e) { e.energy = 10; }), true},
      {with([](MoodEntry& e) { e.tags = {"a,b"}; }), false},
      {with([](MoodEntry& e) { e.tags = {"two words"}; }), false},
      {with([](MoodEntry& e) { e.tags = {""}; }), false},
      {with([](MoodEntry& e) { e.tags = {std::string(41, 'x')}; }), false},
      {with([](MoodEntry& e) {
         e.tags = {"schlaf", "müde"};
       }),
       true},
      {with([](MoodEntry& e) { e.note = std::string(64 * 1024, 'x'); }), true},
      {with([](MoodEntry& e) { e.note = std::string(64 * 1024 + 1, 'x'); }), false},
      {with([](MoodEntry& e) { e.note = "line one\nline two\ttab"; }), true},
      {with([](MoodEntry& e) { e.note = std::string("nul\0byte", 8); }), false},
      {with([](MoodEntry& e) { e.note = "\xff\xfe"; }), false},
      {with([](MoodEntry& e) { e.note = "\xc0\xaf"; }), false},  // overlong '/'
      {with([](MoodEntry& e) { e.note = "\xe2\x82"; }), false},  // truncated
  };
  for (Case& c : cases) {
    CHECK(validate_mood(c.e).is_ok() == c.ok);
  }
  std::vector<std::string> many;
  for (int i = 0; i < 17; ++i) many.push_back(fmt::format("t{}", i));
  MoodEntry too_many = mood(5, 0, many);
  CHECK_FALSE(validate_mood(too_many).is_ok());
  MoodEntry tags = mood(5, 0, {"Work", "sleep", "work"});
  REQUIRE(validate_mood(tags).is_ok());
  CHECK(tags.tags == std::vector<std::string>{"sleep", "work"});
}

TEST_CASE("mood entries are added, filtered, edited and deleted", "[core][mood]") {
  test::TempDir dir;
  CreatedVault v = test::make_vault(dir / "v");
  Db& db = v.vault.db();
  const std::int64_t day = 86400;
  std::vector<MoodEntry> entries = {
      mood(3, test::kNow - 3 * day, {"work"}, "Deadline stress"),
      mood(6, test::kNow - 2 * day, {"sleep"}, "slept WELL"),
      mood(8, test::kNow - day, {"work", "sleep"}),
      mood(5, test::kNow),
  };
  entries[3].is_private = true;
  std::vector<std::int64_t> ids;
  for (MoodEntry& e : entries) {
    REQUIRE(validate_mood(e).is_ok());
    ids.push_back(*add_mood(db, e, test::kNow));
  }
  CHECK(ids == std::vector<std::int64_t>{1, 2, 3, 4});

  auto scores = [&](MoodQuery q) {
    std::vector<int> out;
    for (const MoodEntry& e : *list_mood(db, q)) out.push_back(e.score);
    return out;
  };
  CHECK(scores({}) == std::vector<int>{3, 6, 8, 5});
  CHECK(scores(with<MoodQuery>([&](auto& q) { q.from = test::kNow - 2 * day; })) ==
        std::vector<int>{6, 8, 5});
  CHECK(scores(with<MoodQuery>([&](auto& q) { q.until = test::kNow - 2 * day; })) ==
        std::vector<int>{3, 6});
  CHECK(scores(with<MoodQuery>([&](auto& q) { q.all_tags = {"work"}; })) == std::vector<int>{3, 8});
  CHECK(scores(with<MoodQuery>([&](auto& q) { q.contains = {"well"}; })) == std::vector<int>{6});
  CHECK(scores(with<MoodQuery>([&](auto& q) { q.limit = 2; })) == std::vector<int>{8, 5});
  CHECK(list_mood(db, {})->back().is_private);

  AuditLog audit = *v.vault.audit();
  const std::size_t logged = audit.entries(std::nullopt)->size();
  MoodEntry e = *get_mood(db, 2);
  e.score = 7;
  e.tags = {"rest"};
  e.note.reset();
  REQUIRE(update_mood(db, audit, e, test::kNow).is_ok());
  MoodEntry back = *get_mood(db, 2);
  CHECK(back.score == 7);
  CHECK(back.tags == std::vector<std::string>{"rest"});
  CHECK_FALSE(back.note.has_value());
  CHECK(audit.entries(std::nullopt)->size() == logged);  // an edit is not logged...

  // ...but a private entry made shareable is: that it happened, never which or what.
  MoodEntry made_public = *get_mood(db, 4);
  made_public.is_private = false;
  REQUIRE(update_mood(db, audit, made_public, test::kNow).is_ok());
  CHECK(audit.entries(1)->back().bytes == make_entry(static_cast<std::int64_t>(logged), test::kNow,
                                                     kind::kEntriesShared,
                                                     {{"count", 1}, {"type", "mood"}}));
  made_public.is_private = true;  // and back: taking sharing away is not logged
  REQUIRE(update_mood(db, audit, made_public, test::kNow).is_ok());
  CHECK(audit.entries(std::nullopt)->size() == logged + 1);
  REQUIRE(remove_mood(db, audit, 1, test::kNow).is_ok());
  Status again = remove_mood(db, audit, 1, test::kNow);
  CHECK(again.kind() == ErrorKind::kNotFound);
  CHECK(get_mood(db, 99).status().kind() == ErrorKind::kNotFound);
  // Ids are never reused.
  MoodEntry next = mood(4, test::kNow);
  CHECK(*add_mood(db, next, test::kNow) == 5);

  Result<MoodSummary> sum = summarize_mood(db, test::kNow);
  REQUIRE(sum.is_ok());
  CHECK(sum->count == 4);
  CHECK(sum->private_count == 1);  // entry 4, private again
  CHECK(sum->streak_days == 3);    // today, yesterday, the day before
}

TEST_CASE("the streak counts consecutive days ending today or yesterday", "[core][mood]") {
  test::TempDir dir;
  CreatedVault v = test::make_vault(dir / "v");
  const std::int64_t day = 86400;
  auto streak = [&] { return summarize_mood(v.vault.db(), test::kNow)->streak_days; };
  CHECK(streak() == 0);
  for (std::int64_t d : {5, 4, 2, 1}) {
    MoodEntry e = mood(5, test::kNow - d * day);
    REQUIRE(add_mood(v.vault.db(), e, test::kNow).is_ok());
  }
  CHECK(streak() == 2);  // yesterday and the day before; a gap at day -3
  MoodEntry today = mood(5, test::kNow);
  REQUIRE(add_mood(v.vault.db(), today, test::kNow).is_ok());
  CHECK(streak() == 3);
}

TEST_CASE("app sessions are validated, listed and deleted", "[core][app]") {
  test::TempDir dir;
  CreatedVault v = test::make_vault(dir / "v");
  Db& db = v.vault.db();
  AppSession s;
  s.app = "Headspace";
  s.duration_s = 900;
  s.start = {test::kNow - 3600, 0};
  s.feature = "meditation";
  REQUIRE(validate_app_session(s).is_ok());
  REQUIRE(add_app_session(db, s, test::kNow).is_ok());
  s.app = "Calm";
  s.duration_s = 60;
  s.start = {test::kNow - 86400, 0};
  REQUIRE(add_app_session(db, s, test::kNow).is_ok());

  AppSession bad = s;
  bad.duration_s = 0;
  CHECK_FALSE(validate_app_session(bad).is_ok());
  bad = s;
  bad.duration_s = 86401;
  CHECK_FALSE(validate_app_session(bad).is_ok());
  bad = s;
  bad.app = "";
  CHECK_FALSE(validate_app_session(bad).is_ok());
  bad = s;
  bad.app = "bell\x07";
  CHECK_FALSE(validate_app_session(bad).is_ok());

  CHECK(list_app_sessions(db, {})->size() == 2);
  CHECK(list_app_sessions(db, with<AppQuery>([&](auto& q) { q.apps = {"headspace"}; }))->size() ==
        1);
  CHECK(list_app_sessions(db, with<AppQuery>([&](auto& q) { q.from = test::kNow - 7200; }))
            ->front()
            .app == "Headspace");
  Result<AppSummary> sum = summarize_app_use(db);
  CHECK(sum->count == 2);
  CHECK(sum->total_seconds == 960);
  AuditLog audit = *v.vault.audit();
  REQUIRE(remove_app_session(db, audit, 2, test::kNow).is_ok());
  CHECK(remove_app_session(db, audit, 2, test::kNow).kind() == ErrorKind::kNotFound);
  // The log says that one app session was deleted, and nothing about it.
  const std::vector<AuditEntry> log = *audit.entries(std::nullopt);
  REQUIRE(log.size() == 2);
  CHECK(log.back().bytes ==
        R"({"kind":"entries.deleted","meta":{"count":1,"type":"app"},"seq":1,"time":1795608000})");
}

TEST_CASE("search: tags all, any and none, and text in every case Unicode has", "[core][mood]") {
  test::TempDir dir;
  CreatedVault v = test::make_vault(dir / "v");
  Db& db = v.vault.db();
  const std::int64_t day = 86400;
  std::vector<MoodEntry> entries = {
      mood(1, test::kNow - 6 * day, {"work", "sleep"}, "Über den Tag: müde"),
      mood(2, test::kNow - 5 * day, {"work"}, "MÜDE und STRASSE"),
      mood(3, test::kNow - 4 * day, {"@Walk"}, "Η ΟΔΟΣ ήταν ήσυχη"),
      mood(4, test::kNow - 3 * day, {"sleep"}, "η οδος, σιγά σιγά"),
      mood(5, test::kNow - 2 * day, {"Family", "work"}, "İstanbul trip"),
      mood(6, test::kNow - 1 * day, {}, "ıssız: a quiet day"),
  };
  for (MoodEntry& e : entries) {
    REQUIRE(validate_mood(e).is_ok());
    REQUIRE(add_mood(db, e, test::kNow).is_ok());
  }
  auto scores = [&](MoodQuery q) {
    std::vector<int> out;
    for (const MoodEntry& e : *list_mood(db, q)) out.push_back(e.score);
    return out;
  };
  auto tags = [](std::initializer_list<const char*> t) {
    std::vector<std::string> out;
    for (const char* x : t) out.push_back(normalize_tag(x));
    return out;
  };
  // Tags are stored folded, and @tag is the tag (as jrnl writes it).
  CHECK(get_mood(db, 3)->tags == std::vector<std::string>{"walk"});
  CHECK(get_mood(db, 5)->tags == std::vector<std::string>{"family", "work"});
  CHECK(scores(with<MoodQuery>([&](auto& q) {
          q.all_tags = tags({"@work", "SLEEP"});
        })) == std::vector<int>{1});
  CHECK(scores(with<MoodQuery>([&](auto& q) {
          q.any_tags = tags({"walk", "family"});
        })) == std::vector<int>{3, 5});
  CHECK(scores(with<MoodQuery>([&](auto& q) { q.not_tags = tags({"work"}); })) ==
        std::vector<int>{3, 4, 6});
  CHECK(scores(with<MoodQuery>([&](auto& q) {
          q.all_tags = tags({"work"});
          q.not_tags = tags({"sleep"});
        })) == std::vector<int>{2, 5});

  auto contains = [&](std::vector<std::string> c, std::optional<std::int64_t> limit = {}) {
    return scores(with<MoodQuery>([&](auto& q) {
      q.contains = std::move(c);
      q.limit = limit;
    }));
  };
  // German: über finds Über, MÜDE finds müde; ß folds to ss.
  CHECK(contains({"über"}) == std::vector<int>{1});
  CHECK(contains({"MÜDE"}) == std::vector<int>{1, 2});
  CHECK(contains({"straße"}) == std::vector<int>{2});
  // Greek: the final sigma folds to sigma, so ΟΔΟΣ and οδος meet (accents still count).
  CHECK(contains({"οδοσ"}) == std::vector<int>{3, 4});
  CHECK(contains({"ΟΔΟΣ"}) == std::vector<int>{3, 4});
  // Every word must be there; the limit counts matches, the most recent ones.
  CHECK(contains({"müde", "tag"}) == std::vector<int>{1});
  CHECK(contains({"η"}, 1) == std::vector<int>{4});
  // Turkish, a known limit of locale-free folding: I folds to i and İ to i + U+0307,
  // so "istanbul" does not find "İstanbul", and dotless ı is only itself.
  CHECK(contains({"istanbul"}).empty());
  CHECK(contains({"İSTANBUL"}) == std::vector<int>{5});
  CHECK(contains({"ıssız"}) == std::vector<int>{6});
  CHECK(contains({"ISSIZ"}).empty());
  CHECK(fold_case("ΣΊΣΥΦΟΣ") == fold_case("σίσυφος"));
  CHECK(fold_case("\xff not utf-8") == "\xff not utf-8");
}
