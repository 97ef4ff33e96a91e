// Daylio's CSV export, read with libcsv (RFC 4180: quoted fields with commas,
// doubled quotes and line breaks; CRLF or LF). Rules: docs/import-format.md.
#include <csv.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/compile.h>
#include <fmt/format.h>

#include "core/fs.hpp"
#include "core/import.hpp"
#include "core/text.hpp"

namespace tend {
namespace {

// The header eras, oldest first. Keyed on the whole header line.
enum class Era { kYearDate = 0, kFullDate = 1, kNoteTitle = 2, kScales = 3 };
struct EraColumns {
  Era era;
  std::array<std::string_view, 9> names;
  std::size_t count;
};
constexpr EraColumns kEras[] = {
    {Era::kYearDate, {"year", "date", "weekday", "time", "mood", "activities", "note"}, 7},
    {Era::kFullDate, {"full_date", "date", "weekday", "time", "mood", "activities", "note"}, 7},
    {Era::kNoteTitle,
     {"full_date", "date", "weekday", "time", "mood", "activities", "note_title", "note"},
     8},
    {Era::kScales,
     {"full_date", "date", "weekday", "time", "mood", "activities", "scales", "note_title", "note"},
     9},
};

// The columns a row is read by, named as in kColumnNames.
enum class Column {
  kYear,
  kFullDate,
  kDate,
  kTime,
  kMood,
  kActivities,
  kScales,
  kNoteTitle,
  kNote
};
constexpr std::array<std::string_view, 9> kColumnNames = {
    "year", "full_date", "date", "time", "mood", "activities", "scales", "note_title", "note"};

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::optional<int> whole(std::string_view s) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// "18 May", "May 18", "18. May": the day and month of the oldest era (English
// month names, full or three letters).
std::optional<std::pair<int, int>> day_month(std::string_view text) {
  static constexpr std::string_view kMonths[] = {"january",   "february", "march",    "april",
                                                 "may",       "june",     "july",     "august",
                                                 "september", "october",  "november", "december"};
  std::string s = ascii_lower(trim(text));
  std::replace(s.begin(), s.end(), '.', ' ');
  std::replace(s.begin(), s.end(), ',', ' ');
  std::vector<std::string_view> words;
  std::string_view rest = s;
  while (!rest.empty()) {
    const std::size_t a = rest.find_first_not_of(' ');
    if (a == std::string_view::npos) break;
    rest.remove_prefix(a);
    const std::size_t b = std::min(rest.find(' '), rest.size());
    words.push_back(rest.substr(0, b));
    rest.remove_prefix(b);
  }
  if (words.size() != 2) return std::nullopt;
  const auto month = [](std::string_view w) -> std::optional<int> {
    for (int m = 0; m < 12; ++m) {
      if (w == kMonths[m] || (w.size() == 3 && kMonths[m].substr(0, 3) == w)) return m + 1;
    }
    return std::nullopt;
  };
  if (auto d = whole(words[0]); d) {
    if (auto m = month(words[1]); m) return std::pair{*d, *m};
  }
  if (auto d = whole(words[1]); d) {
    if (auto m = month(words[0]); m) return std::pair{*d, *m};
  }
  return std::nullopt;
}

// "10:00 pm", "1:49 PM", "12:00 am" (midnight), "12:30 p.m.", "14:03".
std::optional<std::pair<int, int>> clock_time(std::string_view text) {
  std::string s = ascii_lower(trim(text));
  std::erase(s, '.');
  int meridiem = 0;  // 1 am, 2 pm
  if (s.size() > 2 && (s.ends_with("am") || s.ends_with("pm"))) {
    meridiem = s.ends_with("am") ? 1 : 2;
    s.resize(s.size() - 2);
    while (!s.empty() && s.back() == ' ') s.pop_back();
  }
  const std::size_t colon = s.find(':');
  if (colon == std::string::npos || s.size() - colon != 3) return std::nullopt;
  auto h = whole(std::string_view(s).substr(0, colon));
  auto m = whole(std::string_view(s).substr(colon + 1));
  if (!h || !m || colon > 2 || *m < 0 || *m > 59) return std::nullopt;
  if (meridiem == 0) {
    if (*h < 0 || *h > 23) return std::nullopt;
    return std::pair{*h, *m};
  }
  if (*h < 1 || *h > 12) return std::nullopt;
  return std::pair{(*h % 12) + (meridiem == 2 ? 12 : 0), *m};
}

// An activity as a tag: spaces around a slash dropped, other runs of spaces
// (and commas, which tags cannot hold) made one hyphen: "movies / tv" is
// "movies/tv", "bad sleep" is "bad-sleep".
std::string activity_tag(std::string_view activity) {
  std::string out;
  bool gap = false;
  for (char c : trim(activity)) {
    if (c == ' ' || c == '\t' || c == ',' || c == '\n' || c == '\r') {
      gap = true;
      continue;
    }
    if (gap && c != '/' && !out.empty() && out.back() != '/') out += '-';
    gap = false;
    out += c;
  }
  return out;
}

struct Row {
  std::uint64_t line = 0;
  std::vector<std::string> fields;
};

// Feeds libcsv and hands each whole record, with the line it starts on, to
// `on_row` as soon as it ends. One Row is reused, fields and all: a large
// export allocates for its first record only.
class CsvReader {
 public:
  explicit CsvReader(std::function<Status(const Row&)> on_row) : on_row_(std::move(on_row)) {
    csv_init(&parser_, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL);
  }
  ~CsvReader() { csv_free(&parser_); }
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Parses `data`, handing on the records it completes. The byte where the
  // CSV went wrong, if it did; status() says if a record was refused.
  std::optional<std::uint64_t> feed(std::string_view data) {
    const std::size_t n = csv_parse(&parser_, data.data(), data.size(), &CsvReader::on_field,
                                    &CsvReader::on_record, this);
    if (n != data.size()) {
      count_lines(data.substr(0, n));
      return fed_ + n;
    }
    count_lines(data);
    fed_ += n;
    return std::nullopt;
  }
  // The end of the file: false if a quoted field never ended.
  bool finish() {
    return csv_fini(&parser_, &CsvReader::on_field, &CsvReader::on_record, this) == 0;
  }
  // The first record on_row refused, if any (later ones are not handed on).
  const Status& status() const { return status_; }
  // The line where reading stopped (for an error where the CSV itself is broken).
  std::uint64_t raw_line() const { return raw_lines_ + 1; }
  // The line where the record being read starts.
  std::uint64_t record_line() const { return line_; }

 private:
  static void on_field(void* data, std::size_t len, void* self) {
    auto* r = static_cast<CsvReader*>(self);
    const std::string_view field(static_cast<const char*>(data), len);
    r->field_lines_ += static_cast<std::uint64_t>(std::count(field.begin(), field.end(), '\n'));
    if (r->fields_ == r->row_.fields.size()) r->row_.fields.emplace_back();
    r->row_.fields[r->fields_++].assign(field);
  }
  static void on_record(int terminator, void* self) {
    auto* r = static_cast<CsvReader*>(self);
    if (r->fields_ > 0 && r->status_.is_ok()) {
      r->row_.fields.resize(r->fields_);
      r->row_.line = r->line_;
      r->status_ = r->on_row_(r->row_);
    }
    r->fields_ = 0;
    r->line_ += r->field_lines_ + (terminator == '\n' ? 1 : 0);
    r->field_lines_ = 0;
  }
  void count_lines(std::string_view data) {
    raw_lines_ += static_cast<std::uint64_t>(std::count(data.begin(), data.end(), '\n'));
  }

  csv_parser parser_{};
  std::function<Status(const Row&)> on_row_;
  Status status_ = Status::ok();
  Row row_;
  std::size_t fields_ = 0;  // of row_, in the record being read
  std::uint64_t line_ = 1;
  std::uint64_t field_lines_ = 0;
  std::uint64_t fed_ = 0;
  std::uint64_t raw_lines_ = 0;
};

Status at_line(std::uint64_t line, const std::string& why, std::string hint = {}) {
  return invalid_input(fmt::format("line {}: {}", line, why), std::move(hint));
}

class DaylioReader {
 public:
  // `bytes`: the file's size, for room for as many entries as it might hold
  // (a row takes 40 bytes or more), so the list is not copied as it grows.
  DaylioReader(const DaylioOptions& options, std::uint64_t bytes) {
    const std::uint64_t rows = std::min<std::uint64_t>(bytes / 40 + 1, 1 << 22);
    batch_.moods.reserve(rows);
    written_.reserve(rows);
    for (const MoodLabel& m : daylio_default_moods()) moods_[fold_case(m.label)] = m.score;
    for (const MoodLabel& m : options.mood_map) moods_[fold_case(trim(m.label))] = m.score;
    batch_.source = "daylio";
  }

  Status header(const Row& row) {
    std::vector<std::string> names;
    for (const std::string& f : row.fields) names.push_back(ascii_lower(trim(f)));
    for (const EraColumns& e : kEras) {
      if (names.size() != e.count) continue;
      if (std::equal(names.begin(), names.end(), e.names.begin())) {
        era_ = e;
        for (std::size_t c = 0; c < kColumnNames.size(); ++c) {
          const auto* at = std::find(e.names.begin(), e.names.begin() + e.count, kColumnNames[c]);
          columns_[c] =
              at == e.names.begin() + e.count ? -1 : static_cast<int>(at - e.names.begin());
        }
        return Status::ok();
      }
    }
    return at_line(row.line, "this is not a Daylio CSV export (its header names other columns)",
                   "Daylio's header starts with full_date,date,weekday,time,mood or "
                   "year,date,weekday,time,mood");
  }

  Status row(const Row& row) {
    ++batch_.records;
    if (row.fields.size() != era_.count) {
      return at_line(row.line, fmt::format("{} fields where the header has {}", row.fields.size(),
                                           era_.count));
    }
    const auto field = [&](Column c) -> const std::string& {
      static const std::string kNone;
      const int i = columns_[static_cast<std::size_t>(c)];
      return i < 0 ? kNone : row.fields[static_cast<std::size_t>(i)];
    };
    int year = 0, month = 0, day = 0;
    if (era_.era == Era::kYearDate) {
      auto y = whole(trim(field(Column::kYear)));
      auto dm = day_month(field(Column::kDate));
      if (!y || !dm) return at_line(row.line, "cannot read the date");
      year = *y;
      day = dm->first;
      month = dm->second;
    } else {
      const std::string_view d = trim(field(Column::kFullDate));
      auto y = d.size() == 10 && d[4] == '-' && d[7] == '-' ? whole(d.substr(0, 4)) : std::nullopt;
      auto m = y ? whole(d.substr(5, 2)) : std::nullopt;
      auto dd = m ? whole(d.substr(8, 2)) : std::nullopt;
      if (!dd) return at_line(row.line, "cannot read the date (full_date is YYYY-MM-DD)");
      year = *y;
      month = *m;
      day = *dd;
    }
    auto time = clock_time(field(Column::kTime));
    if (!time) return at_line(row.line, "cannot read the time (10:00 pm or 22:00)");
    std::string notice;
    std::optional<Instant> at = wall_.at(year, month, day, time->first, time->second, 0, &notice);
    if (!at) {
      return at_line(row.line, fmt::format("there is no such date or time: {:04}-{:02}-{:02} "
                                           "{:02}:{:02}",
                                           year, month, day, time->first, time->second));
    }
    if (!notice.empty()) batch_.notices.push_back(fmt::format("line {}: {}", row.line, notice));

    const std::string& label = field(Column::kMood);
    auto score = by_label_.find(label);
    if (score == by_label_.end()) {
      const std::string folded = fold_case(trim(label));
      auto mapped = moods_.find(folded);
      score = by_label_.emplace(label, mapped == moods_.end() ? 0 : mapped->second).first;
      if (score->second == 0 && unmapped_seen_.insert(folded).second) {
        unmapped_.emplace_back(trim(label));
      }
    }
    if (score->second == 0) return Status::ok();

    ImportedMood m;
    m.entry.at = *at;
    m.entry.score = score->second;
    std::string_view activities = field(Column::kActivities);
    while (!activities.empty()) {
      const std::size_t bar = std::min(activities.find('|'), activities.size());
      std::string tag = activity_tag(activities.substr(0, bar));
      if (!tag.empty()) m.entry.tags.push_back(std::move(tag));
      activities.remove_prefix(std::min(bar + 1, activities.size()));
    }
    std::string note;
    const auto join = [&note](std::string_view part) {
      if (part.empty()) return;
      if (!note.empty()) note += "\n\n";
      note += part;
    };
    join(trim(html_to_text(field(Column::kNoteTitle))));
    join(trim(html_to_text(field(Column::kNote))));
    if (const std::string scales(trim(field(Column::kScales))); !scales.empty()) {
      join("Scales: " + scales);
    }
    if (!note.empty()) m.entry.note = std::move(note);
    Status s = validate_mood(m.entry);
    if (!s.is_ok()) return at_line(row.line, s.message());

    // The key waits for finish(): it numbers the entries at one written minute.
    written_.push_back(std::int64_t{year} * 100000000 + month * 1000000 + day * 10000 +
                       time->first * 100 + time->second);
    batch_.moods.push_back(std::move(m));
    return Status::ok();
  }

  Result<ImportBatch> finish() {
    if (!unmapped_.empty()) {
      std::string list;
      std::string map;
      for (const std::string& l : unmapped_) {
        list += (list.empty() ? "" : ", ") + quote(l);
        map += fmt::format("{}{}=N", map.empty() ? "" : ",", display(l));
      }
      return invalid_input(
          fmt::format("{} mood label{} with no score: {}", unmapped_.size(),
                      unmapped_.size() == 1 ? "" : "s", list),
          fmt::format("give each a score from 1 to 10: --mood-map {}", shell_word(map)));
    }
    // An entry's key is its written minute and its place among the entries at
    // that minute in file order ("daylio:2025-05-18T22:00#2"): the same in
    // every export that holds it.
    std::vector<std::pair<std::int64_t, std::uint32_t>> order(written_.size());
    for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = {written_[i], i};
    std::sort(order.begin(), order.end());
    int nth = 0;
    for (std::size_t k = 0; k < order.size(); ++k) {
      const std::int64_t w = order[k].first;
      nth = k > 0 && order[k - 1].first == w ? nth + 1 : 1;
      batch_.moods[order[k].second].key =
          fmt::format(FMT_COMPILE("daylio:{:04}-{:02}-{:02}T{:02}:{:02}#{}"), w / 100000000,
                      w / 1000000 % 100, w / 10000 % 100, w / 100 % 100, w % 100, nth);
    }
    sort_moods(batch_.moods);
    return std::move(batch_);
  }

 private:
  ImportBatch batch_;
  EraColumns era_{};
  std::array<int, kColumnNames.size()> columns_{};  // where each Column is in this era; -1: absent
  std::map<std::string, int> moods_;                // folded label -> score
  std::vector<std::string> unmapped_;
  std::set<std::string> unmapped_seen_;
  std::unordered_map<std::string, int> by_label_;  // as written -> score, 0 if unmapped
  std::vector<std::int64_t> written_;              // each mood's written minute, YYYYMMDDhhmm
  LocalWallTimes wall_;
};

}  // namespace

std::vector<MoodLabel> daylio_default_moods() {
  return {{"awful", 1}, {"bad", 3}, {"meh", 6}, {"good", 8}, {"rad", 10}};
}

Result<std::vector<MoodLabel>> parse_mood_map(std::string_view text) {
  std::vector<MoodLabel> out;
  while (!text.empty()) {
    // A pair ends at the first comma after an `=`: a label may hold commas
    // ("tired, but ok=5"), a score never does.
    const std::size_t eq_at = text.find('=');
    const std::size_t comma =
        std::min(text.find(',', eq_at == std::string_view::npos ? 0 : eq_at), text.size());
    const std::string_view item = trim(text.substr(0, comma));
    text.remove_prefix(std::min(comma + 1, text.size()));
    if (item.empty()) continue;
    const std::size_t eq = item.rfind('=');
    if (eq == std::string_view::npos) {
      return usage_error("--mood-map takes label=score pairs", "--mood-map happy=9,sad=2");
    }
    const std::string_view label = trim(item.substr(0, eq));
    auto score = whole(trim(item.substr(eq + 1)));
    if (label.empty()) return usage_error("--mood-map has a pair with no label");
    Status s = check_label(label, "a --mood-map label", 100);
    if (!s.is_ok()) return s;
    if (!score || *score < 1 || *score > 10) {
      return usage_error("--mood-map scores are whole numbers from 1 to 10");
    }
    out.push_back({std::string(label), *score});
  }
  return out;
}

Result<ImportBatch> read_daylio(const std::string& path, const DaylioOptions& options) {
  Result<fs::FileReader> file = fs::FileReader::open(path);
  if (!file.is_ok()) return file.status();
  DaylioReader daylio(options, file->size());
  bool have_header = false;
  CsvReader csv([&](const Row& r) {
    if (have_header) return daylio.row(r);
    have_header = true;
    return daylio.header(r);
  });
  std::vector<char> buf(64 * 1024);
  std::uint64_t read = 0;
  bool first = true;
  for (;;) {
    Result<std::size_t> n = file->read(buf.data(), buf.size());
    if (!n.is_ok()) return n.status();
    if (*n == 0) break;
    std::string_view chunk(buf.data(), *n);
    if (first && chunk.starts_with("\xEF\xBB\xBF")) chunk.remove_prefix(3);  // a UTF-8 BOM
    first = false;
    const std::optional<std::uint64_t> bad = csv.feed(chunk);
    if (!csv.status().is_ok()) return csv.status();
    if (bad) return at_line(csv.raw_line(), "not valid CSV (a stray quote in a field)");
    read += *n;
    if (options.progress) options.progress("reading", read, file->size());
  }
  if (!csv.finish()) {
    return at_line(csv.record_line(),
                   "a quoted field in this record never ends (the file ends "
                   "inside it)");
  }
  if (!csv.status().is_ok()) return csv.status();
  if (!have_header) return invalid_input("the file is empty: no Daylio header");
  return daylio.finish();
}

}  // namespace tend
