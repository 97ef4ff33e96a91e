// Export benchmark (issue 4): a vault with N mood entries (default 100,000,
// each with a 200-byte note) and app sessions, exported raw with notes under
// one grant. Prints the time, the bundle size, and the peak resident memory
// before and during the export: the payload streams through age encryption in
// 64 KiB chunks, so the export adds far less than the payload's size.
//
// Usage: export_bench [N]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/app_use.hpp"
#include "core/export.hpp"
#include "core/mood.hpp"
#include "crypto/age.hpp"
#include "crypto/encoding.hpp"

using namespace tend;
using Clock = std::chrono::steady_clock;

namespace {

long status_kib(const char* field) {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return -1;
  char line[256];
  long kib = -1;
  const std::string prefix = std::string(field) + ":";
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::string(line).rfind(prefix, 0) == 0) kib = std::atol(line + prefix.size());
  }
  std::fclose(f);
  return kib;
}

// Resets the peak-RSS counter (Linux >= 4.0), so VmHWM afterwards is the export's own peak.
void reset_peak() {
  FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (f != nullptr) {
    std::fputs("5", f);
    std::fclose(f);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (!crypto::init().is_ok()) return 2;
  const std::int64_t n = argc > 1 ? std::atoll(argv[1]) : 100000;
  char tmpl[] = "/tmp/tend-export-bench.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return 1;
  const std::string dir = tmpl;
  const std::int64_t now = 1795608000;
  Result<CreatedVault> created =
      Vault::create(dir + "/vault", crypto::SecretBytes::from(crypto::as_bytes("bench")),
                    crypto::test_only_insecure_kdf_params(), now - 400 * 86400);
  if (!created.is_ok()) return 1;
  Vault& v = created->vault;

  const Clock::time_point fill = Clock::now();
  {
    Result<Transaction> tx = Transaction::begin(v.db());
    const std::string note(200, 'n');
    for (std::int64_t i = 0; i < n; ++i) {
      MoodEntry e;
      e.score = static_cast<int>(1 + i % 10);
      e.at = {now - 86400 * 300 + i * 60, 0};
      e.note = note;
      e.tags = {"bench"};
      Result<Statement> st = v.db().prepare(
          "INSERT INTO mood (at, utc_offset, score, note, private, created) VALUES (?, 0, ?, ?, ?, "
          "?);");
      st->bind(1, e.at.utc)
          .bind(2, std::int64_t{e.score})
          .bind(3, note)
          .bind(4, std::int64_t{i % 50 == 0})
          .bind(5, now);
      if (!st->run().is_ok()) return 1;
      if (i % 10 == 0) {
        AppSession s;
        s.app = i % 20 ? "Calm" : "Headspace";
        s.start = {e.at.utc, 0};
        s.duration_s = 600;
        if (!add_app_session(v.db(), s, now).is_ok()) return 1;
      }
    }
    if (!tx->commit().is_ok()) return 1;
  }
  std::printf("export: filled %lld mood entries in %.2f s\n", static_cast<long long>(n),
              std::chrono::duration<double>(Clock::now() - fill).count());

  {
    // Opening reads page 1, the schema and the keys (issue 9); with the
    // test-only KDF this is the whole cost of opening a vault of this size.
    const Clock::time_point open = Clock::now();
    Result<Vault> again =
        Vault::unlock(dir + "/vault", crypto::SecretBytes::from(crypto::as_bytes("bench")));
    if (!again.is_ok()) return 1;
    Result<Statement> pages = again->db().prepare("PRAGMA page_count;");
    (void)pages->step();
    std::printf("export: unlocking this vault (%lld pages of 4 KiB) takes %.3f s besides the KDF\n",
                static_cast<long long>(pages->int64(0)),
                std::chrono::duration<double>(Clock::now() - open).count());
  }

  crypto::AgeIdentity recipient = crypto::generate_age_identity();
  Grant g;
  g.recipient = "Bench";
  g.recipient_keys = {crypto::format_age_recipient(recipient.public_key)};
  g.purpose = "benchmark";
  g.purpose_category = PurposeCategory::kResearch;
  g.categories = {Category::kMood, Category::kNotes, Category::kAppUsage};
  g.expires = now + 86400;
  AuditLog log = *v.audit();
  Result<Grant> made = add_grant(v.db(), log, g, now);
  if (!made.is_ok()) return 1;

  const long rss_before = status_kib("VmRSS");
  reset_peak();
  const Clock::time_point start = Clock::now();
  Result<ExportOutcome> r = export_bundle(v, {made->id, dir + "/bundle.age"}, now);
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  const long peak = status_kib("VmHWM");
  if (!r.is_ok()) {
    std::printf("export: FAILED: %s\n", r.status().message().c_str());
    return 1;
  }
  FILE* f = std::fopen((dir + "/bundle.age").c_str(), "rb");
  std::fseek(f, 0, SEEK_END);
  const long bundle = std::ftell(f);
  std::fclose(f);
  std::printf("export: %s rows in %.2f s; bundle %.1f MiB\n", r->rows.dump().c_str(), secs,
              bundle / 1048576.0);
  std::printf(
      "export: RSS before %ld MiB, peak during export %ld MiB (+%ld MiB for a %.1f MiB payload)\n",
      rss_before / 1024, peak / 1024, (peak - rss_before) / 1024, bundle / 1048576.0);
  const std::string cleanup = "rm -rf '" + dir + "'";
  return std::system(cleanup.c_str()) == 0 ? 0 : 1;
}
