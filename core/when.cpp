#include "core/when.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <ctime>
#include <optional>

#include <fmt/format.h>

#include "core/text.hpp"

namespace tend {
namespace {

constexpr std::int64_t kDay = 86400;

Status bad_time(std::string_view text, std::string_view why = {}) {
  const std::string what = phrase_with("cannot read the time", text);
  return usage_error(
      why.empty() ? what : fmt::format("{}: {}", what, why),
      "use now, today, yesterday, HH:MM, 2026-11-25, 2026-11-25T08:30[+01:00] or -90m/-2h/-3d");
}

// Reads exactly `n` digits at `pos`.
std::optional<int> digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

bool leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}
int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

// Days from 1970-01-01 to y-m-d (proleptic Gregorian).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool shown(std::int64_t utc) {
  return utc >= kMinShownUtc && utc <= kMaxShownUtc;
}

std::int32_t local_offset(std::int64_t utc) {
  const std::time_t t = static_cast<std::time_t>(shown(utc) ? utc : 0);
  std::tm tm{};
  if (localtime_r(&t, &tm) == nullptr) return 0;
  return static_cast<std::int32_t>(tm.tm_gmtoff);
}

// Local wall-clock time to UTC (mktime picks the DST side for ambiguous times,
// and moves a time in a gap forward by the gap). With `notice`, says when the
// time read is not the wall-clock time given.
std::int64_t from_local(int y, int mo, int d, int h, int mi, int s, std::string* notice = nullptr) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  tm.tm_isdst = -1;
  const auto utc = static_cast<std::int64_t>(std::mktime(&tm));
  if (notice != nullptr && (tm.tm_hour != h || tm.tm_min != mi)) {
    *notice = fmt::format(
        "{:02}:{:02} does not exist on {:04}-{:02}-{:02} here (the clocks went forward): read as "
        "{:02}:{:02}",
        h, mi, y, mo, d, tm.tm_hour, tm.tm_min);
  }
  return utc;
}

// REQUIRES: shown(utc).
std::tm local_tm(std::int64_t utc) {
  const std::time_t t = static_cast<std::time_t>(utc);
  std::tm tm{};
  if (localtime_r(&t, &tm) == nullptr) gmtime_r(&t, &tm);
  return tm;
}

// Start of the local day containing `utc`, shifted by `day_delta` days.
std::int64_t local_midnight(std::int64_t utc, int day_delta) {
  std::tm tm = local_tm(utc);
  return from_local(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday + day_delta, 0, 0, 0);
}

Instant day_in_role(int y, int mo, int d, TimeRole role) {
  switch (role) {
    case TimeRole::kRangeStart:
      return local_instant(from_local(y, mo, d, 0, 0, 0));
    case TimeRole::kRangeEnd:
      return local_instant(from_local(y, mo, d + 1, 0, 0, 0) - 1);
    case TimeRole::kPoint:
      break;
  }
  return local_instant(from_local(y, mo, d, 12, 0, 0));
}

Result<Instant> parse_relative(std::string_view text, std::int64_t now) {
  std::string_view rest = text.substr(1);
  if (rest.empty()) return bad_time(text);
  std::int64_t total = 0;
  std::int64_t months = 0;  // calendar months and years, counted on the local calendar
  while (!rest.empty()) {
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), n);
    if (ec != std::errc() || p == rest.data() || p == rest.data() + rest.size() || n < 0 ||
        n > 100000) {
      return bad_time(text);
    }
    std::int64_t unit = 0;
    std::size_t unit_len = 1;
    switch (*p) {
      case 's':
        unit = 1;
        break;
      case 'm':
        if (p + 1 < rest.data() + rest.size() && p[1] == 'o') {
          unit_len = 2;
          months += n;
        } else {
          unit = 60;
        }
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = kDay;
        break;
      case 'w':
        unit = 7 * kDay;
        break;
      case 'y':
        months += 12 * n;
        break;
      default:
        return bad_time(text, "units are s, m, h, d, w, mo, y");
    }
    if (months > 100 * 12) return bad_time(text, "too far back");
    total += n * unit;
    rest.remove_prefix(static_cast<std::size_t>(p - rest.data()) + unit_len);
  }
  if (total > std::int64_t{100} * 366 * kDay) return bad_time(text, "too far back");
  std::int64_t base = now;
  if (months > 0) {
    // The same wall-clock time that many months back; a day the month lacks
    // (the 31st, 29 February) is its last day.
    std::tm tm = local_tm(now);
    const std::int64_t m0 = (tm.tm_year + 1900) * std::int64_t{12} + tm.tm_mon - months;
    const int y = static_cast<int>(m0 / 12);
    const int mo = static_cast<int>(m0 % 12) + 1;
    if (y < 1970) return bad_time(text, "too far back");
    base = from_local(y, mo, std::min(tm.tm_mday, days_in_month(y, mo)), tm.tm_hour, tm.tm_min,
                      tm.tm_sec);
  }
  // Dates are read within 1970..9999 (docs/cli.md); so is what a relative time
  // reaches, or tend would print a time it cannot read back.
  if (base - total < 0) return bad_time(text, "too far back");
  return local_instant(base - total);
}

// monday..sunday (or mon..sun): the most recent such day, today included.
std::optional<int> weekday_named(std::string_view text) {
  static constexpr std::string_view kNames[] = {"sunday",   "monday", "tuesday", "wednesday",
                                                "thursday", "friday", "saturday"};
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (int i = 0; i < 7; ++i) {
    if (lower == kNames[i] || (lower.size() == 3 && kNames[i].substr(0, 3) == lower)) return i;
  }
  return std::nullopt;
}

// Parses an offset suffix (Z, ±HH, ±HH:MM, ±HHMM); nullopt if malformed.
std::optional<std::int32_t> parse_offset(std::string_view s) {
  if (s == "Z" || s == "z") return 0;
  if (s.size() < 3 || (s[0] != '+' && s[0] != '-')) return std::nullopt;
  const int sign = s[0] == '-' ? -1 : 1;
  auto hh = digits(s, 1, 2);
  std::optional<int> mm = 0;
  if (s.size() == 6 && s[3] == ':') {
    mm = digits(s, 4, 2);
  } else if (s.size() == 5) {
    mm = digits(s, 3, 2);
  } else if (s.size() != 3) {
    return std::nullopt;
  }
  if (!hh || !mm || *hh > 14 || *mm > 59) return std::nullopt;
  return sign * (*hh * 3600 + *mm * 60);
}

Result<Instant> parse_absolute(std::string_view text, std::int64_t now, TimeRole role,
                               std::string* notice) {
  // HH:MM (or H:MM)
  if ((text.size() == 5 && text[2] == ':') || (text.size() == 4 && text[1] == ':')) {
    const std::size_t hw = text.size() - 3;
    auto h = digits(text, 0, hw), m = digits(text, hw + 1, 2);
    if (!h || !m || *h > 23 || *m > 59) return bad_time(text);
    std::tm tm = local_tm(now);
    std::int64_t t = from_local(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, *h, *m, 0, notice);
    // A point time of day later than now means the most recent one: yesterday's.
    if (role == TimeRole::kPoint && t > now + kFutureSlackSeconds) {
      if (notice != nullptr) notice->clear();
      t = from_local(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday - 1, *h, *m, 0, notice);
    }
    return local_instant(t);
  }
  // YYYY and YYYY-MM: a year or a month, for ranges
  if (text.size() == 4 || (text.size() == 7 && text[4] == '-')) {
    auto yy = digits(text, 0, 4);
    auto mm = text.size() == 7 ? digits(text, 5, 2) : std::optional<int>(1);
    if (!yy || !mm) return bad_time(text);
    if (*yy < 1970 || *yy > 9999 || *mm < 1 || *mm > 12) return bad_time(text, "no such month");
    if (role == TimeRole::kPoint) {
      return bad_time(text, "a month or a year is a range: give a date, or use --from/--until");
    }
    if (role == TimeRole::kRangeStart) return day_in_role(*yy, *mm, 1, role);
    if (text.size() == 4) return day_in_role(*yy, 12, 31, role);
    return day_in_role(*yy, *mm, days_in_month(*yy, *mm), role);
  }
  // YYYY-MM-DD...
  auto y = digits(text, 0, 4), mo = digits(text, 5, 2), d = digits(text, 8, 2);
  if (text.size() < 10 || !y || !mo || !d || text[4] != '-' || text[7] != '-') {
    return bad_time(text);
  }
  if (*y < 1970 || *y > 9999 || *mo < 1 || *mo > 12 || *d < 1 || *d > days_in_month(*y, *mo)) {
    return bad_time(text, "no such date");
  }
  if (text.size() == 10) return day_in_role(*y, *mo, *d, role);

  if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') return bad_time(text);
  auto h = digits(text, 11, 2), mi = digits(text, 14, 2);
  if (!h || !mi || text.size() < 16 || text[13] != ':' || *h > 23 || *mi > 59) {
    return bad_time(text);
  }
  int sec = 0;
  std::size_t pos = 16;
  if (pos < text.size() && text[pos] == ':') {
    auto s = digits(text, pos + 1, 2);
    if (!s || *s > 59) return bad_time(text);
    sec = *s;
    pos += 3;
    if (pos < text.size() && text[pos] == '.') {  // fractions of a second are dropped
      ++pos;
      const std::size_t start = pos;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
      if (pos == start) return bad_time(text);
    }
  }
  if (pos == text.size()) return local_instant(from_local(*y, *mo, *d, *h, *mi, sec, notice));
  auto offset = parse_offset(text.substr(pos));
  if (!offset) return bad_time(text, "bad UTC offset");
  const std::int64_t utc =
      (days_from_civil(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d)) * kDay) +
      std::int64_t{*h} * 3600 + std::int64_t{*mi} * 60 + sec - *offset;
  return Instant{utc, *offset};
}

struct Civil {
  std::int64_t y;
  unsigned m, d;
};
Civil civil_from_days(std::int64_t days) {
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

}  // namespace

namespace {

// A date and time of day that exists on the calendar, within 1970..9999.
bool is_wall_time(int year, int month, int day, int hour, int minute, int second) {
  return year >= 1970 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 &&
         day <= days_in_month(year, month) && hour >= 0 && hour <= 23 && minute >= 0 &&
         minute <= 59 && second >= 0 && second <= 59;
}

}  // namespace

std::optional<Instant> local_wall_time(int year, int month, int day, int hour, int minute,
                                       int second, std::string* notice) {
  if (!is_wall_time(year, month, day, hour, minute, second)) return std::nullopt;
  return local_instant(from_local(year, month, day, hour, minute, second, notice));
}

std::optional<std::int64_t> parse_rfc3339_micros(std::string_view t) {
  auto y = digits(t, 0, 4), mo = digits(t, 5, 2), d = digits(t, 8, 2);
  auto h = digits(t, 11, 2), mi = digits(t, 14, 2), s = digits(t, 17, 2);
  if (t.size() < 20 || !y || !mo || !d || !h || !mi || !s || t[4] != '-' || t[7] != '-' ||
      (t[10] != 'T' && t[10] != 't' && t[10] != ' ') || t[13] != ':' || t[16] != ':') {
    return std::nullopt;
  }
  if (*y < 1970 || *mo < 1 || *mo > 12 || *d < 1 || *d > days_in_month(*y, *mo) || *h > 23 ||
      *mi > 59 || *s > 60) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  std::int64_t micros = 0;
  if (t[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    std::int64_t scale = 100000;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') {
      micros += (t[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  std::optional<std::int32_t> offset;
  if (pos < t.size()) offset = parse_offset(t.substr(pos));
  if (!offset) return std::nullopt;
  const std::int64_t seconds =
      (days_from_civil(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d)) * kDay) +
      std::int64_t{*h} * 3600 + std::int64_t{*mi} * 60 + std::min(*s, 59) - *offset;
  if (seconds < 0 || seconds > kMaxShownUtc) return std::nullopt;
  return seconds * 1000000 + micros;
}

std::optional<Instant> LocalWallTimes::at(int year, int month, int day, int hour, int minute,
                                          int second, std::string* notice) {
  if (!is_wall_time(year, month, day, hour, minute, second)) return std::nullopt;
  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  if (days != day_) {
    day_ = days;
    const std::int32_t before = local_offset((days - 2) * kDay);
    offset_ = before == local_offset((days + 3) * kDay) ? std::optional(before) : std::nullopt;
  }
  if (!offset_) return local_wall_time(year, month, day, hour, minute, second, notice);
  const std::int64_t naive = days * kDay + std::int64_t{hour} * 3600 + minute * 60 + second;
  return Instant{naive - *offset_, *offset_};
}

std::int32_t LocalOffsets::at(std::int64_t utc) {
  const std::int64_t quarter = utc >= 0 ? utc / 900 : -1;
  if (quarter < 0) return local_offset(utc);
  if (quarter != quarter_) {
    quarter_ = quarter;
    offset_ = local_offset(quarter * 900);
    uniform_ = local_offset(quarter * 900 + 899) == offset_;
  }
  return uniform_ ? offset_ : local_offset(utc);
}

Instant local_instant(std::int64_t utc) {
  return {utc, local_offset(utc)};
}

Result<Instant> parse_when(std::string_view text, std::int64_t now, TimeRole role,
                           std::string* notice) {
  if (text.empty() || text.size() > 40) return bad_time(text);
  Result<Instant> r = Instant{};
  if (text == "now") {
    r = local_instant(now);
  } else if (text == "today" || text == "yesterday") {
    const int delta = text == "today" ? 0 : -1;
    if (role == TimeRole::kPoint) {
      std::tm tm = local_tm(now);
      r = local_instant(from_local(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday + delta, tm.tm_hour,
                                   tm.tm_min, tm.tm_sec));
    } else if (role == TimeRole::kRangeStart) {
      r = local_instant(local_midnight(now, delta));
    } else {
      r = local_instant(local_midnight(now, delta + 1) - 1);
    }
  } else if (text[0] == '-') {
    r = parse_relative(text, now);
  } else if (auto wd = weekday_named(text)) {
    std::tm tm = local_tm(now);
    const int back = (tm.tm_wday - *wd + 7) % 7;
    r = day_in_role(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday - back, role);
    if (role == TimeRole::kPoint && r->utc > now) {
      r = local_instant(from_local(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday - back, tm.tm_hour,
                                   tm.tm_min, tm.tm_sec));
    }
  } else {
    r = parse_absolute(text, now, role, notice);
  }
  if (r.is_ok() && role == TimeRole::kPoint && r->utc > now + kFutureSlackSeconds) {
    return usage_error(phrase_with("the time", text) + " is in the future",
                       "entries record what has happened; use a past time");
  }
  return r;
}

Status check_time_zone(const char* tz, std::int64_t now, std::string* warning) {
  const std::int32_t offset = local_offset(now);
  if (offset > 18 * 3600 || offset < -18 * 3600) {
    return usage_error(
        fmt::format("the time zone gives a UTC offset of {}{:02}:{:02}, beyond ±18:00",
                    offset < 0 ? '-' : '+', std::abs(offset) / 3600, std::abs(offset) / 60 % 60),
        "set TZ to a zone name such as Europe/Berlin, or unset it");
  }
  if (tz == nullptr || tz[0] == '\0') return Status::ok();
  std::string_view name = tz;
  if (name.front() == ':') name.remove_prefix(1);
  // A POSIX rule ("EST5EDT", "<+03>-3", "UTC0") needs no file: a name, then an offset.
  std::size_t i = 0;
  if (!name.empty() && name.front() == '<') {
    i = name.find('>');
    i = i == std::string_view::npos ? name.size() : i + 1;
  } else {
    while (i < name.size() && std::isalpha(static_cast<unsigned char>(name[i]))) ++i;
  }
  if (i >= 3 && i < name.size() &&
      (std::isdigit(static_cast<unsigned char>(name[i])) || name[i] == '+' || name[i] == '-')) {
    return Status::ok();
  }
  const char* dir = std::getenv("TZDIR");
  const std::string path =
      !name.empty() && name.front() == '/'
          ? std::string(name)
          : fmt::format("{}/{}", dir != nullptr ? dir : "/usr/share/zoneinfo", name);
  if (::access(path.c_str(), R_OK) != 0) {
    *warning = fmt::format("unknown time zone {}: times are read and shown in UTC",
                           quote(std::string(tz), 40));
  }
  return Status::ok();
}

std::string format_local(std::int64_t utc) {
  if (!shown(utc)) return fmt::format("@{}", utc);
  std::tm tm = local_tm(utc);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min);
}

std::string format_iso(const Instant& at) {
  if (!shown(at.utc)) return fmt::format("@{}", at.utc);
  const std::int32_t offset =
      at.offset_s >= -kMaxOffsetSeconds && at.offset_s <= kMaxOffsetSeconds ? at.offset_s : 0;
  const std::int64_t local = at.utc + offset;
  std::int64_t days = local / kDay, secs = local % kDay;
  if (secs < 0) {
    secs += kDay;
    --days;
  }
  const Civil c = civil_from_days(days);
  const int off = offset < 0 ? -offset : offset;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{:02}:{:02}", c.y, c.m, c.d, secs / 3600,
                     secs / 60 % 60, secs % 60, offset < 0 ? '-' : '+', off / 3600, off / 60 % 60);
}

std::string format_utc(std::int64_t utc) {
  std::string iso = format_iso(Instant{utc, 0});  // 2026-11-25T16:40:00+00:00
  iso[10] = ' ';
  return iso.substr(0, 19);
}

std::string format_day(std::int64_t day) {
  const Civil c = civil_from_days(day);
  return fmt::format("{:04}-{:02}-{:02}", c.y, c.m, c.d);
}

std::string format_iso_week(std::int64_t day) {
  const std::int64_t weekday = ((day + 3) % 7 + 7) % 7;  // 0 = Monday; 1970-01-01 was a Thursday
  const std::int64_t thursday = day - weekday + 3;
  const Civil c = civil_from_days(thursday);
  const std::int64_t jan1 = days_from_civil(c.y, 1, 1);
  return fmt::format("{:04}-W{:02}", c.y, (thursday - jan1) / 7 + 1);
}

std::int64_t day_number(const Instant& at) {
  const std::int64_t utc = std::clamp(at.utc, kMinShownUtc, kMaxShownUtc);
  const std::int64_t local =
      utc + std::clamp<std::int64_t>(at.offset_s, -kMaxOffsetSeconds, kMaxOffsetSeconds);
  return local >= 0 ? local / kDay : (local - kDay + 1) / kDay;
}

Result<std::int64_t> parse_duration(std::string_view text) {
  auto bad = [&] {
    return usage_error(phrase_with("cannot read the duration", text),
                       "use minutes and hours like 45m, 1h20m or 2h");
  };
  if (text.empty() || text.size() > 20) return bad();
  std::int64_t total = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), n);
    if (ec != std::errc() || p == rest.data() || p == rest.data() + rest.size() || n < 0 ||
        n > 100000) {
      return bad();
    }
    switch (*p) {
      case 's':
        total += n;
        break;
      case 'm':
        total += n * 60;
        break;
      case 'h':
        total += n * 3600;
        break;
      default:
        return bad();
    }
    rest.remove_prefix(static_cast<std::size_t>(p - rest.data()) + 1);
  }
  if (total < 1 || total > kDay) {
    return usage_error(fmt::format("the duration {} is outside 1s..24h", format_duration(total)));
  }
  return total;
}

std::string format_duration(std::int64_t seconds) {
  const std::int64_t h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60;
  std::string out;
  if (h > 0) out += fmt::format("{}h", h);
  if (m > 0) out += fmt::format("{}m", m);
  if (s > 0 || out.empty()) out += fmt::format("{}s", s);
  return out;
}

std::string format_hours_minutes(std::int64_t seconds) {
  const std::int64_t m = (seconds + 30) / 60;
  return m >= 60 ? fmt::format("{}h{:02}m", m / 60, m % 60) : fmt::format("{}m", m);
}

}  // namespace tend
