// KafkaSink: the idempotent producer that publishes encoded records, with delivery reports.
//
// Invariants:
// - A record counts as published only when its delivery report arrives with no error; the
//   OnDelivery callback is invoked exactly once per successfully enqueued record (on the sink's
//   own poll thread), including at shutdown (flush) — or with an error when it cannot be sent.
// - produce() applies backpressure: while librdkafka's queue is full it waits (polling is done
//   by the poll thread), bounded by `stop` being set — except on the poll thread itself, which
//   must pass may_wait = false (it would wait for itself) and retry after its next poll.
// - OnPollRound runs on the poll thread after every rd_kafka_poll call, i.e. after each round
//   of delivery reports: the owner can act once per round (e.g. batch what the round
//   delivered) instead of once per record.
// - Idempotence is on (no duplicates or reordering from producer retries).
// - A fatal producer error (the idempotent producer cannot guarantee its sequence any more) does
//   not wedge the sink: the poll thread replaces the librdkafka handle with a fresh one; records
//   still queued on the old handle get a delivery report with ERR__FATAL or ERR__PURGE_* and
//   the owner re-sends them (see kafka::is_producer_failure). produce() never races the swap
//   (shared lock around the handle).
// - Transactional mode (props hold transactional.id): the sink never replaces its producer by
//   itself; the owner drives the transaction API through the txn_* calls (each returns an
//   kafka::ErrorHandle, empty on success) and calls recreate() after a fatal error. recreate()
//   builds a fresh handle and runs init_transactions on it, which fences the old producer; the old
//   handle's records come back purged. Every record then carries the header
//   `wirefeed-origin: <transactional.id>` (kafka::kOriginHeader) so the instance can tell its own
//   records apart.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <shared_mutex>
#include <string_view>
#include <thread>

#include "kafka/client.hpp"
#include "kafka/errors.hpp"
#include "kafka/headers.hpp"
#include "pipeline/encode.hpp"

namespace wirefeed::sinks {

struct DeliveryReport {
  void* opaque = nullptr;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string_view topic;
  int32_t partition = -1;
  int64_t offset = -1;
  const void* payload = nullptr;
  std::size_t len = 0;
};

class KafkaSink {
 public:
  using OnDelivery = std::function<void(const DeliveryReport&)>;
  using OnError = std::function<void(rd_kafka_resp_err_t, const std::string&)>;
  using OnPollRound = std::function<void()>;

  // `props` must contain bootstrap.servers; idempotence and acks=all are forced. With
  // transactional.id in `props` the sink is transactional (call txn_init before producing).
  KafkaSink(kafka::Properties props, OnDelivery on_delivery, OnError on_error = {},
            OnPollRound on_poll_round = {});
  ~KafkaSink();
  KafkaSink(const KafkaSink&) = delete;
  KafkaSink& operator=(const KafkaSink&) = delete;

  // Enqueues one record. Returns NO_ERROR when enqueued (a delivery report will follow), or the
  // error that prevented enqueueing (no delivery report then). The payload is not copied:
  // `out.payload` must stay alive and unchanged until the record's delivery report. With
  // `may_wait` false it never waits: a full queue (or a producer being replaced) returns its
  // error at once (ERR__QUEUE_FULL, ERR__FATAL); the poll thread's way.
  rd_kafka_resp_err_t produce(const pipeline::EncodedOutput& out, void* opaque,
                              const std::atomic<bool>& abandon, bool may_wait = true);

  // Waits up to `timeout` for all outstanding records; returns true if none remain.
  bool flush(std::chrono::milliseconds timeout);
  int outstanding() const;
  bool connected() const { return connected_.load(std::memory_order_relaxed); }
  // How many times a fatal error made the sink replace its producer.
  uint64_t recreated() const { return recreated_.load(std::memory_order_relaxed); }

  // ---- transactional mode (see the invariants above) ----
  bool transactional() const { return !transactional_id_.empty(); }
  const std::string& transactional_id() const { return transactional_id_; }
  kafka::ErrorHandle txn_init(std::chrono::milliseconds timeout);
  kafka::ErrorHandle txn_begin();
  kafka::ErrorHandle txn_send_offsets(const rd_kafka_topic_partition_list_t* offsets,
                                      const rd_kafka_consumer_group_metadata_t* group,
                                      std::chrono::milliseconds timeout);
  kafka::ErrorHandle txn_commit(std::chrono::milliseconds timeout);
  kafka::ErrorHandle txn_abort(std::chrono::milliseconds timeout);
  // Replaces the producer with a fresh one (the caller then runs txn_init on it); blocks until
  // the poll thread has swapped it (bounded, 30 s).
  void recreate(const std::string& why);

 private:
  static void dr_cb(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque);
  static void error_cb(rd_kafka_t*, int err, const char* reason, void* opaque);
  kafka::KafkaHandle make_handle();
  void replace_handle();
  void poll_loop();

  kafka::Properties props_;
  std::string transactional_id_;  // "" unless transactional
  OnDelivery on_delivery_;
  OnError on_error_;
  OnPollRound on_poll_round_;
  mutable std::shared_mutex handle_mu_;  // exclusive only while rk_ is replaced
  kafka::KafkaHandle rk_;
  std::atomic<bool> fatal_{false};
  std::atomic<uint64_t> recreated_{0};
  std::atomic<bool> recreate_requested_{false};
  std::atomic<bool> connected_{false};
  std::atomic<bool> stop_{false};
  std::thread poller_;
};

}  // namespace wirefeed::sinks
