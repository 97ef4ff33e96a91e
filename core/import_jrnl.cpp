// jrnl's `--export json`: {"tags": {...}, "entries": [{"date", "time", "title",
// "body", "tags", "starred"}]}, streamed. Rules: docs/import-format.md.
#include <cctype>
#include <charconv>
#include <map>

#include <fmt/format.h>

#include "core/import.hpp"
#include "core/json_stream.hpp"
#include "core/text.hpp"

namespace tend {
namespace {

std::optional<int> number(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int v = 0;
  auto [p, ec] = std::from_chars(s.data() + pos, s.data() + pos + n, v);
  if (ec != std::errc() || p != s.data() + pos + n) return std::nullopt;
  return v;
}

std::string trim_end(std::string s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.pop_back();
  }
  return s;
}

// A score written as a jrnl tag: @mood7, @mood-7 or @mood_7 (1 to 10, any case).
std::optional<int> score_tag(std::string_view tag) {
  if (tag.size() < 6 || tag[0] != '@') return std::nullopt;
  std::string head(tag.substr(1, 4));
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (head != "mood") return std::nullopt;
  std::string_view n = tag.substr(5);
  if (!n.empty() && (n[0] == '-' || n[0] == '_')) n.remove_prefix(1);
  const std::optional<int> v = number(n, 0, n.size());
  if (n.empty() || !v || *v < 1 || *v > 10) return std::nullopt;
  return v;
}

class JrnlSink : public JsonSink {
 public:
  JrnlSink(const JrnlOptions& options, ImportBatch& batch) : options_(options), batch_(batch) {}

  bool wants(const JsonPath& p, bool) override {
    return p.size() == 2 && p[0] == "entries" && p[1] == "[]";
  }
  Status value(const JsonPath&, Json&& e) override { return entry(e); }
  Status closed(const JsonPath& p, bool array) override {
    if (p.size() == 1 && p[0] == "entries") {
      if (!array) return invalid_input("\"entries\" is not a list");
      saw_entries_ = true;
    }
    return Status::ok();
  }
  bool saw_entries() const { return saw_entries_; }

 private:
  Status entry(const Json& e) {
    ++batch_.records;
    if (!e.is_object()) return invalid_input("an entry is not an object");
    const auto text = [&](const char* key, bool required) -> Result<std::string> {
      const auto it = e.find(key);
      if (it == e.end() || it->is_null()) {
        if (required) return invalid_input(fmt::format("an entry has no {}", key));
        return std::string();
      }
      if (!it->is_string()) return invalid_input(fmt::format("an entry's {} is not a string", key));
      return it->get<std::string>();
    };
    Result<std::string> date = text("date", true);
    if (!date.is_ok()) return date.status();
    Result<std::string> time = text("time", true);
    if (!time.is_ok()) return time.status();
    Result<std::string> title = text("title", false);
    if (!title.is_ok()) return title.status();
    Result<std::string> body = text("body", false);
    if (!body.is_ok()) return body.status();

    const std::string& d = *date;
    const std::string& t = *time;
    auto y = d.size() == 10 && d[4] == '-' && d[7] == '-' ? number(d, 0, 4) : std::nullopt;
    auto mo = number(d, 5, 2), dd = number(d, 8, 2);
    auto h = t.size() >= 5 && t[2] == ':' ? number(t, 0, 2) : std::nullopt;
    auto mi = number(t, 3, 2);
    std::optional<int> sec = 0;
    if (t.size() == 8 && t[5] == ':') {
      sec = number(t, 6, 2);
    } else if (t.size() != 5) {
      h.reset();
    }
    if (!y || !mo || !dd) return invalid_input("an entry's date is not YYYY-MM-DD");
    if (!h || !mi || !sec) return invalid_input("an entry's time is not HH:MM");
    std::string notice;
    std::optional<Instant> at = wall_.at(*y, *mo, *dd, *h, *mi, *sec, &notice);
    if (!at) return invalid_input(fmt::format("there is no such date or time: {} {}", d, t));

    std::vector<std::string> tags;
    std::optional<int> score = options_.score;
    if (const auto it = e.find("tags"); it != e.end() && !it->is_null()) {
      if (!it->is_array()) return invalid_input("an entry's tags are not a list");
      for (const Json& tag : *it) {
        if (!tag.is_string()) return invalid_input("an entry's tag is not a string");
        if (auto tagged = score_tag(tag.get_ref<const std::string&>()); tagged) {
          score = tagged;  // the entry's own score wins over --score
          continue;
        }
        tags.push_back(tag.get<std::string>());
      }
    }
    if (const auto it = e.find("starred"); it != e.end() && !it->is_null()) {
      if (!it->is_boolean()) return invalid_input("an entry's starred is not true or false");
      if (it->get<bool>()) tags.emplace_back("starred");
    }

    // The n-th entry at this minute counts every entry, scored or not, so that
    // a key names the same entry whatever --score or --skip-unscored says.
    const std::string when = fmt::format("{}T{}", d, t.substr(0, 5));
    const int nth = ++at_same_minute_[when];
    if (!score) {
      ++batch_.skipped["entries without a score"];
      return Status::ok();
    }
    if (!notice.empty())
      batch_.notices.push_back(fmt::format("entry {}: {}", batch_.records, notice));
    ImportedMood m;
    m.entry.at = *at;
    m.entry.score = *score;
    m.entry.tags = std::move(tags);
    std::string note = trim_end(*title);
    if (std::string b = trim_end(*body); !b.empty()) {
      while (!b.empty() && (b.front() == '\n' || b.front() == ' ')) b.erase(0, 1);
      note += note.empty() ? b : "\n" + b;
    }
    if (!note.empty()) m.entry.note = std::move(note);
    Status s = validate_mood(m.entry);
    if (!s.is_ok()) return invalid_input(fmt::format("an entry: {}", s.message()));
    m.key = fmt::format("jrnl:{}#{}", when, nth);
    batch_.moods.push_back(std::move(m));
    return Status::ok();
  }

  const JrnlOptions& options_;
  ImportBatch& batch_;
  bool saw_entries_ = false;
  std::map<std::string, int> at_same_minute_;
  LocalWallTimes wall_;
};

}  // namespace

Result<ImportBatch> read_jrnl(const std::string& path, const JrnlOptions& options) {
  ImportBatch batch;
  batch.source = "jrnl";
  JrnlSink sink(options, batch);
  Status s = stream_json(path, "jrnl export", sink, reading_progress(options.progress));
  if (!s.is_ok()) return s;
  if (!sink.saw_entries()) {
    return invalid_input("this is not a jrnl export: it has no \"entries\" list",
                         "make one with: jrnl --export json > journal.json");
  }
  sort_moods(batch.moods);
  return batch;
}

}  // namespace tend
