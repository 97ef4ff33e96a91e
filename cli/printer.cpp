#include "cli/printer.hpp"

#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <ostream>

#include <fmt/format.h>

#include "core/text.hpp"

namespace tend::cli {
namespace {

// The zone's name as the system knows it: TZ, else /etc/timezone, else the
// zone file /etc/localtime points to.
std::string zone_name(const char* tz) {
  if (tz != nullptr && tz[0] != '\0') return tz[0] == ':' ? tz + 1 : tz;
  std::ifstream f("/etc/timezone");
  std::string line;
  if (std::getline(f, line) && !line.empty()) return line;
  char target[PATH_MAX];
  const ssize_t n = ::readlink("/etc/localtime", target, sizeof target - 1);
  if (n > 0) {
    const std::string path(target, static_cast<std::size_t>(n));
    const auto at = path.find("zoneinfo/");
    if (at != std::string::npos) return path.substr(at + 9);
  }
  return "the system's local zone";
}

}  // namespace

void Printer::text(std::string_view s) {
  *io_.out << display(s, Newlines::kKeep);
}

void Printer::json(const Json& value) {
  *io_.out << dump_json(value, 2) << "\n";
}

void Printer::raw(std::string_view bytes) {
  io_.out->write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void Printer::warn(std::string_view message) {
  *io_.err << "tend: warning: " << display(message) << "\n";
}

void Printer::note(std::string_view message) {
  *io_.err << "tend: " << display(message) << "\n";
}

std::string Printer::time(std::int64_t utc) const {
  if (!utc_) return format_local(utc);
  std::string iso = format_iso(Instant{utc, 0});
  if (iso.size() < 16 || iso[0] == '@') return iso;
  iso[10] = ' ';
  return iso.substr(0, 16);
}

std::string Printer::iso(std::int64_t utc) const {
  return format_iso(utc_ ? Instant{utc, 0} : local_instant(utc));
}

std::string Printer::iso(const Instant& at) const {
  return format_iso(utc_ ? Instant{at.utc, 0} : at);
}

std::string Printer::zone_line() const {
  if (utc_) return "Times in UTC.\n";
  const std::int32_t offset = local_instant(now_).offset_s;
  const std::int32_t a = offset < 0 ? -offset : offset;
  return fmt::format("Times in {}, UTC{}{:02}:{:02}.\n", zone_name(io_.getenv("TZ")),
                     offset < 0 ? '-' : '+', a / 3600, a / 60 % 60);
}

void Printer::table(const Table& t, bool has_times) {
  if (has_times) text(zone_line());
  t.print(*io_.out, io_.columns);
}

bool Printer::colour() const {
  if (json_ || io_.columns <= 0) return false;
  const char* no = io_.getenv ? io_.getenv("NO_COLOR") : nullptr;
  return no == nullptr || no[0] == '\0';
}

}  // namespace tend::cli
