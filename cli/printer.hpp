// What render functions write through: text for a terminal, or JSON.
//
// Every line of text passes display(), so nothing from outside tend (a stored
// label, a package's origin, a file name) reaches a terminal raw, whatever a
// render forgets. JSON goes through dump_json, which never throws and escapes
// DEL, C1 and bidirectional controls. Times are shown in the local zone, or in
// UTC with --utc, and tables say which once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cli/io.hpp"
#include "cli/table.hpp"
#include "core/json.hpp"
#include "core/when.hpp"

namespace tend::cli {

class Printer {
 public:
  Printer(Io& io, bool json, bool utc, std::int64_t now)
      : io_(io), json_(json), utc_(utc), now_(now) {}

  bool json() const { return json_; }
  // The command's clock, for what depends on it (a grant's state).
  std::int64_t now() const { return now_; }
  // Text on stdout, escaped for the terminal (line breaks and tabs kept).
  void text(std::string_view s);
  // A JSON document on stdout, indented.
  void json(const Json& value);
  // Bytes on stdout as they are: data the user asked for (an audit package, a
  // receipt, a payload), which its maker already escaped or a file will hold.
  void raw(std::string_view bytes);
  // "tend: warning: ..." on stderr, escaped.
  void warn(std::string_view message);
  // "tend: ..." on stderr, escaped: a note that is not a warning.
  void note(std::string_view message);

  // "2026-11-25 17:40", in the local zone (or UTC with --utc).
  std::string time(std::int64_t utc) const;
  // RFC 3339 in the local zone (or UTC): what JSON output gives for a time.
  std::string iso(std::int64_t utc) const;
  // The instant with its own offset, as stored (or in UTC).
  std::string iso(const Instant& at) const;
  // A table, with the zone its times are in said first when it has any.
  void table(const Table& t, bool has_times);

  std::ostream& out() const { return *io_.out; }
  // Whether text may be coloured: stdout is a terminal and NO_COLOR is unset or empty.
  bool colour() const;

 private:
  std::string zone_line() const;
  Io& io_;
  bool json_;
  bool utc_;
  std::int64_t now_;
};

}  // namespace tend::cli
