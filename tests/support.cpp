#include "tests/support.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "cli/run.hpp"
#include "core/fs.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/merkle.hpp"
#include "crypto/note.hpp"

namespace tend::test {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl =
      std::string(base != nullptr && base[0] != '\0' ? base : "/tmp") + "/tend-test.XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  const std::string cmd = "rm -rf '" + path_ + "'";
  (void)!std::system(cmd.c_str());
}

crypto::SecretBytes secret(const std::string& s) {
  return crypto::SecretBytes::from(crypto::as_bytes(s));
}

CreatedVault make_vault(const std::string& dir, const std::string& passphrase) {
  Result<CreatedVault> v = Vault::create(
      dir, secret(passphrase), crypto::test_only_insecure_kdf_params(), kNow - 86400 * 30);
  if (!v.is_ok()) throw std::runtime_error("make_vault: " + v.status().message());
  return std::move(v).value();
}

namespace {
CliResult run_cli(const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& env, std::int64_t now, cli::Io io) {
  std::ostringstream out, err;
  io.out = &out;
  io.err = &err;
  io.getenv = [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  io.now = [now] { return now; };
  if (!io.read_stdin) {
    io.read_stdin = [](std::size_t) -> Result<std::string> { return std::string(); };
  }
  io.test_only_kdf = crypto::test_only_insecure_kdf_params();
  CliResult r;
  r.code = cli::run(args, io);
  r.out = out.str();
  r.err = err.str();
  return r;
}
}  // namespace

CliResult tend_cli_with_io(const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env, cli::Io io) {
  return run_cli(args, env, kNow, std::move(io));
}

CliResult tend_cli(const std::vector<std::string>& args,
                   const std::map<std::string, std::string>& env, std::int64_t now) {
  return run_cli(args, env, now, cli::Io{});
}

CliResult tend_cli_with_stdin(const std::vector<std::string>& args,
                              const std::map<std::string, std::string>& env,
                              const std::string& stdin_data) {
  cli::Io io;
  io.read_stdin = [stdin_data](std::size_t max) -> Result<std::string> {
    if (stdin_data.size() > max) return invalid_input("standard input is too large");
    return stdin_data;
  };
  return run_cli(args, env, kNow, std::move(io));
}

CliResult tend_cli_with_terminal(const std::vector<std::string>& args,
                                 const std::map<std::string, std::string>& env,
                                 std::vector<std::string> answers,
                                 std::vector<std::string>* prompts) {
  cli::Io io;
  io.has_terminal = true;
  auto queue = std::make_shared<std::vector<std::string>>(std::move(answers));
  io.read_terminal_secret = [queue,
                             prompts](const std::string& prompt) -> Result<crypto::SecretBytes> {
    prompts->push_back(prompt);
    if (queue->empty()) return not_found("no more answers");
    const std::string a = queue->front();
    queue->erase(queue->begin());
    return secret(a);
  };
  io.read_terminal_line = [queue, prompts](const std::string& prompt) -> Result<std::string> {
    prompts->push_back(prompt);
    if (queue->empty()) return io_error("the terminal closed (end of input)");
    const std::string a = queue->front();
    queue->erase(queue->begin());
    return a;
  };
  return run_cli(args, env, kNow, std::move(io));
}

namespace {

// A child's argv and environment as execvpe wants them: `env` over a minimal
// one (PATH, TZ, `base`, and the tests' sanitizer and TMPDIR settings).
struct ChildArgs {
  ChildArgs(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
            std::map<std::string, std::string> base)
      : words(args) {
    base.emplace("PATH", "/usr/local/bin:/usr/bin:/bin");
    base.emplace("TZ", "UTC0");
    for (const char* keep : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "TMPDIR"}) {
      if (const char* v = std::getenv(keep)) base[keep] = v;
    }
    for (const auto& [k, v] : env) base[k] = v;
    for (const auto& [k, v] : base) strings.push_back(k + "=" + v);
    for (std::string& a : words) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (std::string& e : strings) envp.push_back(e.data());
    envp.push_back(nullptr);
  }
  ChildArgs(const ChildArgs&) = delete;
  ChildArgs& operator=(const ChildArgs&) = delete;
  std::vector<std::string> words, strings;
  std::vector<char*> argv, envp;
};

}  // namespace

ProcResult run_process(const std::vector<std::string>& argv,
                       const std::map<std::string, std::string>& env, const std::string& stdin_data,
                       std::optional<int> kill_after_ms) {
  TempDir io_dir;
  const std::string in_path = io_dir / "stdin", out_path = io_dir / "stdout",
                    err_path = io_dir / "stderr";
  write_file(in_path, stdin_data);
  const ChildArgs child(argv, env, {});

  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int in = ::open(in_path.c_str(), O_RDONLY);
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::setsid();  // no controlling terminal: tend must not prompt
    ::execvpe(child.argv[0], child.argv.data(), child.envp.data());
    ::_exit(127);
  }
  if (kill_after_ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(*kill_after_ms));
    ::kill(pid, SIGKILL);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ProcResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  return r;
}

ProcResult run_on_terminal(const std::vector<std::string>& argv,
                           const std::map<std::string, std::string>& env,
                           std::vector<std::string> answers) {
  const ChildArgs child(argv, env, {{"TERM", "dumb"}});

  int master = -1;
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  if (pid < 0) throw std::runtime_error("forkpty failed");
  if (pid == 0) {
    ::execvpe(child.argv[0], child.argv.data(), child.envp.data());
    ::_exit(127);
  }
  ProcResult r;
  std::size_t answered_at = 0;  // output up to here has had its prompt answered
  std::size_t next = 0;
  for (;;) {
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 30000) <= 0) {  // 30 s of silence: it is stuck
      ::kill(pid, SIGKILL);
      break;
    }
    char buf[4096];
    const ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO once the child has closed the terminal
    r.out.append(buf, static_cast<std::size_t>(n));
    const auto prompt = r.out.rfind(": ");
    if (prompt != std::string::npos && prompt + 2 == r.out.size() && prompt >= answered_at &&
        next < answers.size()) {
      const std::string line = answers[next++] + "\n";
      if (::write(master, line.data(), line.size()) != static_cast<ssize_t>(line.size())) break;
      answered_at = r.out.size();
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(master);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  return r;
}

void write_file(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << data;
  if (!f) throw std::runtime_error("cannot write " + path);
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::map<std::string, std::string> fingerprint(const std::string& dir) {
  std::map<std::string, std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    out[name] = crypto::to_hex(crypto::sha256(crypto::as_bytes(read_file(dir + "/" + name))));
  }
  ::closedir(d);
  return out;
}

std::string build_package(const std::string& origin, const std::vector<std::string>& entries,
                          const crypto::KeyPair& key, const std::string& verifier_line) {
  std::string out = "tend-audit-package v1\norigin " + origin + "\nverifier " + verifier_line +
                    "\nentries " + std::to_string(entries.size()) + "\n";
  crypto::MerkleFrontier tree;
  std::vector<std::string> notes;
  for (const std::string& e : entries) {
    out += e + "\n";
    tree.append(crypto::leaf_hash(crypto::as_bytes(e)));
    notes.push_back(crypto::sign_note(crypto::checkpoint_text({origin, tree.size(), tree.root()}),
                                      origin, key.secret_key, key.public_key));
  }
  out += "checkpoints " + std::to_string(notes.size()) + "\n";
  for (const std::string& n : notes) out += crypto::to_base64(crypto::as_bytes(n)) + "\n";
  return out + "end\n";
}

crypto::SecretBytes unwrap_dek(const std::string& dir, const std::string& passphrase) {
  Result<VaultHeader> h = Vault::read_header(dir);
  if (!h.is_ok()) throw std::runtime_error(h.status().message());
  const KeySlot* slot = h->slot(SlotKind::kPassphrase);
  const crypto::SecretBytes key = *crypto::derive_key(secret(passphrase), slot->salt, slot->kdf);
  auto dek =
      crypto::open(key, slot->wrapped,
                   crypto::as_bytes(slot_associated_data(h->vault_id, SlotKind::kPassphrase)));
  if (!dek) throw std::runtime_error("unwrap failed");
  return std::move(*dek);
}

TzGuard::TzGuard(const char* tz) {
  if (const char* old = std::getenv("TZ")) old_ = old;
  setenv("TZ", tz, 1);
  tzset();
}

TzGuard::~TzGuard() {
  if (old_) {
    setenv("TZ", old_->c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
}

}  // namespace tend::test
