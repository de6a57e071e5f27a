// TransactionCoordinator (daemon/transaction_coordinator.hpp) against a scripted producer and a
// fake consumer side: a due batch commits its inputs' next offsets (owned partitions only), a
// failed output aborts, rolls the batch's stories out of the dedup index and rewinds, a failure
// of an older attempt is ignored, a lost assignment aborts, repeated record failures poison the
// input, and a fatal error replaces the producer.
#include "daemon/transaction_coordinator.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/processor.hpp"
#include "tests/e2e/fault_support.hpp"
#include "tests/support/harness.hpp"

namespace wirefeed::daemon {
namespace {

using namespace std::chrono_literals;

// Records every call; each call answers the next scripted error for its name (none: success).
struct ScriptedProducer : TransactionalProducer {
  std::vector<std::string> calls;
  std::map<std::string, std::deque<rd_kafka_resp_err_t>> errors;
  std::vector<PartitionOffset> sent;  // the offsets of the last send_offsets

  kafka::ErrorHandle next(const std::string& name) {
    calls.push_back(name);
    auto& q = errors[name];
    if (q.empty()) return {};
    const rd_kafka_resp_err_t e = q.front();
    q.pop_front();
    return kafka::ErrorHandle(rd_kafka_error_new(e, "scripted %s failure", name.c_str()));
  }
  kafka::ErrorHandle init(std::chrono::milliseconds) override { return next("init"); }
  kafka::ErrorHandle begin() override { return next("begin"); }
  kafka::ErrorHandle send_offsets(const rd_kafka_topic_partition_list_t* offsets,
                                  const rd_kafka_consumer_group_metadata_t*,
                                  std::chrono::milliseconds) override {
    sent.clear();
    for (int i = 0; i < offsets->cnt; ++i) {
      sent.push_back(
          {offsets->elems[i].topic, offsets->elems[i].partition, offsets->elems[i].offset});
    }
    return next("send_offsets");
  }
  kafka::ErrorHandle commit(std::chrono::milliseconds) override { return next("commit"); }
  kafka::ErrorHandle abort(std::chrono::milliseconds) override { return next("abort"); }
  void recreate(const std::string&) override { calls.push_back("recreate"); }
};

struct FakeHost : TransactionHost {
  int64_t in_flight = 0;
  std::set<std::pair<std::string, int32_t>> owned;
  std::vector<std::pair<std::string, int32_t>> reset;
  std::vector<PartitionOffset> seeked;
  bool lost = false;
  uint64_t progress = 0;

  int64_t inflight() const override { return in_flight; }
  bool owns(const std::string& t, int32_t p) override { return owned.count({t, p}) > 0; }
  void reset_partition(const std::string& t, int32_t p) override { reset.emplace_back(t, p); }
  kafka::GroupMetadataHandle group_metadata() override {
    return kafka::GroupMetadataHandle(rd_kafka_consumer_group_metadata_new("group"));
  }
  kafka::ErrorHandle seek(rd_kafka_topic_partition_list_t* to, int) override {
    for (int i = 0; i < to->cnt; ++i) {
      seeked.push_back({to->elems[i].topic, to->elems[i].partition, to->elems[i].offset});
    }
    return {};
  }
  bool assignment_lost() override { return lost; }
  void progressed() override { ++progress; }
};

struct Fixture {
  explicit Fixture(TransactionLimits limits = {}) {
    host.owned = {{"in", 0}, {"in", 1}};
    TransactionSettings s;
    s.transactional_id = "wirefeed-test";
    s.limits = limits;
    s.timeout = 200ms;
    coordinator.emplace(std::move(s), producer, host, index, stats);
    EXPECT_TRUE(coordinator->init(stop));
  }
  TransactionCoordinator& c() { return *coordinator; }
  uint64_t aborted(const char* cause) {
    return stats.transactions_aborted_total.with({cause}).value();
  }

  ScriptedProducer producer;
  FakeHost host;
  pipeline::DedupIndex index{pipeline::DedupConfig{}};
  pipeline::Processor processor{pipeline::ProcessorConfig{}, index};
  Stats stats;
  std::atomic<bool> stop{false};
  std::optional<TransactionCoordinator> coordinator;
};

TEST(TransactionCoordinator, ADueBatchCommitsTheNextOffsetsOfOwnedPartitions) {
  Fixture f(TransactionLimits{.max_messages = 4, .max_bytes = 1u << 20, .interval = 1h});
  EXPECT_FALSE(f.c().open());
  EXPECT_EQ(f.c().admit("in", 0, 10, 100), 1u);
  EXPECT_TRUE(f.c().open());
  EXPECT_EQ(f.c().admit("in", 0, 11, 100), 1u);
  EXPECT_EQ(f.c().admit("in", 1, 5, 100), 1u);
  EXPECT_EQ(f.stats.transaction_open_inputs.value(), 3);
  f.c().tick();  // not due
  EXPECT_TRUE(f.c().open());
  f.host.owned.erase({"in", 1});  // revoked meanwhile: its offset is the next owner's
  EXPECT_EQ(f.c().admit("in", 0, 12, 100), 1u);
  f.c().tick();  // 4 messages: due
  EXPECT_FALSE(f.c().open());
  EXPECT_EQ(f.producer.calls,
            (std::vector<std::string>{"init", "begin", "send_offsets", "commit"}));
  EXPECT_EQ(f.producer.sent, (std::vector<PartitionOffset>{{"in", 0, 13}}));
  EXPECT_EQ(f.stats.transactions_committed_total.value(), 1u);
  EXPECT_EQ(f.stats.transaction_open_inputs.value(), 0);
  EXPECT_EQ(f.c().generation(), 1u);
  EXPECT_TRUE(f.host.seeked.empty());
  EXPECT_GT(f.host.progress, 0u);  // the calls fed the watchdog
  // The next input opens the next transaction.
  f.c().admit("in", 0, 13, 100);
  EXPECT_TRUE(f.c().open());
  EXPECT_EQ(f.producer.calls.back(), "begin");
}

TEST(TransactionCoordinator, AFailedOutputAbortsRollsBackAndRewinds) {
  Fixture f;
  const std::string a = testing::faults::story(1);
  pipeline::InputMessage m;
  m.topic = "in";
  m.offset = 7;
  m.key = "k7";
  m.value = a;
  m.timestamp = pipeline::Millis{std::chrono::milliseconds{1'709'546'400'000}};
  const uint64_t g = f.c().admit("in", 0, 7, a.size());
  f.c().admit("in", 1, 3, 10);
  const auto r = f.processor.process(m);
  ASSERT_TRUE(r.published);
  f.c().record_published(r.published->content, r.published->story_id);
  ASSERT_TRUE(f.processor.process(m).records.at(0).has_duplicate());  // in the index now
  f.c().fail("in", 0, 7, g, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
  f.c().tick();
  EXPECT_FALSE(f.c().open());
  EXPECT_EQ(f.c().generation(), g + 1);  // work of the aborted attempt produces nothing
  EXPECT_EQ(f.producer.calls, (std::vector<std::string>{"init", "begin", "abort"}));
  EXPECT_EQ(f.aborted("delivery"), 1u);
  EXPECT_EQ(f.stats.transactions_committed_total.value(), 0u);
  EXPECT_EQ(f.host.seeked, (std::vector<PartitionOffset>{{"in", 0, 7}, {"in", 1, 3}}));
  EXPECT_EQ(f.host.reset.size(), 2u);
  // Rolled back: the same input is a story again, not a duplicate of its aborted publication.
  EXPECT_TRUE(f.processor.process(m).records.at(0).has_story());
}

TEST(TransactionCoordinator, AFailureOfAnOlderAttemptIsIgnored) {
  Fixture f(TransactionLimits{.max_messages = 1, .max_bytes = 1u << 20, .interval = 1h});
  f.c().admit("in", 0, 1, 10);
  f.c().fail("in", 0, 1, /*generation=*/0, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
  f.c().tick();
  EXPECT_EQ(f.stats.transactions_committed_total.value(), 1u);
  EXPECT_EQ(f.aborted("delivery"), 0u);
}

TEST(TransactionCoordinator, OutputsStillInFlightAbortAfterTheTimeout) {
  Fixture f;
  f.c().admit("in", 0, 1, 10);
  f.host.in_flight = 1;
  EXPECT_FALSE(f.c().end("stopping"));
  EXPECT_EQ(f.aborted("drain_timeout"), 1u);
}

TEST(TransactionCoordinator, AnAbortableCommitErrorAbortsAndRewinds) {
  Fixture f;
  f.producer.errors["commit"] = {RD_KAFKA_RESP_ERR__STATE};
  f.c().admit("in", 1, 40, 10);
  EXPECT_FALSE(f.c().end("rebalance"));
  EXPECT_EQ(f.aborted("abortable"), 1u);
  EXPECT_EQ(f.host.seeked, (std::vector<PartitionOffset>{{"in", 1, 40}}));
  EXPECT_EQ(f.producer.calls,
            (std::vector<std::string>{"init", "begin", "send_offsets", "commit", "abort"}));
}

TEST(TransactionCoordinator, AFailedAbortReplacesTheProducerAndInitsAgain) {
  Fixture f;
  f.producer.errors["abort"] = {RD_KAFKA_RESP_ERR__TRANSPORT};
  f.c().admit("in", 0, 1, 10);
  f.c().fail("in", 0, 1, f.c().generation(), RD_KAFKA_RESP_ERR__TRANSPORT);
  f.c().tick();
  EXPECT_EQ(f.producer.calls,
            (std::vector<std::string>{"init", "begin", "abort", "recreate", "init"}));
  EXPECT_EQ(f.aborted("delivery"), 1u);
}

TEST(TransactionCoordinator, ALostAssignmentAbortsAndACleanRevokeCommits) {
  Fixture f;
  f.c().admit("in", 0, 1, 10);
  f.host.lost = true;
  f.c().on_revoke();
  EXPECT_EQ(f.aborted("assignment_lost"), 1u);
  f.c().on_revoke();  // nothing open: nothing to do
  EXPECT_EQ(f.aborted("assignment_lost"), 1u);
  f.host.lost = false;
  f.c().admit("in", 0, 1, 10);
  f.c().on_revoke();
  EXPECT_EQ(f.stats.transactions_committed_total.value(), 1u);
}

TEST(TransactionCoordinator, RepeatedRecordFailuresPoisonTheInput) {
  Fixture f;
  uint64_t g = f.c().admit("in", 0, 9, 10);
  // A producer failure is not the record's fault: never counted.
  f.c().fail("in", 0, 9, g, RD_KAFKA_RESP_ERR__FATAL);
  f.c().tick();
  EXPECT_FALSE(f.c().take_if_poisoned("in", 0, 9));
  // A state batch failure (record_poison false) is not counted either.
  g = f.c().admit("in", 0, 9, 10);
  f.c().fail("in", 0, 9, g, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, /*record_poison=*/false);
  f.c().tick();
  EXPECT_FALSE(f.c().take_if_poisoned("in", 0, 9));
  for (int i = 0; i < 2; ++i) {
    g = f.c().admit("in", 0, 9, 10);
    f.c().fail("in", 0, 9, g, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
    f.c().tick();
  }
  const auto reason = f.c().take_if_poisoned("in", 0, 9);
  ASSERT_TRUE(reason);
  EXPECT_NE(reason->find("too large"), std::string::npos) << *reason;
  EXPECT_FALSE(f.c().take_if_poisoned("in", 0, 9));  // forgotten once taken
  EXPECT_EQ(f.aborted("delivery"), 4u);
}

}  // namespace
}  // namespace wirefeed::daemon
