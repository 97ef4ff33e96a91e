#include "base/status.hpp"

namespace tend {

Status Status::with_context(const std::string& context) const {
  if (is_ok()) return *this;
  return error(kind_, context + ": " + message_, hint_);
}

}  // namespace tend
