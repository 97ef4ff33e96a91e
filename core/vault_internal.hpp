// What core/vault.cpp and core/backup.cpp share: the staging directories a
// whole vault is built in before one rename puts it in place, and the path
// checks every way of making a vault applies. Not for use outside core/.
#pragma once

#include <string>
#include <vector>

#include "base/status.hpp"
#include "core/fs.hpp"
#include "core/vault.hpp"
#include "crypto/secret.hpp"

namespace tend::vault_internal {

// A directory DIR.<kind>12hexdigits beside `target`, made 0700, and flock'd
// by this process while it builds a vault in it.
struct Staging {
  VaultPaths paths;
  fs::UniqueFd lock;  // an flock on the directory, held while it is built
};
// `kind` is one of ".init-", ".rekey-", ".restore-", ".backup-". The
// directory holds an empty marker file (kStagingMarker) from the start, so
// that a directory the user named like one is never taken for one.
Result<Staging> make_staging(const std::string& target, const char* kind);

// The marker. A directory that is about to take a staging name (the vault
// that an exchange moves aside) is marked first; one that has left it (the
// vault moved into place) is unmarked after.
inline constexpr const char* kStagingMarker = ".tend-staging";
// Whether `path` is still the directory `staging` was made as (after an
// exchange it is the directory that was swapped out).
bool is_staging(const Staging& staging, const std::string& path);
Status mark_staging(const std::string& dir);
void unmark_staging(const std::string& dir);

// The staging directories beside `target` that no running tend holds:
// removed, and named in what is returned, one line each, for the user. Beside
// a vault: DIR.init-, .rekey-, .restore-; beside a backup: OUT.backup-. Never
// `keep` (a backup being restored, whatever its name).
enum class StagingOf { kVault, kBackup };
std::vector<std::string> remove_stale_staging(const std::string& target, StagingOf of,
                                              const std::string& keep = {});

// `path` made absolute with every symbolic link resolved.
Result<std::string> real_path(const std::string& path);
// Where `path` itself lives: its directory's real path and its own name.
Result<std::string> real_location(std::string path);
// kUnsafe unless every directory above `path` is the user's or root's and
// writable by no one else (sticky directories aside).
Status check_directories_above(const std::string& path);

std::string without_trailing_slashes(std::string dir);
crypto::SecretBytes copy_of(const crypto::SecretBytes& s);

}  // namespace tend::vault_internal
