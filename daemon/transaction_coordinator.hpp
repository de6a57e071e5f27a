// TransactionCoordinator: exactly-once delivery (delivery.mode: exactly_once), one Kafka
// transaction per batch of inputs. It opens the transaction at the first input of a batch, ends
// it when due (daemon/transactions.hpp: messages, bytes, interval) or when an output failed, and
// either commits (the batch's outputs and its inputs' next offsets, atomically) or aborts: rolls
// the batch's stories out of the dedup index and seeks each partition back to the batch's first
// offset. It owns the TransactionBatch, DedupRollback and DeliveryFailures of the Service.
//
// Invariants:
// - The outputs of a batch and the offsets after its inputs commit together or not at all; an
//   abort forgets the batch's published stories in the dedup index (newest first) and rewinds,
//   so every input of an aborted batch is processed again and published at most once.
// - Every abort bumps generation(): work of an older attempt (inputs still queued, outputs not
//   yet produced, state batches) produces nothing and completes at once (the owner checks).
// - end() commits only after every input of the batch is complete (inflight() == 0, bounded by
//   delivery.transaction_timeout) and no output of the attempt failed; otherwise it aborts.
// - Offsets are sent, and partitions rewound, only for partitions the consumer still owns; a
//   revoke ends the open transaction before its partitions go (on_revoke()), and a lost
//   assignment aborts it.
// - A fatal error replaces the producer (its successor's init fences it and aborts what it left
//   open). Retriable errors are retried (bounded) before counting as abortable.
// - An input whose output failed `limit` times for a reason of the record (DeliveryFailures) is
//   poisoned: its next processing publishes a dead letter instead (take_if_poisoned()).
// - Threads: init/admit/tick/end/abort/on_revoke run on the consumer thread only, like every
//   call into TransactionalProducer and TransactionHost (the consumer, the transaction API).
//   fail() runs on the producer poll thread (delivery reports) or a strand; record_published()
//   and take_if_poisoned() on the strands; generation() anywhere. Those are atomic or guarded
//   by the mutex named next to the member.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/metrics.hpp"
#include "daemon/transactions.hpp"
#include "kafka/client.hpp"
#include "pipeline/dedup.hpp"

namespace wirefeed::daemon {

// The transaction API of the producer (sinks::KafkaSink's txn_* calls). Each call returns an
// empty handle on success.
class TransactionalProducer {
 public:
  virtual ~TransactionalProducer() = default;
  virtual kafka::ErrorHandle init(std::chrono::milliseconds timeout) = 0;
  virtual kafka::ErrorHandle begin() = 0;
  virtual kafka::ErrorHandle send_offsets(const rd_kafka_topic_partition_list_t* offsets,
                                          const rd_kafka_consumer_group_metadata_t* group,
                                          std::chrono::milliseconds timeout) = 0;
  virtual kafka::ErrorHandle commit(std::chrono::milliseconds timeout) = 0;
  virtual kafka::ErrorHandle abort(std::chrono::milliseconds timeout) = 0;
  // Replaces the producer after a fatal error (the caller then runs init on the new one).
  virtual void recreate(const std::string& why) = 0;
};

// What the coordinator needs of the consumer side (the Service). Consumer thread only.
class TransactionHost {
 public:
  virtual ~TransactionHost() = default;
  // Inputs dispatched but not complete (all partitions).
  virtual int64_t inflight() const = 0;
  // Whether (topic, partition) is still assigned and not being revoked.
  virtual bool owns(const std::string& topic, int32_t partition) = 0;
  // The partition is rewound: forget what its offset tracker holds.
  virtual void reset_partition(const std::string& topic, int32_t partition) = 0;
  virtual kafka::GroupMetadataHandle group_metadata() = 0;
  virtual kafka::ErrorHandle seek(rd_kafka_topic_partition_list_t* to, int timeout_ms) = 0;
  virtual bool assignment_lost() = 0;
  // A blocking call made progress (the watchdog must not fire while it waits, bounded).
  virtual void progressed() = 0;
};

struct TransactionSettings {
  std::string transactional_id;  // for the log lines
  TransactionLimits limits;
  std::chrono::milliseconds timeout{60000};  // delivery.transaction_timeout
  int poison_limit = 2;                      // DeliveryFailures' limit
};

class TransactionCoordinator {
 public:
  using Clock = std::chrono::steady_clock;

  // `producer`, `host`, `index` and `stats` must outlive the coordinator.
  TransactionCoordinator(TransactionSettings settings, TransactionalProducer& producer,
                         TransactionHost& host, pipeline::DedupIndex& index, Stats& stats);

  // init_transactions (fences any older producer with our transactional.id), retried with
  // backoff until it succeeds or `stop`. A fatal error replaces the producer first. Keeps
  // `stop` (it must outlive the coordinator) to end the retries of later calls.
  bool init(const std::atomic<bool>& stop);

  // Per dispatched input: opens the transaction when none is open; the generation the input
  // belongs to.
  uint64_t admit(std::string_view topic, int32_t partition, int64_t offset, std::size_t bytes);
  // Ends the open transaction when an output failed or a limit is due.
  void tick();
  // Ends the open transaction: commit (outputs + input offsets), else abort and rewind. True
  // when committed (or none was open).
  bool end(std::string_view why);
  // Before partitions are revoked: commit, or abort when the assignment was lost.
  void on_revoke();

  // The current attempt; work of an older one produces nothing.
  uint64_t generation() const { return generation_.load(); }
  bool open() const { return open_; }  // consumer thread

  // A story the open transaction published into the dedup index (forgotten if it aborts).
  void record_published(const pipeline::ContentHash& content, std::string story_id);
  // An output of input (topic, partition, offset) of attempt `generation` failed: fails the
  // open transaction if the input belongs to it. `record_poison` false: the output was a shared
  // state batch, never counted towards a poison dead letter.
  void fail(const std::string& topic, int32_t partition, int64_t offset, uint64_t generation,
            rd_kafka_resp_err_t err, bool record_poison = true);
  // The reason, when the input's outputs failed `poison_limit` times (the input is forgotten).
  std::optional<std::string> take_if_poisoned(std::string_view topic, int32_t partition,
                                              int64_t offset);

 private:
  TxnStep call(const char* what, const std::function<kafka::ErrorHandle()>& fn, std::string& why);
  void begin();
  bool wait_inflight(std::chrono::milliseconds bound);
  bool abort(const char* cause, const std::string& why, bool fatal);
  void rewind(const std::vector<PartitionOffset>& to);
  bool stopping() const { return stop_ != nullptr && stop_->load(); }

  const TransactionSettings settings_;
  TransactionalProducer& producer_;
  TransactionHost& host_;
  pipeline::DedupIndex& index_;
  Stats& stats_;
  TransactionBatch batch_;               // consumer thread only
  DedupRollback rollback_;               // strands add; the consumer thread rolls back/clears
  DeliveryFailures delivery_failures_;   // outputs that failed for a reason of the record
  std::atomic<uint64_t> generation_{1};  // bumped at every abort
  std::atomic<bool> failed_{false};      // an output of the open transaction failed
  std::mutex failure_mu_;
  std::string failure_;   // the first failure of the open transaction; guarded by failure_mu_
  bool open_ = false;     // consumer thread only
  int abort_streak_ = 0;  // consecutive aborts: backoff before the next begin
  const std::atomic<bool>* stop_ = nullptr;
};

}  // namespace wirefeed::daemon
