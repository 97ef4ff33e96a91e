#include "fuzz/fuzz.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>

#include "crypto/secret.hpp"

namespace tend::fuzz {

namespace {

std::string& temp_dir() {
  static std::string dir;
  return dir;
}

void remove_temp_dir() {
  std::error_code ec;
  if (!temp_dir().empty()) std::filesystem::remove_all(temp_dir(), ec);
}

}  // namespace

void init() {
  if (!crypto::init().is_ok()) fail("sodium_init", __FILE__, __LINE__);
  setenv("TZ", "Europe/Berlin", 1);
  tzset();
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/tend-fuzz-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) fail("mkdtemp", __FILE__, __LINE__);
  temp_dir() = pattern;
  std::atexit(remove_temp_dir);
}

void fail(const char* what, const char* file, int line) {
  std::fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, file, line);
  std::abort();
}

const std::string& file_with(std::string_view name, std::string_view bytes) {
  static std::map<std::string, std::string, std::less<>> paths;
  auto it = paths.find(name);
  if (it == paths.end()) {
    it = paths.emplace(std::string(name), temp_dir() + "/" + std::string(name)).first;
  }
  const int fd = open(it->second.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) fail("open a temporary file", __FILE__, __LINE__);
  for (std::size_t done = 0; done < bytes.size();) {
    const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) fail("write a temporary file", __FILE__, __LINE__);
    done += static_cast<std::size_t>(n);
  }
  close(fd);
  return it->second;
}

}  // namespace tend::fuzz

#ifndef TEND_FUZZ_REPLAY
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  tend::fuzz::init();
  return 0;
}
#endif
