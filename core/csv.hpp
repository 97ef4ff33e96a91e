// Writing CSV as tend's outputs document it (docs/takeout-format.md, "CSV"):
// RFC 4180 through libcsv, every value quoted, null as an empty unquoted field.
#pragma once

#include <string>
#include <vector>

#include "core/json.hpp"

namespace tend {

// One field: a string as is, a number or boolean as JSON writes it, an array or
// object as its JSON text; all quoted (quotes doubled). Null: nothing.
void append_csv_field(std::string& line, const Json& value);
// One record of `row`'s members in `columns` order (absent members are null), ending in CRLF.
std::string csv_record(const Json& row, const std::vector<std::string>& columns);
// The header record: the column names, unquoted, ending in CRLF.
std::string csv_header(const std::vector<std::string>& columns);

}  // namespace tend
