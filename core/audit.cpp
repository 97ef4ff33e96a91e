#include "core/audit.hpp"

#include <cstring>

#include <fmt/format.h>

#include "core/canonical.hpp"
#include "core/fs.hpp"
#include "core/when.hpp"
#include "crypto/encoding.hpp"

namespace tend {
namespace {

constexpr std::string_view kKinds[] = {
    kind::kVaultCreated,   kind::kPassphraseChanged, kind::kRecovered,       kind::kKeyRotated,
    kind::kEntriesDeleted, kind::kEntriesShared,     kind::kImportCompleted, kind::kGrantCreated,
    kind::kGrantRevoked,   kind::kReceiptIssued,     kind::kExportCreated,   kind::kExportRefused,
    kind::kReportWritten,  kind::kTakeoutCreated,    kind::kBackupCreated,   kind::kVaultRestored,
};

}  // namespace

bool is_known_kind(std::string_view k) {
  for (std::string_view known : kKinds) {
    if (k == known) return true;
  }
  return false;
}

std::string AuditHead::root_base64() const {
  return crypto::to_base64(root);
}

std::string audit_origin(const std::string& vault_id) {
  return "tend.local/" + vault_id;
}

std::string make_entry(std::int64_t seq, std::int64_t time, std::string_view kind,
                       const Json& meta) {
  return canonical_json({{"kind", kind}, {"meta", meta}, {"seq", seq}, {"time", time}});
}

Result<crypto::MerkleFrontier> AuditLog::load_frontier() {
  Result<Statement> st = db_->prepare("SELECT size, frontier FROM audit_state WHERE id = 1;");
  if (!st.is_ok()) return st.status();
  Result<bool> row = st->step();
  if (!row.is_ok()) return row.status();
  if (!*row) return corrupt("the audit log state is missing");
  const std::vector<std::uint8_t> blob = st->blob(1);
  if (blob.size() % 32 != 0) return corrupt("the audit log state is damaged");
  std::vector<crypto::Hash32> nodes(blob.size() / 32);
  for (std::size_t i = 0; i < nodes.size(); ++i)
    std::memcpy(nodes[i].data(), blob.data() + 32 * i, 32);
  auto f = crypto::MerkleFrontier::from(static_cast<std::uint64_t>(st->int64(0)), std::move(nodes));
  if (!f) return corrupt("the audit log state is damaged");
  return *f;
}

Result<std::int64_t> AuditLog::append(crypto::MerkleFrontier& f, std::string_view kind,
                                      const Json& meta, std::int64_t time) {
  const auto seq = static_cast<std::int64_t>(f.size());
  const std::string bytes = make_entry(seq, time, kind, meta);
  // The verifier reads only what the canonical form allows (no booleans, no
  // fractions): an entry it would call damaged is never written.
  if (const EntryHead head = scan_entry(bytes); !head.error.empty()) {
    return invalid_input(fmt::format("a {} entry would not be canonical: {}", kind, head.error));
  }
  f.append(crypto::leaf_hash(crypto::as_bytes(bytes)));
  Status s = store(f, seq, bytes);
  if (!s.is_ok()) return s;
  return seq;
}

Status AuditLog::store(const crypto::MerkleFrontier& f, std::int64_t seq, std::string_view bytes) {
  Result<Statement> ins = db_->prepare("INSERT INTO audit_entry (seq, bytes) VALUES (?, ?);");
  if (!ins.is_ok()) return ins.status();
  ins->bind(1, seq).bind_blob(2, crypto::as_bytes(bytes));
  Status s = ins->run();
  if (!s.is_ok()) return s.with_context("cannot append to the audit log");

  std::vector<std::uint8_t> blob;
  for (const crypto::Hash32& h : f.nodes()) blob.insert(blob.end(), h.begin(), h.end());
  Result<Statement> up =
      db_->prepare("UPDATE audit_state SET size = ?, frontier = ? WHERE id = 1;");
  if (!up.is_ok()) return up.status();
  up->bind(1, static_cast<std::int64_t>(f.size())).bind_blob(2, blob);
  return up->run();
}

Status AuditLog::sign_checkpoint(const crypto::MerkleFrontier& f) {
  const crypto::Checkpoint c{origin_, f.size(), f.root()};
  const std::string note =
      crypto::sign_note(crypto::checkpoint_text(c), origin_, key_.secret_key, key_.public_key);
  Result<Statement> st =
      db_->prepare("INSERT OR REPLACE INTO audit_checkpoint (size, note) VALUES (?, ?);");
  if (!st.is_ok()) return st.status();
  st->bind(1, static_cast<std::int64_t>(c.size)).bind(2, note);
  return st->run();
}

Result<std::optional<std::int64_t>> AuditLog::last_time() {
  Result<std::vector<AuditEntry>> last = entries(1);
  if (!last.is_ok()) return last.status();
  if (last->empty()) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(last->back().time);
}

Result<std::int64_t> AuditLog::record(std::string_view kind, const Json& meta, std::int64_t time) {
  Result<std::optional<std::int64_t>> last = last_time();
  if (!last.is_ok()) return last.status();
  if (*last && time < **last) {
    return Status::error(
        ErrorKind::kClockBehind,
        fmt::format("the clock says {} UTC, earlier than the audit log's last entry ({} UTC); "
                    "tend does not record events out of order",
                    format_utc(time), format_utc(**last)),
        "check the system clock (timedatectl), then try again");
  }
  Result<crypto::MerkleFrontier> f = load_frontier();
  if (!f.is_ok()) return f.status();
  Result<std::int64_t> seq = append(*f, kind, meta, time);
  if (!seq.is_ok()) return seq;
  Status s = sign_checkpoint(*f);
  if (!s.is_ok()) return s;
  return seq;
}

Result<std::int64_t> AuditLog::reappend(std::string_view bytes) {
  const EntryHead head = scan_entry(bytes);
  if (!head.error.empty()) return invalid_input("an entry to re-append is damaged: " + head.error);
  if (!is_known_kind(head.kind)) {
    return invalid_input(fmt::format("an entry to re-append has an unknown kind ({})", head.kind));
  }
  Result<crypto::MerkleFrontier> f = load_frontier();
  if (!f.is_ok()) return f.status();
  const auto seq = static_cast<std::int64_t>(f->size());
  if (head.seq != seq) {
    return invalid_input(
        fmt::format("entry {} cannot be re-appended as entry {} of the log", head.seq, seq));
  }
  Result<std::optional<std::int64_t>> last = last_time();
  if (!last.is_ok()) return last.status();
  if (*last && head.time < **last) {
    return invalid_input(fmt::format("entry {} is dated before the entry it would follow", seq));
  }
  f->append(crypto::leaf_hash(crypto::as_bytes(bytes)));
  Status s = store(*f, seq, bytes);
  if (!s.is_ok()) return s;
  return seq;
}

Result<AuditHead> AuditLog::head() {
  Result<crypto::MerkleFrontier> f = load_frontier();
  if (!f.is_ok()) return f.status();
  return AuditHead{f->size(), f->root()};
}

Result<std::vector<AuditEntry>> AuditLog::entries(std::optional<std::int64_t> limit) {
  Result<Statement> st =
      db_->prepare(limit ? "SELECT seq, bytes FROM audit_entry ORDER BY seq DESC LIMIT ?;"
                         : "SELECT seq, bytes FROM audit_entry ORDER BY seq DESC;");
  if (!st.is_ok()) return st.status();
  if (limit) st->bind(1, *limit);
  std::vector<AuditEntry> out;
  for (;;) {
    Result<bool> row = st->step();
    if (!row.is_ok()) return row.status();
    if (!*row) break;
    AuditEntry e;
    e.seq = st->int64(0);
    const std::vector<std::uint8_t> b = st->blob(1);
    e.bytes.assign(b.begin(), b.end());
    const EntryHead head = scan_entry(e.bytes);
    if (!head.error.empty()) return corrupt(fmt::format("audit entry {} is damaged", e.seq));
    e.kind = head.kind;
    e.time = head.time;
    out.push_back(std::move(e));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

Result<std::string> AuditLog::latest_checkpoint() {
  Result<Statement> st =
      db_->prepare("SELECT note FROM audit_checkpoint ORDER BY size DESC LIMIT 1;");
  if (!st.is_ok()) return st.status();
  Result<bool> row = st->step();
  if (!row.is_ok()) return row.status();
  if (!*row) return not_found("the audit log has no checkpoint yet");
  return st->text(0);
}

Result<std::vector<std::string>> AuditLog::checkpoints() {
  Result<Statement> st = db_->prepare("SELECT note FROM audit_checkpoint ORDER BY size;");
  if (!st.is_ok()) return st.status();
  std::vector<std::string> out;
  for (;;) {
    Result<bool> row = st->step();
    if (!row.is_ok()) return row.status();
    if (!*row) break;
    out.push_back(st->text(0));
  }
  return out;
}

Result<std::string> AuditLog::package() {
  Result<std::vector<AuditEntry>> all = entries(std::nullopt);
  if (!all.is_ok()) return all.status();
  Result<std::vector<std::string>> cps = checkpoints();
  if (!cps.is_ok()) return cps.status();
  std::string out = fmt::format("tend-audit-package v1\norigin {}\nverifier {}\nentries {}\n",
                                origin_, verifier_key(), all->size());
  for (const AuditEntry& e : *all) {
    out += e.bytes;
    out += '\n';
  }
  out += fmt::format("checkpoints {}\n", cps->size());
  for (const std::string& note : *cps) {
    out += crypto::to_base64(crypto::as_bytes(note));
    out += '\n';
  }
  out += "end\n";
  return out;
}

Result<AuditHead> AuditLog::export_package(const std::string& path) {
  fs::OutputSet outputs;
  Result<fs::OutputFile*> file = outputs.add(path);
  if (!file.is_ok()) return file.status();
  // One read transaction, so the package and the head reported are the same log.
  Status s = db_->exec("BEGIN;");
  if (!s.is_ok()) return s;
  Result<std::string> bytes = package();
  Result<AuditHead> h = head();
  (void)db_->exec("COMMIT;");
  if (!bytes.is_ok()) return bytes.status();
  if (!h.is_ok()) return h.status();
  s = (*file)->write(*bytes);
  if (s.is_ok()) s = outputs.sync();
  if (s.is_ok()) s = outputs.publish();
  if (!s.is_ok()) return s.with_context("cannot write the audit package");
  return h;
}

}  // namespace tend
