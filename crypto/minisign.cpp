#include "crypto/minisign.hpp"

#include <sodium.h>

#include <cstring>

#include "crypto/encoding.hpp"

namespace tend::crypto {
namespace {

static_assert(sizeof(crypto_generichash_state) <= 384);

std::string_view take_line(std::string_view& rest, bool* ok) {
  const auto nl = rest.find('\n');
  if (nl == std::string_view::npos) {
    // minisign accepts a missing final newline on the last line.
    std::string_view line = rest;
    rest = {};
    *ok = !line.empty();
    return line;
  }
  std::string_view line = rest.substr(0, nl);
  rest.remove_prefix(nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  *ok = true;
  return line;
}

}  // namespace

Blake2b512Hasher::Blake2b512Hasher() {
  crypto_generichash_init(reinterpret_cast<crypto_generichash_state*>(state_.data()), nullptr, 0,
                          64);
}

void Blake2b512Hasher::update(std::span<const std::uint8_t> data) {
  crypto_generichash_update(reinterpret_cast<crypto_generichash_state*>(state_.data()), data.data(),
                            data.size());
}

Blake2b512 Blake2b512Hasher::finish() {
  Blake2b512 out{};
  crypto_generichash_final(reinterpret_cast<crypto_generichash_state*>(state_.data()), out.data(),
                           64);
  return out;
}

MinisignKey minisign_key(const PublicKey& pk) {
  return {minisign_key_id(pk), pk};
}

std::optional<MinisignKey> parse_minisign_public_key(std::string_view text) {
  // A .pub file: take the last non-empty line that is not a comment.
  std::string_view line;
  std::string_view rest = text;
  while (!rest.empty()) {
    bool ok = false;
    std::string_view l = take_line(rest, &ok);
    if (!l.empty() && l.rfind("untrusted comment:", 0) != 0) line = l;
  }
  auto raw = from_base64(line);
  if (!raw || raw->size() != 42 || (*raw)[0] != 'E' || (*raw)[1] != 'd') return std::nullopt;
  MinisignKey k;
  std::memcpy(k.key_id.data(), raw->data() + 2, 8);
  std::memcpy(k.key.data(), raw->data() + 10, 32);
  return k;
}

std::string minisign_sign(const KeyPair& key, const Blake2b512& digest, std::string_view untrusted,
                          std::string_view trusted) {
  const Signature sig = sign(key.secret_key, digest);
  const auto id = minisign_key_id(key.public_key);
  Bytes line = {'E', 'D'};
  line.insert(line.end(), id.begin(), id.end());
  line.insert(line.end(), sig.begin(), sig.end());
  Bytes global_msg(sig.begin(), sig.end());
  global_msg.insert(global_msg.end(), trusted.begin(), trusted.end());
  const Signature global = sign(key.secret_key, global_msg);
  return "untrusted comment: " + std::string(untrusted) + "\n" + to_base64(line) +
         "\ntrusted comment: " + std::string(trusted) + "\n" + to_base64(global) + "\n";
}

Result<std::string> minisign_verify(std::string_view sig_file, std::span<const std::uint8_t> data,
                                    const MinisignKey& key) {
  const Status malformed = invalid_input("not a minisign signature");
  std::string_view rest = sig_file;
  bool ok1 = false, ok2 = false, ok3 = false, ok4 = false;
  const std::string_view untrusted = take_line(rest, &ok1);
  const std::string_view sig_line = take_line(rest, &ok2);
  const std::string_view trusted = take_line(rest, &ok3);
  const std::string_view global_line = take_line(rest, &ok4);
  if (!ok1 || !ok2 || !ok3 || !ok4 || untrusted.rfind("untrusted comment: ", 0) != 0 ||
      trusted.rfind("trusted comment: ", 0) != 0) {
    return malformed;
  }
  while (!rest.empty() && (rest.front() == '\n' || rest.front() == '\r')) rest.remove_prefix(1);
  if (!rest.empty()) return malformed;
  auto raw = from_base64(sig_line);
  auto global = from_base64(global_line);
  if (!raw || raw->size() != 74 || !global || global->size() != 64 || (*raw)[0] != 'E' ||
      ((*raw)[1] != 'D' && (*raw)[1] != 'd')) {
    return malformed;
  }
  if (std::memcmp(raw->data() + 2, key.key_id.data(), 8) != 0) {
    return Status::error(ErrorKind::kVerifyFailed, "it was signed by another key");
  }
  Signature sig{}, gsig{};
  std::memcpy(sig.data(), raw->data() + 10, 64);
  std::memcpy(gsig.data(), global->data(), 64);
  bool good = false;
  if ((*raw)[1] == 'D') {
    Blake2b512Hasher h;
    h.update(data);
    good = verify(key.key, h.finish(), sig);
  } else {
    good = verify(key.key, data, sig);
  }
  const std::string_view comment = trusted.substr(17);
  Bytes global_msg(sig.begin(), sig.end());
  global_msg.insert(global_msg.end(), comment.begin(), comment.end());
  if (!good || !verify(key.key, global_msg, gsig)) {
    return Status::error(ErrorKind::kVerifyFailed,
                         "the signature does not verify: the data or its comment was changed");
  }
  return std::string(comment);
}

}  // namespace tend::crypto
