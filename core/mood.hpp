// Mood entries: score 1–10, optional energy 1–10, tags, a note, a private flag.
// A private entry never leaves the vault, whatever a grant says.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/status.hpp"
#include "core/audit.hpp"
#include "core/db.hpp"
#include "core/vault.hpp"
#include "core/when.hpp"

namespace tend {

constexpr std::size_t kMaxTags = 16;
constexpr std::size_t kMaxTagBytes = 40;

struct MoodEntry {
  std::int64_t id = 0;
  Instant at;
  int score = 0;
  std::optional<int> energy;
  std::vector<std::string> tags;  // sorted, unique
  std::optional<std::string> note;
  bool is_private = false;
  std::int64_t created = 0;            // when it was written, UTC seconds
  std::optional<std::int64_t> edited;  // when it was last changed
};

struct MoodQuery {
  std::optional<std::int64_t> from;   // inclusive, UTC seconds
  std::optional<std::int64_t> until;  // inclusive
  std::vector<std::string> all_tags;  // each must be there (normalize_tag()ed)
  std::vector<std::string> any_tags;  // at least one must be there
  std::vector<std::string> not_tags;  // none may be there
  std::vector<std::string> contains;  // each must be in the note, compared fold_case()d
  std::optional<std::int64_t> limit;  // the most recent N that match
};

// A tag as it is stored and compared: a leading @ dropped (jrnl's way of
// writing tags), then case-folded (fold_case()).
std::string normalize_tag(std::string_view tag);

// Checks ranges and text; normalises tags (lowercase ASCII, sorted, unique).
Status validate_mood(MoodEntry& entry);

// Adds an entry; returns its id. REQUIRES: validate_mood(entry) ok.
Result<std::int64_t> add_mood(Db& db, const MoodEntry& entry, std::int64_t now);
// In time order, oldest first.
Result<std::vector<MoodEntry>> list_mood(Db& db, const MoodQuery& query);
Result<MoodEntry> get_mood(Db& db, std::int64_t id);
// Replaces every field of entry `entry.id`. Making a private entry shareable is
// a consent-relevant change: it is logged as entries.shared (a count, never which).
Status update_mood(Db& db, AuditLog& audit, const MoodEntry& entry, std::int64_t now);
// Deletes for good (secure_delete) and logs an entries.deleted count.
Status remove_mood(Db& db, AuditLog& audit, std::int64_t id, std::int64_t now);

// The operations behind tend mood add, list, edit and rm.
struct MoodAdd {
  MoodEntry entry;          // validated by the caller's parse (validate_mood)
  std::string time_notice;  // a local time that had to be moved, to be said
  // When set (--edit), the note is written in an editor after the vault is
  // open; nullopt from it (an unchanged or emptied buffer) adds nothing.
  std::function<Result<std::optional<std::string>>(const std::string& current)> edit_note;
};
struct MoodWritten {
  MoodEntry entry;
  std::string time_notice;
};
Result<MoodWritten> mood_add(Vault& vault, const MoodAdd& request, std::int64_t now);
Result<std::vector<MoodEntry>> mood_list(Vault& vault, const MoodQuery& query, std::int64_t now);

// What to change in an entry; what is not set stays.
struct MoodEdit {
  std::int64_t id = 0;
  std::optional<int> score;
  std::optional<std::optional<int>> energy;      // nullopt inside: remove it
  std::optional<std::vector<std::string>> tags;  // replace them all
  std::vector<std::string> add_tags, remove_tags;
  std::optional<std::optional<std::string>> note;  // nullopt inside: remove it
  std::optional<Instant> at;
  std::optional<bool> is_private;
  std::string time_notice;
  // Writes the note in an editor, starting from the current one (--edit-note).
  // nullopt: the buffer was left unchanged or emptied, and nothing is written.
  std::function<Result<std::optional<std::string>>(const std::string& current)> edit_note;
};
// Applies the changes, validates the result and stores it; making a private
// entry shareable is logged (update_mood).
Result<MoodWritten> mood_edit(Vault& vault, const MoodEdit& request, std::int64_t now);

// Asks the user before a deletion, given what would go ("mood entry 25
// (2026-11-21 08:00, score 4)"); false keeps it. Empty: delete without asking.
using ConfirmFn = std::function<bool(const std::string& what)>;

struct EntryId {
  std::int64_t id = 0;
  ConfirmFn confirm;  // for rm
};
struct Removed {
  std::int64_t id = 0;
  bool deleted = true;  // false: the user kept it when asked
};
Result<MoodEntry> mood_show(Vault& vault, const EntryId& request, std::int64_t now);
Result<Removed> mood_rm(Vault& vault, const EntryId& request, std::int64_t now);

struct MoodSummary {
  std::int64_t count = 0;
  std::int64_t private_count = 0;
  std::optional<Instant> last;
  std::int64_t streak_days = 0;  // consecutive days with an entry, ending today or yesterday
};
Result<MoodSummary> summarize_mood(Db& db, std::int64_t now);

}  // namespace tend
