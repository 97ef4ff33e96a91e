#include "core/audit_package.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include <fmt/format.h>

#include "core/audit.hpp"
#include "core/canonical.hpp"
#include "core/consent_replay.hpp"
#include "core/fs.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"

namespace tend {
namespace {

Status unparsable(const std::string& why) {
  return invalid_input(fmt::format("not a tend audit package: {}", why));
}

// Reads lines one at a time from a view, refusing a missing final newline.
class Lines {
 public:
  explicit Lines(std::string_view s) : rest_(s) {}
  bool next(std::string_view* line) {
    const auto nl = rest_.find('\n');
    if (nl == std::string_view::npos) return false;
    *line = rest_.substr(0, nl);
    rest_.remove_prefix(nl + 1);
    ++number_;
    return true;
  }
  bool done() const { return rest_.empty(); }
  std::size_t number() const { return number_; }

 private:
  std::string_view rest_;
  std::size_t number_ = 0;
};

bool field(Lines& lines, std::string_view name, std::string_view* value) {
  std::string_view line;
  if (!lines.next(&line) || line.substr(0, name.size() + 1) != std::string(name) + " ")
    return false;
  *value = line.substr(name.size() + 1);
  return true;
}

std::optional<std::uint64_t> count(std::string_view text, std::uint64_t max) {
  std::uint64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size() || text.empty() ||
      (text.size() > 1 && text[0] == '0') || n > max) {
    return std::nullopt;
  }
  return n;
}

VerifyReport failed(VerifyReport r, std::string why,
                    std::optional<std::int64_t> seq = std::nullopt) {
  r.ok = false;
  r.failure = std::move(why);
  r.bad_seq = seq;
  return r;
}

}  // namespace

Result<AuditPackage> parse_package(std::string_view bytes) {
  Lines lines(bytes);
  std::string_view line;
  if (!lines.next(&line) || line != "tend-audit-package v1") {
    if (line.rfind("tend-audit-package ", 0) == 0) {
      return Status::error(
          ErrorKind::kUnsupported,
          fmt::format("unsupported audit package version {}", quote(line.substr(19))));
    }
    return unparsable("the first line is not 'tend-audit-package v1'");
  }
  AuditPackage p;
  std::string_view origin, verifier, n_text, m_text;
  if (!field(lines, "origin", &origin) || origin.empty()) return unparsable("missing origin line");
  if (!field(lines, "verifier", &verifier)) return unparsable("missing verifier line");
  if (!crypto::parse_verifier_key(verifier)) {
    return unparsable("its verifier line is not a verifier key (NAME+HEXID+BASE64)");
  }
  if (!field(lines, "entries", &n_text)) return unparsable("missing entries line");
  auto n = count(n_text, kMaxPackageEntries);
  if (!n)
    return unparsable(
        fmt::format("entry count {} is not a number up to {}", quote(n_text), kMaxPackageEntries));
  p.origin = std::string(origin);
  p.verifier_key = std::string(verifier);
  // Never trust the count for an allocation: each entry must really be there.
  for (std::uint64_t i = 0; i < *n; ++i) {
    if (!lines.next(&line)) {
      return unparsable(fmt::format("truncated: {} entries announced, {} present", *n, i));
    }
    p.entries.push_back(line);
  }
  if (!field(lines, "checkpoints", &m_text))
    return unparsable("missing checkpoints line after the entries");
  auto m = count(m_text, kMaxPackageCheckpoints);
  if (!m) return unparsable(fmt::format("checkpoint count {} is not a number", quote(m_text)));
  for (std::uint64_t i = 0; i < *m; ++i) {
    if (!lines.next(&line)) return unparsable("truncated in the checkpoints");
    auto note = crypto::from_base64(line);
    if (!note) return unparsable(fmt::format("checkpoint {} is not base64", i + 1));
    p.checkpoints.emplace_back(note->begin(), note->end());
  }
  if (!lines.next(&line) || line != "end" || !lines.done()) {
    return unparsable("missing 'end' line, or bytes after it");
  }
  return p;
}

namespace {

// The phases of verify_package, in order. Each returns a failed report, or
// nothing when the package passes it.
using Outcome = std::optional<VerifyReport>;
using CheckpointRoots = std::map<std::uint64_t, crypto::Hash32>;  // size -> root

// Every checkpoint must be signed by the key and name this log; two of one size must agree.
Outcome open_checkpoints(const AuditPackage& p, const crypto::NoteVerifier& key, VerifyReport& r,
                         CheckpointRoots& roots) {
  const crypto::NoteVerifier keys[] = {key};
  for (std::size_t i = 0; i < p.checkpoints.size(); ++i) {
    Result<std::string> note = crypto::open_note(p.checkpoints[i], keys);
    if (!note.is_ok()) {
      if (note.status().kind() != ErrorKind::kVerifyFailed) {
        return failed(r, fmt::format("checkpoint {} is not a signed note", i + 1));
      }
      return failed(r, fmt::format("checkpoint {} {} (the verifier key is {})", i + 1,
                                   note.status().message(),
                                   quote(crypto::format_verifier_key(key.name, key.key), 120)));
    }
    auto c = crypto::parse_checkpoint_text(*note);
    if (!c) return failed(r, fmt::format("checkpoint {} is not a tlog checkpoint", i + 1));
    if (c->origin != p.origin) {
      return failed(r,
                    fmt::format("checkpoint {} is for another log ({})", i + 1, quote(c->origin)));
    }
    auto [it, inserted] = roots.emplace(c->size, c->root);
    if (!inserted && it->second != c->root) {
      return failed(r, fmt::format("two checkpoints of size {} disagree", c->size));
    }
  }
  if (roots.empty()) {
    return failed(r, "the package holds no signed checkpoint, so nothing in it can be verified");
  }
  return std::nullopt;
}

// One pass over the entries: canonical form, sequence, kind, time order,
// consent replay, leaf hashes, and the root at every checkpointed size.
Outcome check_entries(const AuditPackage& p, const CheckpointRoots& roots,
                      const VerifyOptions& options, VerifyReport& r,
                      std::vector<crypto::Hash32>& leaves) {
  ConsentReplay replay;
  crypto::MerkleFrontier tree;
  auto next_cp = roots.begin();
  std::uint64_t last_good = 0;
  if (next_cp != roots.end() && next_cp->first == 0) {
    if (next_cp->second != crypto::empty_root()) {
      return failed(r, "the checkpoint of size 0 is wrong");
    }
    ++next_cp;
  }
  leaves.reserve(p.entries.size());
  for (std::size_t i = 0; i < p.entries.size(); ++i) {
    const auto seq = static_cast<std::int64_t>(i);
    const EntryHead head = scan_entry(p.entries[i]);
    if (!head.error.empty()) {
      return failed(r, fmt::format("entry {} is malformed: {}", seq, head.error), seq);
    }
    if (head.seq != seq) {
      return failed(r,
                    fmt::format("entry at position {} has seq {}: entries were deleted, reordered "
                                "or inserted",
                                seq, head.seq),
                    seq);
    }
    if (!is_known_kind(head.kind)) {
      return failed(r, fmt::format("entry {} has an unknown kind {}", seq, quote(head.kind)), seq);
    }
    if (r.last_time && head.time < *r.last_time) {
      return failed(r,
                    fmt::format("entry {} is dated before entry {}: the device clock went back, or "
                                "entries were reordered",
                                seq, seq - 1),
                    seq);
    }
    if (is_consent_kind(head.kind)) {
      Result<Json> entry = parse_json(p.entries[i], "entry");
      const Json* meta = entry.is_ok() ? get_object(*entry, "meta") : nullptr;
      const std::string why = meta == nullptr ? "its meta is not an object"
                                              : replay.apply(seq, head.time, head.kind, *meta);
      if (!why.empty()) {
        return failed(r, fmt::format("consent violation at entry {}: {}", seq, why), seq);
      }
    }
    if (!r.first_time) r.first_time = head.time;
    r.last_time = head.time;
    leaves.push_back(crypto::leaf_hash(crypto::as_bytes(p.entries[i])));
    tree.append(leaves.back());
    if (next_cp != roots.end() && next_cp->first == tree.size()) {
      if (tree.root() != next_cp->second) {
        const std::string which =
            tree.size() - last_good == 1
                ? fmt::format("entry {} was changed", last_good)
                : fmt::format("an entry in seq {}..{} was changed", last_good, tree.size() - 1);
        return failed(r,
                      fmt::format("{}: the log does not match its signed checkpoint of size {}",
                                  which, tree.size()),
                      static_cast<std::int64_t>(last_good));
      }
      last_good = tree.size();
      ++next_cp;
    }
  }
  r.root = tree.root();
  r.grants = replay.grants();
  r.exports = replay.exports();
  r.refusals = replay.refusals();
  r.takeouts = replay.takeouts();
  if (options.bundle_sha256) {
    r.bundle_seq = replay.export_with_sha256(*options.bundle_sha256);
    r.bundle_takeout_seq = replay.takeout_with_sha256(*options.bundle_sha256);
  }
  return std::nullopt;
}

// The newest checkpoint must cover exactly the entries there are.
Outcome check_coverage(const CheckpointRoots& roots, VerifyReport& r) {
  const std::uint64_t covered = roots.rbegin()->first;
  if (covered > r.size) {
    return failed(r,
                  fmt::format("a checkpoint covers {} entries but the package has {}: the log was "
                              "truncated after seq {}",
                              covered, r.size, static_cast<std::int64_t>(r.size) - 1),
                  static_cast<std::int64_t>(r.size));
  }
  if (covered < r.size) {
    return failed(r,
                  fmt::format("entries from seq {} on are not covered by any signed checkpoint "
                              "(appended or forged after the last signature)",
                              covered),
                  static_cast<std::int64_t>(covered));
  }
  return std::nullopt;
}

// The log must extend the auditor's earlier checkpoint. kInvalidInput if it is not a checkpoint.
Result<Outcome> check_trusted(const std::string& note_text, const crypto::NoteVerifier& key,
                              const AuditPackage& p, const std::vector<crypto::Hash32>& leaves,
                              VerifyReport& r) {
  const crypto::NoteVerifier keys[] = {key};
  Result<std::string> note = crypto::open_note(note_text, keys);
  if (!note.is_ok() && note.status().kind() != ErrorKind::kVerifyFailed) {
    return invalid_input("the trusted checkpoint is not a signed note");
  }
  if (!note.is_ok()) {
    return Outcome(failed(r, r.trust_on_first_use
                                 ? "the trusted checkpoint is not signed by the package's key: the "
                                   "verifier key was replaced"
                                 : "the trusted checkpoint is not signed by --key"));
  }
  auto c = crypto::parse_checkpoint_text(*note);
  if (!c) return invalid_input("the trusted checkpoint is not a tlog checkpoint");
  if (c->origin != p.origin) {
    return Outcome(
        failed(r, fmt::format("the trusted checkpoint is for another log ({})", quote(c->origin))));
  }
  r.trusted_size = c->size;
  if (c->size > r.size) {
    return Outcome(failed(r,
                          fmt::format("the log is shorter than the trusted checkpoint (trusted "
                                      "size {}, package size {}): it was truncated or rolled back",
                                      c->size, r.size),
                          static_cast<std::int64_t>(r.size)));
  }
  const std::vector<crypto::Hash32> proof =
      c->size == 0 ? std::vector<crypto::Hash32>{} : crypto::consistency_proof(leaves, c->size);
  if (!crypto::verify_consistency(c->size, r.size, c->root, r.root, proof)) {
    return Outcome(failed(r, fmt::format("the log is not consistent with the trusted checkpoint "
                                         "(trusted size {}, package size {}): entries before seq "
                                         "{} were rewritten",
                                         c->size, r.size, c->size)));
  }
  return Outcome(std::nullopt);
}

}  // namespace

std::string VerifyReport::root_base64() const {
  return crypto::to_base64(root);
}

Result<VerifyReport> audit_verify(const VerifyRequest& request) {
  constexpr std::size_t kMaxKeyFileBytes = std::size_t{64} * 1024;
  VerifyOptions options;
  if (request.key) {
    // A verifier key, or a file whose first line is one.
    if (request.key->find('+') != std::string::npos && !fs::exists(*request.key)) {
      options.key = *request.key;
    } else {
      Result<std::string> text = fs::read_file(*request.key, kMaxKeyFileBytes);
      if (!text.is_ok()) return text.status().with_context("--key");
      options.key = text->substr(0, text->find('\n'));
    }
  }
  if (request.trusted_checkpoint) {
    Result<std::string> note = fs::read_file(*request.trusted_checkpoint, kMaxKeyFileBytes);
    if (!note.is_ok()) return note.status().with_context("--trusted-checkpoint");
    options.trusted_checkpoint = std::move(note).value();
  }
  if (request.bundle) {
    Result<std::string> b = fs::read_file(*request.bundle, std::size_t{1} << 32);
    if (!b.is_ok()) return b.status().with_context("--bundle");
    options.bundle_sha256 = crypto::to_hex(crypto::sha256(crypto::as_bytes(*b)));
  }
  Result<std::string> bytes = fs::read_file(request.package, kMaxPackageBytes);
  if (!bytes.is_ok()) return bytes.status();
  return verify_package(*bytes, options);
}

Result<VerifyReport> verify_package(std::string_view bytes, const VerifyOptions& options) {
  Result<AuditPackage> parsed = parse_package(bytes);
  if (!parsed.is_ok()) return parsed.status();
  const AuditPackage& p = *parsed;

  VerifyReport r;
  r.origin = p.origin;
  r.size = p.entries.size();
  r.checkpoints = p.checkpoints.size();

  // The key: the auditor's, else the package's own (trust on first use).
  std::optional<crypto::NoteVerifier> key =
      crypto::parse_verifier_key(options.key ? *options.key : p.verifier_key);
  if (!key) return invalid_input("--key is not a verifier key (NAME+HEXID+BASE64)");
  r.trust_on_first_use = !options.key;
  if (key->name != p.origin) {
    return failed(r, fmt::format("the key is for {}, the package is from {}", quote(key->name),
                                 quote(p.origin)));
  }

  CheckpointRoots roots;
  if (Outcome o = open_checkpoints(p, *key, r, roots)) return *o;
  std::vector<crypto::Hash32> leaves;
  if (Outcome o = check_entries(p, roots, options, r, leaves)) return *o;
  if (Outcome o = check_coverage(roots, r)) return *o;
  if (options.trusted_checkpoint) {
    Result<Outcome> o = check_trusted(*options.trusted_checkpoint, *key, p, leaves, r);
    if (!o.is_ok()) return o.status();
    if (*o) return **o;
  }
  if (options.bundle_sha256 && !r.bundle_seq && r.bundle_takeout_seq) {
    return failed(r,
                  fmt::format("the file is the takeout at entry {}: the owner's own copy of their "
                              "data, not an export under a grant",
                              *r.bundle_takeout_seq));
  }
  if (options.bundle_sha256 && !r.bundle_seq) {
    return failed(r, "the bundle is not the ciphertext of any export in this log");
  }
  r.ok = true;
  return r;
}

}  // namespace tend
