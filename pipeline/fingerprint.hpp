// Fingerprint stage: CleanStory -> content hash (exact dedup), MinHash and figures (near dedup),
// SimHash (published in Story.fingerprint).
//
// Invariants:
// - Computed over normalised text (headline without tags + paragraphs): ASCII letters lowered,
//   punctuation, typographic quotes/dashes and whitespace differences ignored. Boilerplate and
//   sign-offs are already gone (the cleaner removed them), so they never affect the hash.
// - Pure and deterministic; linear in the text size.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/clean.hpp"

namespace wirefeed::pipeline {

struct ContentHash {
  uint64_t hi = 0;
  uint64_t lo = 0;
  bool operator==(const ContentHash&) const = default;
  std::string hex() const;  // 32 lowercase hex digits
};

struct ContentHashHasher {
  std::size_t operator()(const ContentHash& h) const noexcept { return h.lo ^ (h.hi * 31); }
};

// MinHash over word 2-shingles of the body (one-permutation hashing with densification):
// kMinHashSlots 16-bit minima; the share of equal slots estimates the Jaccard similarity.
inline constexpr std::size_t kMinHashSlots = 96;
using MinHash = std::array<uint16_t, kMinHashSlots>;

struct StoryFingerprint {
  ContentHash content;
  uint64_t simhash = 0;
  MinHash minhash{};
  std::vector<uint32_t> numbers;  // sorted unique hashes of tokens holding a digit (facts)
  std::size_t tokens = 0;         // normalised tokens hashed
};

StoryFingerprint fingerprint(const CleanStory& story);

// Estimated Jaccard similarity of two MinHash signatures (0..1). Two empty signatures: 0.
double minhash_similarity(const MinHash& a, const MinHash& b);

// Jaccard similarity of two sorted sets of numeric-token hashes; 1.0 when both are empty.
double numbers_similarity(std::span<const uint32_t> a, std::span<const uint32_t> b);

// Share of the smaller set of numeric-token hashes found in the other (containment); 1.0 when
// either is empty. An UPDATE adds figures but keeps the earlier ones; a different day's report
// of the same template changes them.
double numbers_containment(std::span<const uint32_t> a, std::span<const uint32_t> b);

// Hash of the normalised tokens of `text` (case, punctuation and spacing ignored); 0 if no token.
uint64_t normalized_text_hash(std::string_view text);

}  // namespace wirefeed::pipeline
