// tend import daylio | activitywatch | jrnl: history from other tools.
//
// The file is read and checked whole before the vault is unlocked, so a file
// tend cannot import costs no passphrase; then one transaction writes it.
#include <memory>
#include <ostream>

#include <fmt/format.h>

#include "cli/command.hpp"
#include "core/import.hpp"
#include "core/text.hpp"

namespace po = boost::program_options;

namespace tend::cli {
namespace {

Result<ImportRequest> finish_parse(const Invocation& in, Result<ImportBatch> batch,
                                   ProgressFn progress) {
  if (!batch.is_ok()) {
    if (progress) progress("reading", 1, 1);
    const Status& s = batch.status();
    if (s.kind() == ErrorKind::kInvalidInput) {
      return Status::error(
          s.kind(), fmt::format("{}: {}; nothing was imported", display(in.args()[0]), s.message()),
          s.hint());
    }
    return s;
  }
  ImportRequest r;
  r.batch = std::move(batch).value();
  r.dry_run = in.flag("dry-run");
  r.mark_private = in.flag("private");
  r.progress = std::move(progress);
  return r;
}

Result<ImportRequest> parse_daylio(const Invocation& in) {
  DaylioOptions o;
  for (const std::string& text : in.list("mood-map")) {
    Result<std::vector<MoodLabel>> map = parse_mood_map(text);
    if (!map.is_ok()) return map.status();
    o.mood_map.insert(o.mood_map.end(), map->begin(), map->end());
  }
  o.progress = progress_line(in.io());
  return finish_parse(in, read_daylio(in.args()[0], o), o.progress);
}

Result<ImportRequest> parse_activitywatch(const Invocation& in) {
  ActivityWatchOptions o;
  for (const std::string& list : in.list("only")) {
    std::string_view rest = list;
    while (!rest.empty()) {
      const std::size_t comma = std::min(rest.find(','), rest.size());
      std::string_view name = rest.substr(0, comma);
      while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
      while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
      if (!name.empty()) o.only.emplace_back(name);
      rest.remove_prefix(std::min(comma + 1, rest.size()));
    }
  }
  o.all_apps = in.flag("all-apps");
  if (o.all_apps && in.has("only")) return usage_error("--only and --all-apps conflict; give one");
  if (!o.all_apps && o.only.empty()) {
    return usage_error("choose which apps to import: --only APP[,APP...] or --all-apps",
                       "ActivityWatch records every window; tend imports only the apps you name "
                       "(names or Android packages, any case), or all of them with --all-apps");
  }
  o.keep_titles = in.flag("keep-titles");
  o.progress = progress_line(in.io());
  return finish_parse(in, read_activitywatch(in.args()[0], o), o.progress);
}

Result<ImportRequest> parse_jrnl(const Invocation& in) {
  JrnlOptions o;
  const bool skip = in.flag("skip-unscored");
  if (auto score = in.opt<std::string>("score")) {
    if (skip) return usage_error("--score and --skip-unscored conflict; give one");
    Result<std::int64_t> n = parse_int(*score, "--score", 1, 10);
    if (!n.is_ok()) return n.status();
    o.score = static_cast<int>(*n);
  } else if (!skip) {
    return usage_error(
        "jrnl entries have no mood score (unless tagged @mood1 .. @mood10): give the others one "
        "with --score N, or skip them with --skip-unscored",
        "tend import jrnl journal.json --score 6");
  }
  o.progress = progress_line(in.io());
  return finish_parse(in, read_jrnl(in.args()[0], o), o.progress);
}

std::string plural(std::int64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

void render_import(const ImportOutcome& o, Printer& p) {
  const bool apps = o.source == "activitywatch";
  if (p.json()) {
    Json skipped = Json::object();
    for (const auto& [why, n] : o.skipped) skipped[why] = n;
    p.json({{"source", o.source},
            {"type", apps ? "app" : "mood"},
            {"dry_run", o.dry_run},
            {"records", o.records},
            {"imported", o.imported},
            {"already_present", o.present},
            {"extended", o.extended},
            {"skipped", std::move(skipped)},
            {"notices", o.notices},
            {"audit_seq", o.audit_seq ? Json(o.audit_seq) : Json(nullptr)}});
    return;
  }
  const std::string_view one = apps ? "app session" : "mood entry";
  const std::string_view many = apps ? "app sessions" : "mood entries";
  std::string out;
  if (o.dry_run) {
    out += fmt::format("Dry run: {} would import {} ({} read).\n", o.source,
                       plural(o.imported, one, many), plural(o.records, "record", "records"));
  } else {
    out += fmt::format("Imported {} from {} ({} read).\n", plural(o.imported, one, many), o.source,
                       plural(o.records, "record", "records"));
  }
  if (o.present > 0) out += fmt::format("  already in the vault: {}\n", o.present);
  if (o.extended > 0) {
    out +=
        fmt::format("  {} longer in this export: {}\n", apps ? "sessions" : "entries", o.extended);
  }
  for (const auto& [why, n] : o.skipped) out += fmt::format("  skipped, {}: {}\n", why, n);
  if (o.dry_run) out += "Nothing was written.\n";
  p.text(out);
  const std::size_t shown = std::min<std::size_t>(o.notices.size(), 5);
  for (std::size_t i = 0; i < shown; ++i) p.note(o.notices[i]);
  if (o.notices.size() > shown) {
    p.note(fmt::format("and {} more times moved the same way", o.notices.size() - shown));
  }
}

void common(po::options_description& d) {
  d.add_options()("dry-run", po::bool_switch(),
                  "read and check the file, say what would be imported, write nothing");
}

}  // namespace

namespace options {
void import_daylio(po::options_description& d) {
  d.add_options()("mood-map", po::value<std::vector<std::string>>()->value_name("LABEL=N,..."),
                  "scores for your own mood labels (the defaults: awful=1,bad=3,meh=6,good=8,"
                  "rad=10)")("private", po::bool_switch(),
                             "mark every imported entry private: it never leaves the vault");
  common(d);
}
void import_activitywatch(po::options_description& d) {
  d.add_options()("only", po::value<std::vector<std::string>>()->value_name("APP[,APP...]"),
                  "import these apps only (names or Android packages, any case)")(
      "all-apps", po::bool_switch(), "import every app ActivityWatch saw")(
      "keep-titles", po::bool_switch(), "keep window titles (dropped unless asked for)");
  common(d);
}
void import_jrnl(po::options_description& d) {
  d.add_options()("score", po::value<std::string>()->value_name("N"),
                  "the mood score (1-10) of every entry not tagged @mood1 .. @mood10")(
      "skip-unscored", po::bool_switch(),
      "import only entries tagged @mood1 .. @mood10; count the others")(
      "private", po::bool_switch(), "mark every imported entry private: it never leaves the vault");
  common(d);
}
}  // namespace options

namespace actions {
Action import_daylio() {
  return unlocked(parse_daylio, import_batch, render_import);
}
Action import_activitywatch() {
  return unlocked(parse_activitywatch, import_batch, render_import);
}
Action import_jrnl() {
  return unlocked(parse_jrnl, import_batch, render_import);
}
}  // namespace actions

}  // namespace tend::cli
