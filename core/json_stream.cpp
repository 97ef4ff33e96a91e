#include "core/json_stream.hpp"

#include <istream>
#include <streambuf>
#include <utility>

#include <fmt/format.h>

#include "core/fs.hpp"

namespace tend {
namespace {

constexpr std::size_t kChunk = 64 * 1024;
constexpr std::size_t kMaxDepth = 32;

// The file as a stream buffer that knows how far the parser has read.
class FileBuf : public std::streambuf {
 public:
  FileBuf(fs::FileReader& file, const std::function<void(std::uint64_t, std::uint64_t)>& progress)
      : file_(file), progress_(progress), buf_(kChunk) {
    setg(buf_.data(), buf_.data(), buf_.data());
  }

  // Bytes handed to the parser so far, and the line the last of them is on.
  std::uint64_t position() const { return before_ + static_cast<std::uint64_t>(gptr() - eback()); }
  std::uint64_t line() const {
    std::uint64_t n = lines_before_ + 1;
    for (const char* p = eback(); p < gptr(); ++p) n += *p == '\n' ? 1 : 0;
    return n;
  }
  const Status& error() const { return error_; }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    for (const char* p = eback(); p < egptr(); ++p) lines_before_ += *p == '\n' ? 1 : 0;
    before_ += static_cast<std::uint64_t>(egptr() - eback());
    Result<std::size_t> n = file_.read(buf_.data(), buf_.size());
    if (!n.is_ok()) {
      error_ = n.status();
      setg(buf_.data(), buf_.data(), buf_.data());
      return traits_type::eof();
    }
    setg(buf_.data(), buf_.data(), buf_.data() + *n);
    if (progress_) progress_(before_ + *n, file_.size());
    return *n == 0 ? traits_type::eof() : traits_type::to_int_type(*gptr());
  }

 private:
  fs::FileReader& file_;
  const std::function<void(std::uint64_t, std::uint64_t)>& progress_;
  std::vector<char> buf_;
  std::uint64_t before_ = 0;
  std::uint64_t lines_before_ = 0;
  Status error_;
};

// Follows the path of each value; builds the values the sink wants.
class Handler : public nlohmann::json_sax<Json> {
 public:
  Handler(JsonSink& sink, const FileBuf& buf) : sink_(sink), buf_(buf) {}

  bool null() override { return scalar(Json(nullptr)); }
  bool boolean(bool v) override { return scalar(Json(v)); }
  bool number_integer(number_integer_t v) override { return scalar(Json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return scalar(Json(v)); }
  bool number_float(number_float_t v, const string_t&) override { return scalar(Json(v)); }
  bool string(string_t& v) override { return scalar(Json(std::move(v))); }
  bool binary(binary_t&) override { return fail("binary values are not JSON"); }

  bool start_object(std::size_t) override { return open(Json::object(), std::string()); }
  bool start_array(std::size_t) override { return open(Json::array(), "[]"); }
  bool key(string_t& k) override {
    if (!building_.empty()) {
      key_ = std::move(k);
      return true;
    }
    path_.back() = std::move(k);
    return true;
  }
  bool end_object() override { return close(false); }
  bool end_array() override { return close(true); }

  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    // "[json.exception.parse_error.101] parse error at line 3, column 5: syntax
    // error while parsing ..." without the bracketed name.
    std::string why = ex.what();
    if (const auto end = why.find("] "); why.rfind("[json.", 0) == 0 && end != std::string::npos) {
      why.erase(0, end + 2);
    }
    // Without "; last read: '...'": the bytes read last may be journal text.
    if (const auto read = why.find("; last read: '"); read != std::string::npos) {
      const auto expected = why.rfind("'; expected ");
      why.erase(read, expected != std::string::npos && expected > read ? expected + 1 - read
                                                                       : std::string::npos);
    }
    status_ = invalid_input(fmt::format("not valid JSON: {} (byte {})", why, position));
    return false;
  }

  const Status& status() const { return status_; }

 private:
  // Places a finished value: into the value being built, or to the sink.
  bool place(Json&& v) {
    Json& parent = *building_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(v));
    } else {
      parent[key_] = std::move(v);
    }
    return true;
  }
  bool scalar(Json&& v) {
    if (!building_.empty()) return place(std::move(v));
    if (!sink_.wants(path_, false)) return true;
    return check(sink_.value(path_, std::move(v)));
  }
  bool open(Json&& container, std::string segment) {
    if (building_.size() + path_.size() >= kMaxDepth) {
      return fail(fmt::format("nested deeper than {}", kMaxDepth));
    }
    if (!building_.empty()) {
      Json& parent = *building_.back();
      Json* child = nullptr;
      if (parent.is_array()) {
        parent.push_back(std::move(container));
        child = &parent.back();
      } else {
        child = &(parent[key_] = std::move(container));
      }
      building_.push_back(child);
      return true;
    }
    if (sink_.wants(path_, true)) {
      root_ = std::move(container);
      building_.push_back(&root_);
      return true;
    }
    path_.push_back(std::move(segment));
    return true;
  }
  bool close(bool array) {
    if (!building_.empty()) {
      building_.pop_back();
      if (!building_.empty()) return true;
      return check(sink_.value(path_, std::move(root_)));
    }
    path_.pop_back();
    return check(sink_.closed(path_, array));
  }
  bool check(Status s) {
    if (s.is_ok()) return true;
    status_ = invalid_input(
        fmt::format("{} (line {}, byte {})", s.message(), buf_.line(), buf_.position()), s.hint());
    return false;
  }
  bool fail(std::string why) { return check(invalid_input(std::move(why))); }

  JsonSink& sink_;
  const FileBuf& buf_;
  JsonPath path_;
  std::vector<Json*> building_;
  Json root_;
  std::string key_;
  Status status_;
};

}  // namespace

Status stream_json(const std::string& path, std::string_view what, JsonSink& sink,
                   const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  Result<fs::FileReader> file = fs::FileReader::open(path);
  if (!file.is_ok()) return file.status();
  FileBuf buf(*file, progress);
  std::istream in(&buf);
  Handler handler(sink, buf);
  bool ok = false;
  try {
    ok = Json::sax_parse(in, &handler, Json::input_format_t::json, true, false);
  } catch (const std::exception&) {  // bad_alloc, or a nlohmann error not routed to parse_error
    ok = false;
  }
  if (!buf.error().is_ok()) return buf.error();
  if (ok) return Status::ok();
  if (!handler.status().is_ok()) return handler.status().with_context(std::string(what));
  return invalid_input(fmt::format("{}: not valid JSON (byte {})", what, buf.position()));
}

}  // namespace tend
