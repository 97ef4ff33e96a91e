// Runs the age project's CCTV testkit (age/testdata in C2SP/CCTV) against
// tend's age implementation: the X25519, scrypt, header and STREAM vectors.
//
// Usage: age_testkit DIR   (prints "N passed, M failed"; exit 1 on any failure)
//
// The vectors are not in this repository (they are another project's files);
// CMake registers this as a test when TEND_AGE_TESTKIT_DIR names a copy.
#include <dirent.h>
#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/age.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "tests/age_outcome.hpp"

using namespace tend::crypto;

namespace {

// The file of a vector marked "compressed: zlib" (how CCTV stores large ones);
// nullopt if it does not inflate.
std::optional<std::string> inflate_all(const std::string& in) {
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return std::nullopt;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  std::string out;
  int rc = Z_OK;
  while (rc == Z_OK) {
    char buf[1 << 16];
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) return std::nullopt;
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 || !init().is_ok()) {
    std::fprintf(stderr, "usage: age_testkit DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(n);
    }
    closedir(d);
  }
  int passed = 0, failed = 0, skipped = 0;
  for (const std::string& name : names) {
    std::ifstream f(dir + "/" + name, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    const std::string all = ss.str();
    const auto split = all.find("\n\n");
    const std::string meta = all.substr(0, split + 1);
    std::string file = all.substr(split + 2);
    std::string expect, payload;
    std::vector<AgeIdentity> ids;
    std::optional<SecretBytes> passphrase;  // the first one given; a second is a second stanza
    bool unsupported = false, armored = false;
    std::istringstream lines(meta);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("expect: ", 0) == 0) expect = line.substr(8);
      if (line.rfind("payload: ", 0) == 0) payload = line.substr(9);
      if (line.rfind("identity: ", 0) == 0) {
        if (auto id = parse_age_identity(line.substr(10))) {
          ids.push_back(std::move(*id));
        } else {
          unsupported = true;  // another recipient type (the post-quantum hybrid)
        }
      }
      if (line == "armored: yes") armored = true;
      if (line.rfind("passphrase: ", 0) == 0 && !passphrase) {
        passphrase = SecretBytes::from(as_bytes(std::string_view(line).substr(12)));
      }
      if (line == "compressed: zlib") {
        std::optional<std::string> inflated = inflate_all(file);
        unsupported = unsupported || !inflated;
        if (inflated) file = std::move(*inflated);
      } else if (line.rfind("compressed: ", 0) == 0) {
        unsupported = true;
      }
    }
    // A vector with neither identities nor a passphrase must fail before either is needed.
    if (unsupported) {
      ++skipped;
      continue;
    }
    // Vectors marked armored are read through the armor decoder, as the
    // reference harness does; tend's age_decrypt also detects armor itself.
    std::string got;
    tend::Result<SecretBytes> r = tend::invalid_input("malformed ASCII armor");
    const AgeKeys keys{ids, passphrase ? &*passphrase : nullptr};
    if (!armored || age_dearmor(file)) r = age_decrypt(file, keys);
    got = tend::test::age_outcome(r);
    bool ok = got == expect;
    if (ok && expect == "success") ok = to_hex(sha256(r->span())) == payload;
    if (ok) {
      ++passed;
    } else {
      ++failed;
      std::printf("FAIL %s: expected %s, got %s\n", name.c_str(), expect.c_str(), got.c_str());
    }
  }
  std::printf("age testkit (%d vectors skipped: other recipient types, unknown compression)\n",
              skipped);
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}
