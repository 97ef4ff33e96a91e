#include "crypto/aead.hpp"

#include <sodium.h>

namespace tend::crypto {

static_assert(kAeadNonceBytes == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kAeadKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(kAeadTagBytes == crypto_aead_xchacha20poly1305_ietf_ABYTES);

void random_bytes(std::span<std::uint8_t> out) {
  randombytes_buf(out.data(), out.size());
}

Bytes random_bytes(std::size_t n) {
  Bytes out(n);
  random_bytes(out);
  return out;
}

Sealed seal(const SecretBytes& key, std::span<const std::uint8_t> plaintext,
            std::span<const std::uint8_t> ad) {
  Sealed s{random_bytes(kAeadNonceBytes), Bytes(plaintext.size() + kAeadTagBytes)};
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(s.ciphertext.data(), &len, plaintext.data(),
                                             plaintext.size(), ad.data(), ad.size(), nullptr,
                                             s.nonce.data(), key.data());
  return s;
}

std::optional<SecretBytes> open(const SecretBytes& key, const Sealed& sealed,
                                std::span<const std::uint8_t> ad) {
  if (key.size() != kAeadKeyBytes || sealed.nonce.size() != kAeadNonceBytes ||
      sealed.ciphertext.size() < kAeadTagBytes) {
    return std::nullopt;
  }
  SecretBytes out(sealed.ciphertext.size() - kAeadTagBytes);
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          out.data(), &len, nullptr, sealed.ciphertext.data(), sealed.ciphertext.size(), ad.data(),
          ad.size(), sealed.nonce.data(), key.data()) != 0) {
    return std::nullopt;
  }
  return out;
}

}  // namespace tend::crypto
