// IPTC ninjs 1.x / 2.x / 3.x decoder. See document.hpp for the invariants.
//
// Property names are matched case-insensitively so 3.x camelCase ("versionCreated",
// "pubStatus", "contentType") and 1.x/2.x lowercase read the same. Bodies are chosen by content
// type: HTML/XHTML (paragraph structure) before NITF before plain text; an item with no body
// falls back to its text descriptions. Items that are not text (picture, video, audio, graphic,
// event, planning) are refused as unsupported, not malformed.
#include <nlohmann/json.hpp>

#include "pipeline/formats/document.hpp"
#include "pipeline/formats/text_util.hpp"
#include "pipeline/formats/xml.hpp"
#include "pipeline/text/ascii.hpp"
#include "pipeline/text/utf8.hpp"

namespace wirefeed::pipeline::formats {
namespace {

using nlohmann::json;

struct TooDeep {};

const json* get(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (text::iequals(it.key(), key)) return &it.value();
  }
  return nullptr;
}

std::string str(const json* v) {
  if (v == nullptr) return {};
  if (v->is_string()) return v->get<std::string>();
  if (v->is_number_unsigned()) return std::to_string(v->get<uint64_t>());
  if (v->is_number_integer()) return std::to_string(v->get<int64_t>());
  return {};
}

std::string str(const json& obj, std::string_view key) { return str(get(obj, key)); }

// A string, or the "main" (else first) value of a [{role, value}] array.
std::string main_value(const json* v) {
  if (v == nullptr) return {};
  if (v->is_string()) return v->get<std::string>();
  if (!v->is_array()) return {};
  std::string first;
  for (const json& e : *v) {
    const std::string value = e.is_string() ? e.get<std::string>() : str(e, "value");
    if (value.empty()) continue;
    if (text::iequals(str(e, "role"), "main")) return value;
    if (first.empty()) first = value;
  }
  return first;
}

// "by" is a string in 2.x/3.x; some producers send [{name}] arrays.
std::string byline_of(const json& j) {
  if (const json* by = get(j, "by")) {
    if (by->is_string()) return by->get<std::string>();
    if (by->is_array()) {
      std::string out;
      for (const json& e : *by) {
        std::string n = e.is_string() ? e.get<std::string>() : str(e, "name");
        if (n.empty()) continue;
        if (!out.empty()) out += " and ";
        out += n;
      }
      return out;
    }
  }
  return str(j, "byline");
}

void html_body(std::string_view html, Body& body, const FormatLimits& limits) {
  std::string err;
  XmlDoc doc = parse_html(html, err);
  if (doc) collect_body(root(doc), body, limits.max_paragraphs);
}

bool nitf_body(std::string_view xml, Body& body, const FormatLimits& limits) {
  FormatLimits l = limits;
  l.xml_utf8 = true;  // a JSON string is already UTF-8, whatever its declaration says
  FormatResult r = decode_nitf(xml, l);
  auto* doc = std::get_if<StructuredDoc>(&r);
  if (doc == nullptr) return false;
  body.paragraphs = std::move(doc->paragraphs);
  for (auto& m : doc->media) body.media.push_back(std::move(m));
  return true;
}

enum class BodyKind { kNone, kPlain, kNitf, kHtml };

BodyKind kind_of(const json& b) {
  const std::string ct = text::lower_ascii(str(b, "contenttype"));
  const std::string role = text::lower_ascii(str(b, "role"));
  if (ct.find("nitf") != std::string::npos || role == "nitf") return BodyKind::kNitf;
  if (ct.find("html") != std::string::npos || role == "xhtml" || role == "html") {
    return BodyKind::kHtml;
  }
  return BodyKind::kPlain;
}

void read_bodies(const json& j, Body& body, const FormatLimits& limits,
                 std::vector<FramingNote>& notes) {
  // 2.x/3.x: bodies[] {role, contenttype, value}; the richest representation wins.
  if (const json* bodies = get(j, "bodies"); bodies != nullptr && bodies->is_array()) {
    const json* best = nullptr;
    BodyKind best_kind = BodyKind::kNone;
    for (const json& b : *bodies) {
      if (str(b, "value").empty()) continue;
      const BodyKind k = kind_of(b);
      if (k > best_kind) {
        best = &b;
        best_kind = k;
      }
    }
    if (best != nullptr) {
      const std::string v = str(*best, "value");
      if (best_kind == BodyKind::kNitf && nitf_body(v, body, limits)) return;
      if (best_kind == BodyKind::kHtml || best_kind == BodyKind::kNitf) {
        html_body(v, body, limits);
      } else {
        body.paragraphs = plain_paragraphs(v, limits.max_paragraphs);
      }
      if (!body.paragraphs.empty()) return;
    }
  }
  // 1.x: body_xhtml / body_html / body_text.
  for (std::string_view key : {"body_xhtml", "body_html"}) {
    if (const std::string v = str(j, key); !v.empty()) {
      html_body(v, body, limits);
      if (!body.paragraphs.empty()) {
        notes.push_back(
            FramingNote{"ninjs.body-markup", "paragraphs", std::string(key) + " read as HTML"});
        return;
      }
    }
  }
  if (const std::string v = str(j, "body_text"); !v.empty()) {
    body.paragraphs = plain_paragraphs(v, limits.max_paragraphs);
    if (!body.paragraphs.empty()) return;
  }
  // No body: a short text item carries its text as a description.
  if (const json* d = get(j, "descriptions"); d != nullptr && d->is_array()) {
    for (const json& e : *d) {
      const std::string v = str(e, "value");
      if (v.empty()) continue;
      if (kind_of(e) == BodyKind::kHtml) {
        html_body(v, body, limits);
      } else {
        body.paragraphs = plain_paragraphs(v, limits.max_paragraphs);
      }
      if (!body.paragraphs.empty()) return;
    }
  }
  for (std::string_view key : {"description_text", "description"}) {
    if (const std::string v = str(j, key); !v.empty()) {
      body.paragraphs = plain_paragraphs(v, limits.max_paragraphs);
      if (!body.paragraphs.empty()) return;
    }
  }
}

void read_subjects(const json& j, StructuredDoc& doc) {
  for (std::string_view key : {"subjects", "subject"}) {
    const json* arr = get(j, key);
    if (arr == nullptr || !arr->is_array()) continue;
    for (const json& s : *arr) {
      if (doc.subjects.size() >= 256) return;
      DocSubject sub;
      sub.name = str(s, "name");
      sub.code = str(s, "code");
      if (sub.code.empty()) sub.code = str(s, "qcode");
      if (sub.code.empty()) sub.code = str(s, "uri");
      if (sub.code.empty()) sub.code = str(s, "literal");
      sub.scheme = str(s, "scheme");
      if (sub.scheme.empty()) {
        const std::size_t colon = sub.code.find(':');
        if (colon != std::string::npos && sub.code.compare(colon, 3, "://") != 0) {
          sub.scheme = sub.code.substr(0, colon);
        }
      }
      if (!sub.code.empty() || !sub.name.empty()) doc.subjects.push_back(std::move(sub));
    }
  }
}

void read_associations(const json& j, StructuredDoc& doc) {
  const json* assoc = get(j, "associations");
  if (assoc == nullptr) return;
  auto one = [&](const json& a) {
    if (!a.is_object() || doc.media.size() >= 256) return;
    DocMedia m;
    m.uri = str(a, "uri");
    m.type = text::lower_ascii(str(a, "type"));
    if (m.type == "text" || m.type == "composite") return;  // related stories, not media
    m.caption = main_value(get(a, "descriptions"));
    if (m.caption.empty()) m.caption = str(a, "description_text");
    if (m.caption.empty()) m.caption = main_value(get(a, "headlines"));
    if (m.caption.empty()) m.caption = str(a, "headline");
    m.caption = collapse_space(m.caption);
    m.credit = collapse_space(byline_of(a));
    if (!m.uri.empty() || !m.caption.empty()) doc.media.push_back(std::move(m));
  };
  if (assoc->is_object()) {
    for (const auto& [k, v] : assoc->items()) {
      if (v.is_array()) {
        for (const json& e : v) one(e);
      } else {
        one(v);
      }
    }
  } else if (assoc->is_array()) {
    for (const json& e : *assoc) one(e);
  }
}

}  // namespace

FormatResult decode_ninjs(std::string_view text, const FormatLimits& limits) {
  json j;
  try {
    const std::size_t max_depth = limits.max_depth;
    j = json::parse(
        text.begin(), text.end(),
        [max_depth](int depth, json::parse_event_t, json&) {
          if (static_cast<std::size_t>(depth) > max_depth) throw TooDeep{};
          return true;
        },
        true, false);
  } catch (const TooDeep&) {
    return FormatError{DocFormat::kNinjs, false,
                       "JSON nested deeper than " + std::to_string(limits.max_depth) + " levels"};
  } catch (const json::exception& e) {
    std::string what = e.what();
    // nlohmann quotes the offending bytes; keep the message valid UTF-8 and short.
    if (what.size() > 200) what.resize(200);
    return FormatError{DocFormat::kNinjs, false,
                       "JSON does not parse: " + text::valid_utf8(collapse_space(what))};
  }
  if (!j.is_object()) return FormatError{DocFormat::kNinjs, false, "not a JSON object"};

  StructuredDoc doc;
  doc.format = DocFormat::kNinjs;
  // The item's identifier: "uri" in the IPTC schemas, "guid" as newsroom systems (Superdesk)
  // emit ninjs.
  doc.item_id = collapse_space(str(j, "uri"));
  if (doc.item_id.empty()) {
    doc.item_id = collapse_space(str(j, "guid"));
    if (!doc.item_id.empty()) {
      doc.framing.push_back(FramingNote{"ninjs.guid-identifier", "item_id", doc.item_id});
    }
  }
  if (doc.item_id.empty()) {
    return FormatError{DocFormat::kNinjs, false, "no \"uri\" or \"guid\" (one is required)"};
  }
  const std::string type = text::lower_ascii(str(j, "type"));
  if (!type.empty() && type != "text" && type != "composite") {
    return FormatError{DocFormat::kNinjs, true,
                       "item type \"" + type + "\" is not a text story (uri " + doc.item_id + ")"};
  }
  doc.source_version = collapse_space(str(j, "version"));
  doc.version_created = normalize_datetime(str(j, "versioncreated"));
  doc.first_created = normalize_datetime(str(j, "firstcreated"));
  doc.pub_status = text::lower_ascii(collapse_space(str(j, "pubstatus")));
  if (const std::size_t colon = doc.pub_status.find(':'); colon != std::string::npos) {
    doc.pub_status.erase(0, colon + 1);  // "stat:canceled"
  }
  doc.kill = doc.pub_status == "canceled" || doc.pub_status == "withheld";
  if (const long u = parse_uint(str(j, "urgency")); u >= 1 && u <= 9) {
    doc.urgency = static_cast<uint32_t>(u);
  }
  doc.language = collapse_space(str(j, "language"));
  doc.headline = collapse_space(main_value(get(j, "headlines")));
  if (doc.headline.empty()) doc.headline = collapse_space(str(j, "headline"));
  doc.byline = collapse_space(byline_of(j));
  if (const json* loc = get(j, "located")) {
    doc.dateline = collapse_space(loc->is_string() ? loc->get<std::string>() : str(*loc, "name"));
  }
  doc.slugline = collapse_space(str(j, "slugline"));
  for (std::string_view key : {"ednote", "ednotes"}) {
    if (const json* e = get(j, key)) {
      if (e->is_string() && !text::trim_space(e->get<std::string>()).empty()) {
        doc.ednotes.push_back(collapse_space(e->get<std::string>()));
      } else if (e->is_array()) {
        for (const json& n : *e) {
          if (const std::string v =
                  collapse_space(n.is_string() ? n.get<std::string>() : str(n, "value"));
              !v.empty()) {
            doc.ednotes.push_back(v);
          }
        }
      }
    }
  }
  read_subjects(j, doc);
  Body body;
  read_bodies(j, body, limits, doc.framing);
  doc.paragraphs = std::move(body.paragraphs);
  doc.media = std::move(body.media);
  read_associations(j, doc);
  if (doc.headline.empty() && doc.paragraphs.empty() && !doc.kill) {
    return FormatError{DocFormat::kNinjs, false,
                       "no headline and no body text (uri " + doc.item_id + ")"};
  }
  return doc;
}

}  // namespace wirefeed::pipeline::formats
