// Page chrome recognised by its shape: a short standalone line that is no sentence and is made
// of interface words (share, subscribe, follow, listen, cookie settings, sponsored content, ...
// in the languages of the rule packs), a gallery counter ("Image 2 of 5"), a reading or
// listening time ("Listen · 4 min", "5 min read"), a topic label ("Topics: Markets"), a row of
// social handles or networks, or a breadcrumb ("Home › World › Europe").
//
// Invariants:
// - Pure: the answer depends only on the line; no allocation, linear in the line's length.
// - Decides from word classes (interface, filler, medium, network, label, duration), never from
//   whole sentences: a line with a word outside those classes is chrome only when at least two
//   interface words and a single capitalised other word make it up.
// - Never chrome: a line longer than kChromeShapeMaxBytes, a line ending like a sentence ('.',
//   '!', ',', ';' or a closing quotation mark), a line holding a quotation mark, a line with
//   figures other than a gallery counter, a duration or a clock length ("Video 1:23").
// - A line of function and page words only (no interface word, no other word) is chrome only
//   when not strict and of two words or more: it names nothing a story could report.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace wirefeed::pipeline {

enum class ChromeShape : uint8_t {
  kNone,
  kInterface,    // "Print this article", "Cookie settings", "Follow us on X"
  kGallery,      // "Image 1 of 3", "Foto 2 von 8"
  kReadingTime,  // "Listen · 4 min", "5 min read", "Lesezeit: 3 Min."
  kTopicLabel,   // "Topics: Markets", "Themen: Handel, Zölle"
  kSocial,       // "@agency · Facebook · LinkedIn"
  kBreadcrumb,   // "Home › Markets › Commodities"
  kNoContent,    // "More on this story", "You might also like": function and page words only
};

constexpr std::size_t kChromeShapeMaxBytes = 100;

// The shape of one trimmed line, kNone when it is not chrome by shape. `strict` (the line a
// headline may stand on): an interface line needs two interface words and nothing else.
ChromeShape chrome_shape(std::string_view line, bool strict = false);

// "interface", "gallery", ... (for --explain: "shape:interface").
std::string_view chrome_shape_name(ChromeShape s);

}  // namespace wirefeed::pipeline
