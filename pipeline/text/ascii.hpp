// ASCII text helpers shared by the pipeline stages (decode, clean, encode, formats, dedup):
// character classes, trimming, ASCII case-insensitive comparison, hex digits.
//
// Invariants:
// - Pure constexpr/inline functions over bytes, no state, no allocation except where a function
//   returns a std::string.
// - Only ASCII bytes are classified or case-folded; bytes >= 0x80 (UTF-8 lead and continuation
//   bytes) are never letters, digits or blanks here and compare as themselves, so the helpers
//   never split or alter a multi-byte character.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace wirefeed::pipeline::text {

constexpr bool is_blank(char c) { return c == ' ' || c == '\t'; }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
constexpr bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
constexpr bool is_alpha(char c) { return is_upper(c) || is_lower(c); }
constexpr bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
constexpr bool is_non_ascii(char c) { return static_cast<unsigned char>(c) >= 0x80; }
constexpr char to_lower(char c) { return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

// `s` without leading and trailing blanks (space, tab): the cleaner's line-level trim.
constexpr std::string_view trim_blanks(std::string_view s) {
  std::size_t b = 0;
  std::size_t e = s.size();
  while (b < e && is_blank(s[b])) ++b;
  while (e > b && is_blank(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// `s` without leading and trailing bytes <= 0x20 (space, tab, CR, LF and other C0 controls):
// for values taken from markup and headers.
constexpr std::string_view trim_space(std::string_view s) {
  std::size_t b = 0;
  std::size_t e = s.size();
  while (b < e && static_cast<unsigned char>(s[b]) <= 0x20) ++b;
  while (e > b && static_cast<unsigned char>(s[e - 1]) <= 0x20) --e;
  return s.substr(b, e - b);
}

// ASCII case-insensitive equality.
constexpr bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_lower(a[i]) != to_lower(b[i])) return false;
  }
  return true;
}

constexpr bool istarts_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && iequals(s.substr(0, p.size()), p);
}

constexpr bool iends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && iequals(s.substr(s.size() - p.size()), p);
}

// True when `needle` occurs in `hay`, ASCII case-insensitively.
constexpr bool icontains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    if (iequals(hay.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

// `s` with ASCII letters lowered.
inline std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = to_lower(c);
  return out;
}

// Lower-case hex digits by value.
inline constexpr char kHexDigits[] = "0123456789abcdef";

// Value of a hex digit (either case), or -1.
constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace wirefeed::pipeline::text
