// DeliveryTracker (daemon/delivery_tracker.hpp) against a fake sink whose delivery reports the
// test sends (the test thread plays the producer poll thread; strands and timers run on a small
// pool): an input completes only after all its outputs and its dedup state are delivered, a
// failed routed output is replaced by a dead letter before the offset advances and leaves no
// state, a dead letter that fails is retried while the partition stalls, a state batch whose
// producer failed is re-sent and holds its inputs back, a full queue keeps a state batch for the
// next round, only a record's primary output is echoed, and (exactly_once) the outputs of an
// aborted attempt produce nothing while a failed output fails the transaction, not a dead letter.
#include "daemon/delivery_tracker.hpp"

#include <gtest/gtest.h>

#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

#include "daemon/transaction_coordinator.hpp"

namespace wirefeed::daemon {
namespace {

using namespace std::chrono_literals;
using pipeline::OutputKind;

// Records every produce; a delivery report is sent by the test (deliver()).
class FakeSink : public DeliverySink {
 public:
  struct Produced {
    void* opaque = nullptr;
    pipeline::EncodedOutput out;
    bool may_wait = true;
    bool reported = false;  // its delivery report was sent
  };

  // Tickets whose report a test never sent (librdkafka would report them at shutdown).
  ~FakeSink() override {
    for (const Produced& p : produced_) {
      if (!p.reported) delete static_cast<Ticket*>(p.opaque);
    }
  }

  rd_kafka_resp_err_t produce(const pipeline::EncodedOutput& out, void* opaque,
                              const std::atomic<bool>&, bool may_wait) override {
    std::lock_guard lock(mu_);
    if (!may_wait && queue_full_ > 0) {
      --queue_full_;
      return RD_KAFKA_RESP_ERR__QUEUE_FULL;
    }
    produced_.push_back({opaque, out, may_wait});
    cv_.notify_all();
    return RD_KAFKA_RESP_ERR_NO_ERROR;
  }

  // The next `n` non-waiting produces (the poll thread's) find the queue full.
  void fill_queue(int n) {
    std::lock_guard lock(mu_);
    queue_full_ = n;
  }

  // Waits until `n` records were produced; true when they were.
  bool wait_for(std::size_t n, std::chrono::milliseconds bound = 5s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, bound, [&] { return produced_.size() >= n; });
  }

  std::size_t count() {
    std::lock_guard lock(mu_);
    return produced_.size();
  }

  Produced at(std::size_t i) {
    std::lock_guard lock(mu_);
    return produced_.at(i);
  }

  // The delivery report of the i-th produced record.
  void deliver(DeliveryTracker& tracker, std::size_t i,
               rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR) {
    Produced p;
    {
      std::lock_guard lock(mu_);
      produced_.at(i).reported = true;
      p = produced_.at(i);
    }
    sinks::DeliveryReport r;
    r.opaque = p.opaque;
    r.err = err;
    r.topic = p.out.topic;
    r.partition = 0;
    r.offset = static_cast<int64_t>(i);
    r.payload = p.out.payload.data();
    r.len = p.out.payload.size();
    tracker.on_delivery(r);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Produced> produced_;
  int queue_full_ = 0;
};

pipeline::EncodedOutput output(OutputKind kind, std::string topic, std::string payload) {
  pipeline::EncodedOutput out;
  out.kind = kind;
  out.topic = std::move(topic);
  out.key = "k";
  out.payload = std::move(payload);
  out.content_type = "application/json";  // echoed as it is
  return out;
}

struct DeliveryTrackerTest : ::testing::Test {
  DeliveryTrackerTest()
      : index(pipeline::DedupConfig{}),
        ps(std::make_shared<DeliveryPartition>("in", 0, boost::asio::make_strand(pool))) {
    settings.stories_topic = "stories";
    settings.duplicates_topic = "duplicates";
    settings.dead_letter_topic = "dead";
    settings.state_topic = "state";
    tracker = std::make_unique<DeliveryTracker>(
        settings, sink, pool.get_executor(), index, stats, abandon,
        [this](const pipeline::InputMessage& msg, std::string detail) {
          dead_letter_details.push_back(detail);
          return output(OutputKind::kDeadLetter, "dead",
                        "dead letter of " + std::to_string(msg.offset));
        },
        &echo, nullptr);
  }

  ~DeliveryTrackerTest() override {
    abandon.store(true);
    pool.join();
  }

  // One input at `offset` with `routed` outputs, a dedup state when `with_state`.
  std::shared_ptr<Pending> admit(int64_t offset, int routed, bool with_state) {
    auto msg = std::make_shared<pipeline::InputMessage>();
    msg->topic = "in";
    msg->partition = 0;
    msg->offset = offset;
    msg->value = "input bytes";
    {
      std::lock_guard lock(ps->mu);
      EXPECT_TRUE(ps->tracker.track(offset));
    }
    tracker->admitted(*ps, msg->value.size());
    auto p = std::make_shared<Pending>();
    p->ps = ps;
    p->msg = std::move(msg);
    p->published = pipeline::ProcessResult::Published{pipeline::ContentHash{1, 2}, "story-1"};
    if (with_state) {
      p->state.emplace();
      p->state->set_story_id("story-1");
    }
    p->acks.expect(routed);
    p->remaining.store(routed + (with_state ? 1 : 0));
    return p;
  }

  std::optional<int64_t> committable() {
    std::lock_guard lock(ps->mu);
    return ps->tracker.take_committable();
  }

  boost::asio::thread_pool pool{1};
  Stats stats;
  pipeline::DedupIndex index;
  std::atomic<bool> abandon{false};
  FakeSink sink;
  DeliverySettings settings;
  std::ostringstream echo;  // written on the test thread only (the poll thread's role)
  std::vector<std::string> dead_letter_details;  // the pool's strand writes; read after a wait
  std::shared_ptr<DeliveryPartition> ps;
  std::unique_ptr<DeliveryTracker> tracker;
};

TEST_F(DeliveryTrackerTest, InputCompletesAfterItsOutputsAndItsState) {
  auto p = admit(5, 2, /*with_state=*/true);
  tracker->send(p, output(OutputKind::kStory, "stories", "{\"a\":1}"), true, {}, true);
  tracker->send(p, output(OutputKind::kStory, "mirror", "{\"a\":1}"), false, {}, true);
  ASSERT_EQ(sink.count(), 2u);
  EXPECT_EQ(tracker->inflight_messages(), 1);

  sink.deliver(*tracker, 0);
  tracker->flush_state_batch();
  EXPECT_EQ(sink.count(), 2u);  // the state waits for the last routed output
  sink.deliver(*tracker, 1);
  EXPECT_FALSE(committable());
  tracker->flush_state_batch();  // the end of the round: its states go out as one batch
  ASSERT_EQ(sink.count(), 3u);
  const auto batch = sink.at(2);
  EXPECT_EQ(batch.out.kind, OutputKind::kDedupState);
  EXPECT_EQ(batch.out.topic, "state");
  EXPECT_EQ(batch.out.key, tracker->state_key_prefix() + "-1");
  EXPECT_FALSE(batch.may_wait);  // the poll thread never waits for itself
  EXPECT_FALSE(committable());   // I-1: the offset waits for the state record too

  sink.deliver(*tracker, 2);
  EXPECT_EQ(committable(), 6);
  EXPECT_EQ(tracker->inflight_messages(), 0);
  EXPECT_EQ(tracker->inflight_bytes(), 0);
  EXPECT_EQ(ps->inflight.load(), 0);
  EXPECT_EQ(stats.records_published_total.with({"stories", "story"}).value(), 1u);
  EXPECT_EQ(stats.records_published_total.with({"mirror", "story"}).value(), 1u);
  EXPECT_EQ(stats.records_published_total.with({"state", "dedup_state"}).value(), 1u);
  EXPECT_EQ(echo.str(), "{\"a\":1}\n");  // the primary output only
}

TEST_F(DeliveryTrackerTest, FailedOutputThenSuccessGivesDeadLetterBeforeOffsetAndNoState) {
  auto p = admit(7, 2, /*with_state=*/true);
  tracker->send(p, output(OutputKind::kStory, "stories", "{}"), true, {}, true);
  tracker->send(p, output(OutputKind::kStory, "mirror", "{}"), false, {}, true);

  sink.deliver(*tracker, 0, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);  // rejected for good
  ASSERT_TRUE(sink.wait_for(3));  // its dead letter, produced on the partition's strand
  const auto dl = sink.at(2);
  EXPECT_EQ(dl.out.kind, OutputKind::kDeadLetter);
  EXPECT_EQ(dl.out.payload, "dead letter of 7");
  ASSERT_EQ(dead_letter_details.size(), 1u);
  EXPECT_EQ(dead_letter_details[0], std::string("output delivery failed: ") +
                                        rd_kafka_err2str(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE));
  EXPECT_EQ(stats.producer_delivery_errors_total.with({"stories"}).value(), 1u);

  sink.deliver(*tracker, 1);  // the other routed output: the record is not out, no state
  tracker->flush_state_batch();
  EXPECT_EQ(sink.count(), 3u);
  EXPECT_FALSE(committable());  // the dead letter is not delivered yet

  sink.deliver(*tracker, 2);
  EXPECT_EQ(committable(), 8);
  EXPECT_EQ(tracker->inflight_messages(), 0);
  tracker->flush_state_batch();
  EXPECT_EQ(sink.count(), 3u);
}

TEST_F(DeliveryTrackerTest, DeadLetterIsRetriedAfterARetriableErrorWhileThePartitionStalls) {
  auto p = admit(3, 1, /*with_state=*/false);
  tracker->send(p, output(OutputKind::kStory, "stories", "{}"), true, {}, true);
  sink.deliver(*tracker, 0, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
  ASSERT_TRUE(sink.wait_for(2));

  const auto start = std::chrono::steady_clock::now();
  sink.deliver(*tracker, 1, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT);  // the dead letter failed too
  EXPECT_EQ(stats.partitions_stalled.value(), 1);
  EXPECT_EQ(ps->retrying.load(), 1);
  ASSERT_TRUE(sink.wait_for(3));  // retried after 200 ms (100 ms << 1)
  EXPECT_GE(std::chrono::steady_clock::now() - start, 190ms);
  EXPECT_EQ(sink.at(2).out.payload, "dead letter of 3");
  EXPECT_FALSE(committable());  // never skipped

  sink.deliver(*tracker, 2);
  EXPECT_EQ(stats.partitions_stalled.value(), 0);
  EXPECT_EQ(ps->retrying.load(), 0);
  EXPECT_EQ(committable(), 4);
}

TEST_F(DeliveryTrackerTest, FailedDeadLetterOfARevokedPartitionNeverCompletes) {
  auto p = admit(3, 1, /*with_state=*/false);
  tracker->send(p, output(OutputKind::kStory, "stories", "{}"), true, {}, true);
  sink.deliver(*tracker, 0, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
  ASSERT_TRUE(sink.wait_for(2));
  ps->revoked.store(true);
  sink.deliver(*tracker, 1, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT);
  EXPECT_EQ(stats.partitions_stalled.value(), 0);  // no retry: the next owner redelivers
  EXPECT_FALSE(sink.wait_for(3, 300ms));
  EXPECT_FALSE(committable());
  EXPECT_EQ(tracker->inflight_messages(), 1);
}

TEST_F(DeliveryTrackerTest, ProducerFailureResendsTheRecordUnchanged) {
  auto p = admit(9, 1, /*with_state=*/false);
  tracker->send(p, output(OutputKind::kStory, "stories", "{\"b\":2}"), true, {}, true);
  sink.deliver(*tracker, 0, RD_KAFKA_RESP_ERR__FATAL);
  ASSERT_TRUE(sink.wait_for(2));  // after 20 ms, on the partition's strand
  EXPECT_EQ(sink.at(1).out.kind, OutputKind::kStory);
  EXPECT_EQ(sink.at(1).out.payload, "{\"b\":2}");
  EXPECT_TRUE(dead_letter_details.empty());
  EXPECT_FALSE(committable());
  sink.deliver(*tracker, 1);
  EXPECT_EQ(committable(), 10);
}

TEST_F(DeliveryTrackerTest, StateBatchFailureBlocksCompletionUntilItsResendIsDelivered) {
  auto p = admit(11, 1, /*with_state=*/true);
  tracker->send(p, output(OutputKind::kStory, "stories", "{}"), true, {}, true);
  sink.deliver(*tracker, 0);
  tracker->flush_state_batch();
  ASSERT_EQ(sink.count(), 2u);

  sink.deliver(*tracker, 1, RD_KAFKA_RESP_ERR__FATAL);  // the producer, not the batch, failed
  EXPECT_FALSE(committable());
  ASSERT_TRUE(sink.wait_for(3));  // re-sent unchanged after 20 ms (on the pool)
  EXPECT_EQ(sink.at(2).out.kind, OutputKind::kDedupState);
  EXPECT_EQ(sink.at(2).out.payload, sink.at(1).out.payload);
  EXPECT_FALSE(committable());

  sink.deliver(*tracker, 2);
  EXPECT_EQ(committable(), 12);
}

TEST_F(DeliveryTrackerTest, StateBatchRejectedForGoodCompletesWithoutState) {
  auto p = admit(11, 1, /*with_state=*/true);
  tracker->send(p, output(OutputKind::kStory, "stories", "{}"), true, {}, true);
  sink.deliver(*tracker, 0);
  tracker->flush_state_batch();
  ASSERT_EQ(sink.count(), 2u);
  EXPECT_FALSE(committable());
  sink.deliver(*tracker, 1, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
  EXPECT_EQ(committable(), 12);  // the story is out; a restart may repeat it, never lose it
  EXPECT_FALSE(sink.wait_for(3, 100ms));
}

TEST_F(DeliveryTrackerTest, FullQueueKeepsTheStateBatchForTheNextRound) {
  auto p = admit(20, 1, /*with_state=*/true);
  auto q = admit(21, 1, /*with_state=*/true);
  tracker->send(p, output(OutputKind::kStory, "stories", "{}"), true, {}, true);
  tracker->send(q, output(OutputKind::kStory, "stories", "{}"), true, {}, true);
  sink.deliver(*tracker, 0);
  sink.deliver(*tracker, 1);
  sink.fill_queue(1);
  tracker->flush_state_batch();
  EXPECT_EQ(sink.count(), 2u);
  tracker->flush_state_batch();  // the next round: the blocked batch goes first
  ASSERT_EQ(sink.count(), 3u);
  EXPECT_EQ(sink.at(2).out.key, tracker->state_key_prefix() + "-1");  // one batch, both states
  EXPECT_FALSE(committable());
  sink.deliver(*tracker, 2);
  EXPECT_EQ(committable(), 22);
}

// exactly_once: a transaction API that always succeeds and a consumer side that owns nothing.
struct NoTransactions : TransactionalProducer {
  kafka::ErrorHandle init(std::chrono::milliseconds) override { return {}; }
  kafka::ErrorHandle begin() override { return {}; }
  kafka::ErrorHandle send_offsets(const rd_kafka_topic_partition_list_t*,
                                  const rd_kafka_consumer_group_metadata_t*,
                                  std::chrono::milliseconds) override {
    return {};
  }
  kafka::ErrorHandle commit(std::chrono::milliseconds) override { return {}; }
  kafka::ErrorHandle abort(std::chrono::milliseconds) override { return {}; }
  void recreate(const std::string&) override {}
};

struct NoHost : TransactionHost {
  int64_t inflight() const override { return 0; }
  bool owns(const std::string&, int32_t) override { return false; }
  void reset_partition(const std::string&, int32_t) override {}
  kafka::GroupMetadataHandle group_metadata() override {
    return kafka::GroupMetadataHandle(rd_kafka_consumer_group_metadata_new("group"));
  }
  kafka::ErrorHandle seek(rd_kafka_topic_partition_list_t*, int) override { return {}; }
  bool assignment_lost() override { return false; }
  void progressed() override {}
};

struct DeliveryTrackerEosTest : DeliveryTrackerTest {
  DeliveryTrackerEosTest() {
    settings.exactly_once = true;
    tracker = std::make_unique<DeliveryTracker>(
        settings, sink, pool.get_executor(), index, stats, abandon,
        [](const pipeline::InputMessage&, std::string) {
          ADD_FAILURE() << "exactly_once never dead-letters a failed output";
          return pipeline::EncodedOutput{};
        },
        nullptr, nullptr);
    tracker->set_transactions(&txn);
  }

  NoTransactions producer;
  NoHost host;
  TransactionCoordinator txn{TransactionSettings{}, producer, host, index, stats};
};

TEST_F(DeliveryTrackerEosTest, OutputsOfAnAbortedAttemptProduceNothingAndComplete) {
  auto p = admit(30, 2, /*with_state=*/true);
  p->generation = txn.generation() + 1;  // not the current attempt
  tracker->send(p, output(OutputKind::kStory, "stories", "{}"), true, {}, true);
  tracker->send(p, output(OutputKind::kStory, "mirror", "{}"), false, {}, true);
  EXPECT_EQ(sink.count(), 0u);
  tracker->flush_state_batch();
  EXPECT_EQ(sink.count(), 0u);  // no state either
  EXPECT_EQ(committable(), 31);
  EXPECT_EQ(tracker->inflight_messages(), 0);
}

TEST_F(DeliveryTrackerEosTest, AFailedOutputCompletesWithoutADeadLetterOrState) {
  auto p = admit(40, 1, /*with_state=*/true);
  p->generation = txn.generation();
  tracker->send(p, output(OutputKind::kStory, "stories", "{}"), true, {}, true);
  ASSERT_EQ(sink.count(), 1u);
  sink.deliver(*tracker, 0, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
  tracker->flush_state_batch();
  EXPECT_FALSE(sink.wait_for(2, 100ms));  // the transaction aborts and rewinds instead
  EXPECT_EQ(committable(), 41);
}

}  // namespace
}  // namespace wirefeed::daemon
