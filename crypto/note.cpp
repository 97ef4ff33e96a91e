#include "crypto/note.hpp"

#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "crypto/encoding.hpp"

namespace tend::crypto {
namespace {

constexpr std::string_view kEmDash = "\xE2\x80\x94";  // U+2014
constexpr std::uint8_t kEd25519 = 0x01;
constexpr std::size_t kMaxSignatures = 100;

bool valid_name(std::string_view name) {
  if (name.empty() || !valid_utf8(name)) return false;
  for (char c : name) {
    if (c == ' ' || c == '+' || static_cast<unsigned char>(c) < 0x20) return false;
  }
  // Unicode spaces beyond ASCII (U+00A0, U+2000..U+200A, U+3000, ...) are also refused.
  for (std::string_view sp :
       {"\xC2\xA0", "\xE2\x80\x80", "\xE2\x80\x81", "\xE2\x80\x82", "\xE2\x80\x83", "\xE2\x80\x84",
        "\xE2\x80\x85", "\xE2\x80\x86", "\xE2\x80\x87", "\xE2\x80\x88", "\xE2\x80\x89",
        "\xE2\x80\x8A", "\xE2\x80\xA8", "\xE2\x80\xA9", "\xE2\x80\xAF", "\xE2\x81\x9F",
        "\xE3\x80\x80", "\xE1\x9A\x80"}) {
    if (name.find(sp) != std::string_view::npos) return false;
  }
  return true;
}

}  // namespace

std::uint32_t note_key_id(std::string_view name, const PublicKey& key) {
  Sha256 h;
  h.update(as_bytes(name));
  const std::uint8_t sep[2] = {'\n', kEd25519};
  h.update(sep);
  h.update(key);
  const Hash32 d = h.finish();
  return (std::uint32_t{d[0]} << 24) | (std::uint32_t{d[1]} << 16) | (std::uint32_t{d[2]} << 8) |
         std::uint32_t{d[3]};
}

std::string format_verifier_key(std::string_view name, const PublicKey& key) {
  Bytes raw = {kEd25519};
  raw.insert(raw.end(), key.begin(), key.end());
  return fmt::format("{}+{:08x}+{}", name, note_key_id(name, key), to_base64(raw));
}

std::optional<NoteVerifier> parse_verifier_key(std::string_view text) {
  const auto p1 = text.find('+');
  if (p1 == std::string_view::npos) return std::nullopt;
  const auto p2 = text.find('+', p1 + 1);
  if (p2 == std::string_view::npos) return std::nullopt;
  const std::string_view name = text.substr(0, p1), id_hex = text.substr(p1 + 1, p2 - p1 - 1),
                         key_b64 = text.substr(p2 + 1);
  if (!valid_name(name) || id_hex.size() != 8) return std::nullopt;
  auto id_bytes = from_hex(id_hex);
  auto raw = from_base64(key_b64);
  if (!id_bytes || !raw || raw->size() != 33 || (*raw)[0] != kEd25519) return std::nullopt;
  NoteVerifier v;
  v.name = std::string(name);
  std::copy(raw->begin() + 1, raw->end(), v.key.begin());
  v.key_id = (std::uint32_t{(*id_bytes)[0]} << 24) | (std::uint32_t{(*id_bytes)[1]} << 16) |
             (std::uint32_t{(*id_bytes)[2]} << 8) | std::uint32_t{(*id_bytes)[3]};
  if (v.key_id != note_key_id(v.name, v.key)) return std::nullopt;
  return v;
}

std::string sign_note(std::string_view text, std::string_view name, const SecretBytes& secret_key,
                      const PublicKey& public_key) {
  const Signature sig = sign(secret_key, as_bytes(text));
  const std::uint32_t id = note_key_id(name, public_key);
  Bytes raw = {static_cast<std::uint8_t>(id >> 24), static_cast<std::uint8_t>(id >> 16),
               static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id)};
  raw.insert(raw.end(), sig.begin(), sig.end());
  return fmt::format("{}\n{} {} {}\n", text, kEmDash, name, to_base64(raw));
}

Result<std::string> open_note(std::string_view note, std::span<const NoteVerifier> known) {
  const Status malformed = invalid_input("not a signed note");
  if (note.size() > 1 << 20 || !valid_utf8(note)) return malformed;
  for (char c : note) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n') return malformed;
  }
  if (note.empty() || note.back() != '\n') return malformed;
  // The text ends at the last empty line.
  const auto split = note.rfind("\n\n");
  if (split == std::string_view::npos) return malformed;
  const std::string_view text = note.substr(0, split + 1);
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty()) return malformed;

  bool any_known = false, any_bad = false;
  std::size_t count = 0;
  while (!sigs.empty()) {
    const auto nl = sigs.find('\n');
    const std::string_view line = sigs.substr(0, nl);
    sigs.remove_prefix(nl + 1);
    if (++count > kMaxSignatures) return malformed;
    if (line.substr(0, kEmDash.size() + 1) != std::string(kEmDash) + " ") return malformed;
    const std::string_view rest = line.substr(kEmDash.size() + 1);
    const auto space = rest.find(' ');
    if (space == std::string_view::npos) return malformed;
    const std::string_view name = rest.substr(0, space);
    auto raw = from_base64(rest.substr(space + 1));
    if (!valid_name(name) || !raw || raw->size() < 5) return malformed;
    const std::uint32_t id = (std::uint32_t{(*raw)[0]} << 24) | (std::uint32_t{(*raw)[1]} << 16) |
                             (std::uint32_t{(*raw)[2]} << 8) | std::uint32_t{(*raw)[3]};
    for (const NoteVerifier& v : known) {
      if (v.name != name || v.key_id != id) continue;
      any_known = true;
      Signature sig{};
      if (raw->size() != 4 + sig.size()) {
        any_bad = true;
        continue;
      }
      std::memcpy(sig.data(), raw->data() + 4, sig.size());
      if (!verify(v.key, as_bytes(text), sig)) any_bad = true;
    }
  }
  if (any_bad)
    return Status::error(ErrorKind::kVerifyFailed, "has a signature that does not verify");
  if (!any_known) return Status::error(ErrorKind::kVerifyFailed, "is not signed by a known key");
  return std::string(text);
}

std::string checkpoint_text(const Checkpoint& c) {
  return fmt::format("{}\n{}\n{}\n", c.origin, c.size, to_base64(c.root));
}

std::optional<Checkpoint> parse_checkpoint_text(std::string_view text) {
  std::string_view lines[3];
  std::string_view rest = text;
  for (auto& line : lines) {
    const auto nl = rest.find('\n');
    if (nl == std::string_view::npos) return std::nullopt;
    line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
  }
  if (!rest.empty() || lines[0].empty()) return std::nullopt;
  Checkpoint c;
  c.origin = std::string(lines[0]);
  // ASCII decimal without leading zeros (except "0").
  const std::string_view size = lines[1];
  if (size.empty() || size.size() > 19 || (size.size() > 1 && size[0] == '0')) return std::nullopt;
  auto [p, ec] = std::from_chars(size.data(), size.data() + size.size(), c.size);
  if (ec != std::errc() || p != size.data() + size.size()) return std::nullopt;
  auto root = from_base64(lines[2]);
  if (!root || root->size() != 32) return std::nullopt;
  std::copy(root->begin(), root->end(), c.root.begin());
  return c;
}

}  // namespace tend::crypto
