// Replaying a topic from a point in time: the start-up read of the state topics (the dedup state,
// daemon/dedup_state_store.hpp; the learned-chrome sightings, daemon/chrome_state.hpp).
//
// Invariants:
// - Each partition starts at the first record written at or after `edge` (offsets_for_times).
//   A partition the broker cannot answer for (no record that new, or no time index, as on
//   librdkafka's mock) replays from its beginning: never wrong, only slower.
// - The replay ends when every partition reached its end, at `deadline`, or when `stop` is set.
//   A partition's end is its high watermark as read before the replay, or its EOF event (a
//   read_committed reader passes transaction markers that no record offset reaches), so the
//   reader needs enable.partition.eof=true.
// - The partitions stay assigned afterwards: the caller may go on polling `reader` (the tail).
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace wirefeed::kafka {

// What one metadata request says of a topic before a replay.
struct TopicProbe {
  int partitions = 0;    // > 0: the topic can be replayed
  bool missing = false;  // a broker answered that the topic does not exist
  std::string why;       // when partitions == 0: the broker's error, "no metadata", ...
};

// Asks `reader`'s brokers for `topic`'s metadata, waiting at most `timeout_ms`.
TopicProbe probe_topic(rd_kafka_t* reader, const std::string& topic, int timeout_ms);

struct ReplayResult {
  std::size_t records = 0;  // records handed to `apply`
  int64_t skipped = 0;      // offsets before the edge, not read
  bool caught_up = false;   // every partition reached its end
};

// Assigns partitions 0..parts-1 of `topic` to the consumer `reader` from `edge` and hands every
// record read, in each partition's order, to `apply` until the replay ends (see above).
ReplayResult replay_from(rd_kafka_t* reader, const std::string& topic, int parts,
                         std::chrono::system_clock::time_point edge,
                         std::chrono::steady_clock::time_point deadline,
                         const std::atomic<bool>& stop,
                         const std::function<void(const rd_kafka_message_t&)>& apply);

}  // namespace wirefeed::kafka
