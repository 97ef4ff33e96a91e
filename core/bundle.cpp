#include "core/bundle.hpp"

#include <sodium.h>

#include <fmt/format.h>

#include "core/fs.hpp"
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
  const crypto::MinisignResult v = crypto::minisign_verify(*sig, crypto::as_bytes(bundle), *key);
  switch (v.status) {
    case crypto::MinisignStatus::kOk:
      out.signature_comment = v.trusted_comment;
      return Status::ok();
    case crypto::MinisignStatus::kMalformed:
      return invalid_input(fmt::format("{}.minisig is not a minisign signature", path));
    case crypto::MinisignStatus::kWrongKey:
      return Status::error(ErrorKind::kVerifyFailed,
                           "the bundle was signed by another key than --signer");
    case crypto::MinisignStatus::kBadSignature:
      return Status::error(ErrorKind::kVerifyFailed,
                           "the bundle's signature does not verify: it was changed");
  }
  return invalid_input("unknown signature status");
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

OpenedBundle::~OpenedBundle() {
  sodium_memzero(payload.data(), payload.size());
}

Result<OpenedBundle> open_bundle(const BundleRequest& request) {
  Result<std::string> bundle = fs::read_file(request.path, kMaxBundleBytes);
  if (!bundle.is_ok()) return bundle.status();
  OpenedBundle out;
  if (request.signer) {
    Status s = check_signature(request.path, *bundle, *request.signer, out);
    if (!s.is_ok()) return s;
  }
  Result<std::vector<crypto::AgeIdentity>> ids = read_identities(request.identity_path);
  if (!ids.is_ok()) return ids.status();
  crypto::AgeResult plain = crypto::age_decrypt(*bundle, *ids);
  if (plain.error == crypto::AgeError::kNoMatch) {
    return Status::error(ErrorKind::kWrongPassphrase,
                         "cannot open the bundle: it was not encrypted to this identity");
  }
  if (plain.error != crypto::AgeError::kNone) {
    return invalid_input(
        fmt::format("cannot open the bundle: {}", crypto::age_error_message(plain.error)));
  }
  out.payload = std::move(plain.plaintext);
  Status s = check_json(out.payload, "the bundle's payload");
  if (!s.is_ok()) return s;
  return out;
}

}  // namespace tend
