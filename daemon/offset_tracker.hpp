// OffsetTracker: per-partition bookkeeping of which input offsets are fully done.
//
// Invariants (I-1, I-3 of the architecture notes):
// - Offsets are tracked in the order they were consumed (strictly increasing; gaps allowed).
// - The committable position is one past the highest offset H such that every tracked offset
//   <= H is complete. Out-of-order completions wait; the position never moves backwards.
// - Not thread-safe by itself: the owner serialises access (PartitionState's mutex).
// - The time an offset was tracked is the caller's (injected clock); the oldest incomplete
//   offset's time tells how long the partition has been waiting (a stall shows as a growing age).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>

namespace wirefeed::daemon {

class OffsetTracker {
 public:
  // Registers a consumed offset. Returns false (and ignores it) if not above the last tracked.
  using TimePoint = std::chrono::steady_clock::time_point;
  bool track(int64_t offset, TimePoint at = {});
  // Marks a tracked offset complete. Returns false if it is not tracked (e.g. already advanced).
  bool complete(int64_t offset);
  // The next offset to store (lowest incomplete, or last+1), if it advanced since the last call.
  std::optional<int64_t> take_committable();
  // Offsets tracked but not yet complete-and-advanced.
  std::size_t pending() const { return slots_.size(); }
  // When the oldest incomplete offset was tracked; nullopt when nothing is pending.
  std::optional<TimePoint> oldest_pending_since() const {
    if (slots_.empty()) return std::nullopt;
    return slots_.front().tracked_at;
  }

 private:
  struct Slot {
    int64_t offset;
    bool done;
    TimePoint tracked_at;
  };
  std::deque<Slot> slots_;
  int64_t last_tracked_ = -1;
  std::optional<int64_t> advanced_to_;  // set when the front advanced, cleared by take
};

}  // namespace wirefeed::daemon
