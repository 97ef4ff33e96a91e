#include "core/check.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/audit.hpp"
#include "core/audit_package.hpp"
#include "core/schema.hpp"

namespace tend {
namespace {

constexpr std::size_t kMaxProblems = 20;

// Damage found while reading is a finding; anything else (a full disk, a busy
// vault) stops the check.
bool is_damage(const Status& s) {
  return s.kind() == ErrorKind::kCorrupt;
}

Result<CheckPart> check_pages(Db& db) {
  CheckPart part{"pages", false, "", {}};
  Result<Statement> count = db.prepare("PRAGMA page_count;");
  if (!count.is_ok()) return count.status();
  Result<bool> row = count->step();
  if (!row.is_ok()) return row.status();
  const std::int64_t pages = count->int64(0);
  count = Statement();

  // integrity_check reads every page of every table and index; a page whose
  // HMAC fails is named in its rows (or fails the statement outright).
  Result<Statement> st = db.prepare(fmt::format("PRAGMA integrity_check({});", kMaxProblems));
  if (!st.is_ok()) return st.status();
  for (;;) {
    row = st->step();
    if (!row.is_ok()) {
      if (!is_damage(row.status())) return row.status();
      part.problems.push_back(row.status().message());
      break;
    }
    if (!*row) break;
    const std::string line = st->text(0);
    if (line != "ok") part.problems.push_back(line);
  }
  part.ok = part.problems.empty();
  part.detail =
      part.ok ? fmt::format("{} pages read and authenticated", pages) : part.problems.front();
  return part;
}

// A part whose problems come as a list (empty: sound); damage while reading
// is its one problem.
Result<CheckPart> listed_part(std::string name, Result<std::vector<std::string>> problems,
                              std::string sound) {
  CheckPart part{std::move(name), false, "", {}};
  if (!problems.is_ok()) {
    if (!is_damage(problems.status())) return problems.status();
    part.problems.push_back(problems.status().message());
  } else {
    part.problems = std::move(problems).value();
  }
  part.ok = part.problems.empty();
  part.detail = part.ok ? std::move(sound) : part.problems.front();
  return part;
}

Result<CheckPart> check_schema(Db& db) {
  return listed_part("schema", schema_differences(db),
                     fmt::format("version {}, as this tend makes it", current_schema_version()));
}

Result<CheckPart> check_audit(Vault& vault) {
  CheckPart part{"audit log", false, "", {}};
  auto fail = [&](std::string problem) -> Result<CheckPart> {
    part.problems.push_back(std::move(problem));
    part.detail = part.problems.front();
    return part;
  };
  Result<AuditLog> log = vault.audit();
  if (!log.is_ok()) return log.status();
  Result<std::string> checkpoint = log->latest_checkpoint();
  Result<std::string> package = log->package();
  Result<AuditHead> head = log->head();
  for (const Status& s : {checkpoint.status(), package.status(), head.status()}) {
    if (s.is_ok()) continue;
    if (!is_damage(s) && s.kind() != ErrorKind::kNotFound) return s;
    return fail(s.message());
  }
  VerifyOptions options;
  options.key = log->verifier_key();
  options.trusted_checkpoint = *checkpoint;
  Result<VerifyReport> report = verify_package(*package, options);
  if (!report.is_ok()) return fail(report.status().message());
  if (!report->ok) {
    return fail(report->bad_seq ? fmt::format("entry {}: {}", *report->bad_seq, report->failure)
                                : report->failure);
  }
  if (report->root != head->root || report->size != head->size) {
    return fail(fmt::format(
        "the stored tree state (size {}) is not the tree of the stored entries (size {})",
        head->size, report->size));
  }
  part.ok = true;
  part.detail = fmt::format(
      "{} entries recomputed, root {} signed by the latest checkpoint; consent replayed: {} "
      "grant{}, {} export{}",
      report->size, report->root_base64(), report->grants, report->grants == 1 ? "" : "s",
      report->exports, report->exports == 1 ? "" : "s");
  return part;
}

Result<CheckPart> check_rollups(Db& db) {
  return listed_part("rollups", rollup_differences(db, kMaxProblems),
                     "daily mood and app use equal a recomputation from the entries");
}

Status record(Db& db, std::int64_t now, bool ok) {
  Result<Statement> st =
      db.prepare("INSERT OR REPLACE INTO full_check (id, at, ok) VALUES (1, ?, ?);");
  if (!st.is_ok()) return st.status();
  st->bind(1, now).bind(2, ok ? 1 : 0);
  return st->run();
}

}  // namespace

Result<CheckOutcome> vault_check(Vault& vault, const CheckRequest&, std::int64_t now) {
  CheckOutcome out;
  out.dir = vault.paths().dir;
  Result<CheckPart> pages = check_pages(vault.db());
  if (!pages.is_ok()) return pages.status();
  out.parts.push_back(std::move(pages).value());
  if (out.parts.back().ok) {
    // The rest reads pages again; on a damaged file it would only repeat that.
    Result<CheckPart> schema = check_schema(vault.db());
    if (!schema.is_ok()) return schema.status();
    out.parts.push_back(std::move(schema).value());
    Result<CheckPart> audit = check_audit(vault);
    if (!audit.is_ok()) return audit.status();
    out.parts.push_back(std::move(audit).value());
    Result<CheckPart> rollups = check_rollups(vault.db());
    if (!rollups.is_ok()) return rollups.status();
    out.parts.push_back(std::move(rollups).value());
  }
  out.ok = std::all_of(out.parts.begin(), out.parts.end(), [](const CheckPart& p) { return p.ok; });
  // Nothing is written to a file with damaged pages; otherwise the result is
  // kept for tend status.
  if (out.parts.front().ok) {
    Status s = record(vault.db(), now, out.ok);
    if (!s.is_ok()) return s;
  }
  return out;
}

CheckOutcome damaged_before_check(const std::string& dir, const Status& damage) {
  CheckPart part{"pages", false, damage.message(), {damage.message()}};
  return CheckOutcome{dir, false, {std::move(part)}};
}

Result<std::optional<LastCheck>> last_check(Db& db) {
  Result<Statement> st = db.prepare("SELECT at, ok FROM full_check WHERE id = 1;");
  if (!st.is_ok()) return st.status();
  Result<bool> row = st->step();
  if (!row.is_ok()) return row.status();
  if (!*row) return std::optional<LastCheck>();
  return std::optional<LastCheck>(LastCheck{st->int64(0), st->int64(1) != 0});
}

}  // namespace tend
