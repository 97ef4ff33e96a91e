#include "core/consent.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/canonical.hpp"
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

// A JSON list of strings stored in a column; nullopt if it is anything else.
std::optional<std::vector<std::string>> string_list(const std::string& text) {
  Result<Json> j = parse_json(text, "a grant column");
  if (!j.is_ok() || !j->is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const Json& item : *j) {
    if (!item.is_string()) return std::nullopt;
    out.push_back(item.get<std::string>());
  }
  return out;
}

// A row of consent_grant. The table is a cache of the audit log and may have
// been edited with the raw key, so its columns are read as untrusted.
Result<Grant> read_grant(const Statement& st) {
  Grant g;
  g.id = st.text(0);
  g.recipient = st.text(1);
  auto keys = string_list(st.text(2));
  auto names = string_list(st.text(5));
  auto granularity = kGranularityNames.parse(st.text(6));
  auto purpose_category = kPurposeCategoryNames.parse(st.text(4));
  std::vector<Category> categories;
  for (const std::string& name : names.value_or(std::vector<std::string>{})) {
    if (auto c = kCategoryNames.parse(name)) categories.push_back(*c);
  }
  if (!keys || !names || categories.size() != names->size() || !granularity || !purpose_category) {
    return corrupt(fmt::format("the vault's record of grant {} is malformed", quote(g.id)),
                   "the consent table was edited outside tend; its audit entries still hold the "
                   "grant's terms");
  }
  g.recipient_keys = std::move(*keys);
  g.purpose = st.text(3);
  g.purpose_category = *purpose_category;
  g.categories = std::move(categories);
  g.granularity = *granularity;
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

Status tampered(const std::string& id, const std::string& what) {
  return corrupt(fmt::format("grant {} in the vault does not match the audit log: {}", id, what),
                 "the consent table was edited outside tend; the terms in the log are what was "
                 "consented to: revoke the grant and make a new one");
}

Status check_row(const std::string& id, const std::optional<Result<Grant>>& found,
                 const std::optional<LoggedGrant>& logged) {
  if (!found) {
    // Revoked in the log and absent from the table: made after the backup the
    // vault was restored from (rederive_consent). It can never export.
    if (!logged || logged->revoked_seq) return Status::ok();
    return tampered(id, "its record in the consent table is missing");
  }
  if (!found->is_ok()) return tampered(id, "its record in the consent table is malformed");
  const Grant& row = **found;
  if (!logged) return tampered(id, "no grant.created entry records it");
  const LoggedGrant& log = *logged;
  const Json terms = grant_terms(row);
  for (const Json* side : {&terms, &log.terms}) {
    for (const auto& [name, value] : side->items()) {
      const auto a = terms.find(name), b = log.terms.find(name);
      if (a == terms.end() || b == log.terms.end() || *a != *b) {
        return tampered(id,
                        name == "recipients"
                            ? std::string("its recipient keys differ from its grant.created entry")
                            : fmt::format("its {} differs from its grant.created entry", name));
      }
    }
  }
  if (row.revoked_at.has_value() != log.revoked_seq.has_value()) {
    return tampered(id, log.revoked_seq ? "the log says it was revoked, the table does not"
                                        : "the table says it was revoked, the log does not");
  }
  if (row.exports != log.exports) {
    return tampered(id, fmt::format("the table counts {} exports under it, the log {}", row.exports,
                                    log.exports));
  }
  return Status::ok();
}

// Applies the consent entries among `st`'s rows (seq, bytes), in order.
Status replay_rows(Statement& st, ConsentReplay& replay) {
  for (;;) {
    Result<bool> row = st.step();
    if (!row.is_ok()) return row.status();
    if (!*row) return Status::ok();
    const std::int64_t seq = st.int64(0);
    const std::vector<std::uint8_t> blob = st.blob(1);
    const std::string_view bytes(reinterpret_cast<const char*>(blob.data()), blob.size());
    const EntryHead head = scan_entry(bytes);
    if (!head.error.empty()) return corrupt(fmt::format("audit entry {} is damaged", seq));
    if (!is_consent_kind(head.kind)) continue;
    Result<Json> entry = parse_json(bytes, "audit entry");
    if (!entry.is_ok()) return corrupt(fmt::format("audit entry {} is damaged", seq));
    const std::string why = replay.apply(seq, head.time, head.kind, (*entry)["meta"]);
    if (!why.empty()) {
      return corrupt(
          fmt::format("the audit log breaks the consent rules at entry {}: {}", seq, why),
          "tend audit export and tend audit verify show the whole log");
    }
  }
}

}  // namespace

std::vector<std::string> category_names(const std::vector<Category>& categories) {
  std::vector<std::string> out;
  for (Category c : categories) out.emplace_back(kCategoryNames.name(c));
  return out;
}

bool Grant::has(Category category) const {
  return std::find(categories.begin(), categories.end(), category) != categories.end();
}

GrantState Grant::state(std::int64_t now) const {
  if (revoked_at) return GrantState::kRevoked;
  if (now >= expires) return GrantState::kExpired;
  if (max_exports && exports >= *max_exports) return GrantState::kExhausted;
  return GrantState::kActive;
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

Json grant_json(const Grant& g, std::int64_t now,
                const std::function<std::string(std::int64_t)>& iso) {
  Json j = {{"id", g.id},
            {"state", kGrantStateNames.name(g.state(now))},
            {"recipient", g.recipient},
            {"recipient_keys", g.recipient_keys},
            {"purpose", g.purpose},
            {"purpose_category", kPurposeCategoryNames.name(g.purpose_category)},
            {"categories", category_names(g.categories)},
            {"granularity", kGranularityNames.name(g.granularity)},
            {"max_exports", g.max_exports ? Json(*g.max_exports) : Json(nullptr)},
            {"exports", g.exports},
            {"revoke_reason", g.revoke_reason ? Json(*g.revoke_reason) : Json(nullptr)},
            {"receipt_id", g.receipt_id}};
  auto time = [&](const char* name, std::optional<std::int64_t> t) {
    j[name] = t ? Json(iso(*t)) : Json(nullptr);
    j[std::string(name) + "_unix"] = t ? Json(*t) : Json(nullptr);
  };
  time("from", g.from);
  time("until", g.until);
  time("created", g.created);
  time("expires", g.expires);
  time("revoked_at", g.revoked_at);
  return j;
}

Json grant_terms(const Grant& g) {
  Json fps = Json::array();
  for (const std::string& k : g.recipient_keys) fps.push_back(recipient_fingerprint(k));
  Json t = {{"grant", g.id},
            {"recipient", g.recipient},
            {"recipients", fps},
            {"purpose", g.purpose},
            {"purpose_category", kPurposeCategoryNames.name(g.purpose_category)},
            {"categories", category_names(g.categories)},
            {"granularity", kGranularityNames.name(g.granularity)},
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
  for (std::size_t i = 0; i < g.recipient_keys.size(); ++i) {
    const std::string& k = g.recipient_keys[i];
    const std::optional<crypto::X25519Key> key = crypto::parse_age_recipient(k);
    if (!key) {
      return usage_error(fmt::format("recipient key {} of {} is not an age X25519 recipient", i + 1,
                                     g.recipient_keys.size()),
                         "recipient keys look like age1... (from age-keygen -y, or the recipient)");
    }
    if (crypto::is_low_order(*key)) {
      return invalid_input(
          fmt::format("recipient key {} of {} is a low-order X25519 point: anyone could read "
                      "what is encrypted to it",
                      i + 1, g.recipient_keys.size()),
          "ask the recipient for the key that age-keygen -y prints");
    }
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  }
  if (keys.size() > 20) return usage_error("at most 20 recipient keys");
  g.recipient_keys = keys;
  if (g.purpose.empty()) return usage_error("a grant needs a --purpose: why the data is shared");
  s = check_label(g.purpose, "purpose", 1000);
  if (!s.is_ok()) return s;
  std::sort(g.categories.begin(), g.categories.end());
  g.categories.erase(std::unique(g.categories.begin(), g.categories.end()), g.categories.end());
  if (g.categories.empty()) {
    return usage_error("a grant needs --data: " + kCategoryNames.list());
  }
  if (g.has(Category::kNotes) && !g.has(Category::kMood)) {
    return usage_error("notes travel with their mood entries: add mood to --data");
  }
  if (g.has(Category::kNotes) && g.granularity != Granularity::kRaw) {
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
      .bind(5, kPurposeCategoryNames.name(g.purpose_category))
      .bind(6, canonical_json(Json(category_names(g.categories))))
      .bind(7, kGranularityNames.name(g.granularity))
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
    return not_found(phrase_with("no grant", id), "see the grants with: tend grant list --all");
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
    Result<Grant> g = read_grant(*st);
    if (!g.is_ok()) return g.status();
    if (include_inactive || g->state(now) == GrantState::kActive) {
      out.push_back(std::move(g).value());
    }
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
  // Revoking only takes consent away, so a row edited outside tend may still be
  // revoked; what matters is what the log says.
  Result<std::optional<LoggedGrant>> logged = logged_grant(db, id);
  if (!logged.is_ok()) return logged.status();
  if (!*logged) return tampered(id, "no grant.created entry records it");
  if ((*logged)->revoked_time) {
    return invalid_input(fmt::format("grant {} was already revoked on {}", id,
                                     format_local(*(*logged)->revoked_time)));
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

Result<std::optional<LoggedGrant>> logged_grant(Db& db, const std::string& id) {
  // Entries are canonical JSON, in which a quote inside a string is escaped:
  // `"grant":"<id>"` occurs only as a member, so this finds every entry about it.
  const std::string member = "\"grant\":\"" + id + "\"";
  Result<Statement> st =
      db.prepare("SELECT seq, bytes FROM audit_entry WHERE instr(bytes, ?) > 0 ORDER BY seq;");
  if (!st.is_ok()) return st.status();
  st->bind_blob(1, crypto::as_bytes(member));
  ConsentReplay replay;
  if (Status s = replay_rows(*st, replay); !s.is_ok()) return s;
  const LoggedGrant* g = replay.grant(id);
  return g == nullptr ? std::optional<LoggedGrant>() : std::optional<LoggedGrant>(*g);
}

Result<CheckedGrant> consented_grant(Db& db, const std::string& id) {
  Result<Statement> st = db.prepare(std::string(kColumns) + " WHERE id = ?;");
  if (!st.is_ok()) return st.status();
  st->bind(1, id);
  Result<bool> found = st->step();
  if (!found.is_ok()) return found.status();
  Result<std::optional<LoggedGrant>> logged = logged_grant(db, id);
  if (!logged.is_ok()) return logged.status();
  std::optional<Result<Grant>> row;
  if (*found) row = read_grant(*st);
  CheckedGrant out;
  out.tampered = check_row(id, row, *logged);
  out.logged = *logged;
  if (row && out.tampered.is_ok()) out.grant = std::move(*row).value();
  return out;
}

Result<std::vector<std::string>> rederive_consent(Db& db, AuditLog& audit, std::int64_t now) {
  ConsentReplay replay;
  {
    Result<Statement> st = db.prepare("SELECT seq, bytes FROM audit_entry ORDER BY seq;");
    if (!st.is_ok()) return st.status();
    if (Status s = replay_rows(*st, replay); !s.is_ok()) return s;
  }
  std::vector<std::string> revoked;
  for (const auto& [id, logged] : replay.all_grants()) {
    Result<Statement> find = db.prepare("SELECT revoked_at FROM consent_grant WHERE id = ?;");
    if (!find.is_ok()) return find.status();
    find->bind(1, id);
    Result<bool> in_table = find->step();
    if (!in_table.is_ok()) return in_table.status();
    if (!*in_table) {
      if (!logged.revoked_seq) revoked.push_back(id);
      continue;
    }
    const bool revoked_in_table = !find->is_null(0);
    find = Statement();
    Result<Statement> up =
        db.prepare(logged.revoked_time && !revoked_in_table
                       ? "UPDATE consent_grant SET exports = ?, revoked_at = ? WHERE id = ?;"
                       : "UPDATE consent_grant SET exports = ? WHERE id = ?;");
    if (!up.is_ok()) return up.status();
    up->bind(1, logged.exports);
    if (logged.revoked_time && !revoked_in_table) {
      up->bind(2, *logged.revoked_time).bind(3, id);
    } else {
      up->bind(2, id);
    }
    Status s = up->run();
    if (!s.is_ok()) return s;
  }
  for (const std::string& id : revoked) {
    Result<std::int64_t> seq = audit.record(kind::kGrantRevoked, {{"grant", id}}, now);
    if (!seq.is_ok()) return seq.status();
  }
  return revoked;
}

Status count_export(Db& db, const std::string& id) {
  Result<Statement> st = db.prepare("UPDATE consent_grant SET exports = exports + 1 WHERE id = ?;");
  if (!st.is_ok()) return st.status();
  st->bind(1, id);
  return st->run();
}

Result<Grant> grant_add(Vault& vault, const Grant& terms, std::int64_t now) {
  Result<AuditLog> log = vault.audit();
  if (!log.is_ok()) return log.status();
  return add_grant(vault.db(), *log, terms, now);
}

Result<std::vector<Grant>> grant_list(Vault& vault, const GrantListRequest& request,
                                      std::int64_t now) {
  return list_grants(vault.db(), request.all, now);
}

Result<Grant> grant_show(Vault& vault, const GrantId& request, std::int64_t) {
  return get_grant(vault.db(), request.id);
}

Result<Grant> grant_revoke(Vault& vault, const RevokeRequest& request, std::int64_t now) {
  Result<AuditLog> log = vault.audit();
  if (!log.is_ok()) return log.status();
  return revoke_grant(vault.db(), *log, request.id, request.reason, now);
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
