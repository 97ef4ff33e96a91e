#include "core/takeout.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "core/audit.hpp"
#include "core/consent.hpp"
#include "core/csv.hpp"
#include "core/export.hpp"
#include "core/fs.hpp"
#include "core/text.hpp"
#include "core/when.hpp"
#include "crypto/age.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"

namespace tend {
namespace {

constexpr int kTakeoutVersion = 1;
constexpr std::size_t kPlainBuffer = std::size_t{64} * 1024;

// How every file of one takeout is encrypted.
struct Encryption {
  Protection protection = Protection::kNone;
  std::vector<crypto::X25519Key> recipients;
  crypto::SecretBytes passphrase;
  int work_factor = kTakeoutWorkFactor;
};

// One file of a takeout, written through age unless it is plaintext.
class Document {
 public:
  Document(fs::OutputFile& file, const Encryption& e) : file_(&file) {
    auto sink = [this](std::span<const std::uint8_t> bytes) { return raw(bytes); };
    if (e.protection == Protection::kRecipients) age_.emplace(e.recipients, sink);
    if (e.protection == Protection::kPassphrase) age_.emplace(e.passphrase, e.work_factor, sink);
  }
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  // Failures are kept (by the age writer, or here) and returned by finish().
  void write(std::string_view text) {
    if (age_) {
      (void)age_->write(text);
      return;
    }
    plain_ += text;
    if (plain_.size() >= kPlainBuffer) flush();
  }
  Status finish() {
    if (age_) {
      Status s = age_->finish();
      if (!s.is_ok()) return s;
    }
    flush();
    return status_;
  }
  std::string sha256() { return crypto::to_hex(sha_.finish()); }

 private:
  Status raw(std::span<const std::uint8_t> bytes) {
    sha_.update(bytes);
    if (status_.is_ok()) status_ = file_->write(bytes);
    return status_;
  }
  void flush() {
    (void)raw(crypto::as_bytes(plain_));
    plain_.clear();
  }
  fs::OutputFile* file_;
  std::optional<crypto::AgeWriter> age_;
  std::string plain_;
  crypto::Sha256 sha_;
  Status status_;
};

std::string iso(std::int64_t utc) {
  return format_iso(local_instant(utc));
}

Json text_or_null(Statement& st, int col) {
  return st.is_null(col) ? Json(nullptr) : Json(st.text(col));
}

// Where the rows of one table go: the JSON document, and its CSV file if any.
class TableWriter {
 public:
  TableWriter(Document& json, Document* csv, std::vector<std::string> columns, bool first,
              const std::string& name)
      : json_(json), csv_(csv), columns_(std::move(columns)) {
    json_.write(fmt::format("{}\"{}\":[", first ? "" : ",", name));
    if (csv_) csv_->write(csv_header(columns_));
  }
  void json_row(const Json& row) {
    json_.write(rows_ == 0 ? "" : ",");
    json_.write(dump_json(row));
  }
  void csv_row(const Json& row) {
    if (csv_) csv_->write(csv_record(row, columns_));
  }
  void counted() { ++rows_; }
  void row(const Json& r) {
    json_row(r);
    csv_row(r);
    counted();
  }
  std::int64_t end() {
    json_.write("]");
    return rows_;
  }
  std::int64_t rows() const { return rows_; }

 private:
  Document& json_;
  Document* csv_;
  std::vector<std::string> columns_;
  std::int64_t rows_ = 0;
};

struct Writer {
  Db& db;
  Document& json;
  std::map<std::string, Document*> csv;  // by table name, when CSV was asked for
  Json rows = Json::object();
  std::int64_t done = 0, total = 0;
  const ProgressFn& progress;
  std::int64_t now;

  Document* csv_of(const std::string& table) {
    auto it = csv.find(table);
    return it == csv.end() ? nullptr : it->second;
  }
  void tick() {
    if (progress && (++done % 4096 == 0 || done == total)) {
      progress("writing", static_cast<std::uint64_t>(done), static_cast<std::uint64_t>(total));
    }
  }
};

Result<std::int64_t> count(Db& db, const std::string& sql) {
  Result<Statement> st = db.prepare(sql);
  if (!st.is_ok()) return st.status();
  Result<bool> row = st->step();
  if (!row.is_ok()) return row.status();
  return st->int64(0);
}

// mood, with each entry's tags inline; mood_tags as its own CSV table.
Status write_mood(Writer& w) {
  Result<Statement> tags = w.db.prepare("SELECT mood_id, tag FROM mood_tag ORDER BY mood_id, tag;");
  if (!tags.is_ok()) return tags.status();
  Result<Statement> st = w.db.prepare(
      "SELECT id, at, utc_offset, score, energy, note, private, created, edited, import_key"
      " FROM mood ORDER BY id;");
  if (!st.is_ok()) return st.status();
  TableWriter moods(w.json, w.csv_of("mood"),
                    {"id", "at", "at_unix", "score", "energy", "note", "private", "created",
                     "created_unix", "edited", "edited_unix", "import_key"},
                    true, "mood");
  Document* tag_csv = w.csv_of("mood_tags");
  if (tag_csv) tag_csv->write("mood_id,tag\r\n");
  std::int64_t tag_rows = 0;
  Result<bool> tag_row = tags->step();
  for (;;) {
    Result<bool> row = st->step();
    if (!row.is_ok()) return row.status();
    if (!*row) break;
    const std::int64_t id = st->int64(0);
    Json r = {{"id", id},
              {"score", st->int64(3)},
              {"energy", st->is_null(4) ? Json(nullptr) : Json(st->int64(4))},
              {"note", text_or_null(*st, 5)},
              {"private", st->int64(6) != 0},
              {"import_key", text_or_null(*st, 9)}};
    put_time(r, "at", Instant{st->int64(1), static_cast<std::int32_t>(st->int64(2))});
    put_time(r, "created", local_time(*st, 7));
    put_time(r, "edited", local_time(*st, 8));
    Json tag_list = Json::array();
    for (; tag_row.is_ok() && *tag_row && tags->int64(0) <= id; tag_row = tags->step()) {
      if (tags->int64(0) < id) continue;  // a tag of no entry: foreign keys forbid it
      tag_list.push_back(tags->text(1));
      if (tag_csv) {
        std::string line;
        append_csv_field(line, id);
        line += ',';
        append_csv_field(line, tags->text(1));
        tag_csv->write(line + "\r\n");
      }
      ++tag_rows;
    }
    if (!tag_row.is_ok()) return tag_row.status();
    moods.csv_row(r);
    r["tags"] = std::move(tag_list);
    moods.json_row(r);
    moods.counted();
    w.tick();
  }
  w.rows["mood"] = moods.end();
  w.rows["mood_tags"] = tag_rows;
  return Status::ok();
}

Status write_app_usage(Writer& w) {
  Result<Statement> st = w.db.prepare(
      "SELECT id, at, utc_offset, duration_s, app, category, feature, title, created, edited,"
      " import_key FROM app_session ORDER BY id;");
  if (!st.is_ok()) return st.status();
  TableWriter t(w.json, w.csv_of("app_usage"),
                {"id", "start", "start_unix", "duration_s", "app", "category", "feature", "title",
                 "created", "created_unix", "edited", "edited_unix", "import_key"},
                false, "app_usage");
  for (;;) {
    Result<bool> row = st->step();
    if (!row.is_ok()) return row.status();
    if (!*row) break;
    Json r = {{"id", st->int64(0)},
              {"duration_s", st->int64(3)},
              {"app", st->text(4)},
              {"category", text_or_null(*st, 5)},
              {"feature", text_or_null(*st, 6)},
              {"title", text_or_null(*st, 7)},
              {"import_key", text_or_null(*st, 10)}};
    put_time(r, "start", Instant{st->int64(1), static_cast<std::int32_t>(st->int64(2))});
    put_time(r, "created", local_time(*st, 8));
    put_time(r, "edited", local_time(*st, 9));
    t.row(r);
    w.tick();
  }
  w.rows["app_usage"] = t.end();
  return Status::ok();
}

Status write_alliance(Writer& w) {
  Result<Statement> st = w.db.prepare(
      "SELECT id, at, utc_offset, coalesce(app, 'tend'), instrument_id, instrument_version,"
      " instrument_sha256, answers, score, score_min, score_max, private, created"
      " FROM checkin ORDER BY id;");
  if (!st.is_ok()) return st.status();
  TableWriter t(
      w.json, w.csv_of("alliance"),
      {"id", "at", "at_unix", "about", "instrument", "instrument_version", "instrument_sha256",
       "answers", "score", "score_min", "score_max", "private", "created", "created_unix"},
      false, "alliance");
  for (;;) {
    Result<bool> row = st->step();
    if (!row.is_ok()) return row.status();
    if (!*row) break;
    Result<Json> answers = parse_json(st->text(7), "check-in answers");
    if (!answers.is_ok()) return answers.status();
    Json r = {{"id", st->int64(0)},
              {"about", st->text(3)},
              {"instrument", st->text(4)},
              {"instrument_version", st->text(5)},
              {"instrument_sha256", st->text(6)},
              {"answers", std::move(answers).value()},
              {"score", st->real(8)},
              {"score_min", st->real(9)},
              {"score_max", st->real(10)},
              {"private", st->int64(11) != 0}};
    put_time(r, "at", Instant{st->int64(1), static_cast<std::int32_t>(st->int64(2))});
    put_time(r, "created", local_time(*st, 12));
    t.row(r);
    w.tick();
  }
  w.rows["alliance"] = t.end();
  return Status::ok();
}

Status write_instruments(Writer& w) {
  Result<Statement> st = w.db.prepare("SELECT sha256, definition FROM instrument ORDER BY sha256;");
  if (!st.is_ok()) return st.status();
  TableWriter t(w.json, w.csv_of("instruments"), {"sha256", "definition"}, false, "instruments");
  for (;;) {
    Result<bool> row = st->step();
    if (!row.is_ok()) return row.status();
    if (!*row) break;
    t.row({{"sha256", st->text(0)}, {"definition", st->text(1)}});
    w.tick();
  }
  w.rows["instruments"] = t.end();
  return Status::ok();
}

Status write_grants(Writer& w) {
  Result<std::vector<Grant>> grants = list_grants(w.db, true, w.now);
  if (!grants.is_ok()) return grants.status();
  TableWriter t(w.json, w.csv_of("grants"),
                {"id",
                 "state",
                 "recipient",
                 "recipient_keys",
                 "purpose",
                 "purpose_category",
                 "categories",
                 "granularity",
                 "from",
                 "from_unix",
                 "until",
                 "until_unix",
                 "created",
                 "created_unix",
                 "expires",
                 "expires_unix",
                 "max_exports",
                 "exports",
                 "revoked_at",
                 "revoked_at_unix",
                 "revoke_reason",
                 "receipt_id"},
                false, "grants");
  for (const Grant& g : *grants) {
    t.row(grant_json(g, w.now, iso));
    w.tick();
  }
  w.rows["grants"] = t.end();
  return Status::ok();
}

Status write_audit_log(Writer& w, AuditLog& log) {
  Result<std::vector<AuditEntry>> entries = log.entries(std::nullopt);
  if (!entries.is_ok()) return entries.status();
  TableWriter t(w.json, w.csv_of("audit_log"), {"seq", "time", "time_unix", "kind", "meta"}, false,
                "audit_log");
  for (const AuditEntry& e : *entries) {
    Result<Json> entry = parse_json(e.bytes, "an audit entry");
    if (!entry.is_ok()) return entry.status();
    Json r = {{"seq", e.seq}, {"kind", e.kind}, {"meta", (*entry)["meta"]}};
    put_time(r, "time", local_instant(e.time));
    t.row(r);
    w.tick();
  }
  w.rows["audit_log"] = t.end();
  return Status::ok();
}

// A new directory for the CSV files; removed again unless the takeout completes.
class CsvDir {
 public:
  static Result<CsvDir> create(const std::string& path) {
    if (::mkdir(path.c_str(), 0700) != 0) {
      const int e = errno;
      if (e == EEXIST) {
        return Status::error(
            ErrorKind::kExists,
            fmt::format("{} already exists; tend writes a new directory", quote(path, 120)));
      }
      return io_error(fmt::format("cannot create {}: {}", quote(path, 120), std::strerror(e)));
    }
    return CsvDir(path);
  }
  CsvDir(CsvDir&& o) noexcept : path_(std::move(o.path_)), keep_(o.keep_) { o.keep_ = true; }
  CsvDir& operator=(CsvDir&&) = delete;
  ~CsvDir() {
    if (!keep_) (void)::rmdir(path_.c_str());  // empty unless its files were named
  }
  void keep() { keep_ = true; }
  const std::string& path() const { return path_; }

 private:
  explicit CsvDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
  bool keep_ = false;
};

Result<std::vector<crypto::X25519Key>> parse_recipients(const std::vector<std::string>& texts) {
  std::vector<crypto::X25519Key> keys;
  for (const std::string& text : texts) {
    const std::optional<crypto::X25519Key> key = crypto::parse_age_recipient(text);
    if (!key) {
      return usage_error(fmt::format("{} is not an age recipient", quote(text)),
                         "an age X25519 recipient starts with age1 (age-keygen -y KEYFILE)");
    }
    if (crypto::is_low_order(*key)) {
      return usage_error(
          fmt::format("{} is a low-order key: anyone could open what is "
                      "encrypted to it",
                      quote(text)));
    }
    keys.push_back(*key);
  }
  return keys;
}

}  // namespace

const char* protection_name(Protection p) {
  switch (p) {
    case Protection::kRecipients:
      return "age_recipients";
    case Protection::kPassphrase:
      return "age_passphrase";
    case Protection::kNone:
      break;
  }
  return "none";
}

Status check_takeout_request(const TakeoutRequest& request) {
  switch (request.protection) {
    case Protection::kRecipients: {
      if (request.recipients.empty()) return usage_error("--to needs an age recipient");
      Result<std::vector<crypto::X25519Key>> keys = parse_recipients(request.recipients);
      return keys.is_ok() ? Status::ok() : keys.status();
    }
    case Protection::kPassphrase:
      if (!request.passphrase) return usage_error("no passphrase for the takeout");
      if (request.work_factor < 1 || request.work_factor > crypto::kAgeMaxScryptWorkFactor) {
        return usage_error("the scrypt work factor is out of range");
      }
      return Status::ok();
    case Protection::kNone:
      break;
  }
  return Status::ok();
}

Result<TakeoutOutcome> takeout(Vault& vault, const TakeoutRequest& request, std::int64_t now) {
  Status checked = check_takeout_request(request);
  if (!checked.is_ok()) return checked;
  Encryption enc;
  enc.protection = request.protection;
  enc.work_factor = request.work_factor;
  if (request.protection == Protection::kRecipients) {
    enc.recipients = *parse_recipients(request.recipients);
  }
  if (request.protection == Protection::kPassphrase) {
    Result<crypto::SecretBytes> pass = request.passphrase();
    if (!pass.is_ok()) return pass.status();
    if (pass->empty()) return usage_error("the takeout's passphrase is empty");
    enc.passphrase = std::move(pass).value();
  }
  Db& db = vault.db();
  std::optional<CsvDir> dir;  // before the files in it: removed after them
  fs::OutputSet outputs;
  Result<fs::OutputFile*> file = outputs.add(request.path);
  if (!file.is_ok()) return file.status();
  std::vector<std::unique_ptr<Document>> csv_docs;
  std::map<std::string, Document*> csv;
  TakeoutOutcome out;
  out.paths.push_back(request.path);
  if (request.csv_dir) {
    Result<CsvDir> d = CsvDir::create(*request.csv_dir);
    if (!d.is_ok()) return d.status();
    dir.emplace(std::move(d).value());
    for (const char* table : kTakeoutTables) {
      const std::string name =
          fmt::format("{}.csv{}", table, request.protection == Protection::kNone ? "" : ".age");
      Result<fs::OutputFile*> f = outputs.add(fs::join(*request.csv_dir, name));
      if (!f.is_ok()) return f.status();
      csv_docs.push_back(std::make_unique<Document>(**f, enc));
      csv[table] = csv_docs.back().get();
      out.paths.push_back((*f)->path());
    }
  }

  // Each file's key is derived before the transaction: scrypt takes a second.
  Document json(**file, enc);

  // One write transaction: a consistent view of every table, and the entry
  // that records the takeout commits with nothing else in between.
  Result<Transaction> tx = Transaction::begin(db);
  if (!tx.is_ok()) return tx.status();
  Result<AuditLog> log = vault.audit();
  if (!log.is_ok()) return log.status();

  Writer w{db, json, std::move(csv), Json::object(), 0, 0, request.progress, now};
  for (const char* table :
       {"mood", "app_session", "checkin", "instrument", "consent_grant", "audit_entry"}) {
    Result<std::int64_t> n = count(db, fmt::format("SELECT count(*) FROM {};", table));
    if (!n.is_ok()) return n.status();
    w.total += *n;
  }
  json.write(fmt::format(
      R"({{"format":"tend-takeout","version":{},"vault_id":"{}","created_at":"{}","created_at_unix":{},"tables":{{)",
      kTakeoutVersion, vault.header().vault_id, iso(now), now));
  Status s = write_mood(w);
  if (s.is_ok()) s = write_app_usage(w);
  if (s.is_ok()) s = write_alliance(w);
  if (s.is_ok()) s = write_instruments(w);
  if (s.is_ok()) s = write_grants(w);
  if (s.is_ok()) s = write_audit_log(w, *log);
  if (!s.is_ok()) return s.with_context("cannot read the vault for the takeout");
  json.write("},\"rows\":" + dump_json(w.rows) + "}\n");
  s = json.finish();
  for (std::size_t i = 0; i < csv_docs.size() && s.is_ok(); ++i) s = csv_docs[i]->finish();
  if (s.is_ok()) s = outputs.sync();
  if (!s.is_ok()) return s.with_context("cannot write the takeout");
  out.rows = w.rows;
  out.sha256 = json.sha256();

  // No row counts: with a raw export's counts in the same log they would tell
  // how many entries are private.
  Json meta = {{"protection", protection_name(request.protection)},
               {"csv_files", static_cast<std::int64_t>(csv_docs.size())}};
  if (request.protection == Protection::kRecipients) {
    // Whom it was encrypted to, as an export says it: key fingerprints.
    Json fps = Json::array();
    for (const std::string& k : request.recipients) fps.push_back(recipient_fingerprint(k));
    meta["recipients"] = std::move(fps);
  }
  // The digest of ciphertext, as an export's: it lets an auditor recognise the
  // file. A plaintext file's digest would be a hash of content: never logged.
  if (request.protection != Protection::kNone) meta["sha256"] = out.sha256;
  Result<std::int64_t> seq = log->record(kind::kTakeoutCreated, meta, now);
  if (!seq.is_ok()) return seq.status();
  out.audit_seq = *seq;
  s = tx->commit();
  if (!s.is_ok()) return s.with_context("cannot complete the takeout");

  // Logged. Now the files get their names.
  s = outputs.publish();
  if (!s.is_ok()) {
    return s.with_context(fmt::format(
        "the takeout is logged (audit entry {}), but its files could not be named", *seq));
  }
  if (dir) dir->keep();
  return out;
}

}  // namespace tend
