// Audit commands: log, checkpoint, export, verify.
#include <fmt/format.h>

#include "cli/command.hpp"
#include "core/audit_ops.hpp"
#include "core/audit_package.hpp"
#include "core/fs.hpp"

namespace po = boost::program_options;

namespace tend::cli {
namespace {

// ---- log

Result<AuditLogRequest> parse_audit_log(const Invocation& in) {
  AuditLogRequest r;
  if (auto text = in.opt<std::string>("limit")) {
    Result<std::int64_t> n = parse_int(*text, "limit", 1, INT64_MAX);
    if (!n.is_ok()) return n.status();
    r.limit = *n;
  }
  return r;
}

void render_audit_log(const std::vector<AuditEntry>& entries, Printer& p) {
  if (p.json()) {
    Json items = Json::array();
    for (const AuditEntry& e : entries) {
      Result<Json> j = parse_json(e.bytes, "entry");
      items.push_back({{"seq", e.seq},
                       {"time", p.iso(e.time)},
                       {"time_unix", e.time},
                       {"kind", e.kind},
                       {"meta", j.is_ok() ? (*j)["meta"] : Json::object()}});
    }
    p.json({{"count", entries.size()}, {"items", std::move(items)}});
    return;
  }
  Table t({{"SEQ", Table::Align::kRight}, {"TIME"}, {"KIND"}, {"DETAILS"}});
  for (const AuditEntry& e : entries) {
    Result<Json> j = parse_json(e.bytes, "entry");
    std::string details;
    if (j.is_ok()) {
      for (const auto& [k, v] : (*j)["meta"].items()) {
        details += fmt::format("{}{}={}", details.empty() ? "" : " ", k,
                               v.is_string() ? v.get<std::string>() : dump_json(v));
      }
    }
    t.add_row({std::to_string(e.seq), p.time(e.time), e.kind, details});
  }
  p.table(t, true);
}

// ---- checkpoint

Result<CheckpointRequest> parse_checkpoint(const Invocation&) {
  return CheckpointRequest{};
}

void render_checkpoint(const CheckpointOutcome& c, Printer& p) {
  if (p.json()) {
    p.json({{"checkpoint", c.note},
            {"size", c.head.size},
            {"root", c.head.root_base64()},
            {"verifier_key", c.verifier_key}});
  } else {
    p.text(c.note);  // ready to save: tend audit checkpoint > cp.txt
  }
}

// ---- export

Result<AuditExportRequest> parse_audit_export(const Invocation& in) {
  Result<std::optional<std::string>> out = in.path("output");
  if (!out.is_ok()) return out.status();
  if (!*out) return usage_error("audit export needs -o FILE (or -o - for standard output)");
  if (**out == "-") {
    if (in.flag("json")) return usage_error("-o - writes the package itself: drop --json");
    return AuditExportRequest{std::nullopt};
  }
  // Refused before the passphrase is asked for: FILE is never replaced.
  if (fs::exists(**out)) {
    return Status::error(ErrorKind::kExists, fmt::format("{} already exists", **out),
                         "remove it or choose another name");
  }
  return AuditExportRequest{**out};
}

void render_audit_export(const AuditExportOutcome& o, Printer& p) {
  if (!o.path) {
    p.raw(o.package);
    return;
  }
  if (p.json()) {
    p.json({{"file", *o.path},
            {"size", o.head.size},
            {"root", o.head.root_base64()},
            {"verifier_key", o.verifier_key}});
    return;
  }
  p.text(
      fmt::format("Wrote the audit package ({} entries, metadata only) to {}\n"
                  "An auditor checks it with:\n  tend audit verify {} --key {}\n",
                  o.head.size, *o.path, *o.path, o.verifier_key));
}

// ---- verify

Result<VerifyRequest> parse_audit_verify(const Invocation& in) {
  VerifyRequest r;
  r.package = in.args()[0];
  for (const char* name : {"key", "trusted-checkpoint", "bundle"}) {
    Result<std::optional<std::string>> v = in.path(name);
    if (!v.is_ok()) return v.status();
  }
  r.key = in.opt<std::string>("key");
  r.trusted_checkpoint = in.opt<std::string>("trusted-checkpoint");
  r.bundle = in.opt<std::string>("bundle");
  return r;
}

// A verification that failed is an outcome to show, then an error for the exit code.
struct Verified {
  VerifyReport report;
};

Result<Verified> verify_op(const VerifyRequest& r) {
  Result<VerifyReport> report = audit_verify(r);
  if (!report.is_ok()) return report.status();
  return Verified{std::move(report).value()};
}

void render_verify(const Verified& v, Printer& p) {
  const VerifyReport& r = v.report;
  if (p.json()) {
    Json j = {{"ok", r.ok},
              {"origin", r.origin},
              {"size", r.size},
              {"checkpoints", r.checkpoints},
              {"key", r.trust_on_first_use ? "package (trust on first use)" : "given"}};
    if (r.ok) j["root"] = r.root_base64();
    if (r.first_time) {
      j["first_time"] = p.iso(*r.first_time);
      j["first_time_unix"] = *r.first_time;
    }
    if (r.last_time) {
      j["last_time"] = p.iso(*r.last_time);
      j["last_time_unix"] = *r.last_time;
    }
    if (r.trusted_size) j["trusted_size"] = *r.trusted_size;
    j["consent"] = {{"grants", r.grants}, {"exports", r.exports}, {"refusals", r.refusals}};
    j["takeouts"] = r.takeouts;
    if (r.bundle_seq) j["bundle_seq"] = *r.bundle_seq;
    if (!r.ok) j["error"] = r.failure;
    if (r.bad_seq) j["bad_seq"] = *r.bad_seq;
    p.json(j);
  } else if (r.ok) {
    std::string o = fmt::format("OK: {} entries, root {}\n", r.size, r.root_base64());
    o += fmt::format("  log       {}\n", r.origin);
    if (r.first_time) {
      o += fmt::format("  span      {} .. {}\n", p.time(*r.first_time), p.time(*r.last_time));
    }
    o += fmt::format("  signed    {} checkpoint{}, every one a prefix of the log\n", r.checkpoints,
                     r.checkpoints == 1 ? "" : "s");
    if (r.trusted_size) {
      o += fmt::format("  extends   your trusted checkpoint of size {}\n", *r.trusted_size);
    }
    o += fmt::format(
        "  consent   {} grant{}, {} export{} (each under a live grant, in scope, under its "
        "limit), {} refusal{}\n",
        r.grants, r.grants == 1 ? "" : "s", r.exports, r.exports == 1 ? "" : "s", r.refusals,
        r.refusals == 1 ? "" : "s");
    if (r.takeouts > 0) {
      o += fmt::format(
          "  takeouts  {} (the owner's own copies of their data: not exports, under no grant)\n",
          r.takeouts);
    }
    if (r.bundle_seq) {
      o += fmt::format("  bundle    is the ciphertext of the export at entry {}\n", *r.bundle_seq);
    }
    p.text(o);
  }
  if (r.trust_on_first_use && !p.json()) {
    p.warn(
        "no --key given: the package's own key was trusted (trust on first use); compare it "
        "with the key the vault owner gave you");
  }
}

Action verify_action() {
  return {Needs::kNothing, [](const Invocation& in) -> Result<Step> {
            Result<VerifyRequest> r = parse_audit_verify(in);
            if (!r.is_ok()) return r.status();
            return Step([r = std::move(r).value()](Session&, Printer& p) -> Status {
              Result<Verified> v = verify_op(r);
              if (!v.is_ok()) return v.status();
              render_verify(*v, p);
              if (!v->report.ok) {
                return Status::error(
                    ErrorKind::kVerifyFailed,
                    fmt::format("audit verification failed: {}", v->report.failure));
              }
              return Status::ok();
            });
          }};
}

}  // namespace

namespace options {

void audit_log(po::options_description& d) {
  d.add_options()("limit", po::value<std::string>()->value_name("N"), "only the N newest entries");
}

void audit_export(po::options_description& d) {
  d.add_options()("output,o", po::value<std::string>()->value_name("FILE"),
                  "where to write the package (must not exist); - for standard output");
}

void audit_verify(po::options_description& d) {
  auto add = d.add_options();
  add("key", po::value<std::string>()->value_name("VERIFIER"),
      "the vault's audit verifier key (or a file holding it); without it, the package's own key "
      "is trusted on first use");
  add("trusted-checkpoint", po::value<std::string>()->value_name("F"),
      "a checkpoint you kept earlier: the log must extend it");
  add("bundle", po::value<std::string>()->value_name("B"),
      "an export bundle: it must be the ciphertext of an export in the log");
}

}  // namespace options

namespace actions {
Action audit_log() {
  return unlocked(parse_audit_log, tend::audit_log, render_audit_log);
}
Action audit_checkpoint() {
  return unlocked(parse_checkpoint, tend::audit_checkpoint, render_checkpoint);
}
Action audit_export() {
  return unlocked(parse_audit_export, tend::audit_export, render_audit_export);
}
Action audit_verify() {
  return verify_action();
}
}  // namespace actions

}  // namespace tend::cli
