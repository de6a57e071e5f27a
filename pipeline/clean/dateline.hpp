// Dateline: "LOCATION, Mon DD (Agency) - ", "LOCATION (Agency) - ", "LOCATION, Mon DD - ",
// "Mon DD (Agency) - " or agency first, "(Agency) - Location, Month DD - ", at the start of a
// paragraph, in the languages of the rules' month names.
//
// Invariants:
// - Only the first ~120 bytes of the paragraph are examined; linear, no backtracking.
// - A date without a year resolves to the year that puts it nearest to reception (received_at);
//   an impossible date ("Feb 30") gives an empty date, never a wrong one.
// - The location must look like a place (common.hpp: looks_like_place).
#pragma once

#include <cstddef>
#include <optional>

#include "pipeline/clean/common.hpp"

namespace wirefeed::pipeline::cleaning {

struct DatelineMatch {
  Dateline dateline;
  size_t body_offset;  // where the story text starts after the dash
};

// The dateline opening `p` (whitespace-normalised), or nullopt.
std::optional<DatelineMatch> parse_dateline(const CleanRules& R, string_view p,
                                            const CleanContext& ctx);

}  // namespace wirefeed::pipeline::cleaning
