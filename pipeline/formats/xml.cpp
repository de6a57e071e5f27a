// libxml2 wrapper and body walker. See xml.hpp for the invariants.
#include "pipeline/formats/xml.hpp"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>

#include "pipeline/formats/text_util.hpp"
#include "pipeline/text/ascii.hpp"
#include "pipeline/text/utf8.hpp"

namespace wirefeed::pipeline::formats {
namespace {

struct CtxtFree {
  void operator()(xmlParserCtxt* c) const { xmlFreeParserCtxt(c); }
};
struct HtmlCtxtFree {
  void operator()(htmlParserCtxt* c) const { htmlFreeParserCtxt(c); }
};

void silent(void*, const char*, ...) {}

void init_once() {
  // libxml2 must be initialised once before concurrent use; C++ static init is thread-safe.
  static const bool done = [] {
    xmlInitParser();
    return true;
  }();
  (void)done;
  // Errors are read from the parser context; nothing goes to stderr (encoding errors are
  // reported through the generic handler even with XML_PARSE_NOERROR). libxml2 keeps these
  // handlers per thread, so every parsing thread sets them.
  xmlSetGenericErrorFunc(nullptr, silent);
  xmlSetStructuredErrorFunc(nullptr, nullptr);
}

std::string_view as_view(const xmlChar* s) {
  return s == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(s));
}

std::size_t depth_of(const xmlNode* n, std::size_t limit) {
  // Iterative walk: the deepest element level, stopping once past `limit`.
  std::size_t depth = 0, max = 0;
  const xmlNode* cur = n;
  while (cur != nullptr) {
    if (cur->type == XML_ELEMENT_NODE && depth + 1 > max) max = depth + 1;
    if (max > limit) return max;
    if (cur->children != nullptr && cur->type == XML_ELEMENT_NODE) {
      cur = cur->children;
      ++depth;
      continue;
    }
    while (cur != nullptr && cur->next == nullptr) {
      cur = cur->parent;
      if (cur == nullptr || cur->type == XML_DOCUMENT_NODE || depth == 0) return max;
      --depth;
    }
    if (cur != nullptr) cur = cur->next;
  }
  return max;
}

std::string last_error(xmlParserCtxt* ctxt) {
  const xmlError* e = xmlCtxtGetLastError(ctxt);
  if (e == nullptr || e->message == nullptr) return "not well-formed XML";
  std::string msg = text::valid_utf8(collapse_space(e->message));  // may quote input bytes
  return "line " + std::to_string(e->line) + ": " + msg;
}

bool declares_entities(std::string_view bytes) {
  // Entity declarations live in the DOCTYPE's internal subset; refusing them outright keeps
  // XXE and billion-laughs out without relying on parser amplification heuristics.
  const std::size_t doctype = bytes.find("<!DOCTYPE");
  return doctype != std::string_view::npos &&
         bytes.find("<!ENTITY", doctype) != std::string_view::npos;
}

}  // namespace

XmlDoc parse_xml(std::string_view bytes, const FormatLimits& limits, std::string& error) {
  init_once();
  if (declares_entities(bytes)) {
    error = "the document declares entities (<!ENTITY>): refused (no DTD or entity processing)";
    return nullptr;
  }
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) {
    error = "document too large";
    return nullptr;
  }
  std::unique_ptr<xmlParserCtxt, CtxtFree> ctxt(xmlNewParserCtxt());
  if (!ctxt) {
    error = "out of memory";
    return nullptr;
  }
  const int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
  XmlDoc doc(xmlCtxtReadMemory(ctxt.get(), bytes.data(), static_cast<int>(bytes.size()), nullptr,
                               limits.xml_utf8 ? "UTF-8" : nullptr, opts));
  if (!doc || ctxt->wellFormed == 0) {
    error = last_error(ctxt.get());
    return nullptr;
  }
  if (doc->intSubset != nullptr && doc->intSubset->entities != nullptr) {
    error = "the document declares entities: refused";
    return nullptr;
  }
  if (xmlDocGetRootElement(doc.get()) == nullptr) {
    error = "no root element";
    return nullptr;
  }
  if (depth_of(xmlDocGetRootElement(doc.get()), limits.max_depth) > limits.max_depth) {
    error = "elements nested deeper than " + std::to_string(limits.max_depth) + " levels";
    return nullptr;
  }
  return doc;
}

XmlDoc parse_html(std::string_view utf8, std::string& error) {
  init_once();
  if (utf8.size() > static_cast<std::size_t>(INT32_MAX)) {
    error = "HTML too large";
    return nullptr;
  }
  std::unique_ptr<htmlParserCtxt, HtmlCtxtFree> ctxt(htmlNewParserCtxt());
  if (!ctxt) {
    error = "out of memory";
    return nullptr;
  }
  const int opts = HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING;
  XmlDoc doc(htmlCtxtReadMemory(ctxt.get(), utf8.data(), static_cast<int>(utf8.size()), nullptr,
                                "UTF-8", opts));
  if (!doc) {
    error = "HTML body does not parse";
    return nullptr;
  }
  return doc;
}

const xmlNode* root(const XmlDoc& doc) { return xmlDocGetRootElement(doc.get()); }

std::string_view local_name(const xmlNode* n) {
  return n != nullptr && n->type == XML_ELEMENT_NODE ? as_view(n->name) : std::string_view();
}

bool is_element(const xmlNode* n, std::string_view name) {
  return n != nullptr && n->type == XML_ELEMENT_NODE && text::iequals(as_view(n->name), name);
}

const xmlNode* child(const xmlNode* n, std::string_view name) {
  if (n == nullptr) return nullptr;
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (is_element(c, name)) return c;
  }
  return nullptr;
}

std::vector<const xmlNode*> children(const xmlNode* n, std::string_view name) {
  std::vector<const xmlNode*> out;
  if (n == nullptr) return out;
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (is_element(c, name)) out.push_back(c);
  }
  return out;
}

const xmlNode* descendant(const xmlNode* n, std::string_view name, std::size_t max_depth) {
  if (n == nullptr || max_depth == 0) return nullptr;
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (is_element(c, name)) return c;
    if (const xmlNode* d = descendant(c, name, max_depth - 1)) return d;
  }
  return nullptr;
}

std::string attr(const xmlNode* n, std::string_view name) {
  if (n == nullptr || n->type != XML_ELEMENT_NODE) return {};
  for (const xmlAttr* a = n->properties; a != nullptr; a = a->next) {
    if (text::iequals(as_view(a->name), name)) {
      std::string v;
      for (const xmlNode* t = a->children; t != nullptr; t = t->next) {
        if (t->type == XML_TEXT_NODE) v.append(as_view(t->content));
      }
      return collapse_space(v);
    }
  }
  return {};
}

namespace {
bool is_block(std::string_view name);

void append_text(const xmlNode* n, std::string& out, std::size_t depth) {
  if (depth > 256) return;
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
      out.append(as_view(c->content));
    } else if (c->type == XML_ELEMENT_NODE) {
      if (is_element(c, "br")) out.push_back(' ');
      append_text(c, out, depth + 1);
      if (is_block(local_name(c))) out.push_back(' ');  // "<p>A</p><p>B</p>": two words
    }
  }
}
}  // namespace

std::string text(const xmlNode* n) {
  if (n == nullptr) return {};
  std::string raw;
  append_text(n, raw, 0);
  // Inline markup inside a word ("<b>W</b>ord") does not split it; block boundaries do.
  return collapse_space(raw);
}

namespace {

bool one_of(std::string_view name, std::initializer_list<std::string_view> names) {
  for (std::string_view n : names) {
    if (text::iequals(name, n)) return true;
  }
  return false;
}

bool is_block(std::string_view name) {
  return one_of(name,
                {"p",       "h1",      "h2",    "h3",    "h4",      "h5",           "h6",
                 "li",      "dt",      "dd",    "pre",   "tr",      "blockquote",   "div",
                 "section", "article", "block", "hl1",   "hl2",     "body.content", "body.end",
                 "tagline", "bq",      "ul",    "ol",    "table",   "abstract",     "note",
                 "header",  "footer",  "main",  "aside", "address", "caption",      "body"});
}

bool is_skipped(std::string_view name) {
  return one_of(name, {"script", "style", "head", "title", "noscript", "template", "iframe",
                       "object", "embed", "svg", "math", "button", "form", "nav"});
}

struct Walker {
  Body& out;
  std::size_t max_paragraphs;
  bool text_lines = false;
  std::string cur{};

  void flush() {
    if (text_lines) {
      for (std::string& p : plain_paragraphs(cur, max_paragraphs)) {
        if (out.paragraphs.size() < max_paragraphs) out.paragraphs.push_back(std::move(p));
      }
      cur.clear();
      return;
    }
    std::string p = collapse_space(cur);
    cur.clear();
    if (!p.empty() && out.paragraphs.size() < max_paragraphs)
      out.paragraphs.push_back(std::move(p));
  }

  void media(const xmlNode* n) {
    DocMedia m;
    const std::string_view name = local_name(n);
    if (text::iequals(name, "img")) {
      m.uri = attr(n, "src");
      m.type = "picture";
      m.caption = attr(n, "alt");
      if (m.caption.empty()) m.caption = attr(n, "title");
    } else if (text::iequals(name, "video") || text::iequals(name, "audio")) {
      m.type = text::lower_ascii(name);
      m.uri = attr(n, "src");
      if (m.uri.empty()) m.uri = attr(child(n, "source"), "src");
    } else if (text::iequals(name, "figure")) {
      const xmlNode* img = descendant(n, "img", 8);
      const xmlNode* vid = descendant(n, "video", 8);
      m.type = vid != nullptr ? "video" : "picture";
      m.uri = attr(img != nullptr ? img : vid, "src");
      m.caption = text(descendant(n, "figcaption", 8));
      if (m.caption.empty()) m.caption = attr(img, "alt");
    } else {  // NITF <media media-type="image">
      m.type = text::lower_ascii(attr(n, "media-type"));
      if (m.type == "image" || m.type == "photo") m.type = "picture";
      const xmlNode* ref = child(n, "media-reference");
      m.uri = attr(ref, "source");
      if (m.uri.empty()) m.uri = attr(ref, "data");
      m.caption = text(child(n, "media-caption"));
      m.credit = text(child(n, "media-producer"));
    }
    if (!m.uri.empty() || !m.caption.empty()) out.media.push_back(std::move(m));
  }

  void walk(const xmlNode* n, std::size_t depth) {
    if (depth > 256) return;
    for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
      if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
        cur.append(as_view(c->content));
        continue;
      }
      if (c->type != XML_ELEMENT_NODE) continue;
      const std::string_view name = local_name(c);
      if (is_skipped(name)) continue;
      if (one_of(name, {"img", "figure", "video", "audio", "media"})) {
        media(c);
        continue;
      }
      if (text::iequals(name, "br")) {
        cur.push_back(text_lines ? '\n' : ' ');
        continue;
      }
      if (is_block(name)) {
        flush();
        if (text::iequals(name, "tr")) {
          for (const xmlNode* cell = c->children; cell != nullptr; cell = cell->next) {
            if (cell->type == XML_ELEMENT_NODE) cur += text(cell) + "  ";
          }
        } else {
          walk(c, depth + 1);
        }
        flush();
      } else {
        walk(c, depth + 1);
      }
    }
  }
};

}  // namespace

void collect_body(const xmlNode* n, Body& out, std::size_t max_paragraphs, bool text_lines) {
  if (n == nullptr) return;
  Walker w{out, max_paragraphs, text_lines};
  w.walk(n, 0);
  w.flush();
}

}  // namespace wirefeed::pipeline::formats
