#include "core/checkin.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "core/json.hpp"
#include "core/text.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"

namespace tend {
namespace {

constexpr std::string_view kFormat = "tend-instrument/1";

// tend's reflection, as a definition in the documented format: its SHA-256 is
// stored with every answer set, as for any instrument. Never edit it: a new
// wording is a new version.
constexpr std::string_view kReflection = R"json({
  "format": "tend-instrument/1",
  "id": "tend-reflection",
  "version": "1",
  "title": "tend reflection on the alliance with an app",
  "note": "A short reflection written for tend, one question for each quality people valued in mental-health apps in Tong et al. (2023): flexibility, accountability, emotional connection, openness and trust, and goals. It is not a validated clinical instrument.",
  "licence": "Part of tend; use it freely.",
  "scale": [
    {"value": 0, "label": "Strongly disagree"},
    {"value": 1, "label": "Disagree"},
    {"value": 2, "label": "Neither agree nor disagree"},
    {"value": 3, "label": "Agree"},
    {"value": 4, "label": "Strongly agree"}
  ],
  "items": [
    {"id": "flexibility", "text": "{app} fits into my days when and how I want to use it."},
    {"id": "accountability", "text": "{app} helps me keep up what I set out to do."},
    {"id": "emotional-connection", "text": "I feel understood when I use {app}."},
    {"id": "openness-trust", "text": "I trust {app} enough to be open with it."},
    {"id": "goals", "text": "{app} is helping me towards what matters to me."}
  ],
  "score": {"method": "sum", "min": 0, "max": 20}
}
)json";

Status bad(std::string what) {
  return invalid_input("instrument definition: " + std::move(what),
                       "see docs/instrument-format.md");
}

bool simple_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

Result<std::string> text_field(const Json& obj, const char* key, std::string_view where,
                               std::size_t max, bool note_like) {
  const auto it = obj.find(key);
  if (it == obj.end()) return bad(fmt::format("{}{} is missing", where, key));
  if (!it->is_string()) return bad(fmt::format("{}{} is not a string", where, key));
  const std::string value = it->get<std::string>();
  Status s = note_like ? check_note(value) : check_label(value, "", max);
  if (!s.is_ok() || value.empty() || value.size() > max) {
    return bad(fmt::format("{}{} must be 1 to {} bytes of text without control characters", where,
                           key, max));
  }
  return value;
}

Result<double> number_field(const Json& obj, const char* key, std::string_view where) {
  const auto it = obj.find(key);
  if (it == obj.end()) return bad(fmt::format("{}{} is missing", where, key));
  if (!it->is_number()) return bad(fmt::format("{}{} is not a number", where, key));
  const double v = it->get<double>();
  if (!std::isfinite(v) || std::abs(v) > 1e9)
    return bad(fmt::format("{}{} is out of range", where, key));
  return v;
}

Status only_keys(const Json& obj, std::initializer_list<std::string_view> keys,
                 std::string_view where) {
  for (const auto& [k, v] : obj.items()) {
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) {
      return bad(fmt::format("unknown field {}{}", where, phrase_with("", k).empty() ? "" : k));
    }
  }
  return Status::ok();
}

// Whether an object in `bytes` (already checked to be JSON) has a key twice.
bool has_duplicate_key(std::string_view bytes) {
  std::vector<std::set<std::string>> open;
  bool duplicate = false;
  const Json::parser_callback_t track = [&](int, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
        open.emplace_back();
        break;
      case Json::parse_event_t::object_end:
        if (!open.empty()) open.pop_back();
        break;
      case Json::parse_event_t::key:
        if (!open.empty() && !open.back().insert(parsed.get<std::string>()).second) {
          duplicate = true;
        }
        break;
      default:
        break;
    }
    return true;
  };
  const Json ignored = Json::parse(bytes.begin(), bytes.end(), track, false);
  return duplicate || ignored.is_discarded();
}

Result<Instrument> parse_definition(std::string_view bytes, bool builtin) {
  if (bytes.size() > kMaxInstrumentBytes) {
    return bad(fmt::format("larger than {} KiB", kMaxInstrumentBytes / 1024));
  }
  Result<Json> parsed = parse_json(bytes, "instrument definition");
  if (!parsed.is_ok()) return parsed.status();
  if (has_duplicate_key(bytes)) {
    // Readers differ on which of two equal keys counts; tend takes neither.
    return bad("a field is given twice in one object");
  }
  const Json& j = *parsed;
  if (!j.is_object()) return bad("not a JSON object");
  Status s = only_keys(
      j,
      {"format", "id", "version", "title", "note", "licence", "license", "scale", "items", "score"},
      "");
  if (!s.is_ok()) return s;
  Instrument in;
  in.builtin = builtin;
  in.definition = std::string(bytes);
  in.sha256 = crypto::to_hex(
      crypto::sha256({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}));
  Result<std::string> format = text_field(j, "format", "", 64, false);
  if (!format.is_ok()) return format.status();
  if (*format != kFormat) return bad(fmt::format("format is not \"{}\"", kFormat));
  Result<std::string> id = text_field(j, "id", "", 64, false);
  if (!id.is_ok()) return id.status();
  if (!simple_id(*id)) return bad("id must be 1 to 64 of a-z 0-9 . _ -");
  if (*id == "tend-reflection" && !builtin) return bad("id tend-reflection is tend's own");
  in.id = *id;
  Result<std::string> version = text_field(j, "version", "", 32, false);
  if (!version.is_ok()) return version.status();
  in.version = *version;
  Result<std::string> title = text_field(j, "title", "", 200, false);
  if (!title.is_ok()) return title.status();
  in.title = *title;
  if (j.contains("licence") && j.contains("license")) return bad("both licence and license");
  Result<std::string> licence =
      text_field(j, j.contains("license") ? "license" : "licence", "", 2000, true);
  if (!licence.is_ok()) return licence.status();
  in.licence = *licence;
  if (j.contains("note")) {
    Result<std::string> note = text_field(j, "note", "", 2000, true);
    if (!note.is_ok()) return note.status();
    in.note = *note;
  }

  const auto scale = j.find("scale");
  if (scale == j.end() || !scale->is_array()) return bad("scale is missing or not a list");
  if (scale->size() < 2 || scale->size() > 11) return bad("scale must have 2 to 11 choices");
  std::set<int> values;
  for (std::size_t i = 0; i < scale->size(); ++i) {
    const Json& c = (*scale)[i];
    const std::string where = fmt::format("scale[{}].", i);
    if (!c.is_object()) return bad(fmt::format("scale[{}] is not an object", i));
    if (Status k = only_keys(c, {"value", "label"}, where); !k.is_ok()) return k;
    const auto v = c.find("value");
    if (v == c.end() || !v->is_number_integer()) return bad(where + "value is not a whole number");
    // Read as what it is: a huge unsigned number must not wrap into range.
    if (v->is_number_unsigned() && v->get<std::uint64_t>() > 100) {
      return bad(where + "value is outside -100..100");
    }
    const auto value = v->get<std::int64_t>();
    if (value < -100 || value > 100) return bad(where + "value is outside -100..100");
    if (!values.insert(static_cast<int>(value)).second) return bad(where + "value is repeated");
    Result<std::string> label = text_field(c, "label", where, 100, false);
    if (!label.is_ok()) return label.status();
    in.scale.push_back({static_cast<int>(value), *label});
  }

  const auto items = j.find("items");
  if (items == j.end() || !items->is_array()) return bad("items is missing or not a list");
  if (items->empty() || items->size() > kMaxInstrumentItems) {
    return bad(fmt::format("items must have 1 to {} questions", kMaxInstrumentItems));
  }
  std::set<std::string> item_ids;
  for (std::size_t i = 0; i < items->size(); ++i) {
    const Json& it = (*items)[i];
    const std::string where = fmt::format("items[{}].", i);
    if (!it.is_object()) return bad(fmt::format("items[{}] is not an object", i));
    if (Status k = only_keys(it, {"id", "text", "reverse"}, where); !k.is_ok()) return k;
    Instrument::Item item;
    if (it.contains("id")) {
      Result<std::string> iid = text_field(it, "id", where, 64, false);
      if (!iid.is_ok()) return iid.status();
      if (!simple_id(*iid)) return bad(where + "id must be 1 to 64 of a-z 0-9 . _ -");
      item.id = *iid;
    } else {
      item.id = std::to_string(i + 1);
    }
    if (!item_ids.insert(item.id).second) return bad(where + "id is repeated");
    Result<std::string> text = text_field(it, "text", where, 1000, false);
    if (!text.is_ok()) return text.status();
    item.text = *text;
    if (it.contains("reverse")) {
      if (!it["reverse"].is_boolean()) return bad(where + "reverse is not true or false");
      item.reverse = it["reverse"].get<bool>();
    }
    in.items.push_back(std::move(item));
  }

  const auto score = j.find("score");
  if (score == j.end() || !score->is_object()) return bad("score is missing or not an object");
  if (Status k = only_keys(*score, {"method", "min", "max"}, "score."); !k.is_ok()) return k;
  Result<std::string> method = text_field(*score, "method", "score.", 16, false);
  if (!method.is_ok()) return method.status();
  if (*method == "sum") {
    in.method = Instrument::Method::kSum;
  } else if (*method == "mean") {
    in.method = Instrument::Method::kMean;
  } else {
    return bad("score.method must be \"sum\" or \"mean\"");
  }
  Result<double> lo = number_field(*score, "min", "score.");
  if (!lo.is_ok()) return lo.status();
  Result<double> hi = number_field(*score, "max", "score.");
  if (!hi.is_ok()) return hi.status();
  const double lowest = *values.begin(), highest = *values.rbegin();
  const double n = static_cast<double>(in.items.size());
  const double want_lo = in.method == Instrument::Method::kSum ? lowest * n : lowest;
  const double want_hi = in.method == Instrument::Method::kSum ? highest * n : highest;
  if (*lo != want_lo || *hi != want_hi) {
    return bad(
        fmt::format("score range {}..{} is not the {} of {} items on a {}..{} scale ({}..{})", *lo,
                    *hi, *method, in.items.size(), lowest, highest, want_lo, want_hi));
  }
  in.score_min = *lo;
  in.score_max = *hi;
  return in;
}

Checkin read_row(const Statement& st) {
  Checkin c;
  c.id = st.int64(0);
  c.at = {st.int64(1), static_cast<std::int32_t>(st.int64(2))};
  c.app = st.optional_text(3);
  c.instrument_id = st.text(4);
  c.instrument_version = st.text(5);
  c.instrument_sha256 = st.text(6);
  Result<Json> answers = parse_json(st.text(7), "answers");
  if (answers.is_ok() && answers->is_array()) {
    for (const Json& a : *answers) {
      if (a.is_number_integer()) c.answers.push_back(a.get<int>());
    }
  }
  c.score = st.real(8);
  c.score_min = st.real(9);
  c.score_max = st.real(10);
  c.is_private = st.int64(11) != 0;
  c.created = st.int64(12);
  return c;
}

}  // namespace

const Instrument& tend_reflection() {
  static const Instrument kInstrument = [] {
    Result<Instrument> in = parse_definition(kReflection, true);
    return in.is_ok() ? std::move(in).value() : Instrument{};
  }();
  return kInstrument;
}

Result<Instrument> parse_instrument(std::string_view bytes) {
  return parse_definition(bytes, false);
}

std::string item_text(const Instrument& in, std::size_t item, std::string_view about) {
  std::string text = in.items.at(item).text;
  for (std::size_t at = text.find("{app}"); at != std::string::npos;
       at = text.find("{app}", at + about.size())) {
    text.replace(at, 5, about);
  }
  return text;
}

bool on_scale(const Instrument& in, int value) {
  return std::any_of(in.scale.begin(), in.scale.end(),
                     [&](const Instrument::Choice& c) { return c.value == value; });
}

double instrument_score(const Instrument& in, const std::vector<int>& answers) {
  int lowest = INT32_MAX, highest = INT32_MIN;
  for (const Instrument::Choice& c : in.scale) {
    lowest = std::min(lowest, c.value);
    highest = std::max(highest, c.value);
  }
  double sum = 0;
  for (std::size_t i = 0; i < answers.size() && i < in.items.size(); ++i) {
    sum += in.items[i].reverse ? lowest + highest - answers[i] : answers[i];
  }
  if (in.method == Instrument::Method::kMean && !answers.empty()) {
    return sum / static_cast<double>(answers.size());
  }
  return sum;
}

Result<Checkin> checkin_add(Vault& vault, const CheckinAdd& r, std::int64_t now) {
  const Instrument& in = r.instrument;
  std::vector<int> answers = r.answers;
  if (answers.empty()) {
    if (!r.ask) return usage_error("no answers given", "give --answers, or run it on a terminal");
    Result<std::vector<int>> asked = r.ask(in, r.app.value_or("tend"));
    if (!asked.is_ok()) return asked.status();
    answers = std::move(asked).value();
  }
  if (answers.size() != in.items.size()) {
    return usage_error(fmt::format("{} answers for {} questions", answers.size(), in.items.size()));
  }
  for (int a : answers) {
    if (!on_scale(in, a)) return usage_error(fmt::format("answer {} is not on the scale", a));
  }
  Checkin c;
  c.at = r.at;
  c.app = r.app;
  c.instrument_id = in.id;
  c.instrument_version = in.version;
  c.instrument_sha256 = in.sha256;
  c.answers = answers;
  c.score = instrument_score(in, answers);
  c.score_min = in.score_min;
  c.score_max = in.score_max;
  c.is_private = r.is_private;
  c.created = now;
  c.instrument_title = in.title;
  c.instrument_licence = in.licence;

  Db& db = vault.db();
  Result<Transaction> tx = Transaction::begin(db);
  if (!tx.is_ok()) return tx.status();
  Result<Statement> def = db.prepare(
      "INSERT OR FAIL INTO instrument (sha256, definition) SELECT ?1, ?2"
      " WHERE NOT EXISTS (SELECT 1 FROM instrument WHERE sha256 = ?1);");
  if (!def.is_ok()) return def.status();
  def->bind(1, std::string_view(in.sha256)).bind(2, std::string_view(in.definition));
  Status s = def->run();
  if (!s.is_ok()) return s;
  Result<Statement> st = db.prepare(
      "INSERT OR FAIL INTO checkin (at, utc_offset, app, instrument_sha256, instrument_id,"
      " instrument_version, answers, score, score_min, score_max, private, created)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);");
  if (!st.is_ok()) return st.status();
  st->bind(1, c.at.utc)
      .bind(2, std::int64_t{c.at.offset_s})
      .bind(3, c.app ? std::optional<std::string_view>(*c.app) : std::nullopt)
      .bind(4, std::string_view(c.instrument_sha256))
      .bind(5, std::string_view(c.instrument_id))
      .bind(6, std::string_view(c.instrument_version))
      .bind(7, Json(c.answers).dump())
      .bind_real(8, c.score)
      .bind_real(9, c.score_min)
      .bind_real(10, c.score_max)
      .bind(11, std::int64_t{c.is_private ? 1 : 0})
      .bind(12, now);
  s = st->run();
  if (!s.is_ok()) return s.with_context("cannot add check-in");
  c.id = db.last_insert_rowid();
  s = tx->commit();
  if (!s.is_ok()) return s;
  return c;
}

Result<std::vector<Checkin>> list_checkins(Db& db, const CheckinQuery& q) {
  std::string sql =
      "SELECT id, at, utc_offset, app, instrument_id, instrument_version, instrument_sha256,"
      " answers, score, score_min, score_max, private, created FROM checkin WHERE 1";
  if (q.from) sql += " AND at >= ?";
  if (q.until) sql += " AND at <= ?";
  sql += " ORDER BY at DESC, id DESC;";
  Result<Statement> st = db.prepare(sql);
  if (!st.is_ok()) return st.status();
  int i = 0;
  if (q.from) st->bind(++i, *q.from);
  if (q.until) st->bind(++i, *q.until);
  const std::optional<std::string> app = q.app ? std::optional(fold_case(*q.app)) : std::nullopt;
  std::vector<Checkin> out;
  for (;;) {
    if (q.limit && static_cast<std::int64_t>(out.size()) >= *q.limit) break;
    Result<bool> row = st->step();
    if (!row.is_ok()) return row.status();
    if (!*row) break;
    Checkin c = read_row(*st);
    if (app && fold_case(c.app.value_or("tend")) != *app) continue;
    out.push_back(std::move(c));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

Result<std::vector<Checkin>> checkin_list(Vault& vault, const CheckinQuery& query, std::int64_t) {
  return list_checkins(vault.db(), query);
}

}  // namespace tend
