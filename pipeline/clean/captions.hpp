// Captions: a paragraph that ends in a photo credit ("(AP Photo/Evan Vucci)", "REUTERS/Kevin
// Lamarque", credit markers from the rules) is a caption; the photographer comes from the credit.
//
// Invariants:
// - A generic credit marker ("Photo by ") counts only after a sentence end, and a credit is at
//   most the last 80 bytes: prose that mentions a photo stays text.
// - Caption chrome ("Enlarge this image", from the rules) is stripped and counted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pipeline/clean/common.hpp"

namespace wirefeed::pipeline::cleaning {

struct CaptionMatch {
  Caption caption;
  uint32_t chrome_removed;
  std::string_view rule;  // id of the credit rule
};

// The caption `p` holds, or nullopt.
std::optional<CaptionMatch> parse_caption(const CleanRules& R, string_view p);

// "REUTERS/Kevin Lamarque/File Photo" -> "Kevin Lamarque"; "" for agencies, TV, handouts.
std::string photographer_from_credit(string_view credit);

}  // namespace wirefeed::pipeline::cleaning
