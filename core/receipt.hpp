// Consent receipts in the Kantara Consent Receipt v1.1 shape, with the
// ISO/IEC TS 27560 fields that fit. Format: docs/export-format.md.
#pragma once

#include "core/consent.hpp"
#include "core/header.hpp"
#include "core/json.hpp"

namespace tend {

// piiCategory values implied by the categories a grant covers.
std::vector<std::string> pii_categories(const Grant& g);

// The receipt for `g`, issued by the vault with header `h` at `now`.
Json consent_receipt(const Grant& g, const VaultHeader& h, std::int64_t now);

}  // namespace tend
