// End-to-end tests of learned page chrome over Kafka (daemon/chrome_state.hpp): the real
// wirefeedd learns a line from the stream and stops publishing it, keeps it across a restart
// (the sightings replayed from clean.chrome_state_topic), and a second instance of the group
// learns it from the first one's sightings.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "daemon/chrome_state.hpp"
#include "tests/support/harness.hpp"
#include "wirefeed/v1/story.pb.h"

namespace wirefeed::testing {
namespace {

constexpr const char* kLine = "Northwind terminal desk";

std::string daemon_config(const std::string& bootstrap, const std::string& group, uint16_t port) {
  // clean.chrome_state_topic is left at its default, wire.chrome-state (as config.yaml ships it).
  return "kafka:\n  brokers: \"" + bootstrap + "\"\n  group_id: " + group +
         "\n  consumer_properties:\n    fetch.wait.max.ms: \"20\"\n    session.timeout.ms: "
         "\"6000\"\n"
         "input:\n  topics: [wire.raw]\n"
         "output:\n  stories_topic: wire.stories\n  duplicates_topic: wire.duplicates\n"
         "  dead_letter_topic: wire.deadletter\n"
         "metrics:\n  listen: \"127.0.0.1:" +
         std::to_string(port) + "\"\n";
}

// Story `i` of the source "citywire": different words each time (dedup keeps them apart), with
// the chrome line standing alone between its paragraphs when `with_line`.
Produced story(int i, int32_t partition, bool with_line = true) {
  static const std::vector<std::string> kLeads = {
      "The city council raised ferry fares by a tenth, citing fuel costs.",
      "Engineers closed the northern bridge after finding cracked cables.",
      "A heatwave pushed electricity demand to a summer record.",
      "The museum reopened its Viking hall after a two-year renovation.",
      "Striking bus drivers accepted a wage offer from regional operators.",
      "Fishermen reported the largest herring catch in a decade."};
  static const std::vector<std::string> kSeconds = {
      "Commuters protested outside the town hall.",
      "Traffic was diverted through the western tunnel.",
      "Grid operators asked households to save power.",
      "Tickets for the opening weekend sold out quickly.",
      "Services resume on Monday morning.",
      "Prices at the harbour market fell sharply."};
  const auto n = static_cast<std::size_t>(i);
  const std::string body = "Oslo story " + std::to_string(i) + "\\n\\nOSLO (Reuters) - " +
                           kLeads.at(n) + (with_line ? std::string("\\n\\n") + kLine : "") +
                           "\\n\\n" + kSeconds.at(n);
  return {"chrome-" + std::to_string(i),
          R"({"id":"urn:chrome:)" + std::to_string(i) +
              R"(","source":"citywire","received_at":"2024-01-02T1)" + std::to_string(i) +
              R"(:00:00Z","content_type":"text/plain","body":")" + body + R"("})",
          partition};
}

std::map<std::string, v1::Story> stories_by_item(const std::vector<Consumed>& records) {
  std::map<std::string, v1::Story> out;
  for (const auto& c : records) {
    v1::Story s;
    EXPECT_TRUE(s.ParseFromString(c.value));
    out[s.source().item_id()] = s;
  }
  return out;
}

bool has_line(const std::map<std::string, v1::Story>& by_item, int i) {
  const v1::Story& s = by_item.at("urn:chrome:" + std::to_string(i));
  for (const auto& p : s.paragraphs()) {
    if (p == kLine) return true;
  }
  return false;
}

// The value of the sample `series` (name with labels, without the wirefeed_ prefix) on /metrics,
// nullopt when absent.
std::optional<double> metric(uint16_t port, const std::string& series) {
  const auto r = http_get(port, "/metrics");
  if (!r) return std::nullopt;
  const std::string needle = "\nwirefeed_" + series + " ";
  const auto at = r->body.find(needle);
  if (at == std::string::npos) return std::nullopt;
  return std::stod(r->body.substr(at + needle.size()));
}

// Waits (bounded) until `series` reaches at least `want`; returns the last value seen.
double wait_metric(uint16_t port, const std::string& series, double want,
                   std::chrono::milliseconds timeout = 15s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  double last = -1;
  while (std::chrono::steady_clock::now() < deadline) {
    if (const auto v = metric(port, series)) last = *v;
    if (last >= want) break;
    std::this_thread::sleep_for(100ms);
  }
  return last;
}

TEST(ChromeStateE2E, LearnsALineFromTheStreamAndKeepsItAcrossARestart) {
  TestCluster kafka;
  TempDir dir;
  const uint16_t port = free_port();
  const std::string config = daemon_config(kafka.bootstrap(), "e2e-chrome-state", port);
  std::optional<DaemonProcess> d;
  d.emplace(dir.path(), config);
  ASSERT_TRUE(d->wait_ready(port)) << d->stderr_text();

  // (1) Three different stories of one source carry the line: the third completes it, so it is
  // removed from that story on; the next story is published without it.
  ASSERT_NO_FATAL_FAILURE(produce_all(kafka.bootstrap(), "wire.raw",
                                      {story(0, 0), story(1, 0), story(2, 0), story(3, 0)}));
  auto by_item = stories_by_item(read_topic(kafka.bootstrap(), "wire.stories", 3, 4));
  ASSERT_EQ(by_item.size(), 4u) << d->stderr_text();
  EXPECT_TRUE(has_line(by_item, 0));
  EXPECT_TRUE(has_line(by_item, 1));
  EXPECT_FALSE(has_line(by_item, 2));
  EXPECT_FALSE(has_line(by_item, 3));
  for (const auto& [id, s] : by_item) {  // the line is its own paragraph while it is kept
    EXPECT_EQ(s.paragraphs_size(), id == "urn:chrome:0" || id == "urn:chrome:1" ? 3 : 2) << id;
  }

  // Per-source metrics, and the sightings on the chrome state topic.
  EXPECT_EQ(wait_metric(port, "chrome_lines_removed_total{source=\"citywire\"}", 2), 2);
  EXPECT_EQ(wait_metric(port, "chrome_learned_lines{source=\"citywire\"}", 1), 1);
  EXPECT_EQ(wait_metric(port, "chrome_sightings_written_total", 4), 4);
  const auto records = read_topic(kafka.bootstrap(), "wire.chrome-state", 1, 1, 10s);
  std::size_t sightings = 0;
  for (const auto& c : records) {
    std::optional<std::string_view> schema;
    for (const auto& [k, v] : c.headers) {
      if (k == "wirefeed-schema") schema = v;
    }
    ASSERT_EQ(schema, daemon::kChromeSightingBatchSchema);
    const auto batch = daemon::parse_chrome_record(schema, c.value.data(), c.value.size());
    ASSERT_TRUE(batch);
    for (const auto& s : batch->sightings()) {
      EXPECT_EQ(s.source(), "citywire");
      ++sightings;
    }
  }
  EXPECT_EQ(sightings, 4u);

  // (2) A restart with the same config: the line is removed from the first story after it,
  // which a fresh learner (one sighting of the line) would publish with it.
  ASSERT_EQ(d->stop(SIGTERM), 0) << d->stderr_text();
  d.reset();
  DaemonProcess again(dir.path(), config);
  ASSERT_TRUE(again.wait_ready(port)) << again.stderr_text();
  EXPECT_EQ(metric(port, "chrome_sightings_restored_total"), 4) << again.stderr_text();
  ASSERT_NO_FATAL_FAILURE(produce_all(kafka.bootstrap(), "wire.raw", {story(4, 1)}));
  by_item = stories_by_item(read_topic(kafka.bootstrap(), "wire.stories", 3, 5));
  ASSERT_EQ(by_item.size(), 5u) << again.stderr_text();
  EXPECT_FALSE(has_line(by_item, 4)) << again.stderr_text();
  EXPECT_EQ(by_item.at("urn:chrome:4").paragraphs_size(), 2);
  EXPECT_EQ(wait_metric(port, "chrome_lines_removed_total{source=\"citywire\"}", 1), 1);
  EXPECT_EQ(again.stop(SIGTERM), 0) << again.stderr_text();
}

// Two instances of one group on a one-partition input: one owns it and learns the line; the
// other, started before anything was learned, learns it from the first one's sightings (the
// tail) and, once it takes the partition over, publishes the next story without the line.
TEST(ChromeStateE2E, AnotherInstanceOfTheGroupLearnsFromTheFirstOnesSightings) {
  TestCluster kafka(1);
  TempDir dir_a, dir_b;
  const uint16_t port_a = free_port(), port_b = free_port();
  std::optional<DaemonProcess> a, b;
  a.emplace(dir_a.path(), daemon_config(kafka.bootstrap(), "e2e-chrome-group", port_a));
  b.emplace(dir_b.path(), daemon_config(kafka.bootstrap(), "e2e-chrome-group", port_b));
  ASSERT_TRUE(a->wait_ready(port_a)) << a->stderr_text();
  ASSERT_TRUE(b->wait_ready(port_b)) << b->stderr_text();
  // The group settles: exactly one instance owns the partition.
  std::optional<double> owned_a, owned_b;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    owned_a = metric(port_a, "partitions_assigned");
    owned_b = metric(port_b, "partitions_assigned");
    if (owned_a && owned_b && *owned_a + *owned_b == 1) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(owned_a && owned_b && *owned_a + *owned_b == 1);
  const bool a_owns = *owned_a == 1;
  std::optional<DaemonProcess>& owner = a_owns ? a : b;
  std::optional<DaemonProcess>& other = a_owns ? b : a;
  const uint16_t other_port = a_owns ? port_b : port_a;
  EXPECT_EQ(metric(other_port, "chrome_sightings_restored_total"), 0);  // nothing to replay

  ASSERT_NO_FATAL_FAILURE(
      produce_all(kafka.bootstrap(), "wire.raw", {story(0, 0), story(1, 0), story(2, 0)}));
  auto by_item = stories_by_item(read_topic(kafka.bootstrap(), "wire.stories", 1, 3));
  ASSERT_EQ(by_item.size(), 3u) << owner->stderr_text();
  EXPECT_FALSE(has_line(by_item, 2));
  // The other instance processed none of them, yet learned the line from the tail.
  EXPECT_EQ(wait_metric(other_port, "chrome_sightings_restored_total", 3), 3);
  EXPECT_EQ(wait_metric(other_port, "chrome_learned_lines{source=\"citywire\"}", 1), 1);

  ASSERT_EQ(owner->stop(SIGTERM), 0) << owner->stderr_text();
  ASSERT_NO_FATAL_FAILURE(produce_all(kafka.bootstrap(), "wire.raw", {story(3, 0)}));
  by_item = stories_by_item(read_topic(kafka.bootstrap(), "wire.stories", 1, 4, 45s));
  ASSERT_EQ(by_item.size(), 4u) << other->stderr_text();
  EXPECT_FALSE(has_line(by_item, 3)) << other->stderr_text();
  EXPECT_EQ(metric(other_port, "chrome_lines_removed_total{source=\"citywire\"}"), 1);
  EXPECT_EQ(other->stop(SIGTERM), 0) << other->stderr_text();
}

}  // namespace
}  // namespace wirefeed::testing
