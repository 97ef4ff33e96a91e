// Consent and export commands: grant add/list/show/revoke/receipt, export, bundle open.
#include <sstream>

#include <fmt/format.h>

#include "cli/command.hpp"
#include "core/bundle.hpp"
#include "core/consent.hpp"
#include "core/export.hpp"
#include "core/receipt.hpp"
#include "core/text.hpp"

namespace po = boost::program_options;

namespace tend::cli {
namespace {

constexpr std::int64_t kDefaultValidity = std::int64_t{30} * 86400;

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

Json grant_json(const Grant& g, std::int64_t now, const Printer& p) {
  return grant_json(g, now, [&p](std::int64_t t) { return p.iso(t); });
}

std::string grant_text(const Grant& g, std::int64_t now, const Printer& p) {
  std::string o = fmt::format("Grant {} ({})\n", g.id, kGrantStateNames.name(g.state(now)));
  o += fmt::format("  to        {}\n", g.recipient);
  for (const std::string& k : g.recipient_keys) o += fmt::format("            {}\n", k);
  o += fmt::format("  purpose   {} [{}]\n", g.purpose,
                   kPurposeCategoryNames.name(g.purpose_category));
  o += fmt::format("  data      {} ({})\n", join(category_names(g.categories), ", "),
                   kGranularityNames.name(g.granularity));
  o += fmt::format("  window    {} .. {}\n", g.from ? p.time(*g.from) : "the beginning",
                   g.until ? p.time(*g.until) : "no end");
  o += fmt::format("  valid     {} .. {}\n", p.time(g.created), p.time(g.expires));
  o += fmt::format("  exports   {}{}\n", g.exports,
                   g.max_exports ? fmt::format(" of {}", *g.max_exports) : "");
  if (g.revoked_at) {
    o += fmt::format("  revoked   {}{}\n", p.time(*g.revoked_at),
                     g.revoke_reason ? " (" + *g.revoke_reason + ")" : "");
  }
  o += fmt::format("  receipt   {}\n", g.receipt_id);
  return o;
}

// A grant id given on the command line: checked before the vault is unlocked.
Result<std::string> grant_id(const std::string& text) {
  if (!valid_grant_id(text)) {
    return usage_error(phrase_with("no grant", text) + " (grant ids look like g7k2m9x)",
                       "see the grants with: tend grant list --all");
  }
  return text;
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

// ---- grant add

Result<Grant> parse_grant_add(const Invocation& in) {
  for (const char* opt : {"recipient", "recipient-key", "purpose", "data"}) {
    if (!in.has(opt)) {
      return usage_error(fmt::format("grant add needs --{}", opt), "see: tend help grant add");
    }
  }
  Grant g;
  g.recipient = *in.opt<std::string>("recipient");
  g.recipient_keys = in.list("recipient-key");
  g.purpose = *in.opt<std::string>("purpose");
  const std::string category = *in.opt<std::string>("purpose-category");
  auto pc = kPurposeCategoryNames.parse(category);
  if (!pc) {
    return usage_error(phrase_with("unknown purpose category", category),
                       "use " + kPurposeCategoryNames.list());
  }
  g.purpose_category = *pc;
  std::stringstream data(*in.opt<std::string>("data"));
  for (std::string item; std::getline(data, item, ',');) {
    auto c = kCategoryNames.parse(item);
    if (!c) {
      return usage_error(phrase_with("unknown data category", item),
                         "use " + kCategoryNames.list());
    }
    g.categories.push_back(*c);
  }
  auto gran = kGranularityNames.parse(*in.opt<std::string>("granularity"));
  if (!gran) return usage_error("--granularity is " + kGranularityNames.list());
  g.granularity = *gran;
  Result<std::optional<std::int64_t>> from = in.time("from", TimeRole::kRangeStart);
  if (!from.is_ok()) return from.status();
  Result<std::optional<std::int64_t>> until = in.time("until", TimeRole::kRangeEnd);
  if (!until.is_ok()) return until.status();
  g.from = *from;
  g.until = *until;
  g.expires = in.now() + kDefaultValidity;
  if (auto e = in.opt<std::string>("expires")) {
    Result<std::int64_t> t = parse_expiry(*e, in.now());
    if (!t.is_ok()) return t.status();
    g.expires = *t;
  }
  if (auto m = in.opt<std::string>("max-exports")) {
    Result<std::int64_t> n = parse_int(*m, "--max-exports", 1, 1000000);
    if (!n.is_ok()) return n.status();
    g.max_exports = *n;
  }
  Status s = validate_grant(g, in.now());
  if (!s.is_ok()) return s;
  return g;
}

void render_grant_added(const Grant& g, Printer& p) {
  if (p.json()) {
    p.json(grant_json(g, p.now(), p));
    return;
  }
  p.text(grant_text(g, p.now(), p));
  p.text(fmt::format(
      "\nExport with: tend export --grant {} -o FILE   (revoke: tend grant revoke {})\n", g.id,
      g.id));
}

// ---- grant list, show

Result<GrantListRequest> parse_grant_list(const Invocation& in) {
  return GrantListRequest{in.flag("all")};
}

void render_grant_list(const std::vector<Grant>& grants, Printer& p) {
  if (p.json()) {
    Json items = Json::array();
    for (const Grant& g : grants) items.push_back(grant_json(g, p.now(), p));
    p.json({{"count", grants.size()}, {"items", std::move(items)}});
    return;
  }
  if (grants.empty()) {
    p.text("No grants to show (--all shows revoked, expired and used-up ones too).\n");
    return;
  }
  Table t({{"ID"},
           {"STATE"},
           {"RECIPIENT"},
           {"DATA"},
           {"EXPIRES"},
           {"EXPORTS", Table::Align::kRight},
           {"PURPOSE"}});
  for (const Grant& g : grants) {
    t.add_row({g.id, std::string(kGrantStateNames.name(g.state(p.now()))), g.recipient,
               join(category_names(g.categories), ",") +
                   (g.granularity == Granularity::kRaw
                        ? ""
                        : fmt::format("/{}", kGranularityNames.name(g.granularity))),
               p.time(g.expires),
               g.max_exports ? fmt::format("{}/{}", g.exports, *g.max_exports)
                             : std::to_string(g.exports),
               g.purpose});
  }
  p.table(t, true);
}

Result<GrantId> parse_grant_id(const Invocation& in) {
  Result<std::string> id = grant_id(in.args()[0]);
  if (!id.is_ok()) return id.status();
  return GrantId{*id};
}

void render_grant(const Grant& g, Printer& p) {
  if (p.json()) {
    p.json(grant_json(g, p.now(), p));
  } else {
    p.text(grant_text(g, p.now(), p));
  }
}

// ---- grant revoke

Result<RevokeRequest> parse_grant_revoke(const Invocation& in) {
  Result<std::string> id = grant_id(in.args()[0]);
  if (!id.is_ok()) return id.status();
  return RevokeRequest{*id, in.opt<std::string>("reason")};
}

void render_grant_revoked(const Grant& g, Printer& p) {
  if (p.json()) {
    p.json(grant_json(g, p.now(), p));
    return;
  }
  p.text(
      fmt::format("Revoked grant {}. No further exports under it.\n"
                  "Bundles already sent cannot be recalled; ask {} to delete them.\n",
                  g.id, g.recipient));
}

// ---- grant receipt

Result<ReceiptRequest> parse_grant_receipt(const Invocation& in) {
  Result<std::string> id = grant_id(in.args()[0]);
  if (!id.is_ok()) return id.status();
  Result<std::optional<std::string>> out = in.path("output");
  if (!out.is_ok()) return out.status();
  Result<std::optional<std::string>> sig = in.path("signature");
  if (!sig.is_ok()) return sig.status();
  if (!*out) return usage_error("grant receipt needs -o FILE (or -o - with --signature FILE)");
  ReceiptRequest r{*id, **out, std::nullopt};
  if (**out == "-") {
    if (!*sig) {
      return usage_error(
          "with -o -, the receipt goes to standard output: name its signature's "
          "file with --signature FILE");
    }
    if (in.flag("json")) return usage_error("-o - writes the receipt itself: drop --json");
    r.path.reset();
    r.signature_path = **sig;
  } else if (*sig) {
    return usage_error("--signature goes with -o -; with -o FILE the signature is FILE.minisig");
  }
  return r;
}

void render_receipt(const IssuedReceipt& r, Printer& p) {
  if (!r.path) {
    p.raw(r.receipt);
    return;
  }
  if (p.json()) {
    p.json({{"grant", r.grant.id},
            {"receipt_id", r.grant.receipt_id},
            {"file", *r.path},
            {"signature", r.signature_path},
            {"audit_seq", r.audit_seq}});
    return;
  }
  p.text(fmt::format("Wrote the consent receipt for grant {} to {} (signed: {})\n", r.grant.id,
                     *r.path, r.signature_path));
}

// ---- export

// tend export is one command over two operations: an export, or its preview.
struct ExportCommand {
  std::string grant_id;
  std::optional<std::string> path;  // nullopt: --preview
  ExportFormat format = ExportFormat::kJson;
};

Result<ExportCommand> parse_export(const Invocation& in) {
  if (!in.has("grant")) return usage_error("export needs --grant ID", "see: tend help export");
  Result<std::string> id = grant_id(*in.opt<std::string>("grant"));
  if (!id.is_ok()) return id.status();
  Result<std::optional<std::string>> out = in.path("output");
  if (!out.is_ok()) return out.status();
  const bool preview = in.flag("preview");
  if (preview && *out) return usage_error("--preview writes nothing; drop -o");
  if (!preview && !*out) return usage_error("export needs -o FILE (or --preview)");
  if (*out && **out == "-") {
    return usage_error(
        "an export is two files, the bundle and its signature: -o - cannot hold "
        "them",
        "give a file name: the signature goes to FILE.minisig");
  }
  ExportFormat format = ExportFormat::kJson;
  if (auto f = in.opt<std::string>("format")) {
    if (*f == "csv") {
      format = ExportFormat::kCsv;
    } else if (*f != "json") {
      return usage_error(fmt::format("--format {}: give json or csv", display(*f)));
    }
  }
  return ExportCommand{*id, *out, format};
}

void render_preview(const ExportPreview& r, Printer& p) {
  if (p.json()) {
    p.json(
        {{"grant", r.grant.id}, {"rows", r.rows}, {"preview", true}, {"first_rows", r.first_rows}});
    return;
  }
  const Grant& g = r.grant;
  std::string o =
      fmt::format("Preview of an export under grant {} to {} — nothing is written or sent.\n", g.id,
                  g.recipient);
  for (const auto& [cat, n] : r.rows.items()) {
    o += fmt::format("  {:<10} {} {}{}\n", cat, n.get<std::int64_t>(),
                     g.granularity == Granularity::kRaw
                         ? "rows"
                         : std::string(kGranularityNames.name(g.granularity)) + " aggregates",
                     cat == "mood" && g.has(Category::kNotes) ? " (with notes)" : "");
  }
  for (const auto& [cat, rows] : r.first_rows.items()) {
    if (rows.empty()) continue;
    o += fmt::format("\nFirst {} {}:\n", rows.size(), cat);
    for (const Json& row : rows) o += "  " + dump_json(row) + "\n";
  }
  p.text(o + "\nPrivate entries are never included.\n");
}

void render_export(const ExportOutcome& r, Printer& p) {
  if (p.json()) {
    p.json({{"grant", r.grant.id},
            {"rows", r.rows},
            {"preview", false},
            {"file", r.path},
            {"signature", r.signature_path},
            {"sha256", r.sha256},
            {"audit_seq", r.audit_seq}});
    return;
  }
  const Grant& g = r.grant;
  std::string o =
      fmt::format("Exported under grant {} to {} ({} of {}):\n", g.id, g.recipient, g.exports,
                  g.max_exports ? std::to_string(*g.max_exports) : "unlimited");
  for (const auto& [cat, n] : r.rows.items()) {
    o += fmt::format("  {:<10} {} {}{}\n", cat, n.get<std::int64_t>(),
                     g.granularity == Granularity::kRaw
                         ? "rows"
                         : std::string(kGranularityNames.name(g.granularity)) + " aggregates",
                     cat == "mood" && g.has(Category::kNotes) ? " (with notes)" : "");
  }
  o += fmt::format("  file       {} (age; sha256 {})\n  signature  {}\n  audit      entry {}\n",
                   r.path, r.sha256, r.signature_path, r.audit_seq);
  p.text(o);
}

Action export_action() {
  return {
      Needs::kUnlocked, [](const Invocation& in) -> Result<Step> {
        Result<ExportCommand> c = parse_export(in);
        if (!c.is_ok()) return c.status();
        return Step([c = std::move(c).value()](Session& s, Printer& p) -> Status {
          if (!c.path) {
            Result<ExportPreview> r = export_preview(*s.vault, {c.grant_id}, s.now);
            if (!r.is_ok()) return r.status();
            render_preview(*r, p);
            return Status::ok();
          }
          Result<ExportOutcome> r = export_bundle(*s.vault, {c.grant_id, *c.path, c.format}, s.now);
          if (!r.is_ok()) return r.status();
          render_export(*r, p);
          return Status::ok();
        });
      }};
}

// ---- bundle open

Result<BundleRequest> parse_bundle_open(const Invocation& in) {
  Result<std::optional<std::string>> identity = in.path("identity");
  if (!identity.is_ok()) return identity.status();
  if (!*identity) return usage_error("bundle open needs --identity KEYFILE");
  return BundleRequest{in.args()[0], **identity, in.opt<std::string>("signer")};
}

void render_bundle(const OpenedBundle& b, Printer& p) {
  if (b.signature_comment) {
    p.note("signature ok: " + *b.signature_comment);
  } else {
    p.warn(
        "the signature was not checked (no --signer): give the sender's minisign key to know "
        "who made this bundle");
  }
  if (b.tar) {
    p.note("a CSV export: a tar of export.json and one CSV file per category");
    p.out().write(reinterpret_cast<const char*>(b.payload.data()),
                  static_cast<std::streamsize>(b.payload.size()));
    return;
  }
  if (b.export_version) {
    p.note(fmt::format("a tend export, payload version {} (docs/export-format.md)",
                       *b.export_version));
  }
  write_indented_json(as_text(b.payload), p.out());
}

}  // namespace

namespace options {

void grant_add(po::options_description& d) {
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

void grant_list(po::options_description& d) {
  d.add_options()("all", po::bool_switch(), "include revoked, expired and used-up grants");
}

void grant_revoke(po::options_description& d) {
  d.add_options()("reason", po::value<std::string>()->value_name("TEXT"),
                  "kept in the vault, not in the audit log");
}

void grant_receipt(po::options_description& d) {
  d.add_options()("output,o", po::value<std::string>()->value_name("FILE"),
                  "where to write the receipt (and FILE.minisig); - for standard output")(
      "signature", po::value<std::string>()->value_name("FILE"),
      "with -o -: where to write the receipt's signature");
}

void export_(po::options_description& d) {
  d.add_options()("grant", po::value<std::string>()->value_name("ID"),
                  "the grant that allows this export")(
      "output,o", po::value<std::string>()->value_name("FILE"),
      "the age-encrypted bundle to write (and FILE.minisig)")(
      "preview", po::bool_switch(), "show what would be sent; send and write nothing")(
      "format", po::value<std::string>()->value_name("F"),
      "json (the default), or csv: a tar of one CSV file per category, inside the bundle");
}

void bundle_open(po::options_description& d) {
  d.add_options()("identity", po::value<std::string>()->value_name("KEYFILE"),
                  "an age identity file (AGE-SECRET-KEY-1...)")(
      "signer", po::value<std::string>()->value_name("PUBKEY"),
      "the sender's minisign public key (or .pub file): check FILE.minisig first");
}

}  // namespace options

namespace actions {
Action grant_add() {
  return unlocked(parse_grant_add, tend::grant_add, render_grant_added);
}
Action grant_list() {
  return unlocked(parse_grant_list, tend::grant_list, render_grant_list);
}
Action grant_show() {
  return unlocked(parse_grant_id, tend::grant_show, render_grant);
}
Action grant_revoke() {
  return unlocked(parse_grant_revoke, tend::grant_revoke, render_grant_revoked);
}
Action grant_receipt() {
  return unlocked(parse_grant_receipt, tend::grant_receipt, render_receipt);
}
Action export_() {
  return export_action();
}
Action bundle_open() {
  return {
      Needs::kNothing, [](const Invocation& in) -> Result<Step> {
        Result<BundleRequest> r = parse_bundle_open(in);
        if (!r.is_ok()) return r.status();
        const bool out_is_terminal = in.io().columns != 0;
        return Step([r = std::move(r).value(), out_is_terminal](Session&, Printer& p) -> Status {
          Result<OpenedBundle> b = tend::bundle_open(r);
          if (!b.is_ok()) return b.status();
          if (b->tar && out_is_terminal) {
            return usage_error(
                "this bundle is a CSV export (a tar archive): not written to a "
                "terminal",
                "tend bundle open FILE --identity KEYFILE | tar -x");
          }
          render_bundle(*b, p);
          return Status::ok();
        });
      }};
}
}  // namespace actions

}  // namespace tend::cli
