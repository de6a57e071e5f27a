// Language guess and word count: one scan per paragraph. See language.hpp for the contract.
#include "pipeline/clean/language.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>

#include "pipeline/clean/common.hpp"
#include "pipeline/swar.hpp"
#include "pipeline/text/utf8.hpp"

namespace wirefeed::pipeline::cleaning {

using namespace swar;
using text::decode_utf8;

namespace {

// Languages and their frequent function words.
constexpr auto kLanguages = std::to_array<string_view>({"en", "fr", "de", "es", "it", "pt", "nl"});
static_assert(kLanguages.size() == kLanguageCount);
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

}  // namespace

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

}  // namespace wirefeed::pipeline::cleaning
