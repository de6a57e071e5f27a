// Exactly-once bookkeeping without a broker: batch boundaries, the offsets sent with a
// transaction and the rewind positions after an abort, error classification, the dedup rollback
// (a story of an aborted transaction is published again when reprocessed, never suppressed as a
// duplicate of itself), repeated delivery failures, and the delivery.* configuration keys.
#include "daemon/transactions.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "daemon/config.hpp"
#include "pipeline/processor.hpp"
#include "tests/e2e/fault_support.hpp"
#include "tests/support/harness.hpp"

namespace wirefeed::daemon {
namespace {

using pipeline::Processor;
using pipeline::ProcessorConfig;
using pipeline::ProcessResult;

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

TEST(TransactionBatch, EndsAtTheFirstLimitReached) {
  const TransactionLimits limits{3, 1000, 100ms};
  const auto t0 = Clock::time_point{} + 1h;
  TransactionBatch b;
  EXPECT_FALSE(b.due(limits, t0 + 1h)) << "an empty batch is never due";
  b.add("in", 0, 10, 100, t0);
  b.add("in", 0, 11, 100, t0 + 10ms);
  EXPECT_FALSE(b.due(limits, t0 + 99ms));
  EXPECT_EQ(b.due(limits, t0 + 100ms), "interval");  // measured from the first input
  b.add("in", 1, 5, 100, t0 + 20ms);
  EXPECT_EQ(b.due(limits, t0 + 20ms), "messages");
  TransactionBatch big;
  big.add("in", 0, 1, 600, t0);
  EXPECT_FALSE(big.due(limits, t0));
  big.add("in", 0, 2, 400, t0);
  EXPECT_EQ(big.due(limits, t0), "bytes");
  EXPECT_EQ(big.messages(), 2u);
  EXPECT_EQ(big.bytes(), 1000u);
}

TEST(TransactionBatch, CommitsLastPlusOneAndRewindsToFirstPerPartition) {
  TransactionBatch b;
  const auto t = Clock::now();
  b.add("a", 0, 10, 1, t);
  b.add("a", 1, 7, 1, t);
  b.add("a", 0, 11, 1, t);
  b.add("b", 0, 3, 1, t);
  b.add("a", 0, 14, 1, t);  // gaps (compaction, transaction markers) are allowed
  b.add("a", 1, 8, 1, t);
  const std::vector<PartitionOffset> commit{{"a", 0, 15}, {"a", 1, 9}, {"b", 0, 4}};
  const std::vector<PartitionOffset> rewind{{"a", 0, 10}, {"a", 1, 7}, {"b", 0, 3}};
  EXPECT_EQ(b.commit_offsets(), commit);
  EXPECT_EQ(b.rewind_offsets(), rewind);
  b.clear();
  EXPECT_TRUE(b.empty());
  EXPECT_TRUE(b.commit_offsets().empty());
  EXPECT_FALSE(b.started());
  // The next batch starts where the committed one ended: its rewind position is the commit.
  b.add("a", 0, 15, 1, t);
  EXPECT_EQ(b.rewind_offsets(), (std::vector<PartitionOffset>{{"a", 0, 15}}));
}

TEST(TransactionErrors, FatalWinsOverAbortableOverRetriable) {
  EXPECT_EQ(classify_txn_error(false, true, true, true), TxnStep::kOk);
  EXPECT_EQ(classify_txn_error(true, true, true, true), TxnStep::kFatal);
  EXPECT_EQ(classify_txn_error(true, false, true, true), TxnStep::kAbort);
  EXPECT_EQ(classify_txn_error(true, false, false, true), TxnStep::kRetry);
  EXPECT_EQ(classify_txn_error(true, false, false, false), TxnStep::kAbort);
  EXPECT_EQ(txn_step_name(TxnStep::kFatal), "fatal");
}

TEST(DeliveryFailures, DeadLettersOnlyAfterTheLimitAndStaysBounded) {
  DeliveryFailures f(2, 3);
  f.record("in", 0, 5, "Broker: Message size too large");
  EXPECT_FALSE(f.take_if_poisoned("in", 0, 5)) << "one failure: retried as it is";
  f.record("in", 0, 5, "Broker: Message size too large");
  EXPECT_FALSE(f.take_if_poisoned("in", 1, 5));
  EXPECT_EQ(f.take_if_poisoned("in", 0, 5), "Broker: Message size too large");
  EXPECT_FALSE(f.take_if_poisoned("in", 0, 5)) << "taken once";
  for (int i = 0; i < 10; ++i) f.record("in", 0, i, "x");
  EXPECT_EQ(f.size(), 3u);
}

pipeline::InputMessage input(std::string value, int64_t offset) {
  pipeline::InputMessage m;
  m.topic = "wire.raw";
  m.partition = 0;
  m.offset = offset;
  m.key = "k" + std::to_string(offset);
  m.timestamp = pipeline::Millis{std::chrono::milliseconds{1'709'546'400'000 + offset * 1000}};
  m.value = std::move(value);
  return m;
}

using testing::formats_fixture;

// Processes `value` as a transaction would: a published story is recorded for rollback.
ProcessResult process(const Processor& p, DedupRollback& rb, const std::string& value,
                      int64_t offset) {
  ProcessResult r = p.process(input(value, offset));
  if (r.published) rb.add(r.published->content, r.published->story_id);
  return r;
}

TEST(DedupRollback, AbortedStoriesArePublishedAgainWhenReprocessed) {
  pipeline::DedupIndex idx({});
  const Processor p(ProcessorConfig{}, idx);
  DedupRollback rb;
  const std::string a = testing::faults::story(1), b = testing::faults::story(2);
  ASSERT_TRUE(process(p, rb, a, 1).records.at(0).has_story());
  ASSERT_TRUE(process(p, rb, b, 2).records.at(0).has_story());
  // The same copy again inside the same transaction: a duplicate, not rolled back later.
  ASSERT_TRUE(process(p, rb, a, 3).records.at(0).has_duplicate());
  EXPECT_EQ(rb.size(), 2u);
  EXPECT_EQ(rb.roll_back(idx), 2u);
  EXPECT_EQ(rb.size(), 0u);
  // Rewound: the same inputs again are stories again (and the copy a duplicate again).
  EXPECT_TRUE(process(p, rb, a, 1).records.at(0).has_story());
  EXPECT_TRUE(process(p, rb, b, 2).records.at(0).has_story());
  EXPECT_TRUE(process(p, rb, a, 3).records.at(0).has_duplicate());
  rb.clear();  // committed: now final
  EXPECT_TRUE(process(p, rb, a, 4).records.at(0).has_duplicate());
}

TEST(DedupRollback, WithoutRollbackTheReprocessedStoryWouldBeLostAsADuplicate) {
  // The control: what the rollback prevents. If this stops being a duplicate, the test above
  // proves nothing.
  pipeline::DedupIndex idx({});
  const Processor p(ProcessorConfig{}, idx);
  DedupRollback rb;
  ASSERT_TRUE(process(p, rb, testing::faults::story(7), 1).records.at(0).has_story());
  EXPECT_TRUE(process(p, rb, testing::faults::story(7), 1).records.at(0).has_duplicate());
}

TEST(DedupRollback, AnAbortedNewVersionIsPublishedAgainAsTheNewVersion) {
  pipeline::DedupIndex idx({});
  const Processor p(ProcessorConfig{}, idx);
  DedupRollback rb;
  const auto v1 = process(p, rb, formats_fixture("ninjs-v2-update-older.json"), 1);
  ASSERT_TRUE(v1.records.at(0).has_story());
  rb.clear();  // v1's transaction committed
  const auto v2 = process(p, rb, formats_fixture("ninjs-v2-update.json"), 2);
  ASSERT_TRUE(v2.records.at(0).has_story());
  ASSERT_EQ(v2.verdict, pipeline::Verdict::kVersionNew);
  rb.roll_back(idx);  // v2's transaction aborted
  const auto again = process(p, rb, formats_fixture("ninjs-v2-update.json"), 2);
  ASSERT_TRUE(again.records.at(0).has_story()) << "the new version was lost to dedup";
  EXPECT_EQ(again.records.at(0).story().id(), v2.records.at(0).story().id());
}

// ---- configuration ----------------------------------------------------------------------------

TEST(DeliveryConfig, DefaultsAreAtLeastOnceWithDocumentedTransactionBounds) {
  const Config c = parse_config("", "t.yaml");
  EXPECT_EQ(c.delivery.mode, DeliveryMode::kAtLeastOnce);
  EXPECT_EQ(c.delivery.transaction_max_messages, 1000u);
  EXPECT_EQ(c.delivery.transaction_max_bytes, 16u << 20);
  EXPECT_EQ(c.delivery.transaction_interval, 100ms);
  EXPECT_EQ(c.delivery.transaction_timeout, 10s);
  EXPECT_EQ(effective_transactional_id(c, "news-01"), "wirefeed.news-01");
  EXPECT_EQ(effective_transactional_id(c, "host name/x"), "wirefeed.host_name_x");
}

TEST(DeliveryConfig, ExactlyOnceKeysParseRenderAndRoundTrip) {
  const Config c = parse_config(
      "kafka:\n  group_id: desk\ndelivery:\n  mode: exactly_once\n  transactional_id: desk-a\n"
      "  transaction_max_messages: 250\n  transaction_max_bytes: 4MiB\n"
      "  transaction_interval: 2s\n  transaction_timeout: 1m\n",
      "t.yaml");
  EXPECT_EQ(c.delivery.mode, DeliveryMode::kExactlyOnce);
  EXPECT_EQ(c.delivery.transactional_id, "desk-a");
  EXPECT_EQ(c.delivery.transaction_max_messages, 250u);
  EXPECT_EQ(c.delivery.transaction_max_bytes, 4u << 20);
  EXPECT_EQ(c.delivery.transaction_interval, 2s);
  EXPECT_EQ(c.delivery.transaction_timeout, 60s);
  EXPECT_EQ(effective_transactional_id(c, "ignored"), "desk-a");
  const std::string rendered = render_config(c);
  EXPECT_NE(rendered.find("mode: exactly_once"), std::string::npos) << rendered;
  const Config back = parse_config(rendered, "rendered");
  EXPECT_EQ(render_config(back), rendered);
  EXPECT_NE(summarize_config(c).find("delivery=exactly_once (transactional_id=desk-a"),
            std::string::npos)
      << summarize_config(c);
}

TEST(DeliveryConfig, BadValuesAreErrorsNamingTheKey) {
  auto error_of = [](const std::string& yaml) {
    try {
      parse_config(yaml, "t.yaml");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of("delivery:\n  mode: exactly-once\n").find("t.yaml:2: delivery.mode"),
            std::string::npos);
  EXPECT_NE(error_of("delivery:\n  transactional_id: \"a b\"\n").find("delivery.transactional_id"),
            std::string::npos);
  EXPECT_NE(error_of("delivery:\n  transaction_max_messages: 0\n")
                .find("delivery.transaction_max_messages: must be in 1..1000000"),
            std::string::npos);
  EXPECT_NE(error_of("delivery:\n  transaction_max_bytes: 10\n").find("at least 1KiB"),
            std::string::npos);
  EXPECT_NE(error_of("delivery:\n  transaction_interval: 0ms\n").find("1ms..5m"),
            std::string::npos);
  EXPECT_NE(error_of("delivery:\n  transaction_timeout: 100ms\n").find("1s..15m"),
            std::string::npos);
  EXPECT_NE(error_of("delivery:\n  retries: 3\n").find("unknown key"), std::string::npos);
}

}  // namespace
}  // namespace wirefeed::daemon
