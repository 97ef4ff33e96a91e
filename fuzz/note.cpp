// Signed notes and the checkpoints inside them (audit verify
// --trusted-checkpoint, --key), and verifier keys.
//
// Input: a verifier key line, then a signed note; so that seeds can carry a
// valid pair and mutations reach the signature's verification.
#include "crypto/note.hpp"
#include "fuzz/fuzz.hpp"

using namespace tend;

TEND_FUZZ_TARGET(note) {
  if (std::optional<crypto::Checkpoint> c = crypto::parse_checkpoint_text(input)) {
    TEND_FUZZ_CHECK(crypto::checkpoint_text(*c) == input);  // one spelling
  }
  const std::size_t line = input.find('\n');
  if (line == std::string_view::npos) return;
  std::optional<crypto::NoteVerifier> verifier = crypto::parse_verifier_key(input.substr(0, line));
  if (!verifier) return;
  const std::string_view note = input.substr(line + 1);
  Result<std::string> text = crypto::open_note(note, std::span(&*verifier, 1));
  if (!text.is_ok()) return;
  TEND_FUZZ_CHECK(note.starts_with(*text));  // the text is what was signed, unchanged
  (void)crypto::parse_checkpoint_text(*text);
}
