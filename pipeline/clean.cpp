// Clean/extract stage. See clean.hpp for the contract.
//
// Structure (every pass is a single left-to-right scan; no regex, no backtracking):
//   1. decode_entities   HTML entities -> UTF-8.
//   2. normalize_chars   UTF-8 sanitising (invalid bytes -> U+FFFD), CP1252 mojibake repair,
//                        control-character stripping, CR/LF and exotic-space normalisation.
//   3. line pass         headline, boilerplate lines, paragraph assembly (blank lines, indents,
//                        hard-wrap joining, table lines); each line's blank check is done
//                        here, so a paragraph is known to be ws_normal without a second scan.
//   4. paragraph pass    editor notes, AP bylines, captions, dateline, sign-offs.
//   5. metrics           language guess and word count, one scan per paragraph (scan_words).
//
// Speed (issue 7): fast paths never change a result. Scans that look for rare bytes (quote
// marks, column gaps, control characters, blanks to collapse, word ends) test eight bytes at a
// time and fall back to the byte-wise rule where a block holds a candidate; text that is already
// normal is moved or copied, not rebuilt; word lists live inline (ViewList); stop words are one
// probe in a constexpr table; substring rules use compiled searches (SubstringSearch); a costly
// test runs only after a cheap necessary condition holds. bench/RESULTS.md ("clean_story
// instruction counts", "clean_story, second pass") has the figures.
#include "pipeline/clean.hpp"

#include "pipeline/clean/chrome_lines.hpp"
#include "pipeline/clean_nfc_table.hpp"
#include "pipeline/clean_rules.hpp"
#include "pipeline/swar.hpp"
#include "pipeline/utf8.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wirefeed::pipeline {
namespace {

using namespace swar;

using std::string_view;
constexpr size_t npos = string_view::npos;

// =============================================================================================
// Built-in vocabularies (language facts, not feed conventions). Feed conventions (boilerplate,
// credits, tags, roles, months, speech verbs) are data: pipeline/rules/cleaning.yaml.
// =============================================================================================
// Lower-case words allowed inside a place name ("Rio de Janeiro", "STRATFORD upon AVON").
constexpr auto kNameParticles = std::to_array<string_view>({
    "de",  "da",  "do",  "dos", "das", "del",  "della", "di", "la", "le",
    "les", "el",  "al",  "of",  "on",  "upon", "am",    "an", "im", "sur",
    "van", "von", "der", "den", "ter", "bin",  "ibn",   "du", "y",
});

// Languages and their frequent function words.
constexpr auto kLanguages = std::to_array<string_view>({"en", "fr", "de", "es", "it", "pt", "nl"});
enum LangBit : uint8_t { kEn = 1, kFr = 2, kDe = 4, kEs = 8, kIt = 16, kPt = 32, kNl = 64 };

struct StopWord {
  string_view word;
  uint8_t langs;
};

// clang-format off
constexpr auto kStopWords = [] {
  auto words = std::to_array<StopWord>({
      // en
      {"the", kEn}, {"and", kEn}, {"of", kEn}, {"to", kEn}, {"is", kEn}, {"that", kEn},
      {"for", kEn}, {"with", kEn}, {"was", kEn}, {"said", kEn}, {"it", kEn}, {"by", kEn},
      {"from", kEn}, {"at", kEn}, {"he", kEn}, {"are", kEn}, {"have", kEn},
      // fr
      {"le", kFr}, {"les", kFr | kEs}, {"des", kFr}, {"et", kFr}, {"est", kFr}, {"une", kFr},
      {"un", kFr}, {"du", kFr}, {"dans", kFr}, {"pour", kFr}, {"qui", kFr}, {"pas", kFr},
      {"sur", kFr}, {"au", kFr}, {"avec", kFr}, {"il", kFr | kIt}, {"ce", kFr},
      // de
      {"der", kDe}, {"die", kDe | kNl}, {"das", kDe | kPt}, {"und", kDe}, {"ist", kDe},
      {"nicht", kDe}, {"ein", kDe}, {"eine", kDe}, {"den", kDe}, {"dem", kDe}, {"mit", kDe},
      {"von", kDe}, {"zu", kDe}, {"sich", kDe}, {"auf", kDe}, {"auch", kDe}, {"wird", kDe},
      // es
      {"el", kEs}, {"los", kEs}, {"las", kEs}, {"del", kEs | kIt}, {"que", kFr | kEs | kPt},
      {"por", kEs | kPt}, {"una", kEs | kIt}, {"con", kEs | kIt}, {"para", kEs | kPt},
      {"es", kEs}, {"se", kEs | kPt | kFr}, {"su", kEs}, {"como", kEs | kPt}, {"pero", kEs},
      {"fue", kEs}, {"y", kEs},
      // it
      {"di", kIt}, {"che", kIt}, {"della", kIt}, {"per", kIt}, {"non", kIt}, {"sono", kIt},
      {"gli", kIt}, {"nel", kIt}, {"alla", kIt}, {"dei", kIt}, {"anche", kIt}, {"ha", kIt},
      {"questo", kIt},
      // pt
      {"o", kPt}, {"os", kPt}, {"da", kPt}, {"do", kPt}, {"dos", kPt}, {"em", kPt},
      {"uma", kPt}, {"com", kPt}, {"ao", kPt}, {"mais", kPt}, {"foi", kPt}, {"pelo", kPt},
      {"n\xC3\xA3o", kPt},
      // nl
      {"het", kNl}, {"een", kNl}, {"van", kNl}, {"niet", kNl}, {"dat", kNl}, {"op", kNl},
      {"te", kNl}, {"voor", kNl}, {"met", kNl}, {"zijn", kNl}, {"ook", kNl}, {"werd", kNl},
      {"naar", kNl}, {"bij", kNl},
      // shared
      {"de", kFr | kEs | kPt | kNl}, {"la", kFr | kEs | kIt}, {"en", kFr | kEs | kNl},
      {"in", kEn | kIt | kNl | kDe},
      // more function words, so that a short text (a brief, a lead) still gets a few hits
      {"this", kEn}, {"which", kEn}, {"were", kEn}, {"will", kEn}, {"has", kEn}, {"be", kEn},
      {"not", kEn}, {"but", kEn}, {"they", kEn}, {"their", kEn}, {"on", kEn | kFr},
      {"a", kEn | kEs | kIt | kPt},
      {"is", kEn | kNl}, {"an", kEn | kDe}, {"its", kEn}, {"would", kEn}, {"been", kEn},
      {"aux", kFr}, {"ont", kFr}, {"\xC3\xA9t\xC3\xA9", kFr}, {"sont", kFr}, {"cette", kFr},
      {"mais", kFr | kPt}, {"par", kFr}, {"plus", kFr}, {"leur", kFr}, {"elle", kFr},
      {"ces", kFr}, {"ses", kFr}, {"nous", kFr}, {"a\xC3\xA9t\xC3\xA9", kFr},
      {"dass", kDe}, {"sind", kDe}, {"hat", kDe}, {"werden", kDe}, {"wurde", kDe},
      {"f\xC3\xBCr", kDe}, {"\xC3\xBC" "ber", kDe}, {"nach", kDe}, {"bei", kDe}, {"aus", kDe},
      {"oder", kDe}, {"sie", kDe}, {"es", kDe}, {"im", kDe}, {"am", kDe}, {"zum", kDe},
      {"lo", kEs | kIt}, {"al", kEs | kIt}, {"m\xC3\xA1s", kEs}, {"este", kEs | kPt},
      {"esta", kEs | kPt}, {"sus", kEs}, {"tambi\xC3\xA9n", kEs}, {"han", kEs}, {"ha", kEs},
      {"sobre", kEs | kPt}, {"entre", kEs | kPt | kFr}, {"desde", kEs | kPt}, {"muy", kEs},
      {"le", kIt}, {"degli", kIt}, {"delle", kIt}, {"nella", kIt}, {"sul", kIt}, {"sulla", kIt},
      {"\xC3\xA8", kIt}, {"pi\xC3\xB9", kIt}, {"ma", kIt}, {"si", kIt | kEs}, {"stato", kIt},
      {"loro", kIt}, {"dal", kIt}, {"dalla", kIt}, {"un", kIt}, {"dopo", kIt},
      {"s\xC3\xA3o", kPt}, {"est\xC3\xA1", kPt | kEs}, {"tamb\xC3\xA9m", kPt}, {"foram", kPt},
      {"pela", kPt}, {"pelos", kPt}, {"\xC3\xA0s", kPt}, {"seu", kPt}, {"sua", kPt}, {"nos", kPt},
      {"nas", kPt}, {"ou", kPt | kFr}, {"ela", kPt}, {"j\xC3\xA1", kPt}, {"na", kPt},
      {"no", kPt | kEs},
      {"hij", kNl}, {"wordt", kNl}, {"worden", kNl}, {"heeft", kNl}, {"hebben", kNl}, {"ze", kNl},
      {"er", kNl | kDe}, {"aan", kNl}, {"om", kNl}, {"nog", kNl}, {"maar", kNl}, {"als", kNl | kDe},
      {"uit", kNl}, {"deze", kNl}, {"dit", kNl}, {"geen", kNl}, {"hun", kNl},
  });
  std::sort(words.begin(), words.end(),
            [](const StopWord& a, const StopWord& b) { return a.word < b.word; });
  return words;
}();
// clang-format on

// Windows-1252 bytes 0x80..0x9F -> code point (0 = undefined; decoders pass them as C1).
constexpr auto kCp1252High = std::to_array<char32_t>({
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
});

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

// Everything a cleaning pass needs besides the text: rules, reception time, explain sink.
struct Env {
  const CleanRules& rules;
  const CleanContext& ctx;
  std::vector<ExplainEntry>* explain;
  void note(std::string_view rule, std::string_view field, std::string_view text) const {
    if (explain != nullptr)
      explain->push_back({std::string(rule), std::string(field), std::string(text)});
  }
};

// =============================================================================================
// Small string helpers
// =============================================================================================

constexpr bool is_blank(char c) { return c == ' ' || c == '\t'; }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
constexpr bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
constexpr bool is_alpha(char c) { return is_upper(c) || is_lower(c); }
constexpr bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
constexpr bool is_non_ascii(char c) { return static_cast<unsigned char>(c) >= 0x80; }
constexpr char to_lower(char c) { return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

string_view trim(string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && is_blank(s[b])) ++b;
  while (e > b && is_blank(s[e - 1])) --e;
  return s.substr(b, e - b);
}

bool iequals(string_view a, string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (to_lower(a[i]) != to_lower(b[i])) return false;
  }
  return true;
}

bool istarts_with(string_view s, string_view p) {
  return s.size() >= p.size() && iequals(s.substr(0, p.size()), p);
}

bool iends_with(string_view s, string_view p) {
  return s.size() >= p.size() && iequals(s.substr(s.size() - p.size()), p);
}

// s.find_first_of(set, pos) for a set of a few bytes, without a library call per byte.
size_t find_any(string_view s, string_view set, size_t pos = 0) {
  if (set.size() == 1) return s.find(set[0], pos);  // memchr
  for (size_t i = pos; i < s.size(); ++i) {
    for (char c : set) {
      if (s[i] == c) return i;
    }
  }
  return npos;
}

// The first '"' or lead byte of “ ” „ « » (E2 / C2) at or after `pos`.
size_t find_quote_byte(string_view s, size_t pos = 0) {
  auto is_quote_byte = [](char c) { return c == '"' || c == '\xE2' || c == '\xC2'; };
  size_t i = pos;
  for (; i + 8 <= s.size(); i += 8) {
    const uint64_t x = load8(s.data() + i);
    if (((x & kHighBits) | any_zero_byte(x ^ ('"' * kOneBytes))) == 0) continue;  // plain ASCII
    for (size_t k = 0; k < 8; ++k) {
      if (is_quote_byte(s[i + k])) return i + k;
    }
  }
  for (; i < s.size(); ++i) {
    if (is_quote_byte(s[i])) return i;
  }
  return npos;
}

// A list of views into one text (words, names, segments): the first 16 live inline, so the
// short lists the extractors build cost no heap allocation.
class ViewList {
 public:
  void push_back(string_view v) {
    if (size_ < inline_.size()) {
      inline_[size_] = v;
    } else {
      if (size_ == inline_.size()) spill_.assign(inline_.begin(), inline_.end());
      spill_.push_back(v);
    }
    ++size_;
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const string_view* begin() const {
    return size_ <= inline_.size() ? inline_.data() : spill_.data();
  }
  const string_view* end() const { return begin() + size_; }
  const string_view& operator[](size_t i) const { return begin()[i]; }
  const string_view& back() const { return begin()[size_ - 1]; }

 private:
  std::array<string_view, 16> inline_{};
  size_t size_ = 0;
  std::vector<string_view> spill_;  // all entries, once there are more than 16
};

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

// Splits a list of names on ',', ';'-free text: "A, B and C" / "A & B", calling `on_piece`
// with each trimmed, non-empty piece in order until it returns false (then returns false).
template <typename OnPiece>
bool for_each_name_piece(string_view s, OnPiece&& on_piece) {
  size_t start = 0;
  size_t i = 0;
  auto push = [&](size_t end) {
    const string_view piece = trim(s.substr(start, end - start));
    return piece.empty() || on_piece(piece);
  };
  while (i < s.size()) {
    if (s[i] == ',') {
      if (!push(i)) return false;
      start = ++i;
      continue;
    }
    if (s[i] == ' ') {
      size_t skip = 0;
      if (i + 5 <= s.size() && s[i + 4] == ' ' &&
          ((s[i + 1] == 'a' && s[i + 2] == 'n' && s[i + 3] == 'd') ||
           (s[i + 1] == 'A' && s[i + 2] == 'N' && s[i + 3] == 'D'))) {
        skip = 5;  // " and ", " AND "
      } else if (i + 3 <= s.size() && s[i + 1] == '&' && s[i + 2] == ' ') {
        skip = 3;  // " & "
      }
      if (skip != 0) {
        if (!push(i)) return false;
        i += skip;
        start = i;
        continue;
      }
    }
    ++i;
  }
  return push(s.size());
}

ViewList split_name_list(string_view s) {
  ViewList out;
  for_each_name_piece(s, [&](string_view piece) {
    out.push_back(piece);
    return true;
  });
  return out;
}

// =============================================================================================
// UTF-8
// =============================================================================================

struct Decoded {
  char32_t cp;
  size_t len;
  bool ok;
};

Decoded decode_utf8(string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return {b0, 1, true};
  size_t need = 0;
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
  for (size_t k = 1; k <= need; ++k) {
    if (i + k >= s.size()) return {0xFFFD, k, false};
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0u) != 0x80u) return {0xFFFD, k, false};
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {0xFFFD, 1, false};
  return {cp, need + 1, true};
}

// The Windows-1252 byte that decodes to `cp`, or -1.
int cp1252_byte(char32_t cp) {
  if (cp >= 0x80 && cp <= 0xFF) return static_cast<int>(cp);  // Latin-1 and pass-through C1
  for (size_t i = 0; i < kCp1252High.size(); ++i) {
    if (kCp1252High[i] != 0 && kCp1252High[i] == cp) return static_cast<int>(0x80 + i);
  }
  return -1;
}

// =============================================================================================
// Pass 1: HTML entities
// =============================================================================================

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

// =============================================================================================
// Pass 2: characters (UTF-8 sanitising, mojibake, controls, spaces)
// =============================================================================================

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

// =============================================================================================
// Inline text normalisation
// =============================================================================================

constexpr bool is_tight_punct(char c) {
  return c == '.' || c == ',' || c == ';' || c == ':' || c == '?' || c == '!';
}

// True when normalize_ws(s) returns `s` unchanged: no tab, no blank at either end, no blank
// run, and no single blank that normalize_ws drops (after '(', before ')' or before '.' or ','
// not followed by a letter or digit).
bool ws_normal(string_view s) {
  const size_t n = s.size();
  if (n == 0) return true;
  if (is_blank(s[0]) || is_blank(s[n - 1])) return false;
  auto space_kept = [&](size_t i) {  // s[i] == ' ', 0 < i < n - 1
    const char next = s[i + 1];
    if (is_blank(next) || next == ')' || s[i - 1] == '(') return false;
    return !((next == '.' || next == ',') && (i + 2 >= n || !is_alnum(s[i + 2])) &&
             !(next == '.' && i + 2 < n && s[i + 2] == '.'));  // an ellipsis keeps its space
  };
  size_t i = 1;
  for (; i + 9 <= n; i += 8) {  // eight bytes at a time, all inside [1, n - 1)
    const uint64_t x = load8(s.data() + i);
    if (any_zero_byte(x ^ ('\t' * kOneBytes)) != 0) return false;
    // Only a space before one of 0x20..0x2E (which holds ' ' ')' ',' '.') or after '(' needs
    // the byte-wise test.
    const uint64_t spaces = zero_byte_mask(x ^ (' ' * kOneBytes));
    const uint64_t next = byte_range_mask(load8(s.data() + i + 1), ' ', '.');
    const uint64_t after_paren = zero_byte_mask(load8(s.data() + i - 1) ^ ('(' * kOneBytes));
    for (uint64_t c = spaces & (next | after_paren); c != 0; c &= c - 1) {
      if (!space_kept(i + static_cast<size_t>(std::countr_zero(c)) / 8)) return false;
    }
  }
  for (; i + 1 < n; ++i) {
    if (s[i] == '\t') return false;
    if (s[i] == ' ' && !space_kept(i)) return false;
  }
  return true;
}

// Collapses blank runs, trims, removes the space before . , ) and after (. A space before
// ; : ? ! stays: that is French typography ("SNCF : le trafic", "pourquoi ?"), spacing as sent.
std::string normalize_ws(string_view s) {
  if (ws_normal(s)) return std::string(s);
  // The output is never longer than the input: written in place, then cut to size.
  std::string out(s.size(), '\0');
  char* const begin = out.data();
  char* o = begin;
  bool pending = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (is_blank(c)) {
      pending = o != begin;
      continue;
    }
    if (pending) {
      bool drop = o[-1] == '(' || c == ')';
      if (!drop && is_tight_punct(c)) {
        // "meet ." -> "meet." but keep "Microsoft .NET" and ", 000" style tokens.
        drop = (c == '.' || c == ',') && (i + 1 >= s.size() || !is_alnum(s[i + 1])) &&
               !(c == '.' && i + 1 < s.size() && s[i + 1] == '.');  // "shares ... but"
      }
      if (!drop) *o++ = ' ';
      pending = false;
    }
    *o++ = c;
  }
  out.resize(static_cast<size_t>(o - begin));
  return out;
}

// Removes link hints glued to the link text ("statementopens a new tab"). Returns spans removed.
uint32_t strip_glued_link_hints(const Env& env, std::string& p) {
  uint32_t removed = 0;
  const auto& spans = env.rules.set.glued_spans;
  for (size_t g = 0; g < spans.size(); ++g) {
    const SpanRule& rule = spans[g];
    const string_view hint = rule.text;
    if (!env.rules.glued_search[g].found_in(p)) continue;
    std::string out;
    out.reserve(p.size());
    size_t i = 0;
    bool changed = false;
    while (i < p.size()) {
      const size_t f = p.find(hint, i);
      if (f == npos) {
        out.append(p, i, npos);
        break;
      }
      const bool glued = f > 0 && !is_blank(p[f - 1]);
      out.append(p, i, f - i);
      if (glued) {
        ++removed;
        changed = true;
        env.note(rule.id, "removed", hint);
      } else {
        out.append(hint);
      }
      i = f + hint.size();
    }
    if (changed) p = normalize_ws(out);
  }
  return removed;
}

// Removes an agency sign-off token closing the paragraph after its last sentence ("... al
// governo. (ANSA)."). Returns tokens removed (0 or 1).
uint32_t strip_tail_token(const Env& env, std::string& p) {
  for (const SpanRule& rule : env.rules.set.tail_tokens) {
    string_view t = p;
    if (!t.empty() && t.back() == '.') t.remove_suffix(1);
    if (!t.ends_with(rule.text)) continue;
    string_view before = t.substr(0, t.size() - rule.text.size());
    if (!before.empty() && !is_blank(before.back())) continue;
    before = trim(before);
    const bool sentence_end = before.empty() || before.back() == '.' || before.back() == '!' ||
                              before.back() == '?' || before.back() == '"' ||
                              before.ends_with("\xE2\x80\x9D") || before.ends_with("\xC2\xBB");
    if (!sentence_end) continue;
    env.note(rule.id, "removed", string_view(p).substr(before.size()));
    p.resize(before.size());
    return 1;
  }
  return 0;
}

// =============================================================================================
// Line classification
// =============================================================================================

// "mb-ldf/abl/dch": lower-case letter groups (1..5) joined by '/' or '-', at least one '/'.
bool is_desk_initials(string_view t) {
  size_t group = 0;
  bool slash = false;
  for (char c : t) {
    if (is_lower(c)) {
      if (++group > 5) return false;
    } else if ((c == '/' || c == '-') && group > 0) {
      slash = slash || c == '/';
      group = 0;
    } else {
      return false;
    }
  }
  return slash && group > 0;
}

// True when `t` holds at most `n` non-blank bytes. Blank-collapsing keeps every non-blank
// byte, so a line with more than the longest exact key cannot match an exact rule.
bool nonblank_at_most(string_view t, size_t n) {
  size_t count = 0;
  for (char c : t) {
    if (!is_blank(c) && ++count > n) return false;
  }
  return true;
}

// A scraped page drops the space between two page elements ("...professionalsLearn more
// about"): a multi-word prefix running straight into a capital is that prefix, glued to the next
// element's link text. (A one-word prefix must end at a word boundary: "Reuter" is not
// "Reuters".)
bool glued_element(string_view prefix, char next) {
  return is_upper(next) && prefix.find(' ') != npos && is_lower(prefix.back());
}

// The line rule matching the whole trimmed line `t`, or nullptr. Exact rules first (one hash
// lookup), then prefix, suffix and wrapped rules dispatched on the first/last byte.
const LineRule* match_boilerplate(const CleanRules& R, string_view t) {
  if (t.empty()) return nullptr;
  const auto& lines = R.set.lines;
  if (t.size() <= R.exact_max_len && nonblank_at_most(t, R.exact_key_max)) {
    std::string key = fold_case(normalize_ws(t));
    auto it = R.exact.find(key);
    if (it != R.exact.end() && t.size() <= lines[it->second].max_len) return &lines[it->second];
  }
  for (uint32_t k : R.prefix_by_byte[static_cast<unsigned char>(t[0])]) {
    const LineRule& r = lines[k];
    if (t.size() > r.max_len) continue;
    if (t.substr(0, std::min(t.size(), r.text.size())) == r.text &&
        (t.size() == r.text.size() || !is_alnum(t[r.text.size()]) || !is_alnum(r.text.back()) ||
         glued_element(r.text, t[r.text.size()]))) {
      return &r;
    }
  }
  for (uint32_t k : R.suffix_by_byte[static_cast<unsigned char>(to_lower(t.back()))]) {
    const LineRule& r = lines[k];
    // Link text only: a line holding a sentence (a caption, a paragraph) is not chrome.
    if (t.size() <= r.max_len && iends_with(t, r.text) && t.find(". ") == npos) return &r;
  }
  if (t.size() <= R.contains_max_len) {
    for (size_t c = 0; c < R.contains.size(); ++c) {
      const LineRule& r = lines[R.contains[c]];
      if (t.size() <= r.max_len && R.contains_search[c].found_in(t)) return &r;
    }
  }
  if (!R.initials.empty() && is_lower(t[0]) && is_desk_initials(t)) {
    for (uint32_t k : R.initials) {
      if (t.size() <= lines[k].max_len) return &lines[k];
    }
  }
  for (uint32_t k : R.wrapped_by_byte[static_cast<unsigned char>(t[0])]) {
    const LineRule& r = lines[k];
    if (t.size() <= r.max_len && t.size() >= r.text.size() + r.closer.size() &&
        t.substr(0, r.text.size()) == r.text && t.substr(t.size() - r.closer.size()) == r.closer) {
      return &r;
    }
  }
  return nullptr;
}

// A link-list entry after a "Related Articles" style header: short, no sentence ending.
bool looks_like_list_item(string_view t) {
  if (t.size() > 160) return false;
  const char last = t.back();
  if (last == '.' || last == '?' || last == '!' || last == ':' || last == '"') return false;
  if (t.size() >= 3 && (t.substr(t.size() - 3) == "\xE2\x80\x9D" ||   // ”
                        t.substr(t.size() - 3) == "\xE2\x80\x99")) {  // ’
    return false;
  }
  return true;
}

// True when `t` holds a tab or two spaces in a row. Eight bytes at a time, stepping by seven so
// that a pair straddling two blocks is seen too.
bool has_tab_or_double_space(string_view t) {
  size_t i = 0;
  for (; i + 8 <= t.size(); i += 7) {
    const uint64_t x = load8(t.data() + i);
    if (any_zero_byte(x ^ ('\t' * kOneBytes)) != 0) return true;
    const uint64_t spaces = zero_byte_mask(x ^ (' ' * kOneBytes));
    if ((spaces & (spaces >> 8)) != 0) return true;
  }
  for (; i < t.size(); ++i) {
    if (t[i] == '\t' || (t[i] == ' ' && i + 1 < t.size() && t[i + 1] == ' ')) return true;
  }
  return false;
}

// Column gaps of a line (2+ spaces or a tab between two cells, not after sentence punctuation).
int column_gaps(string_view t, bool& digit) {
  digit = false;
  if (!has_tab_or_double_space(t)) return 0;  // a column gap needs a tab or two blanks
  int gaps = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if (is_digit(c)) digit = true;
    if (i > 0 && is_blank(c) && !is_blank(t[i - 1])) {
      size_t j = i;
      while (j < t.size() && is_blank(t[j])) ++j;
      const bool wide = j - i >= 2 || c == '\t';
      const char before = t[i - 1];
      const bool sentence_end = before == '.' || before == '?' || before == '!' || before == ':' ||
                                before == ';' || before == ',' || before == '"' || before == ')' ||
                                is_non_ascii(before);
      if (wide && j < t.size() && !sentence_end) ++gaps;
      i = j - 1;
    }
  }
  return gaps;
}

// How a line's columns look: a row of column-aligned figures (at least two column gaps and at
// least one digit), or a table's heading row ("Metal     Last    Change", "   Wk ended    Prev
// wk": column gaps but no figures; one gap is enough, the label column's heading is often blank;
// only a heading when a row of figures follows it).
struct ColumnShape {
  bool table_row = false;
  bool heading = false;
};

ColumnShape column_shape(string_view t) {
  bool digit = false;
  const int gaps = column_gaps(t, digit);  // one scan for both tests
  return {gaps >= 2 && digit, t.size() <= 200 && gaps >= 1};
}

bool is_table_line(string_view t) { return column_shape(t).table_row; }

size_t leading_blanks(string_view s) {
  size_t n = 0;
  while (n < s.size() && is_blank(s[n])) ++n;
  return n;
}

// A preformatted row as sent, minus trailing blanks.
std::string table_row(string_view row) {
  while (!row.empty() && is_blank(row.back())) row.remove_suffix(1);
  return std::string(row);
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

std::optional<ContributorRole> match_role(const CleanRules& R, string_view s, size_t& len,
                                          const RoleRule** which = nullptr) {
  if (s.empty()) return std::nullopt;
  for (uint32_t k : R.role_by_byte[static_cast<unsigned char>(s[0])]) {
    const RoleRule& r = R.set.roles[k];
    if (istarts_with(s, r.phrase) &&
        (s.size() == r.phrase.size() || is_blank(s[r.phrase.size()]))) {
      len = r.phrase.size();
      if (which != nullptr) *which = &r;
      return r.role;
    }
  }
  return std::nullopt;
}

// True when a role phrase is a prefix of `s` (ASCII case-insensitive), whatever follows it: a
// necessary condition for match_role on `s` or on any prefix of it.
bool opens_with_role_phrase(const CleanRules& R, string_view s) {
  if (s.empty()) return false;
  for (uint32_t k : R.role_by_byte[static_cast<unsigned char>(s[0])]) {
    if (istarts_with(s, R.set.roles[k].phrase)) return true;
  }
  return false;
}

bool starts_with_advisory(const CleanRules& R, string_view p) {
  if (p.size() < 3 || p[0] != '(') return false;
  string_view rest = p.substr(1);
  for (const std::string& v : R.advisory_verbs) {
    if (rest.substr(0, std::min(rest.size(), v.size())) == v &&
        (rest.size() == v.size() || !is_alpha(rest[v.size()]))) {
      return true;
    }
  }
  return rest.substr(0, std::min<size_t>(rest.size(), 3)) == "In " ||
         rest.substr(0, std::min<size_t>(rest.size(), 5)) == "This ";
}

// The note rule whose prefix opens `p` ("Eds: ...", "This story has been corrected ..."), or
// nullptr. The prefix must end at a word end.
const NoteRule* match_note(const CleanRules& R, string_view p) {
  if (p.empty()) return nullptr;
  for (uint32_t k : R.note_by_byte[static_cast<unsigned char>(p[0])]) {
    const NoteRule& r = R.set.note_lines[k];
    if (p.starts_with(r.prefix) && (p.size() == r.prefix.size() || !is_alnum(r.prefix.back()) ||
                                    !is_alnum(p[r.prefix.size()]))) {
      return &r;
    }
  }
  return nullptr;
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

bool is_affiliation(string_view p) {
  return p == "AP" || p.substr(0, std::min<size_t>(p.size(), 3)) == "AP " ||
         istarts_with(p, "Associated Press") || istarts_with(p, "The Associated Press") ||
         p == "Reuters" || p == "AFP" || iends_with(p, "Writer") || iends_with(p, "Writers") ||
         iends_with(p, "Correspondent") || iends_with(p, "Editor") || iends_with(p, "Staff");
}

// Adds `c` unless the same person with the same role is known; a later mention may supply the
// location (an AP/Reuters byline first, then "Reporting by X in Gaza").
void add_contributor(std::vector<Contributor>& list, Contributor c) {
  for (auto& e : list) {
    if (e.name == c.name && e.role == c.role) {
      if (e.location.empty()) e.location = std::move(c.location);
      return;
    }
  }
  list.push_back(std::move(c));
}

// Shape of an AP byline line: "By CHARLES ODUM", "PAUL NEWBERRY, AP Sports Writer",
// "Associated Press". Appends the reporters when `out` is given.
bool parse_byline(string_view p, std::vector<Contributor>* out) {
  p = trim(p);
  if (p.empty() || p.size() > 120) return false;
  bool had_by = false;
  if (p.substr(0, std::min<size_t>(p.size(), 3)) == "By " ||
      p.substr(0, std::min<size_t>(p.size(), 3)) == "BY " ||
      p.substr(0, std::min<size_t>(p.size(), 3)) == "by ") {  // AFP: "by Nina LARSON"
    had_by = true;
    p = trim(p.substr(3));
  } else if (p.substr(0, std::min<size_t>(p.size(), 4)) == "Por " ||
             p.substr(0, std::min<size_t>(p.size(), 4)) == "Par " ||
             p.substr(0, std::min<size_t>(p.size(), 4)) == "Von ") {  // es/pt, fr, de bylines
    had_by = true;
    p = trim(p.substr(4));
  }
  bool affiliation = false;
  ViewList names;
  // Pieces are tested as they are split: the first one that is neither ends the test.
  const bool all_names = for_each_name_piece(p, [&](string_view piece) {
    if (is_affiliation(piece)) {
      affiliation = true;
    } else if (is_person_name(piece)) {
      names.push_back(piece);
    } else {
      return false;
    }
    return true;
  });
  if (!all_names) return false;
  if (!had_by && !affiliation) return false;
  if (had_by && names.empty()) return false;
  if (out != nullptr) {
    for (string_view n : names)
      add_contributor(*out, {std::string(n), ContributorRole::kReporter, {}});
  }
  return true;
}

// How a body line relates to the paragraph being assembled.
enum class LineKind : uint8_t { kJoin, kBreakBefore, kStandalone };

// `byline_possible`: near the top of the body and not inside a wrapped paragraph.
LineKind classify_line(const CleanRules& R, string_view t, bool byline_possible) {
  if (starts_with_advisory(R, t)) {
    // "(In 2019 it was ...)" inside a wrapped paragraph is prose, not an advisory.
    const bool weak = t[1] == 'I' || t[1] == 'T';
    if (!weak || t.find("story") != npos) {
      return t.back() == ')' ? LineKind::kStandalone : LineKind::kBreakBefore;
    }
  }
  if (match_note(R, t) != nullptr) return LineKind::kBreakBefore;
  // A sign-off starts a line with a capital ("...the paper's\nreporting by" is prose).
  const string_view u = t[0] == '(' ? t.substr(1) : t;
  size_t len = 0;
  if (!u.empty() && is_upper(u[0]) && match_role(R, u, len)) return LineKind::kBreakBefore;
  if (byline_possible && parse_byline(t, nullptr)) return LineKind::kStandalone;
  return LineKind::kJoin;
}

// Appends the trimmed, non-empty line `t` to the paragraph `cur`. Returns false when the space
// put between them is one normalize_ws would drop (after '(', before ')', or before '.' or ','
// not followed by a letter or digit): with ws_normal lines, the paragraph stays ws_normal
// exactly when every join returns true.
bool join_line(std::string& cur, string_view t) {
  if (cur.empty()) {
    cur.assign(t);
    return true;
  }
  // "military-to-\nmilitary": keep the hyphen, no space.
  const bool hyphen =
      cur.size() >= 2 && cur.back() == '-' && is_alpha(cur[cur.size() - 2]) && is_alpha(t[0]);
  if (hyphen) {
    cur.append(t);
    return true;
  }
  const bool kept = cur.back() != '(' && t[0] != ')' &&
                    !((t[0] == '.' || t[0] == ',') && (t.size() < 2 || !is_alnum(t[1])) &&
                      !(t[0] == '.' && t.size() >= 2 && t[1] == '.'));
  cur += ' ';
  cur.append(t);
  return kept;
}

// =============================================================================================
// Headline
// =============================================================================================

// Consumes "UPDATE 2-" style tags at the start of `h`.
void split_headline_tags(const Env& env, std::string_view& h, CleanStory& out) {
  const CleanRules& R = env.rules;
  for (;;) {
    if (h.empty()) return;
    bool matched = false;
    for (uint32_t k : R.tag_by_byte[static_cast<unsigned char>(h[0])]) {
      const HeadlineTagRule& rule = R.set.headline_tags[k];
      const string_view tag = rule.tag;
      if (h.substr(0, std::min(h.size(), tag.size())) != tag) continue;
      size_t i = tag.size();
      size_t num_start = npos;
      size_t num_end = npos;
      size_t j = i;
      while (j < h.size() && h[j] == ' ') ++j;
      if (j < h.size() && is_digit(h[j])) {
        num_start = j;
        while (j < h.size() && is_digit(h[j]) && j - num_start < 6) ++j;
        num_end = j;
        i = j;
      }
      while (i < h.size() && h[i] == ' ') ++i;
      if (i >= h.size() || h[i] != '-') continue;
      if (i + 1 < h.size() && h[i + 1] == '-') continue;  // "--" is not a tag separator
      ++i;
      while (i < h.size() && h[i] == ' ') ++i;
      if (i >= h.size()) continue;  // nothing left after the tag: keep as headline text
      std::string norm(tag);
      if (num_start != npos) {
        const string_view num = h.substr(num_start, num_end - num_start);
        norm += ' ';
        norm.append(num);
        if (rule.number_is_version) {
          uint32_t v = 0;
          for (char c : num) v = v * 10 + static_cast<uint32_t>(c - '0');
          out.version_number = v;
        }
      }
      env.note(rule.id, "headline.tags", trim(h.substr(0, i)));
      out.version_tags.push_back(std::move(norm));
      h.remove_prefix(i);
      matched = true;
      break;
    }
    if (!matched) return;
  }
}

// Trailing take marker "=2".
void split_take_marker(std::string_view& h, CleanStory& out) {
  size_t e = h.size();
  size_t d = e;
  while (d > 0 && is_digit(h[d - 1]) && e - d < 3) --d;
  if (d == e || d == 0 || h[d - 1] != '=') return;
  if (d >= 2 && h[d - 2] == '=') return;
  std::string tag = "TAKE ";
  tag.append(h.substr(d, e - d));
  out.version_tags.push_back(std::move(tag));
  h = trim(h.substr(0, d - 1));
}

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

// =============================================================================================
// Dateline
// =============================================================================================

struct DatelineMatch {
  Dateline dateline;
  size_t body_offset;  // where the story text starts after the dash
};

// A month name from the rules (any language, any case; "Sept.", "März", "déc.") at s[i].
// `capital`: the name must start with a capital (month-first English dates).
std::optional<unsigned> parse_month(const CleanRules& R, string_view s, size_t& i, bool capital) {
  size_t j = i;
  while (j < s.size() && (is_alpha(s[j]) || is_non_ascii(s[j])) && j - i <= R.month_max_len) ++j;
  const string_view word = s.substr(i, j - i);
  if (word.size() < 3 || word.size() > R.month_max_len) return std::nullopt;
  if (capital && !is_upper(word[0])) return std::nullopt;
  const auto it = R.month_by_name.find(fold_case(word));
  if (it == R.month_by_name.end()) return std::nullopt;
  if (j < s.size() && s[j] == '.') ++j;
  i = j;
  return it->second;
}

// Day of month at s[i]: "12", "3." (German), "1er" (French). Advances i.
std::optional<unsigned> parse_day(string_view s, size_t& i, bool day_first) {
  size_t j = i;
  while (j < s.size() && is_digit(s[j]) && j - i < 3) ++j;
  if (j == i || j - i > 2) return std::nullopt;
  unsigned v = 0;
  for (size_t k = i; k < j; ++k) v = v * 10 + static_cast<unsigned>(s[k] - '0');
  if (v < 1 || v > 31) return std::nullopt;
  if (day_first && v == 1 && s.substr(j, 2) == "er") j += 2;
  if (j < s.size() && is_alnum(s[j])) return std::nullopt;
  if (day_first && j < s.size() && s[j] == '.') ++j;
  i = j;
  return v;
}

// Optional year after a date: ", 2023", " 2023", " de 2023". Advances i when present.
unsigned parse_year(string_view s, size_t& i) {
  size_t j = i;
  if (j < s.size() && s[j] == ',') ++j;
  if (j >= s.size() || s[j] != ' ') return 0;
  ++j;
  if (s.substr(j, 3) == "de ") j += 3;
  if (j + 4 > s.size()) return 0;
  unsigned y = 0;
  for (size_t k = j; k < j + 4; ++k) {
    if (!is_digit(s[k])) return 0;
    y = y * 10 + static_cast<unsigned>(s[k] - '0');
  }
  if ((j + 4 < s.size() && is_alnum(s[j + 4])) || y < 1900 || y > 2199) return 0;
  i = j + 4;
  return y;
}

// "Nov 12", "Sept. 3", "November 12" or "12 November" at s[i]. Sets month/day, advances i.
// "Nov 12", "Sept. 3", "November 12", "12 November", "27 novembre", "3. März",
// "5 de diciembre", "1er décembre", each with an optional year. Sets month/day/year (0 if
// absent), advances i.
bool parse_date(const CleanRules& R, string_view s, size_t& i, unsigned& month, unsigned& day,
                unsigned& year, bool capital_month = true) {
  size_t j = i;
  if (auto m = parse_month(R, s, j, capital_month)) {
    if (j >= s.size() || s[j] != ' ') return false;
    ++j;
    if (auto d = parse_day(s, j, false)) {
      month = *m, day = *d;
      year = parse_year(s, j);
      i = j;
      return true;
    }
    return false;
  }
  j = i;
  if (auto d = parse_day(s, j, true)) {
    if (j >= s.size() || s[j] != ' ') return false;
    ++j;
    if (s.substr(j, 3) == "de ") j += 3;
    if (auto m = parse_month(R, s, j, false)) {
      month = *m, day = *d;
      year = parse_year(s, j);
      i = j;
      return true;
    }
  }
  return false;
}

// "(Reuters)" at s[i]: returns the normalised agency and advances past ')'.
std::optional<std::string> parse_agency(string_view s, size_t& i) {
  if (i >= s.size() || s[i] != '(') return std::nullopt;
  const size_t close = s.find(')', i);
  if (close == npos || close - i > 40) return std::nullopt;
  const string_view a = trim(s.substr(i + 1, close - i - 1));
  if (a.empty()) return std::nullopt;
  const auto words = split_words(a);
  if (words.size() > 4) return std::nullopt;
  for (char c : a) {
    if (!is_alpha(c) && !is_non_ascii(c) && c != ' ' && c != '-' && c != '&' && c != '.') {
      return std::nullopt;
    }
  }
  const bool one_short_word = words.size() == 1 && a.size() <= 6;  // "dpa", "AP"
  if (!one_short_word) {
    for (string_view w : words) {
      if (!is_upper(w[0]) && !is_non_ascii(w[0])) return std::nullopt;
    }
  }
  i = close + 1;
  if (istarts_with(a, "Reuters")) return std::string("Reuters");
  if (a == "AP" || iequals(a, "Associated Press") || iequals(a, "The Associated Press")) {
    return std::string("AP");
  }
  if (a == "AFP" || istarts_with(a, "Agence France")) return std::string("AFP");
  return std::string(a);
}

// A dash after the dateline: - – — -- _ ― .- (EFE). Advances past it and following blanks.
bool parse_dash(string_view s, size_t& i) {
  size_t j = i;
  while (j < s.size() && s[j] == ' ') ++j;
  const string_view r = s.substr(j);
  size_t len = 0;
  bool needs_space = false;
  if (r.substr(0, std::min<size_t>(r.size(), 2)) == "--" ||
      r.substr(0, std::min<size_t>(r.size(), 2)) == ".-") {  // EFE: "(EFE).- El Gobierno"
    len = 2;
  } else if (!r.empty() && (r[0] == '-' || r[0] == '_')) {
    len = 1, needs_space = true;
  } else if (r.size() >= 3 && r[0] == '\xE2' && r[1] == '\x80' &&
             (r[2] == '\x93' || r[2] == '\x94' || r[2] == '\x95')) {
    len = 3;
  } else {
    return false;
  }
  j += len;
  if (needs_space && j < s.size() && s[j] != ' ') return false;
  while (j < s.size() && s[j] == ' ') ++j;
  i = j;
  return true;
}

bool looks_like_place(string_view loc);

// Wire noise around an all-caps location ("****SANTO DOMINGO", "c    CHICAGO", "ME}LBOURNE"):
// the place is what remains without the noise bytes and a stray lower-case letter before it.
bool looks_like_noisy_place(string_view loc) {
  if (loc.size() > 60) return false;
  std::string kept;
  for (char c : loc) {
    if (c != '*' && c != '{' && c != '}' && c != '|' && c != '~' && c != '^' && c != '#') kept += c;
  }
  string_view k = trim(kept);
  if (k.size() >= 3 && is_lower(k[0]) && is_blank(k[1])) k = trim(k.substr(2));
  if (k.size() == trim(loc).size() || k.empty() || !all_caps(k)) return false;
  return looks_like_place(k);
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

std::chrono::year_month_day clamp_received(std::chrono::sys_seconds t) {
  using namespace std::chrono;
  const sys_days lo = sys_days{year{1} / January / 1};
  const sys_days hi = sys_days{year{9999} / December / 31};
  const auto secs = t.time_since_epoch().count();
  const auto lo_s = duration_cast<seconds>(lo.time_since_epoch()).count();
  const auto hi_s = duration_cast<seconds>(hi.time_since_epoch()).count();
  if (secs < lo_s) return year_month_day{lo};
  if (secs > hi_s) return year_month_day{hi};
  return year_month_day{floor<days>(t)};
}

// The year as sent, else the received year or the one before/after, whichever puts the date
// nearest to reception.
std::string resolve_date(unsigned month, unsigned day, unsigned sent_year,
                         std::chrono::sys_seconds received) {
  using namespace std::chrono;
  const year_month_day r = clamp_received(received);
  const sys_days rd{r};
  bool found = false;
  year_month_day best{};
  long long best_diff = 0;
  if (sent_year != 0) {
    best = year_month_day{std::chrono::year{static_cast<int>(sent_year)}, std::chrono::month{month},
                          std::chrono::day{day}};
    found = best.ok();
    if (!found) return {};
  }
  for (int dy = -1; dy <= 1 && sent_year == 0; ++dy) {
    const year_month_day c{r.year() + years{dy}, std::chrono::month{month}, std::chrono::day{day}};
    if (!c.ok()) continue;
    long long diff = (sys_days{c} - rd).count();
    if (diff < 0) diff = -diff;
    if (!found || diff < best_diff) found = true, best = c, best_diff = diff;
  }
  if (!found) return {};
  const int y = static_cast<int>(best.year());
  const unsigned m = static_cast<unsigned>(best.month());
  const unsigned d = static_cast<unsigned>(best.day());
  std::string out(10, '0');
  out[0] = static_cast<char>('0' + (y / 1000) % 10);
  out[1] = static_cast<char>('0' + (y / 100) % 10);
  out[2] = static_cast<char>('0' + (y / 10) % 10);
  out[3] = static_cast<char>('0' + y % 10);
  out[4] = '-';
  out[5] = static_cast<char>('0' + m / 10);
  out[6] = static_cast<char>('0' + m % 10);
  out[7] = '-';
  out[8] = static_cast<char>('0' + d / 10);
  out[9] = static_cast<char>('0' + d % 10);
  return out;
}

// "LOCATION, Mon DD (Agency) - ", "LOCATION (Agency) - " or "LOCATION, Mon DD - " at the start
// of `p` (whitespace-normalised). Only the first ~120 bytes are examined.
std::optional<DatelineMatch> parse_dateline(const CleanRules& R, string_view p,
                                            const CleanContext& ctx) {
  const size_t window = std::min<size_t>(p.size(), 120);
  // Form 1: location, date [(agency)] dash.
  for (size_t c = p.find(','); c != npos && c < window; c = p.find(',', c + 1)) {
    if (c + 1 >= p.size() || p[c + 1] != ' ') continue;
    size_t i = c + 2;
    unsigned month = 0;
    unsigned day = 0;
    unsigned year = 0;
    // An all-caps location may be followed by a lower-case month ("NEW YORK, march 2 -").
    if (!parse_date(R, p, i, month, day, year, true)) {
      if (i >= p.size() || !is_lower(p[i]) || !all_caps(p.substr(0, c)) ||
          !parse_date(R, p, i, month, day, year, false)) {
        continue;
      }
    }
    std::string agency;
    size_t j = i;
    while (j < p.size() && p[j] == ' ') ++j;
    if (auto a = parse_agency(p, j)) {
      agency = std::move(*a);
      i = j;
    }
    if (!parse_dash(p, i)) continue;
    const string_view loc = trim(p.substr(0, c));
    if (!looks_like_place(loc) && !looks_like_noisy_place(loc)) return std::nullopt;
    return DatelineMatch{
        {std::string(loc), resolve_date(month, day, year, ctx.received_at), agency}, i};
  }
  // Form 3 (briefs, no location): date (agency) dash, "Nov 12 (Reuters) - Acme Corp:".
  {
    size_t i = 0;
    unsigned month = 0, day = 0, year = 0;
    if (parse_date(R, p, i, month, day, year)) {
      size_t j = i;
      while (j < p.size() && p[j] == ' ') ++j;
      if (auto a = parse_agency(p, j); a && parse_dash(p, j)) {
        return DatelineMatch{{{}, resolve_date(month, day, year, ctx.received_at), std::move(*a)},
                             j};
      }
    }
  }
  // Form 2: location (agency) dash.
  const size_t open = p.find(" (");
  if (open == npos || open >= window) return std::nullopt;
  size_t i = open + 1;
  auto agency = parse_agency(p, i);
  if (!agency || !parse_dash(p, i)) return std::nullopt;
  const string_view loc = trim(p.substr(0, open));
  if (!looks_like_place(loc)) return std::nullopt;
  return DatelineMatch{{std::string(loc), {}, std::move(*agency)}, i};
}

// =============================================================================================
// Sign-offs and captions
// =============================================================================================

bool is_region(const CleanRules& R, string_view w) {
  return std::binary_search(
      R.regions.begin(), R.regions.end(), w,
      [](const auto& x, const auto& y) { return string_view(x) < string_view(y); });
}

// Parses one role segment's names ("A in Paris, B and C in London"). False if not a name list.
bool parse_names(const CleanRules& R, string_view names, ContributorRole role,
                 std::vector<Contributor>& out) {
  const size_t first = out.size();
  for (string_view piece : split_name_list(names)) {
    // "X in Madison, Wisconsin": a state, province or country after a comma continues the
    // previous contributor's place, it is not a person.
    if (out.size() > first && !out.back().location.empty() && is_region(R, piece)) {
      out.back().location += ", ";
      out.back().location.append(piece);
      continue;
    }
    size_t len = 0;
    if (auto r = match_role(R, piece, len)) {  // "Reporting by A, editing by B"
      role = *r;
      piece = trim(piece.substr(len));
      if (piece.empty()) continue;
    }
    string_view name = piece;
    string_view loc;
    // "X in Minneapolis", "X at the United Nations".
    size_t in = piece.rfind(" in ");
    const size_t at = piece.rfind(" at ");
    if (in == npos || (at != npos && at > in)) in = at;
    if (in != npos) {
      name = trim(piece.substr(0, in));
      loc = trim(piece.substr(in + 4));
      string_view place = loc;
      if (place.substr(0, std::min<size_t>(place.size(), 4)) == "the ") place.remove_prefix(4);
      if (!looks_like_place(place)) return false;
    }
    if (!is_person_name(name)) return false;
    out.push_back({std::string(name), role, std::string(loc)});
  }
  if (out.size() == first) return false;
  // "A and B in Paris": the location applies to the names before it without one.
  std::string carry;
  for (size_t k = out.size(); k-- > first;) {
    if (!out[k].location.empty()) {
      carry = out[k].location;
    } else {
      out[k].location = carry;
    }
  }
  return true;
}

// "Reporting by A, B and C; Editing by D and E" (optionally in parentheses).
bool parse_signoff(const CleanRules& R, string_view p, std::vector<Contributor>& contributors,
                   const RoleRule** which) {
  p = trim(p);
  if (p.size() > 600 || p.empty()) return false;
  if (p[0] == '(') {
    const size_t close = matching_paren(p, 0);
    if (close == npos) return false;
    const string_view rest = trim(p.substr(close + 1));
    if (!rest.empty() && !(rest.substr(0, std::min<size_t>(rest.size(), 2)) == "((")) return false;
    p = trim(p.substr(1, close - 1));
  }
  // Cutting the end below keeps a prefix of `p`: unless a role phrase opens `p`, no sign-off.
  if (!opens_with_role_phrase(R, p)) return false;
  // "(Bericht von A, redigiert von B. Bei Rückfragen ... newsroom@...)": a contact trailer after
  // the sign-off sentence goes with it.
  if (const size_t dot = p.find(". "); dot != npos && p.find('@', dot) != npos) {
    p = p.substr(0, dot);
  }
  while (!p.empty() && (p.back() == '.' || p.back() == ' ')) p.remove_suffix(1);
  size_t len = 0;
  if (!match_role(R, p, len, which)) return false;
  std::vector<Contributor> found;
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find(';', start);
    if (end == npos) end = p.size();
    const string_view seg = trim(p.substr(start, end - start));
    start = end + 1;
    if (seg.empty()) continue;
    if (auto role = match_role(R, seg, len)) {
      if (!parse_names(R, trim(seg.substr(len)), *role, found)) return false;
      continue;
    }
    // Unknown "<Role> by <names>" (e.g. "Graphics by X"): accepted, names not recorded.
    const size_t by = seg.find(" by ");
    if (by == npos || by > 30 || !is_upper(seg[0])) return false;
    std::vector<Contributor> ignored;
    if (!parse_names(R, trim(seg.substr(by + 4)), ContributorRole::kReporter, ignored)) {
      return false;
    }
  }
  for (auto& c : found) add_contributor(contributors, std::move(c));
  return true;
}

// "Associated Press writers A in B and C contributed to this report."
bool parse_ap_contributed(const CleanRules& R, string_view p,
                          std::vector<Contributor>& contributors) {
  p = trim(p);
  if (p.size() > 400) return false;
  string_view s = p;
  if (s.substr(0, std::min<size_t>(s.size(), 4)) == "The ") s.remove_prefix(4);
  if (!istarts_with(s, "Associated Press ")) return false;
  s.remove_prefix(17);
  const size_t contributed = s.find(" contributed");
  if (contributed == npos) return false;
  const string_view tail = s.substr(contributed);
  if (tail != " contributed." && tail != " contributed to this report." &&
      tail != " contributed to this story." && tail != " contributed reporting.") {
    return false;
  }
  s = s.substr(0, contributed);
  // Skip lower-case role words ("writers", "video journalist").
  while (!s.empty() && is_lower(s[0])) {
    const size_t sp = s.find(' ');
    if (sp == npos) return false;
    s.remove_prefix(sp + 1);
  }
  std::vector<Contributor> found;
  if (!parse_names(R, s, ContributorRole::kAdditionalReporting, found)) return false;
  for (auto& c : found) add_contributor(contributors, std::move(c));
  return true;
}

bool is_sentence_end(char c) {
  return c == '.' || c == '!' || c == '?' || c == '"' || c == ')' || c == '\x9D';  // ...”
}

// Offsets (from `from`) of the positions f in [from, t.size()) where a word starts: f == 0 or
// t[f - 1] == ' '. In order; spaces found eight bytes at a time. At most 80 positions.
struct WordStarts {
  std::array<uint8_t, 80> offset;
  size_t count = 0;
};

WordStarts word_starts(string_view t, size_t from) {
  WordStarts out;
  auto add = [&](size_t f) {
    if (f < t.size()) out.offset[out.count++] = static_cast<uint8_t>(f - from);
  };
  size_t i = from;  // next byte that may be the space before a word
  if (from == 0) {
    add(0);
  } else {
    i = from - 1;
  }
  for (; i + 8 <= t.size(); i += 8) {
    for (uint64_t sp = zero_byte_mask(load8(t.data() + i) ^ (' ' * kOneBytes)); sp != 0;
         sp &= sp - 1) {
      add(i + static_cast<size_t>(std::countr_zero(sp)) / 8 + 1);
    }
  }
  for (; i < t.size(); ++i) {
    if (t[i] == ' ') add(i + 1);
  }
  return out;
}

struct CaptionMatch {
  Caption caption;
  uint32_t chrome_removed;
  std::string_view rule;  // id of the credit rule
};

std::optional<CaptionMatch> parse_caption(const CleanRules& R, string_view p) {
  uint32_t chrome = 0;
  string_view t = trim(p);
  for (bool again = true; again && !t.empty();) {
    again = false;
    for (const std::string& c : R.set.caption_chrome) {
      if (iends_with(t, c)) {
        t = trim(t.substr(0, t.size() - c.size()));
        ++chrome;
        again = true;
        break;
      }
    }
  }
  if (t.empty()) return std::nullopt;
  size_t start = npos;
  string_view credit;
  const CreditRule* rule = nullptr;
  if (t.back() == ')') {
    // "(AP Photo/Evan Vucci)", "(Photo by Jane Doe/AFP via Getty Images)"
    const size_t open = t.rfind('(');
    if (open != npos && t.size() - open <= 100) {
      const string_view inner = trim(t.substr(open + 1, t.size() - open - 2));
      if (!inner.empty()) {
        for (uint32_t k : R.credit_by_byte[static_cast<unsigned char>(inner[0])]) {
          const string_view m = R.set.caption_credits[k].marker;
          if (inner.substr(0, std::min(inner.size(), m.size())) == m) {
            start = open;
            credit = inner;
            rule = &R.set.caption_credits[k];
            break;
          }
        }
      }
    }
  }
  if (start == npos) {
    // A credit is at most 80 bytes at the end: only the words starting in that tail are tried,
    // latest match wins.
    const size_t from = t.size() > 80 ? t.size() - 80 : 0;
    const WordStarts starts = word_starts(t, from);
    for (size_t w = starts.count; w-- > 0 && start == npos;) {
      const size_t f = from + starts.offset[w];
      for (uint32_t k : R.credit_by_byte[static_cast<unsigned char>(t[f])]) {
        const CreditRule& c = R.set.caption_credits[k];
        if (t.compare(f, c.marker.size(), c.marker) != 0) continue;
        // Generic markers ("Photo: ", "Photo by ") must follow a sentence end: a caption's
        // text ends before its credit, while prose may mention "Photo by Night".
        if (!c.distinctive && f >= 2 && !is_sentence_end(t[f - 2])) continue;
        const string_view tail = t.substr(f);
        if (tail.find(". ") != npos || split_words(tail).size() > 10) continue;
        start = f, credit = tail, rule = &c;
        break;
      }
    }
  }
  if (start == npos) return std::nullopt;
  while (!credit.empty() && credit.back() == '.') credit.remove_suffix(1);
  credit = trim(credit);
  if (credit.empty() || credit.back() == '/') return std::nullopt;
  return CaptionMatch{
      {std::string(trim(t.substr(0, start))), std::string(credit)}, chrome, rule->id};
}

// "REUTERS/Kevin Lamarque/File Photo" -> "Kevin Lamarque"; "" for agencies, TV, handouts.
std::string photographer_from_credit(string_view credit) {
  string_view s;
  if (credit.substr(0, std::min<size_t>(credit.size(), 9)) == "Photo by ") {
    s = credit.substr(9);
  } else {
    const size_t slash = credit.find('/');
    if (slash == npos) return {};
    s = trim(credit.substr(slash + 1));
  }
  const size_t cut = s.find_first_of("/,");  // "/File Photo", ", File"
  if (cut != npos) s = s.substr(0, cut);
  s = trim(s);
  const auto words = split_words(s);
  if (words.size() < 2 || words.size() > 4 || !is_person_name(s)) return {};
  for (string_view w : words) {
    if (w == "via" || w == "TV" || w == "Handout" || w == "Pool" || w == "Stringer" ||
        w == "Reuters" || w == "REUTERS" || all_caps(w)) {
      return {};
    }
  }
  return std::string(s);
}

// =============================================================================================
// Metrics
// =============================================================================================

bool is_word_cp(char32_t cp) {
  if (cp < 0x80) return is_alnum(static_cast<char>(cp));
  if (cp < 0xC0) return false;                     // Latin-1 punctuation and symbols
  if (cp >= 0x2000 && cp <= 0x2BFF) return false;  // punctuation, symbols, arrows, shapes
  if (cp >= 0x3000 && cp <= 0x303F) return false;  // CJK punctuation
  return cp != 0xD7 && cp != 0xF7 && cp != 0xFFFD;
}

// A word of at most 8 bytes packed into an integer (bytes little-endian, zero-padded: words
// hold no NUL byte, so the packing is unique), so a stop-word lookup is one hash probe and
// integer compares, no string compares.
constexpr size_t kMaxStopWordBytes = 8;
constexpr uint64_t pack_word(const char* w, size_t len) {
  uint64_t k = 0;
  for (size_t i = 0; i < len; ++i) k |= uint64_t{static_cast<unsigned char>(w[i])} << (8 * i);
  return k;
}

constexpr size_t stopword_slot(uint64_t key) {
  return static_cast<size_t>((key * 0x9E3779B97F4A7C15ULL) >> 55);  // 512 slots
}

// kStopWords as an open-addressing table (512 slots, linear probing; key 0 = empty). `points`:
// each function word gives 12 points, shared between the languages that use it (12 = lcm of
// 1..4).
struct StopWordSlot {
  uint64_t key;
  uint8_t langs;
  uint8_t points;
};
constexpr auto kStopWordTable = [] {
  std::array<StopWordSlot, 512> t{};
  for (const StopWord& w : kStopWords) {
    if (w.word.size() > kMaxStopWordBytes) continue;  // longer words are never scored
    const uint64_t key = pack_word(w.word.data(), w.word.size());
    size_t i = stopword_slot(key);
    while (t[i].key != 0 && t[i].key != key) i = (i + 1) % t.size();
    t[i].key = key;
    t[i].langs |= w.langs;  // a word listed twice belongs to both entries' languages
  }
  for (StopWordSlot& slot : t) {
    if (slot.key != 0) slot.points = static_cast<uint8_t>(12 / std::popcount(slot.langs));
  }
  return t;
}();
static_assert(kStopWords.size() < kStopWordTable.size() / 2, "stop-word table too full");

// Bit set of the first letters of the stop words of each length (bit 26: a non-letter first
// byte): a cheap test that lets most words skip the table probe.
constexpr uint32_t first_letter_bit(unsigned char lowered) {
  return lowered >= 'a' && lowered <= 'z' ? uint32_t{1} << (lowered - 'a') : uint32_t{1} << 26;
}
constexpr auto kStopFirstByLength = [] {
  std::array<uint32_t, kMaxStopWordBytes + 1> t{};
  for (const StopWord& w : kStopWords) {
    if (w.word.size() <= kMaxStopWordBytes)
      t[w.word.size()] |= first_letter_bit(static_cast<unsigned char>(w.word[0]));
  }
  return t;
}();

// The table slot of a stop word, or nullptr.
const StopWordSlot* find_stopword(uint64_t key) {
  for (size_t i = stopword_slot(key);; i = (i + 1) % kStopWordTable.size()) {
    if (kStopWordTable[i].key == key) return &kStopWordTable[i];
    if (kStopWordTable[i].key == 0) return nullptr;
  }
}

using LanguageHits = std::array<uint32_t, kLanguages.size()>;

// Letters only one or two of the languages use: a small score on top of the function words.
void score_letter(string_view p, size_t i, LanguageHits& hits) {
  if (p[i] != '\xC3' || i + 1 >= p.size()) return;
  switch (static_cast<unsigned char>(p[i + 1])) {
    case 0xB1:
      hits[3] += 6;
      break;  // ñ es
    case 0xA3:
    case 0xB5:
      hits[5] += 6;
      break;  // ã õ pt
    case 0x9F:
      hits[2] += 6;
      break;  // ß de
    case 0xA4:
    case 0xB6:
    case 0xBC:
      hits[2] += 3;
      break;  // ä ö ü de
    case 0xA7:
      hits[1] += 2, hits[5] += 2;
      break;  // ç fr pt
    case 0xAC:
    case 0xB2:
      hits[4] += 3;
      break;  // ì ò it
    case 0xAA:
    case 0xAE:
    case 0xBB:
      hits[1] += 3;
      break;  // ê î û fr
    default:
      break;
  }
}

// Byte -> its lowered form inside a word (ASCII letters lowered, non-ASCII bytes kept), or 0
// for a byte that ends a word.
constexpr auto kWordByte = [] {
  std::array<unsigned char, 256> t{};
  for (unsigned c = 0; c < 256; ++c) {
    const auto ch = static_cast<char>(c);
    if (is_alpha(ch) || is_non_ascii(ch)) t[c] = static_cast<unsigned char>(to_lower(ch));
  }
  return t;
}();

// True when p[b, e) holds a word character: an ASCII letter or digit, or a non-ASCII letter
// (is_word_cp; each character decoded at its lead byte).
bool has_word_char(string_view p, size_t b, size_t e) {
  for (size_t i = b; i < e; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    if (c < 0x80) {
      if (is_alnum(static_cast<char>(c))) return true;
    } else if ((c & 0xC0u) != 0x80u && is_word_cp(decode_utf8(p, i).cp)) {
      return true;
    }
  }
  return false;
}

// 0x80 in the bytes of `x` that kWordByte keeps: ASCII letters and every non-ASCII byte.
constexpr uint64_t word_byte_mask(uint64_t x) {
  // Setting 0x20 maps 'A'..'Z' onto 'a'..'z' and no other ASCII byte into that range.
  return byte_range_mask(x | (0x20 * kOneBytes), 'a', 'z') | (x & kHighBits);
}

// End of the run of word bytes (kWordByte != 0) that starts at `i`; eight bytes at a time.
size_t word_end(string_view p, size_t i) {
  for (; i + 8 <= p.size(); i += 8) {
    const uint64_t other = ~word_byte_mask(load8(p.data() + i)) & kHighBits;
    if (other != 0) return i + static_cast<size_t>(std::countr_zero(other)) / 8;
  }
  while (i < p.size() && kWordByte[static_cast<unsigned char>(p[i])] != 0) ++i;
  return i;
}

// pack_word of the lowered run of word bytes p[b, b + len), len <= 8.
uint64_t packed_lowered(string_view p, size_t b, size_t len) {
  uint64_t x = 0;
  if (b + 8 <= p.size()) {
    x = load8(p.data() + b) & (len == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * len)) - 1);
  } else {
    std::memcpy(&x, p.data() + b, len);
  }
  // Inside a run every ASCII byte is a letter: setting 0x20 lowers it; other bytes are kept.
  return x | (((~x & kHighBits) >> 2) & (len == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * len)) - 1));
}

// One pass over `p` for both metrics. Returns its word count: blank-separated tokens holding a
// word character. Adds the language score of its words to `hits`: a word here is a run of
// letters (any non-ASCII byte counts as a letter), lowered; words of 1..8 bytes are looked up in
// the stop-word table, and a few distinctive letters add a little (score_letter).
uint32_t scan_words(string_view p, LanguageHits& hits) {
  for (size_t c = p.find('\xC3'); c != npos; c = p.find('\xC3', c + 1)) score_letter(p, c, hits);
  uint32_t words = 0;
  bool token_counted = false;  // the current blank-separated token has been counted
  size_t i = 0;
  while (i < p.size()) {
    const auto c = static_cast<unsigned char>(p[i]);
    if (kWordByte[c] == 0) {  // ASCII, not a letter
      if (is_blank(static_cast<char>(c))) {
        token_counted = false;
      } else if (!token_counted && is_digit(static_cast<char>(c))) {
        token_counted = true, ++words;
      }
      ++i;
      continue;
    }
    const size_t start = i;
    i = word_end(p, i);
    if (!token_counted && has_word_char(p, start, i)) token_counted = true, ++words;
    const size_t len = i - start;
    if (len > kMaxStopWordBytes) continue;  // longer than any stop word
    if ((kStopFirstByLength[len] & first_letter_bit(kWordByte[c])) == 0) {
      continue;  // no stop word of this length starts with this letter
    }
    const StopWordSlot* slot = find_stopword(packed_lowered(p, start, len));
    if (slot == nullptr) continue;  // most words
    for (unsigned m = slot->langs; m != 0; m &= m - 1) {
      hits[static_cast<size_t>(std::countr_zero(m))] += slot->points;
    }
  }
  return words;
}

// The best language must have the equivalent of 2.5 distinctive words and lead the runner-up
// by 25%.
std::string pick_language(const LanguageHits& hits) {
  size_t best = 0;
  for (size_t k = 1; k < hits.size(); ++k) {
    if (hits[k] > hits[best]) best = k;
  }
  uint32_t second = 0;
  for (size_t k = 0; k < hits.size(); ++k) {
    if (k != best) second = std::max(second, hits[k]);
  }
  // A clear lead: 2.5 distinctive words' worth and 25% more than the runner-up.
  if (hits[best] < 30 || hits[best] * 4 < second * 5 || hits[best] == second) return {};
  return std::string(kLanguages[best]);
}

// =============================================================================================
// Assembly
// =============================================================================================

// A first line longer than this is a body paragraph of a story sent without a headline.
constexpr size_t kMaxHeadlineBytes = 400;

struct RawParagraph {
  std::string text;
  bool table = false;
  bool ws_normal = false;  // ws_normal(text), known from its lines and joins
};

// Iterates the '\n'-separated lines of a text without materialising them.
class LineReader {
 public:
  explicit LineReader(string_view s, size_t pos = 0) : s_(s), pos_(pos) {}
  // Offset of the line the next call returns.
  size_t position() const { return pos_; }
  bool next(string_view& line) {
    if (pos_ > s_.size()) return false;
    size_t nl = s_.find('\n', pos_);
    if (nl == npos) nl = s_.size();
    line = s_.substr(pos_, nl - pos_);
    pos_ = nl + 1;
    return true;
  }

 private:
  string_view s_;
  size_t pos_;
};

// =============================================================================================
// Quotes
// =============================================================================================

bool is_speech_verb(const CleanRules& R, string_view w) {
  return std::binary_search(
      R.speech_verbs.begin(), R.speech_verbs.end(), w,
      [](const auto& x, const auto& y) { return string_view(x) < string_view(y); });
}

bool is_pronoun(string_view w) {
  constexpr auto kPronouns = std::to_array<string_view>(
      {"he",    "she",   "they", "it",   "we",   "i",    "you", "il",  "elle",
       "ils",   "elles", "on",   "nous", "er",   "sie",  "es",  "wir", "ella",
       "ellos", "lui",   "lei",  "ele",  "eles", "this", "that"});
  const std::string l = fold_case(w);
  return std::find(kPronouns.begin(), kPronouns.end(), l) != kPronouns.end();
}

// Words that cannot open an attribution's subject ("..., and then the company said").
bool is_clause_word(string_view w) {
  constexpr auto kWords = std::to_array<string_view>(
      {"and", "but",   "or", "then", "also", "as",   "while", "when", "because", "so", "which",
       "who", "where", "et", "mais", "y",    "pero", "und",   "aber", "e",       "ma", "mas"});
  return std::find(kWords.begin(), kWords.end(), w) != kWords.end();
}

// Prepositions that open a phrase after the speaker's name ("at a briefing", "vor den Medien",
// "en una conferencia", "in conferenza stampa"). Not the particles inside names ("de", "di",
// "von", "van") nor "of" (titles: "Bank of England Governor Andrew Bailey").
bool is_phrase_preposition(string_view w) {
  constexpr auto kWords = std::to_array<string_view>(
      {// en
       "at", "in", "on", "during", "after", "before", "from", "for", "with", "to", "outside",
       "inside", "while", "when", "as",
       // de
       "vor", "bei", "nach", "auf", "am", "im", "mit",
       "gegen\xC3\xBC"
       "ber",
       "w\xC3\xA4hrend",
       // fr
       "\xC3\xA0", "au", "aux", "lors", "pendant", "dans", "devant", "apr\xC3\xA8s", "avant", "sur",
       "en",
       // es / it / pt
       "durante", "tras", "ante", "con", "a", "al", "nel", "nella", "davanti", "dopo", "prima",
       "em", "no", "na", "ao", "ap\xC3\xB3s"});
  return std::find(kWords.begin(), kWords.end(), w) != kWords.end();
}

// Auxiliaries of compound speech verbs: "a déclaré", "ha detto", "hat gesagt".
bool is_auxiliary(string_view w) { return w == "a" || w == "ha" || w == "hat" || w == "has"; }

string_view span_of(const ViewList& words, size_t b, size_t e) {
  return {words[b].data(),
          static_cast<size_t>(words[e - 1].data() + words[e - 1].size() - words[b].data())};
}

bool has_capital(string_view w) { return !w.empty() && (is_upper(w[0]) || is_non_ascii(w[0])); }

// The attribution's subject as written (title included, appositive after a comma dropped),
// or "" when there is no acceptable subject.
std::string subject(string_view s) {
  const auto words = split_words(s);
  if (words.empty() || words.size() > 8) return {};
  if (words.size() == 1 && is_pronoun(words[0])) return {};
  if (is_clause_word(words[0])) return {};
  for (string_view w : words) {
    for (char c : w) {
      if (c == '"' || c == '(' || c == ')' || c == ';' || c == ':' || is_digit(c)) return {};
    }
  }
  return std::string(s);
}

// Attribution after a closing quote: ", Sullivan said", " said Gov. Martin Olsen at ...",
// ", afirmó la ministra de Transportes, Elena Robles, en ...", " Marta Keller, the ECB's
// president, told ...". `after` runs to the end of the sentence.
std::string speaker_after(const CleanRules& R, string_view after) {
  after = trim(after);
  if (!after.empty() && after[0] == ',') after = trim(after.substr(1));
  if (after.empty()) return {};
  // Comma-separated segments of the clause.
  ViewList segs;
  for (size_t b = 0; b <= after.size();) {
    size_t e = after.find(',', b);
    if (e == npos) e = after.size();
    segs.push_back(trim(after.substr(b, e - b)));
    b = e + 1;
  }
  const auto words = split_words(segs[0]);
  if (words.empty()) return {};
  size_t v = 0;
  if (is_auxiliary(words[0]) && words.size() > 1 && is_speech_verb(R, words[1])) v = 1;
  if (v == 1 || is_speech_verb(R, words[0])) {
    // Verb first: the subject follows, up to its last capitalised word before a preposition
    // that opens a trailing phrase ("at a ribbon-cutting", "vor den Medien in Bern": German
    // nouns are capitalised, so the last capital alone is not enough).
    if (words.size() <= v + 1) return {};
    size_t e = words.size();
    size_t last_cap = npos;
    for (size_t k = v + 1; k < words.size(); ++k) {
      if (has_capital(words[k])) {
        last_cap = k;
      } else if (last_cap != npos && is_phrase_preposition(words[k])) {
        break;
      }
    }
    if (last_cap != npos) e = last_cap + 1;
    std::string subj(span_of(words, v + 1, e));
    // "la ministra de Transportes, Elena Robles": a title then the person's name.
    if (!has_capital(words[v + 1]) && segs.size() > 1 && is_person_name(segs[1]) &&
        !split_words(segs[1]).empty() && split_words(segs[1]).size() <= 4) {
      subj += ", ";
      subj.append(segs[1]);
    }
    return subject(subj);
  }
  // Subject first, then the verb (within the first segment, or after an appositive).
  for (size_t k = 1; k < words.size() && k <= 8; ++k) {
    if (is_speech_verb(R, words[k]) ||
        (is_auxiliary(words[k]) && k + 1 < words.size() && is_speech_verb(R, words[k + 1]))) {
      return subject(span_of(words, 0, k));
    }
  }
  if (segs.size() >= 3) {  // "Marta Keller, the ECB's president, told ..."
    for (size_t g = 2; g < segs.size(); ++g) {
      const auto w = split_words(segs[g]);
      if (!w.empty() && is_speech_verb(R, w[0])) return subject(segs[0]);
    }
  }
  return {};
}

// Attribution before an opening quote: "Sullivan said: ", "On Monday, Biden said, ".
std::string speaker_before(const CleanRules& R, string_view before) {
  before = trim(before);
  if (before.empty() || (before.back() != ':' && before.back() != ',')) return {};
  before.remove_suffix(1);
  size_t from = before.size() > 120 ? before.size() - 120 : 0;
  while (from < before.size() && (static_cast<unsigned char>(before[from]) & 0xC0u) == 0x80u) {
    ++from;  // start on a character boundary
  }
  const auto words = split_words(before.substr(from));
  if (words.size() < 2 || !is_speech_verb(R, words.back())) return {};
  // The subject runs back from the verb to the clause start (sentence start or a comma).
  size_t end = words.size() - 1;
  if (end > 0 && is_auxiliary(words[end - 1])) --end;
  size_t b = end;
  while (b > 0 && end - b < 8) {
    const string_view w = words[b - 1];
    if (w.back() == ',' || w.back() == '.' || w.back() == ';' || w.back() == ':') break;
    --b;
  }
  if (b == end) return {};
  if (b > 0) {
    const string_view prev = words[b - 1];
    if (prev.back() != ',' && prev.back() != '.' && prev.back() != ';' && prev.back() != ':') {
      return {};
    }
  }
  return subject(span_of(words, b, end));
}

// Quoted spans of `p`: “…”, "…", «…», „…“ pairs, in order.
struct QuoteSpan {
  size_t open, inner_begin, inner_end, close_end;
};

std::vector<QuoteSpan> quote_spans(string_view p) {
  constexpr string_view kLeft = "\xE2\x80\x9C";     // “
  constexpr string_view kRight = "\xE2\x80\x9D";    // ”
  constexpr string_view kLowLeft = "\xE2\x80\x9E";  // „
  constexpr string_view kGuilOpen = "\xC2\xAB";     // «
  constexpr string_view kGuilClose = "\xC2\xBB";    // »
  std::vector<QuoteSpan> out;
  size_t i = 0;
  while (i < p.size()) {
    const size_t o = find_quote_byte(p, i);
    if (o == npos) break;
    string_view open;
    size_t close = npos;
    size_t close_len = 0;
    if (p[o] == '"') {
      open = "\"";
      close = p.find('"', o + 1), close_len = 1;
    } else if (p.compare(o, 3, kLeft) == 0) {
      open = kLeft;
      close = p.find(kRight, o + 3), close_len = 3;
    } else if (p.compare(o, 3, kLowLeft) == 0) {
      open = kLowLeft;
      close = p.find(kLeft, o + 3), close_len = 3;
      const size_t alt = p.find(kRight, o + 3);
      if (alt < close) close = alt;
    } else if (p.compare(o, 2, kGuilOpen) == 0) {
      open = kGuilOpen;
      close = p.find(kGuilClose, o + 2), close_len = 2;
    } else {
      i = o + 1;
      continue;
    }
    if (close == npos) break;
    out.push_back({o, o + open.size(), close, close + close_len});
    i = close + close_len;
  }
  return out;
}

// A '.' that ends an abbreviation inside a sentence: "Gov. Martin", "AT&T.com", "U.S. Steel".
bool is_abbreviation_period(string_view p, size_t dot) {
  if (dot + 1 < p.size() && p[dot + 1] != ' ') return true;  // "U.S" "AT&T.com"
  if (dot + 2 >= p.size() || !is_upper(p[dot + 2])) return false;
  size_t b = dot;
  while (b > 0 && is_alpha(p[b - 1])) --b;
  const size_t len = dot - b;
  return len >= 1 && len <= 4 && is_upper(p[b]) && (b == 0 || p[b - 1] == ' ');
}

void extract_quotes(const Env& env, CleanStory& out) {
  for (size_t k = 0; k < out.paragraphs.size(); ++k) {
    const string_view p = out.paragraphs[k];
    if (find_quote_byte(p) == npos) continue;
    std::string last_speaker;  // of the previous attributed quote in this paragraph
    for (const QuoteSpan& q : quote_spans(p)) {
      string_view text = trim(p.substr(q.inner_begin, q.inner_end - q.inner_begin));
      if (split_words(text).size() < 3) continue;  // scare quotes, titles
      std::string speaker;
      const char last = text.empty() ? '\0' : text.back();
      const bool comma_after = q.close_end < p.size() && p[q.close_end] == ',';
      if (last == ',' || last == '.' || last == '?' || last == '!' || comma_after) {
        // The attribution runs to the end of its sentence.
        size_t stop = q.close_end;
        for (;;) {
          stop = find_any(p, ".;", stop);
          if (stop == npos || !is_abbreviation_period(p, stop)) break;
          ++stop;
        }
        speaker = speaker_after(env.rules,
                                p.substr(q.close_end, stop == npos ? npos : stop - q.close_end));
      }
      if (speaker.empty()) speaker = speaker_before(env.rules, p.substr(0, q.open));
      if (speaker.empty() && !last_speaker.empty()) {
        // “…,” Okafor said. “…” — a quote-only sentence after an attributed quote in the same
        // paragraph continues that speaker.
        const string_view before = trim(p.substr(0, q.open));
        const char b = before.empty() ? '\0' : before.back();
        if (b == '.' || b == '?' || b == '!' || before.ends_with("\xE2\x80\x9D") || b == '"') {
          speaker = last_speaker;
        }
      }
      last_speaker = speaker;  // an unattributed quote (or a pronoun's) ends the chain
      if (speaker.empty()) continue;
      while (!text.empty() && text.back() == ',') text.remove_suffix(1);
      env.note("quote", "quotes", p.substr(q.open, q.close_end - q.open));
      out.quotes.push_back({std::string(text), std::move(speaker), static_cast<uint32_t>(k)});
    }
  }
}

}  // namespace

CleanStory clean_story(std::string_view utf8_text, const CleanContext& ctx) {
  const std::shared_ptr<const CleanRules> defaults =
      ctx.rules == nullptr ? default_clean_rules() : nullptr;
  const Env env{ctx.rules != nullptr ? *ctx.rules : *defaults, ctx, ctx.explain};
  const CleanRules& R = env.rules;
  CleanStory out;
  std::string entities;  // decoded copy, only when the text holds an '&'
  string_view raw_text = utf8_text;
  if (raw_text.find('&') != npos) {
    entities = decode_entities(raw_text);
    raw_text = entities;
  }
  const std::string text = normalize_chars(raw_text);

  // ---- headline: first non-empty, non-boilerplate line ---------------------------------------
  size_t body_start = text.size() + 1;
  string_view line;
  ChromeLinePass chrome(ctx.learned, ctx.sighting);
  // Page chrome judged by shape or learned: a short line standing alone (nothing or a blank
  // line after it; the caller knows what came before).
  // `record`: a body line (a candidate for learning); a byline, sign-off or note never is.
  auto chrome_removed = [&](const LineReader& lr, string_view t, bool record) {
    if (t.size() > kChromeCandidateMaxBytes) return false;
    // Standalone: the next line is blank or there is none (its blanks only are read).
    size_t q = lr.position();
    while (q < text.size() && is_blank(text[q])) ++q;
    if (q < text.size() && text[q] != '\n') return false;
    const bool learning = ctx.learned != nullptr || ctx.sighting != nullptr;
    const bool structural = record && learning && classify_line(R, t, true) != LineKind::kJoin;
    const auto v = chrome.judge(t, structural, record);
    if (!v) return false;
    ++out.boilerplate_removed;
    if (env.explain != nullptr)
      env.explain->push_back({chrome.rule(*v), "removed", std::string(t), v->stories});
    return true;
  };
  for (LineReader lr(text);;) {
    const size_t line_start = lr.position();
    if (!lr.next(line)) break;
    const string_view t = trim(line);
    if (t.empty()) continue;
    if (const LineRule* r = match_boilerplate(R, t)) {
      ++out.boilerplate_removed;
      env.note(r->id, "removed", t);
      continue;
    }
    if (chrome_removed(lr, t, false)) continue;
    const std::string h = normalize_ws(t);
    if (h.size() > kMaxHeadlineBytes || parse_dateline(R, h, ctx) || parse_byline(h, nullptr) ||
        starts_with_advisory(R, h)) {
      body_start = line_start;  // no headline: the story opens with its body
      break;
    }
    string_view hv = h;
    split_headline_tags(env, hv, out);
    split_take_marker(hv, out);
    out.headline = std::string(trim(hv));
    out.headline_all_caps = all_caps(out.headline);
    body_start = lr.position();
    break;
  }

  // ---- paragraphs ------------------------------------------------------------------------------
  std::vector<RawParagraph> raw;
  std::string cur;
  bool cur_ws_normal = true;  // ws_normal(cur): every line and every join so far
  const LineRule* dropping_list = nullptr;
  auto flush = [&] {
    if (!cur.empty()) raw.push_back({std::move(cur), false, cur_ws_normal});
    cur.clear();
    cur_ws_normal = true;
  };
  // Rows of the column-aligned block being read: each row is kept as sent (never re-flowed),
  // minus the indentation common to the whole block.
  std::vector<string_view> table;
  auto flush_table = [&] {
    if (table.empty()) return;
    size_t indent = npos;
    for (string_view row : table) indent = std::min(indent, leading_blanks(row));
    for (string_view row : table) raw.push_back({table_row(row.substr(indent)), true, false});
    table.clear();
  };
  for (LineReader lr(text, body_start); lr.next(line);) {
    const string_view t = trim(line);
    if (t.empty()) {
      flush();
      flush_table();
      // A link list may be sent with blank lines between its header and entries: the list ends
      // at the first line that is not a link entry, not at a blank line.
      continue;
    }
    // A photo caption after a list header is the next page element, not a link entry.
    if (dropping_list != nullptr && looks_like_list_item(t) && !parse_caption(R, t)) {
      ++out.boilerplate_removed;
      env.note(dropping_list->id, "removed", t);
      continue;
    }
    dropping_list = nullptr;
    if (const LineRule* r = match_boilerplate(R, t)) {
      flush();
      ++out.boilerplate_removed;
      env.note(r->id, "removed", t);
      if (r->drops_list) dropping_list = r;
      continue;
    }
    chrome.see(t);
    if (cur.empty() && table.empty() && chrome_removed(lr, t, true)) {
      continue;
    }
    // One scan of the line for the paragraph's blank check; column gaps need a tab or two
    // blanks, which a ws_normal line does not hold.
    const bool line_ws_normal = ws_normal(t);
    const ColumnShape shape = line_ws_normal ? ColumnShape{} : column_shape(t);
    if (shape.table_row || (table.empty() && shape.heading && [&] {
          LineReader peek = lr;
          string_view next;
          return peek.next(next) && is_table_line(trim(next));
        }())) {
      flush();
      table.push_back(line);
      continue;
    }
    flush_table();
    const LineKind kind = classify_line(R, t, raw.size() <= 3 && cur.empty());
    if (kind != LineKind::kJoin || is_blank(line[0])) flush();
    const bool join_ws_normal = join_line(cur, t);
    cur_ws_normal = cur_ws_normal && line_ws_normal && join_ws_normal;
    if (kind == LineKind::kStandalone) flush();
  }
  flush();
  flush_table();
  chrome.finish();

  // ---- paragraph roles ---------------------------------------------------------------------
  bool content_seen = false;
  bool dateline_done = false;
  for (auto& rp : raw) {
    if (rp.table) {
      out.paragraphs.push_back(std::move(rp.text));
      content_seen = true;
      continue;
    }
    std::string p = rp.ws_normal ? std::move(rp.text) : normalize_ws(rp.text);
    out.boilerplate_removed += strip_glued_link_hints(env, p);
    if (!env.rules.set.tail_tokens.empty()) out.boilerplate_removed += strip_tail_token(env, p);
    // Editor's notes, possibly followed by the story text on the same line.
    string_view rest = p;
    while (starts_with_advisory(R, rest)) {
      const size_t close = matching_paren(rest, 0);
      if (close == npos) break;
      const string_view inner = trim(rest.substr(1, close - 1));
      if (inner.substr(0, std::min<size_t>(inner.size(), 3)) == "In " ||
          inner.substr(0, std::min<size_t>(inner.size(), 5)) == "This ") {
        if (inner.find("story") == npos && inner.find("version") == npos) break;
      }
      env.note("advisory", "editor_notes", rest.substr(0, close + 1));
      out.editor_notes.emplace_back(inner);
      rest = trim(rest.substr(close + 1));
    }
    if (rest.size() != p.size()) p = std::string(rest);
    if (p.empty()) continue;
    if (const NoteRule* nr = match_note(R, p)) {
      const string_view note =
          nr->keep_label ? string_view(p) : trim(string_view(p).substr(nr->prefix.size()));
      if (!note.empty()) {
        env.note(nr->id, "editor_notes", p);
        out.editor_notes.emplace_back(note);
        continue;
      }
    }
    if (!content_seen && parse_byline(p, &out.contributors)) {
      env.note("byline", "contributors", p);
      continue;
    }
    if (auto cap = parse_caption(R, p)) {
      out.boilerplate_removed += cap->chrome_removed;
      const std::string photographer = photographer_from_credit(cap->caption.credit);
      if (!photographer.empty()) {
        add_contributor(out.contributors, {photographer, ContributorRole::kPhotographer, {}});
      }
      env.note(cap->rule, "captions", p);
      out.captions.push_back(std::move(cap->caption));
      continue;
    }
    if (!content_seen && !dateline_done) {
      if (auto d = parse_dateline(R, p, ctx)) {
        env.note("dateline", "dateline", trim(string_view(p).substr(0, d->body_offset)));
        out.dateline = std::move(d->dateline);
        p.erase(0, d->body_offset);
        dateline_done = true;
        if (p.empty()) continue;
      }
    }
    const RoleRule* role = nullptr;
    if (parse_signoff(R, p, out.contributors, &role)) {
      ++out.boilerplate_removed;
      env.note(role != nullptr ? "signoff:" + role->id : std::string("signoff"), "contributors", p);
      continue;
    }
    if (parse_ap_contributed(R, p, out.contributors)) {
      ++out.boilerplate_removed;
      env.note("ap.contributed", "contributors", p);
      continue;
    }
    content_seen = true;
    out.paragraphs.push_back(std::move(p));
  }

  extract_quotes(env, out);
  LanguageHits hits{};
  for (const auto& p : out.paragraphs) out.word_count += scan_words(p, hits);
  out.language = pick_language(hits);
  if (out.language.empty() && !out.headline.empty()) {
    // Too little body to tell (a brief, an alert): the headline counts too.
    scan_words(out.headline, hits);
    out.language = pick_language(hits);
  }
  return out;
}

}  // namespace wirefeed::pipeline
