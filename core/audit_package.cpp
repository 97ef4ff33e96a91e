#include "core/audit_package.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include <fmt/format.h>

#include "core/audit.hpp"
#include "core/canonical.hpp"
#include "core/json.hpp"
#include "crypto/encoding.hpp"

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

// Replays consent: every export must have had a grant that existed, was
// unrevoked and unexpired at that moment, covered what was exported and was
// under its limit.
class ConsentReplay {
 public:
  // Empty on success, else the violation.
  std::string apply(std::int64_t seq, std::int64_t time, const std::string& kind,
                    std::string_view bytes, VerifyReport& r) {
    if (kind != kind::kGrantCreated && kind != kind::kGrantRevoked &&
        kind != kind::kExportCreated && kind != kind::kExportRefused) {
      return {};
    }
    Result<Json> entry = parse_json(bytes, "entry");
    if (!entry.is_ok()) return "not valid JSON";
    const Json& m = (*entry)["meta"];
    auto grant_id = get_string(m, "grant");
    if (kind == kind::kExportRefused) {
      ++r.refusals;
      return {};
    }
    if (!grant_id) return "it names no grant";
    if (kind == kind::kGrantCreated) {
      if (grants_.count(*grant_id)) return fmt::format("grant {} is created twice", *grant_id);
      auto expires = get_int(m, "expires");
      const Json* cats = get_array(m, "categories");
      auto gran = get_string(m, "granularity");
      if (!expires || !cats || !gran) return "the grant's terms are incomplete";
      grants_[*grant_id] = {m, seq, std::nullopt, 0};
      ++r.grants;
      return {};
    }
    auto it = grants_.find(*grant_id);
    if (it == grants_.end()) {
      return fmt::format("it names grant {}, which no earlier entry created", *grant_id);
    }
    State& g = it->second;
    if (kind == kind::kGrantRevoked) {
      if (g.revoked_seq) return fmt::format("grant {} is revoked twice", *grant_id);
      g.revoked_seq = seq;
      return {};
    }
    // export.created
    ++r.exports;
    if (g.revoked_seq) {
      return fmt::format("an export under grant {}, which was revoked at seq {}", *grant_id,
                         *g.revoked_seq);
    }
    if (time >= *get_int(g.terms, "expires")) {
      return fmt::format("an export under grant {} after it expired", *grant_id);
    }
    const Json* cats = get_array(m, "categories");
    if (cats == nullptr) return "the export names no categories";
    for (const Json& c : *cats) {
      const Json& allowed = g.terms["categories"];
      if (!c.is_string() || std::find(allowed.begin(), allowed.end(), c) == allowed.end()) {
        return fmt::format("an export of '{}', which grant {} does not cover", c.dump(), *grant_id);
      }
    }
    if (get_string(m, "granularity") != get_string(g.terms, "granularity")) {
      return fmt::format("an export at another granularity than grant {} allows", *grant_id);
    }
    auto gf = get_int(g.terms, "from"), gu = get_int(g.terms, "until");
    auto ef = get_int(m, "from"), eu = get_int(m, "until");
    if ((gf && (!ef || *ef < *gf)) || (gu && (!eu || *eu > *gu))) {
      return fmt::format("an export outside grant {}'s data window", *grant_id);
    }
    ++g.exports;
    if (auto max = get_int(g.terms, "max_exports"); max && g.exports > *max) {
      return fmt::format("export {} under grant {}, which allows {}", g.exports, *grant_id, *max);
    }
    if (auto sha = get_string(m, "sha256")) {
      if (bundle_ && *sha == *bundle_) r.bundle_seq = seq;
    } else {
      return "the export has no sha256";
    }
    return {};
  }

  explicit ConsentReplay(std::optional<std::string> bundle) : bundle_(std::move(bundle)) {}

 private:
  struct State {
    Json terms;
    std::int64_t created_seq;
    std::optional<std::int64_t> revoked_seq;
    std::int64_t exports;
  };
  std::map<std::string, State> grants_;
  std::optional<std::string> bundle_;
};

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
      return Status::error(ErrorKind::kUnsupported,
                           fmt::format("unsupported audit package version '{}'", line.substr(19)));
    }
    return unparsable("the first line is not 'tend-audit-package v1'");
  }
  AuditPackage p;
  std::string_view origin, verifier, n_text, m_text;
  if (!field(lines, "origin", &origin) || origin.empty()) return unparsable("missing origin line");
  if (!field(lines, "verifier", &verifier)) return unparsable("missing verifier line");
  if (!field(lines, "entries", &n_text)) return unparsable("missing entries line");
  auto n = count(n_text, kMaxPackageEntries);
  if (!n)
    return unparsable(
        fmt::format("entry count '{}' is not a number up to {}", n_text, kMaxPackageEntries));
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
  if (!m) return unparsable(fmt::format("checkpoint count '{}' is not a number", m_text));
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

Result<VerifyReport> verify_package(std::string_view bytes, const VerifyOptions& options) {
  Result<AuditPackage> parsed = parse_package(bytes);
  if (!parsed.is_ok()) return parsed.status();
  const AuditPackage& p = *parsed;

  VerifyReport r;
  r.origin = p.origin;
  r.size = p.entries.size();
  r.checkpoints = p.checkpoints.size();

  // The key: the auditor's, else the package's own (trust on first use).
  std::optional<crypto::NoteVerifier> key;
  if (options.key) {
    key = crypto::parse_verifier_key(*options.key);
    if (!key) return invalid_input("--key is not a verifier key (NAME+HEXID+BASE64)");
  } else {
    key = crypto::parse_verifier_key(p.verifier_key);
    if (!key) return unparsable("its verifier line is not a verifier key");
    r.trust_on_first_use = true;
  }
  if (key->name != p.origin) {
    return failed(
        r, fmt::format("the key is for '{}', the package is from '{}'", key->name, p.origin));
  }
  const crypto::NoteVerifier keys[] = {*key};

  // Checkpoints first: each must be signed by the key and name this log.
  std::map<std::uint64_t, crypto::Hash32> expected;  // size -> root
  for (std::size_t i = 0; i < p.checkpoints.size(); ++i) {
    crypto::OpenedNote note = crypto::open_note(p.checkpoints[i], keys);
    switch (note.status) {
      case crypto::NoteStatus::kOk:
        break;
      case crypto::NoteStatus::kMalformed:
        return failed(r, fmt::format("checkpoint {} is not a signed note", i + 1));
      case crypto::NoteStatus::kUnverified:
        return failed(r, fmt::format("checkpoint {} is not signed by the verifier key {}", i + 1,
                                     crypto::format_verifier_key(key->name, key->key)));
      case crypto::NoteStatus::kBadSignature:
        return failed(r, fmt::format("checkpoint {} has a signature that does not verify", i + 1));
    }
    auto c = crypto::parse_checkpoint_text(note.text);
    if (!c) return failed(r, fmt::format("checkpoint {} is not a tlog checkpoint", i + 1));
    if (c->origin != p.origin) {
      return failed(r, fmt::format("checkpoint {} is for another log ('{}')", i + 1, c->origin));
    }
    if (c->size > r.size) {
      return failed(
          r,
          fmt::format("a checkpoint covers {} entries but the package has {}: the log was "
                      "truncated after seq {}",
                      c->size, r.size, static_cast<std::int64_t>(r.size) - 1),
          static_cast<std::int64_t>(r.size));
    }
    auto [it, inserted] = expected.emplace(c->size, c->root);
    if (!inserted && it->second != c->root) {
      return failed(r, fmt::format("two checkpoints of size {} disagree", c->size));
    }
  }
  if (r.size > 0 && (expected.empty() || expected.rbegin()->first < r.size)) {
    const std::uint64_t covered = expected.empty() ? 0 : expected.rbegin()->first;
    return failed(r,
                  fmt::format("entries from seq {} on are not covered by any signed checkpoint "
                              "(appended or forged after the last signature)",
                              covered),
                  static_cast<std::int64_t>(covered));
  }

  // One pass over the entries: canonical form, sequence, kind; leaf hashes;
  // the root at every checkpointed size.
  std::vector<crypto::Hash32> leaves;
  leaves.reserve(p.entries.size());
  ConsentReplay replay(options.bundle_sha256);
  crypto::MerkleFrontier tree;
  auto next_cp = expected.begin();
  std::uint64_t last_good = 0;
  if (next_cp != expected.end() && next_cp->first == 0) {
    if (next_cp->second != crypto::empty_root())
      return failed(r, "the checkpoint of size 0 is wrong");
    ++next_cp;
  }
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
      return failed(r, fmt::format("entry {} has an unknown kind '{}'", seq, head.kind), seq);
    }
    if (std::string why = replay.apply(seq, head.time, head.kind, p.entries[i], r); !why.empty()) {
      return failed(r, fmt::format("consent violation at entry {}: {}", seq, why), seq);
    }
    if (!r.first_time) r.first_time = head.time;
    r.last_time = head.time;
    leaves.push_back(crypto::leaf_hash(crypto::as_bytes(p.entries[i])));
    tree.append(leaves.back());
    if (next_cp != expected.end() && next_cp->first == tree.size()) {
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

  if (options.trusted_checkpoint) {
    crypto::OpenedNote note = crypto::open_note(*options.trusted_checkpoint, keys);
    if (note.status == crypto::NoteStatus::kMalformed) {
      return invalid_input("the trusted checkpoint is not a signed note");
    }
    if (note.status != crypto::NoteStatus::kOk) {
      return failed(r, r.trust_on_first_use
                           ? "the trusted checkpoint is not signed by the package's key: the "
                             "verifier key was replaced"
                           : "the trusted checkpoint is not signed by --key");
    }
    auto c = crypto::parse_checkpoint_text(note.text);
    if (!c) return invalid_input("the trusted checkpoint is not a tlog checkpoint");
    if (c->origin != p.origin) {
      return failed(r, fmt::format("the trusted checkpoint is for another log ('{}')", c->origin));
    }
    r.trusted_size = c->size;
    if (c->size > r.size) {
      return failed(r,
                    fmt::format("the log is shorter than the trusted checkpoint (trusted size {}, "
                                "package size {}): it was truncated or rolled back",
                                c->size, r.size),
                    static_cast<std::int64_t>(r.size));
    }
    const std::vector<crypto::Hash32> proof =
        c->size == 0 ? std::vector<crypto::Hash32>{} : crypto::consistency_proof(leaves, c->size);
    if (!crypto::verify_consistency(c->size, r.size, c->root, r.root, proof)) {
      return failed(r,
                    fmt::format("the log is not consistent with the trusted checkpoint (trusted "
                                "size {}, package size {}): entries before seq {} were rewritten",
                                c->size, r.size, c->size));
    }
  }
  if (options.bundle_sha256 && !r.bundle_seq) {
    return failed(r, "the bundle is not the ciphertext of any export in this log");
  }
  r.ok = true;
  return r;
}

}  // namespace tend
