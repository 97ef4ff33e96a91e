// Alliance check-ins: short answer sets about one app (or about tend itself),
// on tend's own five-question reflection or on an instrument a clinician or
// researcher supplies as a file (docs/instrument-format.md).
//
// tend's reflection asks one question for each quality Tong et al. (2023) found
// people value in a mental-health app: flexibility, accountability, emotional
// connection, openness and trust, and goals. It was written for tend and is not
// a validated clinical instrument; its definition says so, and so do exports.
// No other instrument's text is part of tend.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.hpp"
#include "core/db.hpp"
#include "core/mood.hpp"
#include "core/vault.hpp"
#include "core/when.hpp"

namespace tend {

constexpr std::size_t kMaxInstrumentBytes = std::size_t{64} * 1024;
constexpr std::size_t kMaxInstrumentItems = 100;

struct Instrument {
  struct Choice {
    int value = 0;
    std::string label;
  };
  struct Item {
    std::string id;
    std::string text;  // "{app}" stands for what the check-in is about
    bool reverse = false;
  };
  enum class Method { kSum = 0, kMean = 1 };

  std::string id;  // "tend-reflection", "d-wai-6", ...
  std::string version;
  std::string title;
  std::string licence;
  std::string note;           // what it is (and is not), shown before the items
  std::vector<Choice> scale;  // in the order shown
  std::vector<Item> items;
  Method method = Method::kSum;
  double score_min = 0;
  double score_max = 0;
  std::string definition;  // the exact bytes the SHA-256 is of
  std::string sha256;      // lowercase hex
  bool builtin = false;
};

// tend's own reflection ("tend-reflection", version 1): five items, 0 (strongly
// disagree) to 4 (strongly agree), scored as their sum, 0..20.
const Instrument& tend_reflection();

// Reads an instrument definition strictly: every key known, every field of its
// type and range, the declared score range equal to the one the items and
// scale give. Errors (kInvalidInput) name the field and what is wrong.
Result<Instrument> parse_instrument(std::string_view bytes);

// An item's text with "{app}" replaced by `about`.
std::string item_text(const Instrument& instrument, std::size_t item, std::string_view about);
// The score of a complete answer set (values of the scale, one per item);
// reversed items count as (lowest + highest - value).
double instrument_score(const Instrument& instrument, const std::vector<int>& answers);
// Whether `value` is one of the scale's values.
bool on_scale(const Instrument& instrument, int value);

struct Checkin {
  std::int64_t id = 0;
  Instant at;
  std::optional<std::string> app;  // nullopt: about tend itself
  std::string instrument_id;
  std::string instrument_version;
  std::string instrument_sha256;
  std::vector<int> answers;
  double score = 0;
  double score_min = 0;
  double score_max = 0;
  bool is_private = false;
  std::int64_t created = 0;
  // Of the instrument answered, when it was just answered (not stored here: the
  // definition is, under its hash).
  std::string instrument_title;
  std::string instrument_licence;
};

// Asks the items one at a time; an error (end of input, an interrupt) leaves
// nothing behind.
using AskFn = std::function<Result<std::vector<int>>(const Instrument&, const std::string& about)>;

struct CheckinAdd {
  Instrument instrument;
  std::optional<std::string> app;
  std::vector<int> answers;  // validated; empty: ask
  AskFn ask;
  Instant at;
  bool is_private = false;
};
Result<Checkin> checkin_add(Vault& vault, const CheckinAdd& request, std::int64_t now);

struct CheckinQuery {
  std::optional<std::int64_t> from;
  std::optional<std::int64_t> until;
  std::optional<std::string> app;  // compared fold_case()d; "tend" is about tend itself
  std::optional<std::int64_t> limit;
};
// In time order, oldest first.
Result<std::vector<Checkin>> list_checkins(Db& db, const CheckinQuery& query);
Result<std::vector<Checkin>> checkin_list(Vault& vault, const CheckinQuery& query,
                                          std::int64_t now);

}  // namespace tend
