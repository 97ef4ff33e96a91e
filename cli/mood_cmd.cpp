// Mood commands: add, list, edit, rm.
#include <ostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/table.hpp"
#include "core/fs.hpp"
#include "core/mood.hpp"
#include "core/text.hpp"

namespace po = boost::program_options;

namespace tend::cli {
namespace {

Json to_json(const MoodEntry& e) {
  return {{"id", e.id},
          {"type", "mood"},
          {"at", format_iso(e.at)},
          {"at_unix", e.at.utc},
          {"score", e.score},
          {"energy", e.energy ? Json(*e.energy) : Json(nullptr)},
          {"tags", e.tags},
          {"note", e.note ? Json(*e.note) : Json(nullptr)},
          {"private", e.is_private}};
}

// --note TEXT or --note-file F (conflicting), if either is given.
Result<std::optional<std::string>> read_note(Context& ctx) {
  auto text = ctx.opt<std::string>("note");
  auto file = ctx.opt<std::string>("note-file");
  if (text && file) return usage_error("--note and --note-file conflict; give one");
  if (file) {
    // The name is not repeated in errors: a note is often typed here by mistake.
    Result<std::string> content = fs::read_file(*file, kMaxNoteBytes + 1);
    if (!content.is_ok()) {
      switch (content.status().kind()) {
        case ErrorKind::kInvalidInput:
          return usage_error(
              fmt::format("the note file is larger than {} KiB", kMaxNoteBytes / 1024));
        case ErrorKind::kNotFound:
          return not_found("the note file (--note-file) does not exist",
                           "a note itself goes in --note TEXT");
        default:
          return Status::error(content.status().kind(), "cannot read the note file (--note-file)");
      }
    }
    std::string note = std::move(content).value();
    while (!note.empty() && (note.back() == '\n' || note.back() == '\r')) note.pop_back();
    return std::optional<std::string>(std::move(note));
  }
  return text;
}

// Applies the options that set fields. `notice` says when --at named a local
// time that does not exist and was moved.
Status apply_fields(Context& ctx, MoodEntry& e, std::string* notice = nullptr) {
  if (auto energy = ctx.opt<std::string>("energy")) {
    Result<std::int64_t> v = parse_int(*energy, "energy", 1, 10);
    if (!v.is_ok()) return v.status();
    e.energy = static_cast<int>(*v);
  }
  if (auto tags = ctx.opt<std::vector<std::string>>("tag")) e.tags = *tags;
  Result<std::optional<std::string>> note = read_note(ctx);
  if (!note.is_ok()) return note.status();
  if (*note) e.note = **note;
  if (auto when = ctx.opt<std::string>("at")) {
    Result<Instant> at = parse_when(*when, ctx.now, TimeRole::kPoint, notice);
    if (!at.is_ok()) return at.status().with_context("--at");
    e.at = *at;
  }
  return Status::ok();
}

void print_entries(Context& ctx, const std::vector<MoodEntry>& entries) {
  if (ctx.json) {
    Json list = Json::array();
    for (const MoodEntry& e : entries) list.push_back(to_json(e));
    ctx.print_json({{"entries", std::move(list)}, {"count", entries.size()}});
    return;
  }
  if (entries.empty()) {
    ctx.out() << "No mood entries match.\n";
    return;
  }
  Table t({{"ID", Table::Align::kRight},
           {"WHEN"},
           {"SCORE", Table::Align::kRight},
           {"ENERGY", Table::Align::kRight},
           {"PRIVATE"},
           {"TAGS"},
           {"NOTE"}});
  for (const MoodEntry& e : entries) {
    std::string tags;
    for (const std::string& tag : e.tags) tags += (tags.empty() ? "" : ",") + tag;
    t.add_row({std::to_string(e.id), format_local(e.at.utc), std::to_string(e.score),
               e.energy ? std::to_string(*e.energy) : "-", e.is_private ? "private" : "", tags,
               e.note.value_or("")});
  }
  t.print(ctx.out(), ctx.io.columns);
}

}  // namespace

void opts_mood_add(po::options_description& d) {
  d.add_options()("energy", po::value<std::string>()->value_name("N"),
                  "energy, 1 (drained) to 10 (full)")(
      "tag", po::value<std::vector<std::string>>()->composing()->value_name("T"),
      "a tag (repeat for more)")("note", po::value<std::string>()->value_name("TEXT"), "a note")(
      "note-file", po::value<std::string>()->value_name("F"),
      "read the note from F (64 KiB at most)")(
      "at", po::value<std::string>()->value_name("WHEN"),
      "when (default now): HH:MM, yesterday, 2026-11-25T08:30, -2h, ...")(
      "private", po::bool_switch(), "never export this entry, whatever a grant says");
}

void opts_mood_list(po::options_description& d) {
  d.add_options()("from", po::value<std::string>()->value_name("WHEN"), "entries at or after WHEN")(
      "until", po::value<std::string>()->value_name("WHEN"),
      "entries at or before WHEN (a date means its end)")(
      "tag", po::value<std::string>()->value_name("T"), "entries with tag T")(
      "contains", po::value<std::string>()->value_name("TEXT"), "entries whose note contains TEXT")(
      "limit", po::value<std::string>()->value_name("N"), "only the N most recent");
}

void opts_mood_edit(po::options_description& d) {
  d.add_options()("score", po::value<std::string>()->value_name("N"), "a new score, 1 to 10")(
      "energy", po::value<std::string>()->value_name("N"), "a new energy, 1 to 10")(
      "no-energy", po::bool_switch(), "remove the energy")(
      "tag", po::value<std::vector<std::string>>()->composing()->value_name("T"),
      "replace the tags (repeat for more)")("no-tags", po::bool_switch(), "remove all tags")(
      "note", po::value<std::string>()->value_name("TEXT"), "replace the note")(
      "note-file", po::value<std::string>()->value_name("F"), "replace the note with F's content")(
      "no-note", po::bool_switch(), "remove the note")(
      "at", po::value<std::string>()->value_name("WHEN"), "a new time")(
      "private", po::bool_switch(), "mark private")("public", po::bool_switch(),
                                                    "mark not private");
}

Status cmd_mood_add(Context& ctx) {
  MoodEntry e;
  Result<std::int64_t> score = parse_int(ctx.args[0], "score", 1, 10);
  if (!score.is_ok()) {
    const bool words = ctx.args[0].find_first_not_of("+-0123456789") != std::string::npos;
    if (!words) return score.status();
    // Most likely a note typed where the score goes: say so, and do not repeat it.
    return usage_error("the score is not a whole number from 1 to 10",
                       "a note goes in --note TEXT: tend mood add 4 --note \"...\"");
  }
  e.score = static_cast<int>(*score);
  e.at = local_instant(ctx.now);
  e.is_private = ctx.flag("private");
  std::string notice;
  Status s = apply_fields(ctx, e, &notice);
  if (s.is_ok()) s = validate_mood(e);
  if (s.is_ok()) s = ctx.open_vault();
  if (!s.is_ok()) return s;
  Result<std::int64_t> id = add_mood(ctx.v().db(), e, ctx.now);
  if (!id.is_ok()) return id.status();
  e.id = *id;
  if (ctx.json) {
    if (!notice.empty()) ctx.warn(notice);
    ctx.print_json(to_json(e));
  } else {
    ctx.out() << fmt::format("Logged mood {} as entry {} at {}{}{}.\n", e.score, e.id,
                             format_local(e.at.utc), e.is_private ? " (private)" : "",
                             notice.empty() ? "" : " (" + notice + ")");
  }
  return Status::ok();
}

Status cmd_mood_list(Context& ctx) {
  MoodQuery q;
  Result<std::optional<std::int64_t>> from = time_option(ctx, "from", TimeRole::kRangeStart);
  if (!from.is_ok()) return from.status();
  Result<std::optional<std::int64_t>> until = time_option(ctx, "until", TimeRole::kRangeEnd);
  if (!until.is_ok()) return until.status();
  q.from = *from;
  q.until = *until;
  if (q.from && q.until && *q.from > *q.until) {
    return usage_error("--from is later than --until");
  }
  if (auto tag = ctx.opt<std::string>("tag")) {
    std::string t = *tag;
    for (char& c : t) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    q.tag = t;
  }
  q.contains = ctx.opt<std::string>("contains");
  if (auto limit = ctx.opt<std::string>("limit")) {
    Result<std::int64_t> n = parse_int(*limit, "limit", 1, 1000000000);
    if (!n.is_ok()) return n.status();
    q.limit = *n;
  }
  Status s = ctx.open_vault();
  if (!s.is_ok()) return s;
  Result<std::vector<MoodEntry>> entries = list_mood(ctx.v().db(), q);
  if (!entries.is_ok()) return entries.status();
  print_entries(ctx, *entries);
  return Status::ok();
}

Status cmd_mood_edit(Context& ctx) {
  Result<std::int64_t> id = parse_int(ctx.args[0], "id", 1, INT64_MAX);
  if (!id.is_ok()) return id.status();
  const bool any = ctx.has("score") || ctx.has("energy") || ctx.flag("no-energy") ||
                   ctx.has("tag") || ctx.flag("no-tags") || ctx.has("note") ||
                   ctx.has("note-file") || ctx.flag("no-note") || ctx.has("at") ||
                   ctx.flag("private") || ctx.flag("public");
  if (!any) return usage_error("nothing to change", "see: tend help mood edit");
  if (ctx.flag("private") && ctx.flag("public"))
    return usage_error("--private and --public conflict");
  if (ctx.flag("no-energy") && ctx.has("energy"))
    return usage_error("--energy and --no-energy conflict");
  if (ctx.flag("no-tags") && ctx.has("tag")) return usage_error("--tag and --no-tags conflict");
  if (ctx.flag("no-note") && (ctx.has("note") || ctx.has("note-file"))) {
    return usage_error("--no-note conflicts with --note and --note-file");
  }
  std::optional<int> score;
  if (auto text = ctx.opt<std::string>("score")) {
    Result<std::int64_t> v = parse_int(*text, "score", 1, 10);
    if (!v.is_ok()) return v.status();
    score = static_cast<int>(*v);
  }
  // Check every new value before unlocking: a typo costs no passphrase.
  MoodEntry probe;
  probe.score = 1;
  Status s = apply_fields(ctx, probe);
  if (s.is_ok()) s = validate_mood(probe);
  if (s.is_ok()) s = ctx.open_vault();
  if (!s.is_ok()) return s;

  Result<MoodEntry> current = get_mood(ctx.v().db(), *id);
  if (!current.is_ok()) return current.status();
  MoodEntry e = std::move(current).value();
  if (score) e.score = *score;
  std::string notice;
  s = apply_fields(ctx, e, &notice);
  if (!s.is_ok()) return s;
  if (ctx.flag("no-energy")) e.energy.reset();
  if (ctx.flag("no-tags")) e.tags.clear();
  if (ctx.flag("no-note")) e.note.reset();
  if (ctx.flag("private")) e.is_private = true;
  if (ctx.flag("public")) e.is_private = false;
  s = validate_mood(e);
  if (s.is_ok()) {
    Result<AuditLog> log = ctx.v().audit();
    s = log.is_ok() ? update_mood(ctx.v().db(), *log, e, ctx.now) : log.status();
  }
  if (!s.is_ok()) return s;
  if (ctx.json) {
    if (!notice.empty()) ctx.warn(notice);
    ctx.print_json(to_json(e));
  } else {
    ctx.out() << fmt::format("Updated mood entry {}{}.\n", e.id,
                             notice.empty() ? "" : " (" + notice + ")");
  }
  return Status::ok();
}

Status cmd_mood_rm(Context& ctx) {
  return remove_by_id(ctx, "mood entry", remove_mood);
}

}  // namespace tend::cli
