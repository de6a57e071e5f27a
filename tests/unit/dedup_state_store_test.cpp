// DedupStateStore (daemon/dedup_state_store.hpp) against librdkafka's mock cluster: the start-up
// replay restores both record types and skips malformed ones, the tail applies other instances'
// records and skips this instance's own (by key prefix, or by origin header under exactly-once),
// and an unreachable topic fails start-up unless start_without_state accepts an empty index.
#include "daemon/dedup_state_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "daemon/embedded_broker.hpp"
#include "daemon/state_records.hpp"
#include "pipeline/processor.hpp"
#include "tests/support/harness.hpp"

namespace wirefeed::daemon {
namespace {

using namespace std::chrono_literals;

// Five different stories through the real Processor, with recent event times (the index keeps
// what lies inside its window), and the states it hands back.
std::vector<v1::DedupState> make_states() {
  const char* texts[] = {
      "Dockworkers extend strike at Rotterdam terminals\n\nROTTERDAM, Nov 26 (Reuters) - "
      "Dockworkers at two of Rotterdam's largest container terminals extended their strike by 48 "
      "hours on Wednesday, the FNV union said, as 30 ships queued offshore.\n",
      "Wildfire forces evacuations near Boise\n\nBOISE, Idaho (AP) - A fast-moving wildfire "
      "forced about 1,200 residents from their homes on Tuesday as winds gusted to 40 mph, fire "
      "officials said.\n",
      "Central bank holds rates at 4.5%\n\nLONDON, March 3 (Reuters) - The central bank kept its "
      "main rate at 4.5% on Thursday, citing inflation of 3.1% in February, and said cuts would "
      "come later in the year.\n",
      "Ferry service resumes after storm\n\nOSLO, Jan 9 (NTB) - Ferry crossings between Oslo and "
      "Kiel resumed on Friday after a storm with gusts of 120 km/h kept 14 vessels in port for two "
      "days, the operator said.\n",
      "Chipmaker opens plant in Dresden\n\nDRESDEN, May 14 (dpa) - The chipmaker opened its "
      "third plant in Dresden on Tuesday, adding 1,000 jobs and 40,000 wafers a month, the state "
      "government said.\n"};
  pipeline::DedupIndex index{pipeline::DedupConfig{}};
  pipeline::Processor processor{pipeline::ProcessorConfig{}, index};
  std::vector<v1::DedupState> out;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch() - 10min)
                .count();
  for (const char* t : texts) {
    pipeline::InputMessage m;
    m.topic = "wire.raw";
    m.key = "k" + std::to_string(out.size());
    m.offset = static_cast<int64_t>(out.size());
    m.timestamp = pipeline::Millis{std::chrono::milliseconds{ms += 1000}};
    m.value = t;
    auto r = processor.process(m);
    EXPECT_TRUE(r.state.has_value()) << t;
    if (r.state) out.push_back(*r.state);
  }
  return out;
}

// One DedupStateBatch record carrying `states`, keyed `key`, with `headers` after the schema.
testing::Produced batch_record(const std::vector<const v1::DedupState*>& states,
                               const std::string& key, int32_t partition,
                               std::vector<std::pair<std::string, std::string>> headers = {}) {
  StateBatchWriter w;
  for (const v1::DedupState* s : states) w.add(*s);
  pipeline::EncodedOutput out = w.take("state", key);
  testing::Produced p{out.key, out.payload, partition};
  p.headers.emplace_back("wirefeed-schema", std::string(kDedupStateBatchSchema));
  for (auto& h : headers) p.headers.push_back(std::move(h));
  return p;
}

DedupStateSettings settings_for(const std::string& bootstrap, const std::string& group) {
  DedupStateSettings s;
  s.topic = "state";
  s.reader = {{"bootstrap.servers", bootstrap}, {"group.id", group}};
  s.restore_timeout = 20s;
  s.window = std::chrono::hours(72);
  s.own_key_prefix = "states-mine";
  return s;
}

template <typename Pred>
bool wait_for(Pred done, std::chrono::milliseconds timeout = 20s) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

TEST(DedupStateStore, ReplaysBothRecordTypesSkipsMalformedThenTailsOthersOnly) {
  const auto states = make_states();
  ASSERT_EQ(states.size(), 5u);
  EmbeddedCluster cluster;
  cluster.create_topic("state", 2);
  // A batch of two (partition 0), a single DedupState as older daemons wrote it (partition 1,
  // no header: told apart by its bytes), and junk that must not stop the replay.
  testing::produce_all(cluster.bootstrap(), "state",
                       {batch_record({&states[0], &states[1]}, "states-other-1", 0),
                        {"legacy", states[2].SerializeAsString(), 1},
                        {"junk", "\xff\xff\xff\xff", 1}});

  pipeline::DedupIndex index{pipeline::DedupConfig{}};
  Stats stats;
  DedupStateStore store(settings_for(cluster.bootstrap(), "replay.state-reader"), index, stats);
  EXPECT_FALSE(store.restoring());
  std::atomic<bool> stop{false};
  ASSERT_TRUE(store.restore(stop));
  EXPECT_FALSE(store.restoring());
  EXPECT_EQ(index.stats().entries, 3u);
  EXPECT_EQ(stats.dedup_state_restored_total.value(), 3u);
  EXPECT_EQ(stats.dedup_restore_complete.value(), 1);

  // The tail: our own record (same partition, first) is skipped, the other instance's applied.
  testing::produce_all(cluster.bootstrap(), "state",
                       {batch_record({&states[3]}, "states-mine-7", 0),
                        batch_record({&states[4]}, "states-other-2", 0)});
  ASSERT_TRUE(wait_for([&] { return stats.dedup_state_restored_total.value() == 4u; }));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(stats.dedup_state_restored_total.value(), 4u);
  EXPECT_EQ(index.stats().entries, 4u);  // states[3], our own, was skipped
  store.stop();
  store.stop();  // idempotent
}

TEST(DedupStateStore, ExactlyOnceTailSkipsRecordsOfItsOwnTransactionalId) {
  const auto states = make_states();
  ASSERT_EQ(states.size(), 5u);
  EmbeddedCluster cluster;
  cluster.create_topic("state", 1);
  pipeline::DedupIndex index{pipeline::DedupConfig{}};
  Stats stats;
  DedupStateSettings s = settings_for(cluster.bootstrap(), "eos.state-reader");
  s.own_origin = "txn-a";
  DedupStateStore store(std::move(s), index, stats);
  std::atomic<bool> stop{false};
  ASSERT_TRUE(store.restore(stop));  // an empty topic: caught up at once
  EXPECT_EQ(stats.dedup_restore_complete.value(), 1);
  EXPECT_EQ(index.stats().entries, 0u);
  // Under exactly-once the key prefix is not ours to judge by: only the origin header counts.
  testing::produce_all(
      cluster.bootstrap(), "state",
      {batch_record({&states[0]}, "states-mine-1", 0, {{"wirefeed-origin", "txn-a"}}),
       batch_record({&states[1]}, "states-mine-2", 0, {{"wirefeed-origin", "txn-b"}})});
  ASSERT_TRUE(wait_for([&] { return index.stats().entries == 1u; }));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(index.stats().entries, 1u);
  EXPECT_EQ(stats.dedup_state_restored_total.value(), 1u);
}

TEST(DedupStateStore, OwnRecordByKeyPrefix) {
  pipeline::DedupIndex index{pipeline::DedupConfig{}};
  Stats stats;
  DedupStateSettings s;
  s.topic = "state";
  s.own_key_prefix = "states-00ab";
  DedupStateStore store(std::move(s), index, stats);
  auto own = [&](const char* key) {
    rd_kafka_message_t m{};
    if (key != nullptr) {
      m.key = const_cast<char*>(key);
      m.key_len = std::char_traits<char>::length(key);
    }
    return store.own_record(m);
  };
  EXPECT_TRUE(own("states-00ab-1"));
  EXPECT_TRUE(own("states-00ab-123"));
  EXPECT_FALSE(own("states-00ab"));     // the prefix alone
  EXPECT_FALSE(own("states-00abc-1"));  // another instance whose tag starts like ours
  EXPECT_FALSE(own("states-ffff-1"));
  EXPECT_FALSE(own(nullptr));
}

TEST(DedupStateStore, UnreachableTopicFailsStartUpAndSaysWhy) {
  pipeline::DedupIndex index{pipeline::DedupConfig{}};
  Stats stats;
  DedupStateSettings s =
      settings_for("127.0.0.1:" + std::to_string(testing::free_port()), "down.state-reader");
  s.restore_timeout = 1500ms;
  DedupStateStore store(std::move(s), index, stats);
  std::atomic<bool> stop{false};
  std::string seen;
  std::thread watcher([&] {  // what /readyz would answer meanwhile
    wait_for([&] {
      seen = store.reason();
      return seen.find("not available") != std::string::npos;
    });
  });
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(store.restore(stop));
  watcher.join();
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 1500ms);
  EXPECT_NE(seen.find("restoring dedup state: 'state' not available"), std::string::npos) << seen;
  EXPECT_NE(seen.find("dedup.restore_timeout"), std::string::npos) << seen;
  EXPECT_TRUE(store.restoring());  // never ready: start-up fails
  EXPECT_EQ(stats.dedup_restore_complete.value(), 0);
}

TEST(DedupStateStore, StartWithoutStateGoesOnWithAnEmptyIndex) {
  pipeline::DedupIndex index{pipeline::DedupConfig{}};
  Stats stats;
  DedupStateSettings s =
      settings_for("127.0.0.1:" + std::to_string(testing::free_port()), "down.state-reader");
  s.restore_timeout = 500ms;
  s.start_without_state = true;
  DedupStateStore store(std::move(s), index, stats);
  std::atomic<bool> stop{false};
  EXPECT_TRUE(store.restore(stop));
  EXPECT_FALSE(store.restoring());
  EXPECT_EQ(stats.dedup_restore_complete.value(), 0);  // nothing was restored
  EXPECT_EQ(index.stats().entries, 0u);
}

TEST(DedupStateStore, StopWhileWaitingIsNotAFailure) {
  pipeline::DedupIndex index{pipeline::DedupConfig{}};
  Stats stats;
  DedupStateSettings s =
      settings_for("127.0.0.1:" + std::to_string(testing::free_port()), "down.state-reader");
  s.restore_timeout = 60s;
  DedupStateStore store(std::move(s), index, stats);
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(300ms);
    stop.store(true);
  });
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(store.restore(stop));
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
}

TEST(DedupStateStore, NoTopicMeansNothingToRestore) {
  pipeline::DedupIndex index{pipeline::DedupConfig{}};
  Stats stats;
  DedupStateStore store(DedupStateSettings{}, index, stats);
  std::atomic<bool> stop{false};
  EXPECT_TRUE(store.restore(stop));
  EXPECT_FALSE(store.restoring());
  EXPECT_EQ(stats.dedup_restore_complete.value(), 1);
}

}  // namespace
}  // namespace wirefeed::daemon
