#include "core/canonical.hpp"

#include <charconv>

#include "crypto/encoding.hpp"

namespace tend {
namespace {

constexpr int kMaxDepth = 8;

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  bool fail(const char* why) {
    if (error_.empty()) error_ = why;
    return false;
  }
  const std::string& error() const { return error_; }
  bool at_end() const { return pos_ == s_.size(); }

  // A canonical string; its decoded value (ASCII-only callers) in *out if given.
  bool string(std::string* out) {
    if (pos_ >= s_.size() || s_[pos_] != '"') return fail("expected a string");
    ++pos_;
    const std::size_t start = pos_;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == '"') {
        if (out != nullptr) *out = std::string(s_.substr(start, pos_ - start));
        ++pos_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) return fail("raw control character in a string");
      if (c == '\\') {
        if (pos_ + 1 >= s_.size()) return fail("truncated escape");
        const char e = s_[pos_ + 1];
        if (e == '"' || e == '\\' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
          pos_ += 2;
          continue;
        }
        // \u00xx only for control characters without a short form.
        if (e != 'u' || pos_ + 6 > s_.size() || s_.substr(pos_ + 2, 2) != "00") {
          return fail("non-canonical escape");
        }
        const std::string_view hex = s_.substr(pos_ + 4, 2);
        unsigned v = 0;
        for (char h : hex) {
          if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f')))
            return fail("non-canonical escape");
          v = v * 16 + static_cast<unsigned>(h <= '9' ? h - '0' : h - 'a' + 10);
        }
        if (v >= 0x20 || v == '\b' || v == '\f' || v == '\n' || v == '\r' || v == '\t') {
          return fail("non-canonical escape");
        }
        pos_ += 6;
        continue;
      }
      ++pos_;
    }
    return fail("unterminated string");
  }

  bool integer(std::int64_t* out) {
    const std::size_t start = pos_;
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '9') return fail("expected a value");
    if (s_[pos_] == '0' && pos_ + 1 < s_.size() && s_[pos_ + 1] >= '0' && s_[pos_ + 1] <= '9') {
      return fail("leading zero");
    }
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    if (s_.substr(start, pos_ - start) == "-0") return fail("negative zero");
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s_.data() + start, s_.data() + pos_, v);
    if (ec != std::errc()) return fail("integer out of range");
    if (out != nullptr) *out = v;
    return true;
  }

  bool value(int depth) {
    if (depth > kMaxDepth) return fail("nested too deeply");
    if (pos_ >= s_.size()) return fail("truncated");
    switch (s_[pos_]) {
      case '"':
        return string(nullptr);
      case '{':
        return object(depth + 1, nullptr);
      case '[':
        return array(depth + 1);
      default:
        if (s_[pos_] == '-' || (s_[pos_] >= '0' && s_[pos_] <= '9')) return integer(nullptr);
        return fail("only objects, arrays, strings and integers are allowed");
    }
  }

  bool array(int depth) {
    ++pos_;  // '['
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      if (!value(depth)) return false;
      if (pos_ >= s_.size()) return fail("truncated");
      if (s_[pos_] == ']') {
        ++pos_;
        return true;
      }
      if (s_[pos_] != ',') return fail("expected , or ]");
      ++pos_;
    }
  }

  // Visits the top-level members when `head` is given.
  bool object(int depth, EntryHead* head) {
    if (pos_ >= s_.size() || s_[pos_] != '{') return fail("expected an object");
    ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return true;
    }
    std::string previous;
    bool first = true;
    for (;;) {
      std::string key;
      if (!string(&key)) return false;
      for (char c : key) {
        if (static_cast<unsigned char>(c) >= 0x80 || c == '\\')
          return fail("keys must be plain ASCII");
      }
      if (!first && !(previous < key)) return fail("keys are not sorted and unique");
      first = false;
      if (pos_ >= s_.size() || s_[pos_] != ':') return fail("expected :");
      ++pos_;
      bool ok = true;
      if (head != nullptr && (key == "seq" || key == "time")) {
        ok = integer(key == "seq" ? &head->seq : &head->time);
      } else if (head != nullptr && key == "kind") {
        ok = string(&head->kind);
      } else if (head != nullptr && key == "meta") {
        ok = object(depth + 1, nullptr);
        head->has_meta = ok;
      } else if (head != nullptr) {
        return fail("unexpected member (an entry has kind, meta, seq and time)");
      } else {
        ok = value(depth);
      }
      if (!ok) return false;
      previous = std::move(key);
      if (pos_ >= s_.size()) return fail("truncated");
      if (s_[pos_] == '}') {
        ++pos_;
        return true;
      }
      if (s_[pos_] != ',') return fail("expected , or }");
      ++pos_;
    }
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
  std::string error_;
};

}  // namespace

EntryHead scan_entry(std::string_view bytes) {
  EntryHead head;
  if (!crypto::valid_utf8(bytes)) {
    head.error = "not valid UTF-8";
    return head;
  }
  Scanner s(bytes);
  if (!s.object(1, &head) || !s.at_end()) {
    head.error = s.error().empty() ? "trailing bytes after the entry" : s.error();
    return head;
  }
  if (head.seq < 0 || head.time < 0 || head.kind.empty() || !head.has_meta) {
    head.error = "missing or negative seq or time, or missing kind or meta";
  } else if (head.time > kMaxEntryTime) {
    head.error = "its time is after the year 9999";
  }
  return head;
}

}  // namespace tend
