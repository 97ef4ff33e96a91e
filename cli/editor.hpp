// Writing a note in the user's editor without the plaintext reaching a disk.
//
// The file lives in a directory of tend's, mode 0700, on a tmpfs: under
// $XDG_RUNTIME_DIR when that is set, else under /dev/shm; if that is not a
// tmpfs (checked with statfs), tend refuses and says why. The file is created
// 0600 and exclusively; when the editor exits it is overwritten with zeros and
// unlinked, with whatever the editor left beside it (a swap, backup or
// emergency-save file named after it). A signal that ends tend meanwhile
// (SIGTERM, SIGHUP, SIGINT before the editor starts) does the same in a
// handler; a tend killed outright (SIGKILL) leaves its file, which the next
// tend wipes and removes at start (sweep_editor_leftovers).
//
// For vim, nvim, nano and emacs, tend adds the flags that turn off their swap,
// backup, undo and history files (editor_argv); threat-model.md says what remains.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/status.hpp"

namespace tend::cli {

using Getenv = std::function<const char*(const char*)>;

// The directory edits happen in, created if needed; kUnsupported with the
// reason when it is not on a tmpfs.
Result<std::string> editor_dir(const Getenv& getenv);

// The editor's command line: $VISUAL, else $EDITOR, else vi, split into words
// as a shell would (no shell runs), the known editors' no-trace flags, then `file`.
// `known` (when given) is set when the program is one whose trace files tend
// turns off (or a server tend leaves alone on purpose).
Result<std::vector<std::string>> editor_argv(const Getenv& getenv, const std::string& file,
                                             bool* known = nullptr);

// Runs the editor on `initial`. nullopt when the buffer was left unchanged or
// emptied (nothing is to be written). The text comes back with CRLF read as LF
// and trailing line breaks dropped.
// `note` is told when the editor is not one tend knows.
Result<std::optional<std::string>> edit_in_editor(
    const Getenv& getenv, const std::string& initial,
    const std::function<void(const std::string&)>& note = {});

// Wipes and removes what a killed tend left in the edit directory (files of
// processes no longer running). Cheap when there is nothing: one stat.
void sweep_editor_leftovers(const Getenv& getenv);

}  // namespace tend::cli
