#include "core/json.hpp"

#include <fmt/format.h>

namespace tend {

Result<Json> parse_json(std::string_view text, std::string_view what) {
  constexpr int kMaxDepth = 32;
  bool too_deep = false;
  Json::parser_callback_t limit = [&](int depth, Json::parse_event_t, Json&) {
    if (depth > kMaxDepth) too_deep = true;
    return !too_deep;
  };
  try {
    Json j = Json::parse(text.begin(), text.end(), limit, /*allow_exceptions=*/true,
                         /*ignore_comments=*/false);
    if (too_deep) return invalid_input(fmt::format("{} is nested too deeply", what));
    return j;
  } catch (const Json::parse_error& e) {
    return invalid_input(fmt::format("{} is not valid JSON (at byte {})", what, e.byte));
  } catch (const Json::exception&) {
    return invalid_input(fmt::format("{} is not valid JSON", what));
  }
}

std::string canonical_json(const Json& value) {
  return value.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::strict);
}

std::optional<std::string> get_string(const Json& obj, const char* key) {
  if (!obj.is_object()) return std::nullopt;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<std::int64_t> get_int(const Json& obj, const char* key) {
  if (!obj.is_object()) return std::nullopt;
  auto it = obj.find(key);
  if (it == obj.end()) return std::nullopt;
  if (it->is_number_unsigned()) {
    const auto v = it->get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(v);
  }
  if (it->is_number_integer()) return it->get<std::int64_t>();
  return std::nullopt;
}

const Json* get_object(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_object()) return nullptr;
  return &*it;
}

const Json* get_array(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_array()) return nullptr;
  return &*it;
}

}  // namespace tend
