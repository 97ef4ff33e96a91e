// Consent grants: the user's record of what may leave the vault, to whom,
// for what, and until when. Format and rules: docs/export-format.md.
//
// Invariants:
//   - A grant's terms never change after it is made; only its export count
//     grows and it can be revoked (once, for good).
//   - Every grant made or revoked is an audit entry carrying the terms, so a
//     verifier can replay every export against them.
//   - `notes` is never implied by `mood`; notes travel only at raw granularity.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/status.hpp"
#include "core/audit.hpp"
#include "core/consent_replay.hpp"
#include "core/db.hpp"
#include "core/json.hpp"
#include "core/names.hpp"
#include "core/vault.hpp"

namespace tend {

// The data a grant can cover, in canonical order. Notes are never implied by
// mood; they travel inside mood rows.
enum class Category { kMood = 0, kNotes = 1, kAppUsage = 2, kAlliance = 3 };
inline constexpr NameTable<Category, 4> kCategoryNames{{{{Category::kMood, "mood"},
                                                         {Category::kNotes, "notes"},
                                                         {Category::kAppUsage, "app_usage"},
                                                         {Category::kAlliance, "alliance"}}}};

enum class PurposeCategory { kCare = 0, kResearch = 1, kPersonal = 2, kOther = 3 };
inline constexpr NameTable<PurposeCategory, 4> kPurposeCategoryNames{
    {{{PurposeCategory::kCare, "care"},
      {PurposeCategory::kResearch, "research"},
      {PurposeCategory::kPersonal, "personal"},
      {PurposeCategory::kOther, "other"}}}};

enum class Granularity { kRaw = 0, kDaily = 1, kWeekly = 2 };
inline constexpr NameTable<Granularity, 3> kGranularityNames{{{{Granularity::kRaw, "raw"},
                                                               {Granularity::kDaily, "daily"},
                                                               {Granularity::kWeekly, "weekly"}}}};

// Where a grant stands at a moment. Revoked is for good; expired and exhausted
// (its export limit used up) follow from the time and the count.
enum class GrantState { kActive = 0, kRevoked = 1, kExpired = 2, kExhausted = 3 };
inline constexpr NameTable<GrantState, 4> kGrantStateNames{
    {{{GrantState::kActive, "active"},
      {GrantState::kRevoked, "revoked"},
      {GrantState::kExpired, "expired"},
      {GrantState::kExhausted, "exhausted"}}}};

// The names of `categories`, in their order.
std::vector<std::string> category_names(const std::vector<Category>& categories);

struct Grant {
  std::string id;  // "g" + 6 characters, random
  std::string recipient;
  std::vector<std::string> recipient_keys;  // age1...
  std::string purpose;
  PurposeCategory purpose_category = PurposeCategory::kCare;
  std::vector<Category> categories;  // canonical order, unique
  Granularity granularity = Granularity::kRaw;
  std::optional<std::int64_t> from, until;  // the data window, inclusive
  std::int64_t created = 0;
  std::int64_t expires = 0;
  std::optional<std::int64_t> max_exports;
  std::int64_t exports = 0;
  std::optional<std::int64_t> revoked_at;
  std::optional<std::string> revoke_reason;
  std::string receipt_id;  // UUID v4

  bool has(Category category) const;
  GrantState state(std::int64_t now) const;
};

// A grant as `tend grant show --json` gives it (docs/cli.md): its state at
// `now`, every time as "name" by `iso` and "name_unix".
Json grant_json(const Grant& g, std::int64_t now,
                const std::function<std::string(std::int64_t)>& iso);

// The terms as they enter the audit log (no revocation reason, no count).
Json grant_terms(const Grant& g);
// Fingerprint of a recipient key for the log: the first 16 hex digits of SHA-256("age1...").
std::string recipient_fingerprint(const std::string& age_recipient);

// Validates and normalises new terms (categories sorted, keys checked).
Status validate_grant(Grant& g, std::int64_t now);

// Creates the grant (id, receipt id and created time are set here) and logs grant.created.
Result<Grant> add_grant(Db& db, AuditLog& audit, Grant g, std::int64_t now);
Result<Grant> get_grant(Db& db, const std::string& id);
// All grants, or only the active ones.
Result<std::vector<Grant>> list_grants(Db& db, bool include_inactive, std::int64_t now);
// Revokes for good and logs grant.revoked. kInvalidInput if the log says it
// was revoked already; kCorrupt if the log has no grant.created for it.
Result<Grant> revoke_grant(Db& db, AuditLog& audit, const std::string& id,
                           std::optional<std::string> reason, std::int64_t now);

// What the audit log says about grant `id`: nullopt if no grant.created names
// it; kCorrupt if its entries break the consent rules (core/consent_replay.hpp).
Result<std::optional<LoggedGrant>> logged_grant(Db& db, const std::string& id);

// A grant read from the consent table and checked against the audit log, of
// which the table is only a cache. What leaves the vault is decided by a grant
// that passed this check.
struct CheckedGrant {
  std::optional<Grant> grant;  // set when the table and the log agree on it
  // What the log says, where it names the grant. A grant the log has revoked
  // may be missing from the table: one made after the backup a vault was
  // restored from (its recipient keys were never logged; rederive_consent).
  std::optional<LoggedGrant> logged;
  // kCorrupt, saying how, when they do not: a term, the revocation or the
  // export count differs, or one of them lacks the grant. Both ok and no grant:
  // neither knows it.
  Status tampered;
};
Result<CheckedGrant> consented_grant(Db& db, const std::string& id);

// tend restore, once the entries its backup lacked are re-appended: the
// consent table made to say what the whole log says. A grant in the table
// takes the log's revocation and export count, so one revoked or used up after
// the backup stays so. A grant made after the backup is not in the table (its
// recipient keys were never logged) and can never export again: if the log
// shows it still active, it is revoked now and the revocation logged. Returns
// the ids of the grants so revoked.
// REQUIRES: a write transaction, as for AuditLog::record().
Result<std::vector<std::string>> rederive_consent(Db& db, AuditLog& audit, std::int64_t now);

// kConsentRefused, with the reason, unless the grant allows one more export now.
Status check_export_allowed(const Grant& g, std::int64_t now);

bool valid_grant_id(std::string_view id);

// Counts one more export under grant `id`; only the consent code writes its table.
// REQUIRES: inside the transaction that appends the export's entry.
Status count_export(Db& db, const std::string& id);

// The operations behind tend grant add, list, show and revoke.
Result<Grant> grant_add(Vault& vault, const Grant& terms, std::int64_t now);
struct GrantListRequest {
  bool all = false;  // revoked, expired and used-up grants too
};
Result<std::vector<Grant>> grant_list(Vault& vault, const GrantListRequest& request,
                                      std::int64_t now);
struct GrantId {
  std::string id;
};
Result<Grant> grant_show(Vault& vault, const GrantId& request, std::int64_t now);
struct RevokeRequest {
  std::string id;
  std::optional<std::string> reason;
};
Result<Grant> grant_revoke(Vault& vault, const RevokeRequest& request, std::int64_t now);

}  // namespace tend
