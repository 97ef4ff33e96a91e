#include "crypto/recovery_key.hpp"

#include <cstring>
#include <string>

#include "crypto/aead.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"

namespace tend::crypto {
namespace {

constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::size_t kTotalBytes = kRecoveryKeyBytes + 2;
constexpr std::size_t kSymbols = (kTotalBytes * 8 + 4) / 5;  // 55

int symbol_value(std::uint8_t c) {
  if (c >= 'a' && c <= 'z') c = static_cast<std::uint8_t>(c - 'a' + 'A');
  if (c == 'O') c = '0';
  if (c == 'I' || c == 'L') c = '1';
  for (int i = 0; i < 32; ++i) {
    if (static_cast<std::uint8_t>(kAlphabet[i]) == c) return i;
  }
  return -1;
}

std::array<std::uint8_t, 2> checksum(std::span<const std::uint8_t> key) {
  SecretBytes msg(23 + key.size());
  std::memcpy(msg.data(), "tend/v1/recovery-check", 22);
  msg.truncate(22 + key.size());
  std::memcpy(msg.data() + 22, key.data(), key.size());
  const Hash32 h = blake2b256(msg.span());
  return {h[0], h[1]};
}

}  // namespace

SecretBytes generate_recovery_key() {
  SecretBytes key(kRecoveryKeyBytes);
  random_bytes(std::span<std::uint8_t>(key.data(), key.size()));
  return key;
}

std::string format_recovery_key(const SecretBytes& key) {
  SecretBytes raw(kTotalBytes);
  std::memcpy(raw.data(), key.data(), kRecoveryKeyBytes);
  const auto sum = checksum(key.span());
  raw.data()[kRecoveryKeyBytes] = sum[0];
  raw.data()[kRecoveryKeyBytes + 1] = sum[1];

  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  std::size_t symbols = 0;
  auto emit = [&](unsigned v) {
    if (symbols > 0 && symbols % 5 == 0) out += '-';
    out += kAlphabet[v & 31];
    ++symbols;
  };
  for (std::size_t i = 0; i < kTotalBytes; ++i) {
    buffer = (buffer << 8) | raw.data()[i];
    bits += 8;
    while (bits >= 5) {
      emit(buffer >> (bits - 5));
      bits -= 5;
    }
  }
  if (bits > 0) emit(buffer << (5 - bits));
  return out;
}

ParsedRecoveryKey parse_recovery_key(std::span<const std::uint8_t> text) {
  ParsedRecoveryKey parsed;
  SecretBytes raw(kTotalBytes);
  unsigned buffer = 0;
  int bits = 0;
  std::size_t symbols = 0, out = 0;
  for (std::uint8_t c : text) {
    if (c == '-' || c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    const int v = symbol_value(c);
    if (v < 0) {
      parsed.result = RecoveryParse::kBadCharacter;
      return parsed;
    }
    if (++symbols > kSymbols) {
      parsed.result = RecoveryParse::kBadLength;
      return parsed;
    }
    buffer = (buffer << 5) | static_cast<unsigned>(v);
    bits += 5;
    if (bits >= 8) {
      if (out < kTotalBytes) raw.data()[out++] = static_cast<std::uint8_t>(buffer >> (bits - 8));
      bits -= 8;
    }
  }
  if (symbols != kSymbols || out != kTotalBytes) {
    parsed.result = RecoveryParse::kBadLength;
    return parsed;
  }
  const auto sum = checksum({raw.data(), kRecoveryKeyBytes});
  // The padding bits after the checksum must be zero: one spelling per key.
  if ((buffer & ((1u << bits) - 1)) != 0 || raw.data()[kRecoveryKeyBytes] != sum[0] ||
      raw.data()[kRecoveryKeyBytes + 1] != sum[1]) {
    parsed.result = RecoveryParse::kBadChecksum;
    return parsed;
  }
  parsed.result = RecoveryParse::kOk;
  parsed.key = SecretBytes::from({raw.data(), kRecoveryKeyBytes});
  return parsed;
}

}  // namespace tend::crypto
