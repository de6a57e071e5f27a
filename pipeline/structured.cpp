// Structured metadata over cleaned text. See structured.hpp for the invariants.
#include "pipeline/structured.hpp"

#include <algorithm>

#include "pipeline/formats/text_util.hpp"

namespace wirefeed::pipeline {
namespace fmt = formats;

std::chrono::sys_seconds reference_time(const DecodedItem& item) {
  std::chrono::sys_seconds t{};
  if (item.doc && parse_rfc3339(item.doc->version_created, t)) return t;
  return item.received_at;
}

std::vector<std::string> byline_names(std::string_view byline) {
  std::string b = fmt::collapse_space(byline);
  if (b.size() > 3 && fmt::iequals(std::string_view(b).substr(0, 3), "by ")) b.erase(0, 3);
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= b.size()) {
    // Separators: ";", " and ", " & ", ","  (a trailing ", AP Writer" title is dropped below).
    std::size_t next = b.size(), skip = 0;
    for (std::string_view sep : {";", " and ", " & ", " AND "}) {
      const std::size_t at = b.find(sep, pos);
      if (at != std::string::npos && at < next) {
        next = at;
        skip = sep.size();
      }
    }
    std::string_view part = fmt::trim(std::string_view(b).substr(pos, next - pos));
    if (const std::size_t comma = part.find(','); comma != std::string_view::npos) {
      part = fmt::trim(part.substr(0, comma));  // "Jane Doe, Associated Press"
    }
    if (!part.empty() && part.size() < 120 && out.size() < 32) out.emplace_back(part);
    if (next == b.size()) break;
    pos = next + skip;
  }
  return out;
}

void apply_structured(const fmt::StructuredDoc& doc, CleanStory& c) {
  if (!doc.headline.empty()) {
    // The cleaner read the headline line (splitting UPDATE/REFILE tags off it); keep its result
    // when it is the document's headline, else the document's wins.
    if (c.headline.empty() || doc.headline.find(c.headline) == std::string::npos) {
      c.headline = doc.headline;
    }
    if (!c.paragraphs.empty() && fmt::collapse_space(c.paragraphs.front()) == doc.headline) {
      c.paragraphs.erase(c.paragraphs.begin());  // a long headline read as a body paragraph
    }
  }
  if (!doc.byline.empty()) {
    std::vector<Contributor> merged;
    for (std::string& name : byline_names(doc.byline)) {
      merged.push_back(
          Contributor{std::move(name), ContributorRole::kReporter, {}, doc.byline_title});
    }
    for (auto& ct : c.contributors) {
      const bool dup = std::any_of(merged.begin(), merged.end(),
                                   [&](const auto& m) { return fmt::iequals(m.name, ct.name); });
      if (!dup) merged.push_back(std::move(ct));
    }
    c.contributors = std::move(merged);
  }
  if (!doc.dateline.empty()) c.dateline.location = doc.dateline;
  if (!doc.language.empty()) {
    std::string lang = fmt::lower_ascii(doc.language.substr(0, doc.language.find_first_of("-_")));
    if (lang.size() >= 2 && lang.size() <= 3) c.language = std::move(lang);
  }
  for (const std::string& n : doc.ednotes) c.editor_notes.push_back(n);
  c.boilerplate_removed += doc.furniture_removed;  // counted by the decoder, not the cleaner
  for (const fmt::DocMedia& m : doc.media) {
    if (!m.caption.empty()) c.captions.push_back(Caption{m.caption, m.credit});
  }
}

void apply_structured(const fmt::StructuredDoc& doc, DedupCandidate& d) {
  if (!doc.source_version.empty()) {
    if (const uint32_t n = fmt::version_number(doc.source_version); n > 0) d.version_number = n;
  }
  d.kill = d.kill || doc.kill;
  d.correction = d.correction || doc.correction;
  d.version_tagged = d.version_tagged || doc.correction;
}

void apply_structured(const fmt::StructuredDoc& doc, v1::Story& s) {
  s.set_slugline(doc.slugline);
  s.set_urgency(doc.urgency);
  s.set_pub_status(doc.pub_status);
  for (const fmt::DocSubject& sub : doc.subjects) {
    auto* p = s.add_subjects();
    p->set_code(sub.code);
    p->set_name(sub.name);
    p->set_scheme(sub.scheme);
  }
  for (const fmt::DocMedia& m : doc.media) {
    auto* p = s.add_media();
    p->set_uri(m.uri);
    p->set_type(m.type);
    p->set_caption(m.caption);
    p->set_credit(m.credit);
  }
  auto* v = s.mutable_version();
  v->set_source_version(doc.source_version);
  v->set_version_created(doc.version_created);
  v->set_first_created(doc.first_created);
  if (!doc.source_version.empty()) {
    if (const uint32_t n = fmt::version_number(doc.source_version); n > 0) v->set_number(n);
  }
  if (!doc.canonical_url.empty()) s.mutable_source()->set_url(doc.canonical_url);
  if (s.source().agency().empty() && !doc.provider.empty()) {
    s.mutable_source()->set_agency(doc.provider);
  }
}

}  // namespace wirefeed::pipeline
