// LogThrottle: one line per interval during a burst, every event counted in some line.
#include "daemon/log_throttle.hpp"

#include <gtest/gtest.h>

namespace wirefeed::daemon {
namespace {

using namespace std::chrono_literals;

TEST(LogThrottle, FirstEventLogsThenOneLinePerIntervalCountingEveryEvent) {
  LogThrottle t(10s);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  EXPECT_EQ(t.note(t0), 1u);
  uint64_t logged = 1, lines = 1;
  // A 60 s outage with 200 records each retried every 0.5 s: 24,000 events.
  for (int step = 1; step <= 120; ++step) {
    for (int rec = 0; rec < 200; ++rec) {
      if (const auto n = t.note(t0 + step * 500ms)) {
        logged += *n;
        ++lines;
      }
    }
  }
  EXPECT_EQ(lines, 7u) << "one line at start, then one per 10 s";
  // Events after the last line are still pending (they go into the next line).
  EXPECT_LE(logged, 1u + 120u * 200u);
  EXPECT_GT(logged, 1u + 120u * 200u - 20u * 200u);
  const auto n = t.note(t0 + 120s);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(logged + *n, 1u + 120u * 200u + 1u) << "no event uncounted";
}

TEST(LogThrottle, QuietPeriodsLogEveryEvent) {
  LogThrottle t(1s);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(t.note(t0 + i * 2s), 1u);
}

}  // namespace
}  // namespace wirefeed::daemon
