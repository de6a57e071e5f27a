// LogThrottle. See log_throttle.hpp for the invariants.
#include "daemon/log_throttle.hpp"

namespace wirefeed::daemon {

std::optional<uint64_t> LogThrottle::note(TimePoint now) {
  std::lock_guard lock(mu_);
  ++pending_;
  if (last_line_ && now - *last_line_ < interval_) return std::nullopt;
  last_line_ = now;
  const uint64_t n = pending_;
  pending_ = 0;
  return n;
}

}  // namespace wirefeed::daemon
