// RFC 6962 / RFC 9162 known answers: the eight test leaves of the Certificate
// Transparency reference implementation, their roots at every size, and
// inclusion and consistency proofs among them (as in transparency-dev/merkle).
#include <catch2/catch.hpp>

#include "crypto/encoding.hpp"
#include "crypto/merkle.hpp"

using namespace tend::crypto;

namespace {

Hash32 h(const char* hex) {
  auto b = from_hex(hex);
  REQUIRE(b.has_value());
  REQUIRE(b->size() == 32);
  Hash32 out;
  std::copy(b->begin(), b->end(), out.begin());
  return out;
}

std::vector<Hash32> hs(std::initializer_list<const char*> hexes) {
  std::vector<Hash32> out;
  for (const char* x : hexes) out.push_back(h(x));
  return out;
}

const char* const kLeaves[] = {"",
                               "00",
                               "10",
                               "2021",
                               "3031",
                               "40414243",
                               "5051525354555657",
                               "606162636465666768696a6b6c6d6e6f"};

const char* const kRoots[] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

std::vector<Hash32> leaf_hashes() {
  std::vector<Hash32> out;
  for (const char* l : kLeaves) out.push_back(leaf_hash(*from_hex(l)));
  return out;
}

struct InclusionVector {
  std::uint64_t index;  // 0-based
  std::uint64_t size;
  std::vector<Hash32> proof;
};

struct ConsistencyVector {
  std::uint64_t size1, size2;
  std::vector<Hash32> proof;
};

std::vector<InclusionVector> inclusion_vectors() {
  return {
      {0, 8,
       hs({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"})},
      {5, 8,
       hs({"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
           "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
      {2, 3, hs({"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"})},
      {1, 5,
       hs({"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"})},
      {0, 1, {}},
  };
}

std::vector<ConsistencyVector> consistency_vectors() {
  return {
      {1, 1, {}},
      {1, 8,
       hs({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"})},
      {6, 8,
       hs({"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
           "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
      {2, 5,
       hs({"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"})},
      {6, 7,
       hs({"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
           "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
  };
}

}  // namespace

TEST_CASE("RFC 6962 test leaves give the known roots at every size", "[crypto][merkle][kat]") {
  CHECK(to_hex(empty_root()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::vector<Hash32> leaves = leaf_hashes();
  MerkleFrontier f;
  for (std::size_t n = 1; n <= leaves.size(); ++n) {
    INFO("size " << n);
    CHECK(to_hex(tree_root(std::span(leaves).first(n))) == kRoots[n - 1]);
    f.append(leaves[n - 1]);
    CHECK(to_hex(f.root()) == kRoots[n - 1]);
  }
}

TEST_CASE("inclusion proofs match the known answers and verify", "[crypto][merkle][kat]") {
  const std::vector<Hash32> leaves = leaf_hashes();
  for (const InclusionVector& v : inclusion_vectors()) {
    INFO("index " << v.index << " size " << v.size);
    const auto d = std::span(leaves).first(v.size);
    CHECK(inclusion_proof(d, v.index) == v.proof);
    const Hash32 root = h(kRoots[v.size - 1]);
    CHECK(verify_inclusion(v.index, v.size, leaves[v.index], v.proof, root));
    // Every way of getting it slightly wrong fails.
    CHECK_FALSE(verify_inclusion(v.index + 1, v.size, leaves[v.index], v.proof, root));
    CHECK_FALSE(verify_inclusion(v.index, v.size * 2, leaves[v.index], v.proof, root));
    CHECK_FALSE(verify_inclusion(v.index, v.size, leaves[(v.index + 1) % 8], v.proof, root));
    CHECK_FALSE(verify_inclusion(v.index, v.size, leaves[v.index], v.proof, empty_root()));
    std::vector<Hash32> longer = v.proof;
    longer.push_back(root);
    CHECK_FALSE(verify_inclusion(v.index, v.size, leaves[v.index], longer, root));
    for (std::size_t i = 0; i < v.proof.size(); ++i) {
      std::vector<Hash32> bad = v.proof;
      bad[i][0] ^= 8;
      CHECK_FALSE(verify_inclusion(v.index, v.size, leaves[v.index], bad, root));
    }
    if (!v.proof.empty()) {
      CHECK_FALSE(verify_inclusion(v.index, v.size, leaves[v.index],
                                   std::span(v.proof).first(v.proof.size() - 1), root));
    }
  }
  CHECK_FALSE(verify_inclusion(0, 0, leaves[0], {}, empty_root()));
}

TEST_CASE("consistency proofs match the known answers and verify", "[crypto][merkle][kat]") {
  const std::vector<Hash32> leaves = leaf_hashes();
  for (const ConsistencyVector& v : consistency_vectors()) {
    INFO(v.size1 << " -> " << v.size2);
    const auto d = std::span(leaves).first(v.size2);
    CHECK(consistency_proof(d, v.size1) == v.proof);
    const Hash32 r1 = h(kRoots[v.size1 - 1]), r2 = h(kRoots[v.size2 - 1]);
    CHECK(verify_consistency(v.size1, v.size2, r1, r2, v.proof));
    if (v.proof.empty()) continue;
    CHECK_FALSE(verify_consistency(v.size1 - 1, v.size2, r1, r2, v.proof));
    CHECK_FALSE(verify_consistency(v.size1 + 1, v.size2, r1, r2, v.proof));
    CHECK_FALSE(verify_consistency(v.size1, v.size2 * 2, r1, r2, v.proof));
    CHECK_FALSE(verify_consistency(v.size1, v.size2, r2, r1, v.proof));
    CHECK_FALSE(verify_consistency(v.size1, v.size2, r1, r2, {}));
    for (std::size_t i = 0; i < v.proof.size(); ++i) {
      std::vector<Hash32> bad = v.proof;
      bad[i][0] ^= 16;
      CHECK_FALSE(verify_consistency(v.size1, v.size2, r1, r2, bad));
    }
    std::vector<Hash32> truncated(v.proof.begin(), v.proof.end() - 1);
    CHECK_FALSE(verify_consistency(v.size1, v.size2, r1, r2, truncated));
  }
  const Hash32 a = h(kRoots[0]), b = h(kRoots[1]);
  CHECK(verify_consistency(0, 0, a, a, {}));
  CHECK(verify_consistency(0, 5, a, b, {}));
  CHECK_FALSE(verify_consistency(1, 1, a, b, {}));
  CHECK_FALSE(verify_consistency(2, 1, a, b, {}));
  CHECK_FALSE(verify_consistency(1, 2, a, b, {}));
}

TEST_CASE("generated proofs verify for every pair of sizes up to 40", "[crypto][merkle]") {
  std::vector<Hash32> leaves;
  for (int i = 0; i < 40; ++i) leaves.push_back(leaf_hash(as_bytes(std::to_string(i))));
  std::vector<Hash32> roots;
  for (std::size_t n = 0; n <= leaves.size(); ++n)
    roots.push_back(tree_root(std::span(leaves).first(n)));
  for (std::uint64_t n = 1; n <= leaves.size(); ++n) {
    const auto d = std::span(leaves).first(n);
    for (std::uint64_t i = 0; i < n; ++i) {
      CHECK(verify_inclusion(i, n, leaves[i], inclusion_proof(d, i), roots[n]));
    }
    for (std::uint64_t m = 1; m <= n; ++m) {
      CHECK(verify_consistency(m, n, roots[m], roots[n], consistency_proof(d, m)));
    }
  }
}

TEST_CASE("a frontier is rebuilt only from the right number of nodes", "[crypto][merkle]") {
  MerkleFrontier f;
  for (int i = 0; i < 11; ++i) f.append(leaf_hash(as_bytes(std::to_string(i))));
  CHECK(f.nodes().size() == 3);  // 11 = 8 + 2 + 1
  auto g = MerkleFrontier::from(11, f.nodes());
  REQUIRE(g.has_value());
  CHECK(g->root() == f.root());
  CHECK_FALSE(MerkleFrontier::from(12, f.nodes()).has_value());
}
