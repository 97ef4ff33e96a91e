// Validation of user-supplied text that is stored in the journal.
#pragma once

#include <string_view>

#include "core/status.hpp"
#include "crypto/encoding.hpp"

namespace tend {

using crypto::valid_utf8;

// A short label (app name, category, feature, tag): 1..max_bytes bytes of valid
// UTF-8 without control characters. `what` names it in the error.
Status check_label(std::string_view value, std::string_view what, std::size_t max_bytes);

// A note: valid UTF-8, at most kMaxNoteBytes, no control characters but tab and newline.
constexpr std::size_t kMaxNoteBytes = std::size_t{64} * 1024;
Status check_note(std::string_view note);

}  // namespace tend
