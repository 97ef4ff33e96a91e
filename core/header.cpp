#include "core/header.hpp"

#include <fmt/format.h>

#include "core/json.hpp"
#include "crypto/encoding.hpp"

namespace tend {
namespace {

using crypto::Bytes;

Json to_json_without_checksum(const VaultHeader& h, bool with_mac) {
  Json slots = Json::array();
  for (const KeySlot& s : h.slots) {
    Json slot = {{"kind", slot_kind_name(s.kind)},
                 {"nonce", crypto::to_hex(s.wrapped.nonce)},
                 {"wrapped_key", crypto::to_hex(s.wrapped.ciphertext)}};
    if (s.kind == SlotKind::kPassphrase) {
      slot["kdf"] = {{"algorithm", "argon2id13"},
                     {"opslimit", s.kdf.opslimit},
                     {"memlimit", s.kdf.memlimit},
                     {"salt", crypto::to_hex(s.salt)}};
    }
    slots.push_back(std::move(slot));
  }
  Json j = {
      {"format", "tend-vault"},
      {"version", h.version},
      {"vault_id", h.vault_id},
      {"created", h.created},
      {"slots", std::move(slots)},
      {"sqlcipher",
       {{"key_format", "raw"},
        {"cipher_page_size", h.cipher.page_size},
        {"cipher_use_hmac", h.cipher.use_hmac ? 1 : 0},
        {"cipher_hmac_algorithm", h.cipher.hmac_algorithm},
        {"cipher_kdf_algorithm", h.cipher.kdf_algorithm},
        {"kdf_iter", h.cipher.kdf_iter},
        {"fast_kdf_iter", h.cipher.fast_kdf_iter},
        {"cipher_compatibility", h.cipher.compatibility}}},
      {"device",
       {{"signing_ed25519", crypto::to_base64(h.signing_key)},
        {"audit_ed25519", crypto::to_base64(h.audit_key)}}},
  };
  if (with_mac) j["mac"] = crypto::to_hex(h.mac);
  return j;
}

Status damaged(const std::string& why) {
  return corrupt(fmt::format("vault.json is damaged: {}", why),
                 "restore vault.json from a backup; the journal itself is in vault.db");
}

std::optional<Bytes> hex_field(const Json& obj, const char* key, std::size_t size) {
  auto s = get_string(obj, key);
  if (!s) return std::nullopt;
  auto b = crypto::from_hex(*s);
  if (!b || (size != 0 && b->size() != size)) return std::nullopt;
  return b;
}

std::optional<crypto::PublicKey> key_field(const Json& obj, const char* key) {
  auto s = get_string(obj, key);
  if (!s) return std::nullopt;
  auto b = crypto::from_base64(*s);
  if (!b || b->size() != 32) return std::nullopt;
  crypto::PublicKey pk{};
  std::copy(b->begin(), b->end(), pk.begin());
  return pk;
}

Result<KeySlot> parse_slot(const Json& j) {
  KeySlot slot;
  auto kind = get_string(j, "kind");
  if (kind == std::string("passphrase")) {
    slot.kind = SlotKind::kPassphrase;
  } else if (kind == std::string("recovery")) {
    slot.kind = SlotKind::kRecovery;
  } else {
    return damaged("unknown key slot kind");
  }
  auto nonce = hex_field(j, "nonce", crypto::kAeadNonceBytes);
  auto wrapped = hex_field(j, "wrapped_key", 32 + crypto::kAeadTagBytes);
  if (!nonce || !wrapped) return damaged("malformed key slot");
  slot.wrapped = {std::move(*nonce), std::move(*wrapped)};
  const std::size_t expected_fields = slot.kind == SlotKind::kPassphrase ? 4 : 3;
  if (j.size() != expected_fields) return damaged("unexpected fields in key slot");
  if (slot.kind == SlotKind::kPassphrase) {
    const Json* kdf = get_object(j, "kdf");
    if (kdf == nullptr || kdf->size() != 4 || get_string(*kdf, "algorithm") != "argon2id13") {
      return damaged("malformed KDF parameters");
    }
    auto ops = get_int(*kdf, "opslimit");
    auto mem = get_int(*kdf, "memlimit");
    auto salt = hex_field(*kdf, "salt", crypto::kSaltBytes);
    if (!ops || !mem || !salt || *ops < 0 || *mem < 0) return damaged("malformed KDF parameters");
    slot.kdf = {static_cast<std::uint64_t>(*ops), static_cast<std::uint64_t>(*mem)};
    slot.salt = std::move(*salt);
    if (Status why = crypto::check_kdf_params(slot.kdf); !why.is_ok()) {
      return corrupt(fmt::format("vault.json is damaged or tampered: {}", why.message()),
                     "tend refuses KDF costs it would never write; restore vault.json");
    }
  }
  return slot;
}

}  // namespace

const char* slot_kind_name(SlotKind kind) {
  return kind == SlotKind::kPassphrase ? "passphrase" : "recovery";
}

const KeySlot* VaultHeader::slot(SlotKind kind) const {
  for (const KeySlot& s : slots) {
    if (s.kind == kind) return &s;
  }
  return nullptr;
}

KeySlot* VaultHeader::slot(SlotKind kind) {
  for (KeySlot& s : slots) {
    if (s.kind == kind) return &s;
  }
  return nullptr;
}

std::string slot_associated_data(const std::string& vault_id, SlotKind kind) {
  return fmt::format("tend/v1/slot:{}:{}", vault_id, slot_kind_name(kind));
}

std::string header_mac_input(const VaultHeader& header) {
  return canonical_json(to_json_without_checksum(header, /*with_mac=*/false));
}

crypto::Hash32 compute_header_mac(const VaultHeader& header, const crypto::SecretBytes& dek) {
  const crypto::SecretBytes key = crypto::derive_subkey(dek, "tend/v1/header-mac");
  return crypto::hmac_sha256(key, crypto::as_bytes(header_mac_input(header)));
}

std::string serialize_header(const VaultHeader& header) {
  Json j = to_json_without_checksum(header, /*with_mac=*/true);
  j["checksum"] = crypto::to_hex(crypto::blake2b256(crypto::as_bytes(canonical_json(j))));
  return j.dump(2) + "\n";
}

Result<VaultHeader> parse_header(std::string_view bytes) {
  if (bytes.size() > kMaxHeaderBytes) return damaged("larger than 64 KiB");
  Result<Json> parsed = parse_json(bytes, "vault.json");
  if (!parsed.is_ok()) return damaged("not valid JSON");
  Json j = std::move(parsed).value();
  if (!j.is_object()) return damaged("not a JSON object");
  if (j.dump(2) + "\n" != bytes) return damaged("not in canonical form");

  auto checksum = hex_field(j, "checksum", 32);
  if (!checksum) return damaged("missing checksum");
  j.erase("checksum");
  const crypto::Hash32 actual = crypto::blake2b256(crypto::as_bytes(canonical_json(j)));
  if (!std::equal(actual.begin(), actual.end(), checksum->begin())) {
    return damaged("checksum mismatch");
  }

  if (get_string(j, "format") != "tend-vault") return damaged("not a tend vault header");
  auto version = get_int(j, "version");
  if (!version) return damaged("missing version");
  if (*version > kHeaderVersion) {
    return Status::error(ErrorKind::kUnsupported,
                         fmt::format("vault format version {} is newer than this tend reads ({})",
                                     *version, kHeaderVersion),
                         "upgrade tend to open this vault");
  }
  if (*version < kOldestHeaderVersion) {
    return Status::error(ErrorKind::kUnsupported,
                         fmt::format("vault format version {} is too old for this tend", *version));
  }

  VaultHeader h;
  h.version = static_cast<int>(*version);
  auto id = get_string(j, "vault_id");
  auto id_bytes = id ? crypto::from_hex(*id) : std::nullopt;
  if (!id_bytes || id_bytes->size() != kVaultIdBytes) return damaged("malformed vault_id");
  h.vault_id = *id;
  auto created = get_int(j, "created");
  if (!created || *created < 0) return damaged("malformed created time");
  h.created = *created;

  const Json* slots = get_array(j, "slots");
  if (slots == nullptr || slots->empty() || slots->size() > 2) return damaged("malformed slots");
  for (const Json& s : *slots) {
    Result<KeySlot> slot = parse_slot(s);
    if (!slot.is_ok()) return slot.status();
    if (h.slot(slot->kind) != nullptr) return damaged("duplicate key slot");
    h.slots.push_back(std::move(slot).value());
  }
  if (h.slot(SlotKind::kPassphrase) == nullptr) return damaged("no passphrase slot");

  const Json* sc = get_object(j, "sqlcipher");
  const CipherSettings expected;
  if (sc == nullptr || sc->size() != 8 || get_string(*sc, "key_format") != "raw" ||
      get_int(*sc, "cipher_page_size") != expected.page_size ||
      get_int(*sc, "cipher_use_hmac") != 1 ||
      get_string(*sc, "cipher_hmac_algorithm") != expected.hmac_algorithm ||
      get_string(*sc, "cipher_kdf_algorithm") != expected.kdf_algorithm ||
      get_int(*sc, "kdf_iter") != expected.kdf_iter ||
      get_int(*sc, "fast_kdf_iter") != expected.fast_kdf_iter ||
      get_int(*sc, "cipher_compatibility") != expected.compatibility) {
    return damaged("unexpected SQLCipher settings");
  }
  h.cipher = expected;

  const Json* device = get_object(j, "device");
  auto signing = device ? key_field(*device, "signing_ed25519") : std::nullopt;
  auto audit = device ? key_field(*device, "audit_ed25519") : std::nullopt;
  if (!signing || !audit || device->size() != 2) return damaged("malformed device keys");
  h.signing_key = *signing;
  h.audit_key = *audit;

  auto mac = hex_field(j, "mac", 32);
  if (!mac) return damaged("malformed mac");
  std::copy(mac->begin(), mac->end(), h.mac.begin());

  // No fields beyond the known ones: an unknown field is a format we do not read.
  if (j.size() != 8) return damaged("unexpected fields");
  return h;
}

}  // namespace tend
