#include "crypto/merkle.hpp"

#include <sodium.h>

#include <bit>

namespace tend::crypto {
namespace {

// The largest power of two strictly less than n. REQUIRES: n > 1.
std::uint64_t split(std::uint64_t n) {
  return std::bit_floor(n - 1);
}

void path(std::span<const Hash32> d, std::uint64_t m, std::vector<Hash32>& out) {
  const std::uint64_t n = d.size();
  if (n <= 1) return;
  const std::uint64_t k = split(n);
  if (m < k) {
    path(d.subspan(0, k), m, out);
    out.push_back(tree_root(d.subspan(k)));
  } else {
    path(d.subspan(k), m - k, out);
    out.push_back(tree_root(d.subspan(0, k)));
  }
}

void subproof(std::span<const Hash32> d, std::uint64_t m, bool b, std::vector<Hash32>& out) {
  const std::uint64_t n = d.size();
  if (m == n) {
    if (!b) out.push_back(tree_root(d));
    return;
  }
  const std::uint64_t k = split(n);
  if (m <= k) {
    subproof(d.subspan(0, k), m, b, out);
    out.push_back(tree_root(d.subspan(k)));
  } else {
    subproof(d.subspan(k), m - k, false, out);
    out.push_back(tree_root(d.subspan(0, k)));
  }
}

}  // namespace

Hash32 leaf_hash(std::span<const std::uint8_t> data) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  const std::uint8_t prefix = 0x00;
  crypto_hash_sha256_update(&st, &prefix, 1);
  crypto_hash_sha256_update(&st, data.data(), data.size());
  Hash32 out;
  crypto_hash_sha256_final(&st, out.data());
  return out;
}

Hash32 node_hash(const Hash32& left, const Hash32& right) {
  std::uint8_t buf[65];
  buf[0] = 0x01;
  std::copy(left.begin(), left.end(), buf + 1);
  std::copy(right.begin(), right.end(), buf + 33);
  Hash32 out;
  crypto_hash_sha256(out.data(), buf, sizeof buf);
  return out;
}

Hash32 empty_root() {
  return sha256({});
}

Hash32 tree_root(std::span<const Hash32> leaves) {
  if (leaves.empty()) return empty_root();
  MerkleFrontier f;
  for (const Hash32& h : leaves) f.append(h);
  return f.root();
}

std::vector<Hash32> inclusion_proof(std::span<const Hash32> leaves, std::uint64_t index) {
  std::vector<Hash32> out;
  if (index < leaves.size()) path(leaves, index, out);
  return out;
}

std::vector<Hash32> consistency_proof(std::span<const Hash32> leaves, std::uint64_t size1) {
  std::vector<Hash32> out;
  if (size1 > 0 && size1 <= leaves.size()) subproof(leaves, size1, true, out);
  return out;
}

bool verify_inclusion(std::uint64_t index, std::uint64_t size, const Hash32& leaf,
                      std::span<const Hash32> proof, const Hash32& root) {
  if (index >= size) return false;
  std::uint64_t fn = index, sn = size - 1;
  Hash32 r = leaf;
  for (const Hash32& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      r = node_hash(p, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && digest_equal(r, root);
}

bool verify_consistency(std::uint64_t size1, std::uint64_t size2, const Hash32& root1,
                        const Hash32& root2, std::span<const Hash32> proof) {
  if (size1 > size2) return false;
  if (size1 == size2) return proof.empty() && digest_equal(root1, root2);
  if (size1 == 0) return proof.empty();
  if (proof.empty()) return false;

  std::vector<Hash32> path(proof.begin(), proof.end());
  if (std::has_single_bit(size1)) path.insert(path.begin(), root1);
  std::uint64_t fn = size1 - 1, sn = size2 - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash32 fr = path[0], sr = path[0];
  for (std::size_t i = 1; i < path.size(); ++i) {
    const Hash32& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return digest_equal(fr, root1) && digest_equal(sr, root2) && sn == 0;
}

std::optional<MerkleFrontier> MerkleFrontier::from(std::uint64_t size, std::vector<Hash32> nodes) {
  if (static_cast<std::size_t>(std::popcount(size)) != nodes.size()) return std::nullopt;
  MerkleFrontier f;
  f.size_ = size;
  f.nodes_ = std::move(nodes);
  return f;
}

void MerkleFrontier::append(const Hash32& leaf) {
  Hash32 cur = leaf;
  // Like a binary counter: each trailing 1 bit of size is a perfect subtree
  // of the same height as `cur`, so they merge.
  for (std::uint64_t s = size_; (s & 1) != 0; s >>= 1) {
    cur = node_hash(nodes_.back(), cur);
    nodes_.pop_back();
  }
  nodes_.push_back(cur);
  ++size_;
}

Hash32 MerkleFrontier::root() const {
  if (nodes_.empty()) return empty_root();
  Hash32 r = nodes_.back();
  for (std::size_t i = nodes_.size() - 1; i-- > 0;) r = node_hash(nodes_[i], r);
  return r;
}

}  // namespace tend::crypto
