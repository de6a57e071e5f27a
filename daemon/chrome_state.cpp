// Chrome state. See chrome_state.hpp for the invariants.
#include "daemon/chrome_state.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>
#include <utility>

#include "kafka/headers.hpp"
#include "kafka/replay.hpp"

namespace wirefeed::daemon {
namespace {

using Clock = std::chrono::steady_clock;

// A random id for this process: the key and `wirefeed-origin` of its records.
std::string chrome_instance_id() {
  std::random_device rd;
  const uint64_t v = (uint64_t{rd()} << 32) ^ rd();
  return fmt::format("chrome-{:016x}", v);
}

}  // namespace

v1::ChromeSightingRecord chrome_sighting_record(std::string_view source,
                                                const pipeline::ChromeSighting& s,
                                                std::chrono::sys_seconds observed) {
  v1::ChromeSightingRecord r;
  r.set_source(std::string(source));
  for (const std::string& line : s.lines) r.add_lines(line);
  r.set_story(s.story);
  r.set_templated(s.templated);
  r.set_observed_at(observed.time_since_epoch().count());
  return r;
}

std::optional<v1::ChromeSightingBatch> parse_chrome_record(std::optional<std::string_view> schema,
                                                           const void* data, std::size_t len) {
  if (schema && *schema != kChromeSightingBatchSchema) return std::nullopt;
  if (data == nullptr && len > 0) return std::nullopt;
  v1::ChromeSightingBatch batch;
  if (!batch.ParseFromArray(data, static_cast<int>(len))) return std::nullopt;
  return batch;
}

ChromeReplayCount replay_chrome_batch(pipeline::ChromeLearner& learner,
                                      const v1::ChromeSightingBatch& batch) {
  ChromeReplayCount n;
  pipeline::ChromeSighting s;
  for (const v1::ChromeSightingRecord& r : batch.sightings()) {
    if (r.source().empty() || r.lines_size() == 0) {
      ++n.malformed;
      continue;
    }
    s.lines.assign(r.lines().begin(), r.lines().end());
    s.story = r.story();
    s.templated = r.templated();
    learner.replay(r.source(), s, std::chrono::sys_seconds(std::chrono::seconds(r.observed_at())));
    ++n.applied;
  }
  return n;
}

void update_chrome_gauges(pipeline::ChromeLearner& learner, Stats& stats) {
  for (const auto& [source, lines] : learner.learned_counts()) {
    stats.chrome_learned_lines.with({source}).set(static_cast<int64_t>(lines));
  }
}

ChromeState::ChromeState(ChromeStateSettings settings, pipeline::ChromeLearner& learner,
                         Stats& stats)
    : settings_(std::move(settings)),
      learner_(learner),
      stats_(stats),
      instance_(chrome_instance_id()) {}

ChromeState::~ChromeState() { stop(std::chrono::milliseconds(0)); }

void ChromeState::record(std::string_view source, const pipeline::ChromeSighting& s,
                         std::chrono::sys_seconds observed) {
  if (!writing_.load(std::memory_order_relaxed)) return;
  std::lock_guard lock(mu_);
  if (queue_.size() >= settings_.max_queued) {
    stats_.chrome_sightings_lost_total.inc();
    return;
  }
  queue_.push_back(chrome_sighting_record(source, s, observed));
}

// The topic's partition count, retrying while the brokers cannot answer until `deadline`; 0 when
// it does not exist (a broker said so: no retry, --check-connect names it) or stays out of reach.
int ChromeState::wait_for_topic(Clock::time_point deadline, const std::atomic<bool>& stop) {
  const std::string& topic = settings_.topic;
  for (int attempt = 1;; ++attempt) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    const int wait_ms = static_cast<int>(std::clamp<int64_t>(left.count(), 100, 2000));
    const kafka::TopicProbe probe = kafka::probe_topic(reader_.get(), topic, wait_ms);
    if (probe.partitions > 0) return probe.partitions;
    if (probe.missing) {
      spdlog::warn(
          "clean.chrome_state_topic '{}' does not exist: learned page chrome is neither restored "
          "nor persisted, nor shared with the group (create the topic, see README)",
          topic);
      return 0;
    }
    const std::string& why = probe.why;
    if (Clock::now() >= deadline || stop.load()) {
      spdlog::warn(
          "clean.chrome_state_topic '{}' not available ({}) after {} attempt(s): starting without "
          "the learned page chrome, which is learned again from the stream",
          topic, why, attempt);
      return 0;
    }
    const auto pause = std::min(Clock::now() + std::chrono::milliseconds(500), deadline);
    while (Clock::now() < pause && !stop.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

bool ChromeState::own(const rd_kafka_message_t* m) const {
  const auto origin = kafka::last_header(m, kafka::kOriginHeader);
  return origin && *origin == instance_;
}

void ChromeState::apply(const rd_kafka_message_t* m) {
  const auto batch =
      parse_chrome_record(kafka::last_header(m, kafka::kSchemaHeader), m->payload, m->len);
  if (!batch) {
    spdlog::warn("chrome state {}[{}]@{}: not a ChromeSightingBatch, skipped", settings_.topic,
                 m->partition, m->offset);
    return;
  }
  const ChromeReplayCount n = replay_chrome_batch(learner_, *batch);
  if (n.malformed > 0) {
    spdlog::warn("chrome state {}[{}]@{}: {} malformed sighting(s) skipped", settings_.topic,
                 m->partition, m->offset, n.malformed);
  }
  stats_.chrome_sightings_restored_total.inc(n.applied);
}

std::size_t ChromeState::start(const std::atomic<bool>& stop) {
  if (thread_.joinable() || stopping_.load()) return 0;
  const auto started = Clock::now();
  const std::string& topic = settings_.topic;
  kafka::Properties rprops = settings_.reader;
  rprops["enable.auto.commit"] = "false";
  rprops["enable.auto.offset.store"] = "false";
  rprops["enable.partition.eof"] = "true";  // the end of each partition, for the replay
  rprops.emplace("fetch.wait.max.ms", "50");
  try {
    reader_ = kafka::make_client(RD_KAFKA_CONSUMER, kafka::make_conf(rprops));
    kafka::ConfHandle wconf = kafka::make_conf(settings_.writer);
    rd_kafka_conf_set_dr_msg_cb(wconf.get(), &ChromeState::on_delivery);
    rd_kafka_conf_set_opaque(wconf.get(), this);
    writer_ = kafka::make_client(RD_KAFKA_PRODUCER, std::move(wconf));
  } catch (const std::exception& e) {
    spdlog::warn("clean.chrome_state_topic '{}': {}; learned page chrome is not persisted", topic,
                 e.what());
    reader_.reset();
    writer_.reset();
    return 0;
  }
  const int parts = wait_for_topic(started + settings_.restore_timeout, stop);
  if (parts == 0) {
    reader_.reset();
    writer_.reset();
    return 0;
  }

  // Replay from the window's edge: the learner forgets older sightings (kafka/replay.hpp). This
  // instance's records too: they are from before its start.
  const uint64_t restored_before = stats_.chrome_sightings_restored_total.value();
  const kafka::ReplayResult r = kafka::replay_from(
      reader_.get(), topic, parts, std::chrono::system_clock::now() - learner_.config().window,
      started + settings_.restore_timeout, stop,
      [this](const rd_kafka_message_t& m) { apply(&m); });
  const auto replayed =
      static_cast<std::size_t>(stats_.chrome_sightings_restored_total.value() - restored_before);
  const double secs = std::chrono::duration<double>(Clock::now() - started).count();
  if (!r.caught_up) {
    spdlog::warn(
        "chrome state replay stopped after {:.1f}s (clean.chrome_restore_timeout): {} record(s) "
        "read; the newest sightings are not restored and are learned again from the stream",
        secs, r.records);
  }
  spdlog::info("chrome state: replayed {} sighting(s) in {} record(s) from '{}' in {:.3f}s",
               replayed, r.records, topic, secs);
  writing_.store(true);
  thread_ = std::thread([this] { run(); });
  return replayed;
}

void ChromeState::run() {
  pthread_setname_np(pthread_self(), "wf-chrome-state");
  while (!stopping_.load()) {
    // The tail: other instances' sightings, as they are written (own records were counted).
    kafka::MessageHandle m(rd_kafka_consumer_poll(reader_.get(), 100));
    if (m && m->err == RD_KAFKA_RESP_ERR_NO_ERROR && !own(m.get())) apply(m.get());
    write_queued();
    rd_kafka_poll(writer_.get(), 0);  // delivery reports
  }
  write_queued();
}

void ChromeState::write_queued() {
  std::vector<v1::ChromeSightingRecord> queued;
  {
    std::lock_guard lock(mu_);
    queued.swap(queue_);
  }
  std::size_t i = 0;
  while (i < queued.size()) {
    v1::ChromeSightingBatch batch;
    std::size_t bytes = 0;
    for (; i < queued.size() &&
           static_cast<std::size_t>(batch.sightings_size()) < settings_.max_batch;
         ++i) {
      const std::size_t n = queued[i].ByteSizeLong();
      if (batch.sightings_size() > 0 && bytes + n > settings_.max_batch_bytes) break;
      bytes += n + 4;
      *batch.add_sightings() = std::move(queued[i]);
    }
    std::string payload;
    batch.SerializeToString(&payload);
    const auto count = static_cast<std::size_t>(batch.sightings_size());
    kafka::HeadersHandle hdrs(rd_kafka_headers_new(3));
    rd_kafka_header_add(hdrs.get(), kafka::kSchemaHeader, -1, kChromeSightingBatchSchema.data(),
                        static_cast<ssize_t>(kChromeSightingBatchSchema.size()));
    rd_kafka_header_add(hdrs.get(), "content-type", -1, "application/x-protobuf", -1);
    rd_kafka_header_add(hdrs.get(), kafka::kOriginHeader, -1, instance_.data(),
                        static_cast<ssize_t>(instance_.size()));
    void* opaque = reinterpret_cast<void*>(static_cast<uintptr_t>(count));  // for the report
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"  // RD_KAFKA_V_* macros
#pragma GCC diagnostic ignored "-Wpedantic"        // clang: their GNU statement expressions
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        writer_.get(), RD_KAFKA_V_TOPIC(settings_.topic.c_str()),
        RD_KAFKA_V_KEY(instance_.data(), instance_.size()),
        RD_KAFKA_V_VALUE(payload.data(), payload.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_HEADERS(hdrs.get()), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
#pragma GCC diagnostic pop
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      (void)hdrs.release();  // owned by the message now
    } else {
      stats_.chrome_sightings_lost_total.inc(count);
      if (write_errors_logged_++ % 1000 == 0) {
        spdlog::warn("chrome state: {} sighting(s) not written to '{}' ({}); learning is delayed",
                     count, settings_.topic, rd_kafka_err2str(err));
      }
    }
  }
}

void ChromeState::on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* self = static_cast<ChromeState*>(opaque);
  const auto count = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(m->_private));
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    self->stats_.chrome_sightings_written_total.inc(count);
    return;
  }
  self->stats_.chrome_sightings_lost_total.inc(count);
  if (self->write_errors_logged_++ % 1000 == 0) {
    spdlog::warn("chrome state: {} sighting(s) not delivered to '{}' ({}); learning is delayed",
                 count, self->settings_.topic, rd_kafka_err2str(m->err));
  }
}

void ChromeState::stop(std::chrono::milliseconds flush) {
  writing_.store(false);
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
  if (writer_) {
    rd_kafka_flush(writer_.get(), static_cast<int>(flush.count()));
    const int left = rd_kafka_outq_len(writer_.get());
    if (left > 0) spdlog::warn("chrome state: {} record(s) not delivered at stop", left);
    writer_.reset();
  }
  if (reader_) {
    rd_kafka_consumer_close(reader_.get());
    reader_.reset();
  }
}

}  // namespace wirefeed::daemon
