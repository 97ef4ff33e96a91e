// Which process is which, across a crash: a token naming this process that
// another process can later test for life. Used to tell a publication still in
// progress from one whose process was killed (core/vault.cpp).
#pragma once

#include <string>

namespace tend {

// "<boot id>:<pid>:<start time>" of this process. The boot id and the start time
// (in clock ticks since boot, from /proc) make a reused pid a different token.
std::string process_token();

// Whether the process named by `token` is still running. A token from another
// boot, or whose pid is gone or now names a process started at another time, is not.
bool process_alive(const std::string& token);

}  // namespace tend
