#include "core/csv.hpp"

#include <csv.h>

namespace tend {

void append_csv_field(std::string& line, const Json& value) {
  if (value.is_null()) return;
  const std::string text = value.is_string() ? value.get<std::string>() : dump_json(value);
  std::string quoted(text.size() * 2 + 2, '\0');
  quoted.resize(csv_write(quoted.data(), quoted.size(), text.data(), text.size()));
  line += quoted;
}

std::string csv_record(const Json& row, const std::vector<std::string>& columns) {
  std::string line;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) line += ',';
    auto it = row.find(columns[i]);
    if (it != row.end()) append_csv_field(line, *it);
  }
  return line + "\r\n";
}

std::string csv_header(const std::vector<std::string>& columns) {
  std::string line;
  for (const std::string& c : columns) line += (line.empty() ? "" : ",") + c;
  return line + "\r\n";
}

}  // namespace tend
