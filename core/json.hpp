// JSON helpers shared by the header, the audit log and the CLI's --json output.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/status.hpp"

namespace tend {

using Json = nlohmann::json;

// Parses untrusted text: refuses invalid UTF-8, nesting deeper than 32 and
// anything after the value. `what` names the input in the error.
Result<Json> parse_json(std::string_view text, std::string_view what);

// Compact form with sorted keys and no spaces: the bytes that get hashed or MACed.
std::string canonical_json(const Json& value);

// Typed field access for validating untrusted objects; nullopt if absent or of another type.
std::optional<std::string> get_string(const Json& obj, const char* key);
std::optional<std::int64_t> get_int(const Json& obj, const char* key);
const Json* get_object(const Json& obj, const char* key);
const Json* get_array(const Json& obj, const char* key);

}  // namespace tend
