#include "crypto/hash.hpp"

#include <sodium.h>

#include <cstring>

namespace tend::crypto {

static_assert(sizeof(crypto_hash_sha256_state) <= 128);

Hash32 sha256(std::span<const std::uint8_t> data) {
  Hash32 out;
  crypto_hash_sha256(out.data(), data.data(), data.size());
  return out;
}

Sha256::Sha256() {
  crypto_hash_sha256_init(reinterpret_cast<crypto_hash_sha256_state*>(state_.data()));
}

void Sha256::update(std::span<const std::uint8_t> data) {
  crypto_hash_sha256_update(reinterpret_cast<crypto_hash_sha256_state*>(state_.data()), data.data(),
                            data.size());
}

Hash32 Sha256::finish() {
  Hash32 out;
  crypto_hash_sha256_final(reinterpret_cast<crypto_hash_sha256_state*>(state_.data()), out.data());
  return out;
}

Hash32 blake2b256(std::span<const std::uint8_t> data) {
  Hash32 out;
  crypto_generichash(out.data(), out.size(), data.data(), data.size(), nullptr, 0);
  return out;
}

SecretBytes derive_subkey(const SecretBytes& key, std::string_view label) {
  SecretBytes out(32);
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(label.data()),
                     label.size(), key.data(), key.size());
  return out;
}

Hash32 hmac_sha256(const SecretBytes& key, std::span<const std::uint8_t> data) {
  Hash32 out;
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, key.data(), key.size());
  crypto_auth_hmacsha256_update(&st, data.data(), data.size());
  crypto_auth_hmacsha256_final(&st, out.data());
  sodium_memzero(&st, sizeof st);
  return out;
}

bool digest_equal(const Hash32& a, const Hash32& b) {
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace tend::crypto
