// libFuzzer target: every structured-format decoder (ninjs, NITF, NewsML-G2/1.x, ANPA-1312) on
// the fuzz input, plus sniffing and the composed text the cleaner reads.
//
// Invariants checked: each decoder returns a StructuredDoc or a FormatError with a message;
// every output string is valid UTF-8 without NUL; paragraph counts respect the limit;
// compose_text is valid UTF-8; sniff_format and format_name are total. The first byte picks
// the decoder that runs first and the limits, so the corpus can specialise.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "pipeline/clean.hpp"
#include "pipeline/formats/document.hpp"
#include "tests/fuzz/fuzz_common.hpp"

namespace {

namespace fm = wirefeed::pipeline::formats;
using wirefeed::fuzz::check;
using wirefeed::fuzz::check_text;

void check_doc(const fm::StructuredDoc& d, const fm::FormatLimits& limits) {
  for (const std::string* s :
       {&d.item_id, &d.source_version, &d.version_created, &d.first_created, &d.pub_status,
        &d.headline, &d.byline, &d.dateline, &d.slugline, &d.language, &d.provider}) {
    check_text(*s, "doc field is valid UTF-8 without NUL");
  }
  check(d.urgency <= 9, "urgency is 0..9");
  check(d.paragraphs.size() <= limits.max_paragraphs, "paragraph limit");
  for (const auto& p : d.paragraphs) {
    check_text(p, "paragraph is valid UTF-8 without NUL");
    check(!p.empty(), "no empty paragraph");
  }
  for (const auto& n : d.ednotes) check_text(n, "ednote UTF-8");
  for (const auto& s : d.subjects) {
    check_text(s.code, "subject code UTF-8");
    check_text(s.name, "subject name UTF-8");
    check_text(s.scheme, "subject scheme UTF-8");
  }
  for (const auto& m : d.media) {
    check_text(m.uri, "media uri UTF-8");
    check_text(m.caption, "media caption UTF-8");
    check_text(m.credit, "media credit UTF-8");
    check_text(m.type, "media type UTF-8");
  }
  const std::string text = fm::compose_text(d);
  check_text(text, "composed text is valid UTF-8 without NUL");
  wirefeed::fuzz::check_story(wirefeed::pipeline::clean_story(text, {}));
}

void run(fm::DocFormat f, std::string_view in, const fm::FormatLimits& limits) {
  const fm::FormatResult r = fm::decode_document(f, in, limits);
  if (const auto* e = std::get_if<fm::FormatError>(&r)) {
    check(!e->message.empty(), "FormatError has a message");
    wirefeed::fuzz::check_utf8(e->message, "FormatError message is UTF-8");
    return;
  }
  check_doc(std::get<fm::StructuredDoc>(r), limits);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const unsigned char sel = size > 0 ? data[0] : 0;
  fm::FormatLimits limits;
  limits.max_depth = 8 + (sel % 64);
  limits.max_paragraphs = 1 + (sel >> 2) * 4;
  limits.xml_utf8 = (sel & 1) != 0;
  const fm::DocFormat sniffed = fm::sniff_format(in);
  check(!fm::format_name(sniffed).empty(), "format_name is total");
  if (sniffed != fm::DocFormat::kText) run(sniffed, in, limits);
  for (fm::DocFormat f : {fm::DocFormat::kNinjs, fm::DocFormat::kNitf, fm::DocFormat::kNewsMLG2,
                          fm::DocFormat::kAnpa, fm::DocFormat::kHtml}) {
    if (f != sniffed) run(f, in, limits);
  }
  return 0;
}
