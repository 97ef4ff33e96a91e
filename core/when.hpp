// Times: the grammar users type (`--at`, `--from`, `--until`), durations, and
// how instants are shown.
//
// An Instant is UTC seconds plus the UTC offset of the local zone at that
// moment (or the offset the user typed), so a day is counted as it was lived.
//
// Grammar (docs/time-grammar.md):
//   now | today | yesterday
//   HH:MM (or H:MM)                 today at that local time
//   YYYY-MM-DD                      a local date
//   YYYY-MM-DD[T| ]HH:MM[:SS[.f]]   a local date-time...
//     [Z | ±HH | ±HH:MM | ±HHMM]    ...or one with an explicit offset
//   -N{s,m,h,d,w,mo,y}...           relative to now, e.g. -90m, -2h, -3d, -1h30m, -1mo, -1y
//   monday .. sunday (mon .. sun)   the most recent such day, today included
//   YYYY-MM | YYYY                  a month or a year (ranges only: --from, --until, --on)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.hpp"

namespace tend {

struct Instant {
  std::int64_t utc = 0;       // seconds since the epoch
  std::int32_t offset_s = 0;  // local offset from UTC at that moment
};

// The instants tend shows as dates: 0001-01-01 to 9999-12-31 (UTC). A stored
// time outside them (a damaged or edited vault, a crafted package) is shown as
// "@<seconds>", and an offset beyond ±18:00 as no offset, never computed with.
constexpr std::int64_t kMinShownUtc = -62135596800;
constexpr std::int64_t kMaxShownUtc = 253402300799;
constexpr std::int32_t kMaxOffsetSeconds = 18 * 3600;

// How a date without a time (or `today`, `yesterday`) is read.
enum class TimeRole {
  kPoint = 0,       // a moment (--at): dates mean noon, `today` means now; never in the future
  kRangeStart = 1,  // --from: the start of the day
  kRangeEnd = 2,    // --until: the end of the day (inclusive)
};

// Allowed lead of a point time over `now`, for clocks that disagree a little.
constexpr std::int64_t kFutureSlackSeconds = 300;

// `notice`, when given, is set if a local time had to be moved: a wall-clock
// time that does not exist (skipped when the clocks went forward) is read as the
// same time after the jump, and the notice says so.
Result<Instant> parse_when(std::string_view text, std::int64_t now, TimeRole role,
                           std::string* notice = nullptr);

// Checks the time zone tend will use (TZ, else the system's). An offset beyond
// ±18:00 (such as TZ=UTC+25) is refused: it cannot be written in RFC 3339. A TZ
// naming no zone this system has is accepted with `warning` set, since the C
// library then silently uses UTC.
Status check_time_zone(const char* tz, std::int64_t now, std::string* warning);

// A local wall-clock date and time read as --at reads one: in the current
// zone, a time the clocks skipped moved forward by the gap (`notice` says so),
// an ambiguous one (clocks went back) on one side. nullopt if there is no such
// date or time (30 February, 24:00) or the year is outside 1970..9999.
std::optional<Instant> local_wall_time(int year, int month, int day, int hour, int minute,
                                       int second, std::string* notice = nullptr);

// local_wall_time for many times in turn (an import's rows): on a day with no
// change of offset within two days of it, computed from the offset alone,
// without the C library's mktime (which looks at the zone file at each call).
class LocalWallTimes {
 public:
  std::optional<Instant> at(int year, int month, int day, int hour, int minute, int second,
                            std::string* notice = nullptr);

 private:
  std::int64_t day_ = INT64_MIN;
  std::optional<std::int32_t> offset_;  // the day's, when it has only one
};

// RFC 3339 with its offset required: "2026-11-20T10:00:00.123456+00:00",
// "2026-11-20T10:00:00Z". Microseconds since the epoch (finer digits dropped);
// nullopt if it is not one, or the instant is not within 1970..9999 in UTC.
std::optional<std::int64_t> parse_rfc3339_micros(std::string_view text);

// The instant in the current local zone.
Instant local_instant(std::int64_t utc);

// The local zone's offset at many instants in turn (an import's sessions),
// asking the C library once per quarter hour of UTC: a quarter hour whose two
// ends have the same offset has it throughout (zones change offset at most
// once in such a span), and any other is asked for each instant.
class LocalOffsets {
 public:
  std::int32_t at(std::int64_t utc);

 private:
  std::int64_t quarter_ = -1;
  bool uniform_ = false;
  std::int32_t offset_ = 0;
};

// "2026-11-25 17:40" in the current local zone.
std::string format_local(std::int64_t utc);
// "2026-11-25 16:40:00" in UTC.
std::string format_utc(std::int64_t utc);
// RFC 3339 with the instant's own offset: "2026-11-25T17:40:00+01:00".
std::string format_iso(const Instant& at);

// The local calendar day of an instant (in its own offset), as days since 1970-01-01.
std::int64_t day_number(const Instant& at);

// A day number (days since 1970-01-01) as "2026-11-25", and its ISO week as "2026-W48".
std::string format_day(std::int64_t day);
std::string format_iso_week(std::int64_t day);

// Durations: "45m", "1h20m", "90s", "2h"; 1 s .. 24 h.
Result<std::int64_t> parse_duration(std::string_view text);
std::string format_duration(std::int64_t seconds);
// A total to the nearest minute: "45m", "1h05m", "1234h10m".
std::string format_hours_minutes(std::int64_t seconds);

}  // namespace tend
