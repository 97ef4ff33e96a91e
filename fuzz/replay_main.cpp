// fuzz_replay: runs every fuzz target over saved inputs, without libFuzzer.
//
// Usage: fuzz_replay DIR...   each DIR holds one directory per target, named
//                             as the target, of input files
//        fuzz_replay --list   the targets' names
//
// The test suite runs it over fuzz/seeds/ and tests/fixtures/fuzz/ (the inputs
// of crashes found and fixed), under ASan and UBSan.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>

#include "fuzz/fuzz.hpp"

namespace fs = std::filesystem;

namespace tend::fuzz {

namespace {
std::map<std::string, Target>& registry() {
  static std::map<std::string, Target> targets;
  return targets;
}
}  // namespace

Registration::Registration(const char* name, Target target) {
  registry()[name] = target;
}

}  // namespace tend::fuzz

int main(int argc, char** argv) {
  using tend::fuzz::registry;
  if (argc == 2 && std::string(argv[1]) == "--list") {
    for (const auto& [name, target] : registry()) std::printf("%s\n", name.c_str());
    return 0;
  }
  if (argc < 2) {
    std::fprintf(stderr, "usage: fuzz_replay DIR... | --list\n");
    return 2;
  }
  tend::fuzz::init();
  std::size_t inputs = 0;
  std::map<std::string, std::size_t> per_target;
  for (int i = 1; i < argc; ++i) {
    std::error_code ec;
    for (const fs::directory_entry& dir : fs::directory_iterator(argv[i], ec)) {
      if (!dir.is_directory()) continue;  // a README
      const std::string name = dir.path().filename();
      auto target = registry().find(name);
      if (target == registry().end()) {
        std::fprintf(stderr, "fuzz_replay: %s: no target is named %s\n", argv[i], name.c_str());
        return 1;
      }
      for (const fs::directory_entry& file : fs::directory_iterator(dir.path())) {
        std::ifstream in(file.path(), std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), {});
        target->second(bytes);
        ++inputs;
        ++per_target[name];
      }
    }
    if (ec) {
      std::fprintf(stderr, "fuzz_replay: %s: %s\n", argv[i], ec.message().c_str());
      return 1;
    }
  }
  // Every target has seeds: a target that is never run is no test.
  for (const auto& [name, target] : registry()) {
    if (per_target[name] == 0) {
      std::fprintf(stderr, "fuzz_replay: the target %s had no input\n", name.c_str());
      return 1;
    }
  }
  std::printf("fuzz_replay: %zu inputs over %zu targets, none failed\n", inputs, registry().size());
  return 0;
}
