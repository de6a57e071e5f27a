// LogThrottle: collapses a burst of identical log events (a retry per record per attempt during
// a long outage) into at most one line per interval that says how many events it stands for.
//
// Invariants:
// - The first event logs at once; afterwards at most one line per `interval`, carrying the
//   number of events since the previous line (this one included), so no event goes uncounted.
// - Time is injected (the caller passes `now`); thread-safe (one mutex, no allocation).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

namespace wirefeed::daemon {

class LogThrottle {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  explicit LogThrottle(std::chrono::milliseconds interval) : interval_(interval) {}

  // Records one event. Returns the number of events the line to log now stands for, or nullopt
  // when this event is only counted (a later line will include it).
  std::optional<uint64_t> note(TimePoint now);

 private:
  const std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::optional<TimePoint> last_line_;  // guarded by mu_
  uint64_t pending_ = 0;                // events since the last line; guarded by mu_
};

}  // namespace wirefeed::daemon
