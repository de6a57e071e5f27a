// State-topic records (daemon/state_records.*): DedupStateBatch written by the daemon, single
// DedupState records written by older daemons; both restore, with or without their headers.
#include <gtest/gtest.h>

#include "daemon/state_records.hpp"
#include "pipeline/encode.hpp"
#include "pipeline/processor.hpp"
#include "tests/support/legacy_state.hpp"

namespace wirefeed::daemon {
namespace {

using pipeline::Processor;
using pipeline::ProcessorConfig;
using pipeline::ProcessResult;

// Three different stories through the real Processor, and the states it hands back.
class StateRecords : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* texts[] = {
        "Dockworkers extend strike at Rotterdam terminals\n\nROTTERDAM, Nov 26 (Reuters) - "
        "Dockworkers at two of Rotterdam's largest container terminals extended their strike by "
        "48 hours on Wednesday, the FNV union said, as 30 ships queued offshore.\n",
        "Wildfire forces evacuations near Boise\n\nBOISE, Idaho (AP) - A fast-moving wildfire "
        "forced about 1,200 residents from their homes on Tuesday as winds gusted to 40 mph, "
        "fire officials said.\n",
        "Central bank holds rates at 4.5%\n\nLONDON, March 3 (Reuters) - The central bank kept "
        "its main rate at 4.5% on Thursday, citing inflation of 3.1% in February, and said cuts "
        "would come later in the year.\n"};
    int64_t ms = 1'700'000'000'000;
    for (const char* t : texts) {
      pipeline::InputMessage m;
      m.topic = "wire.raw";
      m.key = "k" + std::to_string(states.size());
      m.offset = static_cast<int64_t>(states.size());
      m.timestamp = pipeline::Millis{std::chrono::milliseconds{ms += 60'000}};
      m.value = t;
      inputs.push_back(m);
      auto r = processor.process(m);
      ASSERT_TRUE(r.state.has_value()) << t;
      states.push_back(*r.state);
    }
  }

  // Each input again, through a processor over `restored`: all must be EXACT duplicates.
  void expect_all_suppressed(pipeline::DedupIndex& restored) {
    Processor p{ProcessorConfig{}, restored};
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      auto r = p.process(inputs[i]);
      ASSERT_EQ(r.records.size(), 1u);
      ASSERT_TRUE(r.records[0].has_duplicate()) << i;
      EXPECT_EQ(r.records[0].duplicate().kind(), v1::DUPLICATE_KIND_EXACT);
      EXPECT_EQ(r.records[0].duplicate().duplicate_of(), states[i].story_id());
    }
  }

  pipeline::DedupIndex index{pipeline::DedupConfig{}};
  Processor processor{ProcessorConfig{}, index};
  std::vector<pipeline::InputMessage> inputs;
  std::vector<v1::DedupState> states;
};

TEST_F(StateRecords, BatchRoundTripsAndRestoresEveryState) {
  StateBatchWriter w;
  for (const auto& s : states) {
    ASSERT_TRUE(w.fits(s));
    w.add(s);
  }
  EXPECT_EQ(w.size(), 3u);
  const pipeline::EncodedOutput out = w.take("wire.dedup-state", "states-1");
  EXPECT_TRUE(w.empty());
  EXPECT_EQ(out.kind, pipeline::OutputKind::kDedupState);
  EXPECT_EQ(out.topic, "wire.dedup-state");
  EXPECT_EQ(out.key, "states-1");
  EXPECT_EQ(std::string_view(out.schema), kDedupStateBatchSchema);
  // Protobuf's own parser reads the hand-framed payload as a DedupStateBatch.
  v1::DedupStateBatch parsed;
  ASSERT_TRUE(parsed.ParseFromString(out.payload));
  ASSERT_EQ(parsed.states_size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(parsed.states(i).SerializeAsString(),
              states[static_cast<std::size_t>(i)].SerializeAsString());
  }
  pipeline::DedupIndex restored{pipeline::DedupConfig{}};
  const auto n = restore_state_record(restored, kDedupStateBatchSchema, out.payload.data(),
                                      out.payload.size());
  EXPECT_EQ(n.applied, 3u);
  EXPECT_EQ(n.malformed, 0u);
  EXPECT_EQ(restored.size(), 3u);
  expect_all_suppressed(restored);
}

TEST_F(StateRecords, OldSingleStateRecordsStillRestore) {
  pipeline::DedupIndex restored{pipeline::DedupConfig{}};
  for (const auto& s : states) {
    // Exactly what older daemons wrote (one state per message), with and without its header.
    const pipeline::EncodedOutput old = testing::encode_legacy_state(s, "wire.dedup-state");
    EXPECT_EQ(std::string_view(old.schema), kDedupStateSchema);
    EXPECT_EQ(
        restore_state_record(restored, kDedupStateSchema, old.payload.data(), old.payload.size())
            .applied,
        1u);
    EXPECT_EQ(restore_state_record(restored, std::nullopt, old.payload.data(), old.payload.size())
                  .applied,
              1u);
  }
  EXPECT_EQ(restored.size(), 3u);  // replaying a state twice is idempotent
  expect_all_suppressed(restored);
}

TEST_F(StateRecords, RecordsWithoutHeadersAreToldApartByTheirBytes) {
  StateBatchWriter w;
  for (const auto& s : states) w.add(s);
  const std::string batch = w.take("t", "k").payload;
  const std::string single = states[0].SerializeAsString();
  auto b = parse_state_record(std::nullopt, batch.data(), batch.size());
  ASSERT_TRUE(b);
  EXPECT_EQ(b->states_size(), 3);
  auto s = parse_state_record(std::nullopt, single.data(), single.size());
  ASSERT_TRUE(s);
  ASSERT_EQ(s->states_size(), 1);
  EXPECT_EQ(s->states(0).story_id(), states[0].story_id());
  // A batch is not a valid DedupState and a DedupState is an empty batch: a wrong header is
  // the only way to misread them, and it is refused rather than misapplied.
  v1::DedupState as_single;
  ASSERT_TRUE(as_single.ParseFromString(batch));
  EXPECT_TRUE(as_single.content_hash().empty());
  v1::DedupStateBatch as_batch;
  ASSERT_TRUE(as_batch.ParseFromString(single));
  EXPECT_EQ(as_batch.states_size(), 0);
  EXPECT_FALSE(parse_state_record(kDedupStateSchema, batch.data(), batch.size()));
}

TEST_F(StateRecords, MalformedRecordsAreCountedNotApplied) {
  pipeline::DedupIndex restored{pipeline::DedupConfig{}};
  const std::string junk = "\xff\xff\xff\xff not protobuf";
  EXPECT_EQ(restore_state_record(restored, std::nullopt, junk.data(), junk.size()).malformed, 1u);
  EXPECT_EQ(
      restore_state_record(restored, kDedupStateBatchSchema, junk.data(), junk.size()).malformed,
      1u);
  EXPECT_EQ(restore_state_record(restored, std::nullopt, nullptr, 0).malformed, 1u);
  // One bad state inside a batch: the others still restore.
  v1::DedupState bad = states[1];
  bad.set_content_hash("zz");
  StateBatchWriter w;
  w.add(states[0]);
  w.add(bad);
  w.add(states[2]);
  const std::string payload = w.take("t", "k").payload;
  const auto n =
      restore_state_record(restored, kDedupStateBatchSchema, payload.data(), payload.size());
  EXPECT_EQ(n.applied, 2u);
  EXPECT_EQ(n.malformed, 1u);
  EXPECT_EQ(restored.size(), 2u);
}

TEST_F(StateRecords, BatchRespectsItsLimits) {
  StateBatchWriter by_count(StateBatchLimits{2, 1u << 20});
  by_count.add(states[0]);
  ASSERT_TRUE(by_count.fits(states[1]));
  by_count.add(states[1]);
  EXPECT_FALSE(by_count.fits(states[2]));
  const std::size_t one = states[0].ByteSizeLong();
  StateBatchWriter by_bytes(StateBatchLimits{100, one + 8});
  EXPECT_TRUE(by_bytes.fits(states[0]));  // an empty batch always takes one
  by_bytes.add(states[0]);
  EXPECT_FALSE(by_bytes.fits(states[1]));
  EXPECT_LE(by_bytes.take("t", "k").payload.size(), one + 8);
}

}  // namespace
}  // namespace wirefeed::daemon
