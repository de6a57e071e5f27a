// Fingerprint and DedupIndex: normalisation, window, capacity.
#include <gtest/gtest.h>

#include "pipeline/dedup.hpp"
#include "pipeline/fingerprint.hpp"

namespace wirefeed::pipeline {
namespace {

CleanStory story(std::string headline, std::vector<std::string> paras) {
  CleanStory s;
  s.headline = std::move(headline);
  s.paragraphs = std::move(paras);
  return s;
}

TEST(Fingerprint, IgnoresCaseQuotesAndWhitespace) {
  auto a = fingerprint(story("Biden to meet Xi", {"He said “hello”  to   them.", "Second."}));
  auto b = fingerprint(story("BIDEN to meet XI", {"He said \"hello\" to them.", "Second."}));
  EXPECT_EQ(a.content, b.content);
  EXPECT_EQ(a.content.hex().size(), 32u);
  EXPECT_GT(a.tokens, 5u);
}

TEST(Fingerprint, FiguresAndNamesMatter) {
  auto a = fingerprint(story("Profit rises", {"Net profit was 1.2 billion."}));
  auto b = fingerprint(story("Profit rises", {"Net profit was 1.3 billion."}));
  EXPECT_NE(a.content, b.content);
}

TEST(Fingerprint, SimhashCloseForSmallEditsFarForOtherText) {
  std::vector<std::string> body;
  for (int i = 0; i < 30; ++i)
    body.push_back("Sentence number " + std::to_string(i) + " of the long report on shipping.");
  auto a = fingerprint(story("Shipping report", body));
  auto edited = body;
  edited[7] = "An entirely different sentence was inserted here.";
  auto b = fingerprint(story("Shipping report", edited));
  auto c =
      fingerprint(story("Football", {"The match ended in a draw after extra time in Madrid."}));
  EXPECT_LT(__builtin_popcountll(a.simhash ^ b.simhash), 16);
  EXPECT_GT(__builtin_popcountll(a.simhash ^ c.simhash), 16);
}

std::chrono::sys_seconds at(int64_t s) { return std::chrono::sys_seconds{std::chrono::seconds{s}}; }

// Exact-only decision: the id of the story that published `hash`, or nullopt (then recorded).
std::optional<std::string> check_and_insert(DedupIndex& idx, const ContentHash& hash,
                                            const std::string& story_id,
                                            std::chrono::sys_seconds event_time) {
  DedupCandidate c;
  c.story_id = story_id;
  c.content = hash;
  c.minhash.fill(0xFFFF);  // no near-duplicate signal
  c.event_time = event_time;
  const Decision d = idx.decide(c);
  if (d.verdict == Verdict::kExact) return d.ref_id;
  return std::nullopt;
}

TEST(DedupIndex, FirstWinsWithinWindow) {
  DedupIndex idx({std::chrono::seconds(3600), 100});
  ContentHash h{1, 2};
  EXPECT_FALSE(check_and_insert(idx, h, "wf-a", at(1000)));
  auto hit = check_and_insert(idx, h, "wf-b", at(2000));
  ASSERT_TRUE(hit);
  EXPECT_EQ(*hit, "wf-a");
  EXPECT_EQ(idx.size(), 1u);
}

TEST(DedupIndex, ExpiresOutsideWindow) {
  DedupIndex idx({std::chrono::seconds(3600), 100});
  EXPECT_FALSE(check_and_insert(idx, {1, 1}, "wf-a", at(0)));
  EXPECT_FALSE(check_and_insert(idx, {2, 2}, "wf-b", at(5000)));  // evicts {1,1}
  EXPECT_EQ(idx.size(), 1u);
  EXPECT_FALSE(check_and_insert(idx, {1, 1}, "wf-c", at(5001)));
}

TEST(DedupIndex, CapacityEvictsOldestFirst) {
  DedupIndex idx({std::chrono::seconds(3600), 3});
  for (uint64_t i = 0; i < 5; ++i) EXPECT_FALSE(check_and_insert(idx, {i, i}, "wf", at(10)));
  EXPECT_EQ(idx.size(), 3u);
  EXPECT_FALSE(check_and_insert(idx, {0, 0}, "wf-new", at(10)));  // was evicted
  EXPECT_TRUE(check_and_insert(idx, {4, 4}, "wf-x", at(10)));     // still there
}

}  // namespace
}  // namespace wirefeed::pipeline
