// Character repair, the first passes over a story: HTML entities, then UTF-8 sanitising,
// Windows-1252 mojibake repair, control and space normalisation, NFC composition.
//
// Invariants:
// - Output is valid UTF-8 for any input bytes: invalid sequences become U+FFFD.
// - normalize_chars output holds no CR, no C0 control other than '\n' and '\t', no C1 control,
//   no zero-width character or soft hyphen; exotic spaces are ' ', line separators '\n'.
// - Text already normal is copied a run at a time; single pass, linear in the input.
#pragma once

#include <string>
#include <string_view>

namespace wirefeed::pipeline::cleaning {

// HTML entities (named ones wire copy uses, decimal and hex references) -> UTF-8. A reference
// to a C1 code point is read as the Windows-1252 character for that byte. Other '&' kept.
std::string decode_entities(std::string_view in);

// UTF-8 sanitising, mojibake repair ("â€™" -> "’"), CR/LF and control characters, exotic
// spaces, zero-width characters, and NFC composition of a letter with a combining mark.
std::string normalize_chars(std::string_view in);

}  // namespace wirefeed::pipeline::cleaning
