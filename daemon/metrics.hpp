// Metrics registry: lock-free primitives, labelled families, and the one declarative list of
// every wirefeed metric (WIREFEED_STATS), rendered in Prometheus text format 0.0.4.
//
// Invariants:
// - Every metric is declared exactly once, in WIREFEED_STATS. The list generates the Stats
//   members and Stats::render(); no other code spells or formats a metric name.
// - Hot path is lock-free: Counter/Gauge/Histogram updates are relaxed atomics, no allocation.
//   Only Family::with() takes a mutex (find-or-create); callers may cache its result.
// - A reference returned by Family::with() stays valid for the lifetime of the family
//   (node-stable std::map, children are never destroyed; remove() only hides a series).
// - Rendering is deterministic: declaration order, children sorted by label values, then the
//   process_* metrics read from /proc/self at scrape time.
// - No global mutable state: the daemon owns one Stats and passes references.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace wirefeed::daemon {

// Monotonic counter.
class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// Value that goes up and down.
class Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void set(std::int64_t v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(std::int64_t n) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  void sub(std::int64_t n) noexcept { value_.fetch_sub(n, std::memory_order_relaxed); }
  void inc() noexcept { add(1); }
  void dec() noexcept { sub(1); }
  std::int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

// Fixed-bucket histogram of durations in seconds. Bucket i counts observations <= bounds[i];
// one extra bucket counts everything above the last bound (+Inf). NaN observations are ignored.
class Histogram {
 public:
  // Bounds must be non-empty, finite and strictly increasing (std::invalid_argument otherwise).
  explicit Histogram(std::vector<double> bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void observe(double seconds) noexcept;
  template <class Rep, class Period>
  void observe(std::chrono::duration<Rep, Period> d) noexcept {
    observe(std::chrono::duration<double>(d).count());
  }

  struct Snapshot {
    std::vector<double> bounds;          // upper bounds, without +Inf
    std::vector<std::uint64_t> buckets;  // per-bucket (NOT cumulative), size bounds+1
    std::uint64_t count = 0;             // == sum of buckets
    double sum = 0;
  };
  Snapshot snapshot() const;
  const std::vector<double>& bounds() const noexcept { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<double> sum_{0.0};
};

// Observes the elapsed steady-clock time into a histogram when it goes out of scope.
class ScopedTimer {
 public:
  explicit ScopedTimer(Histogram& h) noexcept : h_(h), start_(std::chrono::steady_clock::now()) {}
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;
  ~ScopedTimer() { h_.observe(std::chrono::steady_clock::now() - start_); }

 private:
  Histogram& h_;
  std::chrono::steady_clock::time_point start_;
};

namespace detail {
// Lexicographic order over label-value tuples; transparent so lookups need no allocation.
struct LabelValuesLess {
  using is_transparent = void;
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    return std::lexicographical_compare(
        a.begin(), a.end(), b.begin(), b.end(),
        [](std::string_view x, std::string_view y) { return x < y; });
  }
};
void validate_label_names(std::span<const std::string> names, bool histogram);
void validate_bounds(std::span<const double> bounds);
[[noreturn]] void throw_label_arity(std::size_t want, std::size_t got);
}  // namespace detail

// A metric with a fixed set of label names; one child per distinct tuple of label values.
template <class Child>
class Family {
 public:
  static constexpr bool kIsHistogram = std::is_same_v<Child, Histogram>;

  explicit Family(std::vector<std::string> label_names) requires(!kIsHistogram)
      : label_names_(std::move(label_names)) {
    detail::validate_label_names(label_names_, false);
  }
  Family(std::vector<std::string> label_names, std::vector<double> bounds) requires(kIsHistogram)
      : label_names_(std::move(label_names)), bounds_(std::move(bounds)) {
    detail::validate_label_names(label_names_, true);
    detail::validate_bounds(bounds_);
  }
  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;

  // Finds or creates the child for these label values (one per label name, in declaration
  // order; std::invalid_argument on a count mismatch). The reference stays valid for the life
  // of the family. Takes a mutex: cache the result on hot paths.
  Child& with(std::initializer_list<std::string_view> values) {
    return find_or_create(std::span<const std::string_view>(values.begin(), values.size()));
  }
  Child& with(std::span<const std::string_view> values) { return find_or_create(values); }
  Child& with(const std::vector<std::string>& values) {
    std::vector<std::string_view> views(values.begin(), values.end());
    return find_or_create(views);
  }

  // Stops exporting the series for these label values (e.g. a revoked partition's lag). The
  // child is kept, so cached references stay valid; the next with() for the same values
  // exports it again with its current value. Returns false if there was no such series.
  bool remove(std::initializer_list<std::string_view> values) {
    return hide(std::span<const std::string_view>(values.begin(), values.size()));
  }
  bool remove(const std::vector<std::string>& values) {
    std::vector<std::string_view> views(values.begin(), values.end());
    return hide(views);
  }

  const std::vector<std::string>& label_names() const noexcept { return label_names_; }
  const std::vector<double>& bounds() const noexcept { return bounds_; }  // histograms only

  // Calls f(const std::vector<std::string>& values, const Child&) for every exported child in
  // label order, under the family mutex (f must not call back into this family).
  template <class F>
  void for_each(F&& f) const {
    std::lock_guard lock(mu_);
    for (const auto& [values, node] : children_) {
      if (node.visible) f(values, node.child);
    }
  }

 private:
  struct Node {
    template <class... Args>
    explicit Node(Args&&... args) : child(std::forward<Args>(args)...) {}
    Child child;
    bool visible = true;  // guarded by mu_
  };

  Child& find_or_create(std::span<const std::string_view> values) {
    if (values.size() != label_names_.size()) throw_arity(values.size());
    std::lock_guard lock(mu_);
    auto it = children_.find(values);
    if (it == children_.end()) {
      std::vector<std::string> key(values.begin(), values.end());
      if constexpr (kIsHistogram) {
        it = children_.try_emplace(std::move(key), bounds_).first;
      } else {
        it = children_.try_emplace(std::move(key)).first;
      }
    }
    it->second.visible = true;
    return it->second.child;
  }
  bool hide(std::span<const std::string_view> values) {
    std::lock_guard lock(mu_);
    auto it = children_.find(values);
    if (it == children_.end() || !it->second.visible) return false;
    it->second.visible = false;
    return true;
  }
  [[noreturn]] void throw_arity(std::size_t got) const {
    detail::throw_label_arity(label_names_.size(), got);
  }

  const std::vector<std::string> label_names_;
  const std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, Node, detail::LabelValuesLess> children_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

// ---- rendering (Prometheus text exposition format 0.0.4) ------------------------------------
// Each appends "# HELP", "# TYPE" and the samples of one metric family to `out`.
void render_metric(std::string& out, std::string_view name, std::string_view help, const Counter&);
void render_metric(std::string& out, std::string_view name, std::string_view help, const Gauge&);
void render_metric(std::string& out, std::string_view name, std::string_view help,
                   const Histogram&);
void render_metric(std::string& out, std::string_view name, std::string_view help,
                   const CounterFamily&);
void render_metric(std::string& out, std::string_view name, std::string_view help,
                   const GaugeFamily&);
void render_metric(std::string& out, std::string_view name, std::string_view help,
                   const HistogramFamily&);
// process_resident_memory_bytes, process_virtual_memory_bytes, process_cpu_seconds_total,
// process_open_fds, process_max_fds, process_start_time_seconds from /proc/self. Metrics whose
// source cannot be read are omitted.
void render_process_metrics(std::string& out);
// Escapes a label value (\\, \", \n) / HELP text (\\, \n).
std::string escape_label_value(std::string_view v);
std::string escape_help(std::string_view v);

// Build identity (WIREFEED_VERSION / WIREFEED_GIT_COMMIT from the build, else defaults).
std::string_view build_version() noexcept;
std::string_view build_commit() noexcept;

// ---- the metric list -----------------------------------------------------------------------
// COUNTER(name, help)                     COUNTER_FAMILY(name, help, (labels...))
// GAUGE(name, help)                       GAUGE_FAMILY(name, help, (labels...))
// HISTOGRAM(name, help, (bounds...))      HISTOGRAM_FAMILY(name, help, (labels...), (bounds...))
// Names get the "wirefeed_" prefix when rendered. Counters end in _total; units are base units.
#define WIREFEED_STAGE_BUCKETS (1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 1e-2, 0.1, 1.0)
#define WIREFEED_LATENCY_BUCKETS \
  (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

#define WIREFEED_STATS(COUNTER, COUNTER_FAMILY, GAUGE, GAUGE_FAMILY, HISTOGRAM, HISTOGRAM_FAMILY)  \
  GAUGE_FAMILY(build_info, "Build information; value is always 1", ("version", "commit"))          \
  COUNTER_FAMILY(input_messages_total, "Kafka messages consumed", ("topic"))                       \
  COUNTER_FAMILY(input_bytes_total, "Kafka message payload bytes consumed", ("topic"))             \
  COUNTER_FAMILY(records_published_total,                                                          \
                 "Records produced, by output topic and kind (story|duplicate|dead_letter)",       \
                 ("topic", "kind"))                                                                \
  COUNTER_FAMILY(duplicates_total, "Duplicate stories detected, by kind (exact|near|version)",     \
                 ("kind"))                                                                         \
  COUNTER_FAMILY(dead_letters_total, "Messages sent to the dead-letter topic, by reason",          \
                 ("reason"))                                                                       \
  COUNTER(boilerplate_spans_removed_total, "Boilerplate text spans removed by the cleaner")        \
  COUNTER_FAMILY(producer_delivery_errors_total, "Failed producer delivery reports, by topic",     \
                 ("topic"))                                                                        \
  COUNTER(offsets_stored_total, "Consumer offsets stored after successful delivery")               \
  COUNTER(offset_store_errors_total, "Consumer offset store failures")                             \
  COUNTER(input_offsets_already_seen_total,                                                        \
          "Consumed messages dropped because their offset was not above the partition's last "     \
          "tracked one (a redelivery inside one assignment; not expected)")                        \
  COUNTER_FAMILY(rebalances_total, "Consumer group rebalances, by type (assign|revoke)", ("type")) \
  GAUGE(partitions_assigned, "Partitions currently assigned to this consumer")                     \
  GAUGE(partitions_paused, "Assigned partitions currently paused for backpressure")                \
  GAUGE(partitions_stalled,                                                                        \
        "Partitions that stopped advancing: a dead letter could not be delivered")                 \
  GAUGE(inflight_messages, "Messages consumed but not yet fully delivered")                        \
  GAUGE(inflight_bytes, "Payload bytes of in-flight messages")                                     \
  GAUGE(oldest_inflight_age_seconds,                                                               \
        "Age of the oldest input message not yet fully delivered (0 when none); grows on a stall") \
  COUNTER(producer_recreated_total, "Producers replaced after a fatal idempotent-producer error")  \
  GAUGE_FAMILY(consumer_lag, "Messages between the consumer position and the high watermark",      \
               ("topic", "partition"))                                                             \
  HISTOGRAM_FAMILY(stage_duration_seconds,                                                         \
                   "Time spent per message in a pipeline stage "                                   \
                   "(decode|clean|fingerprint|dedup|encode)",                                      \
                   ("stage"), WIREFEED_STAGE_BUCKETS)                                              \
  HISTOGRAM(end_to_end_latency_seconds,                                                            \
            "Time from the Kafka message timestamp to the producer delivery report",               \
            WIREFEED_LATENCY_BUCKETS)                                                              \
  GAUGE(dedup_index_entries, "Entries in the deduplication index")                                 \
  GAUGE(dedup_index_families, "Story families (latest versions) in the deduplication index")       \
  GAUGE(dedup_index_bytes, "Bytes held by the deduplication index (entries, tables, sketches)")    \
  COUNTER(dedup_evictions_total, "Dedup entries evicted by window expiry or capacity")             \
  COUNTER_FAMILY(dedup_verdicts_total,                                                             \
                 "Dedup verdicts by verdict and by the rule that decided (DedupEvidence.rule)",    \
                 ("verdict", "reason"))                                                            \
  COUNTER(dedup_state_restored_total, "Dedup states replayed from the state topic (per story)")    \
  HISTOGRAM(dedup_restore_duration_seconds, "Duration of the start-up replay of the state topic",  \
            WIREFEED_LATENCY_BUCKETS)                                                              \
  GAUGE(dedup_restore_complete,                                                                    \
        "1 once the start-up replay of dedup.state_topic read it to its end (or no state topic "   \
        "is configured); 0 while restoring, after a replay cut short by dedup.restore_timeout, "   \
        "or when started without state (dedup.start_without_state)")                               \
  GAUGE_FAMILY(chrome_learned_lines,                                                               \
               "Lines learned as page chrome, by source (at most clean's learner source cap)",     \
               ("source"))                                                                         \
  COUNTER_FAMILY(chrome_lines_removed_total,                                                       \
                 "Lines removed from stories as their source's learned page chrome, by source",    \
                 ("source"))                                                                       \
  COUNTER(chrome_sightings_restored_total,                                                         \
          "Chrome sightings replayed into the learner from clean.chrome_state_topic (start-up "    \
          "replay and other instances' sightings tailed)")                                         \
  COUNTER(chrome_sightings_written_total,                                                          \
          "Chrome sightings delivered to clean.chrome_state_topic")                                \
  COUNTER(chrome_sightings_lost_total,                                                             \
          "Chrome sightings not persisted (queue full, delivery failed, or the topic out of "      \
          "reach): learning from them is only delayed")                                            \
  COUNTER(stories_superseded_total, "Stories published as a newer version of a family")            \
  COUNTER(stories_canceled_total, "Kill/withdrawal stories published for a family")                \
  COUNTER_FAMILY(route_records_total,                                                              \
                 "Records delivered by a configured route, by route and topic",                    \
                 ("route", "topic"))                                                               \
  COUNTER_FAMILY(route_bytes_total, "Payload bytes delivered by a configured route",               \
                 ("route", "topic"))                                                               \
  COUNTER_FAMILY(route_errors_total, "Failed deliveries of a configured route's outputs",          \
                 ("route", "topic"))                                                               \
  COUNTER(transactions_committed_total,                                                            \
          "Kafka transactions committed (delivery.mode exactly_once): outputs and input offsets")  \
  COUNTER_FAMILY(transactions_aborted_total,                                                       \
                 "Kafka transactions aborted and rewound, by cause "                               \
                 "(abortable|fatal|delivery|drain_timeout|assignment_lost)",                       \
                 ("cause"))                                                                        \
  GAUGE(transaction_open_inputs, "Inputs in the open transaction, not yet committed")              \
  HISTOGRAM(transaction_duration_seconds,                                                          \
            "Time from a transaction's first input to the end of its commit",                      \
            WIREFEED_LATENCY_BUCKETS)

#define WIREFEED_METRICS_UNPAREN(...) __VA_ARGS__
#define WIREFEED_DECLARE_COUNTER(name, help) ::wirefeed::daemon::Counter name;
#define WIREFEED_DECLARE_GAUGE(name, help) ::wirefeed::daemon::Gauge name;
#define WIREFEED_DECLARE_COUNTER_FAMILY(name, help, labels) \
  ::wirefeed::daemon::CounterFamily name{std::vector<std::string>{WIREFEED_METRICS_UNPAREN labels}};
#define WIREFEED_DECLARE_GAUGE_FAMILY(name, help, labels) \
  ::wirefeed::daemon::GaugeFamily name{std::vector<std::string>{WIREFEED_METRICS_UNPAREN labels}};
#define WIREFEED_DECLARE_HISTOGRAM(name, help, bounds) \
  ::wirefeed::daemon::Histogram name{std::vector<double>{WIREFEED_METRICS_UNPAREN bounds}};
#define WIREFEED_DECLARE_HISTOGRAM_FAMILY(name, help, labels, bounds) \
  ::wirefeed::daemon::HistogramFamily name{                           \
      std::vector<std::string>{WIREFEED_METRICS_UNPAREN labels},      \
      std::vector<double>{WIREFEED_METRICS_UNPAREN bounds}};

// All wirefeed metrics. One instance, owned by the daemon. Thread-safe.
struct Stats {
  // Sets build_info{version=build_version(), commit=build_commit()} = 1.
  Stats();
  Stats(const Stats&) = delete;
  Stats& operator=(const Stats&) = delete;

  WIREFEED_STATS(WIREFEED_DECLARE_COUNTER, WIREFEED_DECLARE_COUNTER_FAMILY, WIREFEED_DECLARE_GAUGE,
                 WIREFEED_DECLARE_GAUGE_FAMILY, WIREFEED_DECLARE_HISTOGRAM,
                 WIREFEED_DECLARE_HISTOGRAM_FAMILY)

  // Appends every metric (declaration order) and then the process_* metrics to `out`.
  void render(std::string& out) const;
  std::string render() const;
};

}  // namespace wirefeed::daemon
