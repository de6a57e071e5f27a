// KafkaSource against librdkafka's mock cluster: assignment hands out partition handles, messages
// reach the handler with their partition in order, pause holds a partition back, stored offsets
// are committed at a revoke (close), and the handler sees the revoke in its order.
#include "sources/kafka_source.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "daemon/embedded_broker.hpp"
#include "tests/support/harness.hpp"

namespace wirefeed::sources {
namespace {

using namespace std::chrono_literals;

struct Partition : SourcePartition {
  using SourcePartition::SourcePartition;
  std::vector<int64_t> offsets;  // consumed, in order
};

// Records every callback; optionally pauses partitions as they are assigned.
struct RecordingHandler : SourceHandler {
  KafkaSource* source = nullptr;
  bool pause_at_assign = false;
  std::vector<std::string> events;
  std::map<std::string, std::vector<std::string>> values;  // key "topic/partition"

  std::shared_ptr<SourcePartition> make_partition(const char* topic, int32_t partition) override {
    events.push_back("make " + partition_key(topic, partition));
    return std::make_shared<Partition>(topic, partition);
  }
  void on_message(const rd_kafka_message_t& m, std::shared_ptr<SourcePartition> p) override {
    ASSERT_EQ(p->partition, m.partition);
    ASSERT_EQ(p->topic, rd_kafka_topic_name(m.rkt));
    static_cast<Partition&>(*p).offsets.push_back(m.offset);
    values[partition_key(p->topic, p->partition)].emplace_back(static_cast<const char*>(m.payload),
                                                               m.len);
  }
  void on_assigned(int added, std::size_t owned) override {
    events.push_back("assigned " + std::to_string(added) + " own " + std::to_string(owned));
    if (pause_at_assign) {
      for (const auto& [k, p] : source->partitions()) EXPECT_TRUE(source->set_paused(*p, true));
    }
  }
  void on_revoking(const std::vector<std::shared_ptr<SourcePartition>>& parts) override {
    events.push_back("revoking " + std::to_string(parts.size()) + " own " +
                     std::to_string(source->partitions().size()));
  }
  void on_partition_revoked(SourcePartition& p) override {
    events.push_back("revoked " + partition_key(p.topic, p.partition));
  }
  void on_revoked(int removed, std::size_t owned) override {
    events.push_back("revoked " + std::to_string(removed) + " own " + std::to_string(owned));
  }
};

struct Fixture {
  explicit Fixture(const std::string& group, int partitions = 2) {
    cluster.create_topic("in", partitions);
    handler.source = nullptr;
    source =
        std::make_unique<KafkaSource>(SourceSettings{{{"bootstrap.servers", cluster.bootstrap()},
                                                      {"group.id", group},
                                                      {"enable.auto.commit", "false"},
                                                      {"enable.auto.offset.store", "false"},
                                                      {"auto.offset.reset", "earliest"}},
                                                     /*commit_on_revoke=*/true},
                                      handler);
    handler.source = source.get();
  }
  // Polls until `done` or the timeout; false on timeout.
  template <typename Pred>
  bool poll_until(Pred done, std::chrono::milliseconds timeout = 20s, bool accept = true) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() > until) return false;
      source->poll_once(50, accept);
    }
    return true;
  }
  std::size_t consumed() const {
    std::size_t n = 0;
    for (const auto& [k, v] : handler.values) n += v.size();
    return n;
  }
  daemon::EmbeddedCluster cluster;
  RecordingHandler handler;
  std::unique_ptr<KafkaSource> source;
};

std::vector<testing::Produced> messages(int per_partition, int partitions) {
  std::vector<testing::Produced> out;
  for (int i = 0; i < per_partition; ++i) {
    for (int p = 0; p < partitions; ++p) {
      out.push_back({"k", "p" + std::to_string(p) + "-" + std::to_string(i), p});
    }
  }
  return out;
}

TEST(KafkaSource, HandsEveryMessageWithItsPartitionInOrder) {
  Fixture f("source-order");
  testing::produce_all(f.cluster.bootstrap(), "in", messages(5, 2));
  f.source->subscribe({"in"});
  ASSERT_TRUE(f.poll_until([&] { return f.consumed() == 10; }));
  ASSERT_EQ(f.handler.events.size(), 3u);
  EXPECT_EQ(f.handler.events[0], "make in/0");
  EXPECT_EQ(f.handler.events[1], "make in/1");
  EXPECT_EQ(f.handler.events[2], "assigned 2 own 2");
  for (int p = 0; p < 2; ++p) {
    const auto part = f.source->find("in", p);
    ASSERT_NE(part, nullptr);
    EXPECT_EQ(static_cast<Partition&>(*part).offsets, (std::vector<int64_t>{0, 1, 2, 3, 4}));
    const auto& v = f.handler.values[partition_key("in", p)];
    ASSERT_EQ(v.size(), 5u);
    for (int i = 0; i < 5; ++i) {
      EXPECT_EQ(v[static_cast<std::size_t>(i)], "p" + std::to_string(p) + "-" + std::to_string(i));
    }
    EXPECT_EQ(f.source->lag(*part), 0);
  }
  EXPECT_EQ(f.source->find("in", 7), nullptr);
  EXPECT_EQ(f.source->find("other", 0), nullptr);
}

// A partition that never held a message lags by 0 once its watermarks are known (it is listed
// with the others on the status page rather than left out as unknown).
TEST(KafkaSource, AnEmptyPartitionLagsByZero) {
  Fixture f("source-empty-lag", 3);
  testing::produce_all(f.cluster.bootstrap(), "in", messages(3, 2));  // partitions 0 and 1 only
  f.source->subscribe({"in"});
  ASSERT_TRUE(f.poll_until([&] { return f.consumed() == 6; }));
  const auto empty = f.source->find("in", 2);
  ASSERT_NE(empty, nullptr);
  EXPECT_TRUE(f.poll_until([&] { return f.source->lag(*empty).has_value(); }, 10s));
  EXPECT_EQ(f.source->lag(*empty), 0);
  EXPECT_EQ(f.source->lag(*f.source->find("in", 0)), 0);
}

TEST(KafkaSource, APausedPartitionDeliversNothingUntilResumed) {
  Fixture f("source-pause");
  testing::produce_all(f.cluster.bootstrap(), "in", messages(4, 2));
  f.handler.pause_at_assign = true;
  f.source->subscribe({"in"});
  ASSERT_TRUE(f.poll_until([&] { return f.source->partitions().size() == 2; }));
  const auto p0 = f.source->find("in", 0);
  const auto p1 = f.source->find("in", 1);
  ASSERT_TRUE(p0 && p1);
  EXPECT_TRUE(p0->paused);
  EXPECT_FALSE(f.source->set_paused(*p0, true));  // no change
  EXPECT_TRUE(f.source->set_paused(*p1, false));
  ASSERT_TRUE(f.poll_until([&] { return f.consumed() == 4; }));
  // Partition 0 stays held back while paused.
  f.poll_until([] { return false; }, 500ms);
  EXPECT_EQ(f.handler.values.count(partition_key("in", 0)), 0u);
  EXPECT_EQ(f.handler.values[partition_key("in", 1)].size(), 4u);
  EXPECT_TRUE(f.source->set_paused(*p0, false));
  EXPECT_FALSE(p0->paused);
  ASSERT_TRUE(f.poll_until([&] { return f.consumed() == 8; }));
  EXPECT_EQ(static_cast<Partition&>(*p0).offsets, (std::vector<int64_t>{0, 1, 2, 3}));
}

TEST(KafkaSource, UnacceptedMessagesAreLeftForRedelivery) {
  Fixture f("source-accept", 1);
  testing::produce_all(f.cluster.bootstrap(), "in", messages(3, 1));
  f.source->subscribe({"in"});
  ASSERT_TRUE(f.poll_until([&] { return f.source->partitions().size() == 1; }));
  f.poll_until([] { return false; }, 1s, /*accept=*/false);
  EXPECT_EQ(f.consumed(), 0u);
}

TEST(KafkaSource, StoredOffsetsAreCommittedAtTheRevokeOfClose) {
  Fixture f("source-commit");
  testing::produce_all(f.cluster.bootstrap(), "in", messages(6, 2));
  f.source->subscribe({"in"});
  ASSERT_TRUE(f.poll_until([&] { return f.consumed() == 12; }));
  // Store only up to (not including) offset 4 on partition 0, everything on partition 1.
  EXPECT_EQ(f.source->store_offset(*f.source->find("in", 0), 4), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(f.source->store_offset(*f.source->find("in", 1), 6), RD_KAFKA_RESP_ERR_NO_ERROR);
  f.handler.events.clear();
  f.source->close();
  ASSERT_EQ(f.handler.events.size(), 4u);
  EXPECT_EQ(f.handler.events[0], "revoking 2 own 2");  // still owned while they finish
  EXPECT_EQ(f.handler.events[1], "revoked in/0");
  EXPECT_EQ(f.handler.events[2], "revoked in/1");
  EXPECT_EQ(f.handler.events[3], "revoked 2 own 0");
  EXPECT_TRUE(f.source->partitions().empty());
  EXPECT_EQ(testing::committed_offset(f.cluster.bootstrap(), "source-commit", "in", 0), 4);
  EXPECT_EQ(testing::committed_offset(f.cluster.bootstrap(), "source-commit", "in", 1), 6);
}

}  // namespace
}  // namespace wirefeed::sources
