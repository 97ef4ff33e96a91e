#include "core/json.hpp"

#include <optional>
#include <ostream>

#include <fmt/format.h>

#include "core/text.hpp"
#include "crypto/encoding.hpp"

namespace tend {

namespace {

constexpr std::size_t kMaxDepth = 32;

// Builds the document from nlohmann's SAX events in one pass (linear time),
// refusing nesting deeper than kMaxDepth before it is built.
class DomBuilder final : public nlohmann::json_sax<Json> {  // NOLINT(bugprone-exception-escape)
 public:
  Json root;
  bool too_deep = false;
  std::size_t error_byte = 0;

  bool null() override { return add(Json(nullptr)); }
  bool boolean(bool v) override { return add(Json(v)); }
  bool number_integer(number_integer_t v) override { return add(Json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return add(Json(v)); }
  bool number_float(number_float_t v, const string_t&) override { return add(Json(v)); }
  bool string(string_t& v) override { return add(Json(std::move(v))); }
  bool binary(binary_t&) override { return false; }  // not in JSON text
  bool start_object(std::size_t) override { return open(Json::object()); }
  bool key(string_t& k) override {
    key_ = std::move(k);
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(Json::array()); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception&) override {
    error_byte = position;
    return false;
  }

 private:
  // Places `v` in the open container (or as the root) and returns where it went.
  Json* place(Json v) {
    if (open_.empty()) {
      root = std::move(v);
      return &root;
    }
    Json& parent = *open_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(v));
      return &parent.back();
    }
    Json& slot = parent[key_];
    slot = std::move(v);
    return &slot;
  }
  bool add(Json v) {
    place(std::move(v));
    return true;
  }
  bool open(Json container) {
    if (open_.size() >= kMaxDepth) {
      too_deep = true;
      return false;
    }
    open_.push_back(place(std::move(container)));
    return true;
  }
  bool close() {
    open_.pop_back();
    return true;
  }

  std::vector<Json*> open_;  // the containers being filled, innermost last
  string_t key_;
};

// Checks syntax and depth, noting the top level's "format" and "version".
class Checker final : public nlohmann::json_sax<Json> {
 public:
  bool too_deep = false;
  std::size_t error_byte = 0;
  JsonHead head;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t n) override {
    if (top("version")) head.version = n;
    return true;
  }
  bool number_unsigned(number_unsigned_t n) override {
    if (top("version") && n <= static_cast<number_unsigned_t>(INT64_MAX)) {
      head.version = static_cast<std::int64_t>(n);
    }
    return true;
  }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t& s) override {
    if (top("format")) head.format = s.substr(0, 64);
    return true;
  }
  bool binary(binary_t&) override { return false; }
  bool start_object(std::size_t) override { return open(); }
  bool key(string_t& k) override {
    if (depth_ == 1) key_ = k.substr(0, 16);
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception&) override {
    error_byte = position;
    return false;
  }

 private:
  bool open() {
    too_deep = ++depth_ > kMaxDepth;
    return !too_deep;
  }
  bool close() {
    --depth_;
    return true;
  }
  bool top(std::string_view name) const { return depth_ == 1 && key_ == name; }
  std::size_t depth_ = 0;
  std::string key_;  // the last key at the top level
};

// Runs `sax` over `text`; the error for `what`, if any.
template <typename Sax>
Status run_sax(std::string_view text, std::string_view what, Sax& sax) {
  if (text.size() > kMaxJsonBytes) {
    return invalid_input(fmt::format("{} is larger than {} MiB", what, kMaxJsonBytes >> 20));
  }
  bool ok = false;
  try {
    ok = Json::sax_parse(text.begin(), text.end(), &sax, nlohmann::detail::input_format_t::json,
                         /*strict=*/true, /*ignore_comments=*/false);
  } catch (const std::exception&) {  // bad_alloc, or nlohmann's own errors
    ok = false;
  }
  if (sax.too_deep) return invalid_input(fmt::format("{} is nested too deeply", what));
  if (!ok) {
    return invalid_input(
        sax.error_byte > 0 ? fmt::format("{} is not valid JSON (at byte {})", what, sax.error_byte)
                           : fmt::format("{} is not valid JSON", what));
  }
  return Status::ok();
}

// The escape for DEL, a C1 or a bidirectional control starting at `s[i]`, if
// there is one. (JSON itself escapes C0; it allows these raw.)
std::optional<std::string> control_escape(std::string_view s, std::size_t i, std::size_t* length) {
  // Their UTF-8 forms are 0x7F, or start with 0xC2 (U+0080..U+009F) or 0xE2 (U+202A.., U+2066..).
  const auto lead = static_cast<unsigned char>(s[i]);
  if (lead == 0x7F) {
    *length = 1;
    return std::string("\\u007f");
  }
  if (lead != 0xC2 && lead != 0xE2) return std::nullopt;
  char32_t cp = 0;
  const std::size_t n = crypto::utf8_sequence(s, i, &cp);
  if (n < 2 || !is_refused_code_point(cp)) return std::nullopt;
  *length = n;
  return fmt::format("\\u{:04x}", static_cast<std::uint32_t>(cp));
}

}  // namespace

Status check_json(std::string_view text, std::string_view what, JsonHead* head) {
  Checker checker;
  Status s = run_sax(text, what, checker);
  if (s.is_ok() && head != nullptr) *head = std::move(checker.head);
  return s;
}

void write_indented_json(std::string_view in, std::ostream& os) {
  std::string out;
  int depth = 0;
  auto newline = [&] {
    out += '\n';
    out.append(static_cast<std::size_t>(2 * depth), ' ');
  };
  auto next_significant = [&](std::size_t i) {
    while (i < in.size() && (in[i] == ' ' || in[i] == '\t' || in[i] == '\n' || in[i] == '\r')) ++i;
    return i;
  };
  bool in_string = false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (in_string) {
      std::size_t n = 0;
      if (auto escaped = control_escape(in, i, &n)) {
        out += *escaped;
        i += n - 1;
      } else {
        out += c;
        if (c == '\\' && i + 1 < in.size()) out += in[++i];
        if (c == '"') in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
      out += c;
    } else if (c == '{' || c == '[') {
      const std::size_t j = next_significant(i + 1);
      if (j < in.size() && in[j] == (c == '{' ? '}' : ']')) {
        out += c;
        out += in[j];
        i = j;
      } else {
        out += c;
        ++depth;
        newline();
      }
    } else if (c == '}' || c == ']') {
      --depth;
      newline();
      out += c;
    } else if (c == ',') {
      out += c;
      newline();
    } else if (c == ':') {
      out += ": ";
    } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      out += c;
    }
    if (out.size() >= 64 * 1024) {
      os.write(out.data(), static_cast<std::streamsize>(out.size()));
      out.clear();
    }
  }
  out += '\n';
  os.write(out.data(), static_cast<std::streamsize>(out.size()));
}

Result<Json> parse_json(std::string_view text, std::string_view what) {
  DomBuilder dom;
  Status s = run_sax(text, what, dom);
  if (!s.is_ok()) return s;
  return std::move(dom.root);
}

std::string canonical_json(const Json& value) {
  return value.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

std::string dump_json(const Json& value, int indent) {
  const std::string raw =
      value.dump(indent, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
  // The dump is valid UTF-8 and these code points can only occur inside strings.
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size();) {
    std::size_t length = 0;
    if (auto escaped = control_escape(raw, i, &length)) {
      out += *escaped;
      i += length;
    } else {
      out += raw[i++];  // a lead byte of a control is never a continuation byte
    }
  }
  return out;
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
