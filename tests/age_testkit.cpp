// Runs the age project's CCTV testkit (age/testdata in C2SP/CCTV) against
// tend's age implementation: the X25519, header and STREAM vectors.
//
// Usage: age_testkit DIR   (prints "N passed, M failed"; exit 1 on any failure)
//
// The vectors are not in this repository (they are another project's files);
// CMake registers this as a test when TEND_AGE_TESTKIT_DIR names a copy.
#include <dirent.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/age.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "tests/age_outcome.hpp"

using namespace tend::crypto;

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
    const std::string file = all.substr(split + 2);
    std::string expect, payload;
    std::vector<AgeIdentity> ids;
    bool unsupported = false, armored = false;
    std::istringstream lines(meta);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("expect: ", 0) == 0) expect = line.substr(8);
      if (line.rfind("payload: ", 0) == 0) payload = line.substr(9);
      if (line.rfind("identity: ", 0) == 0) {
        if (auto id = parse_age_identity(line.substr(10))) ids.push_back(std::move(*id));
      }
      if (line == "armored: yes") armored = true;
      if (line.rfind("compressed: ", 0) == 0 || line.rfind("passphrase: ", 0) == 0) {
        unsupported = true;
      }
    }
    if (unsupported || ids.empty()) {
      ++skipped;
      continue;
    }
    // Vectors marked armored are read through the armor decoder, as the
    // reference harness does; tend's age_decrypt also detects armor itself.
    std::string got;
    tend::Result<SecretBytes> r = tend::invalid_input("malformed ASCII armor");
    if (!armored || age_dearmor(file)) r = age_decrypt(file, ids);
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
  std::printf("age testkit (%d vectors skipped: compression, scrypt, other recipient types)\n",
              skipped);
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}
