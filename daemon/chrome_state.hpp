// Chrome state: the sightings the chrome learner counts (pipeline/clean/chrome_learner.hpp),
// written to clean.chrome_state_topic, replayed into the learner at start-up and tailed while
// running, so the page chrome learned per source survives a restart and the instances of one
// consumer group learn from each other's stories.
//
// Invariants:
// - Sightings, not learned sets, are persisted: the learner's sighting sink hands over each
//   sighting it counts under its lock, so records carry them in counting order (one instance's
//   records share a key, hence a partition); replaying them in that order with
//   ChromeLearner::replay gives the learned set a learner fed the same stories live has.
// - Replay is bounded: it starts at now - the learner's window (offsets_for_times; older
//   sightings are forgotten by the learner anyway) and ends at the end of the topic, or at
//   clean.chrome_restore_timeout. Start-up never fails on this topic: a topic out of reach, or a
//   replay cut short, only delays learning (logged, counted).
// - Writes do not gate input offsets (unlike the dedup state, I-1/I-4): a sighting lost (queue
//   full, delivery failed, a crash before delivery) delays learning a line by one story; the
//   stories are published either way. Sightings go through a producer of their own, never
//   transactional, so they neither join nor hold up an exactly-once transaction.
// - A story counts once: a story observed again (redelivered after a crash whose sighting was
//   persisted, or seen by two instances around a rebalance) has the same signature and is not
//   counted again by the learner (chrome_learner.hpp states the bound).
// - The tail skips this instance's own records (its `wirefeed-origin` header): the learner
//   counted them when it recorded them.
// - Bounded memory: at most ChromeStateSettings::max_queued sightings wait to be written; more
//   are dropped and counted (chrome_sightings_lost_total).
// - Threads: record() runs on the strands (inside the learner's lock) and only appends to a
//   queue; one thread (wf-chrome-state) tails the topic, writes the queue and serves the
//   producer's delivery reports. start() and stop() are called by the consumer thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "daemon/metrics.hpp"
#include "kafka/client.hpp"
#include "pipeline/clean/chrome_learner.hpp"
#include "wirefeed/v1/story.pb.h"

namespace wirefeed::daemon {

inline constexpr std::string_view kChromeSightingBatchSchema = "wirefeed.v1.ChromeSightingBatch";

// The persisted form of one sighting of `source` observed at `observed`.
v1::ChromeSightingRecord chrome_sighting_record(std::string_view source,
                                                const pipeline::ChromeSighting& s,
                                                std::chrono::sys_seconds observed);

// The sightings a chrome-state record carries; nullopt when the bytes do not parse or its
// `wirefeed-schema` header (nullopt when absent) names another type.
std::optional<v1::ChromeSightingBatch> parse_chrome_record(std::optional<std::string_view> schema,
                                                           const void* data, std::size_t len);

struct ChromeReplayCount {
  std::size_t applied = 0;    // sightings replayed into the learner
  std::size_t malformed = 0;  // sightings without a source or a line
};

// Replays the sightings of `batch`, in order, into `learner` (without its sighting sink).
ChromeReplayCount replay_chrome_batch(pipeline::ChromeLearner& learner,
                                      const v1::ChromeSightingBatch& batch);

// Sets chrome_learned_lines{source} from the learner (called periodically).
void update_chrome_gauges(pipeline::ChromeLearner& learner, Stats& stats);

struct ChromeStateSettings {
  std::string topic;
  kafka::Properties reader;  // consumer properties (bootstrap, security, a group.id never joined)
  kafka::Properties writer;  // producer properties
  std::chrono::milliseconds restore_timeout{30000};
  std::size_t max_queued = 65536;            // sightings waiting to be written
  std::size_t max_batch = 512;               // sightings per record
  std::size_t max_batch_bytes = 256u << 10;  // payload per record (far below message.max.bytes)
};

class ChromeState {
 public:
  // Writes nothing and reads nothing until start(). `learner` must outlive this object.
  ChromeState(ChromeStateSettings settings, pipeline::ChromeLearner& learner, Stats& stats);
  ~ChromeState();
  ChromeState(const ChromeState&) = delete;
  ChromeState& operator=(const ChromeState&) = delete;

  // The learner's sighting sink: queues the sighting for writing (dropped before start(), after
  // stop(), when the topic is out of reach or the queue is full).
  void record(std::string_view source, const pipeline::ChromeSighting& s,
              std::chrono::sys_seconds observed);

  // Replays the topic from now - the learner's window into the learner (bounded by
  // restore_timeout and `stop`), then starts the thread that tails it and writes the queue.
  // Returns the sightings replayed. Never fails: a topic out of reach leaves the state off.
  std::size_t start(const std::atomic<bool>& stop);

  // Writes what is queued, waits up to `flush` for its delivery, stops the thread and closes
  // both clients. Idempotent.
  void stop(std::chrono::milliseconds flush);

  // This process's id in the `wirefeed-origin` header and the key of its records.
  const std::string& instance() const { return instance_; }

 private:
  int wait_for_topic(std::chrono::steady_clock::time_point deadline, const std::atomic<bool>& stop);
  void apply(const rd_kafka_message_t* m);
  bool own(const rd_kafka_message_t* m) const;
  void write_queued();
  void run();
  static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque);

  ChromeStateSettings settings_;
  pipeline::ChromeLearner& learner_;
  Stats& stats_;
  const std::string instance_;
  kafka::KafkaHandle reader_;  // manual assignment; closed by stop()
  kafka::KafkaHandle writer_;
  std::thread thread_;
  std::atomic<bool> writing_{false};  // record() queues only while true
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::vector<v1::ChromeSightingRecord> queue_;  // guarded by mu_
  // Thread and delivery callback (served by that thread, then by stop() after it ended).
  uint64_t write_errors_logged_ = 0;
};

}  // namespace wirefeed::daemon
