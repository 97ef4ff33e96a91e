// Mood entries: score 1–10, optional energy 1–10, tags, a note, a private flag.
// A private entry never leaves the vault, whatever a grant says.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.hpp"
#include "core/audit.hpp"
#include "core/db.hpp"
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
};

struct MoodQuery {
  std::optional<std::int64_t> from;   // inclusive, UTC seconds
  std::optional<std::int64_t> until;  // inclusive
  std::optional<std::string> tag;
  std::optional<std::string> contains;  // case-insensitive for ASCII
  std::optional<std::int64_t> limit;    // the most recent N
};

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

struct MoodSummary {
  std::int64_t count = 0;
  std::int64_t private_count = 0;
  std::optional<Instant> last;
  std::int64_t streak_days = 0;  // consecutive days with an entry, ending today or yesterday
};
Result<MoodSummary> summarize_mood(Db& db, std::int64_t now);

}  // namespace tend
