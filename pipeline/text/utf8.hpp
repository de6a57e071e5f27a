// UTF-8 and Windows-1252 helpers shared by the pipeline stages: encoding and decoding one code
// point, validation, repair for messages, Windows-1252 transcoding.
//
// Invariants:
// - Pure functions, no state. Validation follows RFC 3629: overlong forms, surrogates and code
//   points above U+10FFFF are invalid everywhere (find_invalid_utf8, decode_utf8, valid_utf8).
// - append_utf8 needs a Unicode scalar value (<= 0x10FFFF, not a surrogate); callers check.
// - decode_utf8 always advances (len >= 1), so a loop over it terminates on any input.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace wirefeed::pipeline::text {

inline void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// One decoded character: `cp` (U+FFFD when !ok), the bytes it spans, whether they were valid.
struct Decoded {
  char32_t cp;
  std::size_t len;
  bool ok;
};

// The character starting at s[i] (i < s.size()). An invalid sequence decodes to U+FFFD and
// spans the bytes up to the first one that breaks it (at least one).
inline Decoded decode_utf8(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return {b0, 1, true};
  std::size_t need = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1, cp = b0 & 0x1Fu, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2, cp = b0 & 0x0Fu, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3, cp = b0 & 0x07u, min = 0x10000;
  } else {
    return {0xFFFD, 1, false};
  }
  for (std::size_t k = 1; k <= need; ++k) {
    if (i + k >= s.size()) return {0xFFFD, k, false};
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0u) != 0x80u) return {0xFFFD, k, false};
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {0xFFFD, 1, false};
  return {cp, need + 1, true};
}

// Byte offset of the first invalid UTF-8 sequence, or npos if `s` is valid UTF-8.
std::size_t find_invalid_utf8(std::string_view s);

// `s` with every invalid UTF-8 sequence replaced by U+FFFD (for messages quoting input bytes).
std::string valid_utf8(std::string_view s);

// The longest prefix of `s` of at most `max_bytes` bytes that does not end inside a multi-byte
// sequence (for clipping quoted text in explain lines and messages).
inline std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0u) == 0x80u) --cut;
  return s.substr(0, cut);
}

// Windows-1252 bytes 0x80..0x9F -> code point (0 = undefined in Windows-1252).
inline constexpr auto kCp1252High = std::to_array<char32_t>({
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
});

// Windows-1252 (a superset of the printable Latin-1 range) to UTF-8; undefined bytes are dropped.
std::string latin1_to_utf8(std::string_view s);

}  // namespace wirefeed::pipeline::text
