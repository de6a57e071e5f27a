// Human progress lines computed from the daemon's metrics: the periodic line (systemd STATUS=,
// or a log line every interval when not under systemd) and the summary logged at exit.
//
// Invariants:
// - Pure functions of Stats snapshots: no clock is read here (callers pass elapsed times), no
//   I/O; the same counters give the same text.
// - "Published" counts records on the output topics only, never internal ones (the dedup state
//   topic).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/metrics.hpp"

namespace wirefeed::daemon {

// Inputs consumed and records published so far (the rates' base).
struct ProgressCounts {
  std::uint64_t in = 0;
  std::uint64_t out = 0;
};

ProgressCounts progress_counts(const Stats& stats, const std::vector<std::string>& output_topics);

// "12.4 stories/s in, 12.2 records/s out; 120 in, 118 published total; 4 partitions, 2 in flight"
// (the rates only when `last` is set: the counts `elapsed` ago).
std::string progress_line(const Stats& stats, const ProgressCounts& now,
                          const std::optional<ProgressCounts>& last,
                          std::chrono::duration<double> elapsed);

// "ran 1h2m3s: 120 input(s), published 100 stor(y/ies), 15 duplicate notice(s), 5 dead
// letter(s) (3 UNPARSEABLE, 2 TOO_LARGE); 12 dedup state(s) restored".
std::string exit_summary(const Stats& stats, std::chrono::duration<double> ran);

}  // namespace wirefeed::daemon
