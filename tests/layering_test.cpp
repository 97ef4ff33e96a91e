// The layers: base <- crypto <- core <- cli. Each includes only what is below
// it, and cli/ reaches nothing past core: no crypto/ header, no libsodium, no
// SQLite, no transaction. Read from the sources themselves.
#include <catch2/catch.hpp>

#include <dirent.h>

#include <fstream>
#include <regex>
#include <sstream>

namespace {

const std::string kRoot = TEND_SOURCE_DIR;

std::vector<std::string> sources(const std::string& layer) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir((kRoot + "/" + layer).c_str())) {
    while (dirent* e = ::readdir(d)) {
      const std::string n = e->d_name;
      if (n.size() > 4 && (n.ends_with(".cpp") || n.ends_with(".hpp"))) {
        out.push_back(layer + "/" + n);
      }
    }
    ::closedir(d);
  }
  return out;
}

std::string read(const std::string& path) {
  std::ifstream f(kRoot + "/" + path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::string> includes(const std::string& text) {
  static const std::regex include(R"re(^\s*#\s*include\s*[<"]([^>"]+)[>"])re");
  std::vector<std::string> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, include)) out.push_back(m[1]);
  }
  return out;
}

bool starts(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

}  // namespace

TEST_CASE("each layer includes only the layers below it", "[layering]") {
  struct Rule {
    const char* layer;
    std::vector<const char*> forbidden;  // include prefixes
  };
  const Rule rules[] = {
      {"base", {"crypto/", "core/", "cli/", "sodium.h", "sqlite3.h"}},
      {"crypto", {"core/", "cli/", "sqlite3.h"}},
      {"core", {"cli/"}},
      {"cli", {"crypto/", "sodium.h", "sqlite3.h"}},
      {"fuzz", {"cli/", "tests/"}},  // the parsers, reached as core and crypto expose them
  };
  std::size_t files = 0;
  for (const Rule& r : rules) {
    for (const std::string& file : sources(r.layer)) {
      ++files;
      for (const std::string& inc : includes(read(file))) {
        for (const char* bad : r.forbidden) {
          INFO(file << " includes " << inc);
          CHECK_FALSE(starts(inc, bad));
        }
      }
    }
  }
  CHECK(files > 60);
}

TEST_CASE("cli/ holds no SQL, no transaction and no libsodium", "[layering]") {
  std::size_t files = 0;
  for (const std::string& file : sources("cli")) {
    ++files;
    const std::string text = read(file);
    for (const char* word : {"sqlite3_", "sodium", "Transaction"}) {
      INFO(file << " mentions " << word);
      CHECK(text.find(word) == std::string::npos);
    }
  }
  CHECK(files > 10);
}

TEST_CASE("test names survive ctest: no semicolon, no leading dash", "[layering]") {
  // catch_discover_tests passes names through CMake lists (a ';' splits one
  // test in two) and the command line (a leading '-' reads as an option).
  static const std::regex test_case(R"re(TEST_CASE\(\s*"([^"]*)")re");
  std::size_t names = 0;
  for (const char* dir : {"tests", "tests/core", "tests/cli", "tests/crypto"}) {
    for (const std::string& file : sources(dir)) {
      const std::string text = read(file);
      for (auto it = std::sregex_iterator(text.begin(), text.end(), test_case);
           it != std::sregex_iterator(); ++it) {
        const std::string name = (*it)[1];
        ++names;
        INFO(file << ": " << name);
        CHECK(name.find(';') == std::string::npos);
        CHECK_FALSE(name.starts_with("-"));
      }
    }
  }
  CHECK(names > 150);
}
