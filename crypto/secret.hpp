// SecretBytes: the one type that holds key material and passphrases.
//
// Invariants: the bytes live in libsodium guarded memory (sodium_malloc: mlocked,
// guard pages, wiped and freed by sodium_free); the object is move-only; there is
// no conversion to std::string and it prints as "<redacted>".
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <span>
#include <string_view>

#include "base/status.hpp"

namespace tend::crypto {

// Initialises libsodium. Safe to call more than once. kIo if the library could
// not be initialised (then nothing in tend_crypto may be used).
Status init();

class SecretBytes {
 public:
  SecretBytes() = default;
  // Allocates `size` zeroed bytes of guarded memory. Aborts if memory is exhausted,
  // as libsodium itself would: there is no safe way to continue without it.
  explicit SecretBytes(std::size_t size);
  ~SecretBytes();

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  // A copy in fresh guarded memory; explicit so copies of secrets are visible.
  [[nodiscard]] SecretBytes clone() const;
  // Copies `bytes` into fresh guarded memory.
  [[nodiscard]] static SecretBytes from(std::span<const std::uint8_t> bytes);

  std::uint8_t* data() { return data_; }
  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<const std::uint8_t> span() const { return {data_, size_}; }

  // Shrinks the logical size (the capacity stays allocated and is wiped on free).
  // REQUIRES: new_size <= size().
  void truncate(std::size_t new_size);

  // Constant-time comparison.
  [[nodiscard]] bool equals(const SecretBytes& other) const;

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

// The bytes as text, read in place (a passphrase, a decrypted payload). A view,
// not a copy: whatever is made of it leaves guarded memory, so copy with care.
inline std::string_view as_text(const SecretBytes& s) {
  return {reinterpret_cast<const char*>(s.data()), s.size()};
}

inline std::ostream& operator<<(std::ostream& os, const SecretBytes&) {
  return os << "<redacted>";
}

}  // namespace tend::crypto
