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

struct ReceiptRequest {
  std::string grant_id;
  // The receipt's file; nullopt: the receipt goes back in the outcome (for stdout).
  std::optional<std::string> path;
  // Its signature's file: path + ".minisig" unless given (required without a path).
  std::optional<std::string> signature_path;
};
struct IssuedReceipt {
  Grant grant;
  std::optional<std::string> path;
  std::string signature_path;
  std::int64_t audit_seq = -1;
  std::string receipt;  // the receipt itself when it has no file
};

// Writes the receipt for the grant and its minisign signature, and logs
// receipt.issued. The grant must match its audit entries (kCorrupt otherwise:
// a receipt never states terms the log does not). The entry is durable before
// either file has its name; the signature is named first. Neither file may exist.
Result<IssuedReceipt> grant_receipt(Vault& vault, const ReceiptRequest& request, std::int64_t now);

}  // namespace tend
