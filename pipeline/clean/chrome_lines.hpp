// Chrome recognition during the cleaning line pass: a standalone short line (blank or nothing
// before and after it) that no rule matched is chrome when its shape says so (chrome_shape.hpp)
// or when the story's source learned it (chrome_learner.hpp); the other candidate lines are
// collected for the learner.
//
// Invariants:
// - Only standalone lines are judged: a line inside a wrapped paragraph is never removed here.
// - A candidate for learning is short (kChromeCandidateMaxBytes), holds a letter and no
//   sentence end ('.', '!', '?', ':' or a closing quotation mark at its end, or ". " inside),
//   and is no structural line (byline, sign-off, editor's note: the caller says so).
// - Per story and allocation-free unless a sighting is collected.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pipeline/clean/chrome_learner.hpp"
#include "pipeline/clean/chrome_shape.hpp"

namespace wirefeed::pipeline {

constexpr std::size_t kChromeCandidateMaxBytes = 120;

struct ChromeVerdict {
  ChromeShape shape = ChromeShape::kNone;  // kNone: learned
  uint32_t stories = 0;                    // learned: the count that made it chrome
};

class ChromeLinePass {
 public:
  ChromeLinePass(const LearnedChrome* learned, ChromeSighting* sighting)
      : learned_(learned), sighting_(sighting) {}

  // Every non-blank trimmed body line, in order (the story's signature and figure share).
  void see(std::string_view t);

  // A standalone trimmed line no rule matched; `structural`: a byline, sign-off or note (never
  // learned chrome); `record`: a candidate for the learner (false for the line a headline may
  // stand on, which is judged strictly by shape).
  std::optional<ChromeVerdict> judge(std::string_view t, bool structural, bool record);

  // Writes the story's signature and templated flag into the sighting.
  void finish();

  // The explain rule id of a verdict: "shape:interface", "learned:<source>".
  std::string rule(const ChromeVerdict& v) const;

 private:
  const LearnedChrome* learned_;
  ChromeSighting* sighting_;
  std::string_view longest_;
  uint32_t lines_ = 0;
  uint32_t figure_lines_ = 0;
};

// True when `t` may be learned: short, a letter, no sentence end.
bool chrome_candidate(std::string_view t);

}  // namespace wirefeed::pipeline
