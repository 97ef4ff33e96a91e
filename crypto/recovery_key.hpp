// The recovery key: 256 random bits shown once at `tend init`, in a form a
// person can copy onto paper and type back.
//
// Form: the 32 key bytes followed by a 2-byte checksum
// (BLAKE2b-256("tend/v1/recovery-check" ‖ key)[0..2]), encoded in Crockford
// base32 (55 symbols, uppercase), in groups of five joined by '-'.
// Parsing ignores case, spaces and dashes, reads O as 0 and I/L as 1, and
// rejects a wrong length or checksum ("a typo"), so a mistyped key is never
// tried against the vault.
#pragma once

#include <span>

#include "base/status.hpp"
#include "crypto/secret.hpp"

namespace tend::crypto {

constexpr std::size_t kRecoveryKeyBytes = 32;

SecretBytes generate_recovery_key();

// The typable form, in guarded memory: it is key material, printed once.
SecretBytes format_recovery_key(const SecretBytes& key);

// The 32 key bytes from their typable form. kInvalidInput, saying which, for a
// character outside the alphabet, a wrong length, or a wrong checksum (a typo).
Result<SecretBytes> parse_recovery_key(std::span<const std::uint8_t> text);

}  // namespace tend::crypto
