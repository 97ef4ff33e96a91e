// Consent receipts in the Kantara Consent Receipt v1.1 shape, with the
// ISO/IEC TS 27560 fields that fit. Format: docs/export-format.md.
#pragma once

#include "core/consent.hpp"
#include "core/header.hpp"
#include "core/json.hpp"
#include "core/vault.hpp"

namespace tend {

// piiCategory values implied by the categories a grant covers.
std::vector<std::string> pii_categories(const Grant& g);

// The receipt for `g`, issued by the vault with header `h` at `now`.
Json consent_receipt(const Grant& g, const VaultHeader& h, std::int64_t now);

struct IssuedReceipt {
  Grant grant;
  std::string path, signature_path;
  std::int64_t audit_seq = -1;
};

// Writes the receipt for grant `grant_id` to `path` and its minisign signature
// to `path`.minisig, and logs receipt.issued. The grant must match its audit
// entries (kCorrupt otherwise: a receipt never states terms the log does not).
// The entry is durable before either file has its name; the signature is
// named first. Neither path may exist.
Result<IssuedReceipt> issue_receipt(Vault& vault, const std::string& grant_id,
                                    const std::string& path, std::int64_t now);

}  // namespace tend
