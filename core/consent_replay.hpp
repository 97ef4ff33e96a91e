// Consent replay: what the audit log says about every grant, and the rules its
// grant, revocation, receipt and export entries must keep (docs/export-format.md,
// "Replay").
//
// The verifier runs it over a whole package. tend runs it over one grant's
// entries before it exports or issues a receipt, so the consent table in the
// vault is only a cache of the log: a table row that differs from what the log
// says is refused as tampered, never trusted.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/json.hpp"

namespace tend {

// Whether replay reads entries of this kind.
bool is_consent_kind(std::string_view kind);

// The reasons an export.refused entry may give.
inline constexpr std::string_view kRefusalReasons[] = {"no_grant", "revoked", "expired", "limit",
                                                       "tampered"};

// A grant as the log tells it.
struct LoggedGrant {  // NOLINT(bugprone-exception-escape)
  Json terms;         // the meta of its grant.created entry
  std::int64_t created_seq = 0;
  std::optional<std::int64_t> revoked_seq;
  std::optional<std::int64_t> revoked_time;
  std::int64_t exports = 0;  // export.created entries so far
};

class ConsentReplay {
 public:
  // Applies one entry, in log order. Empty when the entry keeps the rules, else
  // the violation, worded to follow "consent violation at entry N: ".
  // REQUIRES: `meta` is the entry's meta object.
  std::string apply(std::int64_t seq, std::int64_t time, std::string_view kind, const Json& meta);

  const LoggedGrant* grant(const std::string& id) const;
  const std::map<std::string, LoggedGrant>& all_grants() const { return grants_; }
  // The export.created entry whose ciphertext has this SHA-256 (hex), if any.
  std::optional<std::int64_t> export_with_sha256(const std::string& sha256) const;

  std::size_t grants() const { return grants_.size(); }
  std::size_t exports() const { return export_count_; }
  std::size_t refusals() const { return refusals_; }
  // takeout.created entries: the owner's own copies, under no grant.
  std::size_t takeouts() const { return takeouts_by_sha256_.size() + takeouts_unnamed_; }
  std::optional<std::int64_t> takeout_with_sha256(const std::string& sha256) const;

 private:
  std::string grant_created(std::int64_t seq, std::int64_t time, const Json& meta);
  std::string export_created(std::int64_t seq, std::int64_t time, const Json& meta);

  std::map<std::string, LoggedGrant> grants_;
  std::map<std::string, std::int64_t> exports_by_sha256_;
  std::size_t export_count_ = 0;
  std::size_t refusals_ = 0;
  std::map<std::string, std::int64_t> takeouts_by_sha256_;
  std::size_t takeouts_unnamed_ = 0;  // plaintext ones (no digest is logged)
};

}  // namespace tend
