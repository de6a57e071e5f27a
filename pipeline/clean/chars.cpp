// Character repair: HTML entities, UTF-8 sanitising, mojibake, controls, spaces, NFC. See chars.hpp
// for the contract.
#include "pipeline/clean/chars.hpp"

#include <algorithm>
#include <optional>
#include <string>

#include "pipeline/clean/common.hpp"
#include "pipeline/clean/nfc_table.hpp"
#include "pipeline/swar.hpp"
#include "pipeline/text/utf8.hpp"

namespace wirefeed::pipeline::cleaning {

using namespace swar;
using text::append_utf8;
using text::decode_utf8;
using text::Decoded;
using text::kCp1252High;

namespace {
struct NamedEntity {
  string_view name;
  char32_t cp;
};

constexpr auto kNamedEntities = std::to_array<NamedEntity>({
    {"amp", '&'},      {"lt", '<'},       {"gt", '>'},        {"quot", '"'},     {"apos", '\''},
    {"nbsp", 0xA0},    {"ndash", 0x2013}, {"mdash", 0x2014},  {"lsquo", 0x2018}, {"rsquo", 0x2019},
    {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"hellip", 0x2026}, {"bull", 0x2022},  {"middot", 0xB7},
    {"copy", 0xA9},    {"reg", 0xAE},     {"trade", 0x2122},  {"euro", 0x20AC},  {"pound", 0xA3},
    {"laquo", 0xAB},   {"raquo", 0xBB},   {"eacute", 0xE9},   {"egrave", 0xE8},  {"uuml", 0xFC},
    {"shy", 0xAD},
});

// The Windows-1252 byte that decodes to `cp`, or -1.
int cp1252_byte(char32_t cp) {
  if (cp >= 0x80 && cp <= 0xFF) return static_cast<int>(cp);  // Latin-1 and pass-through C1
  for (size_t i = 0; i < kCp1252High.size(); ++i) {
    if (kCp1252High[i] != 0 && kCp1252High[i] == cp) return static_cast<int>(0x80 + i);
  }
  return -1;
}

std::optional<char32_t> entity_value(string_view name) {
  if (name.size() >= 2 && name[0] == '#') {
    const bool hex = name[1] == 'x' || name[1] == 'X';
    string_view digits = name.substr(hex ? 2 : 1);
    if (digits.empty() || digits.size() > 7) return std::nullopt;
    char32_t v = 0;
    for (char c : digits) {
      unsigned d = 0;
      if (is_digit(c)) {
        d = static_cast<unsigned>(c - '0');
      } else if (hex && c >= 'a' && c <= 'f') {
        d = static_cast<unsigned>(c - 'a' + 10);
      } else if (hex && c >= 'A' && c <= 'F') {
        d = static_cast<unsigned>(c - 'A' + 10);
      } else {
        return std::nullopt;
      }
      v = v * (hex ? 16u : 10u) + d;
    }
    if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return std::nullopt;
    if (v >= 0x80 && v <= 0x9F && kCp1252High[v - 0x80] != 0) v = kCp1252High[v - 0x80];
    return v;
  }
  for (const auto& e : kNamedEntities) {
    if (e.name == name) return e.cp;
  }
  return std::nullopt;
}

struct Repair {
  char32_t cp;
  size_t consumed;  // bytes after the lead character
};

// UTF-8 that was decoded as Windows-1252 ("â€™" for "’", "Ã©" for "é"): re-encode the lead
// character and its continuation characters as bytes and accept them if they form one valid
// UTF-8 sequence. Only leads that are implausible before such characters in real text are tried:
// Â Ã Ä Å (U+0080..U+017F) and â (U+2000..U+2FFF: quotes, dashes, €, ™).
std::optional<Repair> try_mojibake(string_view s, size_t pos, char32_t lead) {
  const size_t n = lead >= 0xE0 ? 2 : 1;
  char32_t cp = lead & (n == 1 ? 0x1Fu : 0x0Fu);
  size_t consumed = 0;
  for (size_t k = 0; k < n; ++k) {
    if (pos >= s.size()) return std::nullopt;
    const Decoded d = decode_utf8(s, pos);
    if (!d.ok) return std::nullopt;
    const int b = cp1252_byte(d.cp);
    if (b < 0x80 || b > 0xBF) return std::nullopt;
    cp = (cp << 6) | (static_cast<unsigned>(b) & 0x3Fu);
    pos += d.len;
    consumed += d.len;
  }
  if (cp < (n == 1 ? 0x80u : 0x800u)) return std::nullopt;
  return Repair{cp, consumed};
}

// NFC for the common case: composes the last character of `out` with the combining mark `mark`
// when Unicode defines a precomposed character for the pair (clean_nfc_table.hpp: Latin, Greek,
// Cyrillic). Returns false (nothing changed) otherwise.
bool compose_last(std::string& out, char32_t mark) {
  if (out.empty()) return false;
  size_t b = out.size() - 1;
  while (b > 0 && out.size() - b < 4 && (static_cast<unsigned char>(out[b]) & 0xC0u) == 0x80u) --b;
  const Decoded prev = decode_utf8(out, b);
  if (!prev.ok || b + prev.len != out.size()) return false;
  const auto it =
      std::lower_bound(kCompositions.begin(), kCompositions.end(), Composition{prev.cp, mark, 0},
                       [](const Composition& x, const Composition& y) {
                         return x.base != y.base ? x.base < y.base : x.mark < y.mark;
                       });
  if (it == kCompositions.end() || it->base != prev.cp || it->mark != mark) return false;
  out.resize(b);
  append_utf8(out, it->composed);
  return true;
}

// True when the 8 bytes at `p` are all printable ASCII (0x20..0x7E).
bool plain_ascii8(const char* p) {
  const uint64_t x = load8(p);
  const uint64_t below_space = (x - 0x20 * kOneBytes) & ~x;  // high bit: byte < 0x20 (or >= 0x80)
  const uint64_t del = any_zero_byte(x ^ (0x7F * kOneBytes));
  return ((x | below_space | del) & kHighBits) == 0;
}

}  // namespace

std::string decode_entities(string_view in) {
  if (in.find('&') == npos) return std::string(in);
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    const size_t amp = in.find('&', i);
    if (amp == npos) {
      out.append(in.substr(i));
      break;
    }
    out.append(in.substr(i, amp - i));
    i = amp;
    size_t semi = npos;
    const size_t limit = std::min(in.size(), i + 12);
    for (size_t j = i + 1; j < limit; ++j) {
      if (in[j] == ';') {
        semi = j;
        break;
      }
      if (!is_alnum(in[j]) && in[j] != '#') break;
    }
    std::optional<char32_t> v;
    if (semi != npos) v = entity_value(in.substr(i + 1, semi - i - 1));
    if (v) {
      append_utf8(out, *v);
      i = semi + 1;
    } else {
      out += '&';
      ++i;
    }
  }
  return out;
}

std::string normalize_chars(string_view in) {
  std::string out;
  out.reserve(in.size());
  bool prev_cr = false;
  size_t i = 0;
  while (i < in.size()) {
    // Printable ASCII and tabs pass through unchanged: copied a run at a time.
    size_t run = i;
    while (run + 8 <= in.size() && plain_ascii8(in.data() + run)) run += 8;
    while (run < in.size() && ((in[run] >= 0x20 && in[run] < 0x7F) || in[run] == '\t')) ++run;
    if (run != i) {
      out.append(in, i, run - i);
      i = run;
      prev_cr = false;
      if (i == in.size()) break;
    }
    // Other ASCII: line ends and control characters.
    const char c = in[i];
    if (!is_non_ascii(c)) {
      ++i;
      const bool was_cr = prev_cr;
      prev_cr = false;
      if (c == '\n') {
        if (!was_cr) out += '\n';
      } else if (c == '\r') {
        out += '\n';
        prev_cr = true;
      } else if (c == '\t' || (c >= 0x20 && c != 0x7F)) {
        out += c;
      }  // other C0 controls and DEL are dropped
      continue;
    }
    prev_cr = false;
    const Decoded d = decode_utf8(in, i);
    char32_t cp = d.cp;
    size_t adv = d.len;
    if (d.ok && ((cp >= 0xC2 && cp <= 0xC5) || cp == 0xE2)) {
      if (auto r = try_mojibake(in, i + d.len, cp)) {
        cp = r->cp;
        adv += r->consumed;
      }
    }
    i += adv;
    if (cp == 0x85 || cp == 0x2028 || cp == 0x2029) {
      out += '\n';
    } else if (cp >= 0x80 && cp <= 0x9F) {
      // C1 controls dropped.
    } else if (cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F ||
               cp == 0x205F || cp == 0x3000) {
      out += ' ';
    } else if (cp == 0x200B || cp == 0x2060 || cp == 0xFEFF || cp == 0xAD) {
      // zero-width characters and soft hyphens dropped
    } else if (cp >= 0x300 && cp <= 0x36F && compose_last(out, cp)) {
      // "e" + U+0301 -> "é" (NFC composition)
    } else {
      append_utf8(out, cp);
    }
  }
  return out;
}

}  // namespace wirefeed::pipeline::cleaning
