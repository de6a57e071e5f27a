// DeliveryTracker: from produce to a completed input. It sends the encoded outputs of each input
// (a ticket per record), takes the producer's delivery reports, re-sends what failed because of
// the producer, replaces what the broker rejected by a DELIVERY_FAILED dead letter (retried with
// backoff when even that fails), writes each published story's dedup state in a batch after its
// last routed output is out, and completes the input in its partition's OffsetTracker when
// every output is delivered. The Service creates the Pending of each input and stores the
// completed offsets (consumer thread).
//
// Invariants:
// - I-1 An input completes (OffsetTracker::complete) only when every output it produced and its
//   dedup state record have a delivery report (Pending::remaining). A routed output the broker
//   rejects is replaced by a dead letter, produced (on the partition's strand) before the input
//   can complete; a dead letter that fails is retried with capped backoff (100 ms << attempts,
//   at most 5 s) and the partition stalls (partitions_stalled) until it is delivered, the
//   partition is revoked or the daemon stops (then the input never completes: redelivered). A
//   record whose producer failed is re-sent unchanged after 20 ms << re-sends (at most 2 s).
// - I-4 A story's dedup state is produced only after every routed output of its record is
//   delivered (OutputAcks), batched per round of delivery reports (flush_state_batch); when one
//   fails for good there is no state and the story is forgotten from the dedup index. The
//   recent-decisions ring is fed at the same moment.
// - exactly_once: work of an aborted attempt (generation() moved on) produces nothing and
//   completes at once; a failed output fails the open transaction instead of a dead letter.
// - Threads: send() runs on the strands (and on the timers of re-sends: a partition's on its
//   strand, a state batch's on the pool); on_delivery(), flush_state_batch() and the state round
//   (state_round_, state_blocked_) on the producer poll thread only; finish/complete wherever the
//   last output of an input is settled. Pending::remaining, OutputAcks, the in-flight counters
//   and DeliveryPartition's counters are atomics; the partition's OffsetTracker is taken under
//   its mutex; the published-counter cache is filled in the constructor and only read after.
#pragma once

#include <librdkafka/rdkafka.h>

#include <array>
#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/delivery_partition.hpp"
#include "daemon/log_throttle.hpp"
#include "daemon/metrics.hpp"
#include "daemon/output_acks.hpp"
#include "daemon/recent.hpp"
#include "pipeline/dedup.hpp"
#include "pipeline/encode.hpp"
#include "pipeline/processor.hpp"
#include "sinks/kafka_sink.hpp"

namespace wirefeed::daemon {

class TransactionCoordinator;

// The producer side (sinks::KafkaSink::produce): enqueue one record whose delivery report will
// carry `opaque`; NO_ERROR, or the error that kept it from being enqueued (no report then).
class DeliverySink {
 public:
  virtual ~DeliverySink() = default;
  virtual rd_kafka_resp_err_t produce(const pipeline::EncodedOutput& out, void* opaque,
                                      const std::atomic<bool>& abandon, bool may_wait) = 0;
};

// One input message whose outputs are in flight.
struct Pending {
  std::shared_ptr<DeliveryPartition> ps;
  std::shared_ptr<const pipeline::InputMessage> msg;
  // Produced only after every routed output of the Story is delivered (I-4); it holds one of
  // the `remaining` slots until it is delivered or dropped.
  std::optional<v1::DedupState> state;
  std::optional<pipeline::ProcessResult::Published> published;  // the Story, if one was published
  mutable std::atomic<int> remaining{0};                        // outputs not yet delivered
  // The routed outputs of the input's record (not the dead letters replacing failed ones, not
  // the state): the state waits for the last of them (a story routed to several topics is out
  // only when it is on all of them).
  mutable OutputAcks acks;
  // The status page's entry for the record, added to the ring once the record is out (acks).
  std::optional<RecentDecision> recent;
  uint64_t generation = 0;  // exactly_once: the transaction attempt it belongs to
};

// The per-route metric children of one route and topic (looked up once per routing snapshot;
// the children live as long as Stats).
struct RouteCounters {
  Counter* records = nullptr;
  Counter* bytes = nullptr;
  Counter* errors = nullptr;
};

// One produced record; owned by librdkafka between produce and the delivery report. It owns the
// encoded record (librdkafka references its payload without a copy), so a record whose producer
// failed can be re-sent as it was.
struct Ticket {
  std::shared_ptr<Pending> pending;  // null for a state batch
  pipeline::EncodedOutput out;
  int attempts = 0;  // failed attempts of a dead letter so far
  int resends = 0;   // re-sends after producer failures
  // The first output of its record: it alone is echoed (a record routed to several topics has one
  // primary output).
  bool primary = true;
  // One of the record's routed outputs (counted by Pending::acks); false for a dead letter that
  // replaces a failed output.
  bool routed = false;
  // The configured route's counters (route_*_total); all null for the default route.
  RouteCounters route;
  // A DedupStateBatch record: the inputs whose states it carries (each counts it as one output).
  std::vector<std::shared_ptr<Pending>> states;
};

struct DeliverySettings {
  // The topic each output kind goes to by default (records_published_total children looked up
  // once); state_topic "" when dedup state is not persisted.
  std::string stories_topic;
  std::string duplicates_topic;
  std::string dead_letter_topic;
  std::string state_topic;
  bool exactly_once = false;  // delivery.mode: exactly_once (set_transactions before producing)
};

class DeliveryTracker {
 public:
  using Clock = std::chrono::steady_clock;
  // The encoded DELIVERY_FAILED dead letter of an input (counted by the owner); runs on the
  // input partition's strand.
  using DeadLetterFn =
      std::function<pipeline::EncodedOutput(const pipeline::InputMessage&, std::string detail)>;

  // `sink`, `index`, `stats`, `abandon` (stop waiting and retrying: the daemon stops), `echo`
  // (each published record as one JSON line; may be null) and `recent` (may be null) must
  // outlive the tracker. Timers of state-batch re-sends run on `pool`.
  DeliveryTracker(DeliverySettings settings, DeliverySink& sink,
                  boost::asio::thread_pool::executor_type pool, pipeline::DedupIndex& index,
                  Stats& stats, const std::atomic<bool>& abandon, DeadLetterFn dead_letter,
                  std::ostream* echo = nullptr, RecentDecisions* recent = nullptr);

  // exactly_once: the coordinator whose generation() and fail() the tracker consults. Set once,
  // before the first input is admitted.
  void set_transactions(TransactionCoordinator* txn) { txn_ = txn; }

  // The key prefix of this process's state batch records (random per process).
  const std::string& state_key_prefix() const { return state_key_prefix_; }

  // Consumer thread: an input of `ps` of `bytes` bytes is in flight.
  void admitted(DeliveryPartition& ps, std::size_t bytes);
  int64_t inflight_messages() const { return inflight_msgs_.load(); }
  int64_t inflight_bytes() const { return inflight_bytes_.load(); }

  // Strand: produces one output of `pending` (`routed`: one of its record's routed outputs,
  // counted by its acks; `primary`: the one echoed).
  void send(const std::shared_ptr<Pending>& pending, pipeline::EncodedOutput out,
            bool primary = true, RouteCounters route = {}, bool routed = false);

  // Producer poll thread: one delivery report (its opaque is a Ticket this tracker produced).
  void on_delivery(const sinks::DeliveryReport& r);
  // Producer poll thread, after each round of delivery reports: produces the round's states.
  void flush_state_batch();

  // The input of `p` is complete: its offset may be stored. Any thread (once per input).
  void complete(const Pending& p);

 private:
  void send(std::unique_ptr<Ticket> ticket);
  void on_failed(std::unique_ptr<Ticket> ticket, rd_kafka_resp_err_t err);
  void retry_dead_letter(std::unique_ptr<Ticket> ticket, rd_kafka_resp_err_t err);
  void release_retry(DeliveryPartition& ps);
  Counter& published_counter(pipeline::OutputKind kind, std::string_view topic);
  bool produce_state_batch(std::unique_ptr<Ticket> ticket);
  void on_state_batch_failed(std::unique_ptr<Ticket> ticket, rd_kafka_resp_err_t err);
  void on_record_out(const std::shared_ptr<Pending>& p);
  void routed_output_failed(const Pending& p);
  void finish_one(const Pending& p);
  void eos_on_failed(std::unique_ptr<Ticket> ticket, rd_kafka_resp_err_t err);
  void eos_fail(const Pending& p, rd_kafka_resp_err_t err, bool record_poison = true);

  const DeliverySettings settings_;
  const bool eos_;
  DeliverySink& sink_;
  boost::asio::thread_pool::executor_type pool_;
  pipeline::DedupIndex& index_;
  Stats& stats_;
  const std::atomic<bool>& abandon_;
  DeadLetterFn dead_letter_;
  std::ostream* echo_;                     // written on the producer poll thread only
  RecentDecisions* recent_;                // the status page's ring (null: none)
  TransactionCoordinator* txn_ = nullptr;  // exactly_once only

  std::atomic<int64_t> inflight_msgs_{0};
  std::atomic<int64_t> inflight_bytes_{0};
  // Per-record retry lines during an outage: one summary line per 10 s (with counts).
  LogThrottle resend_log_{std::chrono::seconds(10)};
  LogThrottle dead_letter_retry_log_{std::chrono::seconds(10)};

  // records_published_total by output kind, for the topic each kind goes to (filled once in the
  // constructor); another topic falls back to the family lookup.
  struct PublishedCounter {
    std::string topic;
    Counter* counter = nullptr;
  };
  std::array<PublishedCounter, 4> published_{};

  // ---- dedup state batches (producer poll thread only) ----
  // The stories delivered in one round of delivery reports (one rd_kafka_poll call) have their
  // states written as one DedupStateBatch record right after the round: a backlog gives large
  // batches, a trickle gives batches of one and no added wait. Each input's offset still waits
  // for the batch record's delivery report (I-1, I-4).
  std::vector<std::shared_ptr<Pending>> state_round_;
  std::unique_ptr<Ticket> state_blocked_;  // a batch the full producer queue refused: retried first
  const std::string state_key_prefix_;
  uint64_t state_batches_ = 0;
};

}  // namespace wirefeed::daemon
