// ActivityWatch's export (GET /api/0/export) from aw-server (Python) or
// aw-server-rust, streamed: {"buckets": {<id>: {"type", "events": [...]}}}.
// Rules: docs/import-format.md.
//
// Events are read field by field, never as documents; what stays until its
// bucket ends is 24 bytes per event of a chosen app (a bucket's "type" may
// come after its events), and the sessions made of them, 32 bytes each.
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include <fmt/format.h>

#include "core/import.hpp"
#include "core/json_stream.hpp"
#include "core/text.hpp"

namespace tend {
namespace {

constexpr std::int64_t kMicros = 1000000;
constexpr std::int64_t kMaxSessionMicros = 86400 * kMicros;
// No event lasts longer than this (an afk event over a long holiday may last weeks).
constexpr double kMaxEventSeconds = 366.0 * 86400;

struct Event {
  std::int64_t start_us = 0;
  std::int64_t duration_us = 0;
  std::uint32_t app = 0;    // into names
  std::uint32_t title = 0;  // 1 + an index into the bucket's titles; 0 for none
};

// The fields of the event being read.
struct Fields {
  std::optional<std::int64_t> start_us;
  std::optional<double> seconds;
  bool data = false;
  std::optional<std::string> app, package, title;
};

class AwSink : public JsonSink {
 public:
  AwSink(const ActivityWatchOptions& options, ImportBatch& batch)
      : options_(options), batch_(batch), out_(batch.apps) {
    for (const std::string& o : options.only) only_.push_back(fold_case(o));
  }

  // Scalars only: the fields of events, a bucket's type, and (to refuse them)
  // an event or its data that is not an object. Containers are streamed.
  bool wants(const JsonPath& p, bool container) override {
    if (container || p.size() < 3 || p[0] != "buckets") return false;
    if (p.size() == 3) return p[2] == "type";
    if (p[2] != "events") return false;
    if (p.size() == 4) return true;
    if (p.size() == 5) return p[4] == "timestamp" || p[4] == "duration" || p[4] == "data";
    return p.size() == 6 && p[4] == "data" &&
           (p[5] == "app" || p[5] == "package" || p[5] == "title");
  }

  Status value(const JsonPath& p, Json&& v) override {
    begin(p[1]);
    if (p.size() == 3) {
      if (!v.is_string()) return invalid_input("a bucket's type is not a string");
      type_ = v.get<std::string>();
      return Status::ok();
    }
    if (p.size() == 4) return invalid_input("an event is not an object");
    const std::string& field = p.back();
    if (p.size() == 5) {
      if (field == "timestamp") {
        if (!v.is_string()) return invalid_input("an event's timestamp is not a string");
        fields_.start_us = parse_rfc3339_micros(v.get_ref<const std::string&>());
        if (!fields_.start_us) {
          return invalid_input("an event's timestamp is not an RFC 3339 time with an offset");
        }
      } else if (field == "duration") {
        if (!v.is_number()) return invalid_input("an event's duration is not a number");
        fields_.seconds = v.get<double>();
      } else {
        return invalid_input("an event's data is not an object");
      }
      return Status::ok();
    }
    if (v.is_null()) return Status::ok();
    if (!v.is_string())
      return invalid_input(fmt::format("an event's data.{} is not a string", field));
    std::optional<std::string>& slot = field == "app"       ? fields_.app
                                       : field == "package" ? fields_.package
                                                            : fields_.title;
    slot = std::move(v.get_ref<std::string&>());
    return Status::ok();
  }

  Status closed(const JsonPath& p, bool array) override {
    if (p.size() == 1 && p[0] == "buckets") {
      if (array) return invalid_input("\"buckets\" is not an object");
      saw_buckets_ = true;
      return Status::ok();
    }
    if (p.size() < 2 || p[0] != "buckets") return Status::ok();
    if (p.size() == 2) {
      if (array) return invalid_input("a bucket is not an object");
      begin(p[1]);
      return finish();
    }
    if (p[2] != "events") return Status::ok();
    if (p.size() == 3) {
      if (!array) return invalid_input("a bucket's events are not a list");
      return Status::ok();
    }
    if (p.size() == 4) {
      if (array) return invalid_input("an event is not an object");
      return event();
    }
    if (p.size() == 5 && p[4] == "data") {
      if (array) return invalid_input("an event's data is not an object");
      fields_.data = true;
      return Status::ok();
    }
    if (p.size() == 5 && (p[4] == "timestamp" || p[4] == "duration")) {
      return invalid_input(
          fmt::format("an event's {} is not a {}", p[4], p[4] == "duration" ? "number" : "string"));
    }
    if (p.size() == 6 && p[4] == "data" &&
        (p[5] == "app" || p[5] == "package" || p[5] == "title")) {
      return invalid_input(fmt::format("an event's data.{} is not a string", p[5]));
    }
    return Status::ok();
  }

  bool saw_buckets() const { return saw_buckets_; }

 private:
  // The bucket a value belongs to: a new one starts when the id changes.
  void begin(const std::string& id) {
    if (open_ && id == bucket_) return;
    bucket_ = id;
    type_.clear();
    events_.clear();
    all_ = unchosen_ = 0;
    open_ = true;
  }

  Status event() {
    ++all_;
    ++batch_.records;
    Fields f = std::move(fields_);
    fields_ = Fields{};
    if (!f.start_us) return invalid_input("an event has no timestamp");
    if (!f.seconds) return invalid_input("an event has no duration");
    if (!f.data) return invalid_input("an event has no data object");
    if (!std::isfinite(*f.seconds) || *f.seconds < 0) {
      return invalid_input("an event's duration is negative");
    }
    if (*f.seconds > kMaxEventSeconds) {
      return invalid_input("an event's duration is longer than a year");
    }
    if (!f.app && f.package) f.app = f.package;  // Android, without a label
    if (!f.app) return Status::ok();             // not app use (afk, web tab, unlocks)
    const App app = lookup(*f.app, f.package);
    if (!app.chosen) {
      ++unchosen_;
      return Status::ok();
    }
    Event ev;
    ev.start_us = *f.start_us;
    ev.duration_us = std::llround(*f.seconds * kMicros);
    ev.app = app.name;
    if (options_.keep_titles && f.title) {
      std::string title = clean_label(*f.title, 1000);
      if (!title.empty()) {
        auto [it, added] = titles_.try_emplace(std::move(title), 0);
        if (added) {
          it->second = static_cast<std::uint32_t>(title_text_.size());
          title_text_.push_back(&it->first);
        }
        ev.title = it->second + 1;  // 0 is none
      }
    }
    events_.push_back(ev);
    return Status::ok();
  }

  struct App {
    std::uint32_t name = 0;  // into names, as first seen
    bool chosen = false;
  };
  // Names that differ only in case are one app (as AppNames shows them).
  // Only chosen apps' names are kept; the answer for a name is remembered for
  // the first kMaxRemembered names met (a file of ever new names costs time
  // then, not memory).
  App lookup(const std::string& name, const std::optional<std::string>& package) {
    static constexpr std::size_t kMaxRemembered = 4096;
    const std::string cache_key = package ? name + '\n' + *package : name;
    if (auto it = seen_.find(cache_key); it != seen_.end()) return it->second;
    const std::string folded = fold_case(name);
    const std::string p = package ? fold_case(*package) : std::string();
    App app;
    app.chosen =
        options_.all_apps || std::any_of(only_.begin(), only_.end(), [&](const std::string& o) {
          return o == folded || (!p.empty() && o == p);
        });
    if (app.chosen) {
      auto [spelt, added] = spelling_.try_emplace(folded, 0);
      if (added) {
        // A name tend could not store (too long, control characters) is tidied.
        std::string shown = check_label(name, "app name", kMaxAppNameBytes).is_ok()
                                ? name
                                : clean_label(name, kMaxAppNameBytes);
        spelt->second = intern(shown.empty() ? "(unnamed app)" : shown);
      }
      app.name = spelt->second;
    }
    if (seen_.size() < kMaxRemembered) seen_.emplace(cache_key, app);
    return app;
  }

  std::uint32_t intern(const std::string& s) {
    auto [it, added] = index_.try_emplace(s, static_cast<std::uint32_t>(out_.names.size()));
    if (added) out_.names.push_back(s);
    return it->second;
  }

  // The bucket's sessions: per app, in time order, events merged while the
  // next starts within kSessionGapSeconds of the end of those before it.
  Status finish() {
    open_ = false;
    if (type_ != "currentwindow") {
      if (all_ > 0) skip(type_.empty() ? "events of an untyped bucket" : type_, all_);
      return Status::ok();
    }
    if (unchosen_ > 0) batch_.skipped["apps not chosen"] += unchosen_;
    const std::int64_t other = all_ - unchosen_ - static_cast<std::int64_t>(events_.size());
    if (other > 0) batch_.skipped["events without an app"] += other;
    const std::uint32_t source = intern(bucket_);
    std::sort(events_.begin(), events_.end(), [](const Event& x, const Event& y) {
      return x.app != y.app ? x.app < y.app : x.start_us < y.start_us;
    });
    const std::vector<Event>& ev = events_;
    for (std::size_t i = 0; i < ev.size();) {
      const Event& first = ev[i];
      if (first.duration_us > kMaxSessionMicros) {  // a window left open for days: a session a day
        for (std::int64_t done = 0; done < first.duration_us; done += kMaxSessionMicros) {
          add(first, first.start_us + done, std::min(kMaxSessionMicros, first.duration_us - done),
              source);
        }
        ++i;
        continue;
      }
      std::int64_t total = first.duration_us;
      std::int64_t end = first.start_us + first.duration_us;
      std::size_t j = i + 1;
      for (; j < ev.size() && ev[j].app == first.app &&
             ev[j].start_us <= end + kSessionGapSeconds * kMicros &&
             ev[j].duration_us <= kMaxSessionMicros - total;
           ++j) {
        total += ev[j].duration_us;
        end = std::max(end, ev[j].start_us + ev[j].duration_us);
      }
      add(first, first.start_us, total, source);
      i = j;
    }
    events_.clear();
    events_.shrink_to_fit();
    title_text_.clear();
    titles_.clear();
    return Status::ok();
  }

  // Skipped events counted under their bucket's type: 20-odd types by name
  // (each cut to 60 bytes), any more together.
  void skip(const std::string& type, std::int64_t n) {
    std::string name = clean_label(type, 60);
    if (batch_.skipped.count(name) == 0 && batch_.skipped.size() >= 24) name = "other bucket types";
    batch_.skipped[name] += n;
  }

  void add(const Event& first, std::int64_t start_us, std::int64_t total_us, std::uint32_t source) {
    const std::int64_t seconds = (total_us + kMicros / 2) / kMicros;
    if (seconds < 1) {
      ++batch_.skipped["sessions shorter than a second"];
      return;
    }
    const std::uint32_t title = first.title == 0 ? 0 : intern(*title_text_[first.title - 1]);
    out_.sessions.push_back(
        {start_us, std::min<std::int64_t>(seconds, 86400), first.app, title, source});
  }

  const ActivityWatchOptions& options_;
  ImportBatch& batch_;
  ImportedSessions& out_;
  std::vector<std::string> only_;
  bool saw_buckets_ = false;
  // The bucket being read.
  bool open_ = false;
  std::string bucket_;
  std::string type_;
  std::vector<Event> events_;
  std::int64_t all_ = 0;
  std::int64_t unchosen_ = 0;
  Fields fields_;
  // Names.
  std::unordered_map<std::string, std::uint32_t> index_;     // text -> names index
  std::unordered_map<std::string, std::uint32_t> spelling_;  // folded app -> names index
  std::unordered_map<std::string, App> seen_;                // app (+ package) as read
  // The bucket's titles (--keep-titles); a session keeps its first event's.
  std::unordered_map<std::string, std::uint32_t> titles_;
  std::vector<const std::string*> title_text_;
};

}  // namespace

namespace {

// `:` and `%` as %3A and %25, so that a key's parts cannot run into each other.
std::string key_part(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '%') {
      out += "%25";
    } else if (c == ':') {
      out += "%3A";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string ImportedSessions::key_prefix(std::uint32_t source) const {
  return fmt::format("aw:{}:", key_part(names[source]));
}

std::string ImportedSessions::key(const Session& s) const {
  return fmt::format("{}{}:{}", key_prefix(s.source), s.start_us,
                     key_part(fold_case(names[s.app])));
}

Result<ImportBatch> read_activitywatch(const std::string& path,
                                       const ActivityWatchOptions& options) {
  ImportBatch batch;
  batch.source = "activitywatch";
  AwSink sink(options, batch);
  Status s = stream_json(path, "ActivityWatch export", sink, reading_progress(options.progress));
  if (!s.is_ok()) return s;
  if (!sink.saw_buckets()) {
    return invalid_input("this is not an ActivityWatch export: it has no \"buckets\" object",
                         "export with aw-server's /api/0/export (Settings, Export all buckets)");
  }
  // In time order; two sessions with one key (a bucket given twice, an event
  // starting with another of its app) are one: the longer stays.
  std::vector<ImportedSessions::Session>& all = batch.apps.sessions;
  std::vector<std::string> keys;
  keys.reserve(all.size());
  for (const ImportedSessions::Session& one : all) keys.push_back(batch.apps.key(one));
  std::vector<std::size_t> order(all.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (all[a].start_us != all[b].start_us) return all[a].start_us < all[b].start_us;
    if (keys[a] != keys[b]) return keys[a] < keys[b];
    return all[a].duration_s > all[b].duration_s;
  });
  std::vector<ImportedSessions::Session> unique;
  unique.reserve(all.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    if (k > 0 && keys[order[k]] == keys[order[k - 1]]) {
      ++batch.skipped["sessions repeated in the file"];
      continue;
    }
    unique.push_back(all[order[k]]);
  }
  all = std::move(unique);
  return batch;
}

}  // namespace tend
