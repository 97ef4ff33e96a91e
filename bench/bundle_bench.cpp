// Bundle-open benchmark (issue 7, item 9): a recipient opening a large export.
// Builds a payload of N raw mood rows with notes (default 200,000) in the shape
// `tend export` writes, encrypts it with age to a fresh identity, and times
// bundle_open(): read, decrypt, parse. A sender controls these bytes, so
// opening must stay linear in their size.
//
// Usage: bundle_bench [N]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "core/bundle.hpp"
#include "core/fs.hpp"
#include "crypto/age.hpp"
#include "crypto/encoding.hpp"

using namespace tend;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (!crypto::init().is_ok()) return 2;
  const long n = argc > 1 ? std::atol(argv[1]) : 200000;
  char tmpl[] = "/tmp/tend-bundle-bench.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return 1;
  const std::string dir = tmpl;

  const crypto::AgeIdentity id = crypto::generate_age_identity();
  if (!fs::create_file(dir + "/key.txt", crypto::format_age_identity(id) + "\n").is_ok()) return 1;
  std::string payload =
      R"({"format":"tend-export","version":1,"vault_id":"00","exported_at":"2026-11-25T12:00:00+00:00","audit_seq":7,"receipt_id":"r","grant":{},"data":{"mood":[)";
  for (long i = 0; i < n; ++i) {
    if (i > 0) payload += ',';
    payload +=
        R"({"at":"2026-11-25T12:00:00+00:00","score":)" + std::to_string(1 + i % 10) +
        R"(,"energy":null,"tags":["work","sleep"],"note":"a note of about eighty bytes, written on a day like any other day, fine"})";
  }
  payload += R"(]},"rows":{"mood":)" + std::to_string(n) + "}}";
  std::string file;
  const crypto::X25519Key recipients[] = {id.public_key};
  crypto::AgeWriter age(recipients, [&](std::span<const std::uint8_t> b) {
    file.append(reinterpret_cast<const char*>(b.data()), b.size());
    return Status::ok();
  });
  if (!age.write(payload).is_ok() || !age.finish().is_ok()) return 1;
  if (!fs::create_file(dir + "/bundle.age", file).is_ok()) return 1;

  // What `tend bundle open` does: open, then write the payload indented.
  const auto t0 = Clock::now();
  Result<OpenedBundle> opened = bundle_open({dir + "/bundle.age", dir + "/key.txt", std::nullopt});
  std::ofstream shown(dir + "/shown.json");
  if (opened.is_ok()) write_indented_json(crypto::as_text(opened->payload), shown);
  shown.close();
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  if (!opened.is_ok()) {
    std::fprintf(stderr, "open failed: %s\n", opened.status().message().c_str());
    return 1;
  }
  std::printf("bundle open: %ld rows, %.1f MiB ciphertext: %.3f s (%.0f rows/s)\n", n,
              static_cast<double>(file.size()) / (1 << 20), secs, static_cast<double>(n) / secs);
  const std::string cleanup = "rm -rf '" + dir + "'";
  const bool whole =
      fs::read_file(dir + "/shown.json", std::size_t{1} << 30)->size() > payload.size();
  return std::system(cleanup.c_str()) == 0 && whole ? 0 : 1;
}
