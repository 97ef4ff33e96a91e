// The database schema and its migrations, versioned by PRAGMA user_version.
#pragma once

#include "base/status.hpp"
#include "core/db.hpp"

namespace tend {

// The schema version this tend writes. A database with a higher user_version
// was written by a newer tend and is refused by name; a lower one is migrated
// forward, each step in its own transaction.
int current_schema_version();

// Creates the schema in a fresh database, or migrates an older one forward.
Status migrate(Db& db);

}  // namespace tend
