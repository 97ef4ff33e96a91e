// RFC 9162 Merkle tree over SHA-256: leaf = H(0x00 ‖ d), node = H(0x01 ‖ l ‖ r).
//
// Generation works on a full list of leaf hashes (the auditor holds the whole
// log); the log itself keeps only a MerkleFrontier, so appending costs
// O(log n) amortised and never rehashes the log.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "crypto/hash.hpp"

namespace tend::crypto {

Hash32 leaf_hash(std::span<const std::uint8_t> data);
Hash32 node_hash(const Hash32& left, const Hash32& right);
// The root of the empty tree: SHA-256 of the empty string.
Hash32 empty_root();

// MTH(D[n]) of RFC 9162 §2.1.1 over leaf hashes.
Hash32 tree_root(std::span<const Hash32> leaves);

// PATH(m, D[n]) of §2.1.3.1. REQUIRES: index < leaves.size().
std::vector<Hash32> inclusion_proof(std::span<const Hash32> leaves, std::uint64_t index);
// PROOF(m, D[n]) of §2.1.4.1. REQUIRES: 0 < size1 <= leaves.size().
std::vector<Hash32> consistency_proof(std::span<const Hash32> leaves, std::uint64_t size1);

// §2.1.3.2.
bool verify_inclusion(std::uint64_t index, std::uint64_t size, const Hash32& leaf,
                      std::span<const Hash32> proof, const Hash32& root);
// §2.1.4.2, plus the trivial cases: size1 == size2 (empty proof, equal roots) and
// size1 == 0 (empty proof).
bool verify_consistency(std::uint64_t size1, std::uint64_t size2, const Hash32& root1,
                        const Hash32& root2, std::span<const Hash32> proof);

// The right edge of a tree: the roots of its perfect subtrees, largest first
// (one per set bit of size). Enough to append and to compute the root.
class MerkleFrontier {
 public:
  MerkleFrontier() = default;
  // Rebuilds a frontier from stored hashes; nullopt if their count does not
  // match the number of set bits in `size`.
  static std::optional<MerkleFrontier> from(std::uint64_t size, std::vector<Hash32> nodes);

  void append(const Hash32& leaf);
  Hash32 root() const;
  std::uint64_t size() const { return size_; }
  const std::vector<Hash32>& nodes() const { return nodes_; }

 private:
  std::uint64_t size_ = 0;
  std::vector<Hash32> nodes_;
};

}  // namespace tend::crypto
