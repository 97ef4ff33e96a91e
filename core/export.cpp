#include "core/export.hpp"

#include <sodium.h>

#include <cmath>
#include <functional>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "core/csv.hpp"
#include "core/fs.hpp"
#include "core/tar.hpp"
#include "core/text.hpp"
#include "core/when.hpp"
#include "crypto/aead.hpp"
#include "crypto/age.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/minisign.hpp"

namespace tend {
namespace {

constexpr std::size_t kPreviewRows = 5;
constexpr int kPayloadVersion = 2;

using RowSink = std::function<Status(const Json& row)>;

// Pseudonymous row ids (payload v2): HMAC-SHA-256 under the grant's own random
// key of the row's category and what identifies it in the vault (its id; for an
// aggregate, its period and group), cut to 128 bits, in hex. The same row has
// the same id in every export under one grant, and unrelated ids under two.
class RowIds {
 public:
  RowIds() = default;  // no key yet (a preview before the grant's first export): no ids
  explicit RowIds(crypto::SecretBytes key) : key_(std::move(key)) {}
  void put(Json& row, std::string_view category, const std::string& identity) const {
    if (key_.empty()) return;
    std::string msg(category);
    msg.push_back('\0');
    msg += identity;
    const crypto::Hash32 mac = crypto::hmac_sha256(key_, crypto::as_bytes(msg));
    row["id"] = crypto::to_hex(std::span<const std::uint8_t>(mac.data(), 16));
  }

 private:
  crypto::SecretBytes key_;
};

// The categories that carry rows: notes ride inside mood rows.
std::vector<Category> row_categories(const Grant& g) {
  std::vector<Category> out;
  for (Category c : g.categories) {
    if (c != Category::kNotes) out.push_back(c);
  }
  return out;
}

std::string window_sql(const Grant& g, const char* column) {
  std::string w;
  if (g.from) w += fmt::format(" AND {} >= {}", column, *g.from);
  if (g.until) w += fmt::format(" AND {} <= {}", column, *g.until);
  return w;
}

std::string period_of(const Instant& at, Granularity gr) {
  const std::int64_t day = day_number(at);
  return gr == Granularity::kWeekly ? format_iso_week(day) : format_day(day);
}

const char* period_key(Granularity gr) {
  return gr == Granularity::kWeekly ? "week" : "date";
}

Status emit_mood(Db& db, const Grant& g, const RowIds& ids, const RowSink& sink) {
  // Private entries never leave, whatever the grant says.
  Result<Statement> st = db.prepare(
      "SELECT m.at, m.utc_offset, m.score, m.energy, m.note,"
      " (SELECT group_concat(tag, ',') FROM (SELECT tag FROM mood_tag WHERE mood_id = m.id ORDER "
      "BY tag)), m.id, m.edited"
      " FROM mood m WHERE m.private = 0" +
      window_sql(g, "m.at") + " ORDER BY m.at, m.id;");
  if (!st.is_ok()) return st.status();
  struct Stats {
    std::int64_t count = 0, sum = 0, min = 11, max = 0;
  };
  std::map<std::string, Stats> periods;
  for (;;) {
    Result<bool> row = st->step();
    if (!row.is_ok()) return row.status();
    if (!*row) break;
    const Instant at{st->int64(0), static_cast<std::int32_t>(st->int64(1))};
    const std::int64_t score = st->int64(2);
    if (g.granularity != Granularity::kRaw) {
      Stats& s = periods[period_of(at, g.granularity)];
      ++s.count;
      s.sum += score;
      s.min = std::min(s.min, score);
      s.max = std::max(s.max, score);
      continue;
    }
    Json tags = Json::array();
    if (auto t = st->optional_text(5)) {
      std::string_view rest = *t;
      while (!rest.empty()) {
        const auto comma = rest.find(',');
        tags.push_back(std::string(rest.substr(0, comma)));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      }
    }
    Json r = {{"score", score},
              {"energy", st->is_null(3) ? Json(nullptr) : Json(st->int64(3))},
              {"tags", std::move(tags)}};
    ids.put(r, "mood", std::to_string(st->int64(6)));
    put_time(r, "at", at);
    put_time(r, "edited", local_time(*st, 7));
    if (g.has(Category::kNotes)) r["note"] = st->is_null(4) ? Json(nullptr) : Json(st->text(4));
    Status s = sink(r);
    if (!s.is_ok()) return s;
  }
  for (const auto& [period, s] : periods) {
    const double mean =
        std::round(static_cast<double>(s.sum) * 100.0 / static_cast<double>(s.count)) / 100.0;
    Json r = {{period_key(g.granularity), period},
              {"count", s.count},
              {"mean", mean},
              {"min", s.min},
              {"max", s.max}};
    ids.put(r, "mood", period);
    Status st2 = sink(r);
    if (!st2.is_ok()) return st2;
  }
  return Status::ok();
}

Status emit_app_usage(Db& db, const Grant& g, const RowIds& ids, const RowSink& sink) {
  // Window titles never leave, even when they were kept.
  Result<Statement> st = db.prepare(
      "SELECT at, utc_offset, app, category, feature, duration_s, id, edited FROM app_session"
      " WHERE 1" +
      window_sql(g, "at") + " ORDER BY at, id;");
  if (!st.is_ok()) return st.status();
  struct Use {
    std::int64_t sessions = 0, seconds = 0;
  };
  std::map<std::pair<std::string, std::string>, Use> periods;
  for (;;) {
    Result<bool> row = st->step();
    if (!row.is_ok()) return row.status();
    if (!*row) break;
    const Instant at{st->int64(0), static_cast<std::int32_t>(st->int64(1))};
    if (g.granularity != Granularity::kRaw) {
      Use& u = periods[{period_of(at, g.granularity), st->text(2)}];
      ++u.sessions;
      u.seconds += st->int64(5);
      continue;
    }
    auto opt = [&](int col) { return st->is_null(col) ? Json(nullptr) : Json(st->text(col)); };
    Json r = {{"app", st->text(2)},
              {"category", opt(3)},
              {"feature", opt(4)},
              {"duration_s", st->int64(5)}};
    ids.put(r, "app_usage", std::to_string(st->int64(6)));
    put_time(r, "start", at);
    put_time(r, "edited", local_time(*st, 7));
    Status s = sink(r);
    if (!s.is_ok()) return s;
  }
  for (const auto& [key, u] : periods) {
    Json r = {{period_key(g.granularity), key.first},
              {"app", key.second},
              {"sessions", u.sessions},
              {"minutes", (u.seconds + 30) / 60}};
    ids.put(r, "app_usage", key.first + '\0' + key.second);
    Status s = sink(r);
    if (!s.is_ok()) return s;
  }
  return Status::ok();
}

Status emit_alliance(Db& db, const Grant& g, const RowIds& ids, const RowSink& sink) {
  // Private check-ins never leave, whatever the grant says.
  Result<Statement> st = db.prepare(
      "SELECT at, utc_offset, coalesce(app, 'tend'), instrument_id, instrument_version,"
      " instrument_sha256, answers, score, score_min, score_max, id FROM checkin"
      " WHERE private = 0" +
      window_sql(g, "at") + " ORDER BY at, id;");
  if (!st.is_ok()) return st.status();
  struct Scores {
    std::int64_t count = 0;
    double sum = 0, lo = 0, hi = 0;
  };
  // Grouped by the definition answered (its hash), not only by id and version:
  // two files may share those and still differ.
  using Key = std::tuple<std::string, std::string, std::string, std::string, std::string>;
  std::map<Key, Scores> periods;
  const auto round2 = [](double v) { return std::round(v * 100.0) / 100.0; };
  const std::string own =
      "tend's own reflection on the five alliance qualities; not a validated clinical instrument";
  for (;;) {
    Result<bool> row = st->step();
    if (!row.is_ok()) return row.status();
    if (!*row) break;
    const Instant at{st->int64(0), static_cast<std::int32_t>(st->int64(1))};
    const std::string instrument = st->text(3);
    if (g.granularity != Granularity::kRaw) {
      Scores& sc = periods[{period_of(at, g.granularity), st->text(2), instrument, st->text(4),
                            st->text(5)}];
      ++sc.count;
      sc.sum += st->real(7);
      sc.lo = st->real(8);
      sc.hi = st->real(9);
      continue;
    }
    Result<Json> answers = parse_json(st->text(6), "check-in answers");
    if (!answers.is_ok()) return answers.status();
    Json r = {{"about", st->text(2)},
              {"instrument", instrument},
              {"instrument_version", st->text(4)},
              {"instrument_sha256", st->text(5)},
              {"answers", std::move(answers).value()},
              {"score", round2(st->real(7))},
              {"score_min", st->real(8)},
              {"score_max", st->real(9)}};
    ids.put(r, "alliance", std::to_string(st->int64(10)));
    put_time(r, "at", at);
    if (instrument == "tend-reflection") r["instrument_note"] = own;
    Status s = sink(r);
    if (!s.is_ok()) return s;
  }
  for (const auto& [key, sc] : periods) {
    Json r = {{period_key(g.granularity), std::get<0>(key)},
              {"about", std::get<1>(key)},
              {"instrument", std::get<2>(key)},
              {"instrument_version", std::get<3>(key)},
              {"instrument_sha256", std::get<4>(key)},
              {"count", sc.count},
              {"mean_score", round2(sc.sum / static_cast<double>(sc.count))},
              {"score_min", sc.lo},
              {"score_max", sc.hi}};
    if (std::get<2>(key) == "tend-reflection") r["instrument_note"] = own;
    ids.put(r, "alliance", std::get<0>(key) + '\0' + std::get<1>(key) + '\0' + std::get<4>(key));
    Status s = sink(r);
    if (!s.is_ok()) return s;
  }
  return Status::ok();
}

Status emit_category(Db& db, const Grant& g, const RowIds& ids, Category category,
                     const RowSink& sink) {
  switch (category) {
    case Category::kMood:
      return emit_mood(db, g, ids, sink);
    case Category::kAppUsage:
      return emit_app_usage(db, g, ids, sink);
    case Category::kAlliance:
      return emit_alliance(db, g, ids, sink);
    case Category::kNotes:  // rides inside mood rows
      break;
  }
  return Status::ok();
}

Status refuse(Vault& vault, Transaction& tx, const std::string& grant_id, const Status& why,
              std::string_view reason, std::int64_t now) {
  Result<AuditLog> log = vault.audit();
  if (!log.is_ok()) return log.status();
  Json meta = {{"reason", reason}};
  if (valid_grant_id(grant_id)) meta["grant"] = grant_id;
  Result<std::int64_t> seq = log->record(kind::kExportRefused, meta, now);
  if (!seq.is_ok()) return seq.status();
  Status s = tx.commit();
  if (!s.is_ok()) return s;
  return why;
}

std::string_view refusal_reason(const Grant& g, std::int64_t now) {
  switch (g.state(now)) {
    case GrantState::kExhausted:
      return "limit";
    case GrantState::kRevoked:
      return "revoked";
    case GrantState::kActive:
    case GrantState::kExpired:
      break;
  }
  return "expired";
}

// The grant that decides this export, or why there is none (with the reason
// an export.refused entry gives).
struct Decision {
  std::optional<Grant> grant;
  Status why;
  std::string_view reason;
};
Decision decide(Db& db, const std::string& grant_id, std::int64_t now) {
  Result<CheckedGrant> checked = consented_grant(db, grant_id);
  if (!checked.is_ok()) return {std::nullopt, checked.status(), {}};  // unreadable: nothing to log
  if (!checked->tampered.is_ok()) {
    return {std::nullopt, checked->tampered.with_context("export refused"), "tampered"};
  }
  if (!checked->grant && checked->logged && checked->logged->revoked_time) {
    return {std::nullopt,
            Status::error(ErrorKind::kConsentRefused,
                          fmt::format("export refused: grant {} was revoked on {}", grant_id,
                                      format_local(*checked->logged->revoked_time))),
            "revoked"};
  }
  if (!checked->grant) {
    return {std::nullopt,
            Status::error(ErrorKind::kConsentRefused,
                          "export refused: there is " + phrase_with("no grant", grant_id),
                          "see the grants with: tend grant list --all"),
            "no_grant"};
  }
  const Grant& grant = *checked->grant;
  if (Status allowed = check_export_allowed(grant, now); !allowed.is_ok()) {
    return {std::nullopt, allowed, refusal_reason(grant, now)};
  }
  return {std::move(checked->grant), Status::ok(), {}};
}

// The grant's row id key, made at its first export (in the export's
// transaction) when `create`; a preview before then shows rows without ids.
Result<RowIds> row_ids(Db& db, const std::string& grant_id, bool create) {
  Result<Statement> st = db.prepare("SELECT row_id_key FROM consent_grant WHERE id = ?;");
  if (!st.is_ok()) return st.status();
  st->bind(1, grant_id);
  Result<bool> row = st->step();
  if (!row.is_ok()) return row.status();
  if (*row && !st->is_null(0)) {
    std::vector<std::uint8_t> blob = st->blob(0);
    RowIds ids(crypto::SecretBytes::from(blob));
    sodium_memzero(blob.data(), blob.size());
    return ids;
  }
  if (!create) return RowIds();
  crypto::SecretBytes key(32);
  crypto::random_bytes({key.data(), key.size()});
  Result<Statement> up = db.prepare("UPDATE consent_grant SET row_id_key = ? WHERE id = ?;");
  if (!up.is_ok()) return up.status();
  up->bind_blob(1, key.span()).bind(2, grant_id);
  Status s = up->run();
  if (!s.is_ok()) return s;
  return RowIds(std::move(key));
}

Result<ExportPreview> preview(Db& db, const Grant& grant) {
  Result<RowIds> ids = row_ids(db, grant.id, false);
  if (!ids.is_ok()) return ids.status();
  ExportPreview out;
  out.grant = grant;
  out.rows = Json::object();
  out.first_rows = Json::object();
  for (Category c : row_categories(grant)) {
    const std::string name(kCategoryNames.name(c));
    std::int64_t n = 0;
    Json first = Json::array();
    Status s = emit_category(db, grant, *ids, c, [&](const Json& row) {
      if (first.size() < kPreviewRows) first.push_back(row);
      ++n;
      return Status::ok();
    });
    if (!s.is_ok()) return s;
    out.rows[name] = n;
    out.first_rows[name] = std::move(first);
  }
  return out;
}

// The columns of a category's CSV file, in order (docs/export-format.md, "CSV").
std::vector<std::string> csv_columns(const Grant& g, Category c) {
  const std::string period = period_key(g.granularity);
  const bool raw = g.granularity == Granularity::kRaw;
  switch (c) {
    case Category::kMood:
      if (!raw) return {"id", period, "count", "mean", "min", "max"};
      if (g.has(Category::kNotes)) {
        return {"id", "at", "at_unix", "edited", "edited_unix", "score", "energy", "tags", "note"};
      }
      return {"id", "at", "at_unix", "edited", "edited_unix", "score", "energy", "tags"};
    case Category::kAppUsage:
      if (!raw) return {"id", period, "app", "sessions", "minutes"};
      return {"id",  "start",    "start_unix", "edited",    "edited_unix",
              "app", "category", "feature",    "duration_s"};
    case Category::kAlliance:
      if (!raw) {
        return {"id",
                period,
                "about",
                "instrument",
                "instrument_version",
                "instrument_sha256",
                "count",
                "mean_score",
                "score_min",
                "score_max",
                "instrument_note"};
      }
      return {"id",
              "at",
              "at_unix",
              "about",
              "instrument",
              "instrument_version",
              "instrument_sha256",
              "answers",
              "score",
              "score_min",
              "score_max",
              "instrument_note"};
    case Category::kNotes:
      break;
  }
  return {};
}

// The payload as a ustar archive: export.json (the JSON payload's members but
// `data`, plus `files`), then one CSV file per row category. A tar header
// holds its file's size, so each category is rendered twice in this
// transaction: once to count, once to write.
Status write_csv_tar(Db& db, const Grant& grant, const RowIds& ids, const std::string& head,
                     std::int64_t now, const std::function<Status(std::string_view)>& put,
                     ExportOutcome& out) {
  const std::vector<Category> categories = row_categories(grant);
  std::vector<std::uint64_t> sizes;
  Json files = Json::object();
  for (Category c : categories) {
    const std::string name(kCategoryNames.name(c));
    const std::vector<std::string> columns = csv_columns(grant, c);
    std::uint64_t size = csv_header(columns).size();
    std::int64_t n = 0;
    Status s = emit_category(db, grant, ids, c, [&](const Json& row) {
      size += csv_record(row, columns).size();
      ++n;
      return Status::ok();
    });
    if (!s.is_ok()) return s;
    sizes.push_back(size);
    out.rows[name] = n;
    files[name] = name + ".csv";
  }
  const std::string manifest =
      head + ",\"files\":" + dump_json(files) + ",\"rows\":" + dump_json(out.rows) + "}\n";
  Status s = put(tar::header("export.json", manifest.size(), now));
  if (s.is_ok()) s = put(manifest);
  if (s.is_ok()) s = put(tar::padding(manifest.size()));
  for (std::size_t i = 0; i < categories.size() && s.is_ok(); ++i) {
    const Category c = categories[i];
    const std::vector<std::string> columns = csv_columns(grant, c);
    s = put(tar::header(std::string(kCategoryNames.name(c)) + ".csv", sizes[i], now));
    std::uint64_t written = 0;
    auto line = [&](const std::string& text) {
      written += text.size();
      return put(text);
    };
    if (s.is_ok()) s = line(csv_header(columns));
    if (s.is_ok()) {
      s = emit_category(db, grant, ids, c,
                        [&](const Json& row) { return line(csv_record(row, columns)); });
    }
    if (s.is_ok() && written != sizes[i]) return io_error("the rows changed during the export");
    if (s.is_ok()) s = put(tar::padding(sizes[i]));
  }
  if (s.is_ok()) s = put(tar::end());
  return s;
}

// The grant as the payload carries it: `tend grant show --json`'s names, without
// what changes after the export (state, count, revocation).
Json payload_grant(const Grant& grant, std::int64_t now) {
  Json j = grant_json(grant, now, [](std::int64_t t) { return format_iso(local_instant(t)); });
  for (const char* name : {"state", "exports", "revoke_reason", "revoked_at", "revoked_at_unix"}) {
    j.erase(name);
  }
  return j;
}

// Streams the payload through age into `file`, signs it into `sig`; fills
// out.rows and out.sha256. Nothing is named or logged here.
Status write_bundle(Vault& vault, const Grant& grant, ExportFormat format, std::int64_t now,
                    fs::OutputFile& file, fs::OutputFile& sig, ExportOutcome& out) {
  Db& db = vault.db();
  crypto::Sha256 sha;
  crypto::Blake2b512Hasher blake;
  auto sink = [&](std::span<const std::uint8_t> bytes) {
    sha.update(bytes);
    blake.update(bytes);
    return file.write(bytes);
  };
  std::vector<crypto::X25519Key> recipients;
  for (const std::string& k : grant.recipient_keys) {
    const std::optional<crypto::X25519Key> key = crypto::parse_age_recipient(k);
    if (!key || crypto::is_low_order(*key)) {
      return corrupt(
          fmt::format("grant {} has a recipient key nothing can be encrypted to", grant.id));
    }
    recipients.push_back(*key);
  }
  crypto::AgeWriter age(recipients, sink);
  // The writer keeps its first failure, so pieces are written unchecked and
  // the failure, if any, comes back from finish().
  auto put = [&](std::string_view text) { return age.write(text); };

  Result<RowIds> ids = row_ids(db, grant.id, true);
  if (!ids.is_ok()) return ids.status();
  const std::string head = fmt::format(
      R"({{"format":"tend-export","version":{},"vault_id":"{}","exported_at":"{}","exported_at_unix":{},"audit_seq":{},"grant":{})",
      kPayloadVersion, vault.header().vault_id, format_iso(local_instant(now)), now, out.audit_seq,
      dump_json(payload_grant(grant, now)));
  const std::vector<Category> categories = row_categories(grant);
  out.rows = Json::object();
  Status s;
  if (format == ExportFormat::kCsv) {
    s = write_csv_tar(db, grant, *ids, head, now, put, out);
  } else {
    s = put(head + R"(,"data":{)");
    for (std::size_t i = 0; i < categories.size() && s.is_ok(); ++i) {
      const Category c = categories[i];
      const std::string name(kCategoryNames.name(c));
      s = put(fmt::format("{}\"{}\":[", i == 0 ? "" : ",", name));
      std::int64_t n = 0;
      if (s.is_ok()) {
        s = emit_category(db, grant, *ids, c, [&](const Json& row) {
          std::string piece = n++ > 0 ? "," : "";
          piece += dump_json(row);
          return put(piece);
        });
      }
      if (s.is_ok()) s = put("]");
      out.rows[name] = n;
    }
    if (s.is_ok()) s = put("},\"rows\":" + dump_json(out.rows) + "}");
  }
  if (s.is_ok()) s = age.finish();
  if (!s.is_ok()) return s.with_context("cannot write the export");
  out.sha256 = crypto::to_hex(sha.finish());

  Result<crypto::KeyPair> signing = vault.device_key(DeviceKey::kSigning);
  if (!signing.is_ok()) return signing.status();
  const std::string signature =
      crypto::minisign_sign(*signing, blake.finish(), "signature from tend (age-encrypted export)",
                            fmt::format("tend export grant={} audit_seq={} sha256={}", grant.id,
                                        out.audit_seq, out.sha256));
  return sig.write(signature);
}

// What export.created records: the grant's terms as exported, counts and the
// digest of the ciphertext; never content.
Json export_entry(const Grant& grant, ExportFormat format, const ExportOutcome& out) {
  const Json terms = grant_terms(grant);
  Json meta = {{"grant", grant.id},
               {"recipients", terms["recipients"]},
               {"purpose", grant.purpose},
               {"purpose_category", kPurposeCategoryNames.name(grant.purpose_category)},
               {"categories", category_names(grant.categories)},
               {"granularity", kGranularityNames.name(grant.granularity)},
               {"rows", out.rows},
               {"sha256", out.sha256},
               {"exports", grant.exports + 1}};
  if (grant.from) meta["from"] = *grant.from;
  if (grant.until) meta["until"] = *grant.until;
  if (format == ExportFormat::kCsv) meta["format"] = "csv";  // absent: JSON, as in version 1
  return meta;
}

}  // namespace

Result<ExportPreview> export_preview(Vault& vault, const PreviewRequest& request,
                                     std::int64_t now) {
  Db& db = vault.db();
  Result<Transaction> tx = Transaction::begin(db);  // a stable view; rolled back
  if (!tx.is_ok()) return tx.status();
  Decision d = decide(db, request.grant_id, now);
  if (!d.grant) return d.why;
  return preview(db, *d.grant);
}

Result<ExportOutcome> export_bundle(Vault& vault, const ExportRequest& request, std::int64_t now) {
  Db& db = vault.db();
  const std::string& grant_id = request.grant_id;
  const std::string& path = request.path;
  // The signature is named before the bundle it signs: a bundle never appears without it.
  fs::OutputSet outputs;
  Result<fs::OutputFile*> sig = outputs.add(path + ".minisig");
  if (!sig.is_ok()) return sig.status();
  Result<fs::OutputFile*> file = outputs.add(path);
  if (!file.is_ok()) return file.status();

  // One write transaction for the whole export: the log cannot move under it,
  // so the payload can name the audit entry that will record it.
  Result<Transaction> tx = Transaction::begin(db);
  if (!tx.is_ok()) return tx.status();
  Decision d = decide(db, grant_id, now);
  if (!d.grant) {
    if (d.reason.empty()) return d.why;
    return refuse(vault, *tx, grant_id, d.why, d.reason, now);
  }
  const Grant& grant = *d.grant;
  ExportOutcome out;
  out.grant = grant;
  out.path = path;
  out.signature_path = path + ".minisig";
  Result<AuditLog> log = vault.audit();
  if (!log.is_ok()) return log.status();
  Result<AuditHead> head = log->head();
  if (!head.is_ok()) return head.status();
  out.audit_seq = static_cast<std::int64_t>(head->size);

  Status s = write_bundle(vault, grant, request.format, now, **file, **sig, out);
  if (s.is_ok()) s = outputs.sync();
  if (!s.is_ok()) return s;

  // The count and the entry become durable before either file has its name.
  s = count_export(db, grant.id);
  if (!s.is_ok()) return s;
  Result<std::int64_t> seq =
      log->record(kind::kExportCreated, export_entry(grant, request.format, out), now);
  if (!seq.is_ok()) return seq.status();
  if (*seq != out.audit_seq) return io_error("the audit log moved during the export");
  s = vault.add_pending({*seq, Publication::kExport, outputs.identities(), {}});
  if (s.is_ok()) s = tx->commit();
  if (!s.is_ok()) return s.with_context("cannot complete the export");

  // Logged. Now the files get their names.
  s = outputs.publish();
  (void)vault.remove_pending(*seq);  // reported now if it failed; a leftover row is harmless
  if (!s.is_ok()) {
    return s.with_context(fmt::format(
        "the export is logged (audit entry {}) and counts against grant {}, but its file could "
        "not be written",
        *seq, grant.id));
  }
  out.grant.exports += 1;
  return out;
}

void put_time(Json& row, const std::string& name, std::optional<Instant> at) {
  row[name] = at ? Json(format_iso(*at)) : Json(nullptr);
  row[name + "_unix"] = at ? Json(at->utc) : Json(nullptr);
}

std::optional<Instant> local_time(Statement& st, int col) {
  if (st.is_null(col)) return std::nullopt;
  return local_instant(st.int64(col));
}

}  // namespace tend
