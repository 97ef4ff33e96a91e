// jrnl's JSON export (tend import jrnl), with a mood score so that entries
// become moods.
#include "core/import.hpp"
#include "fuzz/fuzz.hpp"

using namespace tend;

TEND_FUZZ_TARGET(jrnl) {
  JrnlOptions options;
  options.score = 5;
  Result<ImportBatch> batch = read_jrnl(fuzz::file_with("jrnl.json", input), options);
  if (!batch.is_ok()) TEND_FUZZ_CHECK(batch.status().kind() == ErrorKind::kInvalidInput);
}
