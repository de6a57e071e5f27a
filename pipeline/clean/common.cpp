// Helpers shared by the cleaning modules: word and name lists, name and place shapes. See
// common.hpp for the contract.
#include "pipeline/clean/common.hpp"

#include <string>
#include "pipeline/text/utf8.hpp"

namespace wirefeed::pipeline::cleaning {

using text::decode_utf8;
using text::Decoded;

namespace {
// Lower-case words allowed inside a place name ("Rio de Janeiro", "STRATFORD upon AVON").
constexpr auto kNameParticles = std::to_array<string_view>({
    "de",  "da",  "do",  "dos", "das", "del",  "della", "di", "la", "le",
    "les", "el",  "al",  "of",  "on",  "upon", "am",    "an", "im", "sur",
    "van", "von", "der", "den", "ter", "bin",  "ibn",   "du", "y",
});

bool lowercase_cp(char32_t cp) {
  return (cp >= 'a' && cp <= 'z') || (cp >= 0xDF && cp <= 0xFF && cp != 0xF7) ||
         (cp >= 0x100 && cp <= 0x17F && (cp & 1u) == 1u) || (cp >= 0x3B1 && cp <= 0x3C9) ||
         (cp >= 0x430 && cp <= 0x45F);
}

bool uppercase_cp(char32_t cp) {
  return (cp >= 'A' && cp <= 'Z') || (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) ||
         (cp >= 0x100 && cp <= 0x17F && (cp & 1u) == 0u) || (cp >= 0x391 && cp <= 0x3A9) ||
         (cp >= 0x400 && cp <= 0x42F);
}

}  // namespace

// Whitespace-separated words of a short string (used only on bounded inputs).
ViewList split_words(string_view s) {
  ViewList out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_blank(s[i])) ++i;
    size_t b = i;
    while (i < s.size() && !is_blank(s[i])) ++i;
    if (i > b) out.push_back(s.substr(b, i - b));
  }
  return out;
}

ViewList split_name_list(string_view s) {
  ViewList out;
  for_each_name_piece(s, [&](string_view piece) {
    out.push_back(piece);
    return true;
  });
  return out;
}

bool is_name_word(string_view w) {
  if (w.empty()) return false;
  if (is_lower(w[0])) {  // the particles are lower-case words
    for (string_view p : kNameParticles) {
      if (w == p) return true;
    }
  }
  if (!is_upper(w[0]) && !is_non_ascii(w[0])) {
    // Lower-case particle glued to a capitalised name: "al-Mughrabi", "d'Estaing".
    const size_t sep = w.find_first_of("-'");
    if (sep == npos || sep > 3 || sep + 1 >= w.size() || !is_upper(w[sep + 1])) return false;
  }
  for (char c : w) {
    if (!is_alpha(c) && !is_non_ascii(c) && c != '.' && c != '-' && c != '\'') return false;
  }
  return true;
}

// A person's name as sent: 1..5 capitalised words, no digits or sentence punctuation.
bool is_person_name(string_view s) {
  if (s.empty() || s.size() > 60) return false;
  // Words tested as they are found: the first failing test decides.
  size_t words = 0;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_blank(s[i])) ++i;
    const size_t b = i;
    while (i < s.size() && !is_blank(s[i])) ++i;
    if (i == b) break;
    const string_view w = s.substr(b, i - b);
    if (++words > 5) return false;
    if (words == 1 && !is_upper(w[0]) && !is_non_ascii(w[0])) return false;
    if (!is_name_word(w)) return false;
  }
  return words > 0;
}

// Index of the ')' matching the '(' at `open`, or npos.
size_t matching_paren(string_view s, size_t open) {
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    if (s[i] == '(') {
      ++depth;
    } else if (s[i] == ')') {
      if (--depth == 0) return i;
    }
  }
  return npos;
}

bool all_caps(string_view s) {
  bool upper = false;
  size_t i = 0;
  while (i < s.size()) {
    const Decoded d = decode_utf8(s, i);
    i += d.len;
    if (lowercase_cp(d.cp)) return false;
    upper = upper || uppercase_cp(d.cp);
  }
  return upper;
}

bool looks_like_place(string_view loc) {
  if (loc.empty() || loc.size() > 60) return false;
  if (!is_upper(loc[0]) && !is_non_ascii(loc[0])) return false;
  int commas = 0;
  for (char c : loc) {
    if (c == ',') ++commas;
    if (c == '(' || c == ')' || c == ':' || c == ';' || c == '?' || c == '!' || c == '"' ||
        is_digit(c)) {
      return false;
    }
  }
  if (commas > 2) return false;
  const auto words = split_words(loc);
  if (words.empty() || words.size() > 6) return false;
  for (string_view w : words) {
    while (!w.empty() && w.back() == ',') w.remove_suffix(1);
    if (w.empty()) return false;
    // "GAZA/JERUSALEM": every part must look like a place word.
    for (size_t b = 0; b <= w.size();) {
      size_t e = w.find('/', b);
      if (e == npos) e = w.size();
      if (!is_name_word(w.substr(b, e - b))) return false;
      b = e + 1;
    }
  }
  return true;
}

}  // namespace wirefeed::pipeline::cleaning
