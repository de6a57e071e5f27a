// Dedup evidence for output: the DedupEvidence and RelatedStory messages of a decision, and the
// '#' lines `wirefeed process --explain` prints for it.
//
// Invariants:
// - Pure: reads the decision, writes only the message or string given.
// - The rule names are those of to_string(DedupReason), so metrics, explain lines and records
//   agree.
#pragma once

#include <string>

#include "pipeline/dedup.hpp"
#include "wirefeed/v1/story.pb.h"

namespace wirefeed::pipeline {

void fill_evidence(v1::DedupEvidence& out, double similarity, DedupReason reason,
                   const EvidenceComparison& ev);

// The decision's evidence on a DuplicateNotice, or its related links on a published Story.
void add_dedup_evidence(const Decision& d, v1::DuplicateNotice& notice);
void add_related(const Decision& d, v1::Story& story);

// "# dedup ..." lines (each ending in '\n') describing the decision and its links.
void append_dedup_explain(std::string& out, const Decision& d);

const char* verdict_name(Verdict v);

}  // namespace wirefeed::pipeline
