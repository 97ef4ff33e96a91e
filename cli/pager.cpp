#include "cli/pager.hpp"

#include "cli/child.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace tend::cli {

bool page(const std::function<const char*(const char*)>& getenv, const std::string& text) {
  const char* pager = getenv("PAGER");
  const std::string command = pager != nullptr ? pager : "less -FRX";
  std::vector<std::string> argv;
  if (split_command(command, &argv) != 0 || argv.empty() || argv.front().empty()) return false;

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[0], STDIN_FILENO);
  std::vector<char*> args = c_strings(argv);
  // No passphrase for the pager, and no history file: a search in less is
  // journal words, and ~/.lesshst is on a disk.
  std::vector<std::string> env = child_environment();
  env.emplace_back("LESSHISTFILE=-");
  std::vector<char*> envp = c_strings(env);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[0]);
  if (rc != 0) {
    ::close(fds[1]);
    return false;
  }
  // The reader may quit before the end (q in less): that is not an error. Ctrl-C
  // is the pager's (as git does), so tend does not leave it stranded.
  struct sigaction ignore {};
  struct sigaction old {};
  struct sigaction old_int {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &old);
  ::sigaction(SIGINT, &ignore, &old_int);
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fds[1], text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fds[1]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ::sigaction(SIGPIPE, &old, nullptr);
  ::sigaction(SIGINT, &old_int, nullptr);
  return true;
}

}  // namespace tend::cli
