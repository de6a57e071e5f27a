// End-to-end: a story routed to two topics gets its dedup state (and its place on the status
// page) only after BOTH outputs are acknowledged (I-4). The second topic is led by a broker of its
// own on the mock cluster, whose answers are delayed (added RTT) or refused (a non-retriable
// Produce error): while it is delayed there is no state; when it fails for good there is never
// one, a DELIVERY_FAILED dead letter stands in for the failed output and the input offset is
// committed only after it.
//
// Invariants:
// - Waits on conditions with deadlines; the one quiet period (no state written while the second
//   output is held back) is shorter than the delay injected.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "tests/support/harness.hpp"
#include "wirefeed/v1/story.pb.h"

namespace wirefeed::testing {
namespace {

using namespace std::chrono_literals;

constexpr int16_t kApiProduce = 0;

std::string two_route_config(const std::string& bootstrap, const std::string& group,
                             uint16_t port) {
  return "kafka:\n  brokers: \"" + bootstrap + "\"\n  group_id: " + group +
         "\n  consumer_properties:\n    fetch.wait.max.ms: \"20\"\n    session.timeout.ms: "
         "\"6000\"\n"
         "input:\n  topics: [wire.raw]\n"
         "output:\n  stories_topic: wire.stories\n  duplicates_topic: wire.duplicates\n"
         "  dead_letter_topic: wire.deadletter\n"
         "dedup:\n  state_topic: wire.dedup-state\n"
         "metrics:\n  listen: \"127.0.0.1:" +
         std::to_string(port) +
         "\"\n"
         // Every story goes to desk.mirror (its first, primary output) and, as the route
         // continues, to the default wire.stories too.
         "routes:\n  - name: mirror\n    topics: [desk.mirror]\n    continue: true\n";
}

// Broker 1 leads everything (input, desk.mirror, duplicates, dead letters, state, the group);
// broker 2 leads only wire.stories, so faults on broker 2 hit only the second routed output.
void lead_stories_from_broker_2(TestCluster& kafka, const std::string& group) {
  rd_kafka_mock_cluster_t* mc = kafka.mock();
  for (const char* t :
       {"wire.raw", "desk.mirror", "wire.duplicates", "wire.deadletter", "wire.dedup-state"}) {
    rd_kafka_mock_partition_set_leader(mc, t, 0, 1);
  }
  rd_kafka_mock_partition_set_leader(mc, "wire.stories", 0, 2);
  rd_kafka_mock_coordinator_set(mc, "group", group.c_str(), 1);
}

std::size_t recent_stories(uint16_t port) {
  const auto r = http_get(port, "/api/recent");
  if (!r || r->status != 200) return 0;
  return nlohmann::json::parse(r->body)["stories"].size();
}

TEST(RoutesState, StateIsWrittenOnlyAfterTheLastRoutedOutputIsAcknowledged) {
  WIREFEED_SKIP_ON_REAL_KAFKA("a broker whose answers are delayed");
  TestCluster kafka(1, 2);
  kafka.create_topic("desk.mirror", 1);
  lead_stories_from_broker_2(kafka, "routes-state-delay");
  TempDir dir;
  const uint16_t port = free_port();
  DaemonProcess d(dir.path(), two_route_config(kafka.bootstrap(), "routes-state-delay", port));
  ASSERT_TRUE(d.wait_ready(port)) << d.stderr_text();

  rd_kafka_mock_broker_set_rtt(kafka.mock(), 2, 6000);  // wire.stories answers after 6 s
  ASSERT_NO_FATAL_FAILURE(produce_all(kafka.bootstrap(), "wire.raw", {{"k1", sample_story(), 0}}));
  ASSERT_EQ(read_topic(kafka.bootstrap(), "desk.mirror", 1, 1, 30s, 0ms).size(), 1u)
      << d.stderr_text();
  // The first output is out, the second is held back: no state yet, nothing on the page.
  EXPECT_TRUE(read_topic(kafka.bootstrap(), "wire.dedup-state", 1, 0, 2s, 2s).empty())
      << "the dedup state was written before every routed output was acknowledged";
  EXPECT_EQ(recent_stories(port), 0u);

  rd_kafka_mock_broker_set_rtt(kafka.mock(), 2, 0);
  EXPECT_EQ(read_topic(kafka.bootstrap(), "wire.stories", 1, 1, 30s, 0ms).size(), 1u);
  EXPECT_EQ(read_topic(kafka.bootstrap(), "wire.dedup-state", 1, 1, 30s, 0ms).size(), 1u)
      << d.stderr_text();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (recent_stories(port) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(recent_stories(port), 1u);
  EXPECT_EQ(d.stop(SIGTERM), 0) << d.stderr_text();
}

TEST(RoutesState, AFailedRoutedOutputMeansNoStateAndADeadLetterBeforeTheOffset) {
  WIREFEED_SKIP_ON_REAL_KAFKA("a non-retriable Produce error on one broker");
  TestCluster kafka(1, 3);
  kafka.create_topic("desk.mirror", 1);
  const std::string group = "routes-state-fail";
  lead_stories_from_broker_2(kafka, group);
  // desk.mirror on a slow broker of its own: its acknowledgement comes after wire.stories
  // failed, so the record's fate is settled at a successful delivery report (the order that
  // once left the state's slot open and the offset stuck).
  rd_kafka_mock_partition_set_leader(kafka.mock(), "desk.mirror", 0, 3);
  TempDir dir;
  const uint16_t port = free_port();
  DaemonProcess d(dir.path(), two_route_config(kafka.bootstrap(), group, port));
  ASSERT_TRUE(d.wait_ready(port)) << d.stderr_text();

  rd_kafka_mock_broker_push_request_error_rtts(kafka.mock(), 2, kApiProduce, 1,
                                               RD_KAFKA_RESP_ERR_INVALID_RECORD, 0);
  rd_kafka_mock_broker_set_rtt(kafka.mock(), 3, 1500);
  ASSERT_NO_FATAL_FAILURE(produce_all(kafka.bootstrap(), "wire.raw", {{"k1", sample_story(), 0}}));
  ASSERT_EQ(read_topic(kafka.bootstrap(), "desk.mirror", 1, 1, 30s, 0ms).size(), 1u);
  const auto dead = read_topic(kafka.bootstrap(), "wire.deadletter", 1, 1, 30s, 0ms);
  ASSERT_EQ(dead.size(), 1u) << d.stderr_text();
  v1::DeadLetter dl;
  ASSERT_TRUE(dl.ParseFromString(dead[0].value));
  EXPECT_EQ(dl.reason(), v1::DEAD_LETTER_REASON_DELIVERY_FAILED);
  EXPECT_EQ(dl.id(), id_for_key("k1"));

  // The input is complete once its dead letter is out: its offset is committed.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (committed_offset(kafka.bootstrap(), group, "wire.raw", 0) != 1 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(committed_offset(kafka.bootstrap(), group, "wire.raw", 0), 1);
  // Never a state for a story that is not on all its topics (a restart may publish it again).
  EXPECT_TRUE(read_topic(kafka.bootstrap(), "wire.dedup-state", 1, 0, 2s, 1s).empty())
      << d.stderr_text();
  EXPECT_TRUE(read_topic(kafka.bootstrap(), "wire.stories", 1, 0, 2s, 500ms).empty());
  EXPECT_EQ(recent_stories(port), 0u);
  rd_kafka_mock_broker_set_rtt(kafka.mock(), 3, 0);

  // The story was forgotten by the index: the same story again is published, not suppressed,
  // and this time (no fault) it gets its state.
  ASSERT_NO_FATAL_FAILURE(produce_all(kafka.bootstrap(), "wire.raw", {{"k2", sample_story(), 0}}));
  EXPECT_EQ(read_topic(kafka.bootstrap(), "wire.stories", 1, 1, 30s, 0ms).size(), 1u)
      << d.stderr_text();
  EXPECT_EQ(read_topic(kafka.bootstrap(), "wire.dedup-state", 1, 1, 30s, 0ms).size(), 1u);
  EXPECT_EQ(d.stop(SIGTERM), 0) << d.stderr_text();
}

}  // namespace
}  // namespace wirefeed::testing
