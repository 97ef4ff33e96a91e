#include "core/mood.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/text.hpp"

namespace tend {
namespace {

constexpr const char* kSelect =
    "SELECT m.id, m.at, m.utc_offset, m.score, m.energy, m.note, m.private,"
    " (SELECT group_concat(tag, ',') FROM (SELECT tag FROM mood_tag WHERE mood_id = m.id"
    "  ORDER BY tag)), m.created, m.edited FROM mood m";

MoodEntry read_row(const Statement& st) {
  MoodEntry e;
  e.id = st.int64(0);
  e.at = {st.int64(1), static_cast<std::int32_t>(st.int64(2))};
  e.score = static_cast<int>(st.int64(3));
  if (auto energy = st.optional_int64(4)) e.energy = static_cast<int>(*energy);
  e.note = st.optional_text(5);
  e.is_private = st.int64(6) != 0;
  if (auto tags = st.optional_text(7)) {
    std::string_view rest = *tags;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      e.tags.emplace_back(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  e.created = st.int64(8);
  e.edited = st.optional_int64(9);
  return e;
}

// Binds parameters 1..6: at, utc_offset, score, energy, note, private.
void bind_fields(Statement& st, const MoodEntry& e) {
  st.bind(1, e.at.utc)
      .bind(2, std::int64_t{e.at.offset_s})
      .bind(3, std::int64_t{e.score})
      .bind(4, e.energy ? std::optional<std::int64_t>(*e.energy) : std::nullopt)
      .bind(5, e.note ? std::optional<std::string_view>(*e.note) : std::nullopt)
      .bind(6, std::int64_t{e.is_private ? 1 : 0});
}

Status write_tags(Db& db, std::int64_t id, const std::vector<std::string>& tags) {
  Result<Statement> del = db.prepare("DELETE FROM mood_tag WHERE mood_id = ?;");
  if (!del.is_ok()) return del.status();
  del->bind(1, id);
  Status s = del->run();
  if (!s.is_ok()) return s;
  Result<Statement> ins = db.prepare("INSERT INTO mood_tag (mood_id, tag) VALUES (?, ?);");
  if (!ins.is_ok()) return ins.status();
  for (const std::string& tag : tags) {
    ins->reset();
    ins->bind(1, id).bind(2, tag);
    s = ins->run();
    if (!s.is_ok()) return s;
  }
  return Status::ok();
}

}  // namespace

std::string normalize_tag(std::string_view tag) {
  if (!tag.empty() && tag.front() == '@') tag.remove_prefix(1);
  return fold_case(tag);
}

Status validate_mood(MoodEntry& e) {
  if (e.score < 1 || e.score > 10) {
    return usage_error(fmt::format("score {} is outside 1..10", e.score));
  }
  if (e.energy && (*e.energy < 1 || *e.energy > 10)) {
    return usage_error(fmt::format("energy {} is outside 1..10", *e.energy));
  }
  for (std::string& tag : e.tags) {
    tag = normalize_tag(tag);
    Status s = check_label(tag, "tag", kMaxTagBytes);
    if (!s.is_ok()) return s;
    if (tag.find_first_of(", ") != std::string::npos) {
      // The tag itself is journal content: it stays out of the message.
      return usage_error("a tag contains a comma or space", "give each tag its own --tag");
    }
  }
  std::sort(e.tags.begin(), e.tags.end());
  e.tags.erase(std::unique(e.tags.begin(), e.tags.end()), e.tags.end());
  if (e.tags.size() > kMaxTags) return usage_error(fmt::format("more than {} tags", kMaxTags));
  if (e.note) {
    Status s = check_note(*e.note);
    if (!s.is_ok()) return s;
    if (e.note->empty()) e.note.reset();
  }
  return Status::ok();
}

Result<std::int64_t> add_mood(Db& db, const MoodEntry& e, std::int64_t now) {
  Result<Transaction> tx = Transaction::begin(db);
  if (!tx.is_ok()) return tx.status();
  Result<Statement> st = db.prepare(
      "INSERT OR FAIL INTO mood (at, utc_offset, score, energy, note, private, created)"
      " VALUES (?, ?, ?, ?, ?, ?, ?);");
  if (!st.is_ok()) return st.status();
  bind_fields(*st, e);
  st->bind(7, now);
  Status s = st->run();
  if (!s.is_ok()) return s.with_context("cannot add mood entry");
  const std::int64_t id = db.last_insert_rowid();
  s = write_tags(db, id, e.tags);
  if (!s.is_ok()) return s;
  s = tx->commit();
  if (!s.is_ok()) return s;
  return id;
}

Result<std::vector<MoodEntry>> list_mood(Db& db, const MoodQuery& q) {
  const auto in_list = [](std::size_t n) {
    std::string marks;
    for (std::size_t i = 0; i < n; ++i) marks += i == 0 ? "?" : ", ?";
    return marks;
  };
  std::string sql = std::string(kSelect) + " WHERE 1";
  if (q.from) sql += " AND m.at >= ?";
  if (q.until) sql += " AND m.at <= ?";
  for (std::size_t i = 0; i < q.all_tags.size(); ++i) {
    sql += " AND EXISTS (SELECT 1 FROM mood_tag t WHERE t.mood_id = m.id AND t.tag = ?)";
  }
  if (!q.any_tags.empty()) {
    sql += " AND EXISTS (SELECT 1 FROM mood_tag t WHERE t.mood_id = m.id AND t.tag IN (" +
           in_list(q.any_tags.size()) + "))";
  }
  if (!q.not_tags.empty()) {
    sql += " AND NOT EXISTS (SELECT 1 FROM mood_tag t WHERE t.mood_id = m.id AND t.tag IN (" +
           in_list(q.not_tags.size()) + "))";
  }
  // Text is matched here, after Unicode case folding, which SQLite cannot do;
  // the limit then counts matches.
  if (!q.contains.empty()) sql += " AND m.note IS NOT NULL";
  sql += " ORDER BY m.at DESC, m.id DESC";
  if (q.limit && q.contains.empty()) sql += " LIMIT ?";
  Result<Statement> st = db.prepare(sql);
  if (!st.is_ok()) return st.status();
  int i = 0;
  if (q.from) st->bind(++i, *q.from);
  if (q.until) st->bind(++i, *q.until);
  for (const auto* list : {&q.all_tags, &q.any_tags, &q.not_tags}) {
    for (const std::string& tag : *list) st->bind(++i, std::string_view(tag));
  }
  if (q.limit && q.contains.empty()) st->bind(++i, *q.limit);
  std::vector<std::string> needles;
  for (const std::string& c : q.contains) needles.push_back(fold_case(c));
  std::vector<MoodEntry> out;
  for (;;) {
    if (q.limit && static_cast<std::int64_t>(out.size()) >= *q.limit) break;
    Result<bool> row = st->step();
    if (!row.is_ok()) return row.status();
    if (!*row) break;
    MoodEntry e = read_row(*st);
    if (!needles.empty()) {
      const std::string note = fold_case(e.note.value_or(""));
      if (!std::all_of(needles.begin(), needles.end(),
                       [&](const std::string& n) { return note.find(n) != std::string::npos; })) {
        continue;
      }
    }
    out.push_back(std::move(e));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

Result<MoodEntry> get_mood(Db& db, std::int64_t id) {
  Result<Statement> st = db.prepare(std::string(kSelect) + " WHERE m.id = ?;");
  if (!st.is_ok()) return st.status();
  st->bind(1, id);
  Result<bool> row = st->step();
  if (!row.is_ok()) return row.status();
  if (!*row) {
    return not_found(fmt::format("no mood entry with id {}", id),
                     "see the ids with: tend mood list");
  }
  return read_row(*st);
}

Status update_mood(Db& db, AuditLog& audit, const MoodEntry& e, std::int64_t now) {
  Result<Transaction> tx = Transaction::begin(db);
  if (!tx.is_ok()) return tx.status();
  Result<MoodEntry> before = get_mood(db, e.id);
  if (!before.is_ok()) return before.status();
  if (before->is_private && !e.is_private) {
    Result<std::int64_t> seq =
        audit.record(kind::kEntriesShared, {{"type", "mood"}, {"count", 1}}, now);
    if (!seq.is_ok()) return seq.status();
  }
  Result<Statement> st = db.prepare(
      "UPDATE mood SET at = ?, utc_offset = ?, score = ?, energy = ?, note = ?, private = ?,"
      " edited = ? WHERE id = ?;");
  if (!st.is_ok()) return st.status();
  bind_fields(*st, e);
  st->bind(7, now).bind(8, e.id);
  Status s = st->run();
  if (!s.is_ok()) return s;
  if (db.changes() == 0) return not_found(fmt::format("no mood entry with id {}", e.id));
  s = write_tags(db, e.id, e.tags);
  if (!s.is_ok()) return s;
  return tx->commit();
}

Status remove_mood(Db& db, AuditLog& audit, std::int64_t id, std::int64_t now) {
  Result<Transaction> tx = Transaction::begin(db);
  if (!tx.is_ok()) return tx.status();
  Result<Statement> st = db.prepare("DELETE FROM mood WHERE id = ?;");
  if (!st.is_ok()) return st.status();
  st->bind(1, id);
  Status s = st->run();
  if (!s.is_ok()) return s;
  if (db.changes() == 0) {
    return not_found(fmt::format("no mood entry with id {}", id),
                     "see the ids with: tend mood list");
  }
  // The log records that something was deleted, and how much; never what.
  Result<std::int64_t> seq =
      audit.record(kind::kEntriesDeleted, {{"type", "mood"}, {"count", 1}}, now);
  if (!seq.is_ok()) return seq.status();
  return tx->commit();
}

Result<MoodWritten> mood_add(Vault& vault, const MoodAdd& request, std::int64_t now) {
  MoodWritten out{request.entry, request.time_notice};
  if (request.edit_note) {
    Result<std::optional<std::string>> note = request.edit_note(request.entry.note.value_or(""));
    if (!note.is_ok()) return note.status();
    if (!*note) return invalid_input("the note was left empty: nothing was logged");
    out.entry.note = std::move(*note);
    Status s = validate_mood(out.entry);
    if (!s.is_ok()) return s;
  }
  Result<std::int64_t> id = add_mood(vault.db(), out.entry, now);
  if (!id.is_ok()) return id.status();
  out.entry.id = *id;
  out.entry.created = now;
  return out;
}

Result<std::vector<MoodEntry>> mood_list(Vault& vault, const MoodQuery& query, std::int64_t) {
  return list_mood(vault.db(), query);
}

Result<MoodWritten> mood_edit(Vault& vault, const MoodEdit& r, std::int64_t now) {
  Result<MoodEntry> current = get_mood(vault.db(), r.id);
  if (!current.is_ok()) return current.status();
  MoodEntry e = std::move(current).value();
  if (r.score) e.score = *r.score;
  if (r.energy) e.energy = *r.energy;
  if (r.tags) e.tags = *r.tags;
  for (const std::string& t : r.add_tags) e.tags.push_back(t);
  std::erase_if(e.tags, [&](const std::string& t) {
    return std::any_of(r.remove_tags.begin(), r.remove_tags.end(),
                       [&](const std::string& gone) { return normalize_tag(gone) == t; });
  });
  if (r.note) e.note = *r.note;
  if (r.edit_note) {
    Result<std::optional<std::string>> note = r.edit_note(e.note.value_or(""));
    if (!note.is_ok()) return note.status();
    if (!*note) return invalid_input("the note was left unchanged or emptied: nothing was changed");
    e.note = std::move(*note);
  }
  if (r.at) e.at = *r.at;
  if (r.is_private) e.is_private = *r.is_private;
  Status s = validate_mood(e);
  if (!s.is_ok()) return s;
  Result<AuditLog> log = vault.audit();
  if (!log.is_ok()) return log.status();
  s = update_mood(vault.db(), *log, e, now);
  if (!s.is_ok()) return s;
  e.edited = now;
  return MoodWritten{e, r.time_notice};
}

Result<MoodEntry> mood_show(Vault& vault, const EntryId& request, std::int64_t) {
  return get_mood(vault.db(), request.id);
}

Result<Removed> mood_rm(Vault& vault, const EntryId& request, std::int64_t now) {
  if (request.confirm) {
    Result<MoodEntry> e = get_mood(vault.db(), request.id);
    if (!e.is_ok()) return e.status();
    if (!request.confirm(fmt::format("mood entry {} ({}, score {})", e->id, format_local(e->at.utc),
                                     e->score))) {
      return Removed{request.id, false};
    }
  }
  Result<AuditLog> log = vault.audit();
  if (!log.is_ok()) return log.status();
  Status s = remove_mood(vault.db(), *log, request.id, now);
  if (!s.is_ok()) return s;
  return Removed{request.id};
}

Result<MoodSummary> summarize_mood(Db& db, std::int64_t now) {
  MoodSummary sum;
  // From the daily rollups (schema.cpp), so the cost follows days, not entries.
  Result<Statement> st =
      db.prepare("SELECT coalesce(sum(entries), 0), coalesce(sum(private), 0) FROM mood_day;");
  if (!st.is_ok()) return st.status();
  Result<bool> row = st->step();
  if (!row.is_ok()) return row.status();
  sum.count = st->int64(0);
  sum.private_count = st->int64(1);

  // Distinct local days, newest first; walk back from today while they are consecutive.
  st = db.prepare("SELECT day FROM mood_day WHERE entries > 0 ORDER BY day DESC;");
  if (!st.is_ok()) return st.status();
  const std::int64_t today = day_number(local_instant(now));
  std::int64_t expect = today;
  for (;;) {
    row = st->step();
    if (!row.is_ok()) return row.status();
    if (!*row) break;
    const std::int64_t day = st->int64(0);
    if (day > expect) continue;  // an entry dated after today's local date (time zone travel)
    if (sum.streak_days == 0 && day == today - 1) expect = today - 1;
    if (day != expect) break;
    ++sum.streak_days;
    --expect;
  }

  st = db.prepare("SELECT at, utc_offset FROM mood ORDER BY at DESC, id DESC LIMIT 1;");
  if (!st.is_ok()) return st.status();
  row = st->step();
  if (!row.is_ok()) return row.status();
  if (*row) sum.last = Instant{st->int64(0), static_cast<std::int32_t>(st->int64(1))};
  return sum;
}

}  // namespace tend
