// Router. See router.hpp for the invariants.
#include "pipeline/router.hpp"

#include <algorithm>

#include "pipeline/text/ascii.hpp"

namespace wirefeed::pipeline {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = text::to_lower(c);
  return out;
}

bool has_tag(const v1::Story& s, std::string_view prefix) {
  return std::any_of(s.version().tags().begin(), s.version().tags().end(),
                     [&](const std::string& t) { return text::istarts_with(t, prefix); });
}

// IPTC subject codes ("subj:15001000") spell their hierarchy in the digits: 2 digits for the
// top level, 3 more for the second, 3 for the third; trailing zero groups mark a broader code.
bool subject_descendant(std::string_view pattern, std::string_view code) {
  const std::size_t pc = pattern.rfind(':');
  const std::size_t cc = code.rfind(':');
  if (pc == std::string_view::npos || cc == std::string_view::npos) return false;
  const std::string_view scheme = pattern.substr(0, pc);
  if (scheme != code.substr(0, cc) ||
      (scheme != "subj" && scheme != "iptc-subjectcode" && scheme != "subjectcode")) {
    return false;
  }
  const std::string_view p = pattern.substr(pc + 1), c = code.substr(cc + 1);
  if (p.size() != 8 || c.size() != 8) return false;
  if (!std::all_of(p.begin(), p.end(), text::is_digit)) return false;
  const std::size_t keep = p.substr(2) == "000000" ? 2 : p.substr(5) == "000" ? 5 : 8;
  return p.substr(0, keep) == c.substr(0, keep);
}

}  // namespace

const char* version_kind_name(VersionKind k) {
  switch (k) {
    case VersionKind::kNew:
      return "new";
    case VersionKind::kUpdate:
      return "update";
    case VersionKind::kCorrection:
      return "correction";
    case VersionKind::kCancel:
      return "cancel";
  }
  return "new";
}

const char* record_kind_name(RecordKind k) {
  switch (k) {
    case RecordKind::kStory:
      return "story";
    case RecordKind::kDuplicate:
      return "duplicate";
    case RecordKind::kDeadLetter:
      return "dead_letter";
  }
  return "story";
}

bool parse_version_kind(std::string_view s, VersionKind& out) {
  for (VersionKind k :
       {VersionKind::kNew, VersionKind::kUpdate, VersionKind::kCorrection, VersionKind::kCancel}) {
    if (s == version_kind_name(k)) {
      out = k;
      return true;
    }
  }
  return false;
}

bool parse_record_kind(std::string_view s, RecordKind& out) {
  for (RecordKind k : {RecordKind::kStory, RecordKind::kDuplicate, RecordKind::kDeadLetter}) {
    if (s == record_kind_name(k)) {
      out = k;
      return true;
    }
  }
  return false;
}

VersionKind version_kind(const v1::Story& s) {
  if (s.version().canceled() || s.pub_status() == "canceled") return VersionKind::kCancel;
  if (has_tag(s, "CORRECT")) return VersionKind::kCorrection;
  if (s.version().number() > 0 || !s.version().supersedes().empty() || has_tag(s, "UPDATE") ||
      has_tag(s, "REFILE") || has_tag(s, "REPEAT")) {
    return VersionKind::kUpdate;
  }
  return VersionKind::kNew;
}

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative matcher with one backtrack point (linear in practice, no recursion).
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() &&
        (pattern[p] == '?' || text::to_lower(pattern[p]) == text::to_lower(text[t]))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool RouteMatch::catch_all() const {
  return agency.empty() && input_topic.empty() && format.empty() && language.empty() &&
         subject.empty() && urgency_min == 0 && urgency_max == 9 && slugline.empty() &&
         version.empty();
}

int shadowing_route(const std::vector<Route>& routes, std::size_t i) {
  auto kinds = [](const RouteMatch& m) {
    return m.record.empty() ? std::vector<RecordKind>{RecordKind::kStory} : m.record;
  };
  const std::vector<RecordKind> mine = kinds(routes[i].match);
  for (std::size_t j = 0; j < i && j < routes.size(); ++j) {
    const Route& r = routes[j];
    if (r.continue_ || !r.match.catch_all()) continue;
    const std::vector<RecordKind> theirs = kinds(r.match);
    if (std::all_of(mine.begin(), mine.end(), [&](RecordKind k) {
          return std::find(theirs.begin(), theirs.end(), k) != theirs.end();
        })) {
      return static_cast<int>(j);
    }
  }
  return -1;
}

Router::Router(std::vector<Route> routes, OutputTopics defaults)
    : routes_(std::move(routes)), defaults_(std::move(defaults)) {
  auto compile = [](const std::vector<std::string>& in) {
    std::vector<Pattern> out;
    for (const auto& s : in) {
      out.push_back(Pattern{lower(s), s.find_first_of("*?") != std::string::npos});
    }
    return out;
  };
  for (const Route& r : routes_) {
    const RouteMatch& m = r.match;
    compiled_.push_back(Compiled{compile(m.agency), compile(m.input_topic), compile(m.format),
                                 compile(m.language), compile(m.subject), compile(m.slugline)});
  }
}

bool Router::matches(std::size_t i, const v1::Record& record) const {
  const RouteMatch& m = routes_[i].match;
  const Compiled& c = compiled_[i];
  RecordKind kind = RecordKind::kDeadLetter;
  const v1::SourceRef* src = &record.dead_letter().source();
  if (record.has_story()) {
    kind = RecordKind::kStory;
    src = &record.story().source();
  } else if (record.has_duplicate()) {
    kind = RecordKind::kDuplicate;
    src = &record.duplicate().source();
  }
  if (m.record.empty() ? kind != RecordKind::kStory
                       : std::find(m.record.begin(), m.record.end(), kind) == m.record.end()) {
    return false;
  }
  auto one = [](const std::vector<Pattern>& ps, std::string_view value) {
    if (ps.empty()) return true;
    for (const Pattern& p : ps) {
      if (p.glob ? glob_match(p.text, value) : text::iequals(p.text, value)) return true;
    }
    return false;
  };
  if (!one(c.agency, src->agency()) || !one(c.input_topic, src->topic()) ||
      !one(c.format, src->format())) {
    return false;
  }
  const bool story_fields = !c.language.empty() || !c.subject.empty() || m.urgency_min > 0 ||
                            m.urgency_max < 9 || !c.slugline.empty() || !m.version.empty();
  if (!story_fields) return true;
  if (kind != RecordKind::kStory) return false;  // the other kinds have none of these fields
  const v1::Story& s = record.story();
  if (!one(c.language, s.language()) || !one(c.slugline, s.slugline())) return false;
  if ((m.urgency_min > 0 || m.urgency_max < 9) &&
      (s.urgency() < std::max<uint32_t>(m.urgency_min, 1) || s.urgency() > m.urgency_max)) {
    return false;
  }
  if (!m.version.empty() &&
      std::find(m.version.begin(), m.version.end(), version_kind(s)) == m.version.end()) {
    return false;
  }
  if (!c.subject.empty()) {
    bool hit = false;
    for (const auto& sub : s.subjects()) {
      const std::string code = lower(sub.code());
      for (const Pattern& p : c.subject) {
        hit = p.glob ? glob_match(p.text, code)
                     : (p.text == code || subject_descendant(p.text, code));
        if (hit) break;
      }
      if (hit) break;
    }
    if (!hit) return false;
  }
  return true;
}

void Router::route(const v1::Record& record, std::vector<RouteTarget>& out) const {
  out.clear();
  auto add = [&out](const std::string& topic, Encoding e, int route) {
    for (const RouteTarget& t : out) {
      if (t.topic == topic && t.encoding == e) return;
    }
    out.push_back(RouteTarget{topic, e, route});
  };
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    if (!matches(i, record)) continue;
    for (const std::string& t : routes_[i].topics) add(t, routes_[i].encoding, static_cast<int>(i));
    if (!routes_[i].continue_) return;
  }
  const OutputKind k = output_kind(record);
  add(k == OutputKind::kStory       ? defaults_.stories
      : k == OutputKind::kDuplicate ? defaults_.duplicates
                                    : defaults_.dead_letters,
      Encoding::kProtobuf, -1);
}

}  // namespace wirefeed::pipeline
