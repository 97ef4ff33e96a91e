#include "crypto/sign.hpp"

#include <sodium.h>

#include <cstring>

#include <fmt/format.h>

#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"

namespace tend::crypto {

KeyPair generate_keypair() {
  KeyPair kp;
  kp.secret_key = SecretBytes(crypto_sign_SECRETKEYBYTES);
  crypto_sign_keypair(kp.public_key.data(), kp.secret_key.data());
  return kp;
}

Result<KeyPair> keypair_from_secret(std::span<const std::uint8_t> secret) {
  KeyPair kp;
  if (secret.size() != crypto_sign_SECRETKEYBYTES) return corrupt("a device key is malformed");
  kp.secret_key = SecretBytes::from(secret);
  crypto_sign_ed25519_sk_to_pk(kp.public_key.data(), kp.secret_key.data());
  return kp;
}

Signature sign(const SecretBytes& secret_key, std::span<const std::uint8_t> message) {
  Signature sig{};
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), secret_key.data());
  return sig;
}

bool verify(const PublicKey& public_key, std::span<const std::uint8_t> message,
            const Signature& signature) {
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                     public_key.data()) == 0;
}

std::array<std::uint8_t, 8> minisign_key_id(const PublicKey& pk) {
  std::string msg = "tend/v1/minisign-key-id";
  msg.append(reinterpret_cast<const char*>(pk.data()), pk.size());
  const Hash32 h = blake2b256(as_bytes(msg));
  std::array<std::uint8_t, 8> id{};
  std::memcpy(id.data(), h.data(), id.size());
  return id;
}

std::string minisign_public_key_line(const PublicKey& pk) {
  Bytes raw = {'E', 'd'};
  const auto id = minisign_key_id(pk);
  raw.insert(raw.end(), id.begin(), id.end());
  raw.insert(raw.end(), pk.begin(), pk.end());
  return to_base64(raw);
}

std::string minisign_public_key_file(const PublicKey& pk) {
  const auto id = minisign_key_id(pk);
  // minisign prints the key id as a little-endian 64-bit number in uppercase hex.
  std::string id_hex;
  for (int i = 7; i >= 0; --i) id_hex += fmt::format("{:02X}", id[static_cast<std::size_t>(i)]);
  return fmt::format("untrusted comment: minisign public key {}\n{}\n", id_hex,
                     minisign_public_key_line(pk));
}

}  // namespace tend::crypto
