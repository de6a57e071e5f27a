// Service. See service.hpp for the invariants.
#include "daemon/service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <thread>
#include <utility>
#include <vector>

#include <unistd.h>

#include "daemon/chrome_state.hpp"
#include "daemon/dedup_state_store.hpp"
#include "daemon/delivery_partition.hpp"
#include "daemon/delivery_tracker.hpp"
#include "daemon/log_throttle.hpp"
#include "daemon/offset_tracker.hpp"
#include "daemon/recent.hpp"
#include "daemon/transaction_coordinator.hpp"
#include "daemon/transactions.hpp"
#include "kafka/headers.hpp"
#include "pipeline/dedup_explain.hpp"
#include "pipeline/encode.hpp"
#include "pipeline/processor.hpp"
#include "pipeline/router.hpp"
#include "sinks/kafka_sink.hpp"
#include "sources/kafka_source.hpp"

namespace wirefeed::daemon {
namespace {

using Clock = std::chrono::steady_clock;
using Strand = PartitionStrand;
using pipeline::InputMessage;
using pipeline::ProcessResult;

// An input waiting for its partition's strand.
struct Queued {
  std::shared_ptr<const InputMessage> msg;
  uint64_t generation = 0;
};

// One assigned partition: the source's handle plus the pipeline's state for it.
struct PartitionState : sources::SourcePartition {
  PartitionState(std::string t, int32_t p, Strand s)
      : SourcePartition(t, p), delivery(std::move(t), p, std::move(s)) {}
  // Strand, offset tracker, in-flight and retry counts, revoked (daemon/delivery_partition.hpp).
  DeliveryPartition delivery;
  // This topic's input counters, looked up once (Family::with takes a mutex).
  Counter* input_messages = nullptr;
  Counter* input_bytes = nullptr;
  // Inputs dispatched but not yet taken by the strand: the strand takes all of them at once, so
  // a burst of one partition costs one post (and at most one worker wake-up), not one each.
  std::mutex queue_mu;
  std::vector<Queued> queue;  // guarded by queue_mu
  bool drain_posted = false;  // guarded by queue_mu: a drain is queued or running on the strand
  std::vector<Queued> taken;  // strand only: the inputs being handled
};

// The routes in force: the compiled Router and each (route, topic)'s counters. Replaced whole on
// SIGHUP; a record keeps the snapshot it was routed with.
struct Routing {
  pipeline::Router router;
  std::map<std::pair<int, std::string>, RouteCounters> counters;
};

// The transaction API of the KafkaSink, for the TransactionCoordinator (consumer thread).
struct SinkTransactions final : TransactionalProducer {
  explicit SinkTransactions(sinks::KafkaSink& s) : sink(s) {}
  kafka::ErrorHandle init(std::chrono::milliseconds timeout) override {
    return sink.txn_init(timeout);
  }
  kafka::ErrorHandle begin() override { return sink.txn_begin(); }
  kafka::ErrorHandle send_offsets(const rd_kafka_topic_partition_list_t* offsets,
                                  const rd_kafka_consumer_group_metadata_t* group,
                                  std::chrono::milliseconds timeout) override {
    return sink.txn_send_offsets(offsets, group, timeout);
  }
  kafka::ErrorHandle commit(std::chrono::milliseconds timeout) override {
    return sink.txn_commit(timeout);
  }
  kafka::ErrorHandle abort(std::chrono::milliseconds timeout) override {
    return sink.txn_abort(timeout);
  }
  void recreate(const std::string& why) override { sink.recreate(why); }
  sinks::KafkaSink& sink;
};

// The DeliveryTracker's sink: the KafkaSink, looked up at each produce (the sink is created after
// the tracker, which its poll thread calls).
struct SinkOutput final : DeliverySink {
  explicit SinkOutput(const std::unique_ptr<sinks::KafkaSink>& s) : sink(s) {}
  rd_kafka_resp_err_t produce(const pipeline::EncodedOutput& out, void* opaque,
                              const std::atomic<bool>& abandon, bool may_wait) override {
    return sink->produce(out, opaque, abandon, may_wait);
  }
  const std::unique_ptr<sinks::KafkaSink>& sink;
};

PartitionState& state_of(const std::shared_ptr<sources::SourcePartition>& p) {
  return static_cast<PartitionState&>(*p);
}

// The delivery view of a partition, sharing its ownership (a Pending keeps the whole
// PartitionState alive after a revoke, as before).
std::shared_ptr<DeliveryPartition> delivery_of(const std::shared_ptr<PartitionState>& ps) {
  return {ps, &ps->delivery};
}

}  // namespace

struct Service::Impl final : sources::SourceHandler, TransactionHost {
  Impl(const Config& c, Stats& s, std::string bootstrap, std::ostream* e, RecentDecisions* r)
      : cfg(c),
        stats(s),
        echo(e),
        recent(r),
        pipe(pipeline::make_pipeline(pipeline_settings(c))),
        index(pipe->index),
        processor(pipe->processor),
        topics{c.output.stories_topic, c.output.duplicates_topic, c.output.dead_letter_topic},
        pool(c.pipeline.workers),
        brokers(std::move(bootstrap)),
        eos(c.delivery.mode == DeliveryMode::kExactlyOnce),
        txn_id(eos ? effective_transactional_id(c, host_name()) : std::string()) {
    create_delivery();  // first: records_published_total's children before the routes'
    set_routes(c.routes);
    create_clients();
    create_transactions();
    create_state_store();
    create_chrome_state();
  }

  const Config& cfg;
  Stats& stats;
  std::ostream* echo;
  RecentDecisions* recent;                   // the status page's ring (null: none)
  std::unique_ptr<pipeline::Pipeline> pipe;  // built as the CLI builds it (pipeline_settings)
  pipeline::DedupIndex& index;
  pipeline::Processor& processor;
  pipeline::OutputTopics topics;
  std::atomic<std::shared_ptr<const Routing>> routing;
  boost::asio::thread_pool pool;
  std::string brokers;
  const bool eos;            // delivery.mode: exactly_once (see daemon/transactions.hpp)
  const std::string txn_id;  // its transactional.id

  std::unique_ptr<sources::KafkaSource> source;  // consumer thread only (owns the partitions)
  std::unique_ptr<sinks::KafkaSink> sink;        // destroyed before the pool/partitions (see ~Impl)
  std::atomic<bool> joined{false};
  std::atomic<uint64_t> progress{0};
  std::atomic<bool> abandon{false};  // stop waiting on a full producer queue
  // Per-input lines during an outage: one summary line per 10 s (with counts).
  LogThrottle already_seen_log{std::chrono::seconds(10)};
  bool global_pause = false;  // consumer thread only

  ~Impl() override {
    abandon.store(true);
    state_store->stop();
    pool.join();
    if (chrome_state) {  // no strand observes any more: the learner's sink can go
      chrome_state->stop(std::chrono::milliseconds(0));
      pipe->chrome.set_sighting_sink(nullptr);
    }
    sink.reset();
  }

  // ---- worker side ---------------------------------------------------------------------------
  // Hot-path metric children, looked up once: Family::with() takes the family's mutex.
  Histogram& decode_seconds = stats.stage_duration_seconds.with({"decode"});
  Histogram& clean_seconds = stats.stage_duration_seconds.with({"clean"});
  Histogram& fingerprint_seconds = stats.stage_duration_seconds.with({"fingerprint"});
  Histogram& dedup_seconds = stats.stage_duration_seconds.with({"dedup"});
  Histogram& encode_seconds = stats.stage_duration_seconds.with({"encode"});

  void handle(const std::shared_ptr<PartitionState>& ps, std::shared_ptr<const InputMessage> msg,
              uint64_t generation = 0) {
    if (eos && eos_handle_special(ps, msg, generation)) return;
    ProcessResult result = processor.process(*msg);
    decode_seconds.observe(result.timings.decode);
    clean_seconds.observe(result.timings.clean);
    fingerprint_seconds.observe(result.timings.fingerprint);
    dedup_seconds.observe(result.timings.dedup);
    stats.boilerplate_spans_removed_total.inc(result.boilerplate_removed);
    if (result.learned_chrome_removed > 0) {  // a source the learner tracks: bounded labels
      stats.chrome_lines_removed_total.with({result.chrome_source})
          .inc(result.learned_chrome_removed);
    }

    auto pending = std::make_shared<Pending>();
    pending->ps = delivery_of(ps);
    pending->msg = std::move(msg);
    if (!cfg.dedup.state_topic.empty()) pending->state = std::move(result.state);
    pending->published = result.published;
    pending->generation = generation;
    if (eos && result.published) {
      txn->record_published(result.published->content, result.published->story_id);
    }
    // Every routed output of every record counts: the offset waits for all of them (I-1).
    const std::shared_ptr<const Routing> routes = routing.load();
    std::vector<std::vector<pipeline::RouteTarget>> targets(result.records.size());
    int outputs = 0;
    for (std::size_t i = 0; i < result.records.size(); ++i) {
      routes->router.route(result.records[i], targets[i]);
      outputs += static_cast<int>(targets[i].size());
    }
    // A record no route sends anywhere (not expected: the default route always applies) has no
    // delivery to wait for, so it can have no state either.
    if (outputs == 0) pending->state.reset();
    if (recent != nullptr && result.records.size() == 1 && outputs > 0) {
      std::vector<std::string> out_topics;
      for (const pipeline::RouteTarget& t : targets[0]) out_topics.push_back(t.topic);
      pending->recent =
          recent_decision(result.records[0],
                          result.decision ? pipeline::verdict_name(result.decision->verdict) : "",
                          result.decision ? pipeline::family_id(result.decision->family) : "",
                          std::move(out_topics), {});
    }
    pending->acks.expect(outputs);
    pending->remaining.store(outputs + (pending->state ? 1 : 0));
    if (result.decision) {
      stats.dedup_verdicts_total
          .with({pipeline::verdict_name(result.decision->verdict),
                 pipeline::to_string(result.decision->reason)})
          .inc();
    }
    if (result.verdict == pipeline::Verdict::kVersionNew) stats.stories_superseded_total.inc();
    if (result.verdict == pipeline::Verdict::kCancel) stats.stories_canceled_total.inc();
    for (std::size_t i = 0; i < result.records.size(); ++i) {
      const v1::Record& rec = result.records[i];
      count_record(rec);
      bool primary = true;
      for (const pipeline::RouteTarget& target : targets[i]) {
        const auto t = Clock::now();
        pipeline::EncodedOutput out = pipeline::encode(rec, target.topic, target.encoding);
        encode_seconds.observe(std::chrono::duration<double>(Clock::now() - t).count());
        RouteCounters rc;
        if (target.route >= 0) {
          auto it = routes->counters.find({target.route, target.topic});
          if (it != routes->counters.end()) rc = it->second;
        }
        delivery->send(pending, std::move(out), primary, rc, /*routed=*/true);
        primary = false;
      }
    }
  }

  // Compiles `routes` (with today's topics as the default route) and looks up their counters.
  void set_routes(const std::vector<pipeline::Route>& routes) {
    auto r = std::make_shared<Routing>();
    r->router = pipeline::Router(routes, topics);
    for (std::size_t i = 0; i < routes.size(); ++i) {
      for (const std::string& t : routes[i].topics) {
        RouteCounters& c = r->counters[{static_cast<int>(i), t}];
        c.records = &stats.route_records_total.with({routes[i].name, t});
        c.bytes = &stats.route_bytes_total.with({routes[i].name, t});
        c.errors = &stats.route_errors_total.with({routes[i].name, t});
      }
    }
    routing.store(std::shared_ptr<const Routing>(std::move(r)));
  }

  void count_record(const v1::Record& rec) {
    if (rec.has_duplicate()) {
      const auto kind = rec.duplicate().kind();
      stats.duplicates_total
          .with({kind == v1::DUPLICATE_KIND_NEAR      ? "near"
                 : kind == v1::DUPLICATE_KIND_VERSION ? "version"
                                                      : "exact"})
          .inc();
    } else if (rec.has_dead_letter()) {
      stats.dead_letters_total.with({v1::DeadLetterReason_Name(rec.dead_letter().reason())}).inc();
    }
  }

  // ---- consumer thread (every SourceHandler callback) ----------------------------------------
  void on_message(const rd_kafka_message_t& message,
                  std::shared_ptr<sources::SourcePartition> partition) override {
    const std::shared_ptr<PartitionState> ps =
        std::static_pointer_cast<PartitionState>(std::move(partition));
    if (ps->delivery.revoked.load()) return;  // redelivered later
    const rd_kafka_message_t* m = &message;

    auto msg = std::make_shared<InputMessage>();
    msg->topic = ps->topic;
    msg->partition = m->partition;
    msg->offset = m->offset;
    if (m->key != nullptr) msg->key.emplace(static_cast<const char*>(m->key), m->key_len);
    if (m->payload != nullptr) msg->value.assign(static_cast<const char*>(m->payload), m->len);
    rd_kafka_timestamp_type_t tstype;
    const int64_t ts = rd_kafka_message_timestamp(m, &tstype);
    if (ts >= 0) msg->timestamp = pipeline::Millis{std::chrono::milliseconds{ts}};
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name = nullptr;
      const void* value = nullptr;
      size_t size = 0;
      for (size_t i = 0;
           rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
           ++i) {
        pipeline::MessageHeader h{name, std::nullopt};
        if (value != nullptr) h.value.emplace(static_cast<const char*>(value), size);
        msg->headers.push_back(std::move(h));
      }
    }
    bool tracked = false;
    {
      std::lock_guard lock(ps->delivery.mu);
      tracked = ps->delivery.tracker.track(m->offset, Clock::now());
    }
    if (!tracked) {
      // Not above the partition's last tracked offset: already seen in this assignment (not
      // expected). It is neither processed nor counted as in flight; its first copy decides.
      stats.input_offsets_already_seen_total.inc();
      if (const auto n = already_seen_log.note(Clock::now())) {
        spdlog::warn(
            "{}[{}] offset {}: already seen on this partition; dropped ({} such drop(s) "
            "since the last such line)",
            ps->topic, ps->partition, m->offset, *n);
      }
      return;
    }
    delivery->admitted(ps->delivery, m->len);
    ps->input_messages->inc();
    ps->input_bytes->inc(m->len);
    const uint64_t generation = eos ? txn->admit(ps->topic, ps->partition, m->offset, m->len) : 0;
    bool post = false;
    {
      std::lock_guard lock(ps->queue_mu);
      ps->queue.push_back(Queued{std::move(msg), generation});
      post = !std::exchange(ps->drain_posted, true);
    }
    if (post) boost::asio::post(ps->delivery.strand, [this, ps] { drain_queue(ps); });
    if (eos) txn->tick();
  }

  // Strand: handles every input queued for the partition so far, in order; re-posts itself
  // (behind the other strands' work) while more arrive.
  void drain_queue(const std::shared_ptr<PartitionState>& ps) {
    {
      std::lock_guard lock(ps->queue_mu);
      ps->taken.swap(ps->queue);
    }
    for (Queued& q : ps->taken) handle(ps, std::move(q.msg), q.generation);
    ps->taken.clear();
    {
      std::lock_guard lock(ps->queue_mu);
      if (ps->queue.empty()) {
        ps->drain_posted = false;
        return;
      }
    }
    boost::asio::post(ps->delivery.strand, [this, ps] { drain_queue(ps); });
  }

  void set_paused(PartitionState& ps, bool pause) {
    if (!source->set_paused(ps, pause)) return;
    spdlog::debug("{} {}[{}] (in flight {})", pause ? "paused" : "resumed", ps.topic, ps.partition,
                  ps.delivery.inflight.load());
  }

  // Backpressure with hysteresis, per partition and over all in-flight bytes.
  void apply_backpressure() {
    const auto bytes = static_cast<std::size_t>(std::max<int64_t>(0, delivery->inflight_bytes()));
    if (!global_pause && bytes > cfg.pipeline.max_inflight_bytes) global_pause = true;
    if (global_pause && bytes <= cfg.pipeline.max_inflight_bytes / 2) global_pause = false;
    int64_t paused = 0;
    for (const auto& [k, p] : source->partitions()) {
      PartitionState& ps = state_of(p);
      const auto n = static_cast<std::size_t>(std::max<int64_t>(0, ps.delivery.inflight.load()));
      if (global_pause || n >= cfg.pipeline.partition_high_water) {
        set_paused(ps, true);
      } else if (n <= cfg.pipeline.partition_low_water) {
        set_paused(ps, false);
      }
      paused += ps.paused ? 1 : 0;
    }
    stats.partitions_paused.set(paused);
  }

  // Stores the committable offset of each partition (never for a revoked one). exactly_once:
  // offsets go with the transaction instead; ends the open transaction when it is due.
  void store_offsets() {
    if (eos) {
      txn->tick();
      return;
    }
    for (const auto& [k, p] : source->partitions()) {
      PartitionState* ps = &state_of(p);
      std::optional<int64_t> next;
      {
        std::lock_guard lock(ps->delivery.mu);
        next = ps->delivery.tracker.take_committable();
      }
      if (!next || ps->delivery.revoked.load()) continue;
      const rd_kafka_resp_err_t err = source->store_offset(*ps, *next);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        stats.offsets_stored_total.inc();
      } else {
        stats.offset_store_errors_total.inc();
        spdlog::warn("offset store {}[{}]@{}: {}", ps->topic, ps->partition, *next,
                     rd_kafka_err2str(err));
      }
    }
  }

  // The age of the oldest input not yet complete on any partition: a stalled partition (or a
  // wedged producer) shows as a growing age even when nothing else moves.
  void update_oldest_inflight() {
    std::optional<Clock::time_point> oldest;
    for (const auto& [k, p] : source->partitions()) {
      PartitionState& ps = state_of(p);
      std::lock_guard lock(ps.delivery.mu);
      const auto since = ps.delivery.tracker.oldest_pending_since();
      if (since && (!oldest || *since < *oldest)) oldest = since;
    }
    const auto age = oldest
                         ? std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - *oldest)
                         : std::chrono::seconds(0);
    stats.oldest_inflight_age_seconds.set(age.count());
    const uint64_t recreated = sink->recreated();
    const uint64_t seen = stats.producer_recreated_total.value();
    if (recreated > seen) stats.producer_recreated_total.inc(recreated - seen);
  }

  void update_lag() {
    for (const auto& [k, p] : source->partitions()) {
      const auto lag = source->lag(*p);
      if (!lag) continue;
      stats.consumer_lag.with({p->topic, std::to_string(p->partition)}).set(*lag);
    }
  }

  // Waits (bounded) for in-flight work of `states` to finish.
  bool drain(const std::vector<std::shared_ptr<sources::SourcePartition>>& states,
             std::chrono::milliseconds bound) {
    const auto deadline = Clock::now() + bound;
    for (;;) {
      int64_t left = 0;
      for (const auto& p : states) {
        const PartitionState& ps = state_of(p);
        left += ps.delivery.retrying.load() > 0 ? 0 : ps.delivery.inflight.load();
      }
      if (left == 0) return true;
      if (Clock::now() >= deadline) {
        spdlog::warn("drain: {} messages still in flight after {} ms; they will be redelivered",
                     left, bound.count());
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  std::shared_ptr<sources::SourcePartition> make_partition(const char* topic,
                                                           int32_t partition) override {
    auto ps = std::make_shared<PartitionState>(topic, partition,
                                               boost::asio::make_strand(pool.get_executor()));
    ps->input_messages = &stats.input_messages_total.with({ps->topic});
    ps->input_bytes = &stats.input_bytes_total.with({ps->topic});
    return ps;
  }

  void on_assigned(int /*added*/, std::size_t owned) override {
    joined.store(true);
    stats.rebalances_total.with({"assign"}).inc();
    stats.partitions_assigned.set(static_cast<int64_t>(owned));
  }

  void on_revoking(const std::vector<std::shared_ptr<sources::SourcePartition>>& states) override {
    drain(states, cfg.pipeline.drain_timeout);
    store_offsets();
    if (eos) txn->on_revoke();
  }

  void on_partition_revoked(sources::SourcePartition& p) override {
    state_of_ref(p).delivery.revoked.store(true);
    stats.consumer_lag.remove({p.topic, std::to_string(p.partition)});
  }

  void on_revoked(int /*removed*/, std::size_t owned) override {
    stats.rebalances_total.with({"revoke"}).inc();
    stats.partitions_assigned.set(static_cast<int64_t>(owned));
  }

  static PartitionState& state_of_ref(sources::SourcePartition& p) {
    return static_cast<PartitionState&>(p);
  }

  kafka::Properties client_properties(const std::map<std::string, std::string>& specific) const {
    kafka::Properties base{{"bootstrap.servers", brokers}, {"client.id", "wirefeedd"}};
    return kafka::merge({&base, &cfg.kafka.properties, &specific});
  }

  // ---- delivery: produce, delivery reports, dedup state batches (daemon/delivery_tracker.hpp) --
  // Created before the sink, whose poll thread calls it (flush_state_batch after every poll).
  SinkOutput sink_output{sink};
  std::unique_ptr<DeliveryTracker> delivery;

  void create_delivery() {
    DeliverySettings settings;
    settings.stories_topic = cfg.output.stories_topic;
    settings.duplicates_topic = cfg.output.duplicates_topic;
    settings.dead_letter_topic = cfg.output.dead_letter_topic;
    settings.state_topic = cfg.dedup.state_topic;
    settings.exactly_once = eos;
    delivery = std::make_unique<DeliveryTracker>(
        std::move(settings), sink_output, pool.get_executor(), index, stats, abandon,
        // Strand: the dead letter replacing an output the broker rejected.
        [this](const InputMessage& msg, std::string detail) {
          v1::Record dl =
              processor.dead_letter(msg, v1::DEAD_LETTER_REASON_DELIVERY_FAILED, std::move(detail));
          count_record(dl);
          return pipeline::encode(dl, topics);
        },
        echo, recent);
  }

  void create_clients() {
    kafka::Properties cprops{{"group.id", cfg.kafka.group_id},
                             {"enable.auto.commit", "true"},
                             {"enable.auto.offset.store", "false"},
                             {"auto.commit.interval.ms", "1000"},
                             {"auto.offset.reset", "earliest"}};
    kafka::Properties consumer_props = client_properties(cfg.kafka.consumer_properties);
    // The embedded (mock) broker holds an empty fetch for the full fetch.wait.max.ms instead of
    // answering when data arrives, so the wait is the consumer hop's latency floor there
    // (bench/RESULTS.md: 20 -> 5 ms took the pass-through p50 from ~27 to ~19 ms).
    if (cfg.embedded_mode()) consumer_props.emplace("fetch.wait.max.ms", "5");
    for (const auto& [k, v] : cprops) consumer_props.emplace(k, v);
    consumer_props["enable.auto.offset.store"] = "false";  // I-1: we store offsets ourselves
    if (eos) {
      consumer_props["enable.auto.commit"] = "false";  // offsets go with the transactions
      consumer_props["isolation.level"] = "read_committed";
    }
    // Offsets are committed at a clean revoke unless they go with the transactions.
    source = std::make_unique<sources::KafkaSource>(
        sources::SourceSettings{std::move(consumer_props), /*commit_on_revoke=*/!eos}, *this);

    kafka::Properties producer_props = client_properties(cfg.kafka.producer_properties);
    if (eos) producer_props["transactional.id"] = txn_id;
    sink = std::make_unique<sinks::KafkaSink>(
        std::move(producer_props),
        [this](const sinks::DeliveryReport& r) { delivery->on_delivery(r); },
        [](rd_kafka_resp_err_t err, const std::string& reason) {
          spdlog::warn("producer: {}: {}", rd_kafka_err2name(err), reason);
        },
        [this] { delivery->flush_state_batch(); });
  }

  // ---- dedup state: replay at start-up, then tail (daemon/dedup_state_store.hpp) --------------
  std::unique_ptr<DedupStateStore> state_store;

  void create_state_store() {
    DedupStateSettings settings;
    settings.topic = cfg.dedup.state_topic;
    settings.reader = client_properties(cfg.kafka.consumer_properties);
    settings.reader["group.id"] = cfg.kafka.group_id + ".state-reader";  // never joins/commits
    if (eos) settings.reader["isolation.level"] = "read_committed";  // aborted state never restores
    settings.restore_timeout = cfg.dedup.restore_timeout;
    settings.start_without_state = cfg.dedup.start_without_state;
    settings.window = cfg.dedup.index.window;
    settings.own_key_prefix = delivery->state_key_prefix();
    if (eos) settings.own_origin = txn_id;
    state_store = std::make_unique<DedupStateStore>(std::move(settings), index, stats);
  }

  // Why the daemon is not ready while it restores the learned chrome ("" once restored).
  std::atomic<bool> restoring{false};
  mutable std::mutex restore_mu;
  std::string restore_reason;  // guarded by restore_mu

  void set_restore_reason(std::string why) {
    std::lock_guard lock(restore_mu);
    restore_reason = std::move(why);
  }

  // ---- learned page chrome: persisted, replayed at start-up, shared (daemon/chrome_state.hpp) -
  std::unique_ptr<ChromeState> chrome_state;  // null when clean.chrome_state_topic is ""

  void create_chrome_state() {
    if (cfg.clean.chrome_state_topic.empty()) return;
    ChromeStateSettings settings;
    settings.topic = cfg.clean.chrome_state_topic;
    settings.reader = client_properties(cfg.kafka.consumer_properties);
    settings.reader["group.id"] = cfg.kafka.group_id + ".chrome-reader";  // never joins/commits
    settings.writer = client_properties(cfg.kafka.producer_properties);
    settings.writer.erase("transactional.id");  // sightings never join a transaction
    settings.writer.emplace("linger.ms", "50");
    settings.restore_timeout = cfg.clean.chrome_restore_timeout;
    chrome_state = std::make_unique<ChromeState>(std::move(settings), pipe->chrome, stats);
    pipe->chrome.set_sighting_sink([cs = chrome_state.get()](std::string_view src,
                                                             const pipeline::ChromeSighting& seen,
                                                             std::chrono::sys_seconds observed) {
      cs->record(src, seen, observed);
    });
  }

  void update_dedup_gauges() {
    const auto st = index.stats();
    stats.dedup_index_entries.set(static_cast<int64_t>(st.entries));
    stats.dedup_index_families.set(static_cast<int64_t>(st.families));
    stats.dedup_index_bytes.set(static_cast<int64_t>(st.bytes));
    const uint64_t seen = stats.dedup_evictions_total.value();
    if (st.evictions > seen) stats.dedup_evictions_total.inc(st.evictions - seen);
  }

  // ---- exactly-once: one Kafka transaction per batch of inputs (delivery.mode) ----------------
  // The coordinator (daemon/transaction_coordinator.hpp) runs the transactions on the consumer
  // thread; the worker and delivery sides below only ask it for the current attempt, for poisoned
  // inputs, and report failed outputs. Work of an aborted attempt (an older generation) produces
  // nothing and completes at once.
  std::unique_ptr<SinkTransactions> txn_producer;  // null unless exactly_once
  std::unique_ptr<TransactionCoordinator> txn;     // null unless exactly_once

  static std::string host_name() {
    std::array<char, 256> buf{};
    if (::gethostname(buf.data(), buf.size() - 1) != 0 || buf[0] == '\0') return "localhost";
    return buf.data();
  }

  void create_transactions() {
    if (!eos) return;
    txn_producer = std::make_unique<SinkTransactions>(*sink);
    TransactionSettings settings;
    settings.transactional_id = txn_id;
    settings.limits = {cfg.delivery.transaction_max_messages, cfg.delivery.transaction_max_bytes,
                       cfg.delivery.transaction_interval};
    settings.timeout = cfg.delivery.transaction_timeout;
    txn = std::make_unique<TransactionCoordinator>(std::move(settings), *txn_producer, *this, index,
                                                   stats);
    delivery->set_transactions(txn.get());
  }

  // TransactionHost (consumer thread).
  int64_t inflight() const override { return delivery->inflight_messages(); }
  bool owns(const std::string& topic, int32_t partition) override {
    const auto p = source->find(topic, partition);
    return p && !state_of(p).delivery.revoked.load();
  }
  void reset_partition(const std::string& topic, int32_t partition) override {
    const auto p = source->find(topic, partition);
    if (!p) return;
    std::lock_guard lock(state_of(p).delivery.mu);
    state_of(p).delivery.tracker = OffsetTracker{};
  }
  kafka::GroupMetadataHandle group_metadata() override { return source->group_metadata(); }
  kafka::ErrorHandle seek(rd_kafka_topic_partition_list_t* to, int timeout_ms) override {
    return source->seek(to, timeout_ms);
  }
  bool assignment_lost() override { return source->assignment_lost(); }
  void progressed() override { progress.fetch_add(1, std::memory_order_relaxed); }

  // Worker side. An input of an aborted attempt is dropped (the rewind reprocesses it); an input
  // whose outputs keep failing for a reason of the record gets a dead letter instead.
  bool eos_handle_special(const std::shared_ptr<PartitionState>& ps,
                          const std::shared_ptr<const InputMessage>& msg, uint64_t generation) {
    auto pending = std::make_shared<Pending>();
    pending->ps = delivery_of(ps);
    pending->msg = msg;
    pending->generation = generation;
    if (generation != txn->generation()) {
      delivery->complete(*pending);
      return true;
    }
    const auto reason = txn->take_if_poisoned(ps->topic, ps->partition, msg->offset);
    if (!reason) return false;
    spdlog::error("{}[{}] offset {}: outputs failed repeatedly ({}); publishing a dead letter",
                  ps->topic, ps->partition, msg->offset, *reason);
    pending->remaining.store(1);
    v1::Record dl = processor.dead_letter(*msg, v1::DEAD_LETTER_REASON_DELIVERY_FAILED,
                                          "output delivery failed: " + *reason);
    count_record(dl);
    delivery->send(pending, pipeline::encode(dl, topics));
    return true;
  }

  // Returns false when the poll timed out with nothing to serve.
  bool poll_once(int timeout_ms, bool accept) { return source->poll_once(timeout_ms, accept); }

  int run(const std::atomic<bool>& stop) {
    if (!state_store->restore(stop)) return 1;
    if (chrome_state) {  // never fails: a topic out of reach only delays learning
      restoring.store(true);
      set_restore_reason("restoring learned page chrome from '" + cfg.clean.chrome_state_topic +
                         "'");
      chrome_state->start(stop);
      restoring.store(false);
    }
    if (eos && !txn->init(stop)) {
      shutdown();
      return 0;
    }
    source->subscribe(cfg.input.topics);
    spdlog::info("consuming {} topic(s) from {} as group '{}'", cfg.input.topics.size(), brokers,
                 cfg.kafka.group_id);
    auto last_lag = Clock::now();
    while (!stop.load()) {
      // Poll in small batches between housekeeping so stored offsets and pauses stay current; a
      // batch ends at the first empty poll (spinning on an empty queue only burns CPU).
      for (int i = 0; i < 256 && !stop.load(); ++i) {
        if (!poll_once(i == 0 ? 100 : 0, true)) break;
        if (delivery->inflight_messages() > 0 && i > 0 && (i % 32) == 0) apply_backpressure();
      }
      apply_backpressure();
      store_offsets();
      update_oldest_inflight();
      progress.fetch_add(1, std::memory_order_relaxed);
      if (Clock::now() - last_lag > std::chrono::seconds(5)) {
        update_lag();
        update_dedup_gauges();
        update_chrome_gauges(pipe->chrome, stats);
        last_lag = Clock::now();
      }
    }
    shutdown();
    return 0;
  }

  void shutdown() {
    spdlog::info("stopping: draining {} in-flight message(s) (bound {} ms)",
                 delivery->inflight_messages(), cfg.pipeline.drain_timeout.count());
    const auto deadline = Clock::now() + cfg.pipeline.drain_timeout;
    while (delivery->inflight_messages() > 0 && Clock::now() < deadline) {
      poll_once(10, false);  // keep serving the group; new messages are left for redelivery
      store_offsets();
    }
    store_offsets();
    if (eos) txn->end("stopping");
    abandon.store(true);
    const rd_kafka_resp_err_t err = eos ? RD_KAFKA_RESP_ERR_NO_ERROR : source->commit();
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
      spdlog::warn("final commit: {}", rd_kafka_err2str(err));
    }
    source->close();
    pool.join();
    if (chrome_state) chrome_state->stop(std::chrono::milliseconds(2000));  // after the strands
    state_store->stop();
    if (sink) sink->flush(std::chrono::milliseconds(2000));
    spdlog::info("stopped: {} message(s) left in flight", delivery->inflight_messages());
  }
};

Service::Service(const Config& cfg, Stats& stats, std::string bootstrap, std::ostream* echo,
                 RecentDecisions* recent)
    : impl_(std::make_unique<Impl>(cfg, stats, std::move(bootstrap), echo, recent)) {}

std::vector<pipeline::Route> Service::routes() const {
  return impl_->routing.load()->router.routes();
}

const pipeline::ChromeLearner& Service::chrome() const { return impl_->pipe->chrome; }

Service::~Service() = default;

int Service::run(const std::atomic<bool>& stop) { return impl_->run(stop); }

std::pair<bool, std::string> Service::readiness() const {
  if (impl_->state_store->restoring()) return {false, impl_->state_store->reason()};
  if (impl_->restoring.load()) {
    std::lock_guard lock(impl_->restore_mu);
    return {false, impl_->restore_reason};
  }
  if (!impl_->joined.load()) return {false, "consumer has not joined its group yet"};
  if (!impl_->sink || !impl_->sink->connected())
    return {false, "producer has no broker connection"};
  return {true, "ready"};
}

void Service::apply_live(const Config& cfg) {
  impl_->set_routes(cfg.routes);
  impl_->processor.set_clean_rules(cfg.clean.rules);
  impl_->index.set_thresholds(cfg.dedup.index.near_enabled, cfg.dedup.index.near_threshold,
                              cfg.dedup.index.version_threshold, cfg.dedup.index.numbers_threshold);
}

uint64_t Service::progress() const { return impl_->progress.load(std::memory_order_relaxed); }

}  // namespace wirefeed::daemon
