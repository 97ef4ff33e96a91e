// Daylio's CSV backup export (tend import daylio).
#include "core/import.hpp"
#include "fuzz/fuzz.hpp"

using namespace tend;

TEND_FUZZ_TARGET(daylio) {
  Result<ImportBatch> batch = read_daylio(fuzz::file_with("daylio.csv", input), {});
  if (!batch.is_ok()) TEND_FUZZ_CHECK(batch.status().kind() == ErrorKind::kInvalidInput);
}
