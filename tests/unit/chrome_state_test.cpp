// Tests for the persisted chrome sightings (daemon/chrome_state.hpp): the record round trip, a
// replay giving the learned set the live stream gave, and ChromeState over the embedded broker
// (restore after a restart, sharing with another instance, own records skipped).
#include "daemon/chrome_state.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "daemon/embedded_broker.hpp"

namespace wirefeed::daemon {
namespace {

using pipeline::ChromeLearner;
using pipeline::ChromeLearnerConfig;
using pipeline::ChromeSighting;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::sys_seconds;
using namespace std::chrono_literals;

// Recent event times: the replay starts at now - the learner's window.
sys_seconds now_s() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

// Every sighting handed to a learner's sink, as the daemon writes them.
struct Collected {
  v1::ChromeSightingBatch batch;
  void attach(ChromeLearner& l) {
    l.set_sighting_sink([this](std::string_view source, const ChromeSighting& s, sys_seconds t) {
      *batch.add_sightings() = chrome_sighting_record(source, s, t);
    });
  }
};

// The whole state of a learner as its listing shows it, per source.
void expect_same_learned(ChromeLearner& a, ChromeLearner& b,
                         const std::vector<std::string>& sources) {
  for (const std::string& src : sources) {
    SCOPED_TRACE(src);
    const auto la = a.lines(src);
    const auto lb = b.lines(src);
    ASSERT_EQ(la.size(), lb.size());
    for (std::size_t i = 0; i < la.size(); ++i) {
      EXPECT_EQ(la[i].text, lb[i].text);
      EXPECT_EQ(la[i].stories, lb[i].stories) << la[i].text;
      EXPECT_EQ(la[i].learned, lb[i].learned) << la[i].text;
      EXPECT_EQ(la[i].blocked, lb[i].blocked) << la[i].text;
      EXPECT_DOUBLE_EQ(la[i].score, lb[i].score) << la[i].text;
    }
    EXPECT_EQ(a.learned(src)->size(), b.learned(src)->size());
  }
}

TEST(ChromeState, RecordRoundTrip) {
  const ChromeSighting s{{"Northwind terminal desk", "Markets hub"}, 0xfeedbeefcafe1234ull, true};
  const sys_seconds t{std::chrono::seconds{1'700'000'123}};
  v1::ChromeSightingBatch batch;
  *batch.add_sightings() = chrome_sighting_record("citywire", s, t);
  const std::string bytes = batch.SerializeAsString();

  const auto back = parse_chrome_record(kChromeSightingBatchSchema, bytes.data(), bytes.size());
  ASSERT_TRUE(back);
  ASSERT_EQ(back->sightings_size(), 1);
  const v1::ChromeSightingRecord& r = back->sightings(0);
  EXPECT_EQ(r.source(), "citywire");
  ASSERT_EQ(r.lines_size(), 2);
  EXPECT_EQ(r.lines(0), "Northwind terminal desk");
  EXPECT_EQ(r.lines(1), "Markets hub");
  EXPECT_EQ(r.story(), 0xfeedbeefcafe1234ull);
  EXPECT_TRUE(r.templated());
  EXPECT_EQ(r.observed_at(), 1'700'000'123);
  // Without the header it still parses; another record type's header does not.
  EXPECT_TRUE(parse_chrome_record(std::nullopt, bytes.data(), bytes.size()));
  EXPECT_FALSE(parse_chrome_record("wirefeed.v1.DedupStateBatch", bytes.data(), bytes.size()));
  const std::string junk = "\xff\xff\xff";
  EXPECT_FALSE(parse_chrome_record(std::nullopt, junk.data(), junk.size()));

  // Malformed sightings (no source, no line) are skipped and counted, never observed.
  v1::ChromeSightingBatch bad;
  bad.add_sightings()->add_lines("Orphan line");
  bad.add_sightings()->set_source("citywire");
  ChromeLearner l;
  const ChromeReplayCount n = replay_chrome_batch(l, bad);
  EXPECT_EQ(n.applied, 0u);
  EXPECT_EQ(n.malformed, 2u);
  EXPECT_TRUE(l.lines("citywire").empty());
}

// A long mixed stream (several sources, chrome lines, one-off lines, lines whose figures vary,
// templated stories, copies of a story, time running ahead and back, a gap longer than the
// window, more lines than max_lines): replaying the recorded sightings into a fresh learner
// gives exactly the state the live learner has.
TEST(ChromeState, ReplayGivesTheLearnedSetOfTheLiveStream) {
  const ChromeLearnerConfig cfg{.min_stories = 3,
                                .window = hours{6},
                                .half_life = hours{2},
                                .max_lines = 24,
                                .max_sources = 3};
  ChromeLearner live(cfg);
  Collected sink;
  sink.attach(live);
  const std::vector<std::string> sources = {"citywire", "harbourpost", "valleynews", "overflow"};
  std::mt19937 rng(20261205);
  sys_seconds t = now_s() - hours{20};
  for (int i = 0; i < 600; ++i) {
    const std::string& src = sources[rng() % sources.size()];
    ChromeSighting s;
    s.story = rng() % 400;  // copies happen
    s.templated = rng() % 17 == 0;
    s.lines.push_back(src + " desk " +
                      std::string(1, static_cast<char>('a' + rng() % 4)));  // chrome candidates
    s.lines.push_back("One-off line " + std::to_string(rng() % 90));        // mostly rare
    if (rng() % 5 == 0) s.lines.push_back("Pay April " + std::to_string(rng() % 28));  // figures
    if (rng() % 3 == 0) s.lines.push_back(s.lines.front());  // a line twice in one story
    t += std::chrono::seconds(rng() % 600);
    const sys_seconds at = rng() % 9 == 0 ? t - minutes{30} : t;  // out of order
    live.observe(src, s, at);
    if (i == 400) t += hours{7};  // longer than the window: lines are forgotten
  }
  ASSERT_GT(sink.batch.sightings_size(), 500);  // every non-templated sighting was handed over

  // Through the bytes, as the daemon writes and reads them.
  const std::string bytes = sink.batch.SerializeAsString();
  const auto read = parse_chrome_record(kChromeSightingBatchSchema, bytes.data(), bytes.size());
  ASSERT_TRUE(read);
  ChromeLearner restored(cfg);
  Collected resent;  // replay() must not hand sightings to the sink again
  resent.attach(restored);
  const ChromeReplayCount n = replay_chrome_batch(restored, *read);
  EXPECT_EQ(n.applied, static_cast<std::size_t>(sink.batch.sightings_size()));
  EXPECT_EQ(resent.batch.sightings_size(), 0);

  std::size_t learned = 0;
  for (const auto& src : sources) learned += live.learned(src)->size();
  ASSERT_GT(learned, 0u);  // the stream did teach something
  expect_same_learned(live, restored, sources);
  EXPECT_EQ(live.learned_counts(), restored.learned_counts());

  // A learner that missed the first sighting does not match: the comparison sees a difference.
  v1::ChromeSightingBatch partial = *read;
  partial.mutable_sightings()->DeleteSubrange(0, 250);
  ChromeLearner fewer(cfg);
  replay_chrome_batch(fewer, partial);
  bool differs = false;
  for (const auto& src : sources)
    differs = differs || fewer.lines(src).size() != live.lines(src).size() ||
              fewer.learned(src)->size() != live.learned(src)->size();
  EXPECT_TRUE(differs);
}

// Restored, then the same stories reprocessed (a crash before their offsets were committed):
// no story counts twice, so a line two stories carried is still not learned.
TEST(ChromeState, AStoryObservedAgainAfterAReplayDoesNotCountTwice) {
  ChromeLearner live(ChromeLearnerConfig{.min_stories = 3});
  Collected sink;
  sink.attach(live);
  const sys_seconds t = now_s();
  live.observe("citywire", ChromeSighting{{"Northwind terminal desk"}, 11, false}, t);
  live.observe("citywire", ChromeSighting{{"Northwind terminal desk"}, 12, false}, t + 1min);

  ChromeLearner restarted(ChromeLearnerConfig{.min_stories = 3});
  replay_chrome_batch(restarted, sink.batch);
  restarted.observe("citywire", ChromeSighting{{"Northwind terminal desk"}, 11, false}, t);
  restarted.observe("citywire", ChromeSighting{{"Northwind terminal desk"}, 12, false}, t + 1min);
  EXPECT_EQ(restarted.learned("citywire")->count("Northwind terminal desk"), 0u);
  ASSERT_EQ(restarted.lines("citywire").size(), 1u);
  EXPECT_EQ(restarted.lines("citywire")[0].stories, 2u);
  // A third story does make it chrome.
  restarted.observe("citywire", ChromeSighting{{"Northwind terminal desk"}, 13, false}, t + 2min);
  EXPECT_EQ(restarted.learned("citywire")->count("Northwind terminal desk"), 3u);
}

TEST(ChromeState, LearnedGaugesPerSource) {
  ChromeLearner l(ChromeLearnerConfig{.min_stories = 2});
  const sys_seconds t = now_s();
  l.observe("citywire", ChromeSighting{{"Desk one", "Desk two"}, 1, false}, t);
  l.observe("citywire", ChromeSighting{{"Desk one", "Desk two"}, 2, false}, t);
  l.observe("harbourpost", ChromeSighting{{"Desk one"}, 1, false}, t);
  Stats stats;
  update_chrome_gauges(l, stats);
  EXPECT_EQ(stats.chrome_learned_lines.with({"citywire"}).value(), 2);
  EXPECT_EQ(stats.chrome_learned_lines.with({"harbourpost"}).value(), 0);
  const std::string text = stats.render();
  EXPECT_NE(text.find("wirefeed_chrome_learned_lines{source=\"citywire\"} 2"), std::string::npos)
      << text;
}

// ChromeState over the embedded broker: what one instance learned is restored by the next one
// (a restart), and a running instance learns from another one's sightings (the tail) but never
// counts its own records twice.
class ChromeStateKafka : public ::testing::Test {
 protected:
  ChromeStateKafka() { cluster_.create_topic(kTopic, 1); }

  ChromeStateSettings settings(const std::string& reader) const {
    ChromeStateSettings s;
    s.topic = kTopic;
    s.reader = {{"bootstrap.servers", cluster_.bootstrap()}, {"group.id", reader}};
    s.writer = {{"bootstrap.servers", cluster_.bootstrap()}, {"linger.ms", "5"}};
    s.restore_timeout = 10s;
    return s;
  }

  static void wait_for(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (!done() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(20ms);
  }

  static constexpr const char* kTopic = "wire.chrome-state";
  EmbeddedCluster cluster_;
  std::atomic<bool> stop_{false};
};

TEST_F(ChromeStateKafka, RestoresAfterARestartAndSharesWithTheGroup) {
  const std::string line = "Northwind terminal desk";
  const sys_seconds t = now_s();
  Stats stats_a;
  ChromeLearner a(ChromeLearnerConfig{.min_stories = 3});
  {
    ChromeState cs(settings("a"), a, stats_a);
    a.set_sighting_sink([&cs](std::string_view src, const ChromeSighting& s, sys_seconds at) {
      cs.record(src, s, at);
    });
    EXPECT_EQ(cs.start(stop_), 0u);  // an empty topic
    for (uint64_t story = 1; story <= 3; ++story) {
      a.observe("citywire", ChromeSighting{{line, "Story " + std::to_string(story)}, story, false},
                t + minutes{story});
    }
    ASSERT_EQ(a.learned("citywire")->count(line), 3u);
    wait_for([&] { return stats_a.chrome_sightings_written_total.value() >= 3; });
    EXPECT_EQ(stats_a.chrome_sightings_written_total.value(), 3u);
    // Its own records are not replayed into it by the tail (they would not count again anyway;
    // the counter shows they are skipped).
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(stats_a.chrome_sightings_restored_total.value(), 0u);
    cs.stop(2s);
    a.set_sighting_sink(nullptr);
  }

  // The restart: a fresh learner learned nothing; the replay rebuilds the set.
  Stats stats_b;
  ChromeLearner b(ChromeLearnerConfig{.min_stories = 3});
  ChromeState restarted(settings("b"), b, stats_b);
  b.set_sighting_sink([&restarted](std::string_view src, const ChromeSighting& s, sys_seconds at) {
    restarted.record(src, s, at);
  });
  EXPECT_EQ(b.learned("citywire")->count(line), 0u);
  EXPECT_EQ(restarted.start(stop_), 3u);
  EXPECT_EQ(stats_b.chrome_sightings_restored_total.value(), 3u);
  EXPECT_EQ(b.learned("citywire")->count(line), 3u);
  expect_same_learned(a, b, {"citywire"});

  // Another instance of the group, running alongside: it learns from b's sightings as they are
  // written.
  Stats stats_c;
  ChromeLearner c(ChromeLearnerConfig{.min_stories = 3});
  ChromeState peer(settings("c"), c, stats_c);
  EXPECT_EQ(peer.start(stop_), 3u);
  const std::string other = "Harbour events calendar";
  for (uint64_t story = 10; story < 13; ++story) {
    b.observe("harbourpost", ChromeSighting{{other}, story, false}, t + minutes{story});
  }
  ASSERT_EQ(b.learned("harbourpost")->count(other), 3u);
  wait_for([&] { return c.learned("harbourpost")->count(other) > 0; });
  EXPECT_EQ(c.learned("harbourpost")->count(other), 3u);
  EXPECT_EQ(stats_c.chrome_sightings_restored_total.value(), 6u);
  peer.stop(1s);
  restarted.stop(1s);
  b.set_sighting_sink(nullptr);
}

TEST_F(ChromeStateKafka, AMissingTopicLeavesItOffWithoutFailing) {
  ChromeStateSettings s = settings("x");
  s.topic = "wire.no-such-topic";
  Stats stats;
  ChromeLearner l;
  ChromeState cs(s, l, stats);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(cs.start(stop_), 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 8s);  // does not wait out the bound
  cs.record("citywire", ChromeSighting{{"Desk"}, 1, false}, now_s());  // dropped, no crash
  cs.stop(100ms);
  EXPECT_EQ(stats.chrome_sightings_written_total.value(), 0u);
}

}  // namespace
}  // namespace wirefeed::daemon
