// Raw HTML article pages (as a scraper fetched them) -> a StructuredDoc: metadata from what the
// page declares (JSON-LD NewsArticle, Open Graph and article:* meta, rel=canonical, <html lang>,
// falling back to <title>/<h1>), the article body chosen from the DOM by content scoring, and
// figures with their captions and credits.
//
// Invariants:
// - Pure and total: any byte string yields a StructuredDoc or a FormatError (never throws, never
//   crashes). Work is bounded: input size by the decode stage, element count and nesting depth
//   by HtmlLimits, every tree walk iterative or depth-bounded.
// - Parsed by libxml2's HTML parser with HTML_PARSE_NONET|RECOVER and no DTD or entity loading:
//   no network, no scripts run, no external resources.
// - Whatever the page's charset (BOM, <meta charset>, http-equiv, else UTF-8 when the bytes are
//   valid UTF-8, else Windows-1252), every output string is valid UTF-8.
// - No per-site rules: blocks are kept or dropped by generic signals only (text and link
//   density, punctuation, position, structural tags, class/id words).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pipeline/formats/document.hpp"

namespace wirefeed::pipeline::formats {

struct HtmlLimits {
  std::size_t max_nodes = 400000;  // elements + text nodes after parsing
  std::size_t max_depth = 512;     // element nesting
};

// The charset the bytes are decoded with: "UTF-8", "UTF-16LE"/"UTF-16BE" (BOM), a declared
// charset libxml2 can transcode, else "windows-1252".
std::string html_charset(std::string_view bytes);

// True when `bytes` look like an HTML page: a leading <!DOCTYPE html> or <html> root (after
// whitespace, BOM and comments).
bool looks_like_html(std::string_view bytes);

// True when markup that does not start as an HTML page declares one a little further in: a
// <!DOCTYPE html> or <html> tag within the first 32 KB, after stray scripts, styles, meta tags
// or server warnings printed ahead of the page.
bool declares_html_page(std::string_view bytes);

// `explain`, when set, receives one line per block kept or dropped ("drop link-density: ...").
FormatResult decode_html(std::string_view bytes, const FormatLimits& limits,
                         std::vector<std::string>* explain = nullptr);

}  // namespace wirefeed::pipeline::formats
