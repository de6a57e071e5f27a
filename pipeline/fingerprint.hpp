// Fingerprint stage: CleanStory -> content hash (exact dedup) and SimHash (near dedup).
//
// Invariants:
// - Computed over normalised text (headline without tags + paragraphs): ASCII letters lowered,
//   punctuation, typographic quotes/dashes and whitespace differences ignored. Boilerplate and
//   sign-offs are already gone (the cleaner removed them), so they never affect the hash.
// - Pure and deterministic; linear in the text size.
#pragma once

#include <cstdint>
#include <string>

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

struct StoryFingerprint {
  ContentHash content;
  uint64_t simhash = 0;
  std::size_t tokens = 0;  // normalised tokens hashed
};

StoryFingerprint fingerprint(const CleanStory& story);

}  // namespace wirefeed::pipeline
