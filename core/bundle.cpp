#include "core/bundle.hpp"

#include <sodium.h>

#include <fmt/format.h>

#include "core/fs.hpp"
#include "core/tar.hpp"
#include "crypto/age.hpp"
#include "crypto/encoding.hpp"
#include "crypto/minisign.hpp"

namespace tend {
namespace {

constexpr std::size_t kMaxKeyFileBytes = std::size_t{64} * 1024;

Status check_signature(const std::string& path, std::string_view bundle, const std::string& signer,
                       OpenedBundle& out) {
  std::string key_text = signer;
  if (fs::exists(signer)) {
    Result<std::string> t = fs::read_file(signer, kMaxKeyFileBytes);
    if (!t.is_ok()) return t.status().with_context("--signer");
    key_text = std::move(t).value();
  }
  auto key = crypto::parse_minisign_public_key(key_text);
  if (!key) return invalid_input("--signer is not a minisign public key (RW... or a .pub file)");
  Result<std::string> sig = fs::read_file(path + ".minisig", kMaxKeyFileBytes);
  if (!sig.is_ok()) return sig.status().with_context("the signature");
  Result<std::string> comment = crypto::minisign_verify(*sig, crypto::as_bytes(bundle), *key);
  if (!comment.is_ok()) {
    return comment.status().with_context(fmt::format("the signature {}.minisig", path));
  }
  out.signature_comment = std::move(comment).value();
  return Status::ok();
}

// The identities in an age identity file: one per line, '#' comments allowed.
Result<std::vector<crypto::AgeIdentity>> read_identities(const std::string& path) {
  Result<std::string> text = fs::read_file(path, kMaxKeyFileBytes);
  if (!text.is_ok()) return text.status().with_context("--identity");
  const crypto::SecretBytes secret = crypto::SecretBytes::from(crypto::as_bytes(*text));
  sodium_memzero(text->data(), text->size());
  std::vector<crypto::AgeIdentity> ids;
  std::string_view rest(reinterpret_cast<const char*>(secret.data()), secret.size());
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    auto id = crypto::parse_age_identity(line);
    if (!id) {
      return invalid_input("--identity holds a line that is not an AGE-SECRET-KEY-1... identity");
    }
    ids.push_back(std::move(*id));
  }
  if (ids.empty()) return invalid_input("--identity holds no identity");
  return ids;
}

}  // namespace

Result<OpenedBundle> bundle_open(const BundleRequest& request) {
  Result<std::string> bundle = fs::read_file(request.path, kMaxBundleBytes);
  if (!bundle.is_ok()) return bundle.status();
  OpenedBundle out;
  if (request.signer) {
    Status s = check_signature(request.path, *bundle, *request.signer, out);
    if (!s.is_ok()) return s;
  }
  Result<std::vector<crypto::AgeIdentity>> ids = read_identities(request.identity_path);
  if (!ids.is_ok()) return ids.status();
  Result<crypto::SecretBytes> plain = crypto::age_decrypt(*bundle, *ids);
  if (!plain.is_ok()) {
    if (plain.status().kind() == ErrorKind::kWrongPassphrase) {
      return plain.status().with_context(
          "cannot open the bundle: it was not encrypted to this identity");
    }
    return invalid_input(fmt::format("cannot open the bundle: {}", plain.status().message()));
  }
  out.payload = std::move(plain).value();
  std::string_view text = crypto::as_text(out.payload);
  std::string_view what = "the bundle's payload";
  if (text.size() >= 1024 && text.substr(257, 6) == std::string_view("ustar\0", 6)) {
    // docs/export-format.md, "CSV": only an archive exactly as tend writes it
    // is handed on (to tar), and its export.json is checked as a payload is.
    std::string_view manifest;
    Status s =
        tar::check_export_archive(text, {"mood.csv", "app_usage.csv", "alliance.csv"}, &manifest);
    if (!s.is_ok()) return s;
    out.tar = true;
    text = manifest;
    what = "the bundle's export.json";
  }
  JsonHead head;
  Status s = check_json(text, what, &head);
  if (!s.is_ok()) return s;
  if (out.tar && head.format != "tend-export") {
    return invalid_input("the bundle's export.json is not a tend export");
  }
  if (head.format == "tend-export") {
    if (!head.version || *head.version < kMinExportVersion || *head.version > kMaxExportVersion) {
      return Status::error(
          ErrorKind::kUnsupported,
          head.version ? fmt::format("the bundle is a tend export of version {}; this tend reads "
                                     "versions {} to {}",
                                     *head.version, kMinExportVersion, kMaxExportVersion)
                       : "the bundle is a tend export without a version",
          "a newer tend reads it; so does age -d, which does not look inside");
    }
    out.export_version = head.version;
  }
  return out;
}

}  // namespace tend
