// Exactly-once delivery (delivery.mode: exactly_once): the pure bookkeeping of one Kafka
// transaction, kept apart from the Service so it can be unit-tested without a broker.
//
// Invariants:
// - A TransactionBatch holds the inputs dispatched since its transaction began, per partition
//   the first and last offset. Offsets are added in consumption order per partition.
// - commit_offsets() = last + 1 per partition: the positions sent with the transaction
//   (rd_kafka_send_offsets_to_transaction). rewind_offsets() = first per partition: where the
//   consumer must seek after an abort. Batches of one partition are contiguous (the next batch
//   starts where the committed one ended), so `first` is the partition's last committed position.
// - due() ends a batch at the first limit reached: messages, bytes, or its age (the interval).
// - DedupRollback records every story an open transaction published into the in-memory dedup
//   index; on abort roll_back() forgets them newest first, so a reprocessed story is not
//   suppressed as a duplicate of its own aborted publication. clear() at commit makes them final.
//   Thread-safe (strands add, the consumer thread rolls back or clears).
// - DeliveryFailures remembers inputs whose output failed for a reason of the record (not of the
//   producer). After `limit` failures the input's next processing publishes a dead letter instead
//   (an input that can never be produced must not abort its partition's transactions forever).
//   Thread-safe; bounded (oldest forgotten first).
// - classify_txn_error maps librdkafka's error flags to the step to take; fatal wins over
//   abortable, abortable over retriable; anything else aborts (the safe choice).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pipeline/dedup.hpp"

namespace wirefeed::daemon {

struct TransactionLimits {
  std::size_t max_messages = 1000;
  std::size_t max_bytes = 16u << 20;
  std::chrono::milliseconds interval{100};
};

struct PartitionOffset {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  bool operator==(const PartitionOffset&) const = default;
};

class TransactionBatch {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // Adds one dispatched input. The first add starts the batch's clock at `now`.
  void add(std::string_view topic, int32_t partition, int64_t offset, std::size_t bytes,
           TimePoint now);
  bool empty() const { return messages_ == 0; }
  std::size_t messages() const { return messages_; }
  std::size_t bytes() const { return bytes_; }
  std::optional<TimePoint> started() const { return started_; }

  // The limit that ends the batch now ("messages", "bytes", "interval"), or nullopt.
  std::optional<std::string_view> due(const TransactionLimits& limits, TimePoint now) const;

  std::vector<PartitionOffset> commit_offsets() const;  // last + 1 per partition
  std::vector<PartitionOffset> rewind_offsets() const;  // first per partition

  void clear();

 private:
  struct Span {
    int64_t first;
    int64_t last;
  };
  std::map<std::pair<std::string, int32_t>, Span> spans_;
  std::size_t messages_ = 0;
  std::size_t bytes_ = 0;
  std::optional<TimePoint> started_;
};

class DedupRollback {
 public:
  void add(const pipeline::ContentHash& content, std::string story_id);
  // Forgets every recorded story in `index` (newest first) and clears; returns how many.
  std::size_t roll_back(pipeline::DedupIndex& index);
  void clear();
  std::size_t size() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<pipeline::ContentHash, std::string>> stories_;
};

class DeliveryFailures {
 public:
  explicit DeliveryFailures(int limit = 2, std::size_t capacity = 10000)
      : limit_(limit), capacity_(capacity) {}
  // Records one failed delivery of an output of input (topic, partition, offset).
  void record(std::string_view topic, int32_t partition, int64_t offset, std::string reason);
  // When the input failed `limit` times: its last reason (and the input is forgotten).
  std::optional<std::string> take_if_poisoned(std::string_view topic, int32_t partition,
                                              int64_t offset);
  std::size_t size() const;

 private:
  struct Entry {
    int failures = 0;
    std::string reason;
  };
  static std::string key(std::string_view topic, int32_t partition, int64_t offset);
  const int limit_;
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
  std::deque<std::string> order_;  // insertion order, for the capacity bound
};

enum class TxnStep {
  kOk,     // no error
  kRetry,  // retriable: call again
  kAbort,  // abort the transaction, roll back, rewind
  kFatal,  // the producer is unusable: recreate it (fences the old), roll back, rewind
};
TxnStep classify_txn_error(bool has_error, bool fatal, bool requires_abort, bool retriable);
std::string_view txn_step_name(TxnStep s);

}  // namespace wirefeed::daemon
