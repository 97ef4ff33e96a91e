#include "cli/child.hpp"

#include <wordexp.h>

#include <string_view>

extern char** environ;

namespace tend::cli {

int split_command(const std::string& line, std::vector<std::string>* words) {
  wordexp_t w{};
  const int code = ::wordexp(line.c_str(), &w, WRDE_NOCMD);
  if (code == 0) {
    for (std::size_t i = 0; i < w.we_wordc; ++i) words->emplace_back(w.we_wordv[i]);
  }
  if (code == 0 || code == WRDE_NOSPACE) ::wordfree(&w);
  return code;
}

std::vector<std::string> child_environment() {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view v = *e;
    if (v.rfind("TEND_PASSPHRASE=", 0) == 0 || v.rfind("TEND_PASSPHRASE_COMMAND=", 0) == 0) {
      continue;
    }
    out.emplace_back(v);
  }
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace tend::cli
