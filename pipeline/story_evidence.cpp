// Story evidence. See story_evidence.hpp for the invariants.
#include "pipeline/story_evidence.hpp"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <initializer_list>
#include <string>
#include <utility>

namespace wirefeed::pipeline {
namespace {

constexpr uint32_t kFactMask = 0x7FFFFFFF;
constexpr uint32_t kSubjectMask = 0x3FFFFFFF;
constexpr uint32_t kNameBits = 0x80000000;
constexpr uint32_t kTickerBits = 0xC0000000;
constexpr std::size_t kMaxTickers = 6;
constexpr std::size_t kMaxWord = 48;  // longer "words" (URLs, tables run together) are skipped

// Character classes in one table: the scanner tests every byte of the story. kOpen marks the
// brackets a ticker opens with, so one OR per byte tells the scanner whether a word may hold one.
enum : uint8_t { kSpace = 1, kDigit = 2, kUpper = 4, kLower = 8, kKeep = 16, kOpen = 32 };
constexpr std::array<uint8_t, 256> kClass = [] {
  std::array<uint8_t, 256> t{};
  for (char c : {' ', '\t', '\n', '\r', '\f'}) t[static_cast<unsigned char>(c)] = kSpace;
  for (int c = '0'; c <= '9'; ++c) t[c] = kDigit | kKeep;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = kUpper | kKeep;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = kLower | kKeep;
  t['<'] = kKeep | kOpen;
  t['>'] = kKeep;
  t['('] = kOpen;
  for (int c = 0x80; c < 0x100; ++c) t[c] = kKeep;  // UTF-8 bytes: part of a word
  return t;
}();
uint8_t cls(char c) { return kClass[static_cast<unsigned char>(c)]; }
bool is_space(char c) { return (cls(c) & kSpace) != 0; }
bool is_digit(char c) { return (cls(c) & kDigit) != 0; }
bool is_upper(char c) { return (cls(c) & kUpper) != 0; }
bool is_lower(char c) { return (cls(c) & kLower) != 0; }
bool is_alpha(char c) { return (cls(c) & (kUpper | kLower)) != 0; }
char lower(char c) { return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

// Eight bytes of text tested at once (a word of up to seven characters and the space after it):
// the high bit of byte i of a mask is set where byte i of `x` (the i-th byte of the text, loaded
// little-endian) passes the test.
constexpr uint64_t kOnes = 0x0101010101010101;
constexpr uint64_t kHighBits = 0x8080808080808080;
// Bytes >= v (0 < v <= 0x80), and every byte >= 0x80. The low seven bits of each byte are added
// apart from its high bit, so no sum carries into the next byte.
uint64_t bytes_at_least(uint64_t x, uint8_t v) {
  return (((x & ~kHighBits) + kOnes * (0x80u - v)) | x) & kHighBits;
}

// Letter index of a byte, case folded: 0..25 for a..z and A..Z, kNotLetter for any other byte.
constexpr uint8_t kNotLetter = 26;
constexpr std::array<uint8_t, 256> kLetter = [] {
  std::array<uint8_t, 256> t{};
  t.fill(kNotLetter);
  for (int c = 0; c < 26; ++c) t['a' + c] = t['A' + c] = static_cast<uint8_t>(c);
  return t;
}();
std::size_t letter(char c) { return kLetter[static_cast<unsigned char>(c)]; }

// The lengths the words of a small set have, by their first two letters: a test that rejects
// almost every word outside the set before it is lowered and looked up. Bit `n` of
// bits[27 * a + b] is set when the set holds a word of `n` characters starting with letters a, b
// (row and column kNotLetter stay clear: a word of the set starts with two letters).
struct WordShapes {
  static constexpr std::size_t kMaxLength = 15;
  std::array<uint16_t, 27 * 27> bits{};
  bool complete = true;  // every word added fits (checked where a table is built)

  // Adds a word of `n` characters starting as `w` does (lower-case letters).
  constexpr void add(std::string_view w, std::size_t n) {
    if (n > kMaxLength) {
      complete = false;
      return;
    }
    bits[27 * static_cast<std::size_t>(w[0] - 'a') + static_cast<std::size_t>(w[1] - 'a')] |=
        static_cast<uint16_t>(1u << n);
  }
  // False when the set holds no word of w's length and first two letters (in any case).
  bool may_hold(std::string_view w) const {
    if (w.size() < 2 || w.size() > kMaxLength) return false;
    return ((bits[27 * letter(w[0]) + letter(w[1])] >> w.size()) & 1u) != 0;
  }
};

// Words that say what kind of story it is or glue a sentence, never who it is about: function
// words, corporate suffixes, months and weekdays, and the generic verbs and nouns of wire
// headlines. Kept out of the name subjects so two stories of one template share no name.
constexpr std::array<std::string_view, 114> kNotNames = {
    "a",         "about",       "after",    "against",  "all",      "an",      "and",
    "annual",    "apr",         "april",    "are",      "as",       "at",      "aug",
    "august",    "be",          "before",   "buy",      "by",       "co",      "company",
    "corp",      "corporation", "cts",      "cut",      "cuts",     "dec",     "december",
    "declares",  "div",         "dividend", "dlrs",     "earnings", "feb",     "february",
    "for",       "friday",      "from",     "group",    "has",      "have",    "he",
    "her",       "his",         "holdings", "in",       "inc",      "initial", "into",
    "is",        "it",          "its",      "jan",      "january",  "jul",     "july",
    "jun",       "june",        "ltd",      "mar",      "march",    "may",     "monday",
    "net",       "new",         "nov",      "november", "oct",      "october", "of",
    "on",        "or",          "over",     "pay",      "payable",  "payout",  "plc",
    "prime",     "prior",       "profit",   "qtly",     "qtr",      "quarter", "quarterly",
    "raises",    "rate",        "record",   "regular",  "reports",  "results", "revs",
    "said",      "saturday",    "say",      "says",     "sees",     "sep",     "sept",
    "september", "set",         "sets",     "she",      "shr",      "stake",   "sunday",
    "the",       "they",        "thursday", "to",       "tuesday",  "up",      "wednesday",
    "with",      "year",
};
static_assert(std::is_sorted(kNotNames.begin(), kNotNames.end()), "binary searched");

constexpr WordShapes kNotNameShapes = [] {
  WordShapes t;
  for (std::string_view w : kNotNames) {
    if (w.size() >= 2) t.add(w, w.size());
  }
  return t;
}();
static_assert(kNotNameShapes.complete);

// Whether `lowered` (lower case) is one of kNotNames.
bool is_not_name(std::string_view lowered) {
  if (lowered.size() >= 2 && !kNotNameShapes.may_hold(lowered)) return false;
  return std::binary_search(kNotNames.begin(), kNotNames.end(), lowered);
}

// The spelled-out numbers read as figures (lower case); tens words combine with a unit word
// ("twenty-one").
constexpr std::array<std::pair<std::string_view, int>, 28> kNumberWords = {{
    {"zero", 0},     {"one", 1},      {"two", 2},        {"three", 3},     {"four", 4},
    {"five", 5},     {"six", 6},      {"seven", 7},      {"eight", 8},     {"nine", 9},
    {"ten", 10},     {"eleven", 11},  {"twelve", 12},    {"thirteen", 13}, {"fourteen", 14},
    {"fifteen", 15}, {"sixteen", 16}, {"seventeen", 17}, {"eighteen", 18}, {"nineteen", 19},
    {"twenty", 20},  {"thirty", 30},  {"forty", 40},     {"fifty", 50},    {"sixty", 60},
    {"seventy", 70}, {"eighty", 80},  {"ninety", 90},
}};

// Value of a spelled-out number word without a hyphen (lower case), -1 when it is none.
int simple_number(std::string_view w) {
  for (const auto& [s, v] : kNumberWords) {
    if (s.size() == w.size() && s.front() == w.front() && s == w) return v;
  }
  return -1;
}

// The shapes of the number words spelled_value reads: the words themselves, and each tens word
// joined to a unit word by a hyphen.
constexpr WordShapes kNumberShapes = [] {
  WordShapes t;
  for (const auto& [tens, tv] : kNumberWords) {
    t.add(tens, tens.size());
    if (tv < 20 || tv % 10 != 0) continue;
    for (const auto& [unit, uv] : kNumberWords) {
      if (uv >= 1 && uv <= 9) t.add(tens, tens.size() + 1 + unit.size());
    }
  }
  return t;
}();
static_assert(kNumberShapes.complete);

// Value of a spelled-out number word (lower case): a unit or teen, a tens word, or a tens word
// and a unit joined by a hyphen ("twenty-one"); -1 when it is none.
int spelled_value(std::string_view w) {
  const std::size_t hyphen = w.find('-');
  if (hyphen == std::string_view::npos) return simple_number(w);
  const int tens = simple_number(w.substr(0, hyphen));
  if (tens < 20 || tens % 10 != 0) return -1;
  const int unit = simple_number(w.substr(hyphen + 1));
  return unit >= 1 && unit <= 9 ? tens + unit : -1;
}

// The word without leading and trailing punctuation (letters, digits, '<', '>' kept).
std::string_view trim_word(std::string_view w) {
  auto keep = [](char c) { return (cls(c) & kKeep) != 0; };
  while (!w.empty() && !keep(w.front())) w.remove_prefix(1);
  while (!w.empty() && !keep(w.back())) w.remove_suffix(1);
  return w;
}

// Canonical figure of a word holding a digit, written to `out`; returns its length.
std::size_t figure_into(std::string_view w, char* out) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < w.size(); ++i) {
    const char c = w[i];
    const bool digit_before = i > 0 && is_digit(w[i - 1]);
    const bool digit_after = i + 1 < w.size() && is_digit(w[i + 1]);
    if (is_digit(c)) {
      out[n++] = c;
    } else if (is_alpha(c)) {
      out[n++] = lower(c);
    } else if ((c == '.' || c == '/' || c == '-') && digit_before && digit_after) {
      out[n++] = c;
    }  // ',' between digits (thousands), '%', '$' and other marks are dropped
  }
  return n;
}

// Not inlined: GCC 12 at -O3 follows XXH3's long-input paths into the 48-byte word buffers of
// the callers and reports out-of-bounds reads that cannot happen (-Warray-bounds).
[[gnu::noinline]] uint32_t hash_of(std::string_view s) {
  return static_cast<uint32_t>(XXH3_64bits(s.data(), s.size()));
}

// A ticker inside the word: <ABC>, <ABC.N>, (ABC.N), (NYSE:ABC); "" when none.
std::string_view ticker_in(std::string_view w) {
  const std::size_t open = w.find_first_of("<(");
  if (open == std::string_view::npos) return {};
  const char close = w[open] == '<' ? '>' : ')';
  const std::size_t end = w.find(close, open + 1);
  if (end == std::string_view::npos || end == open + 1 || end - open - 1 > 16) return {};
  const std::string_view inner = w.substr(open + 1, end - open - 1);
  bool upper = false, mark = false;
  for (char c : inner) {
    if (is_upper(c)) {
      upper = true;
    } else if (c == '.' || c == ':') {
      mark = true;
    } else if (!is_digit(c) && c != '-') {
      return {};
    }
  }
  if (!upper || (w[open] == '(' && !mark)) return {};  // "(ABC)" alone may be any acronym
  if (const std::size_t colon = inner.find(':'); colon != std::string_view::npos) {
    return inner.substr(colon + 1);  // exchange prefix: the symbol is what names the company
  }
  return inner;
}

struct Collector {
  std::array<uint32_t, kMaxTickers> tickers{};
  std::size_t n_tickers = 0;
  std::array<uint32_t, kMaxSubjects> names{};
  std::size_t n_names = 0;
  std::array<uint32_t, kMaxFacts> facts{};
  std::size_t n_facts = 0;

  void fact(std::string_view canon) {
    if (!canon.empty() && n_facts < facts.size()) facts[n_facts++] = hash_of(canon) & kFactMask;
  }
  void ticker(std::string_view t) {
    if (n_tickers < tickers.size())
      tickers[n_tickers++] = kTickerBits | (hash_of(t) & kSubjectMask);
  }
  void name(std::string_view lowered) {
    if (n_names < names.size()) names[n_names++] = kNameBits | (hash_of(lowered) & kSubjectMask);
  }

  // The end of the word starting at `p` (its first space, or `end`); adds to `seen` the classes
  // of its characters the scan tests (kDigit: trimming keeps digits; kOpen: a ticker may open).
  // Eight bytes at a time while the word holds no byte from '(' to '<' (the brackets, the digits
  // and the marks between them in ASCII), as such bytes add nothing to `seen`: most words are
  // found with no loop over their characters. A word with such a byte, or with a control byte,
  // is read byte by byte.
  static const char* word_end(const char* p, const char* end, uint8_t& seen) {
    while (std::endian::native == std::endian::little && end - p >= 8) {
      uint64_t x;
      std::memcpy(&x, p, sizeof x);
      const uint64_t stop = ~bytes_at_least(x, 0x21) & kHighBits;  // a space or control byte
      const uint64_t marks = bytes_at_least(x, '(') & ~bytes_at_least(x, '<' + 1);
      const uint64_t in_word = stop == 0 ? ~uint64_t{0} : (stop & (~stop + 1)) - 1;
      if ((marks & in_word) != 0) break;
      if (stop == 0) {
        p += 8;
        continue;
      }
      p += std::countr_zero(stop) / 8;
      if (is_space(*p)) return p;
      break;  // a control byte, part of the word
    }
    for (; p < end; ++p) {
      const uint8_t k = cls(*p);
      if ((k & kSpace) != 0) break;
      seen |= k;
    }
    return p;
  }

  // One pass over `text`: facts always, subjects when `subjects` (names: every word when
  // `all_words`, else capitalised words only).
  void scan(std::string_view text, bool subjects, bool all_words) {
    std::array<char, kMaxWord> buf{};
    const char* p = text.data();
    const char* const end = p + text.size();
    while (p < end) {
      while (p < end && is_space(*p)) ++p;
      const char* const start = p;
      uint8_t seen = 0;
      p = word_end(p, end, seen);
      const std::string_view raw(start, static_cast<std::size_t>(p - start));
      if (raw.empty() || raw.size() > kMaxWord) continue;
      if (subjects && (seen & kOpen) != 0) {
        if (const std::string_view t = ticker_in(raw); !t.empty()) {
          ticker(t);
          continue;
        }
      }
      const std::string_view w = trim_word(raw);
      if (w.empty()) continue;
      if ((seen & kDigit) != 0) {
        fact(std::string_view(buf.data(), figure_into(w, buf.data())));
        continue;
      }
      if (kNumberShapes.may_hold(w)) {  // most words fail here
        if (const int v = spelled_value(lowered(w, buf.data())); v >= 0) {
          std::array<char, 4> digits{};  // 0..99
          std::size_t d = 0;
          if (v >= 10) digits[d++] = static_cast<char>('0' + v / 10);
          digits[d++] = static_cast<char>('0' + v % 10);
          fact(std::string_view(digits.data(), d));
          continue;
        }
      }
      // A name: a capitalised word (any word when `all_words`) of letters, not a common word.
      // Once the names are full, later ones would be dropped: they are not looked at.
      if (!subjects || n_names == names.size() || w.size() < 2) continue;
      if (!all_words && !is_upper(w.front())) continue;
      const bool letters = std::all_of(w.begin(), w.end(), [](char c) {
        return is_alpha(c) || c == '-' || c == '\'' || c == '.';
      });
      if (!letters) continue;
      const std::string_view low = lowered(w, buf.data());
      if (!is_not_name(low)) name(low);
    }
  }

  // `w` in lower case, written to `out` (at least w.size() chars).
  static std::string_view lowered(std::string_view w, char* out) {
    for (std::size_t i = 0; i < w.size(); ++i) out[i] = lower(w[i]);
    return {out, w.size()};
  }
};

bool all_caps(std::string_view s) {
  bool upper = false;
  for (char c : s) {
    if (is_lower(c)) return false;
    upper |= is_upper(c);
  }
  return upper;
}

}  // namespace

EvidenceKind evidence_kind(uint32_t key) {
  if ((key & 0x80000000) == 0) return EvidenceKind::kFact;
  return (key & 0x40000000) != 0 ? EvidenceKind::kTicker : EvidenceKind::kName;
}

std::string canonical_figure(std::string_view word) {
  const std::string_view w = trim_word(word);
  if (w.empty() || w.size() > kMaxWord) return {};
  std::array<char, kMaxWord> buf{};
  if (std::any_of(w.begin(), w.end(), is_digit)) {
    return std::string(buf.data(), figure_into(w, buf.data()));
  }
  std::string low(w);
  for (char& c : low) c = lower(c);
  const int v = spelled_value(low);
  return v >= 0 ? std::to_string(v) : std::string();
}

std::vector<uint32_t> story_evidence(std::string_view headline,
                                     std::span<const std::string> paragraphs) {
  Collector col;
  col.scan(headline, true, all_caps(headline));
  for (std::size_t p = 0; p < paragraphs.size(); ++p) col.scan(paragraphs[p], p == 0, false);
  std::vector<uint32_t> keys;
  keys.reserve(col.n_facts + kMaxSubjects);
  keys.insert(keys.end(), col.facts.begin(), col.facts.begin() + col.n_facts);
  keys.insert(keys.end(), col.tickers.begin(), col.tickers.begin() + col.n_tickers);
  const std::size_t room = kMaxSubjects - std::min(kMaxSubjects, col.n_tickers);
  keys.insert(keys.end(), col.names.begin(), col.names.begin() + std::min(room, col.n_names));
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

std::vector<uint32_t> story_evidence(const CleanStory& story) {
  return story_evidence(story.headline, story.paragraphs);
}

EvidenceComparison compare_evidence(std::span<const uint32_t> a, std::span<const uint32_t> b) {
  EvidenceComparison r;
  auto count = [&](uint32_t key, int side) {  // side: 0 both, 1 only a, 2 only b
    uint16_t* slots = evidence_kind(key) == EvidenceKind::kFact     ? &r.facts_matched
                      : evidence_kind(key) == EvidenceKind::kTicker ? &r.tickers_matched
                                                                    : &r.names_matched;
    ++slots[side];
  };
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j]) {
      count(a[i], 0);
      ++i;
      ++j;
    } else if (a[i] < b[j]) {
      count(a[i++], 1);
    } else {
      count(b[j++], 2);
    }
  }
  for (; i < a.size(); ++i) count(a[i], 1);
  for (; j < b.size(); ++j) count(b[j], 2);
  return r;
}

namespace {

// At least three shared names making up three quarters of the smaller set.
bool names_strongly_agree(const EvidenceComparison& e) {
  const int na = e.names_matched + e.names_only_a, nb = e.names_matched + e.names_only_b;
  return e.names_matched >= 3 && 4 * e.names_matched >= 3 * std::min(na, nb);
}

}  // namespace

bool EvidenceComparison::subjects_differ() const {
  const int ta = tickers_matched + tickers_only_a, tb = tickers_matched + tickers_only_b;
  // Disjoint tickers name other companies, unless the names say otherwise (a garbled ticker).
  if (ta > 0 && tb > 0) return tickers_matched == 0 && !names_strongly_agree(*this);
  const int na = names_matched + names_only_a, nb = names_matched + names_only_b;
  if (na == 0 || nb == 0) return false;
  return 2 * names_matched < std::min(na, nb);
}

bool EvidenceComparison::subjects_agree() const {
  const bool tickers = tickers_matched + tickers_only_a > 0 && tickers_matched + tickers_only_b > 0;
  const bool names = names_matched + names_only_a > 0 && names_matched + names_only_b > 0;
  return (tickers || names) && !subjects_differ();
}

bool EvidenceComparison::subjects_strongly_agree() const {
  if (subjects_differ()) return false;
  return tickers_matched > 0 || names_strongly_agree(*this);
}

bool EvidenceComparison::vouches_for_short_text() const {
  return subjects_strongly_agree() &&
         (tickers_matched > 0 || (facts_only_a == 0 && facts_only_b == 0));
}

bool EvidenceComparison::looks_like_correction() const {
  const int changed = std::min(facts_only_a, facts_only_b);
  return tickers_matched > 0 || 3 * changed <= facts_matched + changed;
}

bool EvidenceComparison::facts_changed() const { return facts_only_a > 0 && facts_only_b > 0; }

const char* to_string(DedupReason r) {
  switch (r) {
    case DedupReason::kNew:
      return "new";
    case DedupReason::kExactContent:
      return "exact_content";
    case DedupReason::kItemId:
      return "item_id";
    case DedupReason::kFamilyAgrees:
      return "family_agrees";
    case DedupReason::kFiguresChanged:
      return "figures_changed";
    case DedupReason::kNearAgrees:
      return "near_agrees";
    case DedupReason::kSubjectDiffers:
      return "subject_differs";
    case DedupReason::kFactsDiffer:
      return "facts_differ";
    case DedupReason::kShortTextWeak:
      return "short_text_weak";
    case DedupReason::kContentAdded:
      return "content_added";
    case DedupReason::kKill:
      return "kill";
  }
  return "unknown";
}

double required_similarity(double base, std::size_t tokens) {
  if (tokens == 0 || tokens >= kLongTextTokens) return base;
  const double hi = std::max(base, kShortTextSimilarity);
  if (tokens <= kShortTextTokens) return hi;
  const double t = static_cast<double>(kLongTextTokens - tokens) /
                   static_cast<double>(kLongTextTokens - kShortTextTokens);
  return base + (hi - base) * t;
}

}  // namespace wirefeed::pipeline
