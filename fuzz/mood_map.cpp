// Daylio mood labels as mapped on the command line (--mood-map).
#include "core/import.hpp"
#include "fuzz/fuzz.hpp"

using namespace tend;

TEND_FUZZ_TARGET(mood_map) {
  Result<std::vector<MoodLabel>> map = parse_mood_map(input);
  // A command-line option: a bad map is a usage error.
  if (!map.is_ok()) TEND_FUZZ_CHECK(map.status().kind() == ErrorKind::kUsage);
}
