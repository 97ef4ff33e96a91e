// Consent and export commands: grant add/list/show/revoke/receipt, export, bundle open.
#include <unistd.h>

#include <ostream>
#include <sstream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/table.hpp"
#include "core/bundle.hpp"
#include "core/export.hpp"
#include "core/fs.hpp"
#include "core/receipt.hpp"
#include "core/text.hpp"
#include "crypto/age.hpp"
#include "crypto/encoding.hpp"
#include "crypto/minisign.hpp"

namespace po = boost::program_options;

namespace tend::cli {
namespace {

constexpr std::int64_t kDefaultValidity = std::int64_t{30} * 86400;

Json when_json(std::optional<std::int64_t> t) {
  return t ? Json(format_iso(local_instant(*t))) : Json(nullptr);
}

Json grant_json(const Grant& g, std::int64_t now) {
  return {{"id", g.id},
          {"state", g.state(now)},
          {"recipient", g.recipient},
          {"recipient_keys", g.recipient_keys},
          {"purpose", g.purpose},
          {"purpose_category", g.purpose_category},
          {"data", g.categories},
          {"granularity", granularity_name(g.granularity)},
          {"from", when_json(g.from)},
          {"until", when_json(g.until)},
          {"created", when_json(g.created)},
          {"expires", when_json(g.expires)},
          {"max_exports", g.max_exports ? Json(*g.max_exports) : Json(nullptr)},
          {"exports", g.exports},
          {"revoked_at", when_json(g.revoked_at)},
          {"revoke_reason", g.revoke_reason ? Json(*g.revoke_reason) : Json(nullptr)},
          {"receipt_id", g.receipt_id}};
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

void print_grant(std::ostream& o, const Grant& g, std::int64_t now) {
  o << fmt::format("Grant {} ({})\n", g.id, g.state(now));
  o << fmt::format("  to        {}\n", display(g.recipient));
  for (const std::string& k : g.recipient_keys) o << fmt::format("            {}\n", display(k));
  o << fmt::format("  purpose   {} [{}]\n", display(g.purpose), display(g.purpose_category));
  o << fmt::format("  data      {} ({})\n", display(join(g.categories, ", ")),
                   granularity_name(g.granularity));
  o << fmt::format("  window    {} .. {}\n", g.from ? format_local(*g.from) : "the beginning",
                   g.until ? format_local(*g.until) : "no end");
  o << fmt::format("  valid     {} .. {}\n", format_local(g.created), format_local(g.expires));
  o << fmt::format("  exports   {}{}\n", g.exports,
                   g.max_exports ? fmt::format(" of {}", *g.max_exports) : "");
  if (g.revoked_at) {
    o << fmt::format("  revoked   {}{}\n", format_local(*g.revoked_at),
                     g.revoke_reason ? " (" + display(*g.revoke_reason) + ")" : "");
  }
  o << fmt::format("  receipt   {}\n", g.receipt_id);
}

// --expires: a duration ahead ("30d", "12w", "48h") or a time (a date means its end).
Result<std::int64_t> parse_expiry(const std::string& text, std::int64_t now) {
  if (!text.empty() && text.size() < 8 && std::isdigit(static_cast<unsigned char>(text[0])) &&
      std::string("hdw").find(text.back()) != std::string::npos) {
    Result<std::int64_t> n = parse_int(text.substr(0, text.size() - 1), "--expires", 1, 100000);
    if (!n.is_ok()) return n.status();
    const std::int64_t unit = text.back() == 'h' ? 3600 : text.back() == 'd' ? 86400 : 7 * 86400;
    return now + *n * unit;
  }
  Result<Instant> at = parse_when(text, now, TimeRole::kRangeEnd);
  if (!at.is_ok()) return at.status().with_context("--expires");
  return at->utc;
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) out.push_back(item);
  return out;
}

}  // namespace

void opts_grant_add(po::options_description& d) {
  d.add_options()("recipient", po::value<std::string>()->value_name("NAME"),
                  "who receives the data")(
      "recipient-key", po::value<std::vector<std::string>>()->composing()->value_name("age1..."),
      "their age X25519 recipient (repeat for more)")(
      "purpose", po::value<std::string>()->value_name("TEXT"), "why they receive it")(
      "purpose-category", po::value<std::string>()->default_value("care")->value_name("C"),
      "care, research, personal or other")("data", po::value<std::string>()->value_name("LIST"),
                                           "mood[,notes,app_usage,alliance]")(
      "granularity", po::value<std::string>()->default_value("raw")->value_name("G"),
      "raw rows, or daily / weekly aggregates")(
      "from", po::value<std::string>()->value_name("WHEN"), "only data from WHEN")(
      "until", po::value<std::string>()->value_name("WHEN"), "only data until WHEN")(
      "expires", po::value<std::string>()->value_name("WHEN"),
      "when the grant ends: 30d, 12w, or a date (default 30d)")(
      "max-exports", po::value<std::string>()->value_name("N"), "at most N exports");
}

void opts_grant_list(po::options_description& d) {
  d.add_options()("all", po::bool_switch(), "include revoked, expired and used-up grants");
}

void opts_grant_revoke(po::options_description& d) {
  d.add_options()("reason", po::value<std::string>()->value_name("TEXT"),
                  "kept in the vault, not in the audit log");
}

void opts_grant_receipt(po::options_description& d) {
  d.add_options()("output,o", po::value<std::string>()->value_name("FILE")->required(),
                  "where to write the receipt (and FILE.minisig)");
}

void opts_export(po::options_description& d) {
  d.add_options()("grant", po::value<std::string>()->value_name("ID")->required(),
                  "the grant that allows this export")(
      "output,o", po::value<std::string>()->value_name("FILE"),
      "the age-encrypted bundle to write (and FILE.minisig)")(
      "preview", po::bool_switch(), "show what would be sent; send and write nothing");
}

void opts_bundle_open(po::options_description& d) {
  d.add_options()("identity", po::value<std::string>()->value_name("KEYFILE")->required(),
                  "an age identity file (AGE-SECRET-KEY-1...)")(
      "signer", po::value<std::string>()->value_name("PUBKEY"),
      "the sender's minisign public key (or .pub file): check FILE.minisig first");
}

Status cmd_grant_add(Context& ctx) {
  Grant g;
  auto need = [&](const char* opt) -> Status {
    if (!ctx.has(opt))
      return usage_error(fmt::format("grant add needs --{}", opt), "see: tend help grant add");
    return Status::ok();
  };
  for (const char* opt : {"recipient", "recipient-key", "purpose", "data"}) {
    Status s = need(opt);
    if (!s.is_ok()) return s;
  }
  g.recipient = *ctx.opt<std::string>("recipient");
  g.recipient_keys = *ctx.opt<std::vector<std::string>>("recipient-key");
  g.purpose = *ctx.opt<std::string>("purpose");
  g.purpose_category = *ctx.opt<std::string>("purpose-category");
  g.categories = split_list(*ctx.opt<std::string>("data"));
  auto gran = parse_granularity(*ctx.opt<std::string>("granularity"));
  if (!gran) return usage_error("--granularity is raw, daily or weekly");
  g.granularity = *gran;
  Result<std::optional<std::int64_t>> from = time_option(ctx, "from", TimeRole::kRangeStart);
  if (!from.is_ok()) return from.status();
  Result<std::optional<std::int64_t>> until = time_option(ctx, "until", TimeRole::kRangeEnd);
  if (!until.is_ok()) return until.status();
  g.from = *from;
  g.until = *until;
  g.expires = ctx.now + kDefaultValidity;
  if (auto e = ctx.opt<std::string>("expires")) {
    Result<std::int64_t> t = parse_expiry(*e, ctx.now);
    if (!t.is_ok()) return t.status();
    g.expires = *t;
  }
  if (auto m = ctx.opt<std::string>("max-exports")) {
    Result<std::int64_t> n = parse_int(*m, "--max-exports", 1, 1000000);
    if (!n.is_ok()) return n.status();
    g.max_exports = *n;
  }
  Grant probe = g;
  Status s = validate_grant(probe, ctx.now);
  if (s.is_ok()) s = ctx.open_vault();
  if (!s.is_ok()) return s;
  Result<AuditLog> log = ctx.v().audit();
  if (!log.is_ok()) return log.status();
  Result<Grant> made = add_grant(ctx.v().db(), *log, std::move(g), ctx.now);
  if (!made.is_ok()) return made.status();
  if (ctx.json) {
    ctx.print_json(grant_json(*made, ctx.now));
  } else {
    print_grant(ctx.out(), *made, ctx.now);
    ctx.out() << fmt::format(
        "\nExport with: tend export --grant {} -o FILE   (revoke: tend grant revoke {})\n",
        made->id, made->id);
  }
  return Status::ok();
}

Status cmd_grant_list(Context& ctx) {
  Status s = ctx.open_vault();
  if (!s.is_ok()) return s;
  Result<std::vector<Grant>> grants = list_grants(ctx.v().db(), ctx.flag("all"), ctx.now);
  if (!grants.is_ok()) return grants.status();
  if (ctx.json) {
    Json list = Json::array();
    for (const Grant& g : *grants) list.push_back(grant_json(g, ctx.now));
    ctx.print_json({{"grants", std::move(list)}, {"count", grants->size()}});
    return Status::ok();
  }
  if (grants->empty()) {
    ctx.out() << (ctx.flag("all") ? "No grants.\n"
                                  : "No active grants (tend grant list --all shows the rest).\n");
    return Status::ok();
  }
  Table t({{"ID"},
           {"STATE"},
           {"RECIPIENT"},
           {"DATA"},
           {"EXPIRES"},
           {"EXPORTS", Table::Align::kRight},
           {"PURPOSE"}});
  for (const Grant& g : *grants) {
    t.add_row({g.id, g.state(ctx.now), g.recipient,
               join(g.categories, ",") + (g.granularity == Granularity::kRaw
                                              ? ""
                                              : std::string("/") + granularity_name(g.granularity)),
               format_local(g.expires),
               g.max_exports ? fmt::format("{}/{}", g.exports, *g.max_exports)
                             : std::to_string(g.exports),
               g.purpose});
  }
  t.print(ctx.out(), ctx.io.columns);
  return Status::ok();
}

Status cmd_grant_show(Context& ctx) {
  Status s = ctx.open_vault();
  if (!s.is_ok()) return s;
  Result<Grant> g = get_grant(ctx.v().db(), ctx.args[0]);
  if (!g.is_ok()) return g.status();
  if (ctx.json) {
    ctx.print_json(grant_json(*g, ctx.now));
  } else {
    print_grant(ctx.out(), *g, ctx.now);
  }
  return Status::ok();
}

Status cmd_grant_revoke(Context& ctx) {
  Status s = ctx.open_vault();
  if (!s.is_ok()) return s;
  Result<AuditLog> log = ctx.v().audit();
  if (!log.is_ok()) return log.status();
  Result<Grant> g =
      revoke_grant(ctx.v().db(), *log, ctx.args[0], ctx.opt<std::string>("reason"), ctx.now);
  if (!g.is_ok()) return g.status();
  if (ctx.json) {
    ctx.print_json(grant_json(*g, ctx.now));
  } else {
    ctx.out() << fmt::format(
        "Revoked grant {}. No further exports under it.\n"
        "Bundles already sent cannot be recalled; ask {} to delete them.\n",
        g->id, display(g->recipient));
  }
  return Status::ok();
}

Status cmd_grant_receipt(Context& ctx) {
  const std::string out = *ctx.opt<std::string>("output");
  if (out.empty()) return usage_error("-o needs a file name");
  Status s = ctx.open_vault();
  if (!s.is_ok()) return s;
  Result<IssuedReceipt> r = issue_receipt(ctx.v(), ctx.args[0], out, ctx.now);
  if (!r.is_ok()) return r.status();
  if (ctx.json) {
    ctx.print_json({{"file", r->path},
                    {"signature", r->signature_path},
                    {"receipt_id", r->grant.receipt_id},
                    {"audit_seq", r->audit_seq}});
  } else {
    ctx.out() << fmt::format("Wrote the consent receipt for grant {} to {} (signed: {})\n",
                             r->grant.id, display(r->path), display(r->signature_path));
  }
  return Status::ok();
}

Status cmd_export(Context& ctx) {
  const bool preview = ctx.flag("preview");
  const std::optional<std::string> out = ctx.opt<std::string>("output");
  if (!preview && !out) return usage_error("export needs -o FILE (or --preview)");
  if (out && out->empty()) return usage_error("-o needs a file name");
  if (preview && out) return usage_error("--preview writes nothing; drop -o");
  Status s = ctx.open_vault();
  if (!s.is_ok()) return s;
  Result<ExportOutcome> r =
      export_grant(ctx.v(), *ctx.opt<std::string>("grant"), out.value_or(""), preview, ctx.now);
  if (!r.is_ok()) return r.status();
  if (ctx.json) {
    Json j = {{"grant", r->grant.id}, {"rows", r->rows}, {"preview", preview}};
    if (preview) {
      j["first_rows"] = r->preview;
    } else {
      j["file"] = r->path;
      j["signature"] = r->signature_path;
      j["sha256"] = r->sha256;
      j["audit_seq"] = r->audit_seq;
    }
    ctx.print_json(j);
    return Status::ok();
  }
  std::ostream& o = ctx.out();
  const Grant& g = r->grant;
  if (preview) {
    o << fmt::format("Preview of an export under grant {} to {} — nothing is written or sent.\n",
                     g.id, display(g.recipient));
  } else {
    o << fmt::format("Exported under grant {} to {} ({} of {}):\n", g.id, display(g.recipient),
                     g.exports, g.max_exports ? std::to_string(*g.max_exports) : "unlimited");
  }
  for (const auto& [cat, n] : r->rows.items()) {
    o << fmt::format("  {:<10} {} {}{}\n", cat, n.get<std::int64_t>(),
                     g.granularity == Granularity::kRaw
                         ? "rows"
                         : std::string(granularity_name(g.granularity)) + " aggregates",
                     cat == "mood" && g.has("notes") ? " (with notes)" : "");
  }
  if (preview) {
    for (const auto& [cat, rows] : r->preview.items()) {
      if (rows.empty()) continue;
      o << fmt::format("\nFirst {} {}:\n", rows.size(), cat);
      for (const Json& row : rows) o << "  " << dump_json(row) << "\n";
    }
    o << "\nPrivate entries are never included.\n";
  } else {
    o << fmt::format("  file       {} (age; sha256 {})\n  signature  {}\n  audit      entry {}\n",
                     display(r->path), r->sha256, display(r->signature_path), r->audit_seq);
  }
  return Status::ok();
}

Status cmd_bundle_open(Context& ctx) {
  BundleRequest request{ctx.args[0], *ctx.opt<std::string>("identity"),
                        ctx.opt<std::string>("signer")};
  Result<OpenedBundle> opened = open_bundle(request);
  if (!opened.is_ok()) return opened.status();
  if (opened->signature_comment) {
    ctx.err() << "tend: signature ok: " << display(*opened->signature_comment) << "\n";
  } else {
    ctx.warn(
        "the signature was not checked (no --signer): give the sender's minisign key "
        "to know who made this bundle");
  }
  write_indented_json(crypto::as_text(opened->payload), ctx.out());
  return Status::ok();
}

}  // namespace tend::cli
