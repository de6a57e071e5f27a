// Story evidence: what a story is about (subjects) and what it states (facts), as compact keys,
// and the comparison the dedup stage runs before it calls two stories the same story.
//
// Invariants:
// - Keys are 32-bit hashes, sorted and unique; the top bits give the kind: bit 31 clear = a fact
//   (a figure), 0b10 = a name, 0b11 = a ticker. One flat vector per story, so the dedup index
//   stores and persists them where it stored numeric tokens (no per-entry layout change).
// - Facts: every figure of the headline and body, canonicalised (thousands separators dropped,
//   fractions such as 16-1/4 kept whole, spelled-out numbers read as numbers: "five" == "5").
// - Subjects: tickers (<ABC>, (ABC.N), (NYSE:ABC)) anywhere in the headline and lead, and the
//   capitalised words of the headline and lead paragraph (every word of an all-caps headline),
//   common function words excepted. At most kMaxSubjects, tickers first, then headline words.
// - Pure, deterministic, one pass over the text, no regular expressions, no allocation per word.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "pipeline/clean.hpp"

namespace wirefeed::pipeline {

inline constexpr std::size_t kMaxSubjects = 12;
inline constexpr std::size_t kMaxFacts = 240;

enum class EvidenceKind : uint8_t { kFact, kName, kTicker };
EvidenceKind evidence_kind(uint32_t key);

// The evidence keys of a story (sorted, unique).
std::vector<uint32_t> story_evidence(const CleanStory& story);

// The same for a headline and body given as text (tests and benchmarks).
std::vector<uint32_t> story_evidence(std::string_view headline,
                                     std::span<const std::string> paragraphs);

// A figure read as the evidence extractor reads it ("" when `word` states no number):
// "1,250" -> "1250", "five" -> "5", "twenty-one" -> "21", "16-1/4" -> "16-1/4", "7.5%" -> "7.5".
std::string canonical_figure(std::string_view word);

// How two stories' evidence compares (a = the new story, b = the published one).
struct EvidenceComparison {
  uint16_t tickers_matched = 0, tickers_only_a = 0, tickers_only_b = 0;
  uint16_t names_matched = 0, names_only_a = 0, names_only_b = 0;
  uint16_t facts_matched = 0, facts_only_a = 0, facts_only_b = 0;

  // Both name tickers and share none; else both have names and share fewer than half of the
  // smaller set (none of a one-name set).
  bool subjects_differ() const;
  // Both have subjects and the subjects do not differ.
  bool subjects_agree() const;
  // Both name a shared ticker (and no subject differs), or share at least three names making
  // up three quarters of the smaller set: enough to say who both stories are about.
  bool subjects_strongly_agree() const;
  // Enough besides similarity to call a short text a copy: a shared ticker, or strongly agreeing
  // names with the same figures (none dropped or added).
  bool vouches_for_short_text() const;
  // A changed figure that reads as a correction of the same story: a shared ticker, or at most a
  // third of the figures changed (a recurring report about the same names, such as a daily price
  // report, changes most of them and is a new story).
  bool looks_like_correction() const;
  // Each states a figure the other does not: a figure was changed, not only dropped or added.
  bool facts_changed() const;
};

EvidenceComparison compare_evidence(std::span<const uint32_t> a, std::span<const uint32_t> b);

// Why the dedup stage decided as it did (the rule that decided).
enum class DedupReason : uint8_t {
  kNew,             // nothing similar enough in the window
  kExactContent,    // same normalised content
  kItemId,          // the source's item id names the family
  kFamilyAgrees,    // same headline family, similar text, subjects and facts agree
  kFiguresChanged,  // same headline family and subjects, a figure changed: a new version
  kNearAgrees,      // similar text, subjects and facts agree: a rewrite
  kSubjectDiffers,  // similar text about another subject: kept apart
  kFactsDiffer,     // similar text with changed figures: kept apart
  kShortTextWeak,   // similar, but too short for its similarity to prove a copy: kept apart
  kKill,            // a kill or withdrawal
};
inline constexpr std::size_t kDedupReasons = 10;
const char* to_string(DedupReason r);

// Similarity needed to call a story of `tokens` normalised words a near-duplicate when its
// evidence does not vouch for it (EvidenceComparison::vouches_for_short_text): `base` for texts of
// kLongTextTokens or more, rising linearly to kShortTextSimilarity at kShortTextTokens and below (a
// 30-word item shares most of its shingles with any item of its template).
inline constexpr std::size_t kShortTextTokens = 40;
inline constexpr std::size_t kLongTextTokens = 120;
inline constexpr double kShortTextSimilarity = 0.8;
double required_similarity(double base, std::size_t tokens);

}  // namespace wirefeed::pipeline
