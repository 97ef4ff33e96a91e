#include "cli/context.hpp"

#include <charconv>
#include <ostream>

#include <fmt/format.h>

#include "cli/passphrase.hpp"
#include "core/text.hpp"

namespace tend::cli {
namespace {

constexpr const char* kNoSourceHint =
    "use --passphrase-file FILE or --passphrase-fd N (or TEND_PASSPHRASE, which is weaker)";

Status check_not_empty(const crypto::SecretBytes& p) {
  if (p.empty()) return usage_error("the passphrase is empty");
  return Status::ok();
}

}  // namespace

Status Context::open_vault() {
  if (vault) return Status::ok();
  // Check the header before asking for anything: a missing or damaged vault
  // must not cost the user a passphrase prompt.
  Result<VaultHeader> header = Vault::read_header(vault_dir);
  if (!header.is_ok()) return header.status();
  for (const std::string& w : Vault::exposure_warnings(vault_dir)) warn(w);
  Result<crypto::SecretBytes> pass = current_passphrase(*this);
  if (!pass.is_ok()) return pass.status();
  Result<Vault> v = Vault::unlock(vault_dir, *pass);
  if (!v.is_ok()) return v.status();
  return adopt_vault(std::move(v).value());
}

Status Context::adopt_vault(Vault unlocked) {
  vault.emplace(std::move(unlocked));
  Result<std::vector<std::string>> notes = vault->finish_interrupted();
  if (!notes.is_ok()) return notes.status();
  for (const std::string& note : *notes) warn(note);
  return Status::ok();
}

void Context::print_json(const Json& j) {
  out() << dump_json(j, 2) << "\n";
}

void Context::warn(const std::string& message) {
  err() << "tend: warning: " << display(message) << "\n";
}

Result<crypto::SecretBytes> current_passphrase(Context& ctx) {
  Result<crypto::SecretBytes> r = usage_error("no passphrase");
  if (auto fd = ctx.opt<int>("passphrase-fd")) {
    if (ctx.has("passphrase-file")) {
      return usage_error("--passphrase-fd and --passphrase-file conflict; give one");
    }
    if (*fd < 0) return usage_error("--passphrase-fd must be a file descriptor number");
    r = read_secret_line(*fd, fmt::format("passphrase from fd {}", *fd));
  } else if (auto file = ctx.opt<std::string>("passphrase-file")) {
    r = read_secret_file(*file, "passphrase file");
  } else if (const char* env = ctx.io.getenv("TEND_PASSPHRASE")) {
    r = crypto::SecretBytes::from(crypto::as_bytes(env));
  } else if (ctx.io.has_terminal && ctx.io.read_terminal_secret) {
    r = ctx.io.read_terminal_secret("Passphrase: ");
  } else {
    return usage_error("no passphrase: there is no terminal to ask", kNoSourceHint);
  }
  if (!r.is_ok()) return r.status();
  Status s = check_not_empty(*r);
  if (!s.is_ok()) return s;
  return r;
}

Result<crypto::SecretBytes> new_passphrase(Context& ctx, const std::optional<std::string>& file,
                                           NewPassphraseSource source) {
  Result<crypto::SecretBytes> r = usage_error("");
  if (file) {
    r = read_secret_file(*file, "new passphrase file");
  } else if (source == NewPassphraseSource::kAnySource &&
             (ctx.has("passphrase-fd") || ctx.has("passphrase-file") ||
              ctx.io.getenv("TEND_PASSPHRASE") != nullptr)) {
    r = current_passphrase(ctx);
  } else if (ctx.io.has_terminal && ctx.io.read_terminal_secret) {
    r = ctx.io.read_terminal_secret("New passphrase: ");
    if (!r.is_ok()) return r.status();
    Status s = check_not_empty(*r);
    if (!s.is_ok()) return s;
    Result<crypto::SecretBytes> again = ctx.io.read_terminal_secret("Repeat it: ");
    if (!again.is_ok()) return again.status();
    if (!r->equals(*again)) return usage_error("the passphrases do not match; nothing changed");
  } else {
    return usage_error("no new passphrase: there is no terminal to ask",
                       source == NewPassphraseSource::kAnySource
                           ? kNoSourceHint
                           : "use --new-passphrase-file FILE");
  }
  if (!r.is_ok()) return r.status();
  Status s = check_not_empty(*r);
  if (!s.is_ok()) return s;
  if (r->size() < 8) ctx.warn("a passphrase shorter than 8 characters is easy to guess");
  return r;
}

Result<std::optional<std::int64_t>> time_option(Context& ctx, const char* name, TimeRole role) {
  auto text = ctx.opt<std::string>(name);
  if (!text) return std::optional<std::int64_t>();
  Result<Instant> at = parse_when(*text, ctx.now, role);
  if (!at.is_ok()) return at.status().with_context(fmt::format("--{}", name));
  return std::optional<std::int64_t>(at->utc);
}

Status remove_by_id(Context& ctx, const char* noun, RemoveFn remove) {
  Result<std::int64_t> id = parse_int(ctx.args[0], "id", 1, INT64_MAX);
  if (!id.is_ok()) return id.status();
  Status s = ctx.open_vault();
  if (!s.is_ok()) return s;
  Result<AuditLog> audit = ctx.v().audit();
  if (!audit.is_ok()) return audit.status();
  s = remove(ctx.v().db(), *audit, *id, ctx.now);
  if (!s.is_ok()) return s;
  if (ctx.json) {
    ctx.print_json({{"deleted", *id}});
  } else {
    *ctx.io.out << fmt::format("Deleted {} {}.\n", noun, *id);
  }
  return Status::ok();
}

Result<std::int64_t> parse_int(const std::string& text, const char* what, std::int64_t lo,
                               std::int64_t hi) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || text.empty()) {
    // The text is not repeated: a mistyped score is often a note in the wrong place.
    return usage_error(fmt::format("{} is not a whole number", what));
  }
  if (v < lo || v > hi) return usage_error(fmt::format("{} {} is outside {}..{}", what, v, lo, hi));
  return v;
}

}  // namespace tend::cli
