// App sessions: which (mental-health) app was used, when, for how long.
// A window title is kept only when the user asked for it (imports' --keep-titles).
#pragma once

#include <cstdint>
#include <map>
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
  std::int64_t created = 0;            // when it was written, UTC seconds
  std::optional<std::int64_t> edited;  // when it was last changed
};

// How app list totals its sessions.
enum class AppTotals { kNone = 0, kByApp = 1, kByDay = 2, kByWeek = 3 };

struct AppQuery {
  std::optional<std::int64_t> from;     // sessions starting at or after, UTC seconds
  std::optional<std::int64_t> until;    // sessions starting at or before
  std::vector<std::string> apps;        // any of these names (compared fold_case()d)
  std::optional<std::string> category;  // compared fold_case()d
  std::optional<std::string> feature;   // compared fold_case()d
  std::optional<std::int64_t> limit;    // the most recent N that match
  AppTotals by = AppTotals::kNone;
};

// Names that differ only in case (Unicode case folding) are one app, shown as
// first seen: "Headspace" and "headspace" are one line of app list --by app and
// of a report.
class AppNames {
 public:
  const std::string& shown(const std::string& stored);

 private:
  std::map<std::string, std::string> by_folded_;
  std::map<std::string, const std::string*> by_stored_;
};

Status validate_app_session(const AppSession& session);
Result<std::int64_t> add_app_session(Db& db, const AppSession& session, std::int64_t now);
// In time order, oldest first.
Result<std::vector<AppSession>> list_app_sessions(Db& db, const AppQuery& query);
Result<AppSession> get_app_session(Db& db, std::int64_t id);
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
struct AppTotal {
  std::string key;  // the app, the day ("2026-11-25") or the ISO week ("2026-W48")
  std::int64_t sessions = 0;
  std::int64_t seconds = 0;
};
struct AppListing {
  std::vector<AppSession> sessions;  // empty when totals were asked for
  std::int64_t count = 0;            // sessions that match
  std::int64_t total_seconds = 0;
  AppTotals by = AppTotals::kNone;
  std::vector<AppTotal> totals;  // by app: most time first; by day or week: in time order
};
Result<AppListing> app_list(Vault& vault, const AppQuery& query, std::int64_t now);
Result<Removed> app_rm(Vault& vault, const EntryId& request, std::int64_t now);
Result<AppSession> app_show(Vault& vault, const EntryId& request, std::int64_t now);

// What to change in a session; what is not set stays.
struct AppEdit {
  std::int64_t id = 0;
  std::optional<std::string> app;
  std::optional<std::int64_t> duration_s;
  std::optional<std::optional<std::string>> category;  // nullopt inside: remove it
  std::optional<std::optional<std::string>> feature;
  std::optional<Instant> at;
  std::string time_notice;
};
Result<AppLogged> app_edit(Vault& vault, const AppEdit& request, std::int64_t now);

struct AppSummary {
  std::int64_t count = 0;
  std::int64_t total_seconds = 0;
  std::int64_t apps = 0;  // distinct
};
Result<AppSummary> summarize_app_use(Db& db);

}  // namespace tend
