#include "crypto/secret.hpp"

#include <sodium.h>

#include <cstdlib>
#include <cstring>
#include <utility>

namespace tend::crypto {

Status init() {
  if (sodium_init() < 0) return io_error("cannot initialise libsodium");
  return Status::ok();
}

SecretBytes::SecretBytes(std::size_t size) : size_(size), capacity_(size == 0 ? 1 : size) {
  data_ = static_cast<std::uint8_t*>(sodium_malloc(capacity_));
  if (data_ == nullptr) std::abort();
  sodium_memzero(data_, capacity_);
}

SecretBytes::~SecretBytes() {
  if (data_ != nullptr) sodium_free(data_);  // sodium_free wipes before freeing
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) sodium_free(data_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

SecretBytes SecretBytes::clone() const {
  return from(span());
}

SecretBytes SecretBytes::from(std::span<const std::uint8_t> bytes) {
  SecretBytes s(bytes.size());
  if (!bytes.empty()) std::memcpy(s.data_, bytes.data(), bytes.size());
  return s;
}

void SecretBytes::truncate(std::size_t new_size) {
  if (new_size > size_) std::abort();
  sodium_memzero(data_ + new_size, size_ - new_size);
  size_ = new_size;
}

bool SecretBytes::equals(const SecretBytes& other) const {
  if (size_ != other.size_) return false;
  if (size_ == 0) return true;
  return sodium_memcmp(data_, other.data_, size_) == 0;
}

}  // namespace tend::crypto
