// Processor: composes the pure stages decode -> clean/extract -> fingerprint -> dedup into the
// records one input produces. make_pipeline builds it with its dedup index from one
// PipelineSettings: the daemon (one Processor for all partitions, run on their strands), the CLI
// and the fuzzers all build it that way.
//
// Invariants:
// - Every input yields at least one record: a Story, a DuplicateNotice or a DeadLetter.
// - Never throws: a stage failure becomes a DeadLetter (INTERNAL_ERROR) for that input only.
// - Deterministic for the same input bytes + metadata + dedup index state + learned chrome
//   (I-7); timings are
//   measured but never influence the records.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/clean.hpp"
#include "pipeline/clean/chrome_learner.hpp"
#include "pipeline/decode.hpp"
#include "pipeline/dedup.hpp"
#include "pipeline/input.hpp"
#include "wirefeed/v1/story.pb.h"

namespace wirefeed::pipeline {

struct ProcessorConfig {
  DecodeConfig decode;
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
    ContentHash content;
    std::string story_id;
  };
  std::optional<Published> published;
  Verdict verdict = Verdict::kNew;
  // The dedup decision with its evidence (only when the story reached the dedup stage).
  std::optional<Decision> decision;
  StageTimings timings;
  uint32_t boilerplate_removed = 0;
  // With a chrome learner: the source the story's chrome is learned for, and how many of its
  // lines were removed as that source's learned chrome (per-source metrics).
  std::string chrome_source;
  uint32_t learned_chrome_removed = 0;
};

// "wf-" + 16 hex digits of a family hash ("" for 0).
std::string family_id(uint64_t family);

// The persisted form of a publication decided by the index (see DedupIndex::restore).
v1::DedupState dedup_state(const DedupCandidate& c, const Decision& d);

// Replays one persisted DedupState into the index; false if the record is malformed.
bool restore_state(DedupIndex& index, const v1::DedupState& s);

class Processor {
 public:
  Processor(ProcessorConfig cfg, DedupIndex& index) : cfg_(cfg), index_(index) {}
  ProcessResult process(const InputMessage& msg) const;
  // The same, also appending every span a cleaning rule removed or extracted to `explain`.
  ProcessResult process(const InputMessage& msg, std::vector<ExplainEntry>* explain) const;

  // Cleaning rules for the stories processed from now on (nullptr = embedded defaults).
  // Thread-safe; a story in flight keeps the rules it started with.
  void set_clean_rules(std::shared_ptr<const CleanRules> rules) {
    clean_rules_.store(std::move(rules));
  }

  // Learns page chrome per source from the stories processed from now on and removes what it
  // learned (nullptr = no learning). The learner must outlive the Processor.
  void set_chrome_learner(ChromeLearner* learner) { learner_ = learner; }

  // A DeadLetter record for `msg` (also used when delivery of its outputs fails).
  v1::Record dead_letter(const InputMessage& msg, v1::DeadLetterReason reason,
                         const std::string& message) const;

 private:
  ProcessorConfig cfg_;
  DedupIndex& index_;
  std::atomic<std::shared_ptr<const CleanRules>> clean_rules_;
  ChromeLearner* learner_ = nullptr;
};

// Everything that shapes the records: the daemon fills it from its config (input.max_bytes,
// output.dead_letter_max_bytes, dedup.*, clean.rules_file), the CLI from the same file.
struct PipelineSettings {
  ProcessorConfig processor;
  DedupConfig dedup;
  std::shared_ptr<const CleanRules> clean_rules;  // nullptr = the embedded rules
  bool learn_chrome = true;  // learn page chrome per source from the stream (CLI --no-learn)
  ChromeLearnerConfig chrome;
};

// The composed pipeline: the dedup index, the chrome learner and the Processor using both.
struct Pipeline {
  explicit Pipeline(const PipelineSettings& s);
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  DedupIndex index;
  ChromeLearner chrome;  // declared before the processor that uses it
  Processor processor;   // holds references to `index` and `chrome`
};

std::unique_ptr<Pipeline> make_pipeline(const PipelineSettings& s);

}  // namespace wirefeed::pipeline
