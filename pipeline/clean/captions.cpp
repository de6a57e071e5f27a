// Captions: photo captions and their credits, photographers. See captions.hpp for the contract.
#include "pipeline/clean/captions.hpp"

#include <array>
#include <bit>
#include <cstdint>
#include <optional>
#include <string>

#include "pipeline/swar.hpp"

namespace wirefeed::pipeline::cleaning {

using namespace swar;

namespace {

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

}  // namespace

std::optional<CaptionMatch> parse_caption(const CleanRules& R, string_view p) {
  uint32_t chrome = 0;
  string_view t = trim_blanks(p);
  for (bool again = true; again && !t.empty();) {
    again = false;
    for (const std::string& c : R.set.caption_chrome) {
      if (iends_with(t, c)) {
        t = trim_blanks(t.substr(0, t.size() - c.size()));
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
      const string_view inner = trim_blanks(t.substr(open + 1, t.size() - open - 2));
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
  credit = trim_blanks(credit);
  if (credit.empty() || credit.back() == '/') return std::nullopt;
  return CaptionMatch{
      {std::string(trim_blanks(t.substr(0, start))), std::string(credit)}, chrome, rule->id};
}

// "REUTERS/Kevin Lamarque/File Photo" -> "Kevin Lamarque"; "" for agencies, TV, handouts.
std::string photographer_from_credit(string_view credit) {
  string_view s;
  if (credit.substr(0, std::min<size_t>(credit.size(), 9)) == "Photo by ") {
    s = credit.substr(9);
  } else {
    const size_t slash = credit.find('/');
    if (slash == npos) return {};
    s = trim_blanks(credit.substr(slash + 1));
  }
  const size_t cut = s.find_first_of("/,");  // "/File Photo", ", File"
  if (cut != npos) s = s.substr(0, cut);
  s = trim_blanks(s);
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

}  // namespace wirefeed::pipeline::cleaning
