// Processor: composes the pure stages decode -> clean/extract -> fingerprint -> dedup into the
// records one input produces. Used by the daemon (per partition, on a strand) and by the CLI.
//
// Invariants:
// - Every input yields at least one record: a Story, a DuplicateNotice or a DeadLetter.
// - Never throws: a stage failure becomes a DeadLetter (INTERNAL_ERROR) for that input only.
// - Deterministic for the same input bytes + metadata + dedup index state (I-7); timings are
//   measured but never influence the records.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/clean.hpp"
#include "pipeline/decode.hpp"
#include "pipeline/dedup.hpp"
#include "pipeline/input.hpp"
#include "wirefeed/v1/story.pb.h"

namespace wirefeed::daemon {

struct ProcessorConfig {
  pipeline::DecodeConfig decode;
  std::size_t dead_letter_max_bytes = 64u << 10;
};

struct StageTimings {  // seconds spent per stage for one input
  double decode = 0, clean = 0, fingerprint = 0, dedup = 0;
};

struct ProcessResult {
  std::vector<v1::Record> records;
  // For a published Story: the dedup state to persist once it is delivered (I-4).
  std::optional<v1::DedupState> state;
  // For a published Story: its content hash and id, to forget it if it cannot be delivered.
  struct Published {
    pipeline::ContentHash content;
    std::string story_id;
  };
  std::optional<Published> published;
  pipeline::Verdict verdict = pipeline::Verdict::kNew;
  // The dedup decision with its evidence (only when the story reached the dedup stage).
  std::optional<pipeline::Decision> decision;
  StageTimings timings;
  uint32_t boilerplate_removed = 0;
};

// "wf-" + 16 hex digits of a family hash ("" for 0).
std::string family_id(uint64_t family);

// The persisted form of a publication decided by the index (see DedupIndex::restore).
v1::DedupState dedup_state(const pipeline::DedupCandidate& c, const pipeline::Decision& d);

// Replays one persisted DedupState into the index; false if the record is malformed.
bool restore_state(pipeline::DedupIndex& index, const v1::DedupState& s);

class Processor {
 public:
  Processor(ProcessorConfig cfg, pipeline::DedupIndex& index) : cfg_(cfg), index_(index) {}
  ProcessResult process(const pipeline::InputMessage& msg) const;
  // The same, also appending every span a cleaning rule removed or extracted to `explain`.
  ProcessResult process(const pipeline::InputMessage& msg,
                        std::vector<pipeline::ExplainEntry>* explain) const;

  // Cleaning rules for the stories processed from now on (nullptr = embedded defaults).
  // Thread-safe; a story in flight keeps the rules it started with.
  void set_clean_rules(std::shared_ptr<const pipeline::CleanRules> rules) {
    clean_rules_.store(std::move(rules));
  }

  // A DeadLetter record for `msg` (also used when delivery of its outputs fails).
  v1::Record dead_letter(const pipeline::InputMessage& msg, v1::DeadLetterReason reason,
                         const std::string& message) const;

 private:
  ProcessorConfig cfg_;
  pipeline::DedupIndex& index_;
  std::atomic<std::shared_ptr<const pipeline::CleanRules>> clean_rules_;
};

}  // namespace wirefeed::daemon
