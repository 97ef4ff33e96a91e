// Imports: history from other tools (Daylio, ActivityWatch, jrnl) read into
// tend's journal. Formats and the rules of each reader: docs/import-format.md.
//
// An import runs in two halves. A reader turns a file into an ImportBatch, and
// refuses the whole file (kInvalidInput, with the line or byte where it went
// wrong) before the vault is even unlocked. Then import_batch() writes the batch
// in one transaction: a record whose source key the vault already holds is
// counted and left alone, so a second import of the same file adds nothing, and
// a newer export that overlaps an older one adds only what is new. One
// `import.completed` audit entry, with counts only, commits with the rows.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.hpp"
#include "core/app_use.hpp"
#include "core/mood.hpp"
#include "core/vault.hpp"
#include "core/vault_ops.hpp"

namespace tend {

struct ImportedMood {
  MoodEntry entry;  // validated (validate_mood)
  std::string key;  // stable for the same record in any export of the source
};
// App sessions, kept compact: an export may hold millions of them.
struct ImportedSessions {
  struct Session {
    std::int64_t start_us = 0;    // microseconds since the epoch
    std::int64_t duration_s = 0;  // 1..86400
    std::uint32_t app = 0;        // indexes into `names`
    std::uint32_t title = 0;      // 0: none
    std::uint32_t source = 0;     // where it was recorded (an ActivityWatch bucket id)
  };
  std::vector<std::string> names{std::string()};  // names[0] is ""
  std::vector<Session> sessions;                  // validated; in time order
  // The stable key of a session: "aw:<bucket>:<start_us>:<app>", with the
  // bucket id and the case-folded app name percent-encoded (`%` and `:`), so
  // no two sessions share one.
  std::string key(const Session& s) const;
  // What every key of sessions from `source` starts with: "aw:<bucket>:".
  std::string key_prefix(std::uint32_t source) const;
};

struct ImportBatch {
  std::string source;  // "daylio", "activitywatch", "jrnl"
  // Oldest first (ids then follow time, and the indexes on time and key grow
  // at their end, which SQLite does fastest).
  std::vector<ImportedMood> moods;
  ImportedSessions apps;
  std::int64_t records = 0;                     // what the file held (rows, events, entries)
  std::map<std::string, std::int64_t> skipped;  // records not imported, by why ("afkstatus")
  std::vector<std::string> notices;             // what the user should know (a moved time)
};

struct ImportRequest {
  ImportBatch batch;
  bool dry_run = false;
  bool mark_private = false;  // --private: every imported mood entry stays in the vault
  ProgressFn progress;
};

struct ImportOutcome {
  std::string source;
  bool dry_run = false;
  std::int64_t records = 0;
  std::int64_t imported = 0;  // rows added (or, with dry_run, that would be)
  std::int64_t present = 0;   // rows whose source key the vault already holds
  std::int64_t extended = 0;  // app sessions that grew in a newer export (their duration updated)
  std::map<std::string, std::int64_t> skipped;
  std::vector<std::string> notices;
  std::int64_t audit_seq = 0;  // the import.completed entry; 0 if none (dry run, nothing new)
};

// Puts a reader's moods oldest first (stable: entries at one time keep their order).
void sort_moods(std::vector<ImportedMood>& moods);

// Writes the batch (or, with dry_run, counts what it would write and rolls back).
Result<ImportOutcome> import_batch(Vault& vault, const ImportRequest& request, std::int64_t now);

// ---- Daylio: its CSV export, in each of the four header eras.

// Daylio's five default moods on tend's 1–10 (levels 1–5 mapped linearly,
// rounded half up): awful 1, bad 3, meh 6, good 8, rad 10.
struct MoodLabel {
  std::string label;  // as typed; compared trimmed and case-folded
  int score = 0;
};
std::vector<MoodLabel> daylio_default_moods();
// "label=score,label=score": custom labels, in addition to the defaults (a
// given label replaces the default of the same name).
Result<std::vector<MoodLabel>> parse_mood_map(std::string_view text);

struct DaylioOptions {
  std::vector<MoodLabel> mood_map;  // beside the defaults
  ProgressFn progress;
};
Result<ImportBatch> read_daylio(const std::string& path, const DaylioOptions& options);

// ---- ActivityWatch: the /api/0/export document of aw-server (Python) or aw-server-rust.

struct ActivityWatchOptions {
  std::vector<std::string> only;  // app names or Android packages (case-insensitive)
  bool all_apps = false;          // instead of `only`
  bool keep_titles = false;       // window titles are dropped unless asked for
  ProgressFn progress;
};
// Events of one app in one bucket within this gap of each other make one session.
constexpr std::int64_t kSessionGapSeconds = 60;
Result<ImportBatch> read_activitywatch(const std::string& path,
                                       const ActivityWatchOptions& options);

// ---- jrnl: the output of `jrnl --export json`.

struct JrnlOptions {
  std::optional<int> score;  // the mood score every entry gets; nullopt: skip them
  ProgressFn progress;
};
Result<ImportBatch> read_jrnl(const std::string& path, const JrnlOptions& options);

// Shared by the readers.
// `progress` as stream_json hears it: bytes read, at the "reading" stage.
std::function<void(std::uint64_t done, std::uint64_t total)> reading_progress(
    const ProgressFn& progress);
// Notes as Daylio writes them (<br>, <b>, <li>, &amp;) as plain text with line breaks.
std::string html_to_text(std::string_view html);
// Text from outside (a window title) made storable: characters tend refuses
// (controls, bidirectional controls, bytes that are not UTF-8) become spaces,
// and it is cut to `max_bytes` at a character boundary.
std::string clean_label(std::string_view text, std::size_t max_bytes);

}  // namespace tend
