// Mood commands: add, list, show, edit, rm.
#include <fmt/format.h>

#include "cli/command.hpp"
#include "core/fs.hpp"
#include "core/mood.hpp"
#include "core/text.hpp"

namespace po = boost::program_options;

namespace tend::cli {
namespace {

Json entry_json(const MoodEntry& e, const Printer& p) {
  return {{"id", e.id},
          {"type", "mood"},
          {"at", p.iso(e.at)},
          {"at_unix", e.at.utc},
          {"score", e.score},
          {"energy", e.energy ? Json(*e.energy) : Json(nullptr)},
          {"tags", e.tags},
          {"note", e.note ? Json(*e.note) : Json(nullptr)},
          {"private", e.is_private},
          {"created", e.created ? Json(p.iso(e.created)) : Json(nullptr)},
          {"created_unix", e.created ? Json(e.created) : Json(nullptr)},
          {"edited", e.edited ? Json(p.iso(*e.edited)) : Json(nullptr)},
          {"edited_unix", e.edited ? Json(*e.edited) : Json(nullptr)}};
}

// --edit / --edit-note: the note is written in the editor once the vault is open.
Status editor_note(const Invocation& in, const char* flag,
                   std::function<Result<std::optional<std::string>>(const std::string&)>* out) {
  if (!in.flag(flag)) return Status::ok();
  for (const char* other : {"note", "note-file", "no-note"}) {
    if (in.has(other)) {
      return usage_error(fmt::format("--{} and --{} conflict; give one", flag, other));
    }
  }
  if (!in.io().has_terminal || !in.io().edit_text) {
    return usage_error(fmt::format("--{} needs a terminal for the editor", flag),
                       "give the note with --note TEXT or --note-file -");
  }
  if (in.io().editor_ready) {
    Status ready = in.io().editor_ready();
    if (!ready.is_ok()) return ready;
  }
  *out = in.io().edit_text;
  return Status::ok();
}

// A note file's text: CRLF read as LF, the final line break dropped. `-` is
// standard input. The name is never repeated in errors: a note is often typed
// here by mistake.
Result<std::string> read_note_file(const Invocation& in, const std::string& file) {
  Result<std::string> content =
      file == "-" ? in.io().read_stdin(kMaxNoteBytes + 1) : fs::read_file(file, kMaxNoteBytes + 1);
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
  std::string note;
  note.reserve(content->size());
  for (std::size_t i = 0; i < content->size(); ++i) {
    if ((*content)[i] == '\r' && i + 1 < content->size() && (*content)[i + 1] == '\n') continue;
    note += (*content)[i];
  }
  while (!note.empty() && (note.back() == '\n' || note.back() == '\r')) note.pop_back();
  return note;
}

// --note TEXT or --note-file F, if either is given.
Result<std::optional<std::string>> read_note(const Invocation& in) {
  auto text = in.opt<std::string>("note");
  auto file = in.opt<std::string>("note-file");
  if (text && file) return usage_error("--note and --note-file conflict; give one");
  if (!file) return text;
  Result<std::string> note = read_note_file(in, *file);
  if (!note.is_ok()) return note.status();
  return std::optional<std::string>(std::move(note).value());
}

Result<std::optional<int>> energy(const Invocation& in) {
  auto text = in.opt<std::string>("energy");
  if (!text) return std::optional<int>();
  Result<std::int64_t> v = parse_int(*text, "energy", 1, 10);
  if (!v.is_ok()) return v.status();
  return std::optional<int>(static_cast<int>(*v));
}

Result<std::optional<Instant>> at(const Invocation& in, std::string* notice) {
  auto when = in.opt<std::string>("at");
  if (!when) return std::optional<Instant>();
  Result<Instant> t = parse_when(*when, in.now(), TimeRole::kPoint, notice);
  if (!t.is_ok()) return t.status().with_context("--at");
  return std::optional<Instant>(*t);
}

// ---- add

Result<MoodAdd> parse_mood_add(const Invocation& in) {
  MoodAdd r;
  Result<std::int64_t> score = parse_int(in.args()[0], "score", 1, 10);
  if (!score.is_ok()) {
    const bool words = in.args()[0].find_first_not_of("+-0123456789") != std::string::npos;
    if (!words) return score.status();
    // Most likely a note typed where the score goes: say so, and do not repeat it.
    return usage_error("the score is not a whole number from 1 to 10",
                       "a note goes in --note TEXT: tend mood add 4 --note \"...\"");
  }
  r.entry.score = static_cast<int>(*score);
  Result<std::optional<int>> e = energy(in);
  if (!e.is_ok()) return e.status();
  r.entry.energy = *e;
  r.entry.tags = in.list("tag");
  Result<std::optional<std::string>> note = read_note(in);
  if (!note.is_ok()) return note.status();
  r.entry.note = *note;
  Result<std::optional<Instant>> t = at(in, &r.time_notice);
  if (!t.is_ok()) return t.status();
  r.entry.at = t->value_or(local_instant(in.now()));
  r.entry.is_private = in.flag("private");
  Status s = validate_mood(r.entry);
  if (!s.is_ok()) return s;
  s = editor_note(in, "edit", &r.edit_note);
  if (!s.is_ok()) return s;
  return r;
}

void render_written(const MoodWritten& w, Printer& p, std::string_view verb) {
  if (p.json()) {
    if (!w.time_notice.empty()) p.warn(w.time_notice);
    p.json(entry_json(w.entry, p));
    return;
  }
  const MoodEntry& e = w.entry;
  p.text(fmt::format("{} mood {} as entry {} at {}{}{}.\n", verb, e.score, e.id, p.time(e.at.utc),
                     e.is_private ? " (private)" : "",
                     w.time_notice.empty() ? "" : " (" + w.time_notice + ")"));
}

void render_mood_add(const MoodWritten& w, Printer& p) {
  render_written(w, p, "Logged");
}

// ---- list

Result<MoodQuery> parse_mood_list(const Invocation& in) {
  MoodQuery q;
  Status s = parse_window(in, &q.from, &q.until, true);
  if (!s.is_ok()) return s;
  const auto tags = [&](const char* option, std::vector<std::string>* out) -> Status {
    for (const std::string& t : in.list(option)) {
      std::string tag = normalize_tag(t);
      Status c = check_label(tag, "tag", kMaxTagBytes);
      if (!c.is_ok()) return c.with_context("--" + std::string(option));
      out->push_back(std::move(tag));
    }
    return Status::ok();
  };
  for (const auto& [option, list] :
       {std::pair{"tag", &q.all_tags}, {"any-tag", &q.any_tags}, {"not-tag", &q.not_tags}}) {
    s = tags(option, list);
    if (!s.is_ok()) return s;
  }
  for (const std::string& c : in.list("contains")) {
    if (c.empty()) return usage_error("--contains needs some text");
    q.contains.push_back(c);
  }
  Result<std::optional<std::int64_t>> limit = parse_limit(in);
  if (!limit.is_ok()) return limit.status();
  q.limit = *limit;
  return q;
}

void render_mood_list(const std::vector<MoodEntry>& entries, Printer& p) {
  if (p.json()) {
    Json items = Json::array();
    for (const MoodEntry& e : entries) items.push_back(entry_json(e, p));
    p.json({{"count", entries.size()}, {"items", std::move(items)}});
    return;
  }
  if (entries.empty()) {
    p.text("No mood entries match.\n");
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
    t.add_row({std::to_string(e.id), p.time(e.at.utc), std::to_string(e.score),
               e.energy ? std::to_string(*e.energy) : "-", e.is_private ? "private" : "", tags,
               e.note.value_or("")});
  }
  p.table(t, true);
}

// ---- edit

Result<MoodEdit> parse_mood_edit(const Invocation& in) {
  MoodEdit r;
  Result<std::int64_t> id = parse_int(in.args()[0], "id", 1, INT64_MAX);
  if (!id.is_ok()) return id.status();
  r.id = *id;
  if (in.flag("private") && in.flag("public"))
    return usage_error("--private and --public conflict");
  for (const auto& [value, off] : {std::pair{"energy", "no-energy"},
                                   {"tag", "no-tags"},
                                   {"note", "no-note"},
                                   {"note-file", "no-note"}}) {
    if (in.has(value) && in.flag(off)) {
      return usage_error(fmt::format("--{} and --{} conflict", value, off));
    }
  }
  if (auto text = in.opt<std::string>("score")) {
    Result<std::int64_t> v = parse_int(*text, "score", 1, 10);
    if (!v.is_ok()) return v.status();
    r.score = static_cast<int>(*v);
  }
  Result<std::optional<int>> e = energy(in);
  if (!e.is_ok()) return e.status();
  if (*e) r.energy = *e;
  if (in.flag("no-energy")) r.energy = std::optional<int>();
  if (in.has("tag")) r.tags = in.list("tag");
  if (in.flag("no-tags")) r.tags = std::vector<std::string>{};
  r.add_tags = in.list("add-tag");
  r.remove_tags = in.list("rm-tag");
  Result<std::optional<std::string>> note = read_note(in);
  if (!note.is_ok()) return note.status();
  if (*note) r.note = *note;
  if (in.flag("no-note")) r.note = std::optional<std::string>();
  Result<std::optional<Instant>> t = at(in, &r.time_notice);
  if (!t.is_ok()) return t.status();
  r.at = *t;
  if (in.flag("private")) r.is_private = true;
  if (in.flag("public")) r.is_private = false;
  Status ed = editor_note(in, "edit-note", &r.edit_note);
  if (!ed.is_ok()) return ed;
  if (!r.score && !r.energy && !r.tags && r.add_tags.empty() && r.remove_tags.empty() && !r.note &&
      !r.at && !r.is_private && !r.edit_note) {
    return usage_error("nothing to change", "see: tend help mood edit");
  }
  // Every new value is checked before the vault is unlocked: a typo costs no passphrase.
  MoodEntry probe;
  probe.score = r.score.value_or(1);
  probe.energy = r.energy.value_or(std::nullopt);
  probe.tags = r.tags.value_or(std::vector<std::string>{});
  probe.tags.insert(probe.tags.end(), r.add_tags.begin(), r.add_tags.end());
  probe.note = r.note.value_or(std::nullopt);
  Status s = validate_mood(probe);
  if (!s.is_ok()) return s;
  return r;
}

void render_mood_edit(const MoodWritten& w, Printer& p) {
  if (p.json()) {
    render_written(w, p, "");
    return;
  }
  p.text(fmt::format("Updated mood entry {}{}.\n", w.entry.id,
                     w.time_notice.empty() ? "" : " (" + w.time_notice + ")"));
}

// ---- rm

void render_mood_rm(const Removed& r, Printer& p) {
  if (p.json()) {
    p.json({{"id", r.id}, {"deleted", r.deleted}});
  } else {
    p.text(fmt::format("{} mood entry {}.\n", r.deleted ? "Deleted" : "Kept", r.id));
  }
}

// ---- show

void render_mood_show(const MoodEntry& e, Printer& p) {
  if (p.json()) {
    p.json(entry_json(e, p));
    return;
  }
  std::string tags;
  for (const std::string& tag : e.tags) tags += (tags.empty() ? "" : ", ") + tag;
  std::string out = fmt::format("Mood entry {}\n", e.id);
  out += fmt::format("  when     {}\n", p.iso(e.at));
  out += fmt::format("  score    {} of 10\n", e.score);
  out += fmt::format("  energy   {}\n", e.energy ? fmt::format("{} of 10", *e.energy) : "-");
  out += fmt::format("  tags     {}\n", tags.empty() ? "-" : tags);
  out += fmt::format("  private  {}\n", e.is_private ? "yes: never exported" : "no");
  out += fmt::format("  created  {}\n", e.created ? p.time(e.created) : "-");
  out += fmt::format("  edited   {}\n", e.edited ? p.time(*e.edited) : "-");
  if (e.note) {
    out += "\n";
    // The note with its own line breaks, each line indented.
    std::string_view rest = *e.note;
    while (true) {
      const std::size_t nl = rest.find('\n');
      out += fmt::format("  {}\n", rest.substr(0, nl));
      if (nl == std::string_view::npos) break;
      rest.remove_prefix(nl + 1);
    }
  }
  p.text(out);
}

}  // namespace

namespace options {

void mood_add(po::options_description& d) {
  d.add_options()("energy", po::value<std::string>()->value_name("N"),
                  "energy, 1 (drained) to 10 (full)")(
      "tag", po::value<std::vector<std::string>>()->composing()->value_name("T"),
      "a tag (repeat for more)")("note", po::value<std::string>()->value_name("TEXT"), "a note")(
      "note-file", po::value<std::string>()->value_name("F"),
      "read the note from F, or standard input with - (64 KiB at most)")(
      "edit", po::bool_switch(), "write the note in $VISUAL or $EDITOR (on a tmpfs only)")(
      "at", po::value<std::string>()->value_name("WHEN"),
      "when (default now): HH:MM, yesterday, 2026-11-25T08:30, -2h, ...")(
      "private", po::bool_switch(), "never export this entry, whatever a grant says");
}

void mood_list(po::options_description& d) {
  d.add_options()("from", po::value<std::string>()->value_name("WHEN"),
                  "entries at or after WHEN (a date, 2026-11, 2026, monday, -1w, -1mo, -1y, ...)")(
      "until", po::value<std::string>()->value_name("WHEN"),
      "entries at or before WHEN (a date means its end)")(
      "on", po::value<std::string>()->value_name("DATE"), "entries of one day (or month, or year)")(
      "tag", po::value<std::vector<std::string>>()->composing()->value_name("T"),
      "entries with tag T (repeat: all of them; @T is T)")(
      "any-tag", po::value<std::vector<std::string>>()->composing()->value_name("T"),
      "entries with at least one of these tags (repeat)")(
      "not-tag", po::value<std::vector<std::string>>()->composing()->value_name("T"),
      "entries without tag T (repeat)")(
      "contains", po::value<std::vector<std::string>>()->composing()->value_name("TEXT"),
      "entries whose note contains TEXT, in any case (repeat: all of them)")(
      "limit,n", po::value<std::string>()->value_name("N"), "only the N most recent");
}

void mood_rm(po::options_description& d) {
  d.add_options()("yes,y", po::bool_switch(), "delete without asking (for scripts)");
}

void mood_edit(po::options_description& d) {
  d.add_options()("score", po::value<std::string>()->value_name("N"), "a new score, 1 to 10")(
      "energy", po::value<std::string>()->value_name("N"), "a new energy, 1 to 10")(
      "no-energy", po::bool_switch(), "remove the energy")(
      "tag", po::value<std::vector<std::string>>()->composing()->value_name("T"),
      "replace the tags (repeat for more)")(
      "add-tag", po::value<std::vector<std::string>>()->composing()->value_name("T"),
      "add a tag (repeat for more)")(
      "rm-tag", po::value<std::vector<std::string>>()->composing()->value_name("T"),
      "remove a tag (repeat for more)")("no-tags", po::bool_switch(), "remove all tags")(
      "note", po::value<std::string>()->value_name("TEXT"), "replace the note")(
      "note-file", po::value<std::string>()->value_name("F"),
      "replace the note with F's text (- for standard input)")("no-note", po::bool_switch(),
                                                               "remove the note")(
      "edit-note", po::bool_switch(), "rewrite the note in $VISUAL or $EDITOR (on a tmpfs only)")(
      "at", po::value<std::string>()->value_name("WHEN"), "a new time")(
      "private", po::bool_switch(), "mark private")(
      "public", po::bool_switch(), "mark shareable (logged: an entry may now leave under a grant)");
}

}  // namespace options

namespace actions {
Action mood_add() {
  return unlocked(parse_mood_add, tend::mood_add, render_mood_add);
}
Action mood_list() {
  return unlocked(parse_mood_list, tend::mood_list, render_mood_list);
}
Action mood_edit() {
  return unlocked(parse_mood_edit, tend::mood_edit, render_mood_edit);
}
Action mood_rm() {
  return unlocked(parse_entry_to_remove, tend::mood_rm, render_mood_rm);
}
Action mood_show() {
  return unlocked(parse_entry_id, tend::mood_show, render_mood_show);
}
}  // namespace actions

}  // namespace tend::cli
