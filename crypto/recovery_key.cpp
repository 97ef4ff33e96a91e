#include "crypto/recovery_key.hpp"

#include <cstring>

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

Status bad_length() {
  return invalid_input("the recovery key has the wrong length",
                       "it is 55 characters in groups of five, as tend init showed it");
}

}  // namespace

SecretBytes generate_recovery_key() {
  SecretBytes key(kRecoveryKeyBytes);
  random_bytes(std::span<std::uint8_t>(key.data(), key.size()));
  return key;
}

SecretBytes format_recovery_key(const SecretBytes& key) {
  SecretBytes raw(kTotalBytes);
  std::memcpy(raw.data(), key.data(), kRecoveryKeyBytes);
  const auto sum = checksum(key.span());
  raw.data()[kRecoveryKeyBytes] = sum[0];
  raw.data()[kRecoveryKeyBytes + 1] = sum[1];

  SecretBytes out(kSymbols + (kSymbols - 1) / 5);  // the symbols, a dash after every five
  std::size_t length = 0;
  unsigned buffer = 0;
  int bits = 0;
  std::size_t symbols = 0;
  auto emit = [&](unsigned v) {
    if (symbols > 0 && symbols % 5 == 0) out.data()[length++] = '-';
    out.data()[length++] = static_cast<std::uint8_t>(kAlphabet[v & 31]);
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
  buffer = 0;
  return out;
}

Result<SecretBytes> parse_recovery_key(std::span<const std::uint8_t> text) {
  SecretBytes raw(kTotalBytes);
  unsigned buffer = 0;
  int bits = 0;
  std::size_t symbols = 0, out = 0;
  for (std::uint8_t c : text) {
    if (c == '-' || c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    const int v = symbol_value(c);
    if (v < 0) {
      return invalid_input("the recovery key contains a character that is not in its alphabet");
    }
    if (++symbols > kSymbols) return bad_length();
    buffer = (buffer << 5) | static_cast<unsigned>(v);
    bits += 5;
    if (bits >= 8) {
      if (out < kTotalBytes) raw.data()[out++] = static_cast<std::uint8_t>(buffer >> (bits - 8));
      bits -= 8;
    }
  }
  if (symbols != kSymbols || out != kTotalBytes) return bad_length();
  const auto sum = checksum({raw.data(), kRecoveryKeyBytes});
  // The padding bits after the checksum must be zero: one spelling per key.
  if ((buffer & ((1u << bits) - 1)) != 0 || raw.data()[kRecoveryKeyBytes] != sum[0] ||
      raw.data()[kRecoveryKeyBytes + 1] != sum[1]) {
    return invalid_input("the recovery key has a typo (its checksum does not match)");
  }
  return SecretBytes::from({raw.data(), kRecoveryKeyBytes});
}

}  // namespace tend::crypto
