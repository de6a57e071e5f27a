// OffsetTracker. See offset_tracker.hpp for the invariants.
#include "daemon/offset_tracker.hpp"

#include <algorithm>

namespace wirefeed::daemon {

bool OffsetTracker::track(int64_t offset, TimePoint at) {
  if (offset <= last_tracked_) return false;
  slots_.push_back({offset, false, at});
  last_tracked_ = offset;
  return true;
}

bool OffsetTracker::complete(int64_t offset) {
  auto it = std::lower_bound(slots_.begin(), slots_.end(), offset,
                             [](const Slot& s, int64_t o) { return s.offset < o; });
  if (it == slots_.end() || it->offset != offset || it->done) return false;
  it->done = true;
  while (!slots_.empty() && slots_.front().done) {
    advanced_to_ = slots_.front().offset + 1;
    slots_.pop_front();
  }
  if (advanced_to_ && !slots_.empty()) advanced_to_ = slots_.front().offset;
  return true;
}

std::optional<int64_t> OffsetTracker::take_committable() {
  auto out = advanced_to_;
  advanced_to_.reset();
  return out;
}

}  // namespace wirefeed::daemon
