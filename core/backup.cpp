// tend backup and tend restore (docs/cli.md, "Backup and restore").
//
// Invariants:
//   - A backup is one moment of the vault: it is copied while the vault is
//     write-locked, and `backup.created` commits after the copy has its name.
//   - A backup is never written by restore: it is copied, and the copy opened.
//   - A restored vault's log is the backup's log, then (with a package) the
//     package's later entries byte for byte, then `vault.restored`: a checkpoint
//     the package's vault signed still verifies against it.
//   - The vault is replaced in one rename (RENAME_EXCHANGE): killed at any
//     point, it is the old vault or the restored one.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "core/audit_package.hpp"
#include "core/canonical.hpp"
#include "core/consent.hpp"
#include "core/text.hpp"
#include "core/vault.hpp"
#include "core/vault_internal.hpp"
#include "crypto/hash.hpp"

namespace tend {

using namespace vault_internal;
using crypto::SecretBytes;

namespace {

bool is_empty_dir(const std::string& path) {
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return false;
  bool empty = true;
  while (const dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
      empty = false;
      break;
    }
  }
  ::closedir(d);
  return empty;
}

// The rows of the journal: mood entries, app sessions, check-ins.
Result<std::int64_t> journal_rows(Db& db) {
  Result<Statement> st = db.prepare(
      "SELECT (SELECT count(*) FROM mood) + (SELECT count(*) FROM app_session) +"
      " (SELECT count(*) FROM checkin);");
  if (!st.is_ok()) return st.status();
  Result<bool> row = st->step();
  if (!row.is_ok()) return row.status();
  return *row ? st->int64(0) : 0;
}

Status package_refused(std::string message, std::string hint = {}) {
  return Status::error(ErrorKind::kInvalidInput, std::move(message),
                       hint.empty() ? "give a package that tend audit export made from this vault "
                                      "after the backup was taken"
                                    : std::move(hint));
}

// The absolute path `path` will have once its missing directories are made.
Result<std::string> planned_location(const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_relative()) {
    char* cwd = ::getcwd(nullptr, 0);
    if (cwd == nullptr) return io_error("cannot read the current directory");
    p = std::filesystem::path(cwd) / p;
    std::free(cwd);
  }
  std::filesystem::path existing = p, rest;
  while (!fs::exists(existing.string()) && existing.has_relative_path()) {
    rest = rest.empty() ? existing.filename() : existing.filename() / rest;
    existing = existing.parent_path();
  }
  Result<std::string> real = real_path(existing.string());
  if (!real.is_ok()) return real.status();
  std::string out = (std::filesystem::path(*real) / rest).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

}  // namespace

Result<Vault::BackupMade> Vault::backup(const std::string& out_given, std::int64_t now) {
  if (out_given.empty()) return usage_error("the backup directory name is empty");
  const std::string out = without_trailing_slashes(out_given);
  if (fs::is_symlink(out)) {
    return Status::error(
        ErrorKind::kExists,
        fmt::format("{} is a symbolic link; tend backup makes the directory itself",
                    quote(out, 120)));
  }
  if (fs::exists(out) && (!fs::is_directory(out) || !is_empty_dir(out))) {
    return Status::error(ErrorKind::kExists,
                         fmt::format("{} exists and is not empty", quote(out, 120)),
                         "tend backup makes a new directory: give one that does not exist yet");
  }
  // Where OUT will be, resolved before any directory is made: the deepest
  // part of it that exists with every link followed, then the rest read as
  // written (directories tend makes hold no links), `..` included.
  Result<std::string> vault_dir = real_path(without_trailing_slashes(paths_.dir));
  if (!vault_dir.is_ok()) return vault_dir.status();
  Result<std::string> location = planned_location(out);
  if (!location.is_ok()) return location.status();
  if (*location == *vault_dir || location->starts_with(*vault_dir + "/")) {
    return usage_error("a backup cannot go inside the vault directory",
                       "keep it on another disk, or at least in another directory");
  }
  Status s = fs::make_parent_dirs(*location);
  if (!s.is_ok()) return s;
  (void)remove_stale_staging(*location, StagingOf::kBackup);

  // The vault stays write-locked, on a connection of its own, until the copy
  // has its name and backup.created is committed: the copy is one moment of it.
  Result<Db> held = Db::open(paths_.db, dek_, header_.cipher, Db::Mode::kOpenExisting);
  if (!held.is_ok()) return held.status();
  Result<Transaction> hold = Transaction::begin(*held);
  if (!hold.is_ok()) return hold.status();
  if (!db_.still_named()) {
    return io_error("the vault was replaced (by tend rekey or restore) while tend backup waited",
                    "run tend backup again");
  }
  // The header in force (a passphrase changed meanwhile is the one copied).
  Result<VaultHeader> header = read_header(paths_.dir);
  if (!header.is_ok()) return header.status();
  if (!crypto::digest_equal(compute_header_mac(*header, dek_), header->mac)) {
    return io_error("the vault's key changed while tend backup waited (tend rekey or restore)",
                    "run tend backup again");
  }

  Result<Staging> staging = make_staging(*location, ".backup-");
  if (!staging.is_ok()) return staging.status();
  const VaultPaths copy = staging->paths;
  auto fail = [&](Status st) {
    (void)fs::remove_dir_files(copy.dir, kStagingMarker);
    return st;
  };
  s = fs::create_file(copy.db, "");
  if (s.is_ok()) s = db_.export_to(copy.db, dek_, header->cipher);
  if (!s.is_ok()) return fail(s);

  BackupMade made;
  made.dir = out;
  {
    Result<Db> db = Db::open(copy.db, dek_, header->cipher, Db::Mode::kOpenExisting);
    if (!db.is_ok()) return fail(db.status());
    s = db->exec("PRAGMA journal_mode = WAL;");
    // Files in flight belong to the tend writing them, beside this vault; a
    // passphrase change in flight stays, so the copy finishes it when opened.
    if (s.is_ok()) s = db->exec("DELETE FROM pending_output WHERE what <> 'header';");
    if (!s.is_ok()) return fail(s);
    Result<Statement> size = db->prepare("SELECT size FROM audit_state WHERE id = 1;");
    if (!size.is_ok()) return fail(size.status());
    Result<bool> row = size->step();
    if (!row.is_ok()) return fail(row.status());
    if (!*row) return fail(corrupt("the audit log state is missing"));
    made.log_size = size->int64(0);
  }  // closed: its write-ahead log is folded into vault.db
  s = fs::create_file(copy.header, serialize_header(*header));
  if (s.is_ok()) s = fs::fsync_dir(copy.dir);
  if (!s.is_ok()) return fail(s);
  {
    // The copy opens, schema and device keys and all, before it gets its name.
    Result<Vault> check = finish_unlock(copy.dir, *header, copy_of(dek_));
    if (!check.is_ok()) return fail(check.status());
  }
  struct stat st {};
  if (::stat(copy.db.c_str(), &st) == 0) made.bytes = static_cast<std::uint64_t>(st.st_size);

  Result<crypto::KeyPair> audit_key = device_key(DeviceKey::kAudit);
  if (!audit_key.is_ok()) return fail(audit_key.status());
  AuditLog log(*held, audit_origin(header_.vault_id), std::move(audit_key).value());
  Result<std::int64_t> seq = log.record(kind::kBackupCreated, {{"log_size", made.log_size}}, now);
  if (!seq.is_ok()) return fail(seq.status());
  made.audit_seq = *seq;
  s = fs::rename_dir(copy.dir, *location);
  if (!s.is_ok()) {
    if (s.kind() == ErrorKind::kExists) {
      s = Status::error(ErrorKind::kExists,
                        fmt::format("{} appeared while tend backup ran", quote(out, 120)),
                        "give tend backup a directory that does not exist yet");
    }
    return fail(s);
  }
  unmark_staging(*location);
  s = hold->commit();
  if (!s.is_ok()) {
    return s.with_context(fmt::format(
        "the backup in {} is whole, but backup.created was not logged", quote(out, 120)));
  }
  return made;
}

Result<Vault::Restored> Vault::restore(const std::string& dir, const RestoreSource& request,
                                       const SecretBytes& passphrase,
                                       const std::function<void(const std::string&)>& before_swap,
                                       std::int64_t now) {
  if (!request.package && !request.accept_rollback) {
    return usage_error("restore needs --audit-package PKG, or --accept-rollback");
  }
  const std::string from = without_trailing_slashes(request.from);
  Result<VaultHeader> backup = read_header(from);
  if (!backup.is_ok()) return backup.status().with_context("cannot read the backup");
  const VaultPaths from_paths = vault_paths(from);
  if (struct stat st{}; ::stat((from_paths.db + "-wal").c_str(), &st) == 0 && st.st_size > 0) {
    return invalid_input(
        fmt::format("the backup in {} is open in a tend, or one was killed in it (vault.db-wal)",
                    quote(from, 120)),
        fmt::format("let it finish, or fold the write-ahead log in: tend --vault {} check",
                    quote(from, 120)));
  }

  const std::string target = without_trailing_slashes(dir);
  const VaultPaths target_paths = vault_paths(target);
  const bool live = fs::exists(target_paths.header) || fs::exists(target_paths.db);
  if (live) {
    Result<VaultHeader> current = read_header(target);
    if (!current.is_ok() && current.status().kind() == ErrorKind::kUnsafe) return current.status();
    // A vault.json too damaged to read is a reason to restore, not to refuse.
    if (current.is_ok() && current->vault_id != backup->vault_id) {
      return usage_error(
          fmt::format("{} is a backup of vault {}, and {} holds vault {}", quote(from, 120),
                      backup->vault_id, quote(target, 120), current->vault_id),
          "restore it somewhere new with --vault NEWDIR, or move the vault away first");
    }
  } else if (fs::exists(target) && (!fs::is_directory(target) || !is_empty_dir(target))) {
    return Status::error(ErrorKind::kExists,
                         fmt::format("{} exists and holds no vault", quote(target, 120)),
                         "restore into a new directory with --vault NEWDIR");
  }
  if (!live) {
    Status s = fs::make_parent_dirs(target);
    if (!s.is_ok()) return s;
  }
  Result<std::string> place = live ? real_path(target) : real_location(target);
  if (!place.is_ok()) return place.status();
  Status s = check_directories_above(*place);
  if (!s.is_ok()) return s;
  Result<std::string> from_real = real_path(from);
  if (!from_real.is_ok()) return from_real.status();
  if (*from_real == *place) return usage_error("the backup to restore is the vault itself");

  // The vault being replaced, when it opens: write-locked until the swap, so
  // nothing logged meanwhile is lost, and its log is the one a package must
  // be (an older package would bring back consent ended since). A vault too
  // damaged to open leaves the package alone to say what its log was.
  std::optional<Vault> current;
  std::optional<Db> held;
  std::optional<Transaction> hold;
  std::optional<AuditHead> current_head;
  if (live) {
    Result<Vault> opened = unlock(target, passphrase);
    if (opened.is_ok()) {
      current.emplace(std::move(opened).value());
      if (current->header_.audit_key != backup->audit_key ||
          current->header_.signing_key != backup->signing_key) {
        return usage_error("the backup's device keys are not the vault's");
      }
      Result<Db> db = Db::open(current->paths_.db, current->dek_, current->header_.cipher,
                               Db::Mode::kOpenExisting);
      if (!db.is_ok()) return db.status();
      held.emplace(std::move(db).value());
      Result<Transaction> tx = Transaction::begin(*held);
      if (!tx.is_ok()) return tx.status();
      hold.emplace(std::move(tx).value());
      Result<AuditLog> log = current->audit();
      if (!log.is_ok()) return log.status();
      Result<AuditHead> head = log->head();
      if (!head.is_ok()) return head.status();
      current_head = *head;
    } else if (opened.status().kind() == ErrorKind::kWrongPassphrase) {
      return Status::error(
          ErrorKind::kWrongPassphrase, "the passphrase does not open the vault to be replaced",
          "restore takes one passphrase for the backup and the vault: if they differ, give the "
          "vault the backup's (tend passwd), or move the vault away and restore in its place");
    } else if (opened.status().kind() != ErrorKind::kCorrupt) {
      return opened.status();
    }
  }
  (void)remove_stale_staging(*place, StagingOf::kVault, *from_real);

  Result<Staging> staging = make_staging(*place, ".restore-");
  if (!staging.is_ok()) return staging.status();
  const VaultPaths next = staging->paths;
  auto fail = [&](Status st) {
    (void)fs::remove_dir_files(next.dir, kStagingMarker);
    return st;
  };
  s = fs::copy_file(from_paths.header, next.header);
  if (s.is_ok()) s = fs::copy_file(from_paths.db, next.db);
  if (!s.is_ok()) return fail(s);

  Restored out;
  out.replaced = live;
  bool key_changed = false;  // since the backup: passwd, recover or rekey
  {
    Result<Vault> v = unlock(next.dir, passphrase);
    if (!v.is_ok()) return fail(v.status().with_context("cannot open the backup"));
    if (current && serialize_header(current->header_) != serialize_header(v->header())) {
      // Only passwd, recover and rekey change vault.json.
      key_changed = true;
    }
    Result<AuditLog> log = v->audit();
    if (!log.is_ok()) return fail(log.status());
    Result<AuditHead> head = log->head();
    if (!head.is_ok()) return fail(head.status());
    out.backup_log_size = static_cast<std::int64_t>(head->size);

    Result<Transaction> tx = Transaction::begin(v->db());
    if (!tx.is_ok()) return fail(tx.status());
    std::optional<std::string> trusted;  // the package's latest checkpoint
    if (request.package) {
      VerifyOptions options;
      options.key = log->verifier_key();
      Result<VerifyReport> report = verify_package(*request.package, options);
      if (!report.is_ok()) return fail(report.status().with_context("the audit package"));
      if (!report->ok) {
        return fail(package_refused(fmt::format(
            "the audit package does not verify as this vault's: {}{}",
            report->bad_seq ? fmt::format("entry {}: ", *report->bad_seq) : "", report->failure)));
      }
      Result<AuditPackage> package = parse_package(*request.package);
      if (!package.is_ok()) return fail(package.status());
      const auto size = static_cast<std::int64_t>(package->entries.size());
      if (size < out.backup_log_size) {
        return fail(package_refused(
            fmt::format("the audit package holds {} entries, the backup {}: the package is "
                        "older than the backup",
                        size, out.backup_log_size)));
      }
      Result<std::vector<AuditEntry>> ours = log->entries(std::nullopt);
      if (!ours.is_ok()) return fail(ours.status());
      for (std::size_t i = 0; i < ours->size(); ++i) {
        if ((*ours)[i].bytes != package->entries[i]) {
          return fail(package_refused(
              fmt::format("the audit package and the backup differ at entry {}: they are not "
                          "one history",
                          i)));
        }
      }
      if (current_head &&
          (report->size != current_head->size || report->root != current_head->root)) {
        return fail(package_refused(
            fmt::format("the audit package holds {} entries, the vault's log {}: it is not the "
                        "vault's log as it is now",
                        report->size, current_head->size),
            "take one now (tend audit export -o PKG) and restore straight after"));
      }
      for (auto i = static_cast<std::size_t>(out.backup_log_size); i < package->entries.size();
           ++i) {
        const std::string k = scan_entry(package->entries[i]).kind;
        key_changed = key_changed || k == kind::kPassphraseChanged || k == kind::kRecovered ||
                      k == kind::kKeyRotated;
        Result<std::int64_t> seq = log->reappend(package->entries[i]);
        if (!seq.is_ok()) return fail(seq.status().with_context("the audit package"));
      }
      out.reappended = size - out.backup_log_size;
      out.continued = true;
      Result<std::vector<std::string>> revoked = rederive_consent(v->db(), *log, now);
      if (!revoked.is_ok()) return fail(revoked.status());
      out.grants_revoked = std::move(revoked).value();
      if (!package->checkpoints.empty()) trusted = package->checkpoints.back();
    }
    if (key_changed) {
      out.notes.push_back(
          "the passphrase or the data key changed after this backup was made: the restored "
          "vault opens with the backup's passphrase and key; run tend passwd or tend rekey "
          "again if the old ones may be known");
    }
    Result<std::int64_t> rows = journal_rows(v->db());
    if (!rows.is_ok()) return fail(rows.status());
    out.journal_rows = *rows;
    Result<std::int64_t> seq = log->record(kind::kVaultRestored,
                                           {{"backup_log_size", out.backup_log_size},
                                            {"reappended", out.reappended},
                                            {"journal_rows", out.journal_rows},
                                            {"log", request.package ? "continued" : "rolled_back"}},
                                           now);
    if (!seq.is_ok()) return fail(seq.status());
    out.audit_seq = *seq;
    s = tx->commit();
    if (!s.is_ok()) return fail(s);

    // What an auditor holding the package's checkpoint will check.
    Result<std::string> restored = log->package();
    if (!restored.is_ok()) return fail(restored.status());
    VerifyOptions options;
    options.key = log->verifier_key();
    options.trusted_checkpoint = trusted;
    Result<VerifyReport> report = verify_package(*restored, options);
    if (!report.is_ok()) return fail(report.status());
    if (!report->ok) {
      return fail(corrupt("the restored log does not verify: " + report->failure));
    }
  }  // closed: its write-ahead log is folded into vault.db
  s = fs::fsync_dir(next.dir);
  if (!s.is_ok()) return fail(s);

  before_swap(backup->vault_id);
  if (live) {
    // Marked while the lock is held (finish_interrupted cannot unmark it
    // meanwhile). Once swapped, the old handles leave the restored vault's
    // -wal and -shm alone when they close (Db::close).
    s = mark_staging(*place);  // it is about to take the staging name
    if (s.is_ok()) s = fs::exchange_dirs(next.dir, *place);
    if (!s.is_ok()) {
      unmark_staging(*place);
      // An exchange that could not be undone left the old vault at the
      // staging name: it is never removed here.
      return is_staging(*staging, next.dir) ? fail(s) : s;
    }
    unmark_staging(*place);        // the restored vault, in place
    (void)mark_staging(next.dir);  // the old one, now under the staging name
    // The old vault is now at the staging name: let go of it and remove it.
    hold.reset();
    held.reset();
    current.reset();
    (void)fs::remove_dir_files(next.dir, kStagingMarker);
  } else {
    s = fs::rename_dir(next.dir, *place);
    if (!s.is_ok()) return fail(s);
    unmark_staging(*place);
  }
  return out;
}

}  // namespace tend
