// libFuzzer target: news web pages. The HTML decoder (charset detection and transcoding,
// libxml2's HTML parser, metadata, main-content extraction with its explain lines) on the fuzz
// input, then the same bytes through the whole Processor as a `text/html` Kafka message.
//
// Invariants checked: decode_html returns a StructuredDoc or a FormatError with a message;
// every output string is valid UTF-8 without NUL; no empty paragraph; the paragraph limit
// holds; every explain line is UTF-8; the Processor yields at least one record for the input
// and never throws (a hostile page becomes a dead letter). The first byte picks the limits.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "pipeline/formats/document.hpp"
#include "pipeline/formats/html.hpp"
#include "pipeline/processor.hpp"
#include "tests/fuzz/fuzz_common.hpp"

namespace {

namespace fm = wirefeed::pipeline::formats;
namespace pl = wirefeed::pipeline;
using wirefeed::fuzz::check;
using wirefeed::fuzz::check_text;

void check_doc(const fm::StructuredDoc& d, const fm::FormatLimits& limits) {
  for (const std::string* s : {&d.item_id, &d.version_created, &d.first_created, &d.headline,
                               &d.byline, &d.dateline, &d.language, &d.provider}) {
    check_text(*s, "doc field is valid UTF-8 without NUL");
  }
  check(d.paragraphs.size() <= limits.max_paragraphs, "paragraph limit");
  for (const auto& p : d.paragraphs) {
    check_text(p, "paragraph is valid UTF-8 without NUL");
    check(!p.empty(), "no empty paragraph");
  }
  for (const auto& m : d.media) {
    check_text(m.uri, "media uri UTF-8");
    check_text(m.caption, "media caption UTF-8");
    check_text(m.credit, "media credit UTF-8");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const unsigned char sel = size > 0 ? data[0] : 0;
  fm::FormatLimits limits;
  limits.max_depth = 8 + (sel % 64);
  limits.max_paragraphs = 1 + (sel >> 2) * 4;
  check(!fm::html_charset(in).empty(), "html_charset names a charset");
  (void)fm::looks_like_html(in);
  std::vector<std::string> explain;
  const fm::FormatResult r = fm::decode_html(in, limits, &explain);
  for (const auto& line : explain) wirefeed::fuzz::check_utf8(line, "explain line is UTF-8");
  if (const auto* e = std::get_if<fm::FormatError>(&r)) {
    check(!e->message.empty(), "FormatError has a message");
    wirefeed::fuzz::check_utf8(e->message, "FormatError message is UTF-8");
  } else {
    check_doc(std::get<fm::StructuredDoc>(r), limits);
  }
  // The whole pipeline, as the daemon runs it on a message whose content-type says HTML. A
  // fresh pipeline per input keeps runs independent (no dedup or learned state between them).
  pl::PipelineSettings settings;
  settings.learn_chrome = false;
  const std::unique_ptr<pl::Pipeline> pipe = pl::make_pipeline(settings);
  pl::InputMessage m;
  m.topic = "pages";
  m.partition = 0;
  m.offset = 1;
  m.key = "page";
  m.headers.push_back({"content-type", std::string("text/html; charset=utf-8")});
  m.value.assign(in);
  const pl::ProcessResult res = pipe->processor.process(m);
  check(!res.records.empty(), "every input yields a record");
  return 0;
}
