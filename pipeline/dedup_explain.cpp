// Dedup evidence for output. See dedup_explain.hpp for the invariants.
#include "pipeline/dedup_explain.hpp"

#include <cstdio>

namespace wirefeed::pipeline {

void fill_evidence(v1::DedupEvidence& out, double similarity, DedupReason reason,
                   const EvidenceComparison& ev) {
  out.set_similarity(similarity);
  out.set_rule(to_string(reason));
  out.set_tickers_matched(ev.tickers_matched);
  out.set_tickers_only_this(ev.tickers_only_a);
  out.set_tickers_only_other(ev.tickers_only_b);
  out.set_names_matched(ev.names_matched);
  out.set_names_only_this(ev.names_only_a);
  out.set_names_only_other(ev.names_only_b);
  out.set_facts_matched(ev.facts_matched);
  out.set_facts_only_this(ev.facts_only_a);
  out.set_facts_only_other(ev.facts_only_b);
}

void add_dedup_evidence(const Decision& d, v1::DuplicateNotice& notice) {
  fill_evidence(*notice.mutable_evidence(), d.similarity, d.reason, d.evidence);
}

void add_related(const Decision& d, v1::Story& story) {
  for (const RelatedStory& r : d.related) {
    auto* out = story.add_related();
    out->set_story_id(r.story_id);
    out->set_similarity(r.similarity);
    out->set_why(r.same_event ? v1::RELATED_WHY_SAME_EVENT : v1::RELATED_WHY_POSSIBLE_DUPLICATE);
    fill_evidence(*out->mutable_evidence(), r.similarity, r.reason, r.evidence);
  }
}

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kNew:
      return "new";
    case Verdict::kExact:
      return "exact";
    case Verdict::kNear:
      return "near";
    case Verdict::kVersionNew:
      return "version_new";
    case Verdict::kVersionStale:
      return "version_stale";
    case Verdict::kCancel:
      return "cancel";
  }
  return "unknown";
}

namespace {

void append_evidence(std::string& out, double similarity, const EvidenceComparison& ev) {
  char buf[200];
  std::snprintf(
      buf, sizeof buf, " similarity=%.3f tickers=%u/+%u/-%u names=%u/+%u/-%u facts=%u/+%u/-%u",
      similarity, ev.tickers_matched, ev.tickers_only_a, ev.tickers_only_b, ev.names_matched,
      ev.names_only_a, ev.names_only_b, ev.facts_matched, ev.facts_only_a, ev.facts_only_b);
  out += buf;
}

}  // namespace

void append_dedup_explain(std::string& out, const Decision& d) {
  out.append("# dedup ")
      .append(verdict_name(d.verdict))
      .append(" rule=")
      .append(to_string(d.reason));
  if (!d.ref_id.empty()) out.append(" of=").append(d.ref_id);
  if (d.verdict != Verdict::kNew) append_evidence(out, d.similarity, d.evidence);
  out += '\n';
  for (const RelatedStory& r : d.related) {
    out.append("#   related ").append(r.same_event ? "same_event" : "possible_duplicate");
    out.append(" ").append(r.story_id).append(" rule=").append(to_string(r.reason));
    append_evidence(out, r.similarity, r.evidence);
    out += '\n';
  }
}

}  // namespace wirefeed::pipeline
