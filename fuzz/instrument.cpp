// Instrument definitions (tend checkin --instrument FILE): a clinician's file.
#include "core/checkin.hpp"
#include "fuzz/fuzz.hpp"

using namespace tend;

TEND_FUZZ_TARGET(instrument) {
  Result<Instrument> in = parse_instrument(input);
  if (!in.is_ok()) return;
  TEND_FUZZ_CHECK(!in->items.empty() && !in->scale.empty());
  for (std::size_t i = 0; i < in->items.size(); ++i) (void)item_text(*in, i, "an app");
  // Every answer at each end of the scale scores within the stated range.
  for (const Instrument::Choice& c : {in->scale.front(), in->scale.back()}) {
    TEND_FUZZ_CHECK(on_scale(*in, c.value));
    const double score = instrument_score(*in, std::vector<int>(in->items.size(), c.value));
    TEND_FUZZ_CHECK(score >= in->score_min - 1e-9 && score <= in->score_max + 1e-9);
  }
}
