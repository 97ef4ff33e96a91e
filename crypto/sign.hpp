// Ed25519 device keys and the minisign public-key format.
//
// A vault has two Ed25519 keys, made at init, secret halves stored only inside
// the encrypted database: the *signing* key (minisign signatures over exports and
// receipts) and the *audit* key (signed-note checkpoints). Two keys, so that a
// signature made for one protocol can never be presented as one of the other.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "base/status.hpp"
#include "crypto/secret.hpp"

namespace tend::crypto {

using PublicKey = std::array<std::uint8_t, 32>;
using Signature = std::array<std::uint8_t, 64>;

struct KeyPair {
  PublicKey public_key{};
  SecretBytes secret_key;  // 64 bytes, libsodium's seed ‖ public key
};

KeyPair generate_keypair();
// Rebuilds a key pair from its 64-byte secret; kCorrupt if `secret` is malformed.
Result<KeyPair> keypair_from_secret(std::span<const std::uint8_t> secret);

Signature sign(const SecretBytes& secret_key, std::span<const std::uint8_t> message);
bool verify(const PublicKey& public_key, std::span<const std::uint8_t> message,
            const Signature& signature);

// minisign key id: 8 bytes, BLAKE2b-256("tend/v1/minisign-key-id" ‖ pk) truncated.
std::array<std::uint8_t, 8> minisign_key_id(const PublicKey& pk);
// The base64 line of a minisign public key: base64("Ed" ‖ key id ‖ pk).
std::string minisign_public_key_line(const PublicKey& pk);
// The two-line minisign public key file (untrusted comment, key line).
std::string minisign_public_key_file(const PublicKey& pk);

}  // namespace tend::crypto
