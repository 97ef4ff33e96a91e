// Long listings on a terminal go through the user's pager.
#pragma once

#include <functional>
#include <string>

namespace tend::cli {

// Shows `text` through $PAGER (default `less -FRX`: it quits at once when the
// text fits the screen, keeps colour, and leaves the text on the screen); an
// empty PAGER means none. False if no pager ran: the caller prints the text.
bool page(const std::function<const char*(const char*)>& getenv, const std::string& text);

}  // namespace tend::cli
