// ActivityWatch's /api/0/export JSON (tend import activitywatch), with every
// app and titles kept, so that all of an event is read.
#include "core/import.hpp"
#include "fuzz/fuzz.hpp"

using namespace tend;

TEND_FUZZ_TARGET(activitywatch) {
  ActivityWatchOptions options;
  options.all_apps = true;
  options.keep_titles = true;
  Result<ImportBatch> batch = read_activitywatch(fuzz::file_with("aw.json", input), options);
  if (!batch.is_ok()) TEND_FUZZ_CHECK(batch.status().kind() == ErrorKind::kInvalidInput);
}
