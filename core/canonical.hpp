// Canonical JSON for audit entries: RFC 8785 (JCS) restricted to objects,
// arrays, strings and integers. Keys are ASCII and sorted, no whitespace,
// strings escape exactly `"`, `\`, and control characters (\b \f \n \r \t,
// else \u00xx lowercase), integers are -?(0|[1-9][0-9]*) within int64.
// One value has exactly one canonical spelling, so its bytes can be hashed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/when.hpp"

namespace tend {

// The top-level fields every audit entry has, read while checking that the
// whole text is canonical. `error` says what is wrong when it is not.
struct EntryHead {
  std::int64_t seq = -1;
  std::int64_t time = -1;
  std::string kind;
  bool has_meta = false;
  std::string error;  // empty when the entry is canonical and has the fields
};

// Entry times are UTC seconds from 1970 to the end of 9999.
constexpr std::int64_t kMaxEntryTime = kMaxShownUtc;

EntryHead scan_entry(std::string_view bytes);

}  // namespace tend
