// Argon2id key derivation for the passphrase key slot.
//
// Policy: the three profiles are libsodium's named limits for Argon2id, so their
// cost follows libsodium's guidance (interactive ≈ 64 MiB, moderate ≈ 256 MiB,
// sensitive ≈ 1 GiB). Parameters read back from a vault header are untrusted:
// check_kdf_params() bounds them before any derivation runs, so a tampered
// header cannot make unlocking take hours or allocate tens of GiB.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/status.hpp"
#include "crypto/secret.hpp"

namespace tend::crypto {

struct KdfParams {
  std::uint64_t opslimit = 0;
  std::uint64_t memlimit = 0;  // bytes
};

enum class KdfProfile { kInteractive = 0, kModerate = 1, kSensitive = 2 };

constexpr std::size_t kSaltBytes = 16;
// Bounds accepted from a stored header. The upper bounds are the sensitive
// profile's: tend never writes more, so anything above is tampering or damage.
constexpr std::uint64_t kMinOpslimit = 1;
constexpr std::uint64_t kMaxOpslimit = 4;
constexpr std::uint64_t kMinMemlimit = 8192;
constexpr std::uint64_t kMaxMemlimit = 1ull << 30;

KdfParams kdf_params(KdfProfile profile);
std::optional<KdfProfile> parse_kdf_profile(std::string_view name);

// Parameters for tests only: the cheapest Argon2id libsodium allows. No flag or
// environment variable of the tend executable selects these.
KdfParams test_only_insecure_kdf_params();

// kCorrupt, saying why, unless the parameters are within the bounds above.
Status check_kdf_params(const KdfParams& params);

// Argon2id13 of `passphrase` with `salt` (kSaltBytes): a 32-byte key. kCorrupt
// for parameters check_kdf_params refuses or a salt of another size (nothing
// runs then); kIo if libsodium fails (out of memory).
Result<SecretBytes> derive_key(const SecretBytes& passphrase, std::span<const std::uint8_t> salt,
                               const KdfParams& params);

}  // namespace tend::crypto
