// The time grammar of --at, --from, --until and durations, and the RFC 3339
// times of imported files.
#include "core/when.hpp"
#include "fuzz/fuzz.hpp"

using namespace tend;

TEND_FUZZ_TARGET(when) {
  for (TimeRole role : {TimeRole::kPoint, TimeRole::kRangeStart, TimeRole::kRangeEnd}) {
    std::string notice;
    Result<Instant> at = parse_when(input, fuzz::kNow, role, &notice);
    if (!at.is_ok()) continue;
    // What tend prints for an instant reads back as that instant.
    Result<Instant> again = parse_when(format_iso(*at), fuzz::kNow, TimeRole::kRangeStart);
    TEND_FUZZ_CHECK(again.is_ok() && again->utc == at->utc);
  }
  if (Result<std::int64_t> d = parse_duration(input); d.is_ok()) {
    TEND_FUZZ_CHECK(*d >= 1 && *d <= 24 * 3600);
    Result<std::int64_t> again = parse_duration(format_duration(*d));
    TEND_FUZZ_CHECK(again.is_ok() && *again == *d);
  }
  (void)parse_rfc3339_micros(input);
}
