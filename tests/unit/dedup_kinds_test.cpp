// Dedup decisions through the real Processor: near-duplicate rewrites, templated items that are
// NOT duplicates, version chains (UPDATE n, CORRECTED), stale versions, kills, and restore.
#include <gtest/gtest.h>

#include "pipeline/processor.hpp"

namespace wirefeed::pipeline {
namespace {

using namespace std::chrono_literals;

class DedupKinds : public ::testing::Test {
 protected:
  pipeline::DedupIndex index{pipeline::DedupConfig{}};
  Processor processor{ProcessorConfig{}, index};
  int64_t offset = 0;
  int64_t clock_ms = 1'700'000'000'000;

  v1::Record run(const std::string& text, const std::string& key) {
    pipeline::InputMessage m;
    m.topic = "wire.raw";
    m.partition = 0;
    m.offset = ++offset;
    m.key = key;
    clock_ms += 60'000;  // one minute apart: later inputs are later versions
    m.timestamp = pipeline::Millis{std::chrono::milliseconds{clock_ms}};
    m.value = text;
    auto r = processor.process(m);
    EXPECT_EQ(r.records.size(), 1u);
    last_state = r.state;
    return r.records.at(0);
  }
  std::optional<v1::DedupState> last_state;
};

const char* kStrike =
    "Dockworkers extend strike at Rotterdam container terminals\n\n"
    "ROTTERDAM, Nov 26 (Reuters) - Dockworkers at two of Rotterdam's largest container terminals "
    "extended their strike by 48 hours on Wednesday, the FNV union said, deepening delays at "
    "Europe's busiest port as ships queued offshore.\n\n"
    "About 30 vessels were waiting to berth, according to ship-tracking data, up from 18 on "
    "Monday.\n\n"
    "The operators said they had made a final and generous offer on wages and shift patterns, "
    "and called on the union to return to talks.\n\n"
    "Port officials said the backlog would take at least a week to clear once work resumed.\n";

std::string rewrite_of_strike() {
  // Light rewrite: a sentence edited, one dropped, boilerplate differs.
  return "Rotterdam dockworkers extend strike at container terminals\n\n"
         "ROTTERDAM, Nov 26 (Reuters) - Dockworkers at two of Rotterdam's largest container "
         "terminals extended their strike by 48 hours on Wednesday, the FNV union said, deepening "
         "delays at Europe's busiest port as ships queued offshore.\n\n"
         "About 30 vessels were waiting to berth, according to ship-tracking data, up from 18 on "
         "Monday.\n\n"
         "The operators said they had made a final and generous offer on wages and shift "
         "patterns, and urged the union to come back to the table.\n\n"
         "Sign up here.\n";
}

TEST_F(DedupKinds, LightRewriteIsANearDuplicate) {
  auto first = run(kStrike, "a");
  ASSERT_TRUE(first.has_story());
  auto second = run(rewrite_of_strike(), "b");
  ASSERT_TRUE(second.has_duplicate()) << second.DebugString();
  EXPECT_EQ(second.duplicate().kind(), v1::DUPLICATE_KIND_NEAR);
  EXPECT_EQ(second.duplicate().duplicate_of(), first.story().id());
  EXPECT_GE(second.duplicate().similarity(), 0.5);
  EXPECT_LT(second.duplicate().similarity(), 1.0);
}

std::string earnings(const std::string& company, const std::string& q, const std::string& profit,
                     const std::string& rev) {
  return company + " quarterly profit rises\n\nNEW YORK, Nov 2 (Reuters) - " + company +
         " reported third-quarter net profit of " + profit + " billion, or " + q +
         " per share, on Thursday, compared with analysts' expectations. Revenue rose to " + rev +
         " billion from a year earlier, the company said in a statement.\n\n"
         "The company said it expected demand to remain steady in the fourth quarter and "
         "reaffirmed its full-year outlook. Shares were little changed in extended trading.\n";
}

TEST_F(DedupKinds, TemplatedItemsWithDifferentFiguresAreNotDuplicates) {
  auto a = run(earnings("Acme Corp", "$1.10", "$2.3", "$14.8"), "e1");
  auto b = run(earnings("Acme Corp", "$1.25", "$2.6", "$15.2"), "e2");
  auto c = run(earnings("Globex Inc", "$0.40", "$0.9", "$6.1"), "e3");
  EXPECT_TRUE(a.has_story());
  EXPECT_TRUE(b.has_story()) << b.DebugString();
  EXPECT_TRUE(c.has_story()) << c.DebugString();
}

TEST_F(DedupKinds, UpdateChainSupersedesAndOlderVersionIsNotRepublished) {
  const std::string base = kStrike;
  auto v0 = run(base, "s0");
  ASSERT_TRUE(v0.has_story());
  const std::string u1 =
      std::string("UPDATE 1-") + base + "\nThe union said talks would resume on Friday.\n";
  auto v1r = run(u1, "s1");
  ASSERT_TRUE(v1r.has_story()) << v1r.DebugString();
  EXPECT_EQ(v1r.story().version().number(), 1u);
  EXPECT_EQ(v1r.story().version().supersedes(), v0.story().id());
  EXPECT_EQ(v1r.story().version().family(), v0.story().version().family());
  const std::string u2 = std::string("UPDATE 2-") + base +
                         "\nThe union said talks would resume on Friday.\n\nShares of the "
                         "terminal operator fell 2%.\n";
  auto v2r = run(u2, "s2");
  ASSERT_TRUE(v2r.has_story());
  EXPECT_EQ(v2r.story().version().supersedes(), v1r.story().id());
  // UPDATE 1 arriving again late, lightly changed: not re-published.
  auto late = run(u1 + "\nAdditional reporting by Toby Sterling\n", "s1-late");
  ASSERT_TRUE(late.has_duplicate()) << late.DebugString();
  EXPECT_TRUE(late.duplicate().kind() == v1::DUPLICATE_KIND_VERSION ||
              late.duplicate().kind() == v1::DUPLICATE_KIND_EXACT);
}

TEST_F(DedupKinds, CorrectedVersionSupersedesEvenWithAChangedHeadline) {
  auto v0 = run(kStrike, "c0");
  std::string corrected =
      std::string("CORRECTED-Dockworkers extend strike at two Rotterdam terminals") +
      std::string(kStrike).substr(std::string(kStrike).find('\n'));
  corrected.replace(corrected.find("48 hours"), 8, "72 hours");
  auto v1r = run(corrected, "c1");
  ASSERT_TRUE(v1r.has_story()) << v1r.DebugString();
  EXPECT_EQ(v1r.story().version().supersedes(), v0.story().id());
}

TEST_F(DedupKinds, KillPublishesACancelForTheFamily) {
  auto v0 = run(kStrike, "k0");
  const std::string kill =
      std::string("WITHDRAWN-Dockworkers extend strike at Rotterdam container terminals") +
      std::string(kStrike).substr(std::string(kStrike).find('\n'));
  auto k = run(kill, "k1");
  ASSERT_TRUE(k.has_story()) << k.DebugString();
  EXPECT_TRUE(k.story().version().canceled());
  EXPECT_EQ(k.story().version().supersedes(), v0.story().id());
}

TEST_F(DedupKinds, EnvelopeItemIdDrivesVersions) {
  // Written to Kafka after the envelopes were made (2024-05-06T12:00Z): the dedup clock trusts an
  // envelope's received_at only up to a day past its Kafka timestamp.
  clock_ms = 1'714'996'800'000;
  auto env = [](const std::string& body, const std::string& when) {
    return R"({"id":"item-9","source":"ap","received_at":")" + when + R"(","body":")" + body +
           "\"}";
  };
  auto v0 =
      run(env("Fire at warehouse\\n\\nCHICAGO (AP) - A fire broke out at a warehouse on Monday.",
              "2024-05-06T10:00:00Z"),
          "x");
  auto v1r = run(env("Fire at warehouse contained\\n\\nCHICAGO (AP) - Firefighters contained a "
                     "blaze at a warehouse on Monday.",
                     "2024-05-06T11:00:00Z"),
                 "y");
  auto old = run(
      env("Fire at warehouse, early\\n\\nCHICAGO (AP) - Smoke was seen at a warehouse on Monday.",
          "2024-05-06T09:00:00Z"),
      "z");
  ASSERT_TRUE(v0.has_story());
  ASSERT_TRUE(v1r.has_story());
  EXPECT_EQ(v1r.story().version().supersedes(), v0.story().id());
  ASSERT_TRUE(old.has_duplicate());
  EXPECT_EQ(old.duplicate().kind(), v1::DUPLICATE_KIND_VERSION);
  EXPECT_EQ(old.duplicate().duplicate_of(), v1r.story().id());
}

TEST_F(DedupKinds, RestoredStateKeepsSuppressingAfterRestart) {
  auto first = run(kStrike, "r0");
  ASSERT_TRUE(last_state.has_value());
  const v1::DedupState state = *last_state;
  // A fresh index, as after a restart, replays the persisted state.
  pipeline::DedupIndex fresh{pipeline::DedupConfig{}};
  ASSERT_TRUE(restore_state(fresh, state));
  ASSERT_TRUE(restore_state(fresh, state));  // idempotent
  EXPECT_EQ(fresh.size(), 1u);
  Processor p2{ProcessorConfig{}, fresh};
  pipeline::InputMessage m;
  m.key = "r1";
  m.timestamp = pipeline::Millis{std::chrono::milliseconds{clock_ms + 1000}};
  m.value = kStrike;
  auto again = p2.process(m);
  ASSERT_TRUE(again.records[0].has_duplicate());
  EXPECT_EQ(again.records[0].duplicate().duplicate_of(), first.story().id());
  m.value = rewrite_of_strike();
  auto near = p2.process(m);
  ASSERT_TRUE(near.records[0].has_duplicate());
  EXPECT_EQ(near.records[0].duplicate().kind(), v1::DUPLICATE_KIND_NEAR);
  v1::DedupState broken = state;
  broken.set_content_hash("zz");
  EXPECT_FALSE(restore_state(fresh, broken));
}

}  // namespace
}  // namespace wirefeed::pipeline

namespace wirefeed::pipeline {
namespace {

// Regression (found by bench/dedup_eval): a recurring report reuses its headline and dateline;
// the next day's edition is a different story, not a stale version of the first.
TEST_F(DedupKinds, RecurringHeadlineWithDifferentContentIsANewStory) {
  auto day1 =
      run("Gold prices\n\nLONDON, Mar 3 (Reuters) - Spot gold rose 0.4% to $2,041.10 an ounce on "
          "Monday as the dollar slipped and traders priced in rate cuts later this year.\n\n"
          "Silver gained 1.1% to $23.05 and platinum added 0.3% to $902.40.\n",
          "g1");
  auto upd = run(
      "UPDATE 1-Gold prices\n\nLONDON, Mar 3 (Reuters) - Spot gold rose 0.4% to $2,041.10 an "
      "ounce on Monday as the dollar slipped and traders priced in rate cuts later this year.\n\n"
      "Silver gained 1.1% to $23.05 and platinum added 0.3% to $902.40.\n\nPalladium was flat.\n",
      "g2");
  auto day2 =
      run("Gold prices\n\nLONDON, Mar 4 (Reuters) - Bullion slid on Tuesday after strong factory "
          "orders data lifted Treasury yields, with spot gold down 0.9% at $2,022.75.\n\n"
          "Miners' shares fell in London and Johannesburg; silver lost 2% to $22.59.\n",
          "g3");
  ASSERT_TRUE(day1.has_story());
  ASSERT_TRUE(upd.has_story());
  EXPECT_EQ(upd.story().version().supersedes(), day1.story().id());
  ASSERT_TRUE(day2.has_story()) << day2.DebugString();
  EXPECT_TRUE(day2.story().version().supersedes().empty());
}

TEST_F(DedupKinds, StoryWithdrawnTagIsAKill) {
  auto v0 = run(kStrike, "w0");
  const std::string kill =
      std::string("STORY WITHDRAWN-Dockworkers extend strike at Rotterdam container terminals") +
      std::string(kStrike).substr(std::string(kStrike).find('\n'));
  auto k = run(kill, "w1");
  ASSERT_TRUE(k.has_story()) << k.DebugString();
  EXPECT_TRUE(k.story().version().canceled());
  EXPECT_EQ(k.story().version().supersedes(), v0.story().id());
}

}  // namespace
}  // namespace wirefeed::pipeline

namespace wirefeed::pipeline {
namespace {

// A Story that could not be delivered (it became a dead letter) is forgotten: the next copy is
// published instead of being suppressed as a duplicate of a story nobody received.
TEST_F(DedupKinds, ForgottenPublicationDoesNotSuppressTheNextCopy) {
  pipeline::InputMessage m;
  m.key = "lost";
  m.timestamp = pipeline::Millis{std::chrono::milliseconds{clock_ms}};
  m.value = kStrike;
  auto first = processor.process(m);
  ASSERT_TRUE(first.records[0].has_story());
  ASSERT_TRUE(first.published.has_value());
  index.forget(first.published->content, first.published->story_id);
  m.key = "retry";
  auto again = processor.process(m);
  ASSERT_TRUE(again.records[0].has_story()) << again.records[0].DebugString();
  index.forget(first.published->content, "wf-not-the-owner");  // a stranger's forget is ignored
  m.key = "third";
  EXPECT_TRUE(processor.process(m).records[0].has_duplicate());
}

}  // namespace
}  // namespace wirefeed::pipeline
