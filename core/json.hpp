// JSON helpers shared by the header, the audit log and the CLI's --json output.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.hpp"

namespace tend {

// Types that hold a Json are marked NOLINT(bugprone-exception-escape): Json's
// destructor keeps a heap stack to free nested values, so their implicit
// noexcept members can meet bad_alloc, which ends the process as anywhere else.
using Json = nlohmann::json;

// Parses untrusted text in one linear pass: refuses invalid UTF-8, nesting
// deeper than 32, more than kMaxJsonBytes and anything after the value. `what`
// names the input in the error. Never throws.
constexpr std::size_t kMaxJsonBytes = std::size_t{1} << 30;
Result<Json> parse_json(std::string_view text, std::string_view what);
// The same checks as parse_json, without building a document (for text that is
// only passed on, such as a bundle's payload). When `head` is given, it gets the
// document's top-level "format" (a string) and "version" (an integer), if any.
struct JsonHead {
  std::optional<std::string> format;
  std::optional<std::int64_t> version;
};
Status check_json(std::string_view text, std::string_view what, JsonHead* head = nullptr);

// Writes JSON text that check_json accepted, indented by two spaces as
// dump_json(value, 2) would, with C1 and bidirectional controls escaped. One
// linear pass over the bytes; strings and numbers are kept as they were written.
void write_indented_json(std::string_view valid_json, std::ostream& out);

// Compact form with sorted keys and no spaces: the bytes that get hashed or MACed.
// Never throws: a string that is not UTF-8 (which validated input cannot hold)
// is written with U+FFFD in place of its bad bytes, as in every dump below.
std::string canonical_json(const Json& value);

// JSON for a file or a terminal, compact (indent < 0) or indented. DEL, C1 and
// bidirectional controls are written as \u escapes, so a JSON document shown on
// a terminal cannot act on it; a parser reads the same values.
std::string dump_json(const Json& value, int indent = -1);

// Typed field access for validating untrusted objects; nullopt if absent or of another type.
std::optional<std::string> get_string(const Json& obj, const char* key);
std::optional<std::int64_t> get_int(const Json& obj, const char* key);
const Json* get_object(const Json& obj, const char* key);
const Json* get_array(const Json& obj, const char* key);

}  // namespace tend
