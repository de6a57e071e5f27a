// OutputAcks: when the record of one input is out. Routes may publish the record to several
// topics; the record counts as published (its dedup state may be written, the status page may
// show it) only once the last of those outputs is acknowledged, and never when one of them
// failed for good.
//
// Invariants:
// - expect(n) is called once, before any output is sent; then exactly n calls of delivered() or
//   failed() follow, from any threads.
// - Exactly one of those calls, the last, answers something other than kWait: kPublished when
//   every output was delivered, kFailed when at least one failed (I-4: a state is written only
//   after all the story's outputs are durable; a crash may repeat a story, never lose it).
// - Lock-free; safe to call concurrently (delivery thread, workers, timers).
#pragma once

#include <atomic>

namespace wirefeed::daemon {

class OutputAcks {
 public:
  enum class Step {
    kWait,       // other outputs are still in flight
    kPublished,  // this was the last one and every output was delivered
    kFailed,     // this was the last one and at least one output failed for good
  };

  void expect(int outputs) { left_.store(outputs); }
  int left() const { return left_.load(); }

  Step delivered() { return done(); }

  Step failed() {
    // Stored before the decrement: whichever call brings the count to zero sees it.
    failed_.store(true);
    return done();
  }

 private:
  Step done() {
    if (left_.fetch_sub(1) != 1) return Step::kWait;
    return failed_.load() ? Step::kFailed : Step::kPublished;
  }

  std::atomic<int> left_{0};
  std::atomic<bool> failed_{false};
};

}  // namespace wirefeed::daemon
