// Quotes: quoted spans and their explicit attributions. See quotes.hpp for the contract.
#include "pipeline/clean/quotes.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "pipeline/swar.hpp"

namespace wirefeed::pipeline::cleaning {

using namespace swar;

namespace {

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
  after = trim_blanks(after);
  if (!after.empty() && after[0] == ',') after = trim_blanks(after.substr(1));
  if (after.empty()) return {};
  // Comma-separated segments of the clause.
  ViewList segs;
  for (size_t b = 0; b <= after.size();) {
    size_t e = after.find(',', b);
    if (e == npos) e = after.size();
    segs.push_back(trim_blanks(after.substr(b, e - b)));
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
  before = trim_blanks(before);
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

}  // namespace

void extract_quotes(const Env& env, CleanStory& out) {
  for (size_t k = 0; k < out.paragraphs.size(); ++k) {
    const string_view p = out.paragraphs[k];
    if (find_quote_byte(p) == npos) continue;
    std::string last_speaker;  // of the previous attributed quote in this paragraph
    for (const QuoteSpan& q : quote_spans(p)) {
      string_view text = trim_blanks(p.substr(q.inner_begin, q.inner_end - q.inner_begin));
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
        const string_view before = trim_blanks(p.substr(0, q.open));
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

}  // namespace wirefeed::pipeline::cleaning
