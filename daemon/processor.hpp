// Processor: composes the pure stages decode -> clean/extract -> fingerprint -> dedup into the
// records one input produces. Used by the daemon (per partition, on a strand) and by the CLI.
//
// Invariants:
// - Every input yields at least one record: a Story, a DuplicateNotice or a DeadLetter.
// - Never throws: a stage failure becomes a DeadLetter (INTERNAL_ERROR) for that input only.
// - Deterministic for the same input bytes + metadata + dedup index state (I-7); timings are
//   measured but never influence the records.
#pragma once

#include <cstddef>
#include <vector>

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
  StageTimings timings;
  uint32_t boilerplate_removed = 0;
};

class Processor {
 public:
  Processor(ProcessorConfig cfg, pipeline::DedupIndex& index) : cfg_(cfg), index_(index) {}
  ProcessResult process(const pipeline::InputMessage& msg) const;

  // A DeadLetter record for `msg` (also used when delivery of its outputs fails).
  v1::Record dead_letter(const pipeline::InputMessage& msg, v1::DeadLetterReason reason,
                         const std::string& message) const;

 private:
  ProcessorConfig cfg_;
  pipeline::DedupIndex& index_;
};

}  // namespace wirefeed::daemon
