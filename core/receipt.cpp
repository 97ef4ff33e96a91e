#include "core/receipt.hpp"

#include <algorithm>

#include "core/when.hpp"
#include "crypto/sign.hpp"

namespace tend {

std::vector<std::string> pii_categories(const Grant& g) {
  std::vector<std::string> out;
  auto add = [&](const char* c) {
    if (std::find(out.begin(), out.end(), c) == out.end()) out.emplace_back(c);
  };
  if (g.has("mood") || g.has("notes")) add("13 - Mental Health");
  if (g.has("alliance")) {
    add("13 - Mental Health");
    add("6 - Health");
  }
  if (g.has("app_usage")) add("15 - Behavioral");
  return out;
}

Json consent_receipt(const Grant& g, const VaultHeader& h, std::int64_t now) {
  static const std::map<std::string, std::string> purpose_categories = {
      {"care", "Health care"},
      {"research", "Research"},
      {"personal", "Personal use"},
      {"other", "Other"}};
  Json events = Json::array({{{"event", "given"}, {"time", g.created}}});
  if (g.revoked_at) events.push_back({{"event", "withdrawn"}, {"time", *g.revoked_at}});
  const std::string termination =
      g.revoked_at ? "Withdrawn by the PII principal at " + format_iso(local_instant(*g.revoked_at))
                   : "Ends at " + format_iso(local_instant(g.expires)) +
                         " or when the PII principal revokes it (tend grant revoke " + g.id + ")";
  Json purpose = {{"purpose", g.purpose},
                  {"purposeCategory", Json::array({purpose_categories.at(g.purpose_category)})},
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
      {"dataCategories", g.categories},
      {"granularity", granularity_name(g.granularity)},
      {"dataWindow",
       {{"from", g.from ? Json(format_iso(local_instant(*g.from))) : Json(nullptr)},
        {"until", g.until ? Json(format_iso(local_instant(*g.until))) : Json(nullptr)}}},
      {"recipients", g.recipient_keys},
      {"validity", {{"from", g.created}, {"until", g.expires}}},
      {"maxExports", g.max_exports ? Json(*g.max_exports) : Json(nullptr)},
      {"retention",
       "The vault keeps this record until the user deletes the vault; recipients' retention "
       "is governed by the stated purpose"},
      {"withdrawalMethod", "tend grant revoke " + g.id + " (effective at once for future exports)"},
      {"state", g.state(now)},
      {"events", events},
      {"issuedAt", now},
  };
}

}  // namespace tend
