// Vault benchmark (issue 9): tend's SQLCipher vault against the same schema
// and statements in plain SQLite, on generated years of data, and the tend
// binary's end-to-end latency with and without the unlock agent.
//
// The data: per day 4 mood entries (note of ~120 bytes, two tags) and 550 app
// sessions over 12 apps; 10 years is 14,600 entries and 2,007,500 sessions.
// Each scenario runs on both engines in the same run; the table prints this
// machine's times and the ratio tend / plain.
//
// Usage: vault_bench TEND_BINARY [YEARS]   (YEARS defaults to 10; a 1-year
// vault is always made too)
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/app_use.hpp"
#include "core/consent.hpp"
#include "core/export.hpp"
#include "core/fs.hpp"
#include "core/mood.hpp"
#include "core/report.hpp"
#include "core/schema.hpp"
#include "core/vault.hpp"
#include "core/vault_ops.hpp"
#include "crypto/age.hpp"
#include "crypto/encoding.hpp"

extern char** environ;

using namespace tend;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::int64_t kNow = 1795608000;  // 2026-11-26
constexpr const char* kApps[] = {"Calm", "Headspace", "Daylio", "Bearable", "Sanvello", "Woebot",
                                 "Wysa", "Insight",   "Finch",  "Moodfit",  "Youper",   "MindDoc"};
const char* kPassphrase = "benchmark passphrase";

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

[[noreturn]] void die(const std::string& what, const Status& s) {
  std::fprintf(stderr, "vault_bench: %s: %s\n", what.c_str(), s.message().c_str());
  std::exit(1);
}

// The same settings tend's vault has (core/vault.cpp, core/db.cpp), on a plain file.
Db open_plain(const std::string& path) {
  Result<Db> db = Db::open_plain(path);
  if (!db.is_ok()) die("open plain", db.status());
  Status s = db->exec(
      "PRAGMA page_size = 4096; PRAGMA auto_vacuum = FULL; PRAGMA journal_mode = WAL;"
      "PRAGMA temp_store = MEMORY; PRAGMA secure_delete = ON; PRAGMA foreign_keys = ON;"
      "PRAGMA synchronous = FULL;");
  if (!s.is_ok()) die("plain pragmas", s);
  s = migrate(*db);
  if (!s.is_ok()) die("plain migrate", s);
  return std::move(db).value();
}

// Days of data ending yesterday, through tend's own statements, one
// transaction per 30 days.
void fill(Db& db, int years) {
  const std::int64_t days = years * 365;
  const std::string note(120, 'x');
  // Filling is not measured: no fsync per mood entry (add_mood is a
  // transaction of its own); the sessions go in one transaction per 30 days.
  if (!db.exec("PRAGMA synchronous = OFF;").is_ok()) std::exit(1);
  for (std::int64_t d0 = 0; d0 < days; d0 += 30) {
    for (std::int64_t d = d0; d < std::min(days, d0 + 30); ++d) {
      const std::int64_t day_start = kNow - (days - d) * 86400;
      for (int k = 0; k < 4; ++k) {
        MoodEntry e;
        e.score = static_cast<int>(1 + (d * 7 + k * 3) % 10);
        e.at = {day_start + 8 * 3600 + k * 4 * 3600, 3600};
        e.note = note;
        e.tags = {"work", k % 2 ? "sleep" : "family"};
        Result<std::int64_t> id = add_mood(db, e, kNow);
        if (!id.is_ok()) die("fill mood", id.status());
      }
    }
    Result<Transaction> tx = Transaction::begin(db);
    if (!tx.is_ok()) die("fill", tx.status());
    for (std::int64_t d = d0; d < std::min(days, d0 + 30); ++d) {
      const std::int64_t day_start = kNow - (days - d) * 86400;
      for (int k = 0; k < 550; ++k) {
        AppSession s;
        s.app = kApps[k % 12];
        s.start = {day_start + (k * 137) % 86000, 3600};
        s.duration_s = 30 + (k * 31) % 900;
        Result<std::int64_t> id = add_app_session(db, s, kNow);
        if (!id.is_ok()) die("fill app", id.status());
      }
    }
    Status s = tx->commit();
    if (!s.is_ok()) die("fill commit", s);
  }
  if (!db.exec("PRAGMA synchronous = FULL;").is_ok()) std::exit(1);
}

struct Row {
  std::string scenario;
  double tend = 0, plain = 0;
};

void print(const std::vector<Row>& rows) {
  std::printf("\n| scenario | tend (SQLCipher) | plain SQLite | ratio |\n|---|---|---|---|\n");
  for (const Row& r : rows) {
    std::printf("| %s | %.1f ms | %.1f ms | %.2f |\n", r.scenario.c_str(), r.tend * 1000,
                r.plain * 1000, r.plain > 0 ? r.tend / r.plain : 0.0);
  }
}

double best_of(int n, const std::function<void()>& f) {
  std::vector<double> t;
  for (int i = 0; i < n; ++i) {
    const Clock::time_point s = Clock::now();
    f();
    t.push_back(seconds_since(s));
  }
  return median(t);
}

struct Run {
  double seconds = 0;
  long max_rss_kib = 0;
  int code = -1;
};

// Runs a program (found on PATH); wall time from spawn to exit, and its peak RSS.
Run run_program(const std::string& program, const std::vector<std::string>& args,
                const std::vector<std::string>& env) {
  std::vector<std::string> argv = {program};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> a, e;
  for (std::string& s : argv) a.push_back(s.data());
  a.push_back(nullptr);
  std::vector<std::string> envs = env;
  for (std::string& s : envs) e.push_back(s.data());
  e.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  const Clock::time_point start = Clock::now();
  pid_t pid = 0;
  Run r;
  if (posix_spawnp(&pid, program.c_str(), &fa, nullptr, a.data(),
                   env.empty() ? environ : e.data()) != 0) {
    return r;
  }
  posix_spawn_file_actions_destroy(&fa);
  int status = 0;
  rusage ru{};
  ::wait4(pid, &status, 0, &ru);
  r.seconds = seconds_since(start);
  r.max_rss_kib = ru.ru_maxrss;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace

int cli_part(const std::string& tend, const std::string& dir, int years);

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "--cli") {
    return cli_part(argv[2], argv[3], std::atoi(argv[4]));
  }
  if (argc < 2) {
    std::fprintf(stderr, "usage: vault_bench TEND_BINARY [YEARS]\n");
    return 64;
  }
  if (!crypto::init().is_ok()) return 2;
  const std::string tend = argv[1];
  const int years = argc > 2 ? std::atoi(argv[2]) : 10;
  // BENCH_REUSE_DIR: the vaults a former run left (it prints where), measured
  // again without the bulk insert and the filling.
  const char* reuse = std::getenv("BENCH_REUSE_DIR");
  char tmpl[] = "/tmp/tend-vault-bench.XXXXXX";
  if (reuse == nullptr && ::mkdtemp(tmpl) == nullptr) return 1;
  const std::string dir = reuse != nullptr ? reuse : tmpl;
  const crypto::SecretBytes pass = crypto::SecretBytes::from(crypto::as_bytes(kPassphrase));
  const crypto::KdfParams kdf = *kdf_profile("interactive");
  std::vector<Row> rows;

  // Bulk insert of 1,000,000 sessions, one transaction.
  if (reuse == nullptr) {
    Result<CreatedVault> v = Vault::create(dir + "/bulk", pass, kdf, kNow - 86400);
    if (!v.is_ok()) die("create", v.status());
    Db plain = open_plain(dir + "/bulk-plain.db");
    const int bulk_rows =
        std::getenv("BENCH_BULK_ROWS") ? std::atoi(std::getenv("BENCH_BULK_ROWS")) : 1000000;
    auto bulk = [bulk_rows](Db& db) {
      if (std::getenv("BENCH_NO_TRIGGER") != nullptr) {
        if (!db.exec("DROP TRIGGER app_day_insert;").is_ok()) std::exit(1);
      }
      if (const char* cache = std::getenv("BENCH_CACHE_KIB")) {
        if (!db.exec(fmt::format("PRAGMA cache_size = -{};", cache).c_str()).is_ok()) std::exit(1);
      }
      const Clock::time_point t = Clock::now();
      Result<Transaction> tx = Transaction::begin(db);
      for (int k = 0; k < bulk_rows; ++k) {
        AppSession s;
        s.app = kApps[k % 12];
        s.start = {kNow - 86400 * 1000 + k * 60, 0};
        s.duration_s = 60;
        if (!add_app_session(db, s, kNow).is_ok()) std::exit(1);
      }
      if (!tx->commit().is_ok()) std::exit(1);
      return seconds_since(t);
    };
    rows.push_back(
        {fmt::format("bulk insert, {} sessions", bulk_rows), bulk(v->vault.db()), bulk(plain)});
    std::printf("bulk insert done\n");
    if (std::getenv("BENCH_ONLY_BULK") != nullptr) {
      print(rows);
      return 0;
    }
  }

  // The vaults: 1 year and `years` years, and their plain twins.
  std::vector<int> sizes = {1};
  if (years != 1) sizes.push_back(years);
  for (int y : sizes) {
    if (reuse != nullptr) break;
    const std::string name = fmt::format("{}y", y);
    const Clock::time_point t = Clock::now();
    {
      Result<CreatedVault> v =
          Vault::create(dir + "/" + name, pass, kdf, kNow - (y * 365 + 1) * 86400);
      if (!v.is_ok()) die("create", v.status());
      fill(v->vault.db(), y);
      Db plain = open_plain(dir + "/" + name + "-plain.db");
      fill(plain, y);
    }
    std::printf("filled the %s vault and its plain twin in %.1f s\n", name.c_str(),
                seconds_since(t));
  }

  Result<Vault> unlocked = Vault::unlock(dir + "/1y", pass);
  if (!unlocked.is_ok()) die("unlock", unlocked.status());
  for (int y : sizes) {
    const std::string name = fmt::format("{}y", y);
    Result<Vault> key_source = Vault::unlock(dir + "/" + name, pass);
    if (!key_source.is_ok()) die("unlock", key_source.status());
    const double open_tend = best_of(9, [&] {
      Result<Vault> v =
          Vault::unlock_with_data_key(dir + "/" + name, key_source->data_key().clone());
      if (!v.is_ok()) die("open", v.status());
    });
    const double open_plain_s = best_of(9, [&] {
      Result<Db> db = Db::open_plain(dir + "/" + name + "-plain.db");
      if (!migrate(*db).is_ok()) std::exit(1);
      Result<Statement> st = db->prepare("SELECT count(*) FROM device_key;");
      (void)st->step();
    });
    rows.push_back({"open after the KDF, " + name + " vault", open_tend, open_plain_s});

    Db plain = open_plain(dir + "/" + name + "-plain.db");
    MoodQuery month;
    month.from = kNow - 30 * 86400;
    rows.push_back({"mood list, last 30 days, " + name,
                    best_of(9, [&] { (void)list_mood(key_source->db(), month); }),
                    best_of(9, [&] { (void)list_mood(plain, month); })});
    rows.push_back({"status (rollups), " + name,
                    best_of(9,
                            [&] {
                              (void)summarize_mood(key_source->db(), kNow);
                              (void)summarize_app_use(key_source->db());
                            }),
                    best_of(9, [&] {
                      (void)summarize_mood(plain, kNow);
                      (void)summarize_app_use(plain);
                    })});
    ReportRequest last_year;
    rows.push_back({"report, the last 365 days (after unlock), " + name,
                    best_of(5, [&] { (void)build_report(key_source->db(), last_year, kNow); }),
                    best_of(5, [&] { (void)build_report(plain, last_year, kNow); })});
    ReportRequest everything;
    everything.from = kNow - std::int64_t{y} * 366 * 86400;
    rows.push_back({"report, all of it (after unlock), " + name,
                    best_of(3, [&] { (void)build_report(key_source->db(), everything, kNow); }),
                    best_of(3, [&] { (void)build_report(plain, everything, kNow); })});
    AppQuery year;
    year.from = kNow - 365 * 86400;
    rows.push_back(
        {"read one year of raw rows (export's read), " + name,
         best_of(3,
                 [&] {
                   (void)list_mood(key_source->db(),
                                   MoodQuery{year.from, std::nullopt, {}, {}, {}, {}, {}});
                   (void)list_app_sessions(key_source->db(), year);
                 }),
         best_of(3, [&] {
           (void)list_mood(plain, MoodQuery{year.from, std::nullopt, {}, {}, {}, {}, {}});
           (void)list_app_sessions(plain, year);
         })});
  }
  // A raw export of one year: tend's whole export (read, payload, age, minisign,
  // audit entry) against plain SQLite reading the same rows plus the stock age
  // binary encrypting the same payload bytes.
  {
    const std::string big_dir = dir + "/" + fmt::format("{}y", sizes.back());
    Result<Vault> v = Vault::unlock(big_dir, pass);
    if (!v.is_ok()) die("unlock", v.status());
    const crypto::AgeIdentity who = crypto::generate_age_identity();
    Grant g;
    g.recipient = "Bench";
    g.recipient_keys = {crypto::format_age_recipient(who.public_key)};
    g.purpose = "benchmark";
    g.purpose_category = PurposeCategory::kResearch;
    g.categories = {Category::kMood, Category::kNotes, Category::kAppUsage};
    g.from = kNow - 365 * 86400;
    g.expires = kNow + 86400;
    Result<AuditLog> log = v->audit();
    Result<Grant> made = add_grant(v->db(), *log, g, kNow);
    if (!made.is_ok()) die("grant", made.status());
    const Clock::time_point t = Clock::now();
    Result<ExportOutcome> out = export_bundle(*v, {made->id, dir + "/year.age"}, kNow);
    const double tend_s = seconds_since(t);
    if (!out.is_ok()) die("export", out.status());
    Result<std::string> bundle = fs::read_file(dir + "/year.age", std::size_t{1} << 32);
    Result<crypto::SecretBytes> payload = crypto::age_decrypt(*bundle, {&who, 1});
    if (!payload.is_ok()) die("decrypt", payload.status());
    if (!fs::create_file(dir + "/payload.json", as_text(*payload)).is_ok()) return 1;

    Db plain = open_plain(big_dir + "-plain.db");
    const double read_s = best_of(3, [&] {
      (void)list_mood(plain, MoodQuery{g.from, std::nullopt, {}, {}, {}, {}, {}});
      AppQuery q;
      q.from = g.from;
      (void)list_app_sessions(plain, q);
    });
    const double age_s = best_of(3, [&] {
      run_program("age", {"-r", g.recipient_keys[0], "-o", "/dev/null", dir + "/payload.json"}, {});
    });
    rows.push_back({fmt::format("raw export of one year ({:.1f} MiB payload) vs plain read + age",
                                static_cast<double>(payload->size()) / 1048576.0),
                    tend_s, read_s + age_s});
  }
  print(rows);
  std::printf("\nKDF (interactive profile) alone: %.1f ms\n",
              best_of(3, [&] {
                const KeySlot* slot = unlocked->header().slot(SlotKind::kPassphrase);
                (void)crypto::derive_key(pass, slot->salt, slot->kdf);
              }) * 1000);
  std::fflush(stdout);
  // The binary's runs are measured from a fresh process image: a child spawned
  // from this one would report this process's peak memory as its own.
  const std::string big_name = fmt::format("{}", sizes.back());
  ::execl("/proc/self/exe", "vault_bench", "--cli", tend.c_str(), dir.c_str(), big_name.c_str(),
          static_cast<char*>(nullptr));
  std::perror("vault_bench: exec");
  return 1;
}

// The tend binary, end to end, on the largest vault: with and without the
// agent, and its peak resident memory.
int cli_part(const std::string& tend, const std::string& dir, int years) {
  std::vector<std::size_t> sizes = {static_cast<std::size_t>(years)};
  // The binary, end to end, on the largest vault.
  const std::string big = dir + "/" + fmt::format("{}y", sizes.back());
  std::vector<std::string> env = {"TEND_VAULT=" + big, "HOME=" + dir, "XDG_RUNTIME_DIR=" + dir,
                                  "TZ=UTC0"};
  std::vector<std::string> with_pass = env;
  with_pass.push_back(std::string("TEND_PASSPHRASE=") + kPassphrase);
  const std::vector<std::vector<std::string>> commands = {{"status"},
                                                          {"mood", "add", "6"},
                                                          {"mood", "list", "--limit", "5"},
                                                          {"app", "list", "--from", "-1d"},
                                                          {"report"}};
  std::printf(
      "\n| command (%s vault) | without agent | with agent | peak RSS |\n|---|---|---|---|\n",
      fmt::format("{}-year", sizes.back()).c_str());
  std::vector<std::tuple<std::string, double, long>> no_agent;
  for (const auto& c : commands) {
    std::vector<double> t;
    long rss = 0;
    for (int i = 0; i < 7; ++i) {
      Run r = run_program(tend, c, with_pass);
      if (r.code != 0) std::fprintf(stderr, "vault_bench: %s exited %d\n", c[0].c_str(), r.code);
      t.push_back(r.seconds);
      rss = std::max(rss, r.max_rss_kib);
    }
    no_agent.emplace_back(fmt::format("{}", fmt::join(c, " ")), median(t), rss);
  }
  if (run_program(tend, {"unlock", "--for", "10m"}, with_pass).code != 0) {
    std::fprintf(stderr, "vault_bench: tend unlock failed\n");
    return 1;
  }
  for (std::size_t i = 0; i < commands.size(); ++i) {
    std::vector<double> t;
    long rss = 0;
    for (int k = 0; k < 15; ++k) {
      Run r = run_program(tend, commands[i], env);
      if (r.code != 0)
        std::fprintf(stderr, "vault_bench: %s exited %d\n", commands[i][0].c_str(), r.code);
      t.push_back(r.seconds);
      rss = std::max(rss, r.max_rss_kib);
    }
    const auto& [name, without, rss_without] = no_agent[i];
    std::printf("| tend %s | %.1f ms | %.1f ms | %.1f MiB |\n", name.c_str(), without * 1000,
                median(t) * 1000, std::max(rss, rss_without) / 1024.0);
  }
  (void)run_program(tend, {"lock"}, env);
  {
    Run check = run_program(tend, {"check"}, with_pass);
    std::printf("| tend check | %.1f ms | | %.1f MiB |\n", check.seconds * 1000,
                check.max_rss_kib / 1024.0);
  }
  std::printf("(data in %s; remove it when done)\n", dir.c_str());
  return 0;
}
