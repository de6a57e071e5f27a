// Structured newsroom documents (ninjs, NITF, NewsML-G2, NewsML 1.x, ANPA-1312/IPTC 7901): one
// plain result type for every format decoder, format selection (content type, sniffing) and the
// composition of a document's body into the text the cleaner reads.
//
// Invariants:
// - Every decoder is pure and total: any byte string yields a StructuredDoc or a FormatError
//   naming the format and what is wrong (never throws, never crashes, bounded work).
// - Every string in a StructuredDoc is valid UTF-8 without NUL bytes, whatever the input charset
//   (XML encoding declarations, Latin-1/Windows-1252 ANPA copy are transcoded).
// - XML is parsed without network access, without loading DTDs and without substituting
//   entities; a document that declares entities is refused. JSON and XML nesting is limited by
//   FormatLimits::max_depth.
// - No global mutable state: decoders may run concurrently on any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace wirefeed::pipeline::formats {

enum class DocFormat { kText, kNinjs, kNitf, kNewsMLG2, kNewsML1, kAnpa, kHtml };

struct DocSubject {
  std::string code;    // "medtop:04000000", "f" (ANPA category)
  std::string name;    // "economy, business and finance"
  std::string scheme;  // "medtop", "anpa-category", ... ("" when the code has no prefix)
};

struct DocMedia {
  std::string uri;
  std::string type;  // "picture", "video", "graphic", "audio", ...
  std::string caption;
  std::string credit;
};

// One framing convention a decoder applied: what it read from the format's framing rather than
// from the story text ("anpa.keyword-line" -> "slugline"), shown by `wirefeed process --explain`.
struct FramingNote {
  std::string rule;   // "anpa.keyword-line", "iptc7901.header", "ninjs.schema", ...
  std::string field;  // where the span went: "slugline", "headline", "removed", ...
  std::string text;   // the span as sent (whitespace collapsed)
};

struct StructuredDoc {
  DocFormat format = DocFormat::kText;
  std::string item_id;          // ninjs uri, NewsML-G2 guid, NITF doc-id, ANPA slug+date
  std::string source_version;   // the format's own version ("3"), "" if none
  std::string version_created;  // RFC 3339 UTC, "" if none
  std::string first_created;    // RFC 3339 UTC, "" if none
  std::string pub_status;       // "usable", "withheld", "canceled", "" if none
  std::string headline;
  std::string byline;        // "By Jane Doe" / "Jane Doe and John Roe" as given
  std::string byline_title;  // "AP Sports Writer" (ANPA title line after the byline), "" if none
  std::string dateline;      // location as given ("GROSSETO, Italy"), "" if none
  std::string slugline;
  std::string language;  // as given ("en", "en-US", "de")
  std::string provider;  // "AP", "dpa", ... when the format names it
  uint32_t urgency = 0;  // 1 (most urgent) .. 9, 0 if none
  bool kill = false;     // canceled/withheld status or a kill/elimination advisory
  bool correction = false;
  std::vector<std::string> paragraphs;  // body, one entry per paragraph, markup removed
  std::vector<std::string> ednotes;
  std::vector<DocSubject> subjects;
  std::vector<DocMedia> media;     // embedded pictures/videos with their captions
  uint32_t furniture_removed = 0;  // framing lines dropped (ANPA slug echo, trailers, take markers)
  std::string canonical_url;       // the page's canonical address (HTML), "" if none
  std::string section;             // HTML article:section / JSON-LD articleSection
  std::string description;         // HTML description / og:description
  std::vector<FramingNote> framing;  // conventions applied (for --explain), in input order
};

struct FormatError {
  DocFormat format = DocFormat::kText;
  bool unsupported = false;  // well-formed, but not a text story (a picture, an event, ...)
  std::string message;
};

struct FormatLimits {
  std::size_t max_depth = 64;          // JSON/XML nesting
  std::size_t max_paragraphs = 20000;  // paragraphs kept from one body
  bool xml_utf8 = false;  // XML bytes are already UTF-8 (an envelope body): ignore the declaration
};

using FormatResult = std::variant<StructuredDoc, FormatError>;

// "text", "ninjs", "nitf", "newsml-g2", "newsml-1", "anpa", "html".
std::string_view format_name(DocFormat f);

// The format a content type names ("application/ninjs+json", "application/nitf+xml",
// "application/vnd.iptc.g2.newsitem+xml", "text/vnd.iptc.anpa", "text/html", "text/plain"...):
// nullopt when it names none (then the bytes are sniffed). Parameters and case are ignored.
std::optional<DocFormat> format_from_content_type(std::string_view content_type);

// Format by content: SYN/SOH framing -> ANPA; an XML root <nitf>, <newsItem>/<newsMessage>,
// <NewsML>; <!DOCTYPE html> or <html> -> HTML; a JSON object with a ninjs identifier ("uri" or
// "guid"), a ninjs property ("type", "headline(s)", "body_*"/"bodies", "versioncreated", ...)
// and no envelope "body" -> ninjs; else text.
DocFormat sniff_format(std::string_view bytes);

FormatResult decode_ninjs(std::string_view json, const FormatLimits& limits);
FormatResult decode_nitf(std::string_view xml, const FormatLimits& limits);
FormatResult decode_newsml(std::string_view xml, const FormatLimits& limits);  // G2 and 1.x
FormatResult decode_anpa(std::string_view bytes, const FormatLimits& limits);
FormatResult decode_document(DocFormat f, std::string_view bytes, const FormatLimits& limits);

// The text the cleaner reads: headline, a blank line, then the paragraphs separated by blank
// lines (a dateline at the start of the first paragraph is left for the cleaner to find).
std::string compose_text(const StructuredDoc& doc);

// Leading digits of a version string ("3", "2nd Ld-Writethru" -> 2); 0 when there are none.
uint32_t version_number(std::string_view source_version);

}  // namespace wirefeed::pipeline::formats
