#include "crypto/kdf.hpp"

#include <sodium.h>

#include <fmt/format.h>

namespace tend::crypto {

KdfParams kdf_params(KdfProfile profile) {
  switch (profile) {
    case KdfProfile::kInteractive:
      return {crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
              crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
    case KdfProfile::kModerate:
      return {crypto_pwhash_argon2id_OPSLIMIT_MODERATE, crypto_pwhash_argon2id_MEMLIMIT_MODERATE};
    case KdfProfile::kSensitive:
      return {crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE, crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE};
  }
  return {};
}

std::optional<KdfProfile> parse_kdf_profile(std::string_view name) {
  if (name == "interactive") return KdfProfile::kInteractive;
  if (name == "moderate") return KdfProfile::kModerate;
  if (name == "sensitive") return KdfProfile::kSensitive;
  return std::nullopt;
}

KdfParams test_only_insecure_kdf_params() {
  return {crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

Status check_kdf_params(const KdfParams& p) {
  if (p.opslimit < kMinOpslimit || p.opslimit > kMaxOpslimit) {
    return corrupt(
        fmt::format("KDF opslimit {} is outside {}..{}", p.opslimit, kMinOpslimit, kMaxOpslimit));
  }
  if (p.memlimit < kMinMemlimit || p.memlimit > kMaxMemlimit) {
    return corrupt(fmt::format("KDF memlimit {} bytes is outside {}..{}", p.memlimit, kMinMemlimit,
                               kMaxMemlimit));
  }
  return Status::ok();
}

Result<SecretBytes> derive_key(const SecretBytes& passphrase, std::span<const std::uint8_t> salt,
                               const KdfParams& params) {
  if (Status s = check_kdf_params(params); !s.is_ok()) return s;
  if (salt.size() != kSaltBytes) return corrupt("the KDF salt has the wrong length");
  SecretBytes key(32);
  if (crypto_pwhash(key.data(), key.size(), reinterpret_cast<const char*>(passphrase.data()),
                    passphrase.size(), salt.data(), params.opslimit,
                    static_cast<std::size_t>(params.memlimit), crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return io_error("cannot derive the key: out of memory for the KDF");
  }
  return key;
}

}  // namespace tend::crypto
