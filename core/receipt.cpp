#include "core/receipt.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/fs.hpp"
#include "core/text.hpp"
#include "core/when.hpp"
#include "crypto/minisign.hpp"
#include "crypto/sign.hpp"

namespace tend {

std::vector<std::string> pii_categories(const Grant& g) {
  std::vector<std::string> out;
  auto add = [&](const char* c) {
    if (std::find(out.begin(), out.end(), c) == out.end()) out.emplace_back(c);
  };
  if (g.has(Category::kMood) || g.has(Category::kNotes)) add("13 - Mental Health");
  if (g.has(Category::kAlliance)) {
    add("13 - Mental Health");
    add("6 - Health");
  }
  if (g.has(Category::kAppUsage)) add("15 - Behavioral");
  return out;
}

Json consent_receipt(const Grant& g, const VaultHeader& h, std::int64_t now) {
  // The receipt's words for tend's purpose categories.
  static constexpr NameTable<PurposeCategory, 4> kReceiptPurpose{
      {{{PurposeCategory::kCare, "Health care"},
        {PurposeCategory::kResearch, "Research"},
        {PurposeCategory::kPersonal, "Personal use"},
        {PurposeCategory::kOther, "Other"}}}};
  Json events = Json::array({{{"event", "given"}, {"time", g.created}}});
  if (g.revoked_at) events.push_back({{"event", "withdrawn"}, {"time", *g.revoked_at}});
  const std::string termination =
      g.revoked_at ? "Withdrawn by the PII principal at " + format_iso(local_instant(*g.revoked_at))
                   : "Ends at " + format_iso(local_instant(g.expires)) +
                         " or when the PII principal revokes it (tend grant revoke " + g.id + ")";
  Json purpose = {{"purpose", g.purpose},
                  {"purposeCategory", Json::array({kReceiptPurpose.name(g.purpose_category)})},
                  {"consentType", "EXPLICIT"},
                  {"piiCategory", pii_categories(g)},
                  {"primaryPurpose", true},
                  {"termination", termination},
                  {"thirdPartyDisclosure", true},
                  {"thirdPartyName", g.recipient}};
  return {
      // Kantara Consent Receipt v1.1
      {"version", "KI-CR-v1.1.0"},
      {"jurisdiction", "unspecified"},
      {"consentTimestamp", g.created},
      {"collectionMethod",
       "tend grant add, given explicitly by the PII principal on their own device"},
      {"consentReceiptID", g.receipt_id},
      {"publicKey", crypto::minisign_public_key_line(h.signing_key)},
      {"language", "en"},
      {"piiPrincipalId", h.vault_id},
      {"piiControllers",
       Json::array({{{"piiController", "The PII principal (a self-kept tend journal)"},
                     {"onBehalf", false},
                     {"contact", "the vault owner"},
                     {"address", "not disclosed"},
                     {"email", "not disclosed"},
                     {"phone", "not disclosed"}}})},
      {"policyUrl", "urn:tend:export-policy:v1"},
      {"services", Json::array({{{"service", "tend export to " + g.recipient},
                                 {"purposes", Json::array({purpose})}}})},
      {"sensitive", true},
      {"spiCat", Json::array({"Health (mental health)"})},
      // ISO/IEC TS 27560 additions
      {"schemaVersion", "ISO/IEC TS 27560:2023 (fields that fit)"},
      {"recordId", g.id},
      {"dataCategories", category_names(g.categories)},
      {"granularity", kGranularityNames.name(g.granularity)},
      {"dataWindow",
       {{"from", g.from ? Json(format_iso(local_instant(*g.from))) : Json(nullptr)},
        {"until", g.until ? Json(format_iso(local_instant(*g.until))) : Json(nullptr)}}},
      {"recipientKeys", g.recipient_keys},
      {"validity", {{"from", g.created}, {"until", g.expires}}},
      {"maxExports", g.max_exports ? Json(*g.max_exports) : Json(nullptr)},
      {"retention",
       "The vault keeps this record until the user deletes the vault; recipients' retention "
       "is governed by the stated purpose"},
      {"withdrawalMethod", "tend grant revoke " + g.id + " (effective at once for future exports)"},
      {"state", kGrantStateNames.name(g.state(now))},
      {"events", events},
      {"issuedAt", now},
  };
}

Result<IssuedReceipt> grant_receipt(Vault& vault, const ReceiptRequest& request, std::int64_t now) {
  if (!request.path && !request.signature_path) {
    return usage_error("a receipt without a file needs a file for its signature");
  }
  const std::string sig_path =
      request.signature_path.value_or(request.path.value_or("") + ".minisig");
  // The signature is named before the receipt it signs.
  fs::OutputSet outputs;
  Result<fs::OutputFile*> sig = outputs.add(sig_path);
  if (!sig.is_ok()) return sig.status();
  fs::OutputFile* file = nullptr;
  if (request.path) {
    Result<fs::OutputFile*> f = outputs.add(*request.path);
    if (!f.is_ok()) return f.status();
    file = *f;
  }
  Db& db = vault.db();
  Result<Transaction> tx = Transaction::begin(db);
  if (!tx.is_ok()) return tx.status();
  Result<CheckedGrant> checked = consented_grant(db, request.grant_id);
  if (!checked.is_ok()) return checked.status();
  if (!checked->tampered.is_ok()) return checked->tampered.with_context("no receipt issued");
  if (!checked->grant) {
    return not_found(phrase_with("no grant", request.grant_id),
                     "see the grants with: tend grant list --all");
  }
  const Grant& g = *checked->grant;
  Result<AuditLog> log = vault.audit();
  if (!log.is_ok()) return log.status();
  Result<std::int64_t> seq =
      log->record(kind::kReceiptIssued, {{"grant", g.id}, {"receipt_id", g.receipt_id}}, now);
  if (!seq.is_ok()) return seq.status();

  IssuedReceipt out{g, request.path, sig_path, *seq,
                    dump_json(consent_receipt(g, vault.header(), now), 2) + "\n"};
  Result<crypto::KeyPair> key = vault.device_key(DeviceKey::kSigning);
  if (!key.is_ok()) return key.status();
  crypto::Blake2b512Hasher h;
  h.update(crypto::as_bytes(out.receipt));
  const std::string signature = crypto::minisign_sign(
      *key, h.finish(), "signature from tend (consent receipt)",
      fmt::format("tend consent receipt {} grant={} audit_seq={}", g.receipt_id, g.id, *seq));
  Status s = (*sig)->write(signature);
  if (s.is_ok() && file != nullptr) s = file->write(out.receipt);
  if (s.is_ok()) s = outputs.sync();
  if (s.is_ok()) s = vault.add_pending({*seq, Publication::kReceipt, outputs.identities(), {}});
  if (s.is_ok()) s = tx->commit();
  if (!s.is_ok()) return s.with_context("cannot issue the receipt");

  // Logged. The signature gets its name first, the receipt last.
  s = outputs.publish();
  (void)vault.remove_pending(*seq);
  if (!s.is_ok()) {
    return s.with_context(fmt::format(
        "the receipt is logged (audit entry {}) but its file could not be written", *seq));
  }
  if (file != nullptr) out.receipt.clear();  // it is in its file
  return out;
}

}  // namespace tend
