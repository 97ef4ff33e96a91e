#include "core/import.hpp"

#include <algorithm>
#include <cctype>
#include <climits>

#include <fmt/format.h>

#include "core/schema.hpp"
#include "core/text.hpp"

namespace tend {
namespace {

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// "&amp;", "&#233;", "&#xE9;" at the start of `s`: the text it stands for and
// its length; nullopt for anything else (kept as written).
std::optional<std::pair<std::string, std::size_t>> entity(std::string_view s) {
  const std::size_t semi = s.find(';');
  if (semi == std::string_view::npos || semi > 10) return std::nullopt;
  const std::string_view name = s.substr(1, semi - 1);
  static constexpr std::pair<std::string_view, std::string_view> kNamed[] = {
      {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}, {"nbsp", " "}};
  for (const auto& [n, text] : kNamed) {
    if (name == n) return std::pair{std::string(text), semi + 1};
  }
  if (name.size() < 2 || name[0] != '#') return std::nullopt;
  const bool hex = name[1] == 'x' || name[1] == 'X';
  const std::string_view digits = name.substr(hex ? 2 : 1);
  if (digits.empty()) return std::nullopt;
  char32_t cp = 0;
  for (char c : digits) {
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (hex && c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (hex && c >= 'A' && c <= 'F') v = c - 'A' + 10;
    if (v < 0) return std::nullopt;
    cp = cp * (hex ? 16 : 10) + static_cast<char32_t>(v);
    if (cp > 0x10FFFF) return std::nullopt;
  }
  if ((cp >= 0xD800 && cp <= 0xDFFF) || (is_refused_code_point(cp) && cp != '\n' && cp != '\t')) {
    return std::pair{std::string(), semi + 1};  // nothing that could act on a terminal
  }
  std::string text;
  append_utf8(text, cp);
  return std::pair{std::move(text), semi + 1};
}

void line_break(std::string& out) {
  if (!out.empty() && out.back() != '\n') out += '\n';
}

// The id the next row of an AUTOINCREMENT `table` gets.
Result<std::int64_t> next_id(Db& db, std::string_view table) {
  Result<Statement> st = db.prepare(
      fmt::format("SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = '{0}'), 0),"
                  " coalesce((SELECT max(id) FROM {0}), 0)) + 1;",
                  table));
  if (!st.is_ok()) return st.status();
  Result<bool> row = st->step();
  if (!row.is_ok()) return row.status();
  return st->int64(0);
}

// Writes `rows` rows with `insert` ("INSERT INTO t (a, b)"), kRowsPerInsert
// to a statement: SQLite's cost is much per statement run, not per row.
// bind(statement, first parameter, row) binds one row's `columns` values.
// (Only for tables with a rowid: into the WITHOUT ROWID mood_tag, SQLCipher 3
// wrote several rows to a statement many times slower than one.)
constexpr std::size_t kRowsPerInsert = 64;
Status insert_many(Db& db, std::string_view insert, int columns, std::size_t rows,
                   const std::function<void(Statement&, int, std::size_t)>& bind) {
  const auto prepare = [&](std::size_t n) {
    std::string one = "(?";
    for (int c = 1; c < columns; ++c) one += ", ?";
    one += ')';
    std::string sql = fmt::format("{} VALUES {}", insert, one);
    for (std::size_t i = 1; i < n; ++i) sql += ", " + one;
    sql += ';';
    return db.prepare(sql);
  };
  std::optional<Statement> full;  // for kRowsPerInsert rows; the last few get their own
  for (std::size_t done = 0; done < rows;) {
    const std::size_t n = std::min(kRowsPerInsert, rows - done);
    std::optional<Statement> last;
    if (n < kRowsPerInsert || !full) {
      Result<Statement> st = prepare(n);
      if (!st.is_ok()) return st.status();
      (n == kRowsPerInsert ? full : last) = std::move(st).value();
    }
    Statement& st = n == kRowsPerInsert ? *full : *last;
    st.reset();
    for (std::size_t i = 0; i < n; ++i) bind(st, static_cast<int>(i) * columns + 1, done + i);
    Status s = st.run();
    if (!s.is_ok()) return s;
    done += n;
  }
  return Status::ok();
}

}  // namespace

std::string html_to_text(std::string_view html) {
  // Most notes hold no markup at all.
  if (html.find_first_of("<&\r") == std::string_view::npos &&
      html.find("\n\n\n") == std::string_view::npos) {
    return std::string(html);
  }
  std::string out;
  out.reserve(html.size());
  for (std::size_t i = 0; i < html.size();) {
    const char c = html[i];
    if (c == '<') {
      const std::size_t close = html.find('>', i);
      if (close == std::string_view::npos) {
        out += c;
        ++i;
        continue;
      }
      std::string name;
      std::size_t k = i + 1;
      const bool closing = k < close && html[k] == '/';
      if (closing) ++k;
      for (; k < close && std::isalnum(static_cast<unsigned char>(html[k])); ++k) {
        name += static_cast<char>(std::tolower(static_cast<unsigned char>(html[k])));
      }
      if (name.empty()) {  // "<3" and the like are text
        out += c;
        ++i;
        continue;
      }
      if (name == "br") {
        out += '\n';
      } else if (name == "p" || name == "div" || name == "ul" || name == "ol" ||
                 (name.size() == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6')) {
        line_break(out);
      } else if (name == "li" && !closing) {
        line_break(out);
        out += "- ";
      }
      i = close + 1;
      continue;
    }
    if (c == '&') {
      if (auto e = entity(html.substr(i)); e) {
        out += e->first;
        i += e->second;
        continue;
      }
    }
    if (c == '\r') {  // CRLF inside a field: one line break
      if (i + 1 < html.size() && html[i + 1] == '\n') ++i;
      out += '\n';
      ++i;
      continue;
    }
    out += c;
    ++i;
  }
  // At most one blank line in a row.
  std::string tidy;
  tidy.reserve(out.size());
  int newlines = 0;
  for (char ch : out) {
    newlines = ch == '\n' ? newlines + 1 : 0;
    if (newlines <= 2) tidy += ch;
  }
  return tidy;
}

std::function<void(std::uint64_t, std::uint64_t)> reading_progress(const ProgressFn& progress) {
  if (!progress) return nullptr;
  return [progress](std::uint64_t done, std::uint64_t total) { progress("reading", done, total); };
}

std::string clean_label(std::string_view text, std::size_t max_bytes) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    const std::size_t n = crypto::utf8_sequence(text, i, &cp);
    if (n == 0 || is_refused_code_point(cp)) {
      if (out.size() + 1 > max_bytes) break;
      out += ' ';
      i += n == 0 ? 1 : n;
      continue;
    }
    if (out.size() + n > max_bytes) break;
    out.append(text.substr(i, n));
    i += n;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  while (!out.empty() && out.front() == ' ') out.erase(0, 1);
  return out;
}

void sort_moods(std::vector<ImportedMood>& moods) {
  // Sorted as (time, place) pairs, then each entry moved once: an entry is too
  // large to move about, and a second array of them would double the memory.
  std::vector<std::pair<std::int64_t, std::uint32_t>> order(moods.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = {moods[i].entry.at.utc, i};
  std::sort(order.begin(), order.end());
  // moods[k] takes what moods[order[k].second] held, one cycle of the
  // permutation at a time, in place.
  for (std::size_t start = 0; start < order.size(); ++start) {
    if (order[start].second == start) continue;
    ImportedMood held = std::move(moods[start]);
    std::size_t k = start;
    while (order[k].second != start) {
      const std::uint32_t from = order[k].second;
      moods[k] = std::move(moods[from]);
      order[k].second = static_cast<std::uint32_t>(k);
      k = from;
    }
    moods[k] = std::move(held);
    order[k].second = static_cast<std::uint32_t>(k);
  }
}

Result<ImportOutcome> import_batch(Vault& vault, const ImportRequest& r, std::int64_t now) {
  const ImportBatch& batch = r.batch;
  ImportOutcome out;
  out.source = batch.source;
  out.dry_run = r.dry_run;
  out.records = batch.records;
  out.skipped = batch.skipped;
  out.notices = batch.notices;

  Db& db = vault.db();
  Result<Transaction> tx = Transaction::begin(db);
  if (!tx.is_ok()) return tx.status();
  // Rows go in with the rollup triggers off, and the days they touch are
  // recomputed once at the end: each trigger would cost as much as the insert.
  Result<TriggersOff> no_triggers = TriggersOff::begin(db);
  if (!no_triggers.is_ok()) return no_triggers.status();
  std::int64_t first_day = INT64_MAX, last_day = INT64_MIN;
  const auto touch = [&](const Instant& at) {
    const std::int64_t day = day_number(at);
    first_day = std::min(first_day, day - 1);  // a day to each side: an offset changed since
    last_day = std::max(last_day, day + 1);
  };
  const auto prepare = [&db](const char* sql) { return db.prepare(sql); };
  Result<Statement> find_mood = prepare("SELECT 1 FROM mood WHERE import_key = ?;");
  Result<Statement> add_tag = prepare("INSERT OR FAIL INTO mood_tag (mood_id, tag) VALUES (?, ?);");
  Result<Statement> find_session = prepare(
      "SELECT id, duration_s, edited, at, utc_offset FROM app_session WHERE import_key = ?;");
  Result<Statement> add_session = prepare(
      "INSERT OR FAIL INTO app_session (app, at, utc_offset, duration_s, title, created, "
      "import_key) VALUES (?, ?, ?, ?, ?, ?, ?);");
  Result<Statement> extend = prepare("UPDATE OR FAIL app_session SET duration_s = ? WHERE id = ?;");
  Result<Statement> deleted = prepare("SELECT 1 FROM import_deleted WHERE import_key = ?;");
  Result<Statement> any_deleted = prepare("SELECT 1 FROM import_deleted LIMIT 1;");
  Result<Statement> any_key = prepare(
      "SELECT 1 FROM mood WHERE import_key >= ?1 AND import_key < ?2 UNION ALL"
      " SELECT 1 FROM app_session WHERE import_key >= ?1 AND import_key < ?2 LIMIT 1;");
  for (const Result<Statement>* st : {&find_mood, &add_tag, &find_session, &add_session, &extend,
                                      &deleted, &any_deleted, &any_key}) {
    if (!st->is_ok()) return st->status();
  }

  const ImportedSessions& apps = batch.apps;
  const std::uint64_t total = batch.moods.size() + apps.sessions.size();
  std::uint64_t done = 0;
  const auto progress = [&] {
    if (r.progress && ++done % 4096 == 0) r.progress("writing", done, total);
  };
  // A source none of whose keys the vault holds yet (a first import) needs no
  // lookups: keys are unique within a batch.
  const auto holds_keys = [&](std::string_view prefix) -> Result<bool> {
    any_key->reset();
    std::string end(prefix);
    end.back() = static_cast<char>(end.back() + 1);
    any_key->bind(1, prefix).bind(2, std::string_view(end));
    return any_key->step();
  };
  // An imported entry the user deleted in tend stays deleted.
  Result<bool> some_deleted = any_deleted->step();
  if (!some_deleted.is_ok()) return some_deleted.status();
  const auto was_deleted = [&](std::string_view key) -> Result<bool> {
    if (!*some_deleted) return false;
    deleted->reset();
    deleted->bind(1, key);
    Result<bool> found = deleted->step();
    if (found.is_ok() && *found) ++out.skipped["deleted in tend before"];
    return found;
  };
  Result<bool> look = batch.moods.empty() ? Result<bool>(false) : holds_keys(batch.source + ":");
  if (!look.is_ok()) return look.status();
  std::vector<const ImportedMood*> fresh;
  fresh.reserve(batch.moods.size());
  for (const ImportedMood& m : batch.moods) {
    progress();
    if (*look) {
      find_mood->reset();
      find_mood->bind(1, std::string_view(m.key));
      Result<bool> found = find_mood->step();
      if (!found.is_ok()) return found.status();
      if (*found) {
        ++out.present;
        continue;
      }
    }
    Result<bool> gone = was_deleted(m.key);
    if (!gone.is_ok()) return gone.status();
    if (*gone) continue;
    touch(m.entry.at);
    fresh.push_back(&m);
  }
  // The new entries, in time order, with ids given here (after any the table
  // ever had, as AUTOINCREMENT would): the entries go in many to a statement,
  // then their tags.
  Result<std::int64_t> first_id = next_id(db, "mood");
  if (!first_id.is_ok()) return first_id.status();
  const std::int64_t mark_private = r.mark_private ? 1 : 0;
  Status written = insert_many(
      db,
      "INSERT OR FAIL INTO mood (id, at, utc_offset, score, energy, note, private, created, "
      "import_key)",
      9, fresh.size(), [&](Statement& st, int p, std::size_t i) {
        const MoodEntry& e = fresh[i]->entry;
        st.bind(p, *first_id + static_cast<std::int64_t>(i))
            .bind(p + 1, e.at.utc)
            .bind(p + 2, std::int64_t{e.at.offset_s})
            .bind(p + 3, std::int64_t{e.score})
            .bind(p + 4, e.energy ? std::optional<std::int64_t>(*e.energy) : std::nullopt)
            .bind(p + 5, e.note ? std::optional<std::string_view>(*e.note) : std::nullopt)
            .bind(p + 6, e.is_private ? std::int64_t{1} : mark_private)
            .bind(p + 7, now)
            .bind(p + 8, std::string_view(fresh[i]->key));
      });
  if (!written.is_ok()) return written.with_context("cannot import a mood entry");
  for (std::size_t i = 0; i < fresh.size(); ++i) {
    for (const std::string& tag : fresh[i]->entry.tags) {
      add_tag->reset();
      add_tag->bind(1, *first_id + static_cast<std::int64_t>(i)).bind(2, std::string_view(tag));
      written = add_tag->run();
      if (!written.is_ok()) return written.with_context("cannot import a mood entry's tags");
    }
  }
  out.imported += static_cast<std::int64_t>(fresh.size());
  // The same for each ActivityWatch bucket.
  std::vector<int> known(apps.names.size(), -1);
  const auto seen_before = [&](std::uint32_t source) -> Result<bool> {
    if (known[source] < 0) {
      Result<bool> found = holds_keys(apps.key_prefix(source));
      if (!found.is_ok()) return found.status();
      known[source] = *found ? 1 : 0;
    }
    return known[source] == 1;
  };
  LocalOffsets offsets;
  std::string key;
  for (const ImportedSessions::Session& a : apps.sessions) {
    progress();
    key = apps.key(a);
    Result<bool> holds = seen_before(a.source);
    if (!holds.is_ok()) return holds.status();
    if (*holds) {
      find_session->reset();
      find_session->bind(1, std::string_view(key));
      Result<bool> found = find_session->step();
      if (!found.is_ok()) return found.status();
      if (*found) {
        // The same session in a newer export, longer now (it was still going
        // when the older one was made): its duration grows, unless the user
        // edited it.
        const std::int64_t id = find_session->int64(0);
        if (a.duration_s > find_session->int64(1) && find_session->is_null(2)) {
          touch({find_session->int64(3), static_cast<std::int32_t>(find_session->int64(4))});
          extend->reset();
          extend->bind(1, a.duration_s).bind(2, id);
          Status s = extend->run();
          if (!s.is_ok()) return s.with_context("cannot update an imported app session");
          ++out.extended;
        } else {
          ++out.present;
        }
        continue;
      }
    }
    Result<bool> gone = was_deleted(key);
    if (!gone.is_ok()) return gone.status();
    if (*gone) continue;
    const std::int64_t start = a.start_us / 1000000;
    const Instant at{start, offsets.at(start)};
    touch(at);
    add_session->reset();
    add_session->bind(1, std::string_view(apps.names[a.app]))
        .bind(2, start)
        .bind(3, std::int64_t{at.offset_s})
        .bind(4, a.duration_s)
        .bind(5, a.title != 0 ? std::optional<std::string_view>(apps.names[a.title]) : std::nullopt)
        .bind(6, now)
        .bind(7, std::string_view(key));
    Status s = add_session->run();
    if (!s.is_ok()) return s.with_context("cannot import an app session");
    ++out.imported;
  }
  if (first_day <= last_day) {
    const Rollups which = batch.moods.empty()     ? Rollups::kApps
                          : apps.sessions.empty() ? Rollups::kMood
                                                  : Rollups::kBoth;
    Status s = recompute_rollups(db, first_day, last_day, which);
    if (!s.is_ok()) return s;
  }
  Status on = no_triggers->end();
  if (!on.is_ok()) return on;
  if (r.progress) r.progress("writing", total, total);

  // A dry run rolls back (the transaction ends unused); an import that changed
  // nothing leaves the vault as it was, audit log included.
  if (r.dry_run || (out.imported == 0 && out.extended == 0)) return out;
  Result<AuditLog> log = vault.audit();
  if (!log.is_ok()) return log.status();
  std::int64_t skipped = 0;
  for (const auto& [why, n] : out.skipped) skipped += n;
  Result<std::int64_t> seq = log->record(kind::kImportCompleted,
                                         {{"type", apps.sessions.empty() ? "mood" : "app"},
                                          {"imported", out.imported},
                                          {"present", out.present},
                                          {"extended", out.extended},
                                          {"skipped", skipped}},
                                         now);
  if (!seq.is_ok()) return seq.status();
  Status s = tx->commit();
  if (!s.is_ok()) return s.with_context("cannot import");
  out.audit_seq = *seq;
  return out;
}

}  // namespace tend
