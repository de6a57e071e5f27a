// DedupStateStore: the read side of dedup.state_topic. At start-up it replays the topic into the
// dedup index (bounded by dedup.restore_timeout, reporting why the daemon is not ready yet);
// then it tails the topic, so the stories other instances of the group decide reach this
// instance's index. The write side (the DedupStateBatch records, I-4) is the delivery tracking's.
//
// Invariants:
// - Replay is bounded: it starts at the window's edge (offsets_for_times at now - dedup.window;
//   a partition the broker cannot answer for replays from its beginning, never wrong, only
//   slower) and ends when every partition reached its end (its high watermark as read before the
//   replay, or its EOF event: a read_committed reader passes transaction markers no record
//   offset reaches), at the restore timeout, or when asked to stop.
// - A topic that stays unreachable for the restore timeout fails start-up (restore() returns
//   false), unless start_without_state accepts an empty index. Being asked to stop while waiting
//   is not a failure.
// - The tail skips this instance's own records (own_record()): their stories are in the index
//   already (decided here). At-least-once: the record key starts with this process's batch key
//   prefix followed by '-'; exactly-once: the `wirefeed-origin` header is our transactional.id
//   (aborted records stay visible on the mock).
// - Both record types restore (daemon/state_records.hpp); malformed states are skipped, logged
//   and never stop the replay.
// - Threads: restore() runs on the consumer thread (Service::run) before the consumer
//   subscribes; the tail runs on a thread of its own (`wf-state-tail`) started by restore() and
//   ended by stop() (called by the Service's shutdown on the consumer thread, or its
//   destructor). The index is thread-safe (the strands read and insert concurrently).
//   restoring() and reason() are read by any thread (the HTTP thread's /readyz).
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "daemon/metrics.hpp"
#include "kafka/client.hpp"
#include "pipeline/dedup.hpp"

namespace wirefeed::daemon {

struct DedupStateSettings {
  std::string topic;         // dedup.state_topic ("" = no state: restore() only marks complete)
  kafka::Properties reader;  // consumer properties (bootstrap, security, a group.id never joined,
                             // isolation.level); the store adds what a replaying reader needs
  std::chrono::milliseconds restore_timeout{60000};  // dedup.restore_timeout
  bool start_without_state = false;                  // dedup.start_without_state
  std::chrono::system_clock::duration window{};      // dedup.window: where the replay starts
  // Own-record filter (see own_record()): the key prefix of this process's state batches
  // (at_least_once), or, when set, the transactional.id in the origin header (exactly_once).
  std::string own_key_prefix;
  std::optional<std::string> own_origin;
};

class DedupStateStore {
 public:
  // Reads nothing until restore(). `index` and `stats` must outlive the store.
  DedupStateStore(DedupStateSettings settings, pipeline::DedupIndex& index, Stats& stats);
  ~DedupStateStore();  // stop()
  DedupStateStore(const DedupStateStore&) = delete;
  DedupStateStore& operator=(const DedupStateStore&) = delete;

  // Replays the topic into the index, then starts the tail. False when start-up must fail: the
  // topic stayed unreachable for the restore timeout and start_without_state is off.
  bool restore(const std::atomic<bool>& stop);

  // Ends the tail and closes the reader. Idempotent.
  void stop();

  // Applies one state-topic record (either record type) to the index.
  void apply(const rd_kafka_message_t& m);

  // Whether `m` is a record this process wrote (the tail skips it).
  bool own_record(const rd_kafka_message_t& m) const;

  // While restoring: not ready, and why.
  bool restoring() const { return restoring_.load(); }
  std::string reason() const;

 private:
  int wait_for_topic(std::chrono::steady_clock::time_point deadline, const std::atomic<bool>& stop);
  void set_reason(std::string why);
  void tail();

  const DedupStateSettings settings_;
  pipeline::DedupIndex& index_;
  Stats& stats_;
  kafka::KafkaHandle reader_;  // restore() creates it; the tail thread polls it; stop() closes
  std::thread tailer_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> restoring_{false};
  mutable std::mutex reason_mu_;
  std::string reason_;  // guarded by reason_mu_
};

}  // namespace wirefeed::daemon
