// Alliance check-ins: checkin, checkin list.
#include <fmt/format.h>

#include "cli/command.hpp"
#include "core/app_use.hpp"
#include "core/checkin.hpp"
#include "core/fs.hpp"
#include "core/text.hpp"

namespace po = boost::program_options;

namespace tend::cli {
namespace {

std::string number(double v) {
  return v == static_cast<double>(static_cast<std::int64_t>(v)) ? fmt::format("{:.0f}", v)
                                                                : fmt::format("{:.2f}", v);
}

Json checkin_json(const Checkin& c, const Printer& p) {
  return {{"id", c.id},
          {"at", p.iso(c.at)},
          {"at_unix", c.at.utc},
          {"about", c.app ? Json(*c.app) : Json("tend")},
          {"instrument", c.instrument_id},
          {"instrument_version", c.instrument_version},
          {"instrument_sha256", c.instrument_sha256},
          {"answers", c.answers},
          {"score", c.score},
          {"score_min", c.score_min},
          {"score_max", c.score_max},
          {"private", c.is_private}};
}

Result<std::vector<int>> parse_answers(const std::string& text, const Instrument& in) {
  std::vector<int> out;
  std::string_view rest = text;
  while (true) {
    const std::size_t comma = rest.find(',');
    std::string item(rest.substr(0, comma));
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    Result<std::int64_t> v = parse_int(item, "answer", -100, 100);
    if (!v.is_ok())
      return usage_error("--answers takes whole numbers separated by commas: 3,4,2,4,3");
    out.push_back(static_cast<int>(*v));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (out.size() != in.items.size()) {
    return usage_error(fmt::format("--answers gives {} answers; {} has {} questions", out.size(),
                                   in.id, in.items.size()));
  }
  std::string values;
  for (const Instrument::Choice& c : in.scale)
    values += (values.empty() ? "" : ", ") + std::to_string(c.value);
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!on_scale(in, out[i])) {
      return usage_error(fmt::format("answer {} ({}) is not on the scale", i + 1, out[i]),
                         fmt::format("the scale's values are {}", values));
    }
  }
  return out;
}

// One item at a time on the terminal; a wrong key asks again.
AskFn terminal_asker(Io& io) {
  return [&io](const Instrument& in, const std::string& about) -> Result<std::vector<int>> {
    std::string scale;
    for (const Instrument::Choice& c : in.scale) {
      scale += fmt::format("    {}  {}\n", c.value, display(c.label));
    }
    std::string intro =
        fmt::format("{} ({} {})\n", display(in.title), display(in.id), display(in.version));
    if (!in.note.empty()) intro += display(in.note) + "\n";
    intro += fmt::format("Licence: {}\n", display(in.licence));
    intro += "Answer each statement with a number from the scale; Ctrl-C leaves nothing behind.\n";
    std::vector<int> answers;
    for (std::size_t i = 0; i < in.items.size(); ++i) {
      std::string prompt = fmt::format("{}\n{}/{}  {}\n{}  answer: ", i == 0 ? intro : "", i + 1,
                                       in.items.size(), display(item_text(in, i, about)), scale);
      for (;;) {
        Result<std::string> line = io.read_terminal_line(prompt);
        if (!line.is_ok()) return line.status().with_context("check-in not saved");
        Result<std::int64_t> v = parse_int(*line, "answer", -100, 100);
        if (v.is_ok() && on_scale(in, static_cast<int>(*v))) {
          answers.push_back(static_cast<int>(*v));
          break;
        }
        prompt = "  that is not on the scale; answer: ";
      }
    }
    return answers;
  };
}

Result<CheckinAdd> parse_checkin(const Invocation& in) {
  CheckinAdd r;
  if (auto file = in.path("instrument"); !file.is_ok()) {
    return file.status();
  } else if (*file) {
    Result<std::string> bytes = fs::read_file(**file, kMaxInstrumentBytes + 1);
    if (!bytes.is_ok()) {
      if (bytes.status().kind() == ErrorKind::kInvalidInput) {
        return invalid_input(
            fmt::format("the instrument file is larger than {} KiB", kMaxInstrumentBytes / 1024));
      }
      return bytes.status().with_context("--instrument");
    }
    Result<Instrument> parsed = parse_instrument(*bytes);
    if (!parsed.is_ok()) return parsed.status();
    r.instrument = std::move(parsed).value();
  } else {
    r.instrument = tend_reflection();
  }
  if (auto app = in.opt<std::string>("app")) {
    Status s = check_label(*app, "app name", kMaxAppNameBytes);
    if (!s.is_ok()) return s;
    r.app = *app;
  }
  if (auto answers = in.opt<std::string>("answers")) {
    Result<std::vector<int>> a = parse_answers(*answers, r.instrument);
    if (!a.is_ok()) return a.status();
    r.answers = std::move(a).value();
  } else if (in.io().has_terminal && in.io().read_terminal_line) {
    r.ask = terminal_asker(in.io());
  } else {
    return usage_error(
        "no terminal to ask the questions on",
        fmt::format("give all {} answers: --answers {}", r.instrument.items.size(), "3,4,2,4,3"));
  }
  std::string notice;
  if (auto when = in.opt<std::string>("at")) {
    Result<Instant> at = parse_when(*when, in.now(), TimeRole::kPoint, &notice);
    if (!at.is_ok()) return at.status().with_context("--at");
    r.at = *at;
  } else {
    r.at = local_instant(in.now());
  }
  r.is_private = in.flag("private");
  return r;
}

void render_checkin(const Checkin& c, Printer& p) {
  if (p.json()) {
    p.json(checkin_json(c, p));
    return;
  }
  p.text(fmt::format("Saved check-in {} about {} ({} {}): score {} on {}..{}{}.\n", c.id,
                     c.app.value_or("tend"), c.instrument_id, c.instrument_version, number(c.score),
                     number(c.score_min), number(c.score_max), c.is_private ? ", private" : ""));
  if (c.instrument_id == "tend-reflection") {
    p.text(
        "tend's reflection is not a validated clinical instrument: read it as your own notes.\n");
  } else if (!c.instrument_licence.empty()) {
    p.text(fmt::format("{}: {}\n", c.instrument_title, c.instrument_licence));
  }
}

Result<CheckinQuery> parse_checkin_list(const Invocation& in) {
  CheckinQuery q;
  Status s = parse_window(in, &q.from, &q.until, false);
  if (!s.is_ok()) return s;
  q.app = in.opt<std::string>("app");
  Result<std::optional<std::int64_t>> limit = parse_limit(in);
  if (!limit.is_ok()) return limit.status();
  q.limit = *limit;
  return q;
}

void render_checkin_list(const std::vector<Checkin>& list, Printer& p) {
  if (p.json()) {
    Json items = Json::array();
    for (const Checkin& c : list) items.push_back(checkin_json(c, p));
    p.json({{"count", list.size()}, {"items", std::move(items)}});
    return;
  }
  if (list.empty()) {
    p.text("No check-ins match. Start one with: tend checkin --app NAME\n");
    return;
  }
  Table t({{"ID", Table::Align::kRight},
           {"WHEN"},
           {"ABOUT"},
           {"INSTRUMENT"},
           {"SCORE", Table::Align::kRight},
           {"ANSWERS"}});
  for (const Checkin& c : list) {
    std::string answers;
    for (int a : c.answers) {
      if (!answers.empty()) answers += ',';
      answers += std::to_string(a);
    }
    t.add_row({std::to_string(c.id), p.time(c.at.utc), c.app.value_or("tend"),
               c.instrument_id + " " + c.instrument_version,
               fmt::format("{}/{}", number(c.score), number(c.score_max)), answers});
  }
  p.table(t, true);
}

}  // namespace

namespace options {

void checkin(po::options_description& d) {
  d.add_options()("app", po::value<std::string>()->value_name("APP"),
                  "the app it is about (default: tend itself)")(
      "instrument", po::value<std::string>()->value_name("FILE"),
      "a questionnaire definition (docs/instrument-format.md) instead of tend's reflection")(
      "answers", po::value<std::string>()->value_name("A,B,..."),
      "all answers at once, for scripts (one per question, on the scale)")(
      "at", po::value<std::string>()->value_name("WHEN"), "when (default now)")(
      "private", po::bool_switch(), "never export this check-in, whatever a grant says");
}

void checkin_list(po::options_description& d) {
  d.add_options()("from", po::value<std::string>()->value_name("WHEN"),
                  "check-ins at or after WHEN")(
      "until", po::value<std::string>()->value_name("WHEN"), "check-ins at or before WHEN")(
      "app", po::value<std::string>()->value_name("APP"), "only about APP (tend: about tend)")(
      "limit,n", po::value<std::string>()->value_name("N"), "only the N most recent");
}

}  // namespace options

namespace actions {
Action checkin() {
  return unlocked(parse_checkin, tend::checkin_add, render_checkin);
}
Action checkin_list() {
  return unlocked(parse_checkin_list, tend::checkin_list, render_checkin_list);
}
}  // namespace actions

}  // namespace tend::cli
