// ninjs encoding. See ninjs_encode.hpp for the invariants.
#include "pipeline/ninjs_encode.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace wirefeed::pipeline {
namespace {

using ojson = nlohmann::ordered_json;

// The agency is the info source that originated the content (IPTC info source role vocabulary;
// 2.0 requires a URI there).
constexpr const char* kOriginatorRole = "http://cv.iptc.org/newscodes/infosourcerole/originator";

// Property names that differ between 2.x (lowercase) and 3.x (camelCase).
struct Names {
  const char* version_created;
  const char* first_created;
  const char* pub_status;
  const char* ed_note;
  const char* content_type;
  const char* word_count;
  const char* char_count;
  const char* alt_ids;
  const char* info_sources;
};

constexpr Names kNames2{"versioncreated", "firstcreated", "pubstatus", "ednote",     "contenttype",
                        "wordcount",      "charcount",    "altids",    "infosources"};
constexpr Names kNames3{"versionCreated", "firstCreated", "pubStatus", "edNote",     "contentType",
                        "wordCount",      "charCount",    "altIds",    "infoSources"};

const Names& names(NinjsVersion v) { return v == NinjsVersion::k2 ? kNames2 : kNames3; }

void html_escape(std::string& out, std::string_view s) {
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(c);
    }
  }
}

void set_if(ojson& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}

void add_alt_id(ojson& ids, const char* role, const std::string& value) {
  if (value.empty()) return;
  ojson id;
  id["role"] = role;
  id["value"] = value;
  ids.push_back(std::move(id));
}

// A link to another wirefeed story: an association of type text (3.x also names the relation).
ojson link(NinjsVersion v, const std::string& name, const std::string& story_id,
           const std::string& headline = {}) {
  ojson a;
  a["name"] = name;
  a["uri"] = ninjs_story_uri(story_id);
  a["type"] = "text";
  if (v == NinjsVersion::k3) a["rel"] = name;
  if (!headline.empty()) a["headlines"] = ojson::array({ojson{{"value", headline}}});
  return a;
}

ojson standard(NinjsVersion v) {
  ojson s;
  s["name"] = "ninjs";
  s["version"] = ninjs_version_name(v);
  s["schema"] = ninjs_schema_uri(v);
  return s;
}

// The common head of every object: uri, standard, type, version, times, status.
ojson head(NinjsVersion v, const std::string& uri, const std::string& version,
           const std::string& version_created, const std::string& first_created,
           const char* pub_status) {
  const Names& n = names(v);
  ojson j;
  j["uri"] = uri;
  j["standard"] = standard(v);
  j["type"] = "text";
  j["representation" + std::string(v == NinjsVersion::k2 ? "type" : "Type")] = "full";
  set_if(j, "version", version);
  set_if(j, n.version_created, version_created);
  set_if(j, n.first_created, first_created);
  j[n.pub_status] = pub_status;
  return j;
}

std::string byline(const v1::Story& s) {
  std::string out;
  for (const auto& c : s.contributors()) {
    if (c.name().empty() || c.role() == v1::CONTRIBUTOR_ROLE_PHOTOGRAPHER) continue;
    if (!out.empty()) out += " and ";
    out += c.name();
  }
  return out;
}

const char* related_name(v1::RelatedWhy why) {
  return why == v1::RELATED_WHY_SAME_EVENT ? "same-event" : "possible-duplicate";
}

ojson story_json(const v1::Story& s, NinjsVersion v) {
  const Names& n = names(v);
  const auto& ver = s.version();
  const char* status = ver.canceled() ? "canceled"
                       : (s.pub_status() == "withheld" || s.pub_status() == "canceled")
                           ? (s.pub_status() == "withheld" ? "withheld" : "canceled")
                           : "usable";
  const std::string version =
      !ver.source_version().empty() ? ver.source_version() : std::to_string(ver.number() + 1);
  const std::string created =
      !ver.version_created().empty() ? ver.version_created() : s.source().received_at();
  ojson j = head(v, ninjs_story_uri(ver.family().empty() ? s.id() : ver.family()), version, created,
                 ver.first_created(), status);
  set_if(j, "language", s.language());
  if (s.urgency() >= 1 && s.urgency() <= 9) j["urgency"] = s.urgency();
  set_if(j, "slugline", s.slugline());
  if (!s.headline().empty()) {
    j["headlines"] = ojson::array({ojson{{"role", "main"}, {"value", s.headline()}}});
  }
  set_if(j, "by", byline(s));
  set_if(j, "located", s.dateline().location());
  if (!s.editor_notes().empty()) {
    std::string notes;
    for (const auto& e : s.editor_notes()) {
      if (!notes.empty()) notes += '\n';
      notes += e;
    }
    j[n.ed_note] = notes;
  }
  if (!s.paragraphs().empty()) {
    std::string html, plain;
    std::size_t chars = 0;
    for (const auto& p : s.paragraphs()) {
      if (!plain.empty()) plain += "\n\n";
      plain += p;
      html += "<p>";
      html_escape(html, p);
      html += "</p>\n";
      chars += p.size();
    }
    ojson h;
    h["role"] = "main";
    h[n.content_type] = "text/html";
    h[n.word_count] = s.word_count();
    h[n.char_count] = chars;
    h["value"] = std::move(html);
    ojson t;
    t["role"] = "main";
    t[n.content_type] = "text/plain";
    t[n.word_count] = s.word_count();
    t[n.char_count] = chars;
    t["value"] = std::move(plain);
    j["bodies"] = ojson::array({std::move(h), std::move(t)});
  }
  if (!s.subjects().empty()) {
    ojson subs = ojson::array();
    for (const auto& sub : s.subjects()) {
      ojson o;
      set_if(o, "name", sub.name());
      // A qcode ("medtop:04000000") is a URI; a bare code is a literal.
      if (sub.code().find(':') != std::string::npos) {
        o["uri"] = sub.code();
      } else if (!sub.scheme().empty() && !sub.code().empty()) {
        o["uri"] = sub.scheme() + ":" + sub.code();
      } else {
        set_if(o, "literal", sub.code());
      }
      subs.push_back(std::move(o));
    }
    j["subjects"] = std::move(subs);
  }
  if (!s.source().agency().empty()) {
    j[n.info_sources] =
        ojson::array({ojson{{"name", s.source().agency()}, {"role", kOriginatorRole}}});
  }
  ojson ids = ojson::array();
  add_alt_id(ids, "wirefeed-id", s.id());
  add_alt_id(ids, "source-item-id", s.source().item_id());
  add_alt_id(ids, "content-hash", s.fingerprint().content_hash());
  add_alt_id(ids, "source-url", s.source().url());
  if (!ids.empty()) j[n.alt_ids] = std::move(ids);

  ojson assoc = ojson::array();
  // Media first (with their captions), then captions the text carried without a media uri.
  int k = 0;
  for (const auto& m : s.media()) {
    ojson a;
    a["name"] = "media-" + std::to_string(++k);
    a["uri"] =
        !m.uri().empty() ? m.uri() : "urn:wirefeed:media:" + s.id() + ":" + std::to_string(k);
    const std::string& t = m.type();
    a["type"] = (t == "picture" || t == "video" || t == "audio" || t == "graphic") ? t : "picture";
    if (!m.caption().empty()) {
      a["descriptions"] = ojson::array({ojson{{"role", "caption"}, {"value", m.caption()}}});
    }
    set_if(a, "by", m.credit());
    assoc.push_back(std::move(a));
  }
  k = 0;
  for (const auto& c : s.captions()) {
    ++k;
    bool in_media = false;
    for (const auto& m : s.media()) in_media = in_media || m.caption() == c.text();
    if (in_media || c.text().empty()) continue;
    ojson a;
    a["name"] = "caption-" + std::to_string(k);
    a["uri"] = "urn:wirefeed:caption:" + s.id() + ":" + std::to_string(k);
    a["type"] = "picture";
    a["descriptions"] = ojson::array({ojson{{"role", "caption"}, {"value", c.text()}}});
    set_if(a, "by", c.credit());
    assoc.push_back(std::move(a));
  }
  if (!ver.supersedes().empty()) {
    assoc.push_back(link(v, ver.canceled() ? "cancels" : "supersedes", ver.supersedes()));
  }
  for (const auto& r : s.related()) assoc.push_back(link(v, related_name(r.why()), r.story_id()));
  if (!assoc.empty()) j["associations"] = std::move(assoc);
  return j;
}

const char* duplicate_kind_name(v1::DuplicateKind k) {
  switch (k) {
    case v1::DUPLICATE_KIND_EXACT:
      return "exact";
    case v1::DUPLICATE_KIND_NEAR:
      return "near";
    case v1::DUPLICATE_KIND_VERSION:
      return "version";
    default:
      return "unspecified";
  }
}

ojson duplicate_json(const v1::DuplicateNotice& d, NinjsVersion v) {
  const Names& n = names(v);
  ojson j = head(v, ninjs_story_uri(d.id()), "1", d.source().received_at(), {}, "withheld");
  if (!d.headline().empty()) {
    j["headlines"] = ojson::array({ojson{{"role", "main"}, {"value", d.headline()}}});
  }
  char sim[32];
  std::snprintf(sim, sizeof sim, "%.3f", d.similarity());
  j[n.ed_note] = std::string("Not published: ") + duplicate_kind_name(d.kind()) + " duplicate of " +
                 d.duplicate_of() + " (similarity " + sim +
                 (d.evidence().rule().empty() ? "" : ", rule " + d.evidence().rule()) + ")";
  if (!d.source().agency().empty()) {
    j[n.info_sources] =
        ojson::array({ojson{{"name", d.source().agency()}, {"role", kOriginatorRole}}});
  }
  ojson ids = ojson::array();
  add_alt_id(ids, "wirefeed-id", d.id());
  add_alt_id(ids, "source-item-id", d.source().item_id());
  if (!ids.empty()) j[n.alt_ids] = std::move(ids);
  j["associations"] = ojson::array({link(v, "duplicate-of", d.duplicate_of())});
  return j;
}

ojson dead_letter_json(const v1::DeadLetter& d, NinjsVersion v) {
  const Names& n = names(v);
  ojson j =
      head(v, "urn:wirefeed:dead-letter:" + d.id(), "1", d.source().received_at(), {}, "withheld");
  j[n.ed_note] = "Not processed: " + v1::DeadLetterReason_Name(d.reason()) + ": " + d.message();
  ojson ids = ojson::array();
  add_alt_id(ids, "wirefeed-id", d.id());
  add_alt_id(ids, "source-item-id", d.source().item_id());
  if (!ids.empty()) j[n.alt_ids] = std::move(ids);
  return j;
}

}  // namespace

const char* ninjs_version_name(NinjsVersion v) { return v == NinjsVersion::k2 ? "2.1" : "3.0"; }

const char* ninjs_schema_uri(NinjsVersion v) {
  return v == NinjsVersion::k2 ? "http://www.iptc.org/std/ninjs/ninjs-schema_2.1.json"
                               : "http://www.iptc.org/std/ninjs/ninjs-schema_3.0.json";
}

bool parse_ninjs_version(std::string_view s, NinjsVersion& out) {
  if (s == "2" || s == "2.x" || s == "2.0" || s == "2.1" || s == "2.2") {
    out = NinjsVersion::k2;
    return true;
  }
  if (s == "3" || s == "3.x" || s == "3.0" || s == "3.1") {
    out = NinjsVersion::k3;
    return true;
  }
  return false;
}

std::string ninjs_story_uri(std::string_view id) { return "urn:wirefeed:story:" + std::string(id); }

std::string encode_ninjs(const v1::Record& record, NinjsVersion version) {
  ojson j;
  switch (record.kind_case()) {
    case v1::Record::kStory:
      j = story_json(record.story(), version);
      break;
    case v1::Record::kDuplicate:
      j = duplicate_json(record.duplicate(), version);
      break;
    case v1::Record::kDeadLetter:
    case v1::Record::KIND_NOT_SET:
      j = dead_letter_json(record.dead_letter(), version);
      break;
  }
  // Invalid UTF-8 (a dead letter's message quoting raw bytes) is replaced, never thrown.
  return j.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

}  // namespace wirefeed::pipeline
