// tend report: how mood, app use and the alliance moved over a window of days,
// from the rollups (core/analytics.hpp does the arithmetic). The terminal form
// is drawn by the CLI; the JSON form and the HTML file are made here.
//
// A report is not an export: it stays with the user. Writing the HTML file
// appends a `report.written` audit entry with no content and no path.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.hpp"
#include "core/analytics.hpp"
#include "core/json.hpp"
#include "core/vault.hpp"

namespace tend {

// Without --from, a report covers the 365 days ending with --until (default today).
constexpr std::int64_t kDefaultReportDays = 365;

struct ReportRequest {
  std::optional<std::int64_t> from;   // UTC seconds; its local day is the first
  std::optional<std::int64_t> until;  // its local day is the last
  std::optional<std::string> html_path;
};

struct Report {
  std::int64_t first_day = 0;  // the window, local day numbers, inclusive
  std::int64_t last_day = 0;
  std::int64_t today = 0;

  // Mood (private entries included: a report stays with the user).
  std::int64_t mood_entries = 0;
  double mood_mean = 0;
  int mood_min = 0;
  int mood_max = 0;
  std::vector<MoodPeriod> mood_daily, mood_weekly, mood_monthly;
  Streaks streaks;  // over the window
  std::array<HourMood, 24> mood_hours{};
  std::vector<TagMood> tags;

  // App use.
  std::int64_t app_sessions = 0;
  std::int64_t app_seconds = 0;
  std::vector<AppShare> apps;
  std::vector<AppPeriod> app_daily, app_weekly, app_monthly;
  std::array<std::int64_t, 24> app_hour_seconds{};
  WeekHours app_week_hours{};

  // Alliance check-ins.
  std::int64_t checkins = 0;
  std::vector<AllianceTrend> alliance;

  std::vector<Association> associations;
};

// The report's numbers, from the rollups and the window's rows (no write).
Result<Report> build_report(Db& db, const ReportRequest& request, std::int64_t now);

// Every number of the report, under the names docs/cli.md lists.
Json report_json(const Report& report);

// One self-contained HTML page: inline SVG charts, no script, no request for
// anything (a Content-Security-Policy of default-src 'none' says so to the browser).
std::string report_html(const Report& report, std::int64_t now);

struct ReportOutcome {
  Report report;
  std::optional<std::string> html_path;  // the file written, when asked
  std::int64_t html_bytes = 0;
};
// Builds the report and, when asked, writes the HTML file (new, mode 0600,
// never replacing a file) and logs report.written.
Result<ReportOutcome> report(Vault& vault, const ReportRequest& request, std::int64_t now);

}  // namespace tend
