#include "core/consent_replay.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/audit.hpp"
#include "core/consent.hpp"
#include "core/text.hpp"

namespace tend {
namespace {

bool is_hex(std::string_view s, std::size_t size) {
  return s.size() == size && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Only these members, each present when `required` says so.
std::string check_members(const Json& meta, std::initializer_list<std::string_view> required,
                          std::initializer_list<std::string_view> optional) {
  for (std::string_view name : required) {
    if (!meta.contains(name)) return fmt::format("it has no '{}'", name);
  }
  for (const auto& item : meta.items()) {
    const std::string& name = item.key();
    const auto known = [&](std::initializer_list<std::string_view> names) {
      return std::find(names.begin(), names.end(), name) != names.end();
    };
    if (!known(required) && !known(optional)) {
      return fmt::format("it has an unexpected member {}", quote(name));
    }
  }
  return {};
}

// A list of strings, each accepted by `ok`, unique; empty when well-formed.
template <typename Pred>
std::string check_string_list(const Json& meta, const char* name, Pred ok) {
  const Json* list = get_array(meta, name);
  if (list == nullptr || list->empty())
    return fmt::format("its '{}' is not a non-empty list", name);
  std::set<std::string> seen;
  for (const Json& item : *list) {
    if (!item.is_string() || !ok(item.get<std::string>()) || !seen.insert(item).second) {
      return fmt::format("its '{}' holds a malformed or repeated item", name);
    }
  }
  return {};
}

bool known_category(const std::string& c) {
  return kCategoryNames.parse(c).has_value();
}

// The categories that carry rows in an export: notes ride inside mood rows.
std::set<std::string> row_categories(const Json& categories) {
  std::set<std::string> out;
  for (const Json& c : categories) {
    if (c != "notes") out.insert(c.get<std::string>());
  }
  return out;
}

// Empty when the export carries term `name` exactly as the grant has it.
std::string term_mismatch(const Json& exported, const Json& granted, std::string_view name,
                          const std::string& grant) {
  const auto e = exported.find(name);
  const auto g = granted.find(name);
  const bool same =
      (e == exported.end()) == (g == granted.end()) && (e == exported.end() || *e == *g);
  if (same) return {};
  if (name == "recipients") {
    return fmt::format("an export to recipient keys that grant {} does not name", grant);
  }
  if (name == "categories") return fmt::format("an export of data grant {} does not cover", grant);
  if (name == "granularity") {
    return fmt::format("an export at another granularity than grant {} allows", grant);
  }
  if (name == "from" || name == "until") {
    return fmt::format("an export outside grant {}'s data window", grant);
  }
  return fmt::format("an export under grant {} for another purpose than the grant states", grant);
}

}  // namespace

bool is_consent_kind(std::string_view kind) {
  return kind == kind::kGrantCreated || kind == kind::kGrantRevoked ||
         kind == kind::kReceiptIssued || kind == kind::kExportCreated ||
         kind == kind::kExportRefused || kind == kind::kTakeoutCreated;
}

const LoggedGrant* ConsentReplay::grant(const std::string& id) const {
  auto it = grants_.find(id);
  return it == grants_.end() ? nullptr : &it->second;
}

std::optional<std::int64_t> ConsentReplay::export_with_sha256(const std::string& sha256) const {
  auto it = exports_by_sha256_.find(sha256);
  if (it == exports_by_sha256_.end()) return std::nullopt;
  return it->second;
}

std::string ConsentReplay::grant_created(std::int64_t seq, std::int64_t time, const Json& m) {
  if (std::string why =
          check_members(m,
                        {"grant", "recipient", "recipients", "purpose", "purpose_category",
                         "categories", "granularity", "created", "expires", "receipt_id"},
                        {"from", "until", "max_exports"});
      !why.empty()) {
    return "a grant.created entry is incomplete: " + why;
  }
  const auto id = get_string(m, "grant");
  if (!id || !valid_grant_id(*id)) return "a grant.created entry has a malformed grant id";
  if (grants_.count(*id) != 0) return fmt::format("grant {} is created twice", *id);
  std::string why =
      check_string_list(m, "recipients", [](const std::string& s) { return is_hex(s, 16); });
  if (why.empty()) why = check_string_list(m, "categories", known_category);
  if (!why.empty()) return fmt::format("grant {}'s terms are malformed: {}", *id, why);
  const auto category = get_string(m, "purpose_category");
  const auto granularity = get_string(m, "granularity");
  const auto created = get_int(m, "created"), expires = get_int(m, "expires");
  const auto from = get_int(m, "from"), until = get_int(m, "until");
  const auto max = get_int(m, "max_exports");
  const bool ok =
      get_string(m, "recipient") && get_string(m, "purpose") && get_string(m, "receipt_id") &&
      category && kPurposeCategoryNames.parse(*category) && granularity &&
      kGranularityNames.parse(*granularity) && created && expires && *created == time &&
      *expires > *created && (m.contains("from") == from.has_value()) &&
      (m.contains("until") == until.has_value()) && (!from || !until || *from <= *until) &&
      (m.contains("max_exports") == max.has_value()) && (!max || *max >= 1);
  if (!ok) return fmt::format("grant {}'s terms are malformed or out of range", *id);
  const Json& cats = m.at("categories");
  const auto has = [&](const char* c) {
    return std::find(cats.begin(), cats.end(), c) != cats.end();
  };
  if (has("notes") && (!has("mood") || *granularity != "raw")) {
    return fmt::format("grant {} shares notes without mood entries at raw granularity", *id);
  }
  grants_[*id] = LoggedGrant{m, seq, std::nullopt, std::nullopt, 0};
  return {};
}

std::string ConsentReplay::export_created(std::int64_t seq, std::int64_t time, const Json& m) {
  if (std::string why = check_members(m,
                                      {"grant", "recipients", "purpose", "purpose_category",
                                       "categories", "granularity", "rows", "sha256", "exports"},
                                      {"from", "until", "format"});
      !why.empty()) {
    return "an export.created entry is incomplete: " + why;
  }
  if (m.contains("format") && get_string(m, "format") != "csv") {
    return "an export.created entry has an unknown format";
  }
  ++export_count_;
  const auto id = get_string(m, "grant");
  if (!id) return "an export.created entry has a malformed grant id";
  auto it = grants_.find(*id);
  if (it == grants_.end()) {
    return fmt::format("it names grant {}, which no earlier entry created", quote(*id));
  }
  LoggedGrant& g = it->second;
  if (g.revoked_seq) {
    return fmt::format("an export under grant {}, which was revoked at seq {}", *id,
                       *g.revoked_seq);
  }
  if (time >= *get_int(g.terms, "expires")) {
    return fmt::format("an export under grant {} after it expired", *id);
  }
  for (const char* term : {"recipients", "purpose", "purpose_category", "categories", "granularity",
                           "from", "until"}) {
    if (std::string why = term_mismatch(m, g.terms, term, *id); !why.empty()) return why;
  }
  const Json* rows = get_object(m, "rows");
  bool rows_ok = rows != nullptr;
  std::set<std::string> counted;
  if (rows_ok) {
    for (const auto& [category, n] : rows->items()) {
      counted.insert(category);
      rows_ok = rows_ok && n.is_number_integer() && n.get<std::int64_t>() >= 0;
    }
  }
  if (!rows_ok || counted != row_categories(g.terms.at("categories"))) {
    return fmt::format("an export under grant {} whose row counts are malformed", *id);
  }
  const auto sha = get_string(m, "sha256");
  if (!sha || !is_hex(*sha, 64)) {
    return fmt::format("an export under grant {} whose sha256 is malformed", *id);
  }
  ++g.exports;
  if (auto max = get_int(g.terms, "max_exports"); max && g.exports > *max) {
    return fmt::format("export {} under grant {}, which allows {}", g.exports, *id, *max);
  }
  if (get_int(m, "exports") != g.exports) {
    return fmt::format("an export under grant {} counted as export {}, but it is export {}", *id,
                       get_int(m, "exports").value_or(-1), g.exports);
  }
  exports_by_sha256_.emplace(*sha, seq);
  return {};
}

std::optional<std::int64_t> ConsentReplay::takeout_with_sha256(const std::string& sha256) const {
  auto it = takeouts_by_sha256_.find(sha256);
  if (it == takeouts_by_sha256_.end()) return std::nullopt;
  return it->second;
}

std::string ConsentReplay::apply(std::int64_t seq, std::int64_t time, std::string_view kind,
                                 const Json& m) {
  if (kind == kind::kGrantCreated) return grant_created(seq, time, m);
  if (kind == kind::kExportCreated) return export_created(seq, time, m);
  if (kind == kind::kTakeoutCreated) {
    // Not an export: no grant, never counted against one.
    const auto sha = get_string(m, "sha256");
    const auto protection = get_string(m, "protection");
    const bool plaintext = protection == "none";
    const bool to_keys = protection == "age_recipients";
    if (!check_members(m, {"protection", "csv_files"}, {"sha256", "recipients"}).empty() ||
        !protection || (*protection != "age_passphrase" && !to_keys && !plaintext) ||
        m.contains("sha256") == plaintext || (sha && !is_hex(*sha, 64)) ||
        !m["csv_files"].is_number_integer() || m["csv_files"].get<std::int64_t>() < 0 ||
        m.contains("recipients") != to_keys ||
        (to_keys && !check_string_list(m, "recipients", [](const std::string& s) {
                       return is_hex(s, 16);
                     }).empty())) {
      return "a takeout.created entry is malformed";
    }
    if (!sha || !takeouts_by_sha256_.emplace(*sha, seq).second) ++takeouts_unnamed_;
    return {};
  }
  if (kind == kind::kExportRefused) {
    ++refusals_;
    const auto reason = get_string(m, "reason");
    const auto grant = get_string(m, "grant");
    if (!check_members(m, {"reason"}, {"grant"}).empty() || !reason ||
        std::find(std::begin(kRefusalReasons), std::end(kRefusalReasons), *reason) ==
            std::end(kRefusalReasons) ||
        (m.contains("grant") && (!grant || !valid_grant_id(*grant)))) {
      return "an export.refused entry is malformed";
    }
    return {};
  }
  if (kind != kind::kGrantRevoked && kind != kind::kReceiptIssued) return {};
  const auto id = get_string(m, "grant");
  if (!id) return fmt::format("a {} entry names no grant", kind);
  auto it = grants_.find(*id);
  if (it == grants_.end()) {
    return fmt::format("it names grant {}, which no earlier entry created", quote(*id));
  }
  LoggedGrant& g = it->second;
  if (kind == kind::kReceiptIssued) {
    if (!check_members(m, {"grant", "receipt_id"}, {}).empty() ||
        get_string(m, "receipt_id") != get_string(g.terms, "receipt_id")) {
      return fmt::format("a receipt for grant {} with another receipt id than the grant's", *id);
    }
    return {};
  }
  if (!check_members(m, {"grant"}, {}).empty()) return "a grant.revoked entry is malformed";
  if (g.revoked_seq) return fmt::format("grant {} is revoked twice", *id);
  g.revoked_seq = seq;
  g.revoked_time = time;
  return {};
}

}  // namespace tend
