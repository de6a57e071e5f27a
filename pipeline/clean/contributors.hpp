// Contributors: AP-style bylines ("By CHARLES ODUM", "PAUL NEWBERRY, AP Sports Writer"),
// sign-offs ("Reporting by A in Paris; Editing by B", role phrases from the rules) and
// "Associated Press writers ... contributed" lines.
//
// Invariants:
// - A line is a sign-off or byline only when every piece of it parses (names, roles, places):
//   prose that starts like one is left as text.
// - add_contributor keeps one entry per (name, role); a later mention may only fill in an
//   empty location.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "pipeline/clean/common.hpp"

namespace wirefeed::pipeline::cleaning {

// The role rule whose phrase opens `s` (case-insensitive, followed by a blank or the end):
// its role, with `len` set to the phrase length and `which` (when given) to the rule.
std::optional<ContributorRole> match_role(const CleanRules& R, string_view s, size_t& len,
                                          const RoleRule** which = nullptr);

// Adds `c` unless the same person with the same role is known; a later mention may supply the
// location (an AP/Reuters byline first, then "Reporting by X in Gaza").
void add_contributor(std::vector<Contributor>& list, Contributor c);

// Shape of an AP byline line: "By CHARLES ODUM", "PAUL NEWBERRY, AP Sports Writer",
// "Associated Press". Appends the reporters when `out` is given.
bool parse_byline(string_view p, std::vector<Contributor>* out);

// "Reporting by A, B and C; Editing by D and E" (optionally in parentheses). Adds the names;
// `which` is set to the role rule that opened it.
bool parse_signoff(const CleanRules& R, string_view p, std::vector<Contributor>& contributors,
                   const RoleRule** which);

// "Associated Press writers A in B and C contributed to this report."
bool parse_ap_contributed(const CleanRules& R, string_view p,
                          std::vector<Contributor>& contributors);

}  // namespace wirefeed::pipeline::cleaning
