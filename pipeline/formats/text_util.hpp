// Text helpers of the format decoders (internal to pipeline/formats). The helpers they share
// with the other stages (trim, case-insensitive compare, UTF-8, Windows-1252) are in
// pipeline/text/.
//
// Invariants:
// - Pure, linear in the input, no allocation beyond the result.
// - Outputs of collapse_space/plain_paragraphs are valid UTF-8 when the input is and contain no
//   NUL or C0 control bytes except '\n' where stated.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pipeline/text/ascii.hpp"

namespace wirefeed::pipeline::formats {

// Runs of whitespace (and C0 controls, NBSP) become one space; leading/trailing space removed.
std::string collapse_space(std::string_view s);

// Plain-text body to paragraphs: split on blank lines when there are any; else, in hard-wrapped
// copy whose paragraphs open with an indent, at the indented lines; else on line breaks. Each
// paragraph has its whitespace collapsed; empty ones are dropped.
std::vector<std::string> plain_paragraphs(std::string_view text, std::size_t max_paragraphs);

// Text declared plain that is really markup: it opens with an element ("<p>", "<div class=..>")
// and closes one ("</p>") or has an empty element ("<br/>").
bool looks_like_markup(std::string_view text);

// RFC 3339 / ISO 8601 (extended or basic: "20130605T210000+0000", date only "2013-06-05")
// to RFC 3339 UTC ("2013-06-05T21:00:00Z"); "" when it is not a date-time.
std::string normalize_datetime(std::string_view s);

// Digits only -> value (clamped to 0..999999999), else -1.
long parse_uint(std::string_view s);

// The shared ASCII helpers under the names the document overlay (daemon/structured.cpp) calls
// them by; new code uses pipeline/text/ascii.hpp directly.
using text::iequals;
using text::lower_ascii;
inline std::string_view trim(std::string_view s) { return text::trim_space(s); }

}  // namespace wirefeed::pipeline::formats
