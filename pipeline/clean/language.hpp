// Language guess and word count: one scan per paragraph scores the function words of seven
// languages (en fr de es it pt nl) and a few distinctive letters, and counts words.
//
// Invariants:
// - Pure and linear; stop-word lookups are one probe in a constexpr table (no allocation).
// - A language is named only with a clear lead (pick_language), else "".
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace wirefeed::pipeline::cleaning {

inline constexpr std::size_t kLanguageCount = 7;
using LanguageHits = std::array<uint32_t, kLanguageCount>;

// Returns the word count of `p` (blank-separated tokens holding a word character) and adds the
// language score of its words to `hits`.
uint32_t scan_words(std::string_view p, LanguageHits& hits);

// ISO 639-1 code of the leading language, or "" without a clear lead.
std::string pick_language(const LanguageHits& hits);

}  // namespace wirefeed::pipeline::cleaning
