// Opening an export bundle, as its recipient: check the sender's minisign
// signature (when a signer key is given), decrypt with age identities, parse the
// payload (docs/export-format.md). Needs no vault. Every input is untrusted.
#pragma once

#include <optional>
#include <string>

#include "base/status.hpp"
#include "core/json.hpp"
#include "crypto/secret.hpp"

namespace tend {

constexpr std::size_t kMaxBundleBytes = std::size_t{1} << 30;

struct BundleRequest {
  std::string path;                   // the bundle; its signature is path + ".minisig"
  std::string identity_path;          // an age identity file (AGE-SECRET-KEY-1... lines)
  std::optional<std::string> signer;  // a minisign public key line, or a .pub file's path
};

struct OpenedBundle {
  // The decrypted payload, in guarded memory: JSON text, checked to be valid
  // (write it out with write_indented_json). It is never parsed into a
  // document: a sender decides its size, and the recipient's tools read it.
  crypto::SecretBytes payload;
  // The signature's trusted comment when a signer was given and it verified;
  // nullopt when no signature was checked.
  std::optional<std::string> signature_comment;
  // The payload's "version" when it is a tend export ("format": "tend-export").
  std::optional<std::int64_t> export_version;
  // A CSV export (tend export --format csv): the payload is a ustar archive,
  // not JSON; it is passed on as it is.
  bool tar = false;
};

// The export payload versions this tend reads (docs/export-format.md).
inline constexpr std::int64_t kMinExportVersion = 1;
inline constexpr std::int64_t kMaxExportVersion = 2;

// kVerifyFailed if the signature is another key's or does not verify;
// kWrongPassphrase if the bundle was not encrypted to these identities;
// kInvalidInput if any file is malformed; kNotFound if one is missing;
// kUnsupported for a tend export payload of a version this tend does not read.
Result<OpenedBundle> bundle_open(const BundleRequest& request);

}  // namespace tend
