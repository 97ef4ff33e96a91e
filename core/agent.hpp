// The unlock agent (tend unlock), as ssh-agent is for keys: a small process of
// the user's that holds one vault's data key in guarded (locked) memory until
// its deadline, `tend lock`, SIGTERM, or the vault's passphrase changing, and
// hands the key to processes of the same user that ask for that vault.
//
// It listens on a UNIX socket, agent-<vault id>.sock, in $XDG_RUNTIME_DIR/tend/
// (or tend-<uid>/ under the temp directory), a directory of mode 0700 that tend
// checks is its own; the socket is 0600, and the agent also checks each peer's
// uid (SO_PEERCRED). It cannot be traced or dumped (PR_SET_DUMPABLE 0,
// RLIMIT_CORE 0) and writes the key nowhere.
//
// Protocol, one request per connection, lines of ASCII:
//   "KEY <vault id>\n"  -> "OK <until>\n" and the 32-byte key, or "NO\n"
//   "STATUS\n"          -> "OK <until> <pid>\n"
//   "LOCK\n"            -> "OK\n", and the agent ends
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "base/status.hpp"
#include "core/secret.hpp"
#include "core/vault.hpp"

namespace tend {

// The longest an agent may hold a key, and the default.
inline constexpr std::int64_t kAgentMaxSeconds = 12 * 3600;
inline constexpr std::int64_t kAgentDefaultSeconds = 15 * 60;

// Where agents listen. From the environment's XDG_RUNTIME_DIR and TMPDIR
// (either may be null).
struct AgentPlace {
  std::string dir;  // 0700, the user's own
  // The socket of the agent for `vault_id`.
  std::string socket(const std::string& vault_id) const;
};
AgentPlace agent_place(const char* xdg_runtime_dir, const char* tmpdir);

// Makes `place.dir` if missing (0700), or checks that it is a directory (not a
// link) owned by this user with no access for others. kIo when it is not.
Status prepare_agent_dir(const AgentPlace& place);

// What a running agent said.
struct AgentInfo {
  std::int64_t until = 0;
  pid_t pid = 0;
};

// The key of `vault_id` from its agent, if one answers (and is this user's);
// nullopt when there is none, its socket is stale, or it said no.
std::optional<crypto::SecretBytes> agent_key(const AgentPlace& place, const std::string& vault_id);
// Whether an agent serves `vault_id`, and until when.
std::optional<AgentInfo> agent_info(const AgentPlace& place, const std::string& vault_id);
// Asks the agent of `vault_id` to end.
enum class AgentLock {
  kNone = 0,      // no agent listens
  kEnded = 1,     // it wiped the key and ended
  kNoAnswer = 2,  // something listens but did not say it ended
};
AgentLock agent_lock(const AgentPlace& place, const std::string& vault_id);

// Starts an agent for the unlocked `vault` that holds its key for `seconds`
// (counted on the monotonic clock, so setting the clock back does not extend
// it; `now` only dates the deadline shown): a child process that outlives this
// one. The socket is bound before this returns, so the next command finds it.
// kExists if an agent already answers for the vault.
Result<AgentInfo> start_agent(const AgentPlace& place, const Vault& vault, std::int64_t now,
                              std::int64_t seconds);

}  // namespace tend
