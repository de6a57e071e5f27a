// libxml2 behind RAII, with the safe options every decoder uses, plus tree helpers and the
// XHTML/NITF body walker that turns markup into paragraphs and media references.
//
// Invariants:
// - parse_xml never touches the network (XML_PARSE_NONET), never loads a DTD, never substitutes
//   entities (no XML_PARSE_NOENT/DTDLOAD/HUGE), and refuses any document that declares entities
//   (XXE and entity-expansion bombs are rejected before the parser runs). Documents deeper than
//   FormatLimits::max_depth are refused. Errors are collected per parse (nothing printed).
// - The xmlDoc is owned by XmlDoc and freed exactly once; node pointers never outlive it.
// - All strings returned are UTF-8 (libxml2's internal encoding).
#pragma once

#include <libxml/tree.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/formats/document.hpp"

namespace wirefeed::pipeline::formats {

struct XmlDocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using XmlDoc = std::unique_ptr<xmlDoc, XmlDocFree>;

// nullptr with `error` set ("line 3: Opening and ending tag mismatch: p and body").
XmlDoc parse_xml(std::string_view bytes, const FormatLimits& limits, std::string& error);
// Lenient HTML (ninjs body_html): never fails on markup, only on resource limits.
XmlDoc parse_html(std::string_view utf8, std::string& error);

const xmlNode* root(const XmlDoc& doc);
std::string_view local_name(const xmlNode* n);
bool is_element(const xmlNode* n, std::string_view name);
const xmlNode* child(const xmlNode* n, std::string_view name);
std::vector<const xmlNode*> children(const xmlNode* n, std::string_view name);
const xmlNode* descendant(const xmlNode* n, std::string_view name, std::size_t max_depth);
std::string attr(const xmlNode* n, std::string_view name);  // by local name, "" if absent
std::string text(const xmlNode* n);                         // descendant text, space-collapsed

struct Body {
  std::vector<std::string> paragraphs;
  std::vector<DocMedia> media;
};
// Block elements (p, h1-h6, li, blockquote, tr, NITF block/hl2, ...) become paragraphs; img,
// figure, video, NITF media become media references with their captions; script/style dropped.
// `text_lines`: the markup wraps plain wire copy (declared as text): a block's text keeps its
// line structure and is split into paragraphs as plain text is (plain_paragraphs).
void collect_body(const xmlNode* n, Body& out, std::size_t max_paragraphs, bool text_lines = false);

// Fills `doc` from an NITF <nitf> element (standalone, or inline in NewsML-G2/ninjs): fields
// already set in `doc` are kept (the enclosing format's metadata wins).
void read_nitf(const xmlNode* nitf, StructuredDoc& doc, const FormatLimits& limits);

}  // namespace wirefeed::pipeline::formats
