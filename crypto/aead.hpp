// XChaCha20-Poly1305 (IETF) for key slots: 24-byte random nonce, 16-byte tag.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "crypto/encoding.hpp"
#include "crypto/secret.hpp"

namespace tend::crypto {

constexpr std::size_t kAeadKeyBytes = 32;
constexpr std::size_t kAeadNonceBytes = 24;
constexpr std::size_t kAeadTagBytes = 16;

struct Sealed {
  Bytes nonce;       // kAeadNonceBytes
  Bytes ciphertext;  // plaintext size + kAeadTagBytes
};

// Encrypts `plaintext` under `key` (kAeadKeyBytes) with a fresh random nonce.
Sealed seal(const SecretBytes& key, std::span<const std::uint8_t> plaintext,
            std::span<const std::uint8_t> ad);

// Decrypts into guarded memory; nullopt if the key, nonce, ad or ciphertext is wrong.
std::optional<SecretBytes> open(const SecretBytes& key, const Sealed& sealed,
                                std::span<const std::uint8_t> ad);

void random_bytes(std::span<std::uint8_t> out);
Bytes random_bytes(std::size_t n);

}  // namespace tend::crypto
