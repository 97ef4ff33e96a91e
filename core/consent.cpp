#include "core/consent.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/text.hpp"
#include "core/when.hpp"
#include "crypto/aead.hpp"
#include "crypto/age.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"

namespace tend {
namespace {

constexpr char kIdAlphabet[] = "23456789abcdefghjkmnpqrstuvwxyz";  // no 0/1/i/l/o

std::string new_grant_id() {
  const crypto::Bytes r = crypto::random_bytes(6);
  std::string id = "g";
  for (std::uint8_t b : r) id += kIdAlphabet[b % 31];
  return id;
}

std::string new_uuid4() {
  crypto::Bytes b = crypto::random_bytes(16);
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);
  const std::string h = crypto::to_hex(b);
  return fmt::format("{}-{}-{}-{}-{}", h.substr(0, 8), h.substr(8, 4), h.substr(12, 4),
                     h.substr(16, 4), h.substr(20));
}

Grant read_grant(const Statement& st) {
  Grant g;
  g.id = st.text(0);
  g.recipient = st.text(1);
  g.recipient_keys = Json::parse(st.text(2)).get<std::vector<std::string>>();
  g.purpose = st.text(3);
  g.purpose_category = st.text(4);
  g.categories = Json::parse(st.text(5)).get<std::vector<std::string>>();
  g.granularity = *parse_granularity(st.text(6));
  g.from = st.optional_int64(7);
  g.until = st.optional_int64(8);
  g.created = st.int64(9);
  g.expires = st.int64(10);
  g.max_exports = st.optional_int64(11);
  g.exports = st.int64(12);
  g.revoked_at = st.optional_int64(13);
  g.revoke_reason = st.optional_text(14);
  g.receipt_id = st.text(15);
  return g;
}

constexpr const char* kColumns =
    "SELECT id, recipient, recipient_keys, purpose, purpose_category, categories, granularity,"
    " window_from, window_until, created, expires, max_exports, exports, revoked_at, revoke_reason,"
    " receipt_id FROM consent_grant";

}  // namespace

const char* granularity_name(Granularity g) {
  switch (g) {
    case Granularity::kRaw:
      return "raw";
    case Granularity::kDaily:
      return "daily";
    case Granularity::kWeekly:
      return "weekly";
  }
  return "raw";
}

std::optional<Granularity> parse_granularity(std::string_view s) {
  if (s == "raw") return Granularity::kRaw;
  if (s == "daily") return Granularity::kDaily;
  if (s == "weekly") return Granularity::kWeekly;
  return std::nullopt;
}

bool Grant::has(std::string_view category) const {
  return std::find(categories.begin(), categories.end(), category) != categories.end();
}

std::string Grant::state(std::int64_t now) const {
  if (revoked_at) return "revoked";
  if (now >= expires) return "expired";
  if (max_exports && exports >= *max_exports) return "exhausted";
  return "active";
}

bool valid_grant_id(std::string_view id) {
  if (id.size() != 7 || id[0] != 'g') return false;
  for (char c : id.substr(1)) {
    if (std::char_traits<char>::find(kIdAlphabet, 31, c) == nullptr) return false;
  }
  return true;
}

std::string recipient_fingerprint(const std::string& age_recipient) {
  return crypto::to_hex(crypto::sha256(crypto::as_bytes(age_recipient))).substr(0, 16);
}

Json grant_terms(const Grant& g) {
  Json fps = Json::array();
  for (const std::string& k : g.recipient_keys) fps.push_back(recipient_fingerprint(k));
  Json t = {{"grant", g.id},
            {"recipient", g.recipient},
            {"recipients", fps},
            {"purpose", g.purpose},
            {"purpose_category", g.purpose_category},
            {"categories", g.categories},
            {"granularity", granularity_name(g.granularity)},
            {"created", g.created},
            {"expires", g.expires},
            {"receipt_id", g.receipt_id}};
  if (g.from) t["from"] = *g.from;
  if (g.until) t["until"] = *g.until;
  if (g.max_exports) t["max_exports"] = *g.max_exports;
  return t;
}

Status validate_grant(Grant& g, std::int64_t now) {
  Status s = check_label(g.recipient, "recipient name", 200);
  if (!s.is_ok()) return s;
  if (g.recipient_keys.empty())
    return usage_error("a grant needs at least one --recipient-key age1...");
  std::vector<std::string> keys;
  for (const std::string& k : g.recipient_keys) {
    if (!crypto::parse_age_recipient(k)) {
      return usage_error(fmt::format("'{}' is not an age X25519 recipient", k),
                         "recipient keys look like age1... (from age-keygen -y, or the recipient)");
    }
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  }
  if (keys.size() > 20) return usage_error("at most 20 recipient keys");
  g.recipient_keys = keys;
  s = check_label(g.purpose, "purpose", 1000);
  if (!s.is_ok()) return usage_error("a grant needs a --purpose: why the data is shared");
  if (std::find(std::begin(kPurposeCategories), std::end(kPurposeCategories), g.purpose_category) ==
      std::end(kPurposeCategories)) {
    return usage_error(fmt::format("unknown purpose category '{}'", g.purpose_category),
                       "use care, research, personal or other");
  }
  std::vector<std::string> cats;
  for (const char* known : kCategories) {
    if (std::find(g.categories.begin(), g.categories.end(), known) != g.categories.end()) {
      cats.emplace_back(known);
    }
  }
  for (const std::string& c : g.categories) {
    if (std::find(std::begin(kCategories), std::end(kCategories), c) == std::end(kCategories)) {
      return usage_error(fmt::format("unknown data category '{}'", c),
                         "use mood, notes, app_usage, alliance");
    }
  }
  if (cats.empty()) return usage_error("a grant needs --data: mood, notes, app_usage, alliance");
  g.categories = cats;
  if (g.has("notes") && !g.has("mood")) {
    return usage_error("notes travel with their mood entries: add mood to --data");
  }
  if (g.has("notes") && g.granularity != Granularity::kRaw) {
    return usage_error("notes can only be shared at raw granularity");
  }
  if (g.from && g.until && *g.from > *g.until)
    return usage_error("the data window ends before it starts");
  if (g.expires <= now) return usage_error("the grant would expire before it starts");
  if (g.max_exports && *g.max_exports < 1) return usage_error("--max-exports must be at least 1");
  return Status::ok();
}

Result<Grant> add_grant(Db& db, AuditLog& audit, Grant g, std::int64_t now) {
  Status s = validate_grant(g, now);
  if (!s.is_ok()) return s;
  g.created = now;
  g.receipt_id = new_uuid4();
  Result<Transaction> tx = Transaction::begin(db);
  if (!tx.is_ok()) return tx.status();
  for (int attempt = 0;; ++attempt) {
    g.id = new_grant_id();
    Result<Grant> existing = get_grant(db, g.id);
    if (existing.status().kind() == ErrorKind::kNotFound) break;
    if (attempt > 20) return io_error("cannot find a free grant id");
  }
  Result<Statement> st = db.prepare(
      "INSERT INTO consent_grant (id, recipient, recipient_keys, purpose, purpose_category, "
      "categories,"
      " granularity, window_from, window_until, created, expires, max_exports, receipt_id)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);");
  if (!st.is_ok()) return st.status();
  st->bind(1, g.id)
      .bind(2, g.recipient)
      .bind(3, Json(g.recipient_keys).dump())
      .bind(4, g.purpose)
      .bind(5, g.purpose_category)
      .bind(6, Json(g.categories).dump())
      .bind(7, granularity_name(g.granularity))
      .bind(8, g.from)
      .bind(9, g.until)
      .bind(10, g.created)
      .bind(11, g.expires)
      .bind(12, g.max_exports)
      .bind(13, g.receipt_id);
  s = st->run();
  if (!s.is_ok()) return s;
  Result<std::int64_t> seq = audit.record(kind::kGrantCreated, grant_terms(g), now);
  if (!seq.is_ok()) return seq.status();
  s = tx->commit();
  if (!s.is_ok()) return s;
  return g;
}

Result<Grant> get_grant(Db& db, const std::string& id) {
  Result<Statement> st = db.prepare(std::string(kColumns) + " WHERE id = ?;");
  if (!st.is_ok()) return st.status();
  st->bind(1, id);
  Result<bool> row = st->step();
  if (!row.is_ok()) return row.status();
  if (!*row)
    return not_found(fmt::format("no grant {}", id), "see the grants with: tend grant list --all");
  return read_grant(*st);
}

Result<std::vector<Grant>> list_grants(Db& db, bool include_inactive, std::int64_t now) {
  Result<Statement> st = db.prepare(std::string(kColumns) + " ORDER BY created, id;");
  if (!st.is_ok()) return st.status();
  std::vector<Grant> out;
  for (;;) {
    Result<bool> row = st->step();
    if (!row.is_ok()) return row.status();
    if (!*row) break;
    Grant g = read_grant(*st);
    if (include_inactive || g.state(now) == "active") out.push_back(std::move(g));
  }
  return out;
}

Result<Grant> revoke_grant(Db& db, AuditLog& audit, const std::string& id,
                           std::optional<std::string> reason, std::int64_t now) {
  if (reason) {
    Status s = check_label(*reason, "reason", 1000);
    if (!s.is_ok()) return s;
  }
  Result<Transaction> tx = Transaction::begin(db);
  if (!tx.is_ok()) return tx.status();
  Result<Grant> g = get_grant(db, id);
  if (!g.is_ok()) return g.status();
  if (g->revoked_at) {
    return invalid_input(
        fmt::format("grant {} was already revoked on {}", id, format_local(*g->revoked_at)));
  }
  Result<Statement> st =
      db.prepare("UPDATE consent_grant SET revoked_at = ?, revoke_reason = ? WHERE id = ?;");
  if (!st.is_ok()) return st.status();
  st->bind(1, now)
      .bind(2, reason ? std::optional<std::string_view>(*reason) : std::nullopt)
      .bind(3, id);
  Status s = st->run();
  if (!s.is_ok()) return s;
  // The reason stays in the vault: the log records the fact, not the user's words.
  Result<std::int64_t> seq = audit.record(kind::kGrantRevoked, {{"grant", id}}, now);
  if (!seq.is_ok()) return seq.status();
  s = tx->commit();
  if (!s.is_ok()) return s;
  g->revoked_at = now;
  g->revoke_reason = std::move(reason);
  return g;
}

Status check_export_allowed(const Grant& g, std::int64_t now) {
  auto refuse = [](const std::string& why) {
    return Status::error(ErrorKind::kConsentRefused, "export refused: " + why);
  };
  if (g.revoked_at)
    return refuse(fmt::format("grant {} was revoked on {}", g.id, format_local(*g.revoked_at)));
  if (now >= g.expires)
    return refuse(fmt::format("grant {} expired on {}", g.id, format_local(g.expires)));
  if (g.max_exports && g.exports >= *g.max_exports) {
    return refuse(
        fmt::format("grant {} has been used for all {} of its exports", g.id, *g.max_exports));
  }
  return Status::ok();
}

}  // namespace tend
