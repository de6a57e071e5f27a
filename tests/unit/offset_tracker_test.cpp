// OffsetTracker: only the lowest contiguous completed offset is committable.
#include "daemon/offset_tracker.hpp"

#include <gtest/gtest.h>

namespace wirefeed::daemon {
namespace {

TEST(OffsetTracker, OutOfOrderCompletionsWait) {
  OffsetTracker t;
  for (int64_t o = 10; o < 15; ++o) ASSERT_TRUE(t.track(o));
  EXPECT_TRUE(t.complete(12));
  EXPECT_TRUE(t.complete(11));
  EXPECT_FALSE(t.take_committable());
  EXPECT_TRUE(t.complete(10));
  EXPECT_EQ(t.take_committable(), 13);
  EXPECT_FALSE(t.take_committable());  // reported once
  EXPECT_TRUE(t.complete(14));
  EXPECT_FALSE(t.take_committable());
  EXPECT_TRUE(t.complete(13));
  EXPECT_EQ(t.take_committable(), 15);
  EXPECT_EQ(t.pending(), 0u);
}

// The oldest incomplete offset's tracking time (an injected clock) shows how long the partition
// has been waiting; it moves only when the front completes, and is empty when nothing waits.
TEST(OffsetTracker, OldestPendingSinceFollowsTheLowestIncompleteOffset) {
  using std::chrono::seconds;
  const OffsetTracker::TimePoint t0{seconds(100)};
  OffsetTracker t;
  EXPECT_FALSE(t.oldest_pending_since());
  t.track(1, t0);
  t.track(2, t0 + seconds(5));
  t.track(3, t0 + seconds(9));
  EXPECT_EQ(t.oldest_pending_since(), t0);
  EXPECT_TRUE(t.complete(2));  // out of order: offset 1 still waits
  EXPECT_EQ(t.oldest_pending_since(), t0);
  EXPECT_TRUE(t.complete(1));  // 1 and 2 done: 3 is the oldest now
  EXPECT_EQ(t.oldest_pending_since(), t0 + seconds(9));
  EXPECT_TRUE(t.complete(3));
  EXPECT_FALSE(t.oldest_pending_since());
}

TEST(OffsetTracker, GapsInOffsetsAreSkipped) {
  OffsetTracker t;
  t.track(5);
  t.track(9);  // 6..8 never delivered to us (compaction, control records)
  EXPECT_TRUE(t.complete(5));
  EXPECT_EQ(t.take_committable(), 9);
}

TEST(OffsetTracker, RejectsUnknownAndRepeatedOffsets) {
  OffsetTracker t;
  EXPECT_TRUE(t.track(1));
  EXPECT_FALSE(t.track(1));
  EXPECT_FALSE(t.track(0));
  EXPECT_FALSE(t.complete(7));
  EXPECT_TRUE(t.complete(1));
  EXPECT_FALSE(t.complete(1));
  EXPECT_EQ(t.take_committable(), 2);
}

}  // namespace
}  // namespace wirefeed::daemon
