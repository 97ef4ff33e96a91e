// tend-docgen: writes the man page and the shell completions, generated from
// the command table, at build time. Not installed.
//
//   tend-docgen VERSION DOCS_CLI_MD OUTDIR
//
// writes OUTDIR/tend.1, OUTDIR/tend.bash (bash-completion's "tend") and
// OUTDIR/_tend (zsh).
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "cli/help.hpp"

namespace {

bool write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) std::cerr << "tend-docgen: cannot write " << path << "\n";
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: tend-docgen VERSION DOCS_CLI_MD OUTDIR\n";
    return 64;
  }
  const std::string version = argv[1], outdir = argv[3];
  std::ifstream in(argv[2], std::ios::binary);
  std::ostringstream md;
  md << in.rdbuf();
  if (!in || md.str().empty()) {
    std::cerr << "tend-docgen: cannot read " << argv[2] << "\n";
    return 66;
  }
  try {
    const bool ok = write(outdir + "/tend.1", tend::cli::man_page(version, md.str())) &&
                    write(outdir + "/tend.bash", tend::cli::bash_completion()) &&
                    write(outdir + "/_tend", tend::cli::zsh_completion());
    return ok ? 0 : 74;
  } catch (const std::exception& e) {
    std::cerr << "tend-docgen: " << e.what() << "\n";
    return 70;
  }
}
