// KafkaSource: the daemon's Kafka consumer. It creates the consumer, subscribes, polls, handles
// rebalances, pauses and resumes partitions, reads their lag and stores their offsets; each
// consumed message goes to the pipeline as (message, partition handle) through SourceHandler.
//
// Invariants:
// - Consumer thread only: every member function, and every SourceHandler callback, runs on the
//   thread that calls poll_once (librdkafka serves rebalances from inside the poll). The class
//   holds no lock because nothing else may touch it; partitions() is that thread's view.
// - A partition handle exists exactly while its partition is assigned: made by the handler at
//   assign (before rd_kafka_assign), dropped at revoke after the handler's on_revoking and
//   on_partition_revoked ran (before the unassign). Its `paused` flag mirrors the consumer.
// - Offsets are never stored by the source on its own: store_offset is the owner's call. With
//   commit_on_revoke the stored offsets are committed synchronously at a revoke (unless the
//   assignment was lost), so the next owner resumes where this one finished.
// - A revoked partition's messages still buffered in librdkafka never reach the handler.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/client.hpp"

namespace wirefeed::sources {

// One assigned partition. The pipeline derives its own per-partition state from it.
struct SourcePartition {
  SourcePartition(std::string t, int32_t p) : topic(std::move(t)), partition(p) {}
  virtual ~SourcePartition() = default;
  SourcePartition(const SourcePartition&) = delete;
  SourcePartition& operator=(const SourcePartition&) = delete;

  const std::string topic;
  const int32_t partition;
  bool paused = false;  // consumer thread only (KafkaSource::set_paused)
};

// The pipeline side of the source. Every call comes on the consumer thread, from inside
// KafkaSource::poll_once.
class SourceHandler {
 public:
  virtual ~SourceHandler() = default;
  // A partition is being assigned: its handle (the pipeline's state for it).
  virtual std::shared_ptr<SourcePartition> make_partition(const char* topic, int32_t partition) = 0;
  // One consumed message of an assigned partition.
  virtual void on_message(const rd_kafka_message_t& m,
                          std::shared_ptr<SourcePartition> partition) = 0;
  // After an assignment: `added` partitions were assigned; the source now owns `owned`.
  virtual void on_assigned(int added, std::size_t owned) = 0;
  // Partitions are about to be revoked (still owned, still in partitions()): finish their work.
  virtual void on_revoking(const std::vector<std::shared_ptr<SourcePartition>>& parts) = 0;
  // One revoked partition, right before its handle is dropped.
  virtual void on_partition_revoked(SourcePartition& partition) = 0;
  // After a revoke of `removed` partitions; the source now owns `owned`.
  virtual void on_revoked(int removed, std::size_t owned) = 0;
};

struct SourceSettings {
  kafka::Properties properties;  // consumer properties (bootstrap.servers, group.id, ...)
  bool commit_on_revoke = true;  // commit stored offsets synchronously at a (clean) revoke
};

class KafkaSource {
 public:
  using PartitionMap = std::map<std::string, std::shared_ptr<SourcePartition>>;

  // Creates the consumer (throws std::runtime_error on a bad property). `handler` must outlive
  // the source.
  KafkaSource(SourceSettings settings, SourceHandler& handler);
  ~KafkaSource();
  KafkaSource(const KafkaSource&) = delete;
  KafkaSource& operator=(const KafkaSource&) = delete;

  // Subscribes to `topics`; throws std::runtime_error on failure.
  void subscribe(const std::vector<std::string>& topics);

  // One poll. A message of an assigned partition goes to the handler when `accept` (otherwise
  // it is left for redelivery). Returns false when the poll timed out with nothing to serve.
  bool poll_once(int timeout_ms, bool accept);

  const PartitionMap& partitions() const { return partitions_; }
  std::shared_ptr<SourcePartition> find(std::string_view topic, int32_t partition) const;

  // Pauses or resumes fetching one partition. True when its state changed.
  bool set_paused(SourcePartition& p, bool pause);

  // Stores `next` as the partition's offset for the next (auto) commit.
  rd_kafka_resp_err_t store_offset(const SourcePartition& p, int64_t next);

  // Messages between the partition's position and its high watermark; nullopt when unknown.
  std::optional<int64_t> lag(const SourcePartition& p) const;

  // Synchronous commit of the stored offsets.
  rd_kafka_resp_err_t commit();

  // Seeks every partition of `to` (a list the caller built); the list's elements carry the
  // per-partition results.
  kafka::ErrorHandle seek(rd_kafka_topic_partition_list_t* to, int timeout_ms);

  // Whether the current revoke lost the partitions (no commit possible any more).
  bool assignment_lost() const;

  // The group metadata, for offsets sent with a transaction.
  kafka::GroupMetadataHandle group_metadata() const;

  // Leaves the group (rd_kafka_consumer_close; a clean revoke first); the source serves no more
  // polls afterwards. The destructor closes an unclosed source.
  void close();

 private:
  static void rebalance_cb(rd_kafka_t*, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* parts, void* opaque);
  std::shared_ptr<SourcePartition> find_partition(const rd_kafka_message_t* m);
  void on_assign(rd_kafka_topic_partition_list_t* parts);
  void on_revoke(rd_kafka_topic_partition_list_t* parts);

  SourceHandler& handler_;
  const bool commit_on_revoke_;
  bool closed_ = false;
  kafka::KafkaHandle consumer_;
  PartitionMap partitions_;
  // The partition of the previous message (consecutive messages mostly share it): saves building
  // the key string and the map lookup. Cleared on every rebalance.
  const rd_kafka_topic_t* last_rkt_ = nullptr;
  std::shared_ptr<SourcePartition> last_partition_;
};

// The key of a partition in PartitionMap: "topic/partition".
std::string partition_key(std::string_view topic, int32_t partition);

}  // namespace wirefeed::sources
