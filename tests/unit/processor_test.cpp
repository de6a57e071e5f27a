// Processor + encode: one record per input, dead letters, exact duplicates, determinism,
// and the protobuf round trip through the output encoding.
#include "pipeline/processor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "pipeline/encode.hpp"
#include "tests/support/harness.hpp"

namespace wirefeed::pipeline {
namespace {

pipeline::InputMessage input(std::string value, std::string key, int64_t offset = 1) {
  pipeline::InputMessage m;
  m.topic = "wire.raw";
  m.partition = 0;
  m.offset = offset;
  m.key = std::move(key);
  m.timestamp =
      pipeline::Millis{std::chrono::milliseconds{1'699'812'000'000}};  // 2023-11-12T18:00Z
  m.value = std::move(value);
  return m;
}

ProcessorConfig config() {
  ProcessorConfig c;
  c.dead_letter_max_bytes = 16;
  return c;
}

TEST(Processor, SampleStoryBecomesAStory) {
  pipeline::DedupIndex idx({});
  Processor p(config(), idx);
  auto r = p.process(input(testing::sample_story(), "biden"));
  ASSERT_EQ(r.records.size(), 1u);
  ASSERT_TRUE(r.records[0].has_story());
  const auto& s = r.records[0].story();
  EXPECT_EQ(s.headline(), "Biden will push China to resume military ties with US, official says");
  EXPECT_EQ(s.dateline().date(), "2023-11-12");
  EXPECT_EQ(s.source().agency(), "Reuters");  // from the dateline when no envelope says
  EXPECT_EQ(s.fingerprint().content_hash().size(), 32u);
  EXPECT_GT(s.word_count(), 300u);
  EXPECT_GE(r.boilerplate_removed, 5u);
}

TEST(Processor, SecondCopyIsAnExactDuplicateOfTheFirst) {
  pipeline::DedupIndex idx({});
  Processor p(config(), idx);
  auto first = p.process(input(testing::sample_story(), "a"));
  // Different boilerplate/whitespace does not matter.
  auto second = p.process(input(testing::sample_story() + "\n\nBack to top\n", "b", 2));
  ASSERT_TRUE(first.records[0].has_story());
  ASSERT_TRUE(second.records[0].has_duplicate());
  EXPECT_EQ(second.records[0].duplicate().duplicate_of(), first.records[0].story().id());
  EXPECT_EQ(second.records[0].duplicate().kind(), v1::DUPLICATE_KIND_EXACT);
  EXPECT_EQ(second.records[0].duplicate().source().offset(), 2);
}

// The dedup clock trusts an envelope's received_at only up to a day after the Kafka timestamp:
// one envelope dated decades ahead must not expire the whole index (it used to: every entry fell
// out of the window and the next copy of a published story was published again).
TEST(Processor, FarFutureEnvelopeDoesNotExpireTheIndex) {
  pipeline::DedupIndex idx({std::chrono::hours(72), 100});
  Processor p(config(), idx);
  auto first = p.process(input(testing::sample_story(), "a"));
  ASSERT_TRUE(first.records[0].has_story());
  auto future = p.process(input(
      R"({"id":"z1","source":"ap","received_at":"2096-01-01T00:00:00Z","body":"Port strike ends\n\nROTTERDAM (AP) - Dock workers in Rotterdam ended a three-day strike on Tuesday after a pay deal."})",
      "z", 2));
  ASSERT_TRUE(future.records[0].has_story());
  EXPECT_EQ(future.records[0].story().source().received_at(), "2096-01-01T00:00:00Z");  // as sent
  auto again = p.process(input(testing::sample_story(), "c", 3));
  ASSERT_TRUE(again.records[0].has_duplicate()) << pipeline::record_to_json(again.records[0]);
  EXPECT_EQ(again.records[0].duplicate().duplicate_of(), first.records[0].story().id());
}

TEST(Processor, DeterministicForSameInput) {
  pipeline::DedupIndex a({}), b({});
  auto ra = Processor(config(), a).process(input(testing::sample_story(), "x"));
  auto rb = Processor(config(), b).process(input(testing::sample_story(), "x"));
  EXPECT_EQ(pipeline::record_to_json(ra.records[0]), pipeline::record_to_json(rb.records[0]));
}

TEST(Processor, BadInputBecomesTruncatedDeadLetter) {
  pipeline::DedupIndex idx({});
  Processor p(config(), idx);
  auto r = p.process(input(std::string("\xFF\xFE binary-ish text that is long"), "bad"));
  ASSERT_EQ(r.records.size(), 1u);
  ASSERT_TRUE(r.records[0].has_dead_letter());
  const auto& dl = r.records[0].dead_letter();
  EXPECT_EQ(dl.reason(), v1::DEAD_LETTER_REASON_INVALID_UTF8);
  EXPECT_EQ(dl.original().size(), 16u);
  EXPECT_TRUE(dl.original_truncated());
  EXPECT_EQ(dl.source().key(), "bad");
  EXPECT_NE(dl.message().find("offset 0"), std::string::npos) << dl.message();
}

TEST(Encode, RoutesByKindKeysByIdAndRoundTrips) {
  pipeline::DedupIndex idx({});
  Processor p(config(), idx);
  auto rec = p.process(input(testing::sample_story(), "k")).records[0];
  const pipeline::OutputTopics topics{"s", "d", "x"};
  auto out = pipeline::encode(rec, topics);
  EXPECT_EQ(out.topic, "s");
  EXPECT_EQ(out.key, rec.story().id());
  EXPECT_STREQ(out.schema, "wirefeed.v1.Story");
  v1::Record back;
  ASSERT_TRUE(pipeline::decode_output(out.kind, out.payload.data(), out.payload.size(), back));
  EXPECT_EQ(back.story().SerializeAsString(), rec.story().SerializeAsString());
  EXPECT_EQ(pipeline::encode(rec, topics).payload, out.payload);  // deterministic bytes

  v1::Record dl = p.dead_letter(input("", "e"), v1::DEAD_LETTER_REASON_EMPTY, "empty");
  EXPECT_EQ(pipeline::encode(dl, topics).topic, "x");
}

}  // namespace
}  // namespace wirefeed::pipeline

namespace wirefeed::pipeline {
namespace {

// Partitions run on different threads and share one DedupIndex: every distinct content is
// published exactly once however the copies race (run under TSan by `deploy/test.sh tsan`).
TEST(Processor, ConcurrentPartitionsPublishEachContentOnce) {
  pipeline::DedupIndex idx({});
  const Processor p(config(), idx);
  constexpr int kThreads = 4;
  constexpr int kStories = 50;
  std::atomic<int> stories{0}, dups{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kStories; ++i) {
        const std::string text = "Headline " + std::to_string(i) + "\n\nBody of story " +
                                 std::to_string(i) + " told by partition-independent text.";
        auto r = p.process(input(text, "t" + std::to_string(t) + "-" + std::to_string(i), i));
        ASSERT_EQ(r.records.size(), 1u);
        (r.records[0].has_story() ? stories : dups).fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(stories.load(), kStories);
  EXPECT_EQ(dups.load(), kStories * (kThreads - 1));
  EXPECT_EQ(idx.size(), static_cast<std::size_t>(kStories));
}

}  // namespace
}  // namespace wirefeed::pipeline
