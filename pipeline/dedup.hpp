// Dedup stage: an index of published content, answering "was this exact content published?".
//
// Invariants:
// - Thread-safe: one index is shared by all partitions (a story may be redelivered on another
//   partition or topic); every public call takes the internal lock once.
// - Bounded: entries expire when older than `window` relative to the newest event time seen,
//   and the index never holds more than `max_entries` (oldest inserted evicted first).
// - An entry is inserted when its story is first seen (so a second copy arriving while the
//   first is in flight is still caught); persistence is a later concern (state after delivery).
// - Event time comes from the input (received_at), never from a wall clock: deterministic.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "pipeline/fingerprint.hpp"

namespace wirefeed::pipeline {

struct DedupConfig {
  std::chrono::seconds window{72 * 3600};
  std::size_t max_entries = 1'000'000;
};

class DedupIndex {
 public:
  explicit DedupIndex(DedupConfig cfg) : cfg_(cfg) {}

  // If `hash` was already recorded (within the window), returns the id of the story that
  // recorded it; otherwise records (hash -> story_id) and returns nullopt.
  std::optional<std::string> check_and_insert(const ContentHash& hash, const std::string& story_id,
                                              std::chrono::sys_seconds event_time);

  std::size_t size() const;

 private:
  struct Entry {
    std::string story_id;
    std::chrono::sys_seconds event_time;
  };
  void evict_locked(std::chrono::sys_seconds now);

  DedupConfig cfg_;
  mutable std::mutex mu_;
  std::unordered_map<ContentHash, Entry, ContentHashHasher> entries_;
  std::deque<ContentHash> order_;  // insertion order, for window expiry and capacity eviction
  std::chrono::sys_seconds newest_{};
};

}  // namespace wirefeed::pipeline
