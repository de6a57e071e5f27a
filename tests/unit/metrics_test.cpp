// Unit tests for the metrics registry and its Prometheus text rendering.
//
// Invariants checked:
// - Primitive arithmetic (counter, gauge, histogram bucket placement on "le" boundaries).
// - Family find-or-create returns the same, stable child; arity and label names are validated.
// - Exact text of small renders (HELP/TYPE once, label order, escaping, cumulative buckets,
//   Go-style float spelling) and a full Stats render accepted by `promtool check metrics`.
#include "daemon/metrics.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace wirefeed::daemon {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(MetricsPrimitives, CounterAndGauge) {
  Counter c;
  EXPECT_EQ(c.value(), 0u);
  c.inc();
  c.inc(41);
  EXPECT_EQ(c.value(), 42u);

  Gauge g;
  g.set(10);
  g.add(5);
  g.sub(20);
  EXPECT_EQ(g.value(), -5);
  g.inc();
  g.dec();
  g.dec();
  EXPECT_EQ(g.value(), -6);
}

TEST(MetricsPrimitives, CounterIsThreadSafe) {
  Counter c;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&c] {
      for (int i = 0; i < 10000; ++i) c.inc();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 40000u);
}

TEST(MetricsPrimitives, HistogramBucketsUseLessOrEqual) {
  Histogram h({0.1, 1.0, 10.0});
  h.observe(0.05);                                      // bucket 0
  h.observe(0.1);                                       // exactly on a bound: bucket 0 (le)
  h.observe(0.5);                                       // bucket 1
  h.observe(1.0);                                       // bucket 1
  h.observe(100.0);                                     // +Inf
  h.observe(std::numeric_limits<double>::quiet_NaN());  // ignored
  h.observe(std::chrono::milliseconds(2500));           // 2.5 s: bucket 2
  const auto s = h.snapshot();
  ASSERT_EQ(s.buckets.size(), 4u);
  EXPECT_EQ(s.buckets[0], 2u);
  EXPECT_EQ(s.buckets[1], 2u);
  EXPECT_EQ(s.buckets[2], 1u);
  EXPECT_EQ(s.buckets[3], 1u);
  EXPECT_EQ(s.count, 6u);
  EXPECT_DOUBLE_EQ(s.sum, 0.05 + 0.1 + 0.5 + 1.0 + 100.0 + 2.5);
}

TEST(MetricsPrimitives, HistogramRejectsBadBounds) {
  EXPECT_THROW(Histogram({}), std::invalid_argument);
  EXPECT_THROW(Histogram({1.0, 1.0}), std::invalid_argument);
  EXPECT_THROW(Histogram({2.0, 1.0}), std::invalid_argument);
  EXPECT_THROW(Histogram({1.0, std::numeric_limits<double>::infinity()}), std::invalid_argument);
}

TEST(MetricsPrimitives, ScopedTimerObservesOnce) {
  Histogram h({1.0});
  { ScopedTimer t(h); }
  const auto s = h.snapshot();
  EXPECT_EQ(s.count, 1u);
  EXPECT_EQ(s.buckets[0], 1u);
  EXPECT_GE(s.sum, 0.0);
}

TEST(MetricsFamilies, WithFindsOrCreatesStableChildren) {
  CounterFamily f({"topic", "kind"});
  Counter& a = f.with({"t1", "story"});
  a.inc();
  // Many more children (forces map rebalancing) must not move the first one.
  for (int i = 0; i < 100; ++i) f.with({"t" + std::to_string(i), "x"}).inc();
  Counter& again = f.with(std::vector<std::string>{"t1", "story"});
  EXPECT_EQ(&a, &again);
  again.inc(2);
  EXPECT_EQ(a.value(), 3u);
  EXPECT_NE(&f.with({"t1", "duplicate"}), &a);
}

TEST(MetricsFamilies, ArityAndLabelNamesAreValidated) {
  GaugeFamily f({"topic", "partition"});
  EXPECT_THROW(f.with({"only-one"}), std::invalid_argument);
  EXPECT_THROW(f.with({"a", "b", "c"}), std::invalid_argument);
  EXPECT_THROW(GaugeFamily({"bad-name"}), std::invalid_argument);
  EXPECT_THROW(GaugeFamily({"__reserved"}), std::invalid_argument);
  EXPECT_THROW(GaugeFamily({"a", "a"}), std::invalid_argument);
  EXPECT_THROW(HistogramFamily({"le"}, {1.0}), std::invalid_argument);
  EXPECT_THROW(HistogramFamily({"stage"}, {}), std::invalid_argument);
}

TEST(MetricsFamilies, ConcurrentWithReturnsOneChild) {
  CounterFamily f({"topic"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&f] {
      for (int i = 0; i < 1000; ++i) f.with({"same"}).inc();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(f.with({"same"}).value(), 4000u);
}

TEST(MetricsFamilies, RemoveHidesButKeepsReferenceValid) {
  GaugeFamily f({"topic", "partition"});
  Gauge& g = f.with({"t", "0"});
  g.set(7);
  f.with({"t", "1"}).set(1);
  EXPECT_TRUE(f.remove({"t", "0"}));
  EXPECT_FALSE(f.remove({"t", "0"}));
  EXPECT_FALSE(f.remove({"nope", "0"}));
  g.set(9);  // still a valid object
  std::string out;
  render_metric(out, "lag", "Lag", f);
  EXPECT_EQ(out,
            "# HELP lag Lag\n"
            "# TYPE lag gauge\n"
            "lag{topic=\"t\",partition=\"1\"} 1\n");
  EXPECT_EQ(&f.with({"t", "0"}), &g);  // re-exported with its current value
  out.clear();
  render_metric(out, "lag", "Lag", f);
  EXPECT_TRUE(contains(out, "lag{topic=\"t\",partition=\"0\"} 9\n")) << out;
}

TEST(MetricsRender, CounterFamilySortedByLabelValues) {
  CounterFamily f({"topic", "kind"});
  f.with({"b", "story"}).inc(2);
  f.with({"a", "story"}).inc();
  f.with({"a", "duplicate"}).inc(3);
  std::string out;
  render_metric(out, "wirefeed_records_published_total", "Records produced", f);
  EXPECT_EQ(out,
            "# HELP wirefeed_records_published_total Records produced\n"
            "# TYPE wirefeed_records_published_total counter\n"
            "wirefeed_records_published_total{topic=\"a\",kind=\"duplicate\"} 3\n"
            "wirefeed_records_published_total{topic=\"a\",kind=\"story\"} 1\n"
            "wirefeed_records_published_total{topic=\"b\",kind=\"story\"} 2\n");
}

TEST(MetricsRender, EmptyFamilyStillHasHelpAndType) {
  CounterFamily f({"reason"});
  std::string out;
  render_metric(out, "x_total", "X", f);
  EXPECT_EQ(out, "# HELP x_total X\n# TYPE x_total counter\n");
}

TEST(MetricsRender, LabelValueAndHelpEscaping) {
  CounterFamily f({"reason"});
  f.with({"a\\b\"c\nd"}).inc();
  std::string out;
  render_metric(out, "x_total", "line1\nback\\slash \"quoted\"", f);
  EXPECT_EQ(out,
            "# HELP x_total line1\\nback\\\\slash \"quoted\"\n"
            "# TYPE x_total counter\n"
            "x_total{reason=\"a\\\\b\\\"c\\nd\"} 1\n");
  EXPECT_EQ(escape_label_value("plain"), "plain");
  EXPECT_EQ(escape_label_value("\"\\\n"), "\\\"\\\\\\n");
}

TEST(MetricsRender, PlainCounterAndNegativeGauge) {
  Counter c;
  c.inc(5);
  Gauge g;
  g.set(-3);
  std::string out;
  render_metric(out, "c_total", "C", c);
  render_metric(out, "g", "G", g);
  EXPECT_EQ(out,
            "# HELP c_total C\n# TYPE c_total counter\nc_total 5\n"
            "# HELP g G\n# TYPE g gauge\ng -3\n");
}

TEST(MetricsRender, HistogramIsCumulativeWithGoStyleBounds) {
  // Bounds straddle both switch points of Go's %g layout (exponent < -4, exponent >= 6).
  Histogram h({1e-6, 1e-5, 0.0001, 0.5, 100000, 1e6});
  h.observe(0.00005);
  h.observe(0.25);
  h.observe(0.25);
  h.observe(2e6);
  std::string out;
  render_metric(out, "h_seconds", "H", h);
  EXPECT_EQ(out,
            "# HELP h_seconds H\n"
            "# TYPE h_seconds histogram\n"
            "h_seconds_bucket{le=\"1e-06\"} 0\n"
            "h_seconds_bucket{le=\"1e-05\"} 0\n"
            "h_seconds_bucket{le=\"0.0001\"} 1\n"
            "h_seconds_bucket{le=\"0.5\"} 3\n"
            "h_seconds_bucket{le=\"100000\"} 3\n"
            "h_seconds_bucket{le=\"1e+06\"} 3\n"
            "h_seconds_bucket{le=\"+Inf\"} 4\n"
            "h_seconds_sum 2.00000050005e+06\n"
            "h_seconds_count 4\n");
}

TEST(MetricsRender, HistogramFamilyPutsLeLast) {
  HistogramFamily f({"stage"}, {0.001, 1.0});
  f.with({"decode"}).observe(0.5);
  std::string out;
  render_metric(out, "d_seconds", "D", f);
  EXPECT_EQ(out,
            "# HELP d_seconds D\n"
            "# TYPE d_seconds histogram\n"
            "d_seconds_bucket{stage=\"decode\",le=\"0.001\"} 0\n"
            "d_seconds_bucket{stage=\"decode\",le=\"1\"} 1\n"
            "d_seconds_bucket{stage=\"decode\",le=\"+Inf\"} 1\n"
            "d_seconds_sum{stage=\"decode\"} 0.5\n"
            "d_seconds_count{stage=\"decode\"} 1\n");
}

TEST(MetricsStats, RenderContainsDeclaredMetricsInOrder) {
  Stats stats;
  stats.input_messages_total.with({"wire.in"}).inc(3);
  stats.records_published_total.with({"wire.out", "story"}).inc();
  stats.duplicates_total.with({"near"}).inc();
  stats.duplicates_total.with({"exact"}).inc(2);
  stats.partitions_assigned.set(6);
  stats.consumer_lag.with({"wire.in", "3"}).set(120);
  stats.stage_duration_seconds.with({"clean"}).observe(0.0002);
  stats.end_to_end_latency_seconds.observe(0.02);
  const std::string out = stats.render();

  EXPECT_TRUE(contains(out, "wirefeed_input_messages_total{topic=\"wire.in\"} 3\n"));
  EXPECT_TRUE(contains(out,
                       "# TYPE wirefeed_duplicates_total counter\n"
                       "wirefeed_duplicates_total{kind=\"exact\"} 2\n"
                       "wirefeed_duplicates_total{kind=\"near\"} 1\n"))
      << out;
  EXPECT_TRUE(
      contains(out, "wirefeed_records_published_total{topic=\"wire.out\",kind=\"story\"} 1\n"));
  EXPECT_TRUE(contains(out,
                       "# HELP wirefeed_partitions_assigned Partitions currently assigned to this "
                       "consumer\n# TYPE wirefeed_partitions_assigned gauge\n"
                       "wirefeed_partitions_assigned 6\n"));
  EXPECT_TRUE(contains(out, "wirefeed_consumer_lag{topic=\"wire.in\",partition=\"3\"} 120\n"));
  EXPECT_TRUE(
      contains(out,
               "wirefeed_stage_duration_seconds_bucket{stage=\"clean\",le=\"0.0001\"} 0\n"
               "wirefeed_stage_duration_seconds_bucket{stage=\"clean\",le=\"0.0005\"} 1\n"));
  EXPECT_TRUE(contains(out, "wirefeed_end_to_end_latency_seconds_bucket{le=\"0.025\"} 1\n"));
  EXPECT_TRUE(contains(out, "wirefeed_end_to_end_latency_seconds_count 1\n"));
  EXPECT_TRUE(contains(out, "wirefeed_boilerplate_spans_removed_total 0\n"));
  EXPECT_TRUE(contains(out, "# TYPE wirefeed_dead_letters_total counter\n"));
  EXPECT_TRUE(contains(out, "wirefeed_build_info{version=\"" + std::string(build_version()) +
                                "\",commit=\"" + std::string(build_commit()) + "\"} 1\n"));

  // Every name the daemon relies on, in declaration order, each HELP/TYPE exactly once.
  const std::vector<std::string> names = {
      "wirefeed_build_info",
      "wirefeed_input_messages_total",
      "wirefeed_input_bytes_total",
      "wirefeed_records_published_total",
      "wirefeed_duplicates_total",
      "wirefeed_dead_letters_total",
      "wirefeed_boilerplate_spans_removed_total",
      "wirefeed_producer_delivery_errors_total",
      "wirefeed_offsets_stored_total",
      "wirefeed_offset_store_errors_total",
      "wirefeed_input_offsets_already_seen_total",
      "wirefeed_rebalances_total",
      "wirefeed_partitions_assigned",
      "wirefeed_partitions_paused",
      "wirefeed_inflight_messages",
      "wirefeed_inflight_bytes",
      "wirefeed_consumer_lag",
      "wirefeed_stage_duration_seconds",
      "wirefeed_end_to_end_latency_seconds",
      "wirefeed_dedup_index_entries",
      "wirefeed_dedup_index_bytes",
      "process_cpu_seconds_total",
      "process_open_fds",
      "process_resident_memory_bytes",
      "process_start_time_seconds",
  };
  std::size_t prev = 0;
  for (const auto& n : names) {
    const std::string type_line = "# TYPE " + n + " ";
    const auto pos = out.find(type_line);
    ASSERT_NE(pos, std::string::npos) << n;
    EXPECT_EQ(out.find(type_line, pos + 1), std::string::npos) << n << " typed twice";
    EXPECT_GE(pos, prev) << n << " out of declaration order";
    prev = pos;
  }
}

TEST(MetricsStats, ProcessMetricsArePlausible) {
  std::string out;
  render_process_metrics(out);
  std::istringstream in(out);
  std::string line;
  double rss = -1, fds = -1, start = -1;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string name;
    double v = 0;
    ls >> name >> v;
    if (name == "process_resident_memory_bytes") rss = v;
    if (name == "process_open_fds") fds = v;
    if (name == "process_start_time_seconds") start = v;
  }
  EXPECT_GT(rss, 1e5);
  EXPECT_GE(fds, 3);  // stdin, stdout, stderr at least
  EXPECT_GT(start, 1.5e9);
  EXPECT_TRUE(contains(out, "# TYPE process_cpu_seconds_total counter\n"));
}

TEST(MetricsStats, PromtoolAcceptsFullRender) {
  const char* promtool = "/usr/bin/promtool";
  if (::access(promtool, X_OK) != 0) GTEST_SKIP() << promtool << " not installed";
  Stats stats;
  // One child in every family, including awkward label values.
  stats.input_messages_total.with({"wire.in"}).inc();
  stats.input_bytes_total.with({"wire.in"}).inc(1234);
  stats.records_published_total.with({"out", "dead_letter"}).inc();
  stats.duplicates_total.with({"version"}).inc();
  stats.dead_letters_total.with({"bad \"json\"\nline2 \\"}).inc();
  stats.producer_delivery_errors_total.with({"out"}).inc();
  stats.rebalances_total.with({"assign"}).inc();
  stats.consumer_lag.with({"wire.in", "0"}).set(5);
  for (const char* st : {"decode", "clean", "fingerprint", "dedup", "encode"}) {
    stats.stage_duration_seconds.with({st}).observe(3e-6);
  }
  stats.end_to_end_latency_seconds.observe(75.0);
  const std::string text = stats.render();

  char path[] = "/tmp/wirefeed_metrics_XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(fd);
  const std::string cmd = std::string(promtool) + " check metrics < " + path + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string output;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) output += buf;
  const int status = ::pclose(p);
  ::unlink(path);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output << "\n---\n" << text;
  EXPECT_EQ(output, "") << "promtool lint findings";
}

}  // namespace
}  // namespace wirefeed::daemon
