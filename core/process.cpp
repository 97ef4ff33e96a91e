#include "core/process.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace tend {
namespace {

std::string read_first_line(const std::string& path) {
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);
  return line;
}

std::string boot_id() {
  return read_first_line("/proc/sys/kernel/random/boot_id");
}

// Field 22 of /proc/PID/stat: the process's start time. The command name
// (field 2) is in parentheses and may hold spaces, so fields count from its end.
std::string start_time(long pid) {
  const std::string stat = read_first_line(fmt::format("/proc/{}/stat", pid));
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i == 22) return field;
  }
  return {};
}

}  // namespace

std::string process_token() {
  const long pid = static_cast<long>(::getpid());
  return fmt::format("{}:{}:{}", boot_id(), pid, start_time(pid));
}

bool process_alive(const std::string& token) {
  const auto first = token.find(':');
  const auto second = token.find(':', first + 1);
  if (first == std::string::npos || second == std::string::npos) return false;
  if (token.substr(0, first) != boot_id()) return false;
  long pid = 0;
  const std::string_view pid_text(token.data() + first + 1, second - first - 1);
  auto [p, ec] = std::from_chars(pid_text.data(), pid_text.data() + pid_text.size(), pid);
  if (ec != std::errc() || pid <= 0) return false;
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return false;
  return start_time(pid) == token.substr(second + 1);
}

}  // namespace tend
