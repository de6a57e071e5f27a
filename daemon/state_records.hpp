// State records: the wire format of dedup.state_topic, written by the daemon and replayed at
// start-up (and tailed while running) to rebuild the dedup index.
//
// Invariants:
// - Two record types share the topic: a single `DedupState` (what older daemons wrote, one per
//   story) and a `DedupStateBatch` (what the daemon writes now: the states of the stories whose
//   delivery reports arrived together). Readers accept both, told apart by the
//   `wirefeed-schema` header, or by the bytes when the header is missing (the batch's field
//   number lies outside DedupState's, so neither parses as a valid instance of the other).
// - A batch record never exceeds StateBatchLimits (states and payload bytes), so it stays far
//   below a broker's default message.max.bytes (1 MB).
// - Pure functions, no Kafka: the daemon does the I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pipeline/dedup.hpp"
#include "pipeline/encode.hpp"
#include "wirefeed/v1/story.pb.h"

namespace wirefeed::daemon {

inline constexpr std::string_view kDedupStateSchema = "wirefeed.v1.DedupState";
inline constexpr std::string_view kDedupStateBatchSchema = "wirefeed.v1.DedupStateBatch";

struct StateBatchLimits {
  std::size_t max_states = 512;
  std::size_t max_bytes = 256u << 10;  // payload; a state is ~250-400 B
};

// Accumulates serialized states into one DedupStateBatch payload (no copy of the messages).
class StateBatchWriter {
 public:
  explicit StateBatchWriter(StateBatchLimits limits = {}) : limits_(limits) {}
  // Whether `state` still fits (an empty batch always takes one state).
  bool fits(const v1::DedupState& state) const;
  void add(const v1::DedupState& state);
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  // The record for `topic`, keyed by `key` (unique per record: batches are not compacted by
  // story); resets the writer.
  pipeline::EncodedOutput take(const std::string& topic, std::string key);

 private:
  StateBatchLimits limits_;
  std::string payload_;
  std::size_t count_ = 0;
};

// The states a state-topic record carries. `schema` is its `wirefeed-schema` header (nullopt
// when absent). nullopt when the bytes are not a state record of either type.
std::optional<v1::DedupStateBatch> parse_state_record(std::optional<std::string_view> schema,
                                                      const void* data, std::size_t len);

struct StateRestoreCount {
  std::size_t applied = 0;    // states replayed into the index
  std::size_t malformed = 0;  // states (or whole records) that could not be used
};

// Replays one state-topic record (either type) into `index`.
StateRestoreCount restore_state_record(pipeline::DedupIndex& index,
                                       std::optional<std::string_view> schema, const void* data,
                                       std::size_t len);

}  // namespace wirefeed::daemon
