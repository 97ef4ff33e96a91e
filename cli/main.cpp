// The tend executable: harden the process, then hand over to run().
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <iostream>

#include "cli/editor.hpp"
#include "cli/pager.hpp"
#include "cli/passphrase.hpp"
#include "cli/run.hpp"
#include "core/text.hpp"

int main(int argc, char** argv) {
  // First: no core dumps (they would hold keys and journal text), no ptrace by
  // other processes of this user, and private file modes for anything created.
  const rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  umask(077);
  tzset();

  tend::cli::Io io;
  io.out = &std::cout;
  io.err = &std::cerr;
  io.getenv = [](const char* name) -> const char* { return std::getenv(name); };
  io.now = [] { return static_cast<std::int64_t>(std::time(nullptr)); };
  io.read_terminal_secret = tend::cli::read_terminal_secret;
  io.read_terminal_line = tend::cli::read_terminal_line;
  io.edit_text = [&io](const std::string& initial) {
    return tend::cli::edit_in_editor(io.getenv, initial, [&io](const std::string& note) {
      *io.err << "tend: note: " << tend::display(note) << "\n";
    });
  };
  io.editor_ready = [&io] { return tend::cli::editor_dir(io.getenv).status(); };
  io.page = [&io](const std::string& text) { return tend::cli::page(io.getenv, text); };
  // What a tend killed while a note was in its editor left behind.
  tend::cli::sweep_editor_leftovers(io.getenv);
  io.read_stdin = [](std::size_t max_bytes) -> tend::Result<std::string> {
    std::string in;
    char buf[65536];
    while (std::cin.read(buf, sizeof buf) || std::cin.gcount() > 0) {
      in.append(buf, static_cast<std::size_t>(std::cin.gcount()));
      if (in.size() > max_bytes) return tend::invalid_input("standard input is too large");
    }
    if (std::cin.bad()) return tend::io_error("cannot read standard input");
    return in;
  };
  io.has_terminal = isatty(STDIN_FILENO) != 0 || isatty(STDERR_FILENO) != 0;
  io.err_is_terminal = isatty(STDERR_FILENO) != 0;
  if (isatty(STDOUT_FILENO)) {
    winsize ws{};
    io.columns = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 100;
  }
  const std::vector<std::string> args(argv + 1, argv + argc);
  const int code = tend::cli::run(args, io);
  std::cout.flush();
  return code;
}
