// Names of persisted enums: each enum has one table, the only place its names
// are spelled. Names are what the vault, the audit log and JSON hold; the
// enums are what code compares.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace tend {

template <typename Enum, std::size_t N>
struct NameTable {
  std::array<std::pair<Enum, std::string_view>, N> entries;

  constexpr std::string_view name(Enum value) const {
    for (const auto& [e, n] : entries) {
      if (e == value) return n;
    }
    return {};
  }
  constexpr std::optional<Enum> parse(std::string_view text) const {
    for (const auto& [e, n] : entries) {
      if (n == text) return e;
    }
    return std::nullopt;
  }
  // "a, b or c", for hints.
  std::string list() const {
    std::string out;
    for (std::size_t i = 0; i < N; ++i) {
      out += i == 0 ? "" : (i + 1 == N ? " or " : ", ");
      out += entries[i].second;
    }
    return out;
  }
};

}  // namespace tend
