// App sessions: which (mental-health) app was used, when, for how long.
// A window title is kept only when the user asked for it (imports' --keep-titles).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.hpp"
#include "core/audit.hpp"
#include "core/db.hpp"
#include "core/mood.hpp"
#include "core/vault.hpp"
#include "core/when.hpp"

namespace tend {

constexpr std::size_t kMaxAppNameBytes = 100;

struct AppSession {
  std::int64_t id = 0;
  std::string app;
  std::optional<std::string> category;
  std::optional<std::string> feature;
  Instant start;
  std::int64_t duration_s = 0;
  std::optional<std::string> title;
};

struct AppQuery {
  std::optional<std::int64_t> from;   // sessions starting at or after, UTC seconds
  std::optional<std::int64_t> until;  // sessions starting at or before
  std::optional<std::string> app;     // exact name, case-insensitive for ASCII
};

Status validate_app_session(const AppSession& session);
Result<std::int64_t> add_app_session(Db& db, const AppSession& session, std::int64_t now);
Result<std::vector<AppSession>> list_app_sessions(Db& db, const AppQuery& query);
// Deletes for good (secure_delete) and logs an entries.deleted count.
Status remove_app_session(Db& db, AuditLog& audit, std::int64_t id, std::int64_t now);

// The operations behind tend app log, list and rm.
struct AppLog {
  AppSession session;  // validated by the caller's parse (validate_app_session)
  std::string time_notice;
};
struct AppLogged {
  AppSession session;
  std::string time_notice;
};
Result<AppLogged> app_log(Vault& vault, const AppLog& request, std::int64_t now);
struct AppListing {
  std::vector<AppSession> sessions;
  std::int64_t total_seconds = 0;
};
Result<AppListing> app_list(Vault& vault, const AppQuery& query, std::int64_t now);
Result<Removed> app_rm(Vault& vault, const EntryId& request, std::int64_t now);

struct AppSummary {
  std::int64_t count = 0;
  std::int64_t total_seconds = 0;
  std::int64_t apps = 0;  // distinct
};
Result<AppSummary> summarize_app_use(Db& db);

}  // namespace tend
