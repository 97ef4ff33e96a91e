// The daily rollups equal a recomputation from the entries after any sequence
// of adds, edits (score, time, time zone, privacy) and deletes, and tend check
// notices when they do not.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <tuple>

#include "core/app_use.hpp"
#include "core/check.hpp"
#include "core/mood.hpp"
#include "core/schema.hpp"
#include "core/vault.hpp"
#include "tests/support.hpp"

using namespace tend;

namespace {

// day -> {entries, private, sum, min, max}, computed here from the entries.
using MoodDays =
    std::map<std::int64_t,
             std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t>>;
// (day, app) -> {sessions, seconds}
using AppDays =
    std::map<std::pair<std::int64_t, std::string>, std::pair<std::int64_t, std::int64_t>>;

MoodDays expected_mood(Vault& v) {
  MoodDays out;
  for (const MoodEntry& e : *list_mood(v.db(), {})) {
    auto [it, fresh] = out.try_emplace(day_number(e.at), 0, 0, 0, e.score, e.score);
    auto& [n, priv, sum, lo, hi] = it->second;
    ++n;
    priv += e.is_private ? 1 : 0;
    sum += e.score;
    lo = std::min<std::int64_t>(lo, e.score);
    hi = std::max<std::int64_t>(hi, e.score);
  }
  return out;
}

AppDays expected_apps(Vault& v) {
  AppDays out;
  for (const AppSession& s : *list_app_sessions(v.db(), {})) {
    auto& [n, seconds] = out[{day_number(s.start), s.app}];
    ++n;
    seconds += s.duration_s;
  }
  return out;
}

MoodDays stored_mood(Vault& v) {
  MoodDays out;
  Result<Statement> st = v.db().prepare(
      "SELECT day, entries, private, score_sum, score_min, score_max FROM mood_day;");
  REQUIRE(st.is_ok());
  while (*st->step()) {
    out[st->int64(0)] = {st->int64(1), st->int64(2), st->int64(3), st->int64(4), st->int64(5)};
  }
  return out;
}

AppDays stored_apps(Vault& v) {
  AppDays out;
  Result<Statement> st = v.db().prepare("SELECT day, app, sessions, seconds FROM app_day;");
  REQUIRE(st.is_ok());
  while (*st->step()) out[{st->int64(0), st->text(1)}] = {st->int64(2), st->int64(3)};
  return out;
}

}  // namespace

TEST_CASE("rollups equal a recomputation after any sequence of writes", "[core][rollup]") {
  test::TempDir dir;
  CreatedVault created = test::make_vault(dir / "v");
  Vault& v = created.vault;
  std::mt19937_64 rng(20261126);
  auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  // Times cluster within a few days and near midnight, with offsets from
  // -12:00 to +14:00, so that zones move entries across local days.
  auto instant = [&] {
    const std::int32_t offset = static_cast<std::int32_t>(pick(-48, 56) * 900);
    return Instant{test::kNow - pick(0, 4) * 86400 + pick(-7200, 7200), offset};
  };
  const char* apps[] = {"Calm", "Headspace", "calm"};
  std::vector<std::int64_t> moods, sessions;
  for (int step = 0; step < 600; ++step) {
    INFO("step " << step);
    const std::int64_t what = pick(0, 9);
    if (what <= 2 || moods.empty()) {
      MoodAdd add;
      add.entry.score = static_cast<int>(pick(1, 10));
      add.entry.at = instant();
      add.entry.is_private = pick(0, 3) == 0;
      REQUIRE(validate_mood(add.entry).is_ok());
      Result<MoodWritten> w = mood_add(v, add, test::kNow);
      REQUIRE(w.is_ok());
      moods.push_back(w->entry.id);
    } else if (what <= 4) {
      MoodEdit edit;
      edit.id =
          moods[static_cast<std::size_t>(pick(0, static_cast<std::int64_t>(moods.size()) - 1))];
      if (pick(0, 1)) edit.score = static_cast<int>(pick(1, 10));
      if (pick(0, 1)) edit.at = instant();
      if (pick(0, 2) == 0) edit.is_private = pick(0, 1) == 1;
      REQUIRE(mood_edit(v, edit, test::kNow).is_ok());
    } else if (what == 5) {
      const std::size_t i =
          static_cast<std::size_t>(pick(0, static_cast<std::int64_t>(moods.size()) - 1));
      REQUIRE(mood_rm(v, EntryId{moods[i], {}}, test::kNow).is_ok());
      moods.erase(moods.begin() + static_cast<std::ptrdiff_t>(i));
    } else if (what <= 7 || sessions.empty()) {
      AppLog log;
      log.session.app = apps[pick(0, 2)];
      log.session.start = instant();
      log.session.duration_s = pick(1, 7200);
      REQUIRE(validate_app_session(log.session).is_ok());
      Result<AppLogged> w = app_log(v, log, test::kNow);
      REQUIRE(w.is_ok());
      sessions.push_back(w->session.id);
    } else if (what == 8) {
      // There is no app edit yet; the rollups follow any write to the table.
      const std::int64_t id = sessions[static_cast<std::size_t>(
          pick(0, static_cast<std::int64_t>(sessions.size()) - 1))];
      const Instant at = instant();
      Result<Statement> st = v.db().prepare(
          "UPDATE app_session SET at = ?, utc_offset = ?, app = ?, duration_s = ? WHERE id = ?;");
      REQUIRE(st.is_ok());
      st->bind(1, at.utc)
          .bind(2, static_cast<std::int64_t>(at.offset_s))
          .bind(3, apps[pick(0, 2)])
          .bind(4, pick(1, 7200))
          .bind(5, id);
      REQUIRE(st->run().is_ok());
    } else {
      const std::size_t i =
          static_cast<std::size_t>(pick(0, static_cast<std::int64_t>(sessions.size()) - 1));
      REQUIRE(app_rm(v, EntryId{sessions[i], {}}, test::kNow).is_ok());
      sessions.erase(sessions.begin() + static_cast<std::ptrdiff_t>(i));
    }
    if (step % 25 == 24) {
      REQUIRE(stored_mood(v) == expected_mood(v));
      REQUIRE(stored_apps(v) == expected_apps(v));
      REQUIRE(rollup_differences(v.db(), 5)->empty());
    }
  }
  CHECK(stored_mood(v) == expected_mood(v));
  CHECK(stored_apps(v) == expected_apps(v));
  Result<MoodSummary> summary = summarize_mood(v.db(), test::kNow);
  REQUIRE(summary.is_ok());
  CHECK(summary->count == static_cast<std::int64_t>(moods.size()));
  Result<AppSummary> apps_summary = summarize_app_use(v.db());
  REQUIRE(apps_summary.is_ok());
  CHECK(apps_summary->count == static_cast<std::int64_t>(sessions.size()));
  CHECK(apps_summary->apps == 2);  // Calm and calm are one app in the summary
}

TEST_CASE("check names a tampered audit entry, a changed schema, and a wrong rollup",
          "[core][check]") {
  test::TempDir dir;
  CreatedVault created = test::make_vault(dir / "v");
  Vault& v = created.vault;
  MoodAdd add;
  add.entry.score = 4;
  add.entry.at = local_instant(test::kNow);
  REQUIRE(validate_mood(add.entry).is_ok());
  REQUIRE(mood_add(v, add, test::kNow).is_ok());
  REQUIRE(vault_check(v, {}, test::kNow)->ok);

  auto failing = [&](const std::string& sql, const std::string& part) {
    INFO(sql);
    REQUIRE(v.db().exec("SAVEPOINT t;").is_ok());
    REQUIRE(v.db().exec(sql.c_str()).is_ok());
    Result<CheckOutcome> c = vault_check(v, {}, test::kNow);
    REQUIRE(c.is_ok());
    CHECK_FALSE(c->ok);
    std::string failed;
    for (const CheckPart& p : c->parts) {
      if (!p.ok) failed += p.name + ": " + p.detail + "; ";
    }
    CHECK_THAT(failed, Catch::StartsWith(part));
    REQUIRE(v.db().exec("ROLLBACK TO t; RELEASE t;").is_ok());
  };
  // The holder's raw key lets them rewrite anything; check recomputes.
  failing(
      "UPDATE audit_entry SET bytes = replace(bytes, 'vault.created', 'vault.crEated') WHERE seq "
      "= 0;",
      "audit log:");
  failing("DELETE FROM audit_entry WHERE seq = 0;", "audit log:");
  failing("UPDATE mood_day SET entries = entries + 1;", "rollups: mood rollup on ");
  failing("DELETE FROM app_day; INSERT INTO app_day VALUES (1, 'x', 1, 1);",
          "rollups: app rollup on 1970-01-02");
  failing("DROP TRIGGER mood_day_insert;", "schema: missing or changed: trigger mood_day_insert");
  failing("CREATE TABLE leak (x);", "schema: unexpected: table leak");
  CHECK(vault_check(v, {}, test::kNow)->ok);
}
