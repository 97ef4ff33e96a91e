// The database schema and its migrations, versioned by PRAGMA user_version.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.hpp"
#include "core/db.hpp"

namespace tend {

// The schema version this tend writes. A database with a higher user_version
// was written by a newer tend and is refused by name; a lower one is migrated
// forward, each step in its own transaction.
int current_schema_version();

// Creates the schema in a fresh database, or migrates an older one forward.
Status migrate(Db& db);

// What `db`'s schema lacks or has beyond what migrate() makes (tables, indexes,
// triggers, each with its SQL); empty when they are the same.
Result<std::vector<std::string>> schema_differences(Db& db);

// Where the daily rollups (mood_day, app_day) differ from a recomputation from
// their sources: at most `max` descriptions, each naming a local day; empty
// when they agree.
Result<std::vector<std::string>> rollup_differences(Db& db, std::size_t max);

// Recomputes the rollups of the local days first_day..last_day from their
// rows, in set-based statements: mood_day, if `moods`; app_day and app_hour,
// if `apps`. For a bulk write made with the triggers off (TriggersOff), such
// as an import, which names the tables it wrote.
// REQUIRES: inside the write transaction that made the rows.
enum class Rollups { kMood = 1, kApps = 2, kBoth = 3 };
Status recompute_rollups(Db& db, std::int64_t first_day, std::int64_t last_day, Rollups which);

}  // namespace tend
