// Audit log benchmarks (issue 3):
//   verify   build a package of N entries (default 1,000,000), checkpoint every
//            1,000, then time verify_package() on it: entries per second.
//   append   append M entries (default 100,000) to a real vault, one per
//            transaction with a signed checkpoint each, and print the mean
//            cost of each block of 10,000: flat means no rehashing.
//
// Usage: audit_bench [verify N] [append M [full|normal]]
// `normal` sets PRAGMA synchronous=NORMAL so fsync latency does not hide the
// log's own cost; tend itself always runs with FULL.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "core/audit.hpp"
#include "core/audit_package.hpp"
#include "core/vault.hpp"
#include "crypto/encoding.hpp"

using namespace tend;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

long peak_rss_kib() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return -1;
  char line[256];
  long kib = -1;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
  }
  std::fclose(f);
  return kib;
}

int bench_verify(std::uint64_t n) {
  const std::string origin = "tend.local/00112233445566778899aabbccddeeff";
  crypto::KeyPair key = crypto::generate_keypair();
  std::string pkg = fmt::format("tend-audit-package v1\norigin {}\nverifier {}\nentries {}\n",
                                origin, crypto::format_verifier_key(origin, key.public_key), n);
  crypto::MerkleFrontier tree;
  std::vector<std::string> notes;
  const Clock::time_point build = Clock::now();
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::string e =
        make_entry(static_cast<std::int64_t>(i), 1795608000 + static_cast<std::int64_t>(i),
                   kind::kEntriesDeleted, {{"count", 1 + i % 7}, {"type", i % 2 ? "mood" : "app"}});
    pkg += e;
    pkg += '\n';
    tree.append(crypto::leaf_hash(crypto::as_bytes(e)));
    if (tree.size() % 1000 == 0 || tree.size() == n) {
      notes.push_back(crypto::sign_note(crypto::checkpoint_text({origin, tree.size(), tree.root()}),
                                        origin, key.secret_key, key.public_key));
    }
  }
  pkg += fmt::format("checkpoints {}\n", notes.size());
  for (const std::string& note : notes) pkg += crypto::to_base64(crypto::as_bytes(note)) + "\n";
  pkg += "end\n";
  std::printf("verify: built a package of %llu entries, %zu checkpoints, %.1f MiB in %.2f s\n",
              static_cast<unsigned long long>(n), notes.size(), pkg.size() / 1048576.0,
              seconds_since(build));

  VerifyOptions options;
  options.key = crypto::format_verifier_key(origin, key.public_key);
  const Clock::time_point start = Clock::now();
  Result<VerifyReport> r = verify_package(pkg, options);
  const double s = seconds_since(start);
  if (!r.is_ok() || !r->ok) {
    std::printf("verify: FAILED: %s\n",
                r.is_ok() ? r->failure.c_str() : r.status().message().c_str());
    return 1;
  }
  std::printf(
      "verify: %llu entries in %.3f s = %.0f entries/s (target >= 500000); peak RSS %ld MiB\n",
      static_cast<unsigned long long>(n), s, n / s, peak_rss_kib() / 1024);
  return 0;
}

int bench_append(std::uint64_t m, bool full_sync) {
  char dir_template[] = "/tmp/tend-bench.XXXXXX";
  if (::mkdtemp(dir_template) == nullptr) return 1;
  const std::string dir = std::string(dir_template) + "/vault";
  Result<CreatedVault> created =
      Vault::create(dir, crypto::SecretBytes::from(crypto::as_bytes("bench passphrase")),
                    crypto::test_only_insecure_kdf_params(), 1795608000);
  if (!created.is_ok()) {
    std::printf("append: cannot create vault: %s\n", created.status().message().c_str());
    return 1;
  }
  Vault& v = created->vault;
  if (!full_sync) (void)v.db().exec("PRAGMA synchronous = NORMAL;");
  AuditLog log = *v.audit();
  constexpr std::uint64_t kBlock = 10000;
  std::printf(
      "append: %llu entries, one transaction and one signed checkpoint each, synchronous=%s\n",
      static_cast<unsigned long long>(m), full_sync ? "FULL" : "NORMAL");
  Clock::time_point block = Clock::now();
  const Clock::time_point start = block;
  for (std::uint64_t i = 1; i <= m; ++i) {
    Result<Transaction> tx = Transaction::begin(v.db());
    Result<std::int64_t> seq =
        tx.is_ok() ? log.record(kind::kEntriesDeleted, {{"count", 1}, {"type", "mood"}}, 1795608000)
                   : Result<std::int64_t>(tx.status());
    Status s = seq.is_ok() ? tx->commit() : seq.status();
    if (!s.is_ok()) {
      std::printf("append: failed at %llu: %s\n", static_cast<unsigned long long>(i),
                  s.message().c_str());
      return 1;
    }
    if (i % kBlock == 0) {
      std::printf("append: entries %7llu..%7llu  %6.1f us/append\n",
                  static_cast<unsigned long long>(i - kBlock + 1),
                  static_cast<unsigned long long>(i), seconds_since(block) * 1e6 / kBlock);
      block = Clock::now();
    }
  }
  std::printf("append: total %.2f s, %.1f us/append\n", seconds_since(start),
              seconds_since(start) * 1e6 / m);
  const std::string cleanup = "rm -rf '" + std::string(dir_template) + "'";
  return std::system(cleanup.c_str()) == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (!crypto::init().is_ok()) return 2;
  bool any = false;
  int rc = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string what = argv[i];
    if (what == "verify") {
      const std::uint64_t n = i + 1 < argc ? std::strtoull(argv[++i], nullptr, 10) : 1000000;
      rc |= bench_verify(n);
      any = true;
    } else if (what == "append") {
      const std::uint64_t m = i + 1 < argc ? std::strtoull(argv[++i], nullptr, 10) : 100000;
      const bool full = !(i + 1 < argc && std::string(argv[i + 1]) == "normal" && ++i);
      if (i + 1 < argc && std::string(argv[i + 1]) == "full") ++i;
      rc |= bench_append(m, full);
      any = true;
    }
  }
  if (!any) {
    rc |= bench_verify(1000000);
    rc |= bench_append(100000, false);
  }
  return rc;
}
