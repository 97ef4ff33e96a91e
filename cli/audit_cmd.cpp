// Audit commands: log, checkpoint, export, verify.
#include <ostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/table.hpp"
#include "core/audit.hpp"
#include "core/audit_package.hpp"
#include "core/fs.hpp"
#include "core/text.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"

namespace po = boost::program_options;

namespace tend::cli {
namespace {

constexpr std::size_t kMaxPackageBytes = std::size_t{4} << 30;
constexpr std::size_t kMaxNoteBytes = std::size_t{64} * 1024;

// --key takes a verifier key or a file whose first line is one.
Result<std::string> read_key_option(const std::string& value) {
  if (value.find('+') != std::string::npos && !fs::exists(value)) return value;
  Result<std::string> text = fs::read_file(value, kMaxNoteBytes);
  if (!text.is_ok()) return text.status().with_context("--key");
  std::string line = text->substr(0, text->find('\n'));
  return line;
}

}  // namespace

void opts_audit_log(po::options_description& d) {
  d.add_options()("limit", po::value<std::string>()->value_name("N"), "only the N newest entries");
}

void opts_audit_export(po::options_description& d) {
  d.add_options()("output,o", po::value<std::string>()->value_name("FILE")->required(),
                  "where to write the package (must not exist)");
}

void opts_audit_verify(po::options_description& d) {
  auto add = d.add_options();
  add("key", po::value<std::string>()->value_name("VERIFIER"),
      "the vault's audit verifier key (or a file holding it); without it, the package's own key "
      "is trusted on first use");
  add("trusted-checkpoint", po::value<std::string>()->value_name("F"),
      "a checkpoint you kept earlier: the log must extend it");
  add("bundle", po::value<std::string>()->value_name("B"),
      "an export bundle: it must be the ciphertext of an export in the log");
}

Status cmd_audit_log(Context& ctx) {
  std::optional<std::int64_t> limit;
  if (auto text = ctx.opt<std::string>("limit")) {
    Result<std::int64_t> n = parse_int(*text, "limit", 1, INT64_MAX);
    if (!n.is_ok()) return n.status();
    limit = *n;
  }
  Status s = ctx.open_vault();
  if (!s.is_ok()) return s;
  Result<AuditLog> log = ctx.v().audit();
  if (!log.is_ok()) return log.status();
  Result<std::vector<AuditEntry>> entries = log->entries(limit);
  if (!entries.is_ok()) return entries.status();
  if (ctx.json) {
    Json list = Json::array();
    for (const AuditEntry& e : *entries) list.push_back(*parse_json(e.bytes, "entry"));
    ctx.print_json({{"entries", std::move(list)}, {"count", entries->size()}});
    return Status::ok();
  }
  Table t({{"SEQ", Table::Align::kRight}, {"TIME"}, {"KIND"}, {"DETAILS"}});
  for (const AuditEntry& e : *entries) {
    const Json j = *parse_json(e.bytes, "entry");
    std::string details;
    for (const auto& [k, v] : j["meta"].items()) {
      details += fmt::format("{}{}={}", details.empty() ? "" : " ", k,
                             v.is_string() ? v.get<std::string>() : dump_json(v));
    }
    t.add_row({std::to_string(e.seq), format_local(e.time), e.kind, details});
  }
  t.print(ctx.out(), ctx.io.columns);
  return Status::ok();
}

Status cmd_audit_checkpoint(Context& ctx) {
  Status s = ctx.open_vault();
  if (!s.is_ok()) return s;
  Result<AuditLog> log = ctx.v().audit();
  if (!log.is_ok()) return log.status();
  Result<std::string> note = log->latest_checkpoint();
  if (!note.is_ok()) return note.status();
  if (ctx.json) {
    Result<AuditHead> head = log->head();
    if (!head.is_ok()) return head.status();
    ctx.print_json({{"checkpoint", *note},
                    {"size", head->size},
                    {"root", crypto::to_base64(head->root)},
                    {"verifier_key", log->verifier_key()}});
  } else {
    ctx.out() << display(*note, Newlines::kKeep);
  }
  return Status::ok();
}

Status cmd_audit_export(Context& ctx) {
  const std::string out = *ctx.opt<std::string>("output");
  if (out.empty()) return usage_error("-o needs a file name");
  // Refused before the passphrase is asked for if FILE exists; never replaces one.
  if (fs::exists(out)) {
    return Status::error(ErrorKind::kExists, fmt::format("{} already exists", out),
                         "remove it or choose another name");
  }
  Status s = ctx.open_vault();
  if (!s.is_ok()) return s;
  Result<AuditLog> log = ctx.v().audit();
  if (!log.is_ok()) return log.status();
  Result<AuditHead> head = log->export_package(out);
  if (!head.is_ok()) return head.status();
  if (ctx.json) {
    ctx.print_json({{"file", out},
                    {"entries", head->size},
                    {"root", crypto::to_base64(head->root)},
                    {"verifier_key", log->verifier_key()}});
  } else {
    ctx.out() << fmt::format(
        "Wrote the audit package ({} entries, metadata only) to {}\n"
        "An auditor checks it with:\n  tend audit verify {} --key {}\n",
        head->size, display(out), display(out), log->verifier_key());
  }
  return Status::ok();
}

Status cmd_audit_verify(Context& ctx) {
  const std::string& file = ctx.args[0];
  VerifyOptions options;
  if (auto key = ctx.opt<std::string>("key")) {
    Result<std::string> k = read_key_option(*key);
    if (!k.is_ok()) return k.status();
    options.key = *k;
  }
  if (auto path = ctx.opt<std::string>("trusted-checkpoint")) {
    Result<std::string> note = fs::read_file(*path, kMaxNoteBytes);
    if (!note.is_ok()) return note.status().with_context("--trusted-checkpoint");
    options.trusted_checkpoint = *note;
  }
  if (auto bundle = ctx.opt<std::string>("bundle")) {
    Result<std::string> b = fs::read_file(*bundle, std::size_t{1} << 32);
    if (!b.is_ok()) return b.status().with_context("--bundle");
    options.bundle_sha256 = crypto::to_hex(crypto::sha256(crypto::as_bytes(*b)));
  }
  Result<std::string> bytes = fs::read_file(file, kMaxPackageBytes);
  if (!bytes.is_ok()) return bytes.status();
  Result<VerifyReport> report = verify_package(*bytes, options);
  if (!report.is_ok()) return report.status();
  const VerifyReport& r = *report;

  if (ctx.json) {
    Json j = {{"ok", r.ok},
              {"origin", r.origin},
              {"size", r.size},
              {"checkpoints", r.checkpoints},
              {"key", r.trust_on_first_use ? "package (trust on first use)" : "given"}};
    if (r.ok) j["root"] = crypto::to_base64(r.root);
    if (r.first_time) j["first_time"] = format_iso(local_instant(*r.first_time));
    if (r.last_time) j["last_time"] = format_iso(local_instant(*r.last_time));
    if (r.trusted_size) j["trusted_size"] = *r.trusted_size;
    j["consent"] = {{"grants", r.grants}, {"exports", r.exports}, {"refusals", r.refusals}};
    if (r.bundle_seq) j["bundle_seq"] = *r.bundle_seq;
    if (!r.ok) j["error"] = r.failure;
    if (r.bad_seq) j["bad_seq"] = *r.bad_seq;
    ctx.print_json(j);
  } else if (r.ok) {
    std::ostream& o = ctx.out();
    o << fmt::format("OK: {} entries, root {}\n", r.size, crypto::to_base64(r.root));
    o << fmt::format("  log       {}\n", display(r.origin));
    if (r.first_time) {
      o << fmt::format("  span      {} .. {}\n", format_local(*r.first_time),
                       format_local(*r.last_time));
    }
    o << fmt::format("  signed    {} checkpoint{}, every one a prefix of the log\n", r.checkpoints,
                     r.checkpoints == 1 ? "" : "s");
    if (r.trusted_size) {
      o << fmt::format("  extends   your trusted checkpoint of size {}\n", *r.trusted_size);
    }
    o << fmt::format(
        "  consent   {} grant{}, {} export{} (each under a live grant, in scope, under its limit), "
        "{} refusal{}\n",
        r.grants, r.grants == 1 ? "" : "s", r.exports, r.exports == 1 ? "" : "s", r.refusals,
        r.refusals == 1 ? "" : "s");
    if (r.bundle_seq)
      o << fmt::format("  bundle    is the ciphertext of the export at entry {}\n", *r.bundle_seq);
  }
  if (r.trust_on_first_use && !ctx.json) {
    ctx.warn(
        "no --key given: the package's own key was trusted (trust on first use); compare it "
        "with the key the vault owner gave you");
  }
  if (!r.ok) {
    return Status::error(ErrorKind::kVerifyFailed,
                         fmt::format("audit verification failed: {}", r.failure));
  }
  return Status::ok();
}

}  // namespace tend::cli
