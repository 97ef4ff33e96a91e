// The vault.
//
// Invariants:
//   - Journal data exists in plaintext only in this process's memory; on disk it
//     is inside vault.db, encrypted by SQLCipher under the data key (DEK).
//   - Key bytes (DEK, slot keys, device secret keys, passphrases) live only in
//     crypto::SecretBytes and are wiped when dropped.
//   - Every write to vault.db is one transaction; vault.json is replaced by
//     rename, so a crash leaves the vault as before or as after.
//   - A wrong passphrase and a failed read never change a byte on disk.
//
// States and the functions between them:
//   absent --create()--> unlocked
//   locked (files on disk) --unlock() / unlock_with_recovery_key()--> unlocked
//   unlocked --change_passphrase()--> unlocked (new passphrase slot)
//   unlocked --~Vault()--> locked (DEK wiped, database closed)
#include "core/vault.hpp"
#include "core/vault_internal.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <span>

#include <fmt/format.h>

#include "core/fs.hpp"
#include "core/process.hpp"
#include "core/schema.hpp"
#include "core/text.hpp"
#include "crypto/aead.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/recovery_key.hpp"

namespace tend {
namespace {

using crypto::SecretBytes;

constexpr std::size_t kDekBytes = 32;

SecretBytes recovery_slot_key(const SecretBytes& recovery_key) {
  return crypto::derive_subkey(recovery_key, "tend/v1/recovery-slot");
}

Result<KeySlot> make_passphrase_slot(const std::string& vault_id, const SecretBytes& dek,
                                     const SecretBytes& passphrase, const crypto::KdfParams& kdf) {
  KeySlot slot;
  slot.kind = SlotKind::kPassphrase;
  slot.kdf = kdf;
  slot.salt = crypto::random_bytes(crypto::kSaltBytes);
  Result<SecretBytes> key = crypto::derive_key(passphrase, slot.salt, kdf);
  if (!key.is_ok()) return key.status();
  slot.wrapped =
      crypto::seal(*key, dek.span(), crypto::as_bytes(slot_associated_data(vault_id, slot.kind)));
  return slot;
}

std::string purpose_name(DeviceKey which) {
  return which == DeviceKey::kSigning ? "signing" : "audit";
}

// The files of a pending publication as stored: paths in hex, since they are
// raw bytes (not always UTF-8), with the device and inode each will have.
Json files_json(const std::vector<fs::FileIdentity>& files) {
  Json out = Json::array();
  for (const fs::FileIdentity& f : files) {
    out.push_back({{"path", crypto::to_hex(crypto::as_bytes(f.path))},
                   {"device", f.device},
                   {"inode", f.inode}});
  }
  return out;
}

std::vector<fs::FileIdentity> files_from_json(const std::string& text) {
  std::vector<fs::FileIdentity> out;
  Result<Json> j = parse_json(text, "a pending publication");
  if (!j.is_ok() || !j->is_array()) return out;
  for (const Json& f : *j) {
    auto path = get_string(f, "path");
    auto bytes = path ? crypto::from_hex(*path) : std::nullopt;
    auto device = get_int(f, "device"), inode = get_int(f, "inode");
    if (!bytes || !device || !inode) continue;
    out.push_back({std::string(bytes->begin(), bytes->end()), static_cast<std::uint64_t>(*device),
                   static_cast<std::uint64_t>(*inode)});
  }
  return out;
}

// Removes a staging directory and what a failed create() put in it.
void remove_staging(const VaultPaths& p) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) ::unlink((p.db + suffix).c_str());
  ::unlink(p.header.c_str());
  ::unlink(fs::join(p.dir, vault_internal::kStagingMarker).c_str());
  ::rmdir(p.dir.c_str());
}

Status unsafe(std::string message, std::string hint) {
  return Status::error(ErrorKind::kUnsafe, std::move(message), std::move(hint));
}

}  // namespace

namespace vault_internal {

// ---- Staging directories
//
// init, rekey and restore build a whole vault directory beside the vault,
// named DIR.init-, DIR.rekey- or DIR.restore- and 12 hex digits, and move it
// into place in one rename; backup builds its copy as OUT.backup- beside OUT. The process building
// one holds an flock on it, so that one left by a killed process is known by its name and by
// holding no lock, and is removed at the next run (remove_stale_staging).

// What is built beside a vault; a backup's staging lies beside the backup.
constexpr const char* kVaultStagingKinds[] = {".init-", ".rekey-", ".restore-"};
constexpr const char* kBackupStagingKinds[] = {".backup-"};
constexpr std::size_t kStagingHexDigits = 12;

Result<Staging> make_staging(const std::string& target, const char* kind) {
  Staging st{
      vault_paths(target + kind + crypto::to_hex(crypto::random_bytes(kStagingHexDigits / 2))), {}};
  Status s = fs::make_private_dir(st.paths.dir);
  if (!s.is_ok()) return s;
  st.lock =
      fs::UniqueFd(::open(st.paths.dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!st.lock.valid() || ::flock(st.lock.get(), LOCK_EX | LOCK_NB) != 0) {
    ::rmdir(st.paths.dir.c_str());
    return io_error(fmt::format("cannot lock {}", st.paths.dir));
  }
  s = mark_staging(st.paths.dir);
  if (!s.is_ok()) {
    ::unlink(fs::join(st.paths.dir, kStagingMarker).c_str());
    ::rmdir(st.paths.dir.c_str());
    return s;
  }
  return st;
}

bool is_staging(const Staging& staging, const std::string& path) {
  struct stat held {
  }, named{};
  return ::fstat(staging.lock.get(), &held) == 0 && ::lstat(path.c_str(), &named) == 0 &&
         held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}

Status mark_staging(const std::string& dir) {
  Status s = fs::create_file(fs::join(dir, kStagingMarker), "");
  if (!s.is_ok() && s.kind() != ErrorKind::kExists) return s;
  return fs::fsync_dir(dir);
}

void unmark_staging(const std::string& dir) {
  if (::unlink(fs::join(dir, kStagingMarker).c_str()) == 0) (void)fs::fsync_dir(dir);
}

// The staging directories beside `target` that no running tend holds: removed,
// and named in what is returned (as "DIR.rekey-..., left by an interrupted
// tend rekey").
std::vector<std::string> remove_stale_staging(const std::string& target, StagingOf of,
                                              const std::string& keep) {
  const std::span<const char* const> kinds =
      of == StagingOf::kVault ? std::span<const char* const>(kVaultStagingKinds)
                              : std::span<const char* const>(kBackupStagingKinds);
  std::vector<std::string> removed;
  const std::string parent = fs::parent_of(target);
  const std::string base = target.substr(target.find_last_of('/') + 1);
  DIR* d = ::opendir(parent.c_str());
  if (d == nullptr) return removed;
  std::vector<std::pair<std::string, std::string>> found;  // name, kind
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    for (const char* kind : kinds) {
      const std::string prefix = base + kind;
      if (name.size() != prefix.size() + kStagingHexDigits || !name.starts_with(prefix)) continue;
      if (name.find_first_not_of("0123456789abcdef", prefix.size()) != std::string::npos) continue;
      found.emplace_back(name, std::string(kind + 1, std::strlen(kind) - 2));
    }
  }
  ::closedir(d);
  for (const auto& [name, kind] : found) {
    const std::string path = fs::join(parent, name);
    if (path == keep) continue;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid()) {
      continue;
    }
    struct stat marker {};
    if (::lstat(fs::join(path, kStagingMarker).c_str(), &marker) != 0 || !S_ISREG(marker.st_mode)) {
      continue;  // not made by tend, whatever its name
    }
    const fs::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid() || ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) continue;  // at work
    if (fs::remove_dir_files(path, kStagingMarker).is_ok()) {
      removed.push_back(fmt::format("removed {}, left by an interrupted tend {}", path, kind));
    }
  }
  return removed;
}

std::string without_trailing_slashes(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

SecretBytes copy_of(const SecretBytes& s) {
  SecretBytes out(s.size());
  if (s.size() > 0) std::memcpy(out.data(), s.data(), s.size());
  return out;
}

// `path` made absolute with every symbolic link resolved.
Result<std::string> real_path(const std::string& path) {
  char* real = ::realpath(path.c_str(), nullptr);
  if (real == nullptr) {
    return io_error(fmt::format("cannot resolve {}: {}", quote(path, 120), std::strerror(errno)));
  }
  std::string out(real);
  std::free(real);
  return out;
}

// Where `path` itself lives, with the symbolic links above it resolved but
// not a link at `path`: "<realpath of its directory>/<its name>".
Result<std::string> real_location(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  Result<std::string> real = real_path(dir);
  if (!real.is_ok()) return real.status();
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  return *real == "/" ? "/" + name : *real + "/" + name;
}

// Every directory above `path` (absolute, no symbolic links above it) belongs
// to the user or root and is writable by no one else, unless it is sticky (as
// /tmp is) and what lies in it on the way down is the user's or root's: else
// someone else could put another directory where the vault is.
Status check_directories_above(const std::string& path) {
  const uid_t me = ::geteuid();
  std::string below = path;
  while (below.size() > 1) {
    const std::size_t slash = below.rfind('/');
    const std::string above = slash == 0 ? "/" : below.substr(0, slash);
    struct stat st {};
    if (::lstat(above.c_str(), &st) != 0) {
      return io_error(fmt::format("cannot read {}: {}", quote(above, 120), std::strerror(errno)));
    }
    if (st.st_uid != 0 && st.st_uid != me) {
      return unsafe(
          fmt::format("{} belongs to another user (uid {}): whoever owns a directory above "
                      "the vault can put another vault in its place",
                      quote(above, 120), st.st_uid),
          "keep the vault under your own home directory");
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
      struct stat child {};
      const bool sticky_and_ours = (st.st_mode & S_ISVTX) != 0 &&
                                   ::lstat(below.c_str(), &child) == 0 &&
                                   (child.st_uid == me || child.st_uid == 0);
      if (!sticky_and_ours) {
        return unsafe(fmt::format("{} is writable by other users (mode {:04o}): they could put "
                                  "another vault where this one is",
                                  quote(above, 120), st.st_mode & 07777),
                      fmt::format("chmod go-w {}, or keep the vault elsewhere", quote(above, 120)));
      }
    }
    below = above;
  }
  return Status::ok();
}

}  // namespace vault_internal

using namespace vault_internal;

VaultPaths vault_paths(const std::string& dir) {
  return {dir, fs::join(dir, "vault.json"), fs::join(dir, "vault.db")};
}

Result<std::string> default_vault_dir(const std::function<const char*(const char*)>& getenv) {
  const char* xdg = getenv("XDG_DATA_HOME");
  if (xdg != nullptr && xdg[0] == '/') return fs::join(xdg, "tend");
  const char* home = getenv("HOME");
  if (home != nullptr && home[0] == '/') return fs::join(fs::join(home, ".local/share"), "tend");
  return usage_error("cannot find a place for the vault: neither XDG_DATA_HOME nor HOME is set",
                     "pass --vault DIR or set TEND_VAULT");
}

Result<CreatedVault> Vault::create(const std::string& dir, const SecretBytes& passphrase,
                                   const crypto::KdfParams& kdf, std::int64_t now) {
  Status s = check_can_create(dir);
  if (!s.is_ok()) return s;
  if (Status why = crypto::check_kdf_params(kdf); !why.is_ok()) return usage_error(why.message());
  // The vault is built in a staging directory beside `dir` and renamed into
  // place at the end, so an interrupted init leaves no half-made vault at `dir`.
  const std::string target = without_trailing_slashes(dir);
  if (fs::is_symlink(target)) {
    return Status::error(
        ErrorKind::kExists,
        fmt::format("{} is a symbolic link; tend makes the vault directory itself", dir),
        "give the directory it points to: --vault \"$(readlink -f DIR)\"");
  }
  if (fs::exists(target) && !fs::is_directory(target)) {
    return Status::error(ErrorKind::kExists, fmt::format("{} exists and is not a directory", dir));
  }
  s = fs::make_parent_dirs(target);
  if (!s.is_ok()) return s;
  // The same rules as every open: else the recovery key would be shown for a
  // vault that the next command refuses, or that someone else could swap.
  Result<std::string> location = real_location(target);
  if (!location.is_ok()) return location.status();
  s = check_directories_above(*location);
  if (s.is_ok()) s = check_access(target);  // an empty directory already there
  if (!s.is_ok()) return s;
  (void)remove_stale_staging(target, StagingOf::kVault);
  Result<Staging> staging = make_staging(target, ".init-");
  if (!staging.is_ok()) return staging.status();
  const VaultPaths paths = staging->paths;

  VaultHeader h;
  h.vault_id = crypto::to_hex(crypto::random_bytes(kVaultIdBytes));
  h.created = now;
  SecretBytes dek(kDekBytes);
  crypto::random_bytes(std::span<std::uint8_t>(dek.data(), dek.size()));

  Result<KeySlot> slot = make_passphrase_slot(h.vault_id, dek, passphrase, kdf);
  if (!slot.is_ok()) {
    remove_staging(paths);
    return slot.status();
  }
  h.slots.push_back(std::move(slot).value());
  SecretBytes recovery_key = crypto::generate_recovery_key();
  KeySlot recovery;
  recovery.kind = SlotKind::kRecovery;
  recovery.wrapped =
      crypto::seal(recovery_slot_key(recovery_key), dek.span(),
                   crypto::as_bytes(slot_associated_data(h.vault_id, SlotKind::kRecovery)));
  h.slots.push_back(std::move(recovery));

  crypto::KeyPair signing = crypto::generate_keypair();
  crypto::KeyPair audit = crypto::generate_keypair();
  h.signing_key = signing.public_key;
  h.audit_key = audit.public_key;

  auto fail = [&](Status st) {
    remove_staging(paths);
    return st;
  };

  s = fs::create_file(paths.db, "");
  if (!s.is_ok()) return fail(s);
  {
    Result<Db> db = Db::open(paths.db, dek, h.cipher, Db::Mode::kCreate);
    if (!db.is_ok()) return fail(db.status());
    // auto_vacuum must precede the first table; FULL keeps no free pages, so
    // deleted content leaves the file and every page stays in a b-tree.
    s = db->exec("PRAGMA auto_vacuum = FULL; PRAGMA journal_mode = WAL;");
    if (s.is_ok()) s = migrate(*db);
    if (!s.is_ok()) return fail(s);
    Result<Transaction> tx = Transaction::begin(*db);
    if (!tx.is_ok()) return fail(tx.status());
    for (auto* kp : {&signing, &audit}) {
      Result<Statement> st =
          db->prepare("INSERT INTO device_key (purpose, secret_key) VALUES (?, ?);");
      if (!st.is_ok()) return fail(st.status());
      st->bind(1, purpose_name(kp == &signing ? DeviceKey::kSigning : DeviceKey::kAudit))
          .bind_blob(2, kp->secret_key.span());
      s = st->run();
      if (!s.is_ok()) return fail(s);
    }
    Result<crypto::KeyPair> audit_key = crypto::keypair_from_secret(audit.secret_key.span());
    if (!audit_key.is_ok()) return fail(audit_key.status());
    AuditLog log(*db, audit_origin(h.vault_id), std::move(audit_key).value());
    Result<std::int64_t> seq =
        log.record(kind::kVaultCreated, {{"format_version", h.version}}, now);
    if (!seq.is_ok()) return fail(seq.status());
    s = tx->commit();
    if (!s.is_ok()) return fail(s);
  }

  h.mac = compute_header_mac(h, dek);
  s = fs::create_file(paths.header, serialize_header(h));
  if (s.is_ok()) s = fs::fsync_dir(paths.dir);
  if (s.is_ok())
    s = fs::rename_dir(paths.dir, target);  // replaces an empty `dir`, never a full one
  if (!s.is_ok()) return fail(s);
  unmark_staging(target);
  s = check_access(target);
  if (!s.is_ok()) return s;

  Result<Vault> v = finish_unlock(target, std::move(h), std::move(dek));
  if (!v.is_ok()) return v.status();
  return CreatedVault{std::move(v).value(), std::move(recovery_key)};
}

Status Vault::check_can_create(const std::string& dir) {
  const VaultPaths paths = vault_paths(dir);
  if (fs::exists(paths.header) || fs::exists(paths.db)) {
    return Status::error(ErrorKind::kExists, fmt::format("a vault already exists at {}", dir),
                         "tend init never touches an existing vault");
  }
  return Status::ok();
}

std::vector<std::string> Vault::exposure_warnings(const std::string& dir) {
  const VaultPaths p = vault_paths(dir);
  std::vector<std::string> out;
  for (const std::string& path : {p.dir, p.header, p.db, p.db + "-wal", p.db + "-shm"}) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || (st.st_mode & 077) == 0) continue;
    const bool is_dir = S_ISDIR(st.st_mode);
    out.push_back(fmt::format(
        "{} is open to other users (mode {:04o}); tend keeps it {}: chmod {} {}", quote(path, 120),
        st.st_mode & 07777, is_dir ? "0700" : "0600", is_dir ? "700" : "600", quote(path, 120)));
  }
  return out;
}

Status Vault::check_access(const std::string& given) {
  const uid_t me = ::geteuid();
  std::string dir = given;  // "v/" would follow a link at v
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  struct stat link {};
  if (::lstat(dir.c_str(), &link) != 0) {
    if (errno == ENOENT) return Status::ok();  // no vault: said by the caller
    return io_error(fmt::format("cannot read {}: {}", quote(dir, 120), std::strerror(errno)));
  }
  // A vault path may be a symbolic link, if the link and the directories that
  // hold it are the user's: whoever can change the link chooses the vault.
  Result<std::string> location = real_location(dir);
  if (!location.is_ok()) return location.status();
  if (S_ISLNK(link.st_mode)) {
    if (link.st_uid != me && link.st_uid != 0) {
      return unsafe(fmt::format("{} is a symbolic link that belongs to another user (uid {}): "
                                "they choose which vault it leads to",
                                quote(dir, 120), link.st_uid),
                    "give the vault's own directory: --vault \"$(readlink -f DIR)\"");
    }
    if (Status s = check_directories_above(*location); !s.is_ok()) return s;
  }
  Result<std::string> real = real_path(dir);
  if (!real.is_ok()) return real.status();
  if (Status s = check_directories_above(*real); !s.is_ok()) return s;

  const VaultPaths p = vault_paths(*real);
  for (const std::string& path : {p.dir, p.header, p.db, p.db + "-wal", p.db + "-shm"}) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) continue;  // missing: said elsewhere
      return io_error(fmt::format("cannot read {}: {}", quote(path, 120), std::strerror(errno)));
    }
    const bool is_dir = path == p.dir;
    if (is_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
      return unsafe(fmt::format("{} is not a plain {} (a symbolic link?): a vault is one directory "
                                "with its files in it",
                                quote(path, 120), is_dir ? "directory" : "file"),
                    "put the file itself there");
    }
    if (st.st_uid != me) {
      return unsafe(
          fmt::format("{} belongs to another user (uid {}): tend opens only its own user's vault",
                      quote(path, 120), st.st_uid),
          is_dir && S_ISLNK(link.st_mode)
              ? fmt::format("{} is a symbolic link to it: readlink -f {}", quote(dir, 120),
                            quote(dir, 120))
              : "a vault is one user's; make your own with tend init");
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
      return unsafe(fmt::format("{} is writable by other users (mode {:04o}): they could replace "
                                "or roll back the vault, so tend will not open it",
                                quote(path, 120), st.st_mode & 07777),
                    fmt::format("chmod {} {}", is_dir ? "700" : "600", quote(path, 120)));
    }
  }
  return Status::ok();
}

Result<VaultHeader> Vault::read_header(const std::string& dir) {
  const VaultPaths paths = vault_paths(dir);
  if (Status s = check_access(dir); !s.is_ok()) return s;
  if (!fs::exists(paths.header)) {
    if (!fs::exists(dir)) {
      return not_found(fmt::format("no vault at {}", dir), "create one with: tend init");
    }
    if (fs::exists(paths.db)) return corrupt(fmt::format("{} is missing", paths.header));
    return not_found(fmt::format("no vault at {} (no vault.json)", dir),
                     "create one with: tend init");
  }
  Result<std::string> bytes = fs::read_file(paths.header, kMaxHeaderBytes);
  if (!bytes.is_ok()) {
    if (bytes.status().kind() == ErrorKind::kInvalidInput) {
      return corrupt("vault.json is damaged: larger than 64 KiB");
    }
    return bytes.status();
  }
  return parse_header(*bytes);
}

Result<Vault> Vault::unlock(const std::string& dir, const SecretBytes& passphrase) {
  Result<VaultHeader> header = read_header(dir);
  if (!header.is_ok()) return header.status();
  const KeySlot* slot = header->slot(SlotKind::kPassphrase);
  Result<SecretBytes> key = crypto::derive_key(passphrase, slot->salt, slot->kdf);
  if (!key.is_ok()) return key.status();
  std::optional<SecretBytes> dek = crypto::open(
      *key, slot->wrapped, crypto::as_bytes(slot_associated_data(header->vault_id, slot->kind)));
  if (!dek) {
    return Status::error(ErrorKind::kWrongPassphrase, "cannot open vault: wrong passphrase",
                         "forgot it? tend recover --recovery-key-file FILE");
  }
  return finish_unlock(dir, std::move(header).value(), std::move(*dek));
}

Result<Vault> Vault::unlock_with_data_key(const std::string& dir, SecretBytes dek) {
  Result<VaultHeader> header = read_header(dir);
  if (!header.is_ok()) return header.status();
  if (dek.size() != 32 || !crypto::digest_equal(compute_header_mac(*header, dek), header->mac)) {
    return Status::error(ErrorKind::kWrongPassphrase,
                         "cannot open vault: the agent's key is not this vault's");
  }
  return finish_unlock(dir, std::move(header).value(), std::move(dek));
}

Result<Vault> Vault::unlock_with_recovery_key(const std::string& dir,
                                              const SecretBytes& recovery_key) {
  Result<VaultHeader> header = read_header(dir);
  if (!header.is_ok()) return header.status();
  const KeySlot* slot = header->slot(SlotKind::kRecovery);
  if (slot == nullptr) return not_found("this vault has no recovery key slot");
  std::optional<SecretBytes> dek =
      crypto::open(recovery_slot_key(recovery_key), slot->wrapped,
                   crypto::as_bytes(slot_associated_data(header->vault_id, slot->kind)));
  if (!dek) {
    return Status::error(ErrorKind::kWrongPassphrase,
                         "cannot open vault: the recovery key does not unlock this vault");
  }
  return finish_unlock(dir, std::move(header).value(), std::move(*dek));
}

Result<Vault> Vault::finish_unlock(const std::string& dir, VaultHeader header, SecretBytes dek) {
  // The data key is authentic (the slot's tag proved it), so from here on any
  // mismatch is damage or tampering, never a wrong passphrase.
  if (!crypto::digest_equal(compute_header_mac(header, dek), header.mac)) {
    return corrupt("vault.json was modified: its MAC does not match",
                   "restore vault.json from a backup");
  }
  Vault v;
  v.paths_ = vault_paths(dir);
  if (!fs::exists(v.paths_.db)) return corrupt(fmt::format("{} is missing", v.paths_.db));
  Result<Db> db = Db::open(v.paths_.db, dek, header.cipher, Db::Mode::kOpenExisting);
  if (!db.is_ok()) return db.status();
  v.db_ = std::move(db).value();

  // Only what the command needs is read: SQLCipher authenticates every page it
  // reads, so a damaged page is an error (kCorrupt) on the command that reads
  // it, and `tend check` reads them all (vault_check).
  Status s = migrate(v.db_);
  if (!s.is_ok()) return s;
  v.header_ = std::move(header);
  v.dek_ = std::move(dek);

  for (DeviceKey which : {DeviceKey::kSigning, DeviceKey::kAudit}) {
    Result<crypto::KeyPair> kp = v.device_key(which);
    if (!kp.is_ok()) return kp.status();
    const auto& expected =
        which == DeviceKey::kSigning ? v.header_.signing_key : v.header_.audit_key;
    if (kp->public_key != expected) {
      return corrupt("the device keys in vault.json do not match the vault database");
    }
  }
  return v;
}

Result<Vault::PassphraseChange> Vault::change_passphrase(const SecretBytes& new_passphrase,
                                                         std::string_view audit_kind,
                                                         std::int64_t now) {
  VaultHeader next = header_;
  KeySlot* slot = next.slot(SlotKind::kPassphrase);
  Result<KeySlot> made = make_passphrase_slot(next.vault_id, dek_, new_passphrase, slot->kdf);
  if (!made.is_ok()) return made.status();
  *slot = std::move(made).value();
  next.mac = compute_header_mac(next, dek_);
  const std::string bytes = serialize_header(next);

  Result<AuditLog> log = audit();
  if (!log.is_ok()) return log.status();
  Result<Transaction> tx = Transaction::begin(db_);
  if (!tx.is_ok()) return tx.status();
  Result<std::int64_t> seq = log->record(audit_kind, Json::object(), now);
  if (!seq.is_ok()) return seq.status();
  Status s = add_pending({*seq, Publication::kHeader, {}, bytes});
  if (s.is_ok()) s = tx->commit();
  if (!s.is_ok()) return s;  // nothing logged, nothing changed
  // Logged: the change happens now, or at the next unlock if this process dies.
  Result<bool> published = publish_latest_header();
  if (!published.is_ok()) {
    return published.status().with_context(fmt::format(
        "the change is logged (audit entry {}) but vault.json could not be replaced yet; the next "
        "tend command that unlocks the vault completes it",
        *seq));
  }
  return PassphraseChange{*seq, serialize_header(header_) == bytes};
}

Result<std::int64_t> Vault::rekey(const SecretBytes& passphrase, const SecretBytes& recovery_key,
                                  bool new_recovery_key, const std::function<void()>& before_swap,
                                  std::int64_t now) {
  const KeySlot* recovery = header_.slot(SlotKind::kRecovery);
  if (recovery == nullptr) return not_found("this vault has no recovery key slot");
  if (!new_recovery_key) {
    std::optional<SecretBytes> dek =
        crypto::open(recovery_slot_key(recovery_key), recovery->wrapped,
                     crypto::as_bytes(slot_associated_data(header_.vault_id, recovery->kind)));
    if (!dek) {
      return Status::error(ErrorKind::kWrongPassphrase,
                           "the recovery key does not unlock this vault",
                           "give the one tend init showed, or make a new one with "
                           "--new-recovery-key");
    }
  }
  // The directory itself, not a symbolic link to it: the exchange below would
  // move the link and leave the old vault where it points.
  Result<std::string> target = real_path(without_trailing_slashes(paths_.dir));
  if (!target.is_ok()) return target.status();

  // The vault as it is stays write-locked, on a connection of its own, until
  // the new one is in its place: nothing written meanwhile can be lost.
  Result<Db> held = Db::open(paths_.db, dek_, header_.cipher, Db::Mode::kOpenExisting);
  if (!held.is_ok()) return held.status();
  std::optional<Transaction> hold;
  {
    Result<Transaction> tx = Transaction::begin(*held);
    if (!tx.is_ok()) return tx.status();
    hold.emplace(std::move(tx).value());
  }
  // Under the lock, the header in force must still be the one unlocked, and
  // the passphrase given must open it: else a passphrase change made
  // meanwhile (or finished just now) would be undone by the new slot.
  {
    Result<VaultHeader> on_disk = read_header(paths_.dir);
    if (!on_disk.is_ok()) return on_disk.status();
    const KeySlot* current = on_disk->slot(SlotKind::kPassphrase);
    Result<SecretBytes> key = crypto::derive_key(passphrase, current->salt, current->kdf);
    if (!key.is_ok()) return key.status();
    std::optional<SecretBytes> opened =
        crypto::open(*key, current->wrapped,
                     crypto::as_bytes(slot_associated_data(on_disk->vault_id, current->kind)));
    if (serialize_header(*on_disk) != serialize_header(header_) || !opened ||
        crypto::as_text(*opened) != crypto::as_text(dek_)) {
      return Status::error(ErrorKind::kWrongPassphrase,
                           "the passphrase changed while tend rekey waited (another tend passwd, "
                           "or one an interrupted tend left and this one finished)",
                           "run tend rekey again with the passphrase in force now");
    }
  }

  Result<Staging> staging = make_staging(*target, ".rekey-");
  if (!staging.is_ok()) return staging.status();
  const VaultPaths next_paths = staging->paths;
  auto fail = [&](Status st) {
    (void)fs::remove_dir_files(next_paths.dir, kStagingMarker);
    return st;
  };
  // After an exchange that could not be undone, the staging name holds the
  // old vault: it is left for the next unlock to judge, never removed here.
  auto fail_unless_swapped = [&](Status st) {
    return is_staging(*staging, next_paths.dir) ? fail(st) : st;
  };

  SecretBytes dek(kDekBytes);
  crypto::random_bytes(std::span<std::uint8_t>(dek.data(), dek.size()));
  Status s = fs::create_file(next_paths.db, "");
  if (s.is_ok()) s = db_.export_to(next_paths.db, dek, header_.cipher);
  if (!s.is_ok()) return fail(s);

  // The header: the same vault, device keys and KDF cost; both slots wrap the
  // new key.
  VaultHeader next = header_;
  KeySlot* slot = next.slot(SlotKind::kPassphrase);
  Result<KeySlot> made = make_passphrase_slot(next.vault_id, dek, passphrase, slot->kdf);
  if (!made.is_ok()) return fail(made.status());
  *slot = std::move(made).value();
  next.slot(SlotKind::kRecovery)->wrapped =
      crypto::seal(recovery_slot_key(recovery_key), dek.span(),
                   crypto::as_bytes(slot_associated_data(next.vault_id, SlotKind::kRecovery)));
  next.mac = compute_header_mac(next, dek);

  std::int64_t seq = 0;
  {
    Result<Db> db = Db::open(next_paths.db, dek, next.cipher, Db::Mode::kOpenExisting);
    if (!db.is_ok()) return fail(db.status());
    s = db->exec("PRAGMA journal_mode = WAL;");
    if (!s.is_ok()) return fail(s);
    Result<crypto::KeyPair> audit_key = device_key(DeviceKey::kAudit);
    if (!audit_key.is_ok()) return fail(audit_key.status());
    AuditLog log(*db, audit_origin(next.vault_id), std::move(audit_key).value());
    Result<Transaction> tx = Transaction::begin(*db);
    if (!tx.is_ok()) return fail(tx.status());
    // A logged passphrase change not yet in vault.json is superseded: its
    // header wraps the old key. The passphrase in force is the one just used.
    s = db->exec("DELETE FROM pending_output WHERE what = 'header';");
    if (!s.is_ok()) return fail(s);
    Result<std::int64_t> logged =
        log.record(kind::kKeyRotated, {{"recovery_key", new_recovery_key ? "new" : "kept"}}, now);
    if (!logged.is_ok()) return fail(logged.status());
    seq = *logged;
    s = tx->commit();
    if (!s.is_ok()) return fail(s);
  }  // closed: its write-ahead log is folded into vault.db
  s = fs::create_file(next_paths.header, serialize_header(next));
  if (s.is_ok()) s = fs::fsync_dir(next_paths.dir);
  if (!s.is_ok()) return fail(s);
  {
    // The copy opens, schema and device keys and all, before it takes the
    // vault's place.
    Result<Vault> check = finish_unlock(next_paths.dir, next, copy_of(dek));
    if (!check.is_ok()) return fail(check.status());
  }

  before_swap();
  // Marked while the lock is held: an unlock meanwhile cannot unmark it
  // (finish_interrupted). Once swapped, the old handles leave the new vault's
  // -wal and -shm alone when they close (Db::close).
  s = mark_staging(*target);  // it is about to take the staging name
  if (s.is_ok()) s = fs::exchange_dirs(next_paths.dir, *target);
  if (!s.is_ok()) {
    unmark_staging(*target);
    return fail_unless_swapped(s);
  }
  unmark_staging(*target);             // the new vault, in place
  (void)mark_staging(next_paths.dir);  // the old one, now under the staging name

  // The old vault is now at the staging name: let go of it and remove it.
  hold.reset();
  held = Db();
  db_ = Db();
  (void)fs::remove_dir_files(next_paths.dir, kStagingMarker);
  staging->lock = fs::UniqueFd();

  Result<Vault> v = finish_unlock(paths_.dir, std::move(next), std::move(dek));
  if (!v.is_ok()) return v.status();
  *this = std::move(v).value();
  return seq;
}

Result<bool> Vault::publish_latest_header() {
  Result<Transaction> tx = Transaction::begin(db_);
  if (!tx.is_ok()) return tx.status();
  Result<Statement> st = db_.prepare(
      "SELECT audit_seq, header FROM pending_output WHERE what = 'header'"
      " ORDER BY audit_seq DESC LIMIT 1;");
  if (!st.is_ok()) return st.status();
  Result<bool> row = st->step();
  if (!row.is_ok()) return row.status();
  bool replaced = false;
  if (*row) {
    const std::int64_t seq = st->int64(0);
    const std::vector<std::uint8_t> blob = st->blob(1);
    const std::string bytes(blob.begin(), blob.end());
    Result<VaultHeader> next = parse_header(bytes);
    if (!next.is_ok() || !crypto::digest_equal(compute_header_mac(*next, dek_), next->mac)) {
      return corrupt(
          fmt::format("the header of the passphrase change at audit entry {} is damaged", seq));
    }
    Result<std::string> current = fs::read_file(paths_.header, kMaxHeaderBytes);
    if (!current.is_ok() || *current != bytes) {
      Status s = fs::replace_file(paths_.header, bytes);
      if (!s.is_ok()) return s;
      replaced = true;
    }
    st = Statement();
    Result<Statement> del =
        db_.prepare("DELETE FROM pending_output WHERE what = 'header' AND audit_seq <= ?;");
    if (!del.is_ok()) return del.status();
    del->bind(1, seq);
    Status s = del->run();
    if (!s.is_ok()) return s;
  }
  st = Statement();
  // What is in force now, whoever put it there.
  Result<VaultHeader> on_disk = read_header(paths_.dir);
  if (!on_disk.is_ok()) return on_disk.status();
  if (!crypto::digest_equal(compute_header_mac(*on_disk, dek_), on_disk->mac)) {
    return corrupt("vault.json was modified: its MAC does not match");
  }
  Status s = tx->commit();
  if (!s.is_ok()) return s;
  header_ = std::move(on_disk).value();
  return replaced;
}

Status Vault::add_pending(const PendingOutput& p) {
  static constexpr const char* kWhat[] = {"", "export", "receipt", "header"};
  Result<Statement> st = db_.prepare(
      "INSERT INTO pending_output (audit_seq, what, paths, header, owner) VALUES (?, ?, ?, ?, ?);");
  if (!st.is_ok()) return st.status();
  st->bind(1, p.audit_seq)
      .bind(2, kWhat[static_cast<int>(p.what)])
      .bind(3, canonical_json(files_json(p.files)))
      .bind(5, process_token());
  if (p.what == Publication::kHeader) st->bind_blob(4, crypto::as_bytes(p.header));
  return st->run();
}

Status Vault::remove_pending(std::int64_t audit_seq) {
  Result<Statement> st = db_.prepare("DELETE FROM pending_output WHERE audit_seq = ?;");
  if (!st.is_ok()) return st.status();
  st->bind(1, audit_seq);
  return st->run();  // one statement: its own transaction
}

Result<std::vector<std::string>> Vault::finish_interrupted() {
  fs::remove_stale_replacements(paths_.dir, "vault.json");
  // A marker left by a tend killed as it put this vault in place. Only under
  // the write lock, and only if this is still the vault at this path: a rekey
  // or restore holds that lock from marking the vault until the exchange.
  if (fs::exists(fs::join(paths_.dir, kStagingMarker))) {
    Result<Transaction> tx = Transaction::begin(db_);
    if (tx.is_ok()) unmark_staging(paths_.dir);
  }
  Result<std::string> real = real_path(without_trailing_slashes(paths_.dir));
  std::vector<std::string> notes = remove_stale_staging(
      real.is_ok() ? *real : without_trailing_slashes(paths_.dir), StagingOf::kVault);
  std::vector<std::int64_t> done;
  bool header_dead = false;
  {
    Result<Statement> st = db_.prepare(
        "SELECT audit_seq, what, paths, header, owner FROM pending_output"
        " ORDER BY audit_seq;");
    if (!st.is_ok()) return st.status();
    for (;;) {
      Result<bool> row = st->step();
      if (!row.is_ok()) return row.status();
      if (!*row) break;
      if (process_alive(st->text(4))) continue;  // still at work
      const std::int64_t seq = st->int64(0);
      const std::string what = st->text(1);
      if (what == "header") {
        header_dead = true;  // published below, with whatever newer header the log holds
        continue;
      }
      {
        std::vector<std::string> missing;
        for (const fs::FileIdentity& f : files_from_json(st->text(2))) {
          if (!fs::names_file(f)) missing.push_back(f.path);
        }
        if (!missing.empty()) {
          notes.push_back(fmt::format(
              "the {} logged at audit entry {} was interrupted before {} was written; {}",
              what == "export" ? "export" : "consent receipt", seq, quote(missing.front(), 120),
              what == "export" ? "nothing was sent, and it still counts as one of its grant's "
                                 "exports"
                               : "issue it again with tend grant receipt"));
        }
      }
      done.push_back(seq);
    }
  }
  for (std::int64_t seq : done) {
    Status s = remove_pending(seq);
    if (!s.is_ok()) return s;
  }
  if (header_dead) {
    Result<bool> replaced = publish_latest_header();
    if (!replaced.is_ok()) {
      return replaced.status().with_context("cannot complete an interrupted passphrase change");
    }
    if (*replaced) {
      notes.push_back(
          "completed a passphrase change that was interrupted after it was logged: the "
          "passphrase set then is the one in force now");
    }
  }
  return notes;
}

Result<AuditLog> Vault::audit() {
  Result<crypto::KeyPair> key = device_key(DeviceKey::kAudit);
  if (!key.is_ok()) return key.status();
  return AuditLog(db_, audit_origin(header_.vault_id), std::move(key).value());
}

Result<crypto::KeyPair> Vault::device_key(DeviceKey which) {
  Result<Statement> st = db_.prepare("SELECT secret_key FROM device_key WHERE purpose = ?;");
  if (!st.is_ok()) return st.status();
  st->bind(1, purpose_name(which));
  Result<bool> row = st->step();
  if (!row.is_ok()) return row.status();
  if (!*row) return corrupt(fmt::format("the vault has no {} key", purpose_name(which)));
  const SecretBytes secret = st->secret_blob(0);
  return crypto::keypair_from_secret(secret.span());
}

}  // namespace tend
