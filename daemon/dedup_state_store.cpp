// DedupStateStore. See dedup_state_store.hpp for the invariants.
#include "daemon/dedup_state_store.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/config.hpp"
#include "daemon/state_records.hpp"
#include "kafka/headers.hpp"
#include "kafka/replay.hpp"

namespace wirefeed::daemon {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

DedupStateStore::DedupStateStore(DedupStateSettings settings, pipeline::DedupIndex& index,
                                 Stats& stats)
    : settings_(std::move(settings)), index_(index), stats_(stats) {}

DedupStateStore::~DedupStateStore() { stop(); }

std::string DedupStateStore::reason() const {
  std::lock_guard lock(reason_mu_);
  return reason_;
}

void DedupStateStore::set_reason(std::string why) {
  std::lock_guard lock(reason_mu_);
  reason_ = std::move(why);
}

// Either record type (a single DedupState from older daemons, or a DedupStateBatch).
void DedupStateStore::apply(const rd_kafka_message_t& m) {
  const std::optional<std::string_view> schema = kafka::last_header(&m, kafka::kSchemaHeader);
  const StateRestoreCount n = restore_state_record(index_, schema, m.payload, m.len);
  if (n.malformed > 0) {
    spdlog::warn("dedup state {}[{}]@{}: {} malformed state(s) skipped", settings_.topic,
                 m.partition, m.offset, n.malformed);
  }
  if (n.applied > 0) stats_.dedup_state_restored_total.inc(n.applied);
}

bool DedupStateStore::own_record(const rd_kafka_message_t& m) const {
  if (!settings_.own_origin) {
    const std::string& prefix = settings_.own_key_prefix;
    const std::string_view key(static_cast<const char*>(m.key), m.key != nullptr ? m.key_len : 0);
    return !prefix.empty() && key.size() > prefix.size() && key.starts_with(prefix) &&
           key[prefix.size()] == '-';
  }
  const auto origin = kafka::last_header(&m, kafka::kOriginHeader);
  return origin && *origin == *settings_.own_origin;
}

// Reads the topic's metadata, retrying until it is available or `deadline` passes (or the daemon
// is asked to stop). Returns the partition count, 0 when unavailable.
int DedupStateStore::wait_for_topic(Clock::time_point deadline, const std::atomic<bool>& stop) {
  const std::string& topic = settings_.topic;
  for (int attempt = 1;; ++attempt) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    const int wait_ms = static_cast<int>(std::clamp<int64_t>(left.count(), 100, 2000));
    const kafka::TopicProbe probe = kafka::probe_topic(reader_.get(), topic, wait_ms);
    if (probe.partitions > 0) return probe.partitions;
    const std::string& why = probe.why;
    const auto remaining =
        std::chrono::duration_cast<std::chrono::seconds>(deadline - Clock::now()).count();
    set_reason(
        fmt::format("restoring dedup state: '{}' not available ({}); attempt {}, {} s left of "
                    "dedup.restore_timeout",
                    topic, why, attempt, std::max<int64_t>(remaining, 0)));
    spdlog::warn("dedup.state_topic '{}' is not available ({}); attempt {}, retrying for {} s",
                 topic, why, attempt, std::max<int64_t>(remaining, 0));
    if (Clock::now() >= deadline || stop.load()) return 0;
    const auto pause = std::min(Clock::now() + std::chrono::seconds(1), deadline);
    while (Clock::now() < pause && !stop.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

bool DedupStateStore::restore(const std::atomic<bool>& stop) {
  const std::string& topic = settings_.topic;
  if (topic.empty()) {
    stats_.dedup_restore_complete.set(1);  // nothing to restore
    return true;
  }
  const auto started = Clock::now();
  restoring_.store(true);
  set_reason("restoring dedup state from '" + topic + "'");
  kafka::Properties props = settings_.reader;
  props["enable.auto.commit"] = "false";  // never joins (group.id from the caller), never commits
  props["enable.auto.offset.store"] = "false";
  props.emplace("fetch.wait.max.ms", "50");
  // The end of a partition is its EOF event: a read_committed reader's position passes the
  // transaction markers, which no record offset reaches, so offsets alone never catch up with
  // the high watermark of a transactionally written topic.
  props["enable.partition.eof"] = "true";
  reader_ = kafka::make_client(RD_KAFKA_CONSUMER, kafka::make_conf(props));
  rd_kafka_t* rk = reader_.get();
  const auto deadline = started + settings_.restore_timeout;
  const int parts = wait_for_topic(deadline, stop);
  if (parts == 0) {
    reader_.reset();
    if (stop.load()) return true;  // asked to stop while waiting: not a failure
    if (settings_.start_without_state) {
      spdlog::warn(
          "dedup.state_topic '{}' unreachable for {} (dedup.restore_timeout); starting with an "
          "EMPTY index (dedup.start_without_state): stories published before may be published "
          "again",
          topic, format_duration(settings_.restore_timeout));
      restoring_.store(false);
      return true;
    }
    spdlog::critical(
        "dedup.state_topic '{}' unreachable for {} (dedup.restore_timeout); not starting with "
        "an empty index, which would publish again every story published before. Fix the "
        "brokers or the topic, or set dedup.start_without_state: true to accept that",
        topic, format_duration(settings_.restore_timeout));
    return false;
  }
  // Replay starts at the window's edge: records older than now - window describe stories
  // outside the window (kafka/replay.hpp).
  const kafka::ReplayResult r =
      kafka::replay_from(rk, topic, parts, std::chrono::system_clock::now() - settings_.window,
                         deadline, stop, [this](const rd_kafka_message_t& m) { apply(m); });
  const double secs = std::chrono::duration<double>(Clock::now() - started).count();
  stats_.dedup_restore_duration_seconds.observe(secs);
  if (!r.caught_up) {
    spdlog::warn(
        "dedup state replay stopped after {:.1f}s (dedup.restore_timeout): {} records read, the "
        "newest states not restored; give '{}' time retention of dedup.window (batch keys are "
        "unique, compaction alone never shrinks it) or raise dedup.restore_timeout",
        secs, r.records, topic);
  }
  if (r.caught_up) stats_.dedup_restore_complete.set(1);
  restoring_.store(false);
  const auto st = index_.stats();
  spdlog::info(
      "dedup state: replayed {} record(s) from '{}' in {:.3f}s, skipped {} offset(s) older "
      "than dedup.window; index holds {} stories",
      r.records, topic, secs, r.skipped, st.entries);
  tailer_ = std::thread([this] { tail(); });
  return true;
}

// The tail thread: other instances' records, until stop().
void DedupStateStore::tail() {
  pthread_setname_np(pthread_self(), "wf-state-tail");
  while (!stop_.load()) {
    kafka::MessageHandle m(rd_kafka_consumer_poll(reader_.get(), 100));
    if (m && m->err == RD_KAFKA_RESP_ERR_NO_ERROR && !own_record(*m)) apply(*m);
  }
}

void DedupStateStore::stop() {
  stop_.store(true);
  if (tailer_.joinable()) tailer_.join();
  if (reader_) {
    rd_kafka_consumer_close(reader_.get());
    reader_.reset();
  }
}

}  // namespace wirefeed::daemon
