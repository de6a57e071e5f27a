// Quotes: quoted spans (“…”, "…", «…», „…“) of the clean paragraphs with an explicit
// attribution (", Sullivan said", "said Gov. Martin Olsen", "Sullivan said: "), in order.
//
// Invariants:
// - Paragraph text is not changed: a quote is recorded in CleanStory::quotes with the index of
//   its paragraph.
// - Spans of fewer than three words (scare quotes, titles) and quotes whose speaker is only a
//   pronoun are skipped; a following quote-only sentence continues the previous speaker.
#pragma once

#include "pipeline/clean/common.hpp"

namespace wirefeed::pipeline::cleaning {

void extract_quotes(const Env& env, CleanStory& out);

}  // namespace wirefeed::pipeline::cleaning
