#include "crypto/age.hpp"

#include <sodium.h>

#include <cstring>

#include "crypto/bech32.hpp"

namespace tend::crypto {
namespace {

constexpr std::string_view kVersionLine = "age-encryption.org/v1\n";
constexpr std::string_view kX25519Info = "age-encryption.org/v1/X25519";
constexpr std::string_view kScryptLabel = "age-encryption.org/v1/scrypt";
constexpr std::size_t kScryptSalt = 16;
constexpr std::size_t kFileKeyBytes = 16;
constexpr std::size_t kTag = crypto_aead_chacha20poly1305_ietf_ABYTES;
// A file tend writes has at most 20 stanzas; age sets no limit, but every
// stanza costs a scalar multiplication per identity, so a sender's count is capped.
constexpr std::size_t kMaxStanzas = 256;

std::string b64_raw(std::span<const std::uint8_t> b) {
  return to_base64(b, Padding::kUnpadded);
}
std::optional<Bytes> from_b64_raw(std::string_view s) {
  return from_base64(s, Padding::kUnpadded);
}

void chunk_nonce(std::uint64_t counter, bool last, std::uint8_t nonce[12]) {
  std::memset(nonce, 0, 12);
  for (int i = 0; i < 8; ++i) nonce[10 - i] = static_cast<std::uint8_t>(counter >> (8 * i));
  nonce[11] = last ? 1 : 0;
}

struct Stanza {
  std::vector<std::string> args;
  Bytes body;
};

struct Header {
  std::vector<Stanza> stanzas;
  std::string_view mac_input;  // from the start up to and including "---"
  Bytes mac;
  std::size_t length = 0;  // bytes up to and including the MAC line's newline
};

bool is_b64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

std::optional<Header> parse_header(std::string_view file) {
  if (file.substr(0, kVersionLine.size()) != kVersionLine) return std::nullopt;
  Header h;
  std::size_t pos = kVersionLine.size();
  auto next_line = [&](std::string_view* line) {
    const auto nl = file.find('\n', pos);
    if (nl == std::string_view::npos) return false;
    *line = file.substr(pos, nl - pos);
    pos = nl + 1;
    return true;
  };
  for (;;) {
    const std::size_t line_start = pos;
    std::string_view line;
    if (!next_line(&line)) return std::nullopt;
    if (line.substr(0, 3) == "---") {
      if (line.size() != 4 + 43 || line[3] != ' ') return std::nullopt;
      auto mac = from_b64_raw(line.substr(4));
      if (!mac || mac->size() != 32 || h.stanzas.empty()) return std::nullopt;
      h.mac = std::move(*mac);
      h.mac_input = file.substr(0, line_start + 3);
      h.length = pos;
      return h;
    }
    if (line.substr(0, 3) != "-> " || h.stanzas.size() == kMaxStanzas) return std::nullopt;
    Stanza s;
    std::string_view rest = line.substr(3);
    for (;;) {
      const auto sp = rest.find(' ');
      const std::string_view arg = rest.substr(0, sp);
      if (arg.empty()) return std::nullopt;
      for (char c : arg) {
        if (c < 0x21 || c > 0x7e) return std::nullopt;
      }
      s.args.emplace_back(arg);
      if (sp == std::string_view::npos) break;
      rest.remove_prefix(sp + 1);
    }
    std::string body;
    for (;;) {
      std::string_view b;
      if (!next_line(&b) || b.size() > 64) return std::nullopt;
      for (char c : b) {
        if (!is_b64_char(c)) return std::nullopt;
      }
      body += b;
      if (b.size() < 64) break;
    }
    auto decoded = from_b64_raw(body);
    if (!decoded) return std::nullopt;
    s.body = std::move(*decoded);
    h.stanzas.push_back(std::move(s));
  }
}

SecretBytes header_mac_key(const SecretBytes& file_key) {
  return hkdf_sha256(file_key.span(), {}, "header");
}

Bytes hmac(const SecretBytes& key, std::string_view msg) {
  Bytes out(crypto_auth_hmacsha256_BYTES);
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, key.data(), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const std::uint8_t*>(msg.data()), msg.size());
  crypto_auth_hmacsha256_final(&st, out.data());
  return out;
}

}  // namespace

namespace {

// HKDF-SHA-256 into `out` (32 bytes), with no allocation: the stanza loop of a
// hostile file runs it many times. Intermediate key bytes are wiped.
void hkdf_into(std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> salt,
               std::string_view info, std::uint8_t* out) {
  // Extract: PRK = HMAC(salt, IKM); an absent salt is HashLen zero bytes (RFC 5869 §2.2).
  static constexpr std::uint8_t kZeroSalt[32] = {};
  if (salt.empty()) salt = kZeroSalt;
  std::uint8_t prk[32];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, salt.data(), salt.size());
  crypto_auth_hmacsha256_update(&st, ikm.data(), ikm.size());
  crypto_auth_hmacsha256_final(&st, prk);
  // Expand, one block: T(1) = HMAC(PRK, info ‖ 0x01).
  crypto_auth_hmacsha256_init(&st, prk, sizeof prk);
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const std::uint8_t*>(info.data()),
                                info.size());
  const std::uint8_t one = 1;
  crypto_auth_hmacsha256_update(&st, &one, 1);
  crypto_auth_hmacsha256_final(&st, out);
  sodium_memzero(prk, sizeof prk);
  sodium_memzero(&st, sizeof st);
}

}  // namespace

SecretBytes hkdf_sha256(std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> salt,
                        std::string_view info) {
  SecretBytes out(32);
  hkdf_into(ikm, salt, info, out.data());
  return out;
}

std::optional<X25519Key> parse_age_recipient(std::string_view text) {
  auto b = bech32_decode(text);
  if (!b || b->hrp != "age" || b->data.size() != 32) return std::nullopt;
  for (char c : text) {
    if (c >= 'A' && c <= 'Z') return std::nullopt;  // recipients are lowercase
  }
  X25519Key k{};
  std::copy(b->data.begin(), b->data.end(), k.begin());
  return k;
}

std::string format_age_recipient(const X25519Key& public_key) {
  return bech32_encode("age", public_key);
}

bool is_low_order(const X25519Key& public_key) {
  // Any clamped scalar is a multiple of the cofactor, so it sends exactly the
  // small-order points (on the curve or its twist) to zero; no secret is involved.
  std::uint8_t scalar[crypto_scalarmult_SCALARBYTES];
  std::memset(scalar, 0x5a, sizeof scalar);
  std::uint8_t out[crypto_scalarmult_BYTES];
  const bool low = crypto_scalarmult(out, scalar, public_key.data()) != 0;
  sodium_memzero(out, sizeof out);
  return low;
}

std::optional<AgeIdentity> parse_age_identity(std::string_view text) {
  auto b = bech32_decode(text);
  if (!b || b->hrp != "age-secret-key-" || b->data.size() != 32) return std::nullopt;
  AgeIdentity id;
  id.secret = SecretBytes::from(b->data);
  sodium_memzero(b->data.data(), b->data.size());
  crypto_scalarmult_base(id.public_key.data(), id.secret.data());
  return id;
}

std::string format_age_identity(const AgeIdentity& identity) {
  std::string s = bech32_encode("age-secret-key-", identity.secret.span());
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

AgeIdentity generate_age_identity() {
  AgeIdentity id;
  id.secret = SecretBytes(32);
  randombytes_buf(id.secret.data(), id.secret.size());
  crypto_scalarmult_base(id.public_key.data(), id.secret.data());
  return id;
}

namespace {

// The body of a stanza: the file key sealed with `wrap` under the zero nonce.
Bytes wrap_file_key(const SecretBytes& file_key, const std::uint8_t* wrap) {
  Bytes body(kFileKeyBytes + kTag);
  const std::uint8_t zero_nonce[12] = {};
  crypto_aead_chacha20poly1305_ietf_encrypt(body.data(), nullptr, file_key.data(), file_key.size(),
                                            nullptr, 0, nullptr, zero_nonce, wrap);
  return body;
}

// scrypt(passphrase, label ‖ salt, 2^work_factor, 8, 1) into `out` (32 bytes).
bool scrypt_wrap_key(const SecretBytes& passphrase, std::span<const std::uint8_t> salt,
                     int work_factor, std::uint8_t* out) {
  std::array<std::uint8_t, kScryptLabel.size() + kScryptSalt> full{};
  std::copy(kScryptLabel.begin(), kScryptLabel.end(), full.begin());
  std::copy(salt.begin(), salt.end(), full.begin() + kScryptLabel.size());
  return crypto_pwhash_scryptsalsa208sha256_ll(passphrase.data(), passphrase.size(), full.data(),
                                               full.size(), std::uint64_t{1} << work_factor, 8, 1,
                                               out, 32) == 0;
}

}  // namespace

AgeWriter::AgeWriter(std::span<const X25519Key> recipients, Sink sink) : sink_(std::move(sink)) {
  SecretBytes file_key(kFileKeyBytes);
  randombytes_buf(file_key.data(), file_key.size());
  std::string stanzas;
  for (const X25519Key& r : recipients) {
    SecretBytes eph(32);
    randombytes_buf(eph.data(), eph.size());
    X25519Key share{};
    crypto_scalarmult_base(share.data(), eph.data());
    SecretBytes shared(32);
    if (crypto_scalarmult(shared.data(), eph.data(), r.data()) != 0 && status_.is_ok()) {
      status_ =
          invalid_input("an age recipient is a low-order point: nothing can be encrypted to it");
    }
    Bytes salt(share.begin(), share.end());
    salt.insert(salt.end(), r.begin(), r.end());
    const SecretBytes wrap = hkdf_sha256(shared.span(), salt, kX25519Info);
    // A 32-byte body is 43 base64 characters: one line, shorter than 64.
    stanzas.append("-> X25519 ")
        .append(b64_raw(share))
        .append("\n")
        .append(b64_raw(wrap_file_key(file_key, wrap.data())))
        .append("\n");
  }
  start(stanzas, file_key);
}

AgeWriter::AgeWriter(const SecretBytes& passphrase, int work_factor, Sink sink)
    : sink_(std::move(sink)) {
  SecretBytes file_key(kFileKeyBytes);
  randombytes_buf(file_key.data(), file_key.size());
  std::uint8_t salt[kScryptSalt];
  randombytes_buf(salt, sizeof salt);
  SecretBytes wrap(32);
  if (work_factor < 1 || work_factor > kAgeMaxScryptWorkFactor || passphrase.empty() ||
      !scrypt_wrap_key(passphrase, salt, work_factor, wrap.data())) {
    status_ = invalid_input("cannot derive a key from this passphrase");
  }
  const std::string stanza = "-> scrypt " + b64_raw(salt) + " " + std::to_string(work_factor) +
                             "\n" + b64_raw(wrap_file_key(file_key, wrap.data())) + "\n";
  start(stanza, file_key);
}

void AgeWriter::start(std::string_view stanzas, const SecretBytes& file_key) {
  std::string header(kVersionLine);
  header.append(stanzas).append("---");
  const Bytes mac = hmac(header_mac_key(file_key), header);
  header.append(" ").append(b64_raw(mac)).append("\n");

  std::uint8_t nonce[16];
  randombytes_buf(nonce, sizeof nonce);
  payload_key_ = hkdf_sha256(file_key.span(), nonce, "payload");
  if (status_.is_ok()) status_ = sink_(as_bytes(header));
  if (status_.is_ok()) status_ = sink_(std::span<const std::uint8_t>(nonce, sizeof nonce));
  buffer_.reserve(kAgeChunk);
}

AgeWriter::~AgeWriter() {
  sodium_memzero(buffer_.data(), buffer_.size());
}

Status AgeWriter::flush_chunk(bool last) {
  std::vector<std::uint8_t> out(buffer_.size() + kTag);
  std::uint8_t nonce[12];
  chunk_nonce(counter_++, last, nonce);
  crypto_aead_chacha20poly1305_ietf_encrypt(out.data(), nullptr, buffer_.data(), buffer_.size(),
                                            nullptr, 0, nullptr, nonce, payload_key_.data());
  sodium_memzero(buffer_.data(), buffer_.size());
  buffer_.clear();
  if (status_.is_ok()) status_ = sink_(out);
  return status_;
}

Status AgeWriter::write(std::span<const std::uint8_t> plaintext) {
  while (!plaintext.empty() && status_.is_ok()) {
    // A full buffer is flushed only when more data follows: the final chunk
    // is always the one finish() flags, and is empty only for an empty payload.
    if (buffer_.size() == kAgeChunk && !flush_chunk(false).is_ok()) break;
    const std::size_t n = std::min(kAgeChunk - buffer_.size(), plaintext.size());
    buffer_.insert(buffer_.end(), plaintext.begin(),
                   plaintext.begin() + static_cast<std::ptrdiff_t>(n));
    plaintext = plaintext.subspan(n);
  }
  return status_;
}

Status AgeWriter::finish() {
  if (!status_.is_ok()) return status_;
  return flush_chunk(true);
}

std::optional<std::string> age_dearmor(std::string_view in) {
  constexpr std::string_view kBegin = "-----BEGIN AGE ENCRYPTED FILE-----";
  constexpr std::string_view kEnd = "-----END AGE ENCRYPTED FILE-----";
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!in.empty() && space(in.front())) in.remove_prefix(1);
  while (!in.empty() && space(in.back())) in.remove_suffix(1);
  std::vector<std::string_view> lines;
  while (!in.empty()) {
    const auto nl = in.find('\n');
    std::string_view line = in.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  }
  if (lines.size() < 2 || lines.front() != kBegin || lines.back() != kEnd) return std::nullopt;
  std::string b64;
  for (std::size_t i = 1; i + 1 < lines.size(); ++i) {
    const std::string_view line = lines[i];
    const bool last = i + 2 == lines.size();
    if (line.empty() || line.size() > 64 || (!last && line.size() != 64)) return std::nullopt;
    b64 += line;
  }
  if (b64.empty()) return std::string();
  auto bytes = from_base64(b64, Padding::kPadded);
  if (!bytes) return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

namespace {

Status bad_header() {
  return invalid_input("malformed age header");
}
Status bad_payload() {
  return corrupt("the age payload is truncated, extended or was changed");
}

// A work factor as age writes it: decimal, no sign, no leading zero, 1 to the maximum.
std::optional<int> parse_work_factor(std::string_view text) {
  if (text.empty() || text.size() > 2 || text[0] < '1' || text[0] > '9') return std::nullopt;
  int n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (n > kAgeMaxScryptWorkFactor) return std::nullopt;
  return n;
}

Status no_match() {
  return Status::error(ErrorKind::kWrongPassphrase,
                       "no identity matches any recipient of this file");
}

// The file key from the scrypt stanza `s`, with `passphrase`.
Result<SecretBytes> unwrap_scrypt(const Stanza& s, const SecretBytes& passphrase) {
  std::optional<Bytes> salt = s.args.size() == 3 ? from_b64_raw(s.args[1]) : std::nullopt;
  const std::optional<int> work_factor =
      s.args.size() == 3 ? parse_work_factor(s.args[2]) : std::nullopt;
  if (!salt || salt->size() != kScryptSalt || !work_factor ||
      s.body.size() != kFileKeyBytes + kTag) {
    return bad_header();
  }
  SecretBytes wrap(32);
  if (!scrypt_wrap_key(passphrase, *salt, *work_factor, wrap.data())) return no_match();
  SecretBytes file_key(kFileKeyBytes);
  const std::uint8_t zero_nonce[12] = {};
  if (crypto_aead_chacha20poly1305_ietf_decrypt(file_key.data(), nullptr, nullptr, s.body.data(),
                                                s.body.size(), nullptr, 0, zero_nonce,
                                                wrap.data()) != 0) {
    return no_match();
  }
  return file_key;
}

// The file key from the first stanza one of `keys` opens.
Result<SecretBytes> unwrap_file_key(const Header& h, const AgeKeys& keys) {
  bool scrypt = false;
  for (const Stanza& s : h.stanzas) scrypt = scrypt || s.args[0] == "scrypt";
  if (scrypt && h.stanzas.size() > 1) return bad_header();  // an scrypt stanza must be alone
  if (scrypt) {
    if (keys.passphrase == nullptr) return no_match();
    return unwrap_scrypt(h.stanzas[0], *keys.passphrase);
  }
  SecretBytes scratch(64);
  SecretBytes file_key(kFileKeyBytes);
  for (const Stanza& s : h.stanzas) {
    if (s.args[0] != "X25519") continue;
    std::optional<Bytes> share = s.args.size() == 2 ? from_b64_raw(s.args[1]) : std::nullopt;
    if (!share || share->size() != 32 || s.body.size() != kFileKeyBytes + kTag) {
      return bad_header();
    }
    for (const AgeIdentity& id : keys.identities) {
      // One guarded scratch area for the shared secret and the wrapping key.
      if (crypto_scalarmult(scratch.data(), id.secret.data(), share->data()) != 0) {
        return bad_header();  // all-zero shared secret: a low-order share
      }
      std::array<std::uint8_t, 64> salt{};
      std::copy(share->begin(), share->end(), salt.begin());
      std::copy(id.public_key.begin(), id.public_key.end(), salt.begin() + 32);
      hkdf_into({scratch.data(), 32}, salt, kX25519Info, scratch.data() + 32);
      const std::uint8_t zero_nonce[12] = {};
      if (crypto_aead_chacha20poly1305_ietf_decrypt(file_key.data(), nullptr, nullptr,
                                                    s.body.data(), s.body.size(), nullptr, 0,
                                                    zero_nonce, scratch.data() + 32) == 0) {
        return file_key;
      }
    }
  }
  return no_match();
}

Result<SecretBytes> decrypt_binary(std::string_view file, const AgeKeys& keys) {
  std::optional<Header> h = parse_header(file);
  if (!h) return bad_header();
  Result<SecretBytes> file_key = unwrap_file_key(*h, keys);
  if (!file_key.is_ok()) return file_key.status();
  const Bytes mac = hmac(header_mac_key(*file_key), h->mac_input);
  if (sodium_memcmp(mac.data(), h->mac.data(), mac.size()) != 0) {
    return corrupt("the age header MAC does not verify (the header was changed)");
  }
  std::string_view payload = file.substr(h->length);
  if (payload.size() < 16) return bad_header();  // the nonce belongs to the header's framing
  const SecretBytes key = hkdf_sha256(file_key->span(), as_bytes(payload.substr(0, 16)), "payload");
  payload.remove_prefix(16);
  // Each chunk is decrypted in place: the plaintext is never longer than the payload.
  SecretBytes plain(payload.size());
  std::size_t length = 0;
  for (std::uint64_t counter = 0;; ++counter) {
    const std::size_t full = kAgeChunk + kTag;
    const bool last = payload.size() <= full;
    const std::size_t n = last ? payload.size() : full;
    if (n < kTag || (last && n == kTag && counter > 0)) return bad_payload();
    std::uint8_t nonce[12];
    chunk_nonce(counter, last, nonce);
    if (crypto_aead_chacha20poly1305_ietf_decrypt(
            plain.data() + length, nullptr, nullptr,
            reinterpret_cast<const std::uint8_t*>(payload.data()), n, nullptr, 0, nonce,
            key.data()) != 0) {
      return bad_payload();
    }
    length += n - kTag;
    payload.remove_prefix(n);
    if (last) break;
  }
  plain.truncate(length);
  return plain;
}

}  // namespace

Result<SecretBytes> age_decrypt(std::string_view file, const AgeKeys& keys) {
  const std::size_t start = file.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos || file.substr(start, 5) != "-----") {
    return decrypt_binary(file, keys);
  }
  std::optional<std::string> binary = age_dearmor(file);
  if (!binary) return invalid_input("malformed ASCII armor");
  return decrypt_binary(*binary, keys);  // once: armor inside armor is a header error
}

}  // namespace tend::crypto
