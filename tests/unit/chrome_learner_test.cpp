// Tests for learned page chrome (pipeline/clean/chrome_learner.hpp) and its use by clean_story
// and the Processor.
#include "pipeline/clean/chrome_learner.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "pipeline/clean.hpp"
#include "pipeline/processor.hpp"

namespace wirefeed::pipeline {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::sys_seconds;

const sys_seconds kT0{std::chrono::seconds{1'700'000'000}};

ChromeSighting sighting(uint64_t story, std::vector<std::string> lines) {
  return ChromeSighting{std::move(lines), story, false};
}

TEST(ChromeLearner, LearnsALineAfterMinStoriesDistinctStories) {
  ChromeLearner l(ChromeLearnerConfig{.min_stories = 3});
  EXPECT_FALSE(l.observe("wire", sighting(1, {"Quarterly outlook hub", "Deals desk"}), kT0));
  EXPECT_FALSE(l.observe("wire", sighting(2, {"Quarterly outlook hub"}), kT0 + minutes{20}));
  EXPECT_EQ(l.learned("wire")->count("Quarterly outlook hub"), 0u);
  EXPECT_TRUE(l.observe("wire", sighting(3, {"Quarterly outlook hub"}), kT0 + minutes{40}));
  EXPECT_EQ(l.learned("wire")->count("Quarterly outlook hub"), 3u);
  EXPECT_EQ(l.learned("wire")->count("Deals desk"), 0u);
  // Per source: another feed has learned nothing.
  EXPECT_EQ(l.learned("other")->count("Quarterly outlook hub"), 0u);
}

TEST(ChromeLearner, TheSameStoryOrACopyCountsOnce) {
  ChromeLearner l(ChromeLearnerConfig{.min_stories = 3});
  for (int i = 0; i < 5; ++i) {
    l.observe("wire", sighting(7, {"Live blog index", "Live blog index"}), kT0 + minutes{i});
  }
  EXPECT_EQ(l.learned("wire")->count("Live blog index"), 0u);
}

TEST(ChromeLearner, ForgottenAfterTheWindow) {
  ChromeLearner l(ChromeLearnerConfig{.min_stories = 2, .window = hours{6}});
  l.observe("wire", sighting(1, {"Markets hub"}), kT0);
  l.observe("wire", sighting(2, {"Markets hub"}), kT0 + hours{1});
  EXPECT_EQ(l.learned("wire")->count("Markets hub"), 2u);
  // Another line keeps the clock moving; the learned one is not seen for longer than a window.
  l.observe("wire", sighting(3, {"Other line"}), kT0 + hours{8});
  EXPECT_EQ(l.learned("wire")->count("Markets hub"), 0u);
  // Seen again: it starts from one story, not from the old count.
  l.observe("wire", sighting(4, {"Markets hub"}), kT0 + hours{9});
  EXPECT_EQ(l.learned("wire")->count("Markets hub"), 0u);
}

TEST(ChromeLearner, NeverALineWithVaryingFigures) {
  ChromeLearner l(ChromeLearnerConfig{.min_stories = 2});
  l.observe("wire", sighting(1, {"Qtly div 17 cts vs 17 cts prior"}), kT0);
  l.observe("wire", sighting(2, {"Qtly div 21 cts vs 20 cts prior"}), kT0 + minutes{5});
  l.observe("wire", sighting(3, {"Qtly div 17 cts vs 17 cts prior"}), kT0 + minutes{9});
  l.observe("wire", sighting(4, {"Qtly div 17 cts vs 17 cts prior"}), kT0 + minutes{12});
  EXPECT_EQ(l.learned("wire")->count("Qtly div 17 cts vs 17 cts prior"), 0u);
  const auto lines = l.lines("wire");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0].blocked);
}

TEST(ChromeLearner, NeverALineOfATemplatedBody) {
  ChromeLearner l(ChromeLearnerConfig{.min_stories = 2});
  for (uint64_t story = 1; story <= 6; ++story) {
    l.observe("wire", ChromeSighting{{"Nine mths"}, story, true}, kT0 + minutes{story});
  }
  EXPECT_EQ(l.learned("wire")->count("Nine mths"), 0u);
  // And clean_story marks a figures-heavy body as templated.
  ChromeSighting s;
  CleanContext ctx;
  ctx.sighting = &s;
  clean_story(
      "Acme Corp Qtr Net\n\nShr 12 cts vs 10 cts\n\nNet 1,234,000 vs 987,000\n\n"
      "Nine mths\n\nShr 40 cts vs 35 cts\n",
      ctx);
  EXPECT_TRUE(s.templated);
}

TEST(ChromeLearner, BoundedMemoryEvictsTheWeakest) {
  ChromeLearner l(ChromeLearnerConfig{.min_stories = 2, .max_lines = 3});
  l.observe("wire", sighting(1, {"Kept line"}), kT0);
  l.observe("wire", sighting(2, {"Kept line"}), kT0 + minutes{1});
  for (int i = 0; i < 10; ++i) {
    l.observe("wire", sighting(10 + i, {"Passing line " + std::string(1, 'a' + i)}),
              kT0 + minutes{2 + i});
  }
  EXPECT_LE(l.lines("wire").size(), 3u);
  EXPECT_EQ(l.learned("wire")->count("Kept line"), 2u);
}

TEST(ChromeLearner, CleanStoryOffersStandaloneShortLinesAndRemovesLearnedOnes) {
  ChromeLearner l(ChromeLearnerConfig{.min_stories = 2});
  auto story = [](const std::string& lead) {
    return "Headline " + lead + "\n\nOSLO (Reuters) - " + lead +
           " rose on Tuesday, officials said.\n\nNorthwind Daily Digest\n\nThey said more "
           "would follow.\n";
  };
  for (const std::string lead : {"Fees", "Tolls"}) {
    ChromeSighting s;
    CleanContext ctx;
    ctx.sighting = &s;
    const auto learned = l.learned("wire");  // the snapshot must outlive the cleaning
    ctx.learned = learned.get();
    clean_story(story(lead), ctx);
    ASSERT_EQ(s.lines, std::vector<std::string>{"Northwind Daily Digest"});
    l.observe("wire", s, kT0);
  }
  std::vector<ExplainEntry> ex;
  CleanContext ctx;
  const auto learned = l.learned("wire");
  ctx.learned = learned.get();
  ctx.explain = &ex;
  const CleanStory c = clean_story(story("Rents"), ctx);
  ASSERT_EQ(c.paragraphs.size(), 2u);
  EXPECT_EQ(c.paragraphs[1], "They said more would follow.");
  const auto it = std::find_if(ex.begin(), ex.end(),
                               [](const ExplainEntry& e) { return e.rule == "learned:wire"; });
  ASSERT_NE(it, ex.end());
  EXPECT_EQ(it->text, "Northwind Daily Digest");
  EXPECT_EQ(it->count, 2u);
}

TEST(ChromeLearner, ProcessorLearnsFromTheStreamInOrder) {
  DedupIndex index(DedupConfig{});
  Processor p(ProcessorConfig{}, index);
  ChromeLearner learner(ChromeLearnerConfig{.min_stories = 3});
  p.set_chrome_learner(&learner);
  auto run = [&](int i) {
    InputMessage m;
    m.topic = "wire-in";
    m.offset = i;
    m.value = "Story number " + std::to_string(i) + " headline\n\nOSLO (Reuters) - Item " +
              std::to_string(i * 37) +
              " was filed with regulators on Tuesday.\n\nTry the "
              "Northwind terminal\n";
    return p.process(m);
  };
  const auto r1 = run(1);
  EXPECT_EQ(r1.records.at(0).story().paragraphs_size(), 2);
  EXPECT_EQ(r1.learned_chrome_removed, 0u);
  EXPECT_EQ(r1.chrome_source, "wire-in");  // no agency in the input: its topic
  EXPECT_EQ(run(2).records.at(0).story().paragraphs_size(), 2);
  // The third story completes the line: it is removed from that story on, and counted as a
  // removal of the source's learned chrome (the per-source metric).
  const auto r3 = run(3);
  EXPECT_EQ(r3.records.at(0).story().paragraphs_size(), 1);
  EXPECT_EQ(r3.learned_chrome_removed, 1u);
  const auto r4 = run(4);
  EXPECT_EQ(r4.records.at(0).story().paragraphs_size(), 1);
  EXPECT_EQ(r4.learned_chrome_removed, 1u);
  EXPECT_EQ(r4.chrome_source, "wire-in");
  EXPECT_GE(r4.boilerplate_removed, r4.learned_chrome_removed);
}

}  // namespace
}  // namespace wirefeed::pipeline
