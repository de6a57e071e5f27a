// NITF 3.x decoder. See document.hpp for the invariants.
//
// head/title and body.head/hedline/hl1 (preferred) give the headline; head/docdata gives
// doc-id (item id), urgency, date.issue (version time), du-key (version), ed-msg (editor's
// note) and management-status (pub status); tobject.subject gives subject codes; body.head
// gives byline and dateline; body.content paragraphs, blocks and media give the body.
#include "pipeline/formats/document.hpp"
#include "pipeline/formats/text_util.hpp"
#include "pipeline/formats/xml.hpp"
#include "pipeline/text/ascii.hpp"

namespace wirefeed::pipeline::formats {
namespace {

void set_if_empty(std::string& field, std::string value) {
  if (field.empty()) field = std::move(value);
}

}  // namespace

void read_nitf(const xmlNode* nitf, StructuredDoc& doc, const FormatLimits& limits) {
  const xmlNode* head = child(nitf, "head");
  const xmlNode* body = child(nitf, "body");
  const xmlNode* body_head = child(body, "body.head");
  set_if_empty(doc.language, attr(nitf, "lang"));

  if (const xmlNode* hedline = child(body_head, "hedline")) {
    const xmlNode* hl1 = child(hedline, "hl1");
    set_if_empty(doc.headline, text(hl1 != nullptr ? hl1 : hedline));
  }
  set_if_empty(doc.headline, text(child(head, "title")));

  if (const xmlNode* docdata = child(head, "docdata")) {
    set_if_empty(doc.item_id, attr(child(docdata, "doc-id"), "id-string"));
    if (doc.urgency == 0) {
      if (const long u = parse_uint(attr(child(docdata, "urgency"), "ed-urg")); u >= 1 && u <= 9) {
        doc.urgency = static_cast<uint32_t>(u);
      }
    }
    set_if_empty(doc.version_created,
                 normalize_datetime(attr(child(docdata, "date.issue"), "norm")));
    const xmlNode* du_key = child(docdata, "du-key");
    std::string version = attr(du_key, "version");
    if (version.empty()) version = attr(du_key, "generation");
    set_if_empty(doc.source_version, version);
    if (doc.pub_status.empty()) {
      doc.pub_status = text::lower_ascii(attr(docdata, "management-status"));
      if (doc.pub_status == "canceled" || doc.pub_status == "withheld") doc.kill = true;
    }
    for (const xmlNode* msg : children(docdata, "ed-msg")) {
      std::string note = attr(msg, "info");
      if (note.empty()) note = text(msg);
      if (!note.empty()) doc.ednotes.push_back(note);
      if (text::icontains(attr(msg, "msg-type"), "kill")) doc.kill = true;
    }
    if (const xmlNode* copyright = child(docdata, "doc.copyright")) {
      set_if_empty(doc.provider, attr(copyright, "holder"));
    }
  }
  if (head != nullptr && doc.subjects.empty()) {
    for (const xmlNode* tobject : children(head, "tobject")) {
      for (const xmlNode* s : children(tobject, "tobject.subject")) {
        DocSubject sub;
        sub.code = attr(s, "tobject.subject.refnum");
        sub.name = attr(s, "tobject.subject.matter");
        if (sub.name.empty()) sub.name = attr(s, "tobject.subject.type");
        sub.scheme = "iptc-subjectcode";
        if (!sub.code.empty() && doc.subjects.size() < 256) doc.subjects.push_back(std::move(sub));
      }
    }
  }
  if (const xmlNode* byline = child(body_head, "byline")) {
    const xmlNode* person = child(byline, "person");
    set_if_empty(doc.byline, text(person != nullptr ? person : byline));
  }
  if (const xmlNode* dateline = child(body_head, "dateline")) {
    const xmlNode* location = child(dateline, "location");
    if (location != nullptr) {
      set_if_empty(doc.dateline, text(location));
    } else {
      // "<dateline>WASHINGTON, Nov. 12 <story.date>...</story.date></dateline>": the text
      // before the date element.
      std::string loc;
      for (const xmlNode* c = dateline->children; c != nullptr; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) break;
        if (c->type == XML_TEXT_NODE && c->content != nullptr) {
          loc += reinterpret_cast<const char*>(c->content);
        }
      }
      loc = collapse_space(loc);
      while (!loc.empty() && (loc.back() == ',' || loc.back() == '-')) loc.pop_back();
      set_if_empty(doc.dateline, collapse_space(loc));
    }
  }
  if (doc.paragraphs.empty()) {
    Body b;
    collect_body(child(body, "body.content"), b, limits.max_paragraphs);
    doc.paragraphs = std::move(b.paragraphs);
    for (auto& m : b.media) doc.media.push_back(std::move(m));
  }
}

FormatResult decode_nitf(std::string_view xml, const FormatLimits& limits) {
  std::string err;
  XmlDoc doc = parse_xml(xml, limits, err);
  if (!doc) return FormatError{DocFormat::kNitf, false, err};
  const xmlNode* r = root(doc);
  if (!is_element(r, "nitf")) {
    return FormatError{DocFormat::kNitf, false,
                       "root element is <" + std::string(local_name(r)) + ">, not <nitf>"};
  }
  StructuredDoc out;
  out.format = DocFormat::kNitf;
  read_nitf(r, out, limits);
  if (out.headline.empty() && out.paragraphs.empty() && !out.kill) {
    return FormatError{DocFormat::kNitf, false, "no headline and no body.content text"};
  }
  return out;
}

}  // namespace wirefeed::pipeline::formats
