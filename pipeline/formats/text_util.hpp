// Small text helpers shared by the format decoders (internal to pipeline/formats).
//
// Invariants:
// - Pure, linear in the input, no allocation beyond the result.
// - Outputs of collapse_space/latin1_to_utf8/plain_paragraphs are valid UTF-8 when the input is
//   (latin1_to_utf8 always is) and contain no NUL or C0 control bytes except '\n' where stated.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wirefeed::pipeline::formats {

// Runs of whitespace (and C0 controls, NBSP) become one space; leading/trailing space removed.
std::string collapse_space(std::string_view s);

std::string_view trim(std::string_view s);
std::string lower_ascii(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool icontains(std::string_view hay, std::string_view needle);

// `s` with every invalid UTF-8 sequence replaced by U+FFFD (for messages quoting input bytes).
std::string valid_utf8(std::string_view s);

// Windows-1252 (a superset of the printable Latin-1 range) to UTF-8.
std::string latin1_to_utf8(std::string_view s);

// Plain-text body to paragraphs: split on blank lines when there are any, else on line breaks;
// each paragraph has its whitespace collapsed; empty ones are dropped.
std::vector<std::string> plain_paragraphs(std::string_view text, std::size_t max_paragraphs);

// RFC 3339 / ISO 8601 (extended or basic: "20130605T210000+0000", date only "2013-06-05")
// to RFC 3339 UTC ("2013-06-05T21:00:00Z"); "" when it is not a date-time.
std::string normalize_datetime(std::string_view s);

// Digits only -> value (clamped to 0..999999999), else -1.
long parse_uint(std::string_view s);

}  // namespace wirefeed::pipeline::formats
