// Notes written in the user's editor: on a tmpfs only, 0600 in a 0700
// directory, wiped and removed when the editor exits, when tend is ended by a
// signal, and at the next start after a kill; no plaintext left on a disk.
#include <catch2/catch.hpp>

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <fmt/format.h>

#include "cli/editor.hpp"
#include "core/json.hpp"
#include "tests/support.hpp"

using namespace tend;

namespace {

const std::string kTend = TEND_BINARY;
constexpr const char* kSecret = "MARKER-EDIT plaintext written in the editor";
// How the fake editors write it: split, so that their own script files do not hold it.
constexpr const char* kWriteSecret =
    "printf '%s%s\\n' MARK 'ER-EDIT plaintext written in the editor'";

cli::Getenv env_of(std::map<std::string, std::string> env) {
  return [env = std::move(env)](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// A directory on /dev/shm (a tmpfs) standing in for $XDG_RUNTIME_DIR.
struct ShmDir {
  std::string path;
  ShmDir() {
    char templ[] = "/dev/shm/tend-test-XXXXXX";
    REQUIRE(::mkdtemp(templ) != nullptr);
    path = templ;
  }
  ~ShmDir() { (void)std::system(("rm -rf " + shell_quote(path)).c_str()); }
};

struct EditFixture {
  test::TempDir dir;
  ShmDir shm;
  std::string vault;
  std::map<std::string, std::string> env;
  EditFixture() : vault(dir / "vault") {
    test::make_vault(vault);
    env = {{"TEND_VAULT", vault},
           {"TEND_PASSPHRASE", test::kPassphrase},
           {"HOME", dir.path()},
           {"XDG_RUNTIME_DIR", shm.path}};
  }
  // A fake editor: a shell script given as $EDITOR.
  std::string editor(const std::string& name, const std::string& body) {
    const std::string path = dir / name;
    test::write_file(path, "#!/bin/sh\nfor last; do :; done\nf=\"$last\"\n" + body);
    ::chmod(path.c_str(), 0700);
    return path;
  }
  // tend on a terminal (script(1) gives it one), as a user would run it.
  test::ProcResult on_terminal(const std::vector<std::string>& args) {
    std::string line = shell_quote(kTend);
    for (const std::string& a : args) line += " " + shell_quote(a);
    return test::run_process({"script", "-qec", line, "/dev/null"}, env);
  }
  test::ProcResult tend(std::vector<std::string> args) {
    args.insert(args.begin(), kTend);
    return test::run_process(args, env);
  }
  std::string edit_dir() const { return shm.path + "/tend-edit"; }
  std::size_t files_in_edit_dir() const { return test::fingerprint(edit_dir()).size(); }
};

// Whether `needle` is in any file below `dir`.
bool found_in(const std::string& dir, const std::string& needle) {
  for (const auto& [name, hash] : test::fingerprint(dir)) {
    if (test::read_file(dir + "/" + name).find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("editor flags turn off swap, backup and history files of known editors",
          "[cli][editor]") {
  const auto argv = [](const char* editor) {
    Result<std::vector<std::string>> a =
        cli::editor_argv(env_of({{"EDITOR", editor}, {"PATH", "/nonexistent"}}), "/x/note.txt");
    REQUIRE(a.is_ok());
    std::string joined;
    for (const std::string& w : *a) joined += (joined.empty() ? "" : " ") + w;
    return joined;
  };
  CHECK(argv("vim") ==
        "vim -n -i NONE -c set nobackup nowritebackup noundofile viminfo= /x/note.txt");
  CHECK(argv("/usr/bin/vi") ==
        "/usr/bin/vi -n -i NONE -c set nobackup nowritebackup noundofile viminfo= /x/note.txt");
  CHECK(argv("nvim") ==
        "nvim -n -i NONE -c set nobackup nowritebackup noundofile shada= /x/note.txt");
  CHECK(argv("nano") == "nano --ignorercfiles /x/note.txt");
  CHECK(argv("emacs -nw") ==
        "emacs -nw --eval (setq make-backup-files nil auto-save-default nil create-lockfiles nil) "
        "/x/note.txt");
  CHECK(argv("emacsclient -t") ==
        "emacsclient -t /x/note.txt");  // a server's buffers: see threat-model.md
  CHECK(argv("'my editor' --wait") == "my editor --wait /x/note.txt");
  // $VISUAL comes first; without either, vi.
  Result<std::vector<std::string>> visual =
      cli::editor_argv(env_of({{"VISUAL", "nano"}, {"EDITOR", "vim"}}), "/f");
  CHECK(visual->front() == "nano");
  CHECK(cli::editor_argv(env_of({}), "/f")->front() == "vi");
  CHECK_FALSE(cli::editor_argv(env_of({{"EDITOR", "vim $(rm -rf x)"}}), "/f").is_ok());
}

TEST_CASE("the editor's file is 0600 in a 0700 directory on a tmpfs, then gone",
          "[process][editor]") {
  EditFixture f;
  const std::string log = f.dir / "editor.log";
  f.env["EDITOR"] = f.editor(
      "fake-editor",
      fmt::format("{{ echo \"path=$f\"; stat -c 'mode=%a' \"$f\"; stat -c 'dirmode=%a' \"$(dirname "
                  "\"$f\")\"; "
                  "stat -f -c 'fs=%T' \"$f\"; echo \"pass=$(env | grep -c '^TEND_PASSPHRASE')\"; "
                  "}} > {}\n{{ {}; echo 'second line'; }} > \"$f\"\n",
                  shell_quote(log), kWriteSecret));
  test::ProcResult r = f.on_terminal({"mood", "add", "6", "--edit"});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  const std::string seen = test::read_file(log);
  CHECK_THAT(seen, Catch::Contains("path=" + f.edit_dir() + "/note-"));
  CHECK_THAT(seen, Catch::Contains("mode=600\n"));
  CHECK_THAT(seen, Catch::Contains("dirmode=700\n"));
  CHECK_THAT(seen, Catch::Contains("fs=tmpfs\n"));
  CHECK_THAT(seen, Catch::Contains("pass=0\n"));  // the passphrase is tend's, not the editor's
  const std::string path = seen.substr(5, seen.find('\n') - 5);
  CHECK(::access(path.c_str(), F_OK) != 0);  // gone
  CHECK(f.files_in_edit_dir() == 0);         // and nothing beside it

  test::ProcResult show = f.tend({"mood", "show", "1", "--json"});
  REQUIRE(show.code == 0);
  CHECK((*parse_json(show.out, "entry"))["note"] == std::string(kSecret) + "\nsecond line");
  // No plaintext on a disk: not in the vault's files, the home directory, or the tmpfs.
  CHECK_FALSE(found_in(f.dir.path(), "MARKER-EDIT"));
  CHECK_FALSE(found_in(f.shm.path, "MARKER-EDIT"));

  // edit --edit-note starts from the current note; an unchanged buffer writes nothing.
  const auto before = test::fingerprint(f.vault);
  f.env["EDITOR"] = "true";
  test::ProcResult same = f.on_terminal({"mood", "edit", "1", "--edit-note"});
  CHECK(same.code == 65);
  CHECK_THAT(same.out, Catch::Contains("left unchanged or emptied"));
  f.env["EDITOR"] = f.editor("emptying-editor", ": > \"$f\"\n");
  CHECK(f.on_terminal({"mood", "add", "3", "--edit"}).code == 65);
  CHECK(test::fingerprint(f.vault) == before);
  CHECK(f.files_in_edit_dir() == 0);
}

TEST_CASE("without a tmpfs tend refuses to edit, before asking for the passphrase",
          "[process][editor]") {
  EditFixture f;
  // A directory on a disk: under $TMPDIR, or else under the working directory.
  std::string disk;
  char cwd[4096];
  for (const std::string& parent : {f.dir.path(), std::string(::getcwd(cwd, sizeof cwd))}) {
    struct statfs fs {};
    if (::statfs(parent.c_str(), &fs) == 0 && fs.f_type != TMPFS_MAGIC) {
      disk = parent + fmt::format("/runtime-{}", ::getpid());
      break;
    }
  }
  REQUIRE_FALSE(disk.empty());
  ::mkdir(disk.c_str(), 0700);
  f.env["XDG_RUNTIME_DIR"] = disk;
  f.env["EDITOR"] = "true";
  f.env["TEND_PASSPHRASE"] = "not the passphrase";
  const auto before = test::fingerprint(f.vault);
  test::ProcResult r = f.on_terminal({"mood", "add", "6", "--edit"});
  (void)std::system(("rm -rf " + shell_quote(disk + "/tend-edit")).c_str());
  CHECK(r.code == 65);
  CHECK_THAT(r.out, Catch::Contains("is not a tmpfs: the note would reach a disk"));
  CHECK(test::fingerprint(f.vault) == before);
  CHECK(test::fingerprint(disk).empty());
  ::rmdir(disk.c_str());
  // And without a terminal at all, --edit is a usage error.
  CHECK(f.tend({"mood", "add", "6", "--edit"}).code == 64);
}

TEST_CASE("a runtime directory others could write is refused", "[process][editor]") {
  EditFixture f;
  const std::string open = f.shm.path + "/open";
  ::mkdir(open.c_str(), 0700);
  ::chmod(open.c_str(), 0777);  // anyone could swap tend's directory in it
  f.env["XDG_RUNTIME_DIR"] = open;
  f.env["EDITOR"] = "true";
  test::ProcResult r = f.on_terminal({"mood", "add", "6", "--edit"});
  CHECK(r.code == 65);
  CHECK_THAT(r.out, Catch::Contains("is not a private directory of yours"));
  CHECK(test::fingerprint(open).empty());
}

TEST_CASE("a signal to tend while the editor runs wipes the file", "[process][editor]") {
  EditFixture f;
  const std::string log = f.dir / "editor.log";
  // The editor writes the note, then tend is told to end (as a logout would),
  // and the editor looks whether its file is still there.
  f.env["EDITOR"] = f.editor(
      "signalling-editor",
      fmt::format("{} > \"$f\"\neditor=$$\n"
                  // A watcher outside the editor looks afterwards.
                  "( trap '' HUP; sleep 1; "
                  "if [ -e \"$f\" ]; then echo present; else echo gone; fi; "
                  "if kill -0 $editor 2>/dev/null; then echo running; else echo stopped; fi "
                  ") > {} 2>&1 &\n"
                  "kill -TERM $PPID\nsleep 3\n{} >> \"$f\"\n",
                  kWriteSecret, shell_quote(log), kWriteSecret));
  f.on_terminal({"mood", "add", "6", "--edit"});
  for (int i = 0; i < 50 && test::fingerprint(f.dir.path()).count("editor.log") == 0; ++i) {
    ::usleep(100 * 1000);
  }
  for (int i = 0; i < 50 && test::read_file(log).size() < 10; ++i) ::usleep(100 * 1000);
  // The file is gone, and the editor was stopped before it could write it again.
  CHECK(test::read_file(log) == "gone\nstopped\n");
  ::usleep(2500 * 1000);
  CHECK(f.files_in_edit_dir() == 0);
  // Nothing was written (a process killed leaves SQLite's -wal and -shm, not an entry).
  test::ProcResult list = f.tend({"mood", "list", "--json"});
  REQUIRE(list.code == 0);
  CHECK((*parse_json(list.out, "list"))["count"] == 0);
  CHECK_FALSE(found_in(f.shm.path, "MARKER-EDIT"));
}

TEST_CASE("what a killed tend left in the edit directory is wiped at the next start",
          "[process][editor]") {
  EditFixture f;
  ::mkdir(f.edit_dir().c_str(), 0700);
  // pid 2^22 + 1 is above Linux's pid_max: no such process runs.
  const std::string dead = f.edit_dir() + "/note-4194305-00aa.txt";
  const std::string swap = f.edit_dir() + "/.note-4194305-00aa.txt.swp";
  const std::string alive = f.edit_dir() + fmt::format("/note-{}-00bb.txt", ::getpid());
  for (const std::string& p : {dead, swap, alive}) test::write_file(p, kSecret);
  REQUIRE(f.tend({"status"}).code == 0);
  CHECK(::access(dead.c_str(), F_OK) != 0);
  CHECK(::access(swap.c_str(), F_OK) != 0);
  CHECK(::access(alive.c_str(), F_OK) == 0);  // a running process's file is its own
}
