// Composition of a structured document's metadata (ninjs, NITF, NewsML, ANPA) with what the
// text cleaner found: the format's own fields win over guesses from the text.
//
// Invariants:
// - Pure functions of their arguments; each only fills or overrides fields the document gives
//   (an absent field never erases what the cleaner found).
// - Dedup identity: the document's item id is the family (set by the decode stage in
//   SourceRef.item_id); its numeric version orders versions; canceled/withheld/kill cancels.
#pragma once

#include <chrono>

#include "pipeline/clean.hpp"
#include "pipeline/decode.hpp"
#include "pipeline/dedup.hpp"
#include "pipeline/formats/document.hpp"
#include "wirefeed/v1/story.pb.h"

namespace wirefeed::pipeline {

// Headline, byline -> contributors, dateline location, language (ISO 639-1), editor's notes,
// media captions.
void apply_structured(const formats::StructuredDoc& doc, CleanStory& c);

// Version number, kill, correction.
void apply_structured(const formats::StructuredDoc& doc, DedupCandidate& d);

// slugline, urgency, subjects, media, pub_status, source version and times, provider agency.
void apply_structured(const formats::StructuredDoc& doc, v1::Story& s);

// The time the cleaner resolves dateline years against: the document's versionCreated when it
// has one (a story sent in April and replayed in November still belongs to April), else the
// receive time.
std::chrono::sys_seconds reference_time(const DecodedItem& item);

// "By Paulo Santalucia and Frances d'Emilio" -> {"Paulo Santalucia", "Frances d'Emilio"}.
std::vector<std::string> byline_names(std::string_view byline);

}  // namespace wirefeed::pipeline
