// A JSON document read from a file as a stream (nlohmann's SAX interface), for
// inputs too large to hold: only the values a sink asks for are built, one at a
// time, so memory follows the largest such value and the nesting depth, not the
// file. Strict as parse_json: UTF-8 only, nesting at most 32 deep, nothing after
// the value; errors name the byte where reading stopped.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.hpp"
#include "core/json.hpp"

namespace tend {

// Where a value is: the key within each enclosing object, "[]" within an array.
// {"buckets": {"b1": {"events": [{...}]}}} has its event at
// ["buckets", "b1", "events", "[]"].
using JsonPath = std::vector<std::string>;

class JsonSink {
 public:
  virtual ~JsonSink() = default;
  // Whether the value starting at `path` (an object or array when `container`)
  // is wanted whole: value() then gets it.
  virtual bool wants(const JsonPath& path, bool container) = 0;
  // A wanted value, complete. An error stops the stream.
  virtual Status value(const JsonPath& path, Json&& v) = 0;
  // An object (or, with `array`, an array) that was not wanted whole has ended.
  virtual Status closed(const JsonPath& path, bool array) = 0;
};

// Streams the file at `path` through `sink`. kInvalidInput ("<what>: ..., at
// byte N") for malformed JSON or an error from the sink; kNotFound, kIo for the
// file. `progress` (may be empty) hears about every 64 KiB read.
Status stream_json(const std::string& path, std::string_view what, JsonSink& sink,
                   const std::function<void(std::uint64_t done, std::uint64_t total)>& progress);

}  // namespace tend
