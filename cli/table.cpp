#include "cli/table.hpp"

#include <algorithm>
#include <ostream>

#include "core/text.hpp"

namespace tend::cli {

std::size_t display_width(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string one_line(const std::string& s, std::size_t width) {
  std::string flat;
  for (char c : s) {
    if (c == '\n') {
      flat += " / ";
    } else if (c == '\t') {
      flat += ' ';
    } else {
      flat += c;
    }
  }
  if (width == 0 || display_width(flat) <= width) return flat;
  std::string out;
  std::size_t cols = 0;
  for (std::size_t i = 0; i < flat.size(); ++i) {
    const bool starts = (static_cast<unsigned char>(flat[i]) & 0xC0) != 0x80;
    if (starts && ++cols > width - 1) break;
    out += flat[i];
  }
  return out + "…";
}

void Table::add_row(std::vector<std::string> cells) {
  for (std::size_t c = 0; c < cells.size(); ++c) {
    cells[c] = display(cells[c], c + 1 == columns_.size() ? Newlines::kKeep : Newlines::kEscape);
  }
  rows_.push_back(std::move(cells));
}

void Table::print(std::ostream& os, int width) const {
  const std::size_t n = columns_.size();
  std::vector<std::size_t> w(n);
  for (std::size_t c = 0; c < n; ++c) w[c] = display_width(columns_[c].title);
  for (const auto& row : rows_) {
    for (std::size_t c = 0; c < n && c < row.size(); ++c)
      w[c] = std::max(w[c], display_width(row[c]));
  }
  if (width > 0 && n > 0) {
    std::size_t used = 0;
    for (std::size_t c = 0; c + 1 < n; ++c) used += w[c] + 2;
    const std::size_t avail = static_cast<std::size_t>(width) > used + 10 ? width - used : 10;
    w[n - 1] = std::min(w[n - 1], avail);
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t c = 0; c < n; ++c) {
      std::string cell = c < cells.size() ? cells[c] : "";
      if (c + 1 == n) cell = one_line(cell, w[c]);
      const std::size_t pad = w[c] > display_width(cell) ? w[c] - display_width(cell) : 0;
      if (columns_[c].align == Align::kRight) out.append(pad, ' ');
      out += cell;
      if (c + 1 < n) {
        if (columns_[c].align == Align::kLeft) out.append(pad, ' ');
        out += "  ";
      }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    os << out << "\n";
  };
  std::vector<std::string> titles;
  for (const auto& col : columns_) titles.push_back(col.title);
  line(titles);
  for (const auto& row : rows_) line(row);
}

}  // namespace tend::cli
