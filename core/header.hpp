// vault.json: the plaintext header of a vault. Format: docs/vault-format.md.
//
// Nothing in it is secret or personal. It is read as untrusted input:
//   1. the file must be at most kMaxHeaderBytes and valid JSON;
//   2. it must be byte-for-byte in canonical form (so no byte can change
//      without changing a value);
//   3. its BLAKE2b-256 checksum must match — a failed check means "damaged",
//      detected before any passphrase is asked for or any KDF runs;
//   4. every field is type- and range-checked, KDF cost included;
//   5. after unlocking, the HMAC keyed from the DEK must match — this detects
//      deliberate tampering by someone who also recomputed the checksum.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.hpp"
#include "core/db.hpp"
#include "crypto/aead.hpp"
#include "crypto/hash.hpp"
#include "crypto/kdf.hpp"
#include "crypto/sign.hpp"

namespace tend {

constexpr int kHeaderVersion = 1;
constexpr int kOldestHeaderVersion = 1;
constexpr std::size_t kMaxHeaderBytes = std::size_t{64} * 1024;
constexpr std::size_t kVaultIdBytes = 16;

enum class SlotKind { kPassphrase = 1, kRecovery = 2 };
const char* slot_kind_name(SlotKind kind);

struct KeySlot {
  SlotKind kind = SlotKind::kPassphrase;
  crypto::KdfParams kdf;   // passphrase slots only
  crypto::Bytes salt;      // passphrase slots only, kSaltBytes
  crypto::Sealed wrapped;  // the DEK under the slot key
};

struct VaultHeader {
  int version = kHeaderVersion;
  std::string vault_id;  // 32 lowercase hex characters
  std::int64_t created = 0;
  std::vector<KeySlot> slots;
  CipherSettings cipher;
  crypto::PublicKey signing_key{};
  crypto::PublicKey audit_key{};
  crypto::Hash32 mac{};

  const KeySlot* slot(SlotKind kind) const;
  KeySlot* slot(SlotKind kind);
};

// The associated data binding a wrapped DEK to its vault and slot kind:
// "tend/v1/slot:<vault_id>:<kind>".
std::string slot_associated_data(const std::string& vault_id, SlotKind kind);

// The bytes the header MAC covers: canonical JSON of every field but "mac" and "checksum".
std::string header_mac_input(const VaultHeader& header);
crypto::Hash32 compute_header_mac(const VaultHeader& header, const crypto::SecretBytes& dek);

// The complete file contents: indented canonical JSON with "checksum" set.
std::string serialize_header(const VaultHeader& header);

// Steps 1-4 above. kCorrupt for damage, kUnsupported for another format version.
Result<VaultHeader> parse_header(std::string_view bytes);

}  // namespace tend
