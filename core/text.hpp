// Text that crosses tend's edge: validation of what users store, and escaping
// of anything untrusted before it is shown on a terminal.
//
// Stored text (labels, notes) refuses what could act on a terminal or hide its
// own meaning: C0 and C1 control characters, DEL, and the bidirectional
// embedding, override and isolate controls (U+202A..U+202E, U+2066..U+2069).
// Shown text is escaped the same way, because a vault, a package or an argument
// may hold anything: tend never writes such a character raw to a terminal.
#pragma once

#include <string>
#include <string_view>

#include "base/status.hpp"
#include "crypto/encoding.hpp"

namespace tend {

using crypto::valid_utf8;

// A short label (app name, category, feature, tag, recipient, purpose): 1..max_bytes
// bytes of valid UTF-8 with no refused character. `what` names it in the error,
// which says what is wrong and where, never the text itself.
Status check_label(std::string_view value, std::string_view what, std::size_t max_bytes);

// A note: valid UTF-8, at most kMaxNoteBytes, no refused character but tab and newline.
constexpr std::size_t kMaxNoteBytes = std::size_t{64} * 1024;
Status check_note(std::string_view note);

// Whether code point `cp` is a control character or a bidirectional control.
bool is_refused_code_point(char32_t cp);

enum class Newlines { kEscape = 0, kKeep = 1 };
// `text` made safe for a terminal: refused code points and bytes that are not
// UTF-8 become visible escapes (\x1b, \u009b, \u202e, \xe9); with kKeep, newlines
// and tabs stay as they are. Everything else is unchanged.
std::string display(std::string_view text, Newlines newlines = Newlines::kEscape);

// `text` as one word a POSIX shell reads back unchanged: as is when it is made
// of safe characters only, else in single quotes (for hints users paste).
std::string shell_word(std::string_view text);

// `text` case-folded and in NFC (Unicode full case folding, by utf8proc), so
// that folded strings compare as a case-insensitive search expects: "Über" and
// "über", "MÜDE" and "müde", "ΟΔΟΣ" and "οδος" (final sigma folds to sigma),
// "Straße" and "STRASSE". Locale-free: Turkish dotted and dotless i are not
// paired (I folds to i, İ to i + U+0307, ı stays ı). Text that is not UTF-8 is
// returned unchanged.
std::string fold_case(std::string_view text);

// A value echoed in a message: display()ed, cut to `max_chars` characters
// (ending in "…" when cut) and put in single quotes.
std::string quote(std::string_view text, std::size_t max_chars = 48);

// A value the user typed, for an error message: quote() when it is one short
// word (letters, digits and . _ : + @ / -, at most 32 bytes), such as a time or
// a name from a fixed set; else empty. Anything longer, or with spaces, may be
// journal text typed in the wrong place and is never repeated.
std::string echo_token(std::string_view value);
// `phrase` followed by echo_token(value) when that shows it: "unknown data category 'diary'".
std::string phrase_with(std::string_view phrase, std::string_view value);

}  // namespace tend
