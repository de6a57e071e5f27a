// NewsML-G2 (newsItem, alone or in a newsMessage) and NewsML 1.x decoder. See document.hpp for
// the invariants.
//
// G2: newsItem@guid/@version/@xml:lang; itemMeta (versionCreated, firstCreated, pubStatus,
// edNote, itemClass, provider, signal); contentMeta (urgency, slugline, headline, by, located,
// dateline, language, subject); contentSet inlineXML (NITF or XHTML) or inlineData (text).
// A newsMessage yields its one text newsItem; several text items are refused (dead letter).
// 1.x: NewsItem Identification (ProviderId:DateId:NewsItemId is the item id, RevisionId the
// version), NewsManagement (FirstCreated, ThisRevisionCreated, Status, Urgency), NewsLines,
// and the XHTML/plain ContentItems of the "Body" components (photo/video components -> media).
#include "pipeline/formats/document.hpp"
#include "pipeline/formats/text_util.hpp"
#include "pipeline/formats/xml.hpp"
#include "pipeline/text/ascii.hpp"

namespace wirefeed::pipeline::formats {
namespace {

constexpr std::size_t kSearchDepth = 32;

std::string after_colon(std::string s) {
  const std::size_t colon = s.find(':');
  if (colon != std::string::npos) s.erase(0, colon + 1);
  return s;
}

void g2_content(const xmlNode* content_set, StructuredDoc& doc, const FormatLimits& limits) {
  for (const xmlNode* c = content_set != nullptr ? content_set->children : nullptr; c != nullptr;
       c = c->next) {
    if (!doc.paragraphs.empty()) return;
    if (is_element(c, "inlineXML")) {
      if (const xmlNode* nitf = descendant(c, "nitf", kSearchDepth)) {
        read_nitf(nitf, doc, limits);
        continue;
      }
      const xmlNode* body = descendant(c, "body", kSearchDepth);
      Body b;
      collect_body(body != nullptr ? body : c, b, limits.max_paragraphs);
      doc.paragraphs = std::move(b.paragraphs);
      for (auto& m : b.media) doc.media.push_back(std::move(m));
    } else if (is_element(c, "inlineData")) {
      std::string raw;
      for (const xmlNode* t = c->children; t != nullptr; t = t->next) {
        if ((t->type == XML_TEXT_NODE || t->type == XML_CDATA_SECTION_NODE) && t->content) {
          raw += reinterpret_cast<const char*>(t->content);
        }
      }
      if (looks_like_markup(raw)) {
        // Declared as text, sent as markup ("<p> ... </p>"): the content decides, so it goes
        // through the HTML path (its text keeps the wire copy's line structure).
        std::string err;
        const XmlDoc html = parse_html(raw, err);
        Body b;
        if (html) collect_body(root(html), b, limits.max_paragraphs, true);
        doc.paragraphs = std::move(b.paragraphs);
        for (auto& m : b.media) doc.media.push_back(std::move(m));
        doc.framing.push_back(
            FramingNote{"newsml.markup-in-text", "paragraphs",
                        "inlineData " + attr(c, "contenttype") + " holds markup: read as HTML"});
      } else {
        doc.paragraphs = plain_paragraphs(raw, limits.max_paragraphs);
      }
    }
  }
}

FormatResult g2_item(const xmlNode* item, const FormatLimits& limits) {
  StructuredDoc doc;
  doc.format = DocFormat::kNewsMLG2;
  doc.item_id = attr(item, "guid");
  if (doc.item_id.empty()) {
    return FormatError{DocFormat::kNewsMLG2, false, "newsItem has no guid (required)"};
  }
  doc.source_version = attr(item, "version");
  doc.language = attr(item, "lang");

  const xmlNode* meta = child(item, "itemMeta");
  const std::string item_class = after_colon(attr(child(meta, "itemClass"), "qcode"));
  if (!item_class.empty() && item_class != "text" && item_class != "composite") {
    return FormatError{
        DocFormat::kNewsMLG2, true,
        "item class \"" + item_class + "\" is not a text story (guid " + doc.item_id + ")"};
  }
  doc.version_created = normalize_datetime(text(child(meta, "versionCreated")));
  doc.first_created = normalize_datetime(text(child(meta, "firstCreated")));
  doc.pub_status = text::lower_ascii(after_colon(attr(child(meta, "pubStatus"), "qcode")));
  doc.kill = doc.pub_status == "canceled" || doc.pub_status == "withheld";
  for (const xmlNode* n : children(meta, "edNote")) {
    if (std::string t = text(n); !t.empty()) doc.ednotes.push_back(std::move(t));
  }
  if (const xmlNode* provider = child(meta, "provider")) {
    doc.provider = attr(provider, "literal");
    if (doc.provider.empty()) doc.provider = after_colon(attr(provider, "qcode"));
    if (doc.provider.empty()) doc.provider = text(child(provider, "name"));
  }
  for (const xmlNode* s : children(meta, "signal")) {
    const std::string sig = text::lower_ascii(after_colon(attr(s, "qcode")));
    if (sig == "correction") doc.correction = true;
    if (sig == "kill") doc.kill = true;
  }

  const xmlNode* cm = child(item, "contentMeta");
  if (const long u = parse_uint(text(child(cm, "urgency"))); u >= 1 && u <= 9) {
    doc.urgency = static_cast<uint32_t>(u);
  }
  doc.slugline = text(child(cm, "slugline"));
  for (const xmlNode* h : children(cm, "headline")) {
    const std::string role = attr(h, "role");
    if (doc.headline.empty() || role.empty() || text::icontains(role, "main")) {
      doc.headline = text(h);
      if (role.empty() || text::icontains(role, "main")) break;
    }
  }
  {
    std::string by;
    for (const xmlNode* b : children(cm, "by")) {
      if (!by.empty()) by += " and ";
      by += text(b);
    }
    doc.byline = by;
  }
  if (const xmlNode* located = child(cm, "located")) {
    doc.dateline = text(child(located, "name"));
    if (doc.dateline.empty()) doc.dateline = attr(located, "literal");
  }
  if (doc.dateline.empty()) doc.dateline = text(child(cm, "dateline"));
  if (doc.language.empty()) doc.language = attr(child(cm, "language"), "tag");
  for (const xmlNode* s : children(cm, "subject")) {
    if (doc.subjects.size() >= 256) break;
    DocSubject sub;
    sub.code = attr(s, "qcode");
    if (sub.code.empty()) sub.code = attr(s, "uri");
    if (sub.code.empty()) sub.code = attr(s, "literal");
    sub.name = text(child(s, "name"));
    if (const std::size_t colon = sub.code.find(':');
        colon != std::string::npos && sub.code.compare(colon, 3, "://") != 0) {
      sub.scheme = sub.code.substr(0, colon);
    }
    if (!sub.code.empty() || !sub.name.empty()) doc.subjects.push_back(std::move(sub));
  }
  g2_content(child(item, "contentSet"), doc, limits);
  if (doc.headline.empty() && doc.paragraphs.empty() && !doc.kill) {
    return FormatError{DocFormat::kNewsMLG2, false,
                       "no headline and no text content (guid " + doc.item_id + ")"};
  }
  return doc;
}

// ---- NewsML 1.x -----------------------------------------------------------------------------

bool is_text_mime(std::string_view mime) {
  return text::icontains(mime, "xhtml") || text::icontains(mime, "html") ||
         text::iequals(mime, "text/plain") || text::icontains(mime, "nitf") ||
         text::icontains(mime, "xml");
}

void v1_content_item(const xmlNode* ci, StructuredDoc& doc, const FormatLimits& limits) {
  const std::string mime = attr(child(ci, "MimeType"), "FormalName");
  if (!mime.empty() && !is_text_mime(mime)) return;
  const xmlNode* data = child(ci, "DataContent");
  if (data == nullptr) return;
  if (const xmlNode* nitf = descendant(data, "nitf", kSearchDepth)) {
    read_nitf(nitf, doc, limits);
    return;
  }
  Body b;
  if (text::iequals(mime, "text/plain")) {
    b.paragraphs = plain_paragraphs(text(data), limits.max_paragraphs);
  } else {
    const xmlNode* body = descendant(data, "body", kSearchDepth);
    collect_body(body != nullptr ? body : data, b, limits.max_paragraphs);
  }
  for (auto& p : b.paragraphs) {
    if (doc.paragraphs.size() < limits.max_paragraphs) doc.paragraphs.push_back(std::move(p));
  }
  for (auto& m : b.media) doc.media.push_back(std::move(m));
}

// Walks NewsComponents: Body components give paragraphs, Photo/Video/Graphic ones media.
void v1_components(const xmlNode* nc, StructuredDoc& doc, const FormatLimits& limits, bool any_text,
                   std::size_t depth) {
  if (nc == nullptr || depth > kSearchDepth) return;
  const std::string role = attr(child(nc, "Role"), "FormalName");
  if (text::iequals(role, "Photo") || text::iequals(role, "Video") ||
      text::iequals(role, "Graphic") || text::iequals(role, "Picture") ||
      text::iequals(role, "Audio")) {
    DocMedia m;
    m.type = text::iequals(role, "Photo") ? "picture" : text::lower_ascii(role);
    if (const xmlNode* ci = descendant(nc, "ContentItem", kSearchDepth)) m.uri = attr(ci, "Href");
    m.caption = text(descendant(nc, "HeadLine", kSearchDepth));
    if (m.caption.empty()) m.caption = text(descendant(nc, "Caption", kSearchDepth));
    if ((!m.uri.empty() || !m.caption.empty()) && doc.media.size() < 256) {
      doc.media.push_back(std::move(m));
    }
    return;
  }
  const bool text_role =
      any_text ? !(text::iequals(role, "HeadLine") || text::iequals(role, "SubHeadLine") ||
                   text::iequals(role, "StyleSheet") || text::iequals(role, "Logo"))
               : text::iequals(role, "Body") || text::iequals(role, "Main");
  if (text_role) {
    for (const xmlNode* ci : children(nc, "ContentItem")) v1_content_item(ci, doc, limits);
  }
  for (const xmlNode* sub : children(nc, "NewsComponent")) {
    v1_components(sub, doc, limits, any_text, depth + 1);
  }
}

FormatResult v1_item(const xmlNode* item, const FormatLimits& limits) {
  StructuredDoc doc;
  doc.format = DocFormat::kNewsML1;
  const xmlNode* id = child(child(item, "Identification"), "NewsIdentifier");
  const std::string provider = text(child(id, "ProviderId"));
  const std::string date_id = text(child(id, "DateId"));
  const std::string item_id = text(child(id, "NewsItemId"));
  if (item_id.empty()) {
    return FormatError{DocFormat::kNewsML1, false, "NewsItem has no NewsItemId (required)"};
  }
  doc.item_id = "urn:newsml:" + provider + ":" + date_id + ":" + item_id;  // without revision
  doc.source_version = text(child(id, "RevisionId"));
  doc.provider = provider;
  const xmlNode* mgmt = child(item, "NewsManagement");
  doc.first_created = normalize_datetime(text(child(mgmt, "FirstCreated")));
  doc.version_created = normalize_datetime(text(child(mgmt, "ThisRevisionCreated")));
  doc.pub_status = text::lower_ascii(attr(child(mgmt, "Status"), "FormalName"));
  doc.kill = doc.pub_status == "canceled" || doc.pub_status == "withheld";
  if (const long u = parse_uint(attr(child(mgmt, "Urgency"), "FormalName")); u >= 1 && u <= 9) {
    doc.urgency = static_cast<uint32_t>(u);
  }
  for (const xmlNode* n : children(mgmt, "Instruction")) {
    if (text::icontains(attr(n, "FormalName"), "kill")) doc.kill = true;
  }
  doc.headline = text(descendant(item, "HeadLine", kSearchDepth));
  doc.dateline = text(descendant(item, "DateLine", kSearchDepth));
  doc.slugline = text(descendant(item, "SlugLine", kSearchDepth));
  doc.byline = text(descendant(item, "ByLine", kSearchDepth));
  doc.language = attr(descendant(item, "Language", kSearchDepth), "FormalName");
  const xmlNode* nc = child(item, "NewsComponent");
  v1_components(nc, doc, limits, false, 0);
  if (doc.paragraphs.empty()) v1_components(nc, doc, limits, true, 0);
  if (doc.headline.empty() && doc.paragraphs.empty() && !doc.kill) {
    return FormatError{DocFormat::kNewsML1, false,
                       "no headline and no text content (item " + doc.item_id + ")"};
  }
  return doc;
}

}  // namespace

FormatResult decode_newsml(std::string_view xml, const FormatLimits& limits) {
  std::string err;
  XmlDoc xdoc = parse_xml(xml, limits, err);
  const DocFormat guess =
      xml.find("<NewsML") != std::string_view::npos ? DocFormat::kNewsML1 : DocFormat::kNewsMLG2;
  if (!xdoc) return FormatError{guess, false, err};
  const xmlNode* r = root(xdoc);
  if (is_element(r, "newsItem")) return g2_item(r, limits);
  if (is_element(r, "newsMessage")) {
    const xmlNode* items = child(r, "itemSet");
    std::optional<FormatResult> first, story;
    std::size_t stories = 0;
    for (const xmlNode* c = items != nullptr ? items->children : nullptr; c != nullptr;
         c = c->next) {
      if (!is_element(c, "newsItem")) continue;
      FormatResult res = g2_item(c, limits);
      if (std::holds_alternative<StructuredDoc>(res)) {
        if (++stories == 1) story = std::move(res);
      } else if (!first) {
        first = std::move(res);
      }
    }
    // One Kafka message yields one story: a message carrying several text stories is refused
    // as a whole (a dead letter naming the count) rather than publishing one and silently
    // dropping the others. Pictures and other non-text items beside one story are fine.
    if (stories > 1)
      return FormatError{DocFormat::kNewsMLG2, true,
                         "newsMessage carries " + std::to_string(stories) +
                             " text newsItems; wirefeed publishes one story per message: send "
                             "one newsItem per Kafka message"};
    if (story) return std::move(*story);
    if (first) return std::move(*first);
    return FormatError{DocFormat::kNewsMLG2, false, "newsMessage has no newsItem in its itemSet"};
  }
  if (is_element(r, "NewsML")) {
    const xmlNode* item = descendant(r, "NewsItem", 4);
    if (item == nullptr) return FormatError{DocFormat::kNewsML1, false, "NewsML has no NewsItem"};
    return v1_item(item, limits);
  }
  if (is_element(r, "NewsItem")) return v1_item(r, limits);
  if (is_element(r, "packageItem") || is_element(r, "conceptItem") ||
      is_element(r, "knowledgeItem") || is_element(r, "planningItem")) {
    std::string why(1, '<');  // built with append: GCC 12 -O3 misreports "<" + string (restrict)
    why.append(local_name(r)).append("> is not a text story");
    return FormatError{DocFormat::kNewsMLG2, true, std::move(why)};
  }
  std::string why = "root element is <";
  why.append(local_name(r)).append(">, not <newsItem>, <newsMessage> or <NewsML>");
  return FormatError{guess, false, std::move(why)};
}

}  // namespace wirefeed::pipeline::formats
