// Aligned text tables for listings.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace tend::cli {

class Table {
 public:
  enum class Align { kLeft = 0, kRight = 1 };
  struct Column {
    std::string title;
    Align align = Align::kLeft;
  };
  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

  // Cells are untrusted text: they are escaped for the terminal here (the last
  // column keeps its line breaks until print() folds them).
  void add_row(std::vector<std::string> cells);

  // Prints the table. With width > 0, the last column is cut (with "…") so each
  // line fits in `width` columns.
  void print(std::ostream& os, int width) const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// Display width of UTF-8 text, counting each code point as one column.
std::size_t display_width(const std::string& s);
// The text cut to `width` columns, ending in "…" if it was cut; newlines become " / ".
std::string one_line(const std::string& s, std::size_t width);

}  // namespace tend::cli
