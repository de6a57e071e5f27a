// Contributors: AP bylines, Reuters-style sign-offs, "contributed" lines. See contributors.hpp for
// the contract.
#include "pipeline/clean/contributors.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace wirefeed::pipeline::cleaning {

std::optional<ContributorRole> match_role(const CleanRules& R, string_view s, size_t& len,
                                          const RoleRule** which) {
  if (s.empty()) return std::nullopt;
  for (uint32_t k : R.role_by_byte[static_cast<unsigned char>(s[0])]) {
    const RoleRule& r = R.set.roles[k];
    if (istarts_with(s, r.phrase) &&
        (s.size() == r.phrase.size() || is_blank(s[r.phrase.size()]))) {
      len = r.phrase.size();
      if (which != nullptr) *which = &r;
      return r.role;
    }
  }
  return std::nullopt;
}

namespace {
// True when a role phrase is a prefix of `s` (ASCII case-insensitive), whatever follows it: a
// necessary condition for match_role on `s` or on any prefix of it.
bool opens_with_role_phrase(const CleanRules& R, string_view s) {
  if (s.empty()) return false;
  for (uint32_t k : R.role_by_byte[static_cast<unsigned char>(s[0])]) {
    if (istarts_with(s, R.set.roles[k].phrase)) return true;
  }
  return false;
}

bool is_affiliation(string_view p) {
  return p == "AP" || p.substr(0, std::min<size_t>(p.size(), 3)) == "AP " ||
         istarts_with(p, "Associated Press") || istarts_with(p, "The Associated Press") ||
         p == "Reuters" || p == "AFP" || iends_with(p, "Writer") || iends_with(p, "Writers") ||
         iends_with(p, "Correspondent") || iends_with(p, "Editor") || iends_with(p, "Staff");
}

bool is_region(const CleanRules& R, string_view w) {
  return std::binary_search(
      R.regions.begin(), R.regions.end(), w,
      [](const auto& x, const auto& y) { return string_view(x) < string_view(y); });
}

// Parses one role segment's names ("A in Paris, B and C in London"). False if not a name list.
bool parse_names(const CleanRules& R, string_view names, ContributorRole role,
                 std::vector<Contributor>& out) {
  const size_t first = out.size();
  for (string_view piece : split_name_list(names)) {
    // "X in Madison, Wisconsin": a state, province or country after a comma continues the
    // previous contributor's place, it is not a person.
    if (out.size() > first && !out.back().location.empty() && is_region(R, piece)) {
      out.back().location += ", ";
      out.back().location.append(piece);
      continue;
    }
    size_t len = 0;
    if (auto r = match_role(R, piece, len)) {  // "Reporting by A, editing by B"
      role = *r;
      piece = trim_blanks(piece.substr(len));
      if (piece.empty()) continue;
    }
    string_view name = piece;
    string_view loc;
    // "X in Minneapolis", "X at the United Nations".
    size_t in = piece.rfind(" in ");
    const size_t at = piece.rfind(" at ");
    if (in == npos || (at != npos && at > in)) in = at;
    if (in != npos) {
      name = trim_blanks(piece.substr(0, in));
      loc = trim_blanks(piece.substr(in + 4));
      string_view place = loc;
      if (place.substr(0, std::min<size_t>(place.size(), 4)) == "the ") place.remove_prefix(4);
      if (!looks_like_place(place)) return false;
    }
    if (!is_person_name(name)) return false;
    out.push_back({std::string(name), role, std::string(loc)});
  }
  if (out.size() == first) return false;
  // "A and B in Paris": the location applies to the names before it without one.
  std::string carry;
  for (size_t k = out.size(); k-- > first;) {
    if (!out[k].location.empty()) {
      carry = out[k].location;
    } else {
      out[k].location = carry;
    }
  }
  return true;
}

}  // namespace

// Adds `c` unless the same person with the same role is known; a later mention may supply the
// location (an AP/Reuters byline first, then "Reporting by X in Gaza").
void add_contributor(std::vector<Contributor>& list, Contributor c) {
  for (auto& e : list) {
    if (e.name == c.name && e.role == c.role) {
      if (e.location.empty()) e.location = std::move(c.location);
      return;
    }
  }
  list.push_back(std::move(c));
}

// Shape of an AP byline line: "By CHARLES ODUM", "PAUL NEWBERRY, AP Sports Writer",
// "Associated Press". Appends the reporters when `out` is given.
bool parse_byline(string_view p, std::vector<Contributor>* out) {
  p = trim_blanks(p);
  if (p.empty() || p.size() > 120) return false;
  bool had_by = false;
  if (p.substr(0, std::min<size_t>(p.size(), 3)) == "By " ||
      p.substr(0, std::min<size_t>(p.size(), 3)) == "BY " ||
      p.substr(0, std::min<size_t>(p.size(), 3)) == "by ") {  // AFP: "by Nina LARSON"
    had_by = true;
    p = trim_blanks(p.substr(3));
  } else if (p.substr(0, std::min<size_t>(p.size(), 4)) == "Por " ||
             p.substr(0, std::min<size_t>(p.size(), 4)) == "Par " ||
             p.substr(0, std::min<size_t>(p.size(), 4)) == "Von ") {  // es/pt, fr, de bylines
    had_by = true;
    p = trim_blanks(p.substr(4));
  }
  bool affiliation = false;
  ViewList names;
  // Pieces are tested as they are split: the first one that is neither ends the test.
  const bool all_names = for_each_name_piece(p, [&](string_view piece) {
    if (is_affiliation(piece)) {
      affiliation = true;
    } else if (is_person_name(piece)) {
      names.push_back(piece);
    } else {
      return false;
    }
    return true;
  });
  if (!all_names) return false;
  if (!had_by && !affiliation) return false;
  if (had_by && names.empty()) return false;
  if (out != nullptr) {
    for (string_view n : names)
      add_contributor(*out, {std::string(n), ContributorRole::kReporter, {}});
  }
  return true;
}

// "Reporting by A, B and C; Editing by D and E" (optionally in parentheses).
bool parse_signoff(const CleanRules& R, string_view p, std::vector<Contributor>& contributors,
                   const RoleRule** which) {
  p = trim_blanks(p);
  if (p.size() > 600 || p.empty()) return false;
  if (p[0] == '(') {
    const size_t close = matching_paren(p, 0);
    if (close == npos) return false;
    const string_view rest = trim_blanks(p.substr(close + 1));
    if (!rest.empty() && !(rest.substr(0, std::min<size_t>(rest.size(), 2)) == "((")) return false;
    p = trim_blanks(p.substr(1, close - 1));
  }
  // Cutting the end below keeps a prefix of `p`: unless a role phrase opens `p`, no sign-off.
  if (!opens_with_role_phrase(R, p)) return false;
  // "(Bericht von A, redigiert von B. Bei Rückfragen ... newsroom@...)": a contact trailer after
  // the sign-off sentence goes with it.
  if (const size_t dot = p.find(". "); dot != npos && p.find('@', dot) != npos) {
    p = p.substr(0, dot);
  }
  while (!p.empty() && (p.back() == '.' || p.back() == ' ')) p.remove_suffix(1);
  size_t len = 0;
  if (!match_role(R, p, len, which)) return false;
  std::vector<Contributor> found;
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find(';', start);
    if (end == npos) end = p.size();
    const string_view seg = trim_blanks(p.substr(start, end - start));
    start = end + 1;
    if (seg.empty()) continue;
    if (auto role = match_role(R, seg, len)) {
      if (!parse_names(R, trim_blanks(seg.substr(len)), *role, found)) return false;
      continue;
    }
    // Unknown "<Role> by <names>" (e.g. "Graphics by X"): accepted, names not recorded.
    const size_t by = seg.find(" by ");
    if (by == npos || by > 30 || !is_upper(seg[0])) return false;
    std::vector<Contributor> ignored;
    if (!parse_names(R, trim_blanks(seg.substr(by + 4)), ContributorRole::kReporter, ignored)) {
      return false;
    }
  }
  for (auto& c : found) add_contributor(contributors, std::move(c));
  return true;
}

// "Associated Press writers A in B and C contributed to this report."
bool parse_ap_contributed(const CleanRules& R, string_view p,
                          std::vector<Contributor>& contributors) {
  p = trim_blanks(p);
  if (p.size() > 400) return false;
  string_view s = p;
  if (s.substr(0, std::min<size_t>(s.size(), 4)) == "The ") s.remove_prefix(4);
  if (!istarts_with(s, "Associated Press ")) return false;
  s.remove_prefix(17);
  const size_t contributed = s.find(" contributed");
  if (contributed == npos) return false;
  const string_view tail = s.substr(contributed);
  if (tail != " contributed." && tail != " contributed to this report." &&
      tail != " contributed to this story." && tail != " contributed reporting.") {
    return false;
  }
  s = s.substr(0, contributed);
  // Skip lower-case role words ("writers", "video journalist").
  while (!s.empty() && is_lower(s[0])) {
    const size_t sp = s.find(' ');
    if (sp == npos) return false;
    s.remove_prefix(sp + 1);
  }
  std::vector<Contributor> found;
  if (!parse_names(R, s, ContributorRole::kAdditionalReporting, found)) return false;
  for (auto& c : found) add_contributor(contributors, std::move(c));
  return true;
}

}  // namespace wirefeed::pipeline::cleaning
