// Service: the daemon's runtime. One Kafka consumer feeds per-partition strands on a worker
// pool; each strand runs the Processor and hands encoded records to the KafkaSink; delivery
// reports complete inputs; completed offsets are stored for auto-commit.
//
// Invariants (see ../shared/notes/architecture.md):
// - I-1 An input offset is stored only when every record it produced has a successful delivery
//   report; stored = lowest offset not yet complete (OffsetTracker). A record that cannot be
//   delivered is replaced by a DELIVERY_FAILED dead letter; if that fails too, the dead letter
//   is retried with capped backoff and the partition does not advance meanwhile (stalled,
//   logged, counted): it never skips. A record whose producer failed (fatal/sequence error,
//   purge) is re-sent unchanged, never dead-lettered.
// - I-2 One strand per assigned partition: its inputs are processed and produced in order.
// - I-3 In-flight messages per partition and bytes overall are bounded: partitions are paused
//   above the high-water mark and resumed below the low-water mark.
// - I-4 A story's dedup state is written only after every routed output of the story has a
//   successful delivery report (OutputAcks); when one fails for good there is no state (a
//   restart may repeat the story, never lose it). The recent-decisions ring (status page) is fed
//   at the same moment: what it shows is out.
// - I-5 On revoke: stop dispatching, wait (bounded) for in-flight work, store, commit, then
//   unassign; work finishing later never stores offsets (its PartitionState is detached).
// - Only the consumer thread calls consumer APIs (poll, store, pause, assign, commit).
// - delivery.mode exactly_once replaces offset storing and commits by Kafka transactions: the
//   outputs of a batch of inputs and the inputs' next offsets commit atomically; an abort rolls
//   the batch's stories out of the dedup index and seeks its partitions back to the batch's
//   first offsets (TransactionCoordinator, daemon/transaction_coordinator.hpp; its bookkeeping in
//   daemon/transactions.hpp). Only the consumer thread calls the transaction API; a revoke
//   finishes the open transaction before the partitions go.
// - The dedup state topic is replayed at start-up and tailed by DedupStateStore
//   (daemon/dedup_state_store.hpp).
// - Delivery is tracked by DeliveryTracker (daemon/delivery_tracker.hpp): it produces each
//   input's outputs (strands), takes the delivery reports, re-sends, dead-letters, retries dead
//   letters and batches dedup states (producer poll thread), and completes the input in its
//   partition's OffsetTracker (I-1, I-4). The Service builds each input's Pending on its strand,
//   admits inputs and stores completed offsets on the consumer thread; a partition's delivery
//   view (strand, tracker, in-flight and retry counts, revoked) is its DeliveryPartition
//   (daemon/delivery_partition.hpp).
#pragma once

#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "daemon/config.hpp"
#include "daemon/metrics.hpp"
#include "pipeline/router.hpp"

namespace wirefeed::pipeline {
class ChromeLearner;
}

namespace wirefeed::daemon {

class RecentDecisions;

class Service {
 public:
  // `bootstrap` overrides config.kafka.brokers (used for the embedded broker). `echo`, when set,
  // receives each published record as one JSON line. `recent`, when set, receives every story
  // published and every copy suppressed once its record is out (the status page's ring); it
  // must outlive the Service.
  Service(const Config& cfg, Stats& stats, std::string bootstrap, std::ostream* echo,
          RecentDecisions* recent = nullptr);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Consumes until `stop` becomes true, then drains (bounded), commits and returns 0.
  // Returns non-zero on a fatal startup error.
  int run(const std::atomic<bool>& stop);

  // Ready: the consumer joined its group (assignment received) and the producer reached a broker.
  std::pair<bool, std::string> readiness() const;

  // Increments every time the consumer loop completes an iteration (polls, stores offsets,
  // applies backpressure). A watchdog that sees it advance knows the pipeline is not wedged.
  uint64_t progress() const;

  // The routes in force (the last reload's); thread-safe.
  std::vector<pipeline::Route> routes() const;

  // The pipeline's chrome learner (thread-safe to read: lines(), sources()).
  const pipeline::ChromeLearner& chrome() const;

  // Live reload: applies the dedup thresholds of `cfg` (see daemon/reload.hpp).
  void apply_live(const Config& cfg);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wirefeed::daemon
