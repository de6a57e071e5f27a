// The status page's recent-decisions ring (capacity, eviction, clusters, lookup by id,
// concurrent writers), its JSON API through StatusBoard, and OutputAcks (a story's state waits
// for the last of its routed outputs and is dropped when one fails).
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "daemon/output_acks.hpp"
#include "daemon/recent.hpp"
#include "daemon/status_page.hpp"

namespace wirefeed::daemon {
namespace {

using Step = OutputAcks::Step;
using Clock = std::chrono::system_clock;

RecentDecision story(const std::string& id, const std::string& headline,
                     const std::string& family = "") {
  RecentDecision d;
  d.kind = RecentDecision::Kind::kStory;
  d.id = id;
  d.headline = headline;
  d.agency = "reuters";
  d.family = family.empty() ? "fam-" + id : family;
  d.verdict = "new";
  d.topics = {"wire.stories"};
  d.at = Clock::now();
  return d;
}

RecentDecision copy_of(const std::string& id, const std::string& of, const std::string& family) {
  RecentDecision d;
  d.kind = RecentDecision::Kind::kDuplicate;
  d.id = id;
  d.headline = "copy " + id;
  d.agency = "ap";
  d.family = family;
  d.ref_id = of;
  d.verdict = "near_duplicate";
  d.duplicate_kind = "near";
  d.similarity = 0.9;
  d.evidence.set_rule("near_agrees");
  d.evidence.set_names_matched(3);
  d.at = Clock::now();
  return d;
}

TEST(OutputAcks, OnlyTheLastAcknowledgementPublishes) {
  OutputAcks a;
  a.expect(3);
  EXPECT_EQ(a.delivered(), Step::kWait);
  EXPECT_EQ(a.delivered(), Step::kWait);
  EXPECT_EQ(a.delivered(), Step::kPublished);
}

TEST(OutputAcks, OneFailedOutputFailsTheRecordWhicheverComesLast) {
  for (int failing = 0; failing < 3; ++failing) {
    OutputAcks a;
    a.expect(3);
    std::vector<Step> steps;
    for (int i = 0; i < 3; ++i) steps.push_back(i == failing ? a.failed() : a.delivered());
    EXPECT_EQ(steps[0], Step::kWait) << failing;
    EXPECT_EQ(steps[1], Step::kWait) << failing;
    EXPECT_EQ(steps[2], Step::kFailed) << failing;
  }
  OutputAcks one;
  one.expect(1);
  EXPECT_EQ(one.failed(), Step::kFailed);
}

TEST(OutputAcks, ConcurrentAcknowledgementsDecideExactlyOnce) {
  for (int round = 0; round < 200; ++round) {
    OutputAcks a;
    constexpr int kOutputs = 8;
    a.expect(kOutputs);
    std::atomic<int> published{0}, failed{0}, waits{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kOutputs; ++i) {
      threads.emplace_back([&, i] {
        const Step s = (round % 2 == 1 && i == round % kOutputs) ? a.failed() : a.delivered();
        (s == Step::kPublished ? published : s == Step::kFailed ? failed : waits).fetch_add(1);
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(waits.load(), kOutputs - 1);
    EXPECT_EQ(published.load() + failed.load(), 1);
    EXPECT_EQ(failed.load(), round % 2 == 1 ? 1 : 0) << round;
  }
}

TEST(RecentDecisions, KeepsTheNewestStoriesUpToItsCapacity) {
  RecentDecisions r(3, 2);
  for (int i = 0; i < 5; ++i) r.add(story("wf-" + std::to_string(i), "Story " + std::to_string(i)));
  const auto s = r.stories();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].id, "wf-4");  // newest first
  EXPECT_EQ(s[2].id, "wf-2");
  EXPECT_FALSE(r.story("wf-1"));  // evicted
  ASSERT_TRUE(r.story("wf-3"));
  EXPECT_EQ(r.story("wf-3")->story->headline, "Story 3");
  EXPECT_FALSE(r.story("wf-nope"));
  EXPECT_FALSE(r.story(""));
}

TEST(RecentDecisions, ClustersGatherCopiesAndLinksAndEvictTheLeastRecentlyActive) {
  RecentDecisions r(10, 2);
  r.add(story("wf-a", "Bank raises rates", "fam-a"));
  r.add(copy_of("wf-a1", "wf-a", "fam-a"));
  r.add(copy_of("wf-a2", "wf-a", "fam-a"));
  RecentDecision linked = story("wf-l", "Bank raises rates again");
  linked.related.push_back({"wf-a", 0.6, "same_event", {}});
  r.add(linked);
  auto c = r.clusters();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].story_id, "wf-a");
  EXPECT_EQ(c[0].headline, "Bank raises rates");
  EXPECT_EQ(c[0].suppressed, 2u);
  EXPECT_EQ(c[0].linked, 1u);
  ASSERT_EQ(c[0].members.size(), 3u);
  EXPECT_EQ(c[0].members[0].relation, "suppressed");
  EXPECT_EQ(c[0].members[0].decision.evidence.rule(), "near_agrees");
  EXPECT_EQ(c[0].members[2].relation, "linked");

  // Two more clusters: the first (least recently active) goes.
  r.add(story("wf-b", "B", "fam-b"));
  r.add(copy_of("wf-b1", "wf-b", "fam-b"));
  r.add(copy_of("wf-a3", "wf-a", "fam-a"));  // wf-a active again
  r.add(story("wf-c", "C", "fam-c"));
  r.add(copy_of("wf-c1", "wf-c", "fam-c"));
  c = r.clusters();
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].story_id, "wf-c");
  EXPECT_EQ(c[1].story_id, "wf-a");
  EXPECT_EQ(c[1].suppressed, 3u);

  // A cluster keeps at most kClusterMembers members but counts them all.
  for (std::size_t i = 0; i < RecentDecisions::kClusterMembers + 5; ++i) {
    r.add(copy_of("wf-c-" + std::to_string(i), "wf-c", "fam-c"));
  }
  c = r.clusters();
  EXPECT_EQ(c[0].members.size(), RecentDecisions::kClusterMembers);
  EXPECT_EQ(c[0].suppressed, RecentDecisions::kClusterMembers + 6);
}

TEST(RecentDecisions, ACopyOutBeforeItsStoryGetsTheStoryDetailsLater) {
  RecentDecisions r(10, 10);
  r.add(copy_of("wf-a1", "wf-a", "fam-a"));
  EXPECT_EQ(r.clusters()[0].headline, "");
  r.add(story("wf-a", "Bank raises rates", "fam-a"));
  EXPECT_EQ(r.clusters()[0].headline, "Bank raises rates");
  EXPECT_EQ(r.clusters()[0].agency, "reuters");
}

TEST(RecentDecisions, LooksUpAStoryWithItsFamilyAndDecisions) {
  RecentDecisions r(10, 10);
  r.add(story("wf-a", "Bank raises rates", "fam-a"));
  r.add(copy_of("wf-a1", "wf-a", "fam-a"));
  RecentDecision v2 = story("wf-a-v2", "UPDATE 1-Bank raises rates", "fam-a");
  v2.ref_id = "wf-a";
  v2.verdict = "version_new";
  r.add(v2);
  r.add(story("wf-other", "Other", "fam-o"));

  const auto v = r.story("wf-a");
  ASSERT_TRUE(v);
  ASSERT_TRUE(v->story);
  EXPECT_EQ(v->family, "fam-a");
  ASSERT_EQ(v->decisions.size(), 3u);  // itself, its copy, its newer version
  EXPECT_EQ(v->decisions[0].id, "wf-a");
  ASSERT_EQ(v->clusters.size(), 1u);
  // A suppressed copy is found by its own id too.
  const auto dup = r.story("wf-a1");
  ASSERT_TRUE(dup);
  EXPECT_FALSE(dup->story);
  EXPECT_EQ(dup->family, "fam-a");
  EXPECT_EQ(dup->decisions.size(), 3u);

  const auto j = story_json(r, "wf-a");
  ASSERT_TRUE(j);
  const auto parsed = nlohmann::json::parse(*j);
  EXPECT_EQ(parsed["family"], "fam-a");
  EXPECT_EQ(parsed["story"]["headline"], "Bank raises rates");
  EXPECT_EQ(parsed["decisions"][1]["evidence"]["rule"], "near_agrees");
  EXPECT_EQ(parsed["decisions"][1]["evidence"]["names"]["matched"], 3);
  EXPECT_FALSE(story_json(r, "wf-missing"));
}

TEST(RecentDecisions, ConcurrentWritersAndReadersStayBounded) {
  RecentDecisions r(50, 10);
  constexpr int kWriters = 4;
  constexpr int kEach = 2000;
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done.load()) {
      EXPECT_LE(r.stories().size(), 50u);
      EXPECT_LE(r.clusters().size(), 10u);
      (void)recent_json(r);
      (void)clusters_json(r);
      (void)r.story("wf-0-0");
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&r, w] {
      for (int i = 0; i < kEach; ++i) {
        const std::string id = "wf-" + std::to_string(w) + "-" + std::to_string(i);
        if (i % 3 == 2) {
          r.add(copy_of(id, "wf-" + std::to_string(w) + "-" + std::to_string(i - 2), "f"));
        } else {
          r.add(story(id, "H " + id));
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  done.store(true);
  reader.join();
  EXPECT_EQ(r.stories().size(), 50u);
  EXPECT_EQ(r.clusters().size(), 10u);
  for (const auto& c : r.clusters()) EXPECT_LE(c.members.size(), RecentDecisions::kClusterMembers);
}

TEST(RecentDecisions, BuildsItsEntryFromTheRecordThatWentOut) {
  v1::Record rec;
  v1::Story* s = rec.mutable_story();
  s->set_id("wf-1");
  s->set_headline("Harbour opens third terminal");
  s->mutable_source()->set_agency("reuters");
  s->mutable_source()->set_topic("wire.raw");
  s->mutable_source()->set_offset(7);
  s->mutable_version()->set_family("wf-fam");
  v1::RelatedStory* rel = s->add_related();
  rel->set_story_id("wf-0");
  rel->set_similarity(0.5);
  rel->set_why(v1::RELATED_WHY_POSSIBLE_DUPLICATE);
  const auto d = recent_decision(rec, "new", "", {"wire.stories", "desk.x"}, Clock::now());
  ASSERT_TRUE(d);
  EXPECT_EQ(d->kind, RecentDecision::Kind::kStory);
  EXPECT_EQ(d->headline, "Harbour opens third terminal");
  EXPECT_EQ(d->agency, "reuters");
  EXPECT_EQ(d->family, "wf-fam");
  EXPECT_EQ(d->input_offset, 7);
  ASSERT_EQ(d->related.size(), 1u);
  EXPECT_EQ(d->related[0].why, "possible_duplicate");

  v1::Record dup;
  v1::DuplicateNotice* n = dup.mutable_duplicate();
  n->set_id("wf-2");
  n->set_duplicate_of("wf-1");
  n->set_kind(v1::DUPLICATE_KIND_EXACT);
  n->set_similarity(1.0);
  n->mutable_evidence()->set_rule("exact_content");
  const auto e = recent_decision(dup, "exact_duplicate", "wf-fam", {"wire.duplicates"}, {});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, RecentDecision::Kind::kDuplicate);
  EXPECT_EQ(e->duplicate_kind, "exact");
  EXPECT_EQ(e->rule, "exact_content");
  EXPECT_EQ(e->ref_id, "wf-1");

  v1::Record dl;
  dl.mutable_dead_letter()->set_id("wf-3");
  EXPECT_FALSE(recent_decision(dl, "", "", {}, {}));
}

TEST(StatusBoardRecent, ServesTheRingRoutesAndA404ForAnUnknownStory) {
  Stats stats;
  RecentDecisions ring(10, 10);
  ring.add(story("wf-a", "Bank raises rates", "fam-a"));
  ring.add(copy_of("wf-a1", "wf-a", "fam-a"));
  pipeline::Route route;
  route.name = "alerts";
  route.topics = {"wire.alerts"};
  stats.route_records_total.with({"alerts", "wire.alerts"}).inc(4);
  stats.producer_delivery_errors_total.with({"wire.stories"}).inc(2);
  stats.producer_delivery_errors_total.with({"wire.other"}).inc(5);
  StatusBoard board(
      StatusBoard::Settings{"0", "c", "h", {"wire.stories"}, std::chrono::hours(1)}, stats,
      [] {
        return std::pair<bool, std::string>{true, "ready"};
      },
      StatusBoard::Sources{&ring, nullptr,
                           [route] { return std::vector<pipeline::Route>{route}; }});
  const auto recent = nlohmann::json::parse(board.serve("/api/recent")->body);
  ASSERT_EQ(recent["stories"].size(), 1u);
  EXPECT_EQ(recent["stories"][0]["headline"], "Bank raises rates");
  EXPECT_EQ(recent["capacity"], 10);
  const auto clusters = nlohmann::json::parse(board.serve("/api/clusters")->body);
  ASSERT_EQ(clusters["clusters"].size(), 1u);
  EXPECT_EQ(clusters["clusters"][0]["story"]["headline"], "Bank raises rates");
  EXPECT_EQ(clusters["clusters"][0]["members"][0]["relation"], "suppressed");
  const auto routes = nlohmann::json::parse(board.serve("/api/routes")->body);
  EXPECT_EQ(routes["routes"][0]["name"], "alerts");
  EXPECT_EQ(routes["routes"][0]["topics"][0]["records"], 4);
  EXPECT_EQ(routes["routes"][1]["name"], "(default)");
  // The default route's topics: bytes are not counted per topic (null, not a misleading 0);
  // errors are the producer's failed delivery reports for that topic.
  ASSERT_EQ(routes["routes"][1]["topics"].size(), 1u);
  EXPECT_TRUE(routes["routes"][1]["topics"][0]["bytes"].is_null());
  EXPECT_EQ(routes["routes"][1]["topics"][0]["errors"], 2);
  EXPECT_EQ(nlohmann::json::parse(board.serve("/api/chrome")->body)["sources"].size(), 0u);
  ASSERT_TRUE(board.serve("/api/story/wf-a"));
  EXPECT_FALSE(board.serve("/api/story/wf-zzz"));
  EXPECT_FALSE(board.serve("/api/story/"));
  const std::string page = board.serve("/")->body;
  for (const char* id : {"id=\"recent\"", "id=\"clusters\"", "id=\"routes\"", "id=\"chrome\""}) {
    EXPECT_NE(page.find(id), std::string::npos) << id;
  }
}

}  // namespace
}  // namespace wirefeed::daemon
