// End-to-end tests: a mock Kafka cluster over TCP, the real wirefeedd binary as a child process,
// a separate producer for input, consumers that decode the output topics, /metrics over HTTP.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "daemon/state_records.hpp"
#include "pipeline/decode.hpp"
#include "pipeline/processor.hpp"
#include "tests/support/harness.hpp"
#include "wirefeed/v1/story.pb.h"

namespace wirefeed::testing {
namespace {

constexpr int kPartitions = 3;

using Cluster = TestCluster;

std::string daemon_config(const std::string& bootstrap, const std::string& group, uint16_t port,
                          const std::string& extra = "") {
  return "kafka:\n  brokers: \"" + bootstrap + "\"\n  group_id: " + group +
         "\n  consumer_properties:\n    fetch.wait.max.ms: \"20\"\n    session.timeout.ms: "
         "\"6000\"\n"
         "input:\n  topics: [wire.raw]\n  max_bytes: 64KiB\n"
         "output:\n  stories_topic: wire.stories\n  duplicates_topic: wire.duplicates\n"
         "  dead_letter_topic: wire.deadletter\n  dead_letter_max_bytes: 1KiB\n"
         "metrics:\n  listen: \"127.0.0.1:" +
         std::to_string(port) + "\"\n" + extra;
}

template <typename T>
std::vector<T> decode_all(const std::vector<Consumed>& msgs) {
  std::vector<T> out;
  for (const auto& c : msgs) {
    T t;
    EXPECT_TRUE(t.ParseFromString(c.value));
    out.push_back(std::move(t));
  }
  return out;
}

std::string header(const Consumed& c, const std::string& name) {
  for (const auto& [k, v] : c.headers) {
    if (k == name) return v;
  }
  return {};
}

// The dedup states carried by state-topic records (batches or single states).
std::vector<v1::DedupState> states_of(const std::vector<Consumed>& records) {
  std::vector<v1::DedupState> out;
  for (const auto& c : records) {
    const std::string schema = header(c, "wirefeed-schema");
    auto batch = daemon::parse_state_record(
        schema.empty() ? std::nullopt : std::optional<std::string_view>(schema), c.value.data(),
        c.value.size());
    EXPECT_TRUE(batch) << "state record at offset " << c.offset << " does not parse";
    if (batch) out.insert(out.end(), batch->states().begin(), batch->states().end());
  }
  return out;
}

TEST(DaemonE2E, PublishesStoriesDuplicatesAndDeadLettersThenCommitsAndExitsCleanly) {
  Cluster kafka;
  TempDir dir;
  const uint16_t port = free_port();
  DaemonProcess d(dir.path(), daemon_config(kafka.bootstrap(), "e2e-main", port));
  ASSERT_TRUE(d.wait_ready(port)) << d.stderr_text();

  const std::string story = sample_story();
  const std::string envelope =
      R"({"id":"urn:test:42","source":"reuters","received_at":"2024-01-02T10:00:00Z",)"
      R"("content_type":"text/plain","body":"Markets rally on rate hopes\n\nNEW YORK, Jan 2 (Reuters) - Stocks rose on Tuesday as investors bet on rate cuts.\n\nThe S&P 500 gained 1%."})";
  std::vector<Produced> input{
      {"biden", story, 0},
      {"biden-again", story, 0},  // same content under another key: an exact duplicate
      {"envelope", envelope, 1},
      {"empty", "", 2},
      {"bad-utf8", std::string("Headline\n\nBody \xC3\x28 text"), 2},
      {"too-big", std::string(100 * 1024, 'a'), 2},
      {"bad-envelope", R"({"id": 7, "body": ["not", "a", "string"]})", 1},
  };
  ASSERT_NO_FATAL_FAILURE(produce_all(kafka.bootstrap(), "wire.raw", input));

  const auto stories = read_topic(kafka.bootstrap(), "wire.stories", kPartitions, 2);
  const auto dups = read_topic(kafka.bootstrap(), "wire.duplicates", kPartitions, 1);
  const auto dls = read_topic(kafka.bootstrap(), "wire.deadletter", kPartitions, 4);
  ASSERT_EQ(stories.size(), 2u) << d.stderr_text();
  ASSERT_EQ(dups.size(), 1u);
  ASSERT_EQ(dls.size(), 4u);

  std::map<std::string, v1::Story> by_id;
  for (auto& s : decode_all<v1::Story>(stories)) by_id[s.id()] = s;
  ASSERT_TRUE(by_id.count(id_for_key("biden")));
  const v1::Story& biden = by_id[id_for_key("biden")];
  EXPECT_EQ(biden.headline(),
            "Biden will push China to resume military ties with US, official says");
  EXPECT_EQ(biden.dateline().location(), "WASHINGTON");
  EXPECT_EQ(biden.dateline().agency(), "Reuters");
  EXPECT_EQ(biden.source().topic(), "wire.raw");
  EXPECT_EQ(biden.source().key(), "biden");
  EXPECT_EQ(header(stories[0], "wirefeed-schema"), "wirefeed.v1.Story");
  EXPECT_EQ(header(stories[0], "content-type"), "application/x-protobuf");
  for (const auto& s : stories) {
    v1::Story parsed;
    ASSERT_TRUE(parsed.ParseFromString(s.value));
    EXPECT_EQ(s.key, parsed.id());  // keyed by story id
  }

  const auto notices = decode_all<v1::DuplicateNotice>(dups);
  EXPECT_EQ(notices[0].kind(), v1::DUPLICATE_KIND_EXACT);
  EXPECT_EQ(notices[0].duplicate_of(), id_for_key("biden"));
  EXPECT_EQ(notices[0].id(), id_for_key("biden-again"));

  std::multiset<int> reasons;
  for (const auto& dl : decode_all<v1::DeadLetter>(dls)) {
    reasons.insert(dl.reason());
    EXPECT_FALSE(dl.message().empty());
    EXPECT_LE(dl.original().size(), 1024u);
    if (dl.reason() == v1::DEAD_LETTER_REASON_TOO_LARGE) {
      EXPECT_TRUE(dl.original_truncated());
      EXPECT_EQ(dl.original_size(), 100u * 1024u);
    }
  }
  EXPECT_EQ(reasons,
            (std::multiset<int>{v1::DEAD_LETTER_REASON_EMPTY, v1::DEAD_LETTER_REASON_INVALID_UTF8,
                                v1::DEAD_LETTER_REASON_TOO_LARGE,
                                v1::DEAD_LETTER_REASON_MALFORMED_ENVELOPE}));

  auto metrics = http_get(port, "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("wirefeed_input_messages_total{topic=\"wire.raw\"} 7"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("wirefeed_duplicates_total{kind=\"exact\"} 1"), std::string::npos);
  EXPECT_NE(metrics->headers.find("text/plain; version=0.0.4"), std::string::npos);
  if (std::filesystem::exists("/usr/bin/promtool")) {
    auto check = run_command({"/usr/bin/promtool", "check", "metrics"}, metrics->body);
    EXPECT_EQ(check.first, 0) << check.second;
  }

  // Graceful stop commits every completed offset; the process exits 0.
  ASSERT_EQ(d.stop(SIGTERM), 0) << d.stderr_text();
  EXPECT_EQ(committed_offset(kafka.bootstrap(), "e2e-main", "wire.raw", 0), 2);
  EXPECT_EQ(committed_offset(kafka.bootstrap(), "e2e-main", "wire.raw", 1), 2);
  EXPECT_EQ(committed_offset(kafka.bootstrap(), "e2e-main", "wire.raw", 2), 3);
}

std::string numbered_story(int i) {
  return "Story number " + std::to_string(i) + " about the harbour\n\nLONDON, Mar " +
         std::to_string(1 + i % 28) + " (Reuters) - Dockworkers at berth " + std::to_string(i) +
         " unloaded " + std::to_string(i * 7) +
         " containers on Tuesday, officials said.\n\n"
         "The port authority said volumes at berth " +
         std::to_string(i) + " were up " + std::to_string(i % 13) + "% on the week.\n";
}

TEST(DaemonE2E, NothingIsLostWhenKilledMidStreamAndRestarted) {
  Cluster kafka;
  TempDir dir;
  const uint16_t port = free_port();
  const std::string cfg = daemon_config(kafka.bootstrap(), "e2e-restart", port);
  constexpr int kBatch = 400;
  std::vector<Produced> first, second;
  for (int i = 0; i < kBatch; ++i) first.push_back({"k" + std::to_string(i), numbered_story(i)});
  for (int i = kBatch; i < 2 * kBatch; ++i) {
    second.push_back({"k" + std::to_string(i), numbered_story(i)});
  }
  {
    DaemonProcess d(dir.path(), cfg);
    ASSERT_TRUE(d.wait_ready(port)) << d.stderr_text();
    produce_all(kafka.bootstrap(), "wire.raw", first);
    // Wait until some output exists, then kill without any chance to commit.
    const auto some = read_topic(kafka.bootstrap(), "wire.stories", kPartitions, 1, 30s, 0ms);
    ASSERT_FALSE(some.empty());
    EXPECT_EQ(d.stop(SIGKILL), 128 + SIGKILL);
  }
  produce_all(kafka.bootstrap(), "wire.raw", second);
  DaemonProcess d2(dir.path(), cfg);
  ASSERT_TRUE(d2.wait_ready(port, 60s)) << d2.stderr_text();  // the killed member must expire first

  std::set<std::string> want;
  for (int i = 0; i < 2 * kBatch; ++i) want.insert(id_for_key("k" + std::to_string(i)));
  std::set<std::string> seen;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (seen.size() < want.size() && std::chrono::steady_clock::now() < deadline) {
    seen.clear();
    for (const auto& s : decode_all<v1::Story>(
             read_topic(kafka.bootstrap(), "wire.stories", kPartitions, want.size(), 20s))) {
      seen.insert(s.id());
    }
    for (const auto& n : decode_all<v1::DuplicateNotice>(
             read_topic(kafka.bootstrap(), "wire.duplicates", kPartitions, 0, 2s))) {
      seen.insert(n.id());
    }
  }
  std::vector<std::string> missing;
  for (const auto& id : want) {
    if (!seen.count(id)) missing.push_back(id);
  }
  EXPECT_TRUE(missing.empty()) << missing.size() << " inputs have no output";
  EXPECT_EQ(d2.stop(SIGTERM), 0) << d2.stderr_text();
}

TEST(DaemonE2E, CheckConfigNamesTheBadKey) {
  TempDir dir;
  const std::string good = dir.path() / "good.yaml";
  const std::string bad = dir.path() / "bad.yaml";
  std::ofstream(good) << "kafka:\n  brokers: localhost:9092\n";
  std::ofstream(bad) << "kafka:\n  brokers: localhost:9092\ninput:\n  topicz: [a]\n";
  auto ok = run_command({bin("wirefeedd"), "--config", good, "--check-config"});
  EXPECT_EQ(ok.first, 0) << ok.second;
  auto no = run_command({bin("wirefeedd"), "--config", bad, "--check-config"});
  EXPECT_EQ(no.first, 1);
  EXPECT_NE(no.second.find("input.topicz"), std::string::npos) << no.second;
  auto set = run_command(
      {bin("wirefeedd"), "--config", good, "--set", "pipeline.workers=abc", "--check-config"});
  EXPECT_EQ(set.first, 1);
  EXPECT_NE(set.second.find("pipeline.workers"), std::string::npos) << set.second;
}

// The README's main command: the repo's config.yaml on the embedded broker, echoing records.
TEST(DaemonE2E, EmbeddedDefaultEchoesTheSeedStoryAndServesMetrics) {
  TempDir dir;
  const uint16_t port = free_port();
  const std::string cfg = read_file(std::string(WIREFEED_SOURCE_DIR) + "/config.yaml");
  // The config is copied to a temp dir, so point seed_dir back at the repo's samples.
  auto proc = std::make_unique<DaemonProcess>(
      dir.path(), cfg,
      std::vector<std::string>{
          "--set", "metrics.listen=127.0.0.1:" + std::to_string(port), "--set",
          std::string("embedded.seed_dir=") + WIREFEED_SOURCE_DIR + "/samples"});
  ASSERT_TRUE(proc->wait_ready(port)) << proc->stderr_text();
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (proc->stdout_text().find("military ties") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  const std::string out = proc->stdout_text();
  EXPECT_NE(
      out.find(
          "\"headline\":\"Biden will push China to resume military ties with US, official says\""),
      std::string::npos)
      << out << proc->stderr_text();
  auto m = http_get(port, "/metrics");
  ASSERT_TRUE(m);
  EXPECT_NE(m->body.find("wirefeed_records_published_total"), std::string::npos);
  EXPECT_EQ(proc->stop(SIGINT), 0) << proc->stderr_text();
}

}  // namespace
}  // namespace wirefeed::testing

namespace wirefeed::testing {
namespace {

// Dedup state is persisted after delivery and replayed on start-up: after kill -9 and restart,
// a repeat and a rewrite of a story published before the crash are still suppressed.
TEST(DaemonE2E, DedupStateSurvivesKillAndRestart) {
  Cluster kafka;
  TempDir dir;
  const uint16_t port = free_port();
  const std::string cfg = daemon_config(kafka.bootstrap(), "e2e-dedup", port);
  const std::string story = sample_story();
  {
    DaemonProcess d(dir.path(), cfg);
    ASSERT_TRUE(d.wait_ready(port)) << d.stderr_text();
    ASSERT_NO_FATAL_FAILURE(produce_all(kafka.bootstrap(), "wire.raw", {{"first", story, 0}}));
    const auto state = read_topic(kafka.bootstrap(), "wire.dedup-state", kPartitions, 1, 30s, 0ms);
    ASSERT_EQ(state.size(), 1u) << d.stderr_text();
    EXPECT_EQ(header(state[0], "wirefeed-schema"), "wirefeed.v1.DedupStateBatch");
    const auto st = states_of(state);
    ASSERT_EQ(st.size(), 1u);
    EXPECT_EQ(st[0].story_id(), id_for_key("first"));
    EXPECT_EQ(d.stop(SIGKILL), 128 + SIGKILL);
  }
  DaemonProcess d2(dir.path(), cfg);
  ASSERT_TRUE(d2.wait_ready(port, 60s)) << d2.stderr_text();
  std::string rewrite = story;
  rewrite.replace(rewrite.find("Back to top"), 11, "Sign up here.");
  rewrite.replace(rewrite.find("days before the president"), 25, "just days before the president");
  ASSERT_NO_FATAL_FAILURE(
      produce_all(kafka.bootstrap(), "wire.raw", {{"repeat", story, 1}, {"rewrite", rewrite, 2}}));
  const auto dups = read_topic(kafka.bootstrap(), "wire.duplicates", kPartitions, 2);
  // The killed daemon may not have committed "first": its redelivery is then an EXACT notice
  // pointing at itself (at-least-once: a repeat, never a loss).
  ASSERT_GE(dups.size(), 2u) << d2.stderr_text();
  ASSERT_LE(dups.size(), 3u);
  std::map<std::string, v1::DuplicateNotice> by_id;
  for (auto& n : decode_all<v1::DuplicateNotice>(dups)) by_id[n.id()] = n;
  if (by_id.count(id_for_key("first"))) {
    EXPECT_EQ(by_id[id_for_key("first")].duplicate_of(), id_for_key("first"));
  }
  EXPECT_EQ(by_id[id_for_key("repeat")].kind(), v1::DUPLICATE_KIND_EXACT);
  EXPECT_EQ(by_id[id_for_key("repeat")].duplicate_of(), id_for_key("first"));
  EXPECT_EQ(by_id[id_for_key("rewrite")].kind(), v1::DUPLICATE_KIND_NEAR);
  EXPECT_EQ(by_id[id_for_key("rewrite")].duplicate_of(), id_for_key("first"));
  // Only the first story was ever published.
  EXPECT_EQ(read_topic(kafka.bootstrap(), "wire.stories", kPartitions, 1, 5s).size(), 1u);
  auto metrics = http_get(port, "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("wirefeed_dedup_state_restored_total 1\n"), std::string::npos)
      << metrics->body;
  EXPECT_EQ(d2.stop(SIGTERM), 0) << d2.stderr_text();
}

}  // namespace
}  // namespace wirefeed::testing

namespace wirefeed::testing {
namespace {

// Two daemons in one consumer group: each tails the dedup state topic, so a copy of a story
// that the other daemon published is still suppressed. Then one daemon is killed: its
// partitions move to the survivor and nothing is lost.
TEST(DaemonE2E, TwoDaemonsShareDedupStateAndSurviveALostMember) {
  Cluster kafka;
  TempDir dir;
  const uint16_t port_a = free_port();
  const uint16_t port_b = free_port();
  DaemonProcess a(dir.path(), daemon_config(kafka.bootstrap(), "e2e-pair", port_a));
  DaemonProcess b(dir.path(), daemon_config(kafka.bootstrap(), "e2e-pair", port_b));
  ASSERT_TRUE(a.wait_ready(port_a, 60s)) << a.stderr_text();
  ASSERT_TRUE(b.wait_ready(port_b, 60s)) << b.stderr_text();
  // Wait until the group is balanced: both members own partitions.
  auto owned = [](uint16_t port) {
    auto m = http_get(port, "/metrics");
    const std::string key = "\nwirefeed_partitions_assigned ";
    const auto at = m ? m->body.find(key) : std::string::npos;
    return at == std::string::npos ? 0 : std::stoi(m->body.substr(at + key.size()));
  };
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (
      (owned(port_a) == 0 || owned(port_b) == 0 || owned(port_a) + owned(port_b) != kPartitions) &&
      std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(owned(port_a) + owned(port_b), kPartitions);

  const std::string story = sample_story();
  ASSERT_NO_FATAL_FAILURE(produce_all(kafka.bootstrap(), "wire.raw", {{"orig", story, 0}}));
  ASSERT_EQ(read_topic(kafka.bootstrap(), "wire.dedup-state", kPartitions, 1, 30s, 0ms).size(), 1u);
  // The other daemon has applied the state record before the copies arrive (the publisher has
  // the story in its index already and skips its own records on the tail); copies racing the
  // state record are the documented race window.
  auto applied_states = [](uint16_t port) {
    auto m = http_get(port, "/metrics");
    const std::string key = "\nwirefeed_dedup_state_restored_total ";
    const auto at = m ? m->body.find(key) : std::string::npos;
    return at == std::string::npos ? 0 : std::stoi(m->body.substr(at + key.size()));
  };
  const auto state_deadline = std::chrono::steady_clock::now() + 30s;
  while (applied_states(port_a) + applied_states(port_b) < 1 &&
         std::chrono::steady_clock::now() < state_deadline) {
    std::this_thread::sleep_for(50ms);
  }
  // Exactly one: the publisher did not replay its own record.
  ASSERT_EQ(applied_states(port_a) + applied_states(port_b), 1);
  // Copies on every partition: whichever daemon owns them, each is an EXACT duplicate.
  ASSERT_NO_FATAL_FAILURE(
      produce_all(kafka.bootstrap(), "wire.raw",
                  {{"copy0", story, 0}, {"copy1", story, 1}, {"copy2", story, 2}}));
  const auto dups = read_topic(kafka.bootstrap(), "wire.duplicates", kPartitions, 3);
  ASSERT_EQ(dups.size(), 3u) << a.stderr_text() << b.stderr_text();
  for (const auto& n : decode_all<v1::DuplicateNotice>(dups)) {
    EXPECT_EQ(n.duplicate_of(), id_for_key("orig"));
  }
  EXPECT_EQ(read_topic(kafka.bootstrap(), "wire.stories", kPartitions, 1, 3s).size(), 1u);

  // Kill one member; stories keep arriving on every partition; the survivor takes over the
  // dead member's partitions once its session expires, and nothing is lost.
  EXPECT_EQ(b.stop(SIGKILL), 128 + SIGKILL);
  std::vector<Produced> more;
  for (int i = 0; i < 300; ++i) more.push_back({"m" + std::to_string(i), numbered_story(i)});
  ASSERT_NO_FATAL_FAILURE(produce_all(kafka.bootstrap(), "wire.raw", more));
  std::set<std::string> seen;
  const auto until = std::chrono::steady_clock::now() + 90s;
  std::size_t missing = more.size();
  while (missing > 0 && std::chrono::steady_clock::now() < until) {
    for (const auto& s : decode_all<v1::Story>(
             read_topic(kafka.bootstrap(), "wire.stories", kPartitions, more.size() + 1, 20s))) {
      seen.insert(s.id());
    }
    for (const auto& n : decode_all<v1::DuplicateNotice>(
             read_topic(kafka.bootstrap(), "wire.duplicates", kPartitions, 0, 2s))) {
      seen.insert(n.id());
    }
    for (const auto& dl : decode_all<v1::DeadLetter>(
             read_topic(kafka.bootstrap(), "wire.deadletter", kPartitions, 0, 1s))) {
      seen.insert(dl.id());
    }
    missing = 0;
    for (const auto& p : more) missing += seen.count(id_for_key(p.key)) ? 0 : 1;
  }
  std::string missing_keys;
  for (const auto& p : more) {
    if (!seen.count(id_for_key(p.key))) missing_keys += p.key + " ";
  }
  EXPECT_EQ(missing, 0u) << "missing: " << missing_keys << "\n" << a.stderr_text();
  EXPECT_EQ(owned(port_a), kPartitions);
  EXPECT_EQ(a.stop(SIGTERM), 0) << a.stderr_text();
}

}  // namespace
}  // namespace wirefeed::testing

namespace wirefeed::testing {
namespace {

bool wait_for_log(DaemonProcess& d, const std::string& needle, std::chrono::milliseconds bound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < deadline) {
    if (d.stderr_text().find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

// SIGHUP: live keys are applied, restart-only keys are named, a broken file is rejected and the
// daemon keeps running the old configuration.
TEST(DaemonE2E, SighupReloadsLiveKeysAndRejectsABrokenConfig) {
  Cluster kafka;
  TempDir dir;
  const uint16_t port = free_port();
  const std::string cfg = daemon_config(kafka.bootstrap(), "e2e-reload", port);
  DaemonProcess d(dir.path(), cfg);
  ASSERT_TRUE(d.wait_ready(port)) << d.stderr_text();
  std::filesystem::path file;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    if (e.path().filename().string().rfind("config-", 0) == 0) file = e.path();
  }
  ASSERT_FALSE(file.empty());

  std::ofstream(file) << daemon_config(kafka.bootstrap(), "e2e-other-group", port,
                                       "log:\n  level: debug\ndedup:\n  near_threshold: 0.7\n");
  d.signal(SIGHUP);
  ASSERT_TRUE(wait_for_log(d, "configuration reloaded", 10s)) << d.stderr_text();
  EXPECT_NE(d.stderr_text().find("dedup.near_threshold"), std::string::npos);
  EXPECT_TRUE(wait_for_log(d, "need a restart", 5s));
  EXPECT_NE(d.stderr_text().find("kafka.group_id"), std::string::npos);

  std::ofstream(file) << "kafka:\n  brokers: [not, a, string]\n";
  d.signal(SIGHUP);
  ASSERT_TRUE(wait_for_log(d, "reload rejected", 10s)) << d.stderr_text();
  EXPECT_NE(d.stderr_text().find("kafka.brokers"), std::string::npos);

  // Still consuming with the old configuration.
  auto ready = http_get(port, "/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  ASSERT_NO_FATAL_FAILURE(
      produce_all(kafka.bootstrap(), "wire.raw", {{"after-reload", sample_story(), 0}}));
  EXPECT_EQ(read_topic(kafka.bootstrap(), "wire.stories", kPartitions, 1).size(), 1u);
  EXPECT_EQ(d.stop(SIGTERM), 0) << d.stderr_text();
}

// SIGHUP re-reads clean.rules_file in the running daemon: the next story is cleaned with the
// newsroom's new rule; a broken rules file is rejected (naming the file) and the rules in force
// stay.
TEST(DaemonE2E, SighupReloadsTheCleaningRulesFile) {
  Cluster kafka;
  TempDir dir;
  const uint16_t port = free_port();
  const std::filesystem::path rules = dir.path() / "newsroom-rules.yaml";
  std::ofstream(rules) << "# no newsroom rules yet\n";
  DaemonProcess d(dir.path(), daemon_config(kafka.bootstrap(), "e2e-rules", port,
                                            "clean:\n  rules_file: \"" + rules.string() + "\"\n"));
  ASSERT_TRUE(d.wait_ready(port)) << d.stderr_text();

  // Three unrelated stories (not near-duplicates of each other), each with a desk trailer line.
  auto story = [](const std::string& headline, const std::string& body) {
    return headline + "\n\nROTTERDAM, Nov 12 (Reuters) - " + body + "\n\nDESK-TRAILER rotterdam\n";
  };
  auto story_for = [&](const std::string& key, size_t total) {
    v1::Story found;
    for (const auto& m : read_topic(kafka.bootstrap(), "wire.stories", kPartitions, total)) {
      v1::Story s;
      EXPECT_TRUE(s.ParseFromString(m.value));
      if (s.id() == id_for_key(key)) found = s;
    }
    return found;
  };

  ASSERT_NO_FATAL_FAILURE(
      produce_all(kafka.bootstrap(), "wire.raw",
                  {{"before",
                    story("Dock strike halts Rotterdam port",
                          "Dock workers walked out on Tuesday over automation plans, halting "
                          "container traffic at Europe's biggest port."),
                    0}}));
  const v1::Story before = story_for("before", 1);
  ASSERT_EQ(before.paragraphs_size(), 2) << d.stderr_text();  // the trailer is text so far
  EXPECT_EQ(before.paragraphs(1), "DESK-TRAILER rotterdam");

  std::ofstream(rules)
      << "packs:\n  - name: ours\n    lines:\n"
         "      - {id: ours.desk-trailer, prefix: \"DESK-TRAILER\", max_len: 100}\n";
  d.signal(SIGHUP);
  ASSERT_TRUE(wait_for_log(d, "configuration reloaded", 10s)) << d.stderr_text();
  EXPECT_NE(d.stderr_text().find("clean.rules_file"), std::string::npos);
  ASSERT_NO_FATAL_FAILURE(
      produce_all(kafka.bootstrap(), "wire.raw",
                  {{"after",
                    story("Dutch central bank warns on housing",
                          "The Dutch central bank said house prices could fall sharply if mortgage "
                          "rates kept rising into next year."),
                    1}}));
  const v1::Story after = story_for("after", 2);
  ASSERT_EQ(after.paragraphs_size(), 1) << d.stderr_text();
  EXPECT_EQ(after.boilerplate_removed(), before.boilerplate_removed() + 1);

  // A rule without a match kind: rejected, the daemon keeps cleaning with the rules in force.
  std::ofstream(rules) << "packs:\n  - name: ours\n    lines:\n      - {id: ours.broken}\n";
  d.signal(SIGHUP);
  ASSERT_TRUE(wait_for_log(d, "reload rejected", 10s)) << d.stderr_text();
  EXPECT_NE(d.stderr_text().find("newsroom-rules.yaml"), std::string::npos);
  ASSERT_NO_FATAL_FAILURE(
      produce_all(kafka.bootstrap(), "wire.raw",
                  {{"broken",
                    story("Heineken sales beat forecasts",
                          "Brewer Heineken reported third-quarter beer volumes above analyst "
                          "expectations, helped by strong demand in Brazil and Vietnam."),
                    2}}));
  const v1::Story kept = story_for("broken", 3);
  EXPECT_EQ(kept.paragraphs_size(), 1) << d.stderr_text();
  EXPECT_EQ(d.stop(SIGTERM), 0) << d.stderr_text();
}

}  // namespace
}  // namespace wirefeed::testing

namespace wirefeed::testing {
namespace {

// A state topic holding a single DedupState record from an older daemon (no headers, as a tool
// that copied the topic would leave it) and the batches this daemon writes: a restarted daemon
// restores every state from both, so copies of all those stories are suppressed.
TEST(DaemonE2E, RestartRestoresBatchedAndLegacyStateRecords) {
  Cluster kafka;
  TempDir dir;
  const uint16_t port = free_port();
  const std::string cfg = daemon_config(kafka.bootstrap(), "e2e-batched-state", port);
  // The legacy record: the state the Processor gives the sample story, as DedupState bytes.
  pipeline::DedupIndex scratch{pipeline::DedupConfig{}};
  pipeline::Processor processor{pipeline::ProcessorConfig{}, scratch};
  pipeline::InputMessage legacy;
  legacy.topic = "wire.raw";
  legacy.key = "legacy";
  legacy.timestamp = pipeline::Millis{std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch())};
  legacy.value = sample_story();
  const auto legacy_state = processor.process(legacy).state;
  ASSERT_TRUE(legacy_state);
  ASSERT_NO_FATAL_FAILURE(produce_all(kafka.bootstrap(), "wire.dedup-state",
                                      {{"old", legacy_state->SerializeAsString(), 0}}));

  constexpr int kStories = 60;
  std::vector<Produced> stories, copies;
  for (int i = 0; i < kStories; ++i) {
    stories.push_back({"s" + std::to_string(i), numbered_story(1000 + i), i % kPartitions});
    copies.push_back({"c" + std::to_string(i), numbered_story(1000 + i), (i + 1) % kPartitions});
  }
  copies.push_back({"c-legacy", sample_story(), 0});
  {
    DaemonProcess d(dir.path(), cfg);
    ASSERT_TRUE(d.wait_ready(port)) << d.stderr_text();
    ASSERT_NO_FATAL_FAILURE(produce_all(kafka.bootstrap(), "wire.raw", stories));
    ASSERT_EQ(read_topic(kafka.bootstrap(), "wire.stories", kPartitions, kStories).size(),
              static_cast<std::size_t>(kStories))
        << d.stderr_text();
    // Every published story's state is on the topic, in batch records beside the legacy one.
    std::vector<Consumed> records;
    std::size_t states = 0;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (states < kStories + 1 && std::chrono::steady_clock::now() < deadline) {
      records = read_topic(kafka.bootstrap(), "wire.dedup-state", kPartitions, 1, 10s);
      states = states_of(records).size();
    }
    EXPECT_EQ(states, static_cast<std::size_t>(kStories + 1));
    std::size_t batches = 0;
    for (const auto& r : records)
      batches += header(r, "wirefeed-schema") == "wirefeed.v1.DedupStateBatch";
    EXPECT_EQ(batches + 1, records.size());
    std::printf("[ figures ] %d stories: their states in %zu batch record(s)\n", kStories, batches);
    ASSERT_EQ(d.stop(SIGTERM), 0) << d.stderr_text();
  }
  DaemonProcess d2(dir.path(), cfg);
  ASSERT_TRUE(d2.wait_ready(port, 60s)) << d2.stderr_text();
  auto metrics = http_get(port, "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("wirefeed_dedup_state_restored_total " +
                               std::to_string(kStories + 1) + "\n"),
            std::string::npos)
      << metrics->body;
  ASSERT_NO_FATAL_FAILURE(produce_all(kafka.bootstrap(), "wire.raw", copies));
  const auto dups = decode_all<v1::DuplicateNotice>(
      read_topic(kafka.bootstrap(), "wire.duplicates", kPartitions, copies.size()));
  ASSERT_EQ(dups.size(), copies.size()) << d2.stderr_text();
  std::map<std::string, std::string> dup_of;
  for (const auto& n : dups) {
    EXPECT_EQ(n.kind(), v1::DUPLICATE_KIND_EXACT) << n.id();
    dup_of[n.id()] = n.duplicate_of();
  }
  for (int i = 0; i < kStories; ++i) {
    EXPECT_EQ(dup_of[id_for_key("c" + std::to_string(i))], id_for_key("s" + std::to_string(i)));
  }
  EXPECT_EQ(dup_of[id_for_key("c-legacy")], legacy_state->story_id());
  // Nothing new was published after the restart.
  EXPECT_EQ(read_topic(kafka.bootstrap(), "wire.stories", kPartitions, kStories, 3s).size(),
            static_cast<std::size_t>(kStories));
  EXPECT_EQ(d2.stop(SIGTERM), 0) << d2.stderr_text();
}

TEST(DaemonE2E, LearnsPageChromeFromTheStreamAndStopsPublishingIt) {
  Cluster kafka;
  TempDir dir;
  const uint16_t port = free_port();
  DaemonProcess d(dir.path(), daemon_config(kafka.bootstrap(), "e2e-chrome", port));
  ASSERT_TRUE(d.wait_ready(port)) << d.stderr_text();

  // Five different stories of one source, in one partition (in order), each with the same short
  // line between its paragraphs: a line no rule lists and no shape recognises.
  // Different stories (different words, so dedup keeps them all apart).
  const std::vector<std::string> leads = {
      "The city council raised ferry fares by a tenth, citing fuel costs.",
      "Engineers closed the northern bridge after finding cracked cables.",
      "A heatwave pushed electricity demand to a summer record.",
      "The museum reopened its Viking hall after a two-year renovation.",
      "Striking bus drivers accepted a wage offer from regional operators."};
  const std::vector<std::string> seconds = {"Commuters protested outside the town hall.",
                                            "Traffic was diverted through the western tunnel.",
                                            "Grid operators asked households to save power.",
                                            "Tickets for the opening weekend sold out quickly.",
                                            "Services resume on Monday morning."};
  std::vector<Produced> input;
  for (size_t i = 0; i < leads.size(); ++i) {
    const std::string body = "Oslo story " + std::to_string(i) + "\\n\\nOSLO (Reuters) - " +
                             leads[i] + "\\n\\nNorthwind terminal desk\\n\\n" + seconds[i];
    input.push_back({"chrome-" + std::to_string(i),
                     R"({"id":"urn:chrome:)" + std::to_string(i) +
                         R"(","source":"citywire","received_at":"2024-01-02T1)" +
                         std::to_string(i) + R"(:00:00Z","content_type":"text/plain","body":")" +
                         body + R"("})",
                     0});
  }
  ASSERT_NO_FATAL_FAILURE(produce_all(kafka.bootstrap(), "wire.raw", input));
  const auto stories = read_topic(kafka.bootstrap(), "wire.stories", kPartitions, 5);
  ASSERT_EQ(stories.size(), 5u) << d.stderr_text();
  std::map<std::string, v1::Story> by_item;
  for (auto& s : decode_all<v1::Story>(stories)) by_item[s.source().item_id()] = s;
  auto has_line = [&](int i) {
    const v1::Story& s = by_item.at("urn:chrome:" + std::to_string(i));
    for (const auto& p : s.paragraphs()) {
      if (p == "Northwind terminal desk") return true;
    }
    return false;
  };
  EXPECT_TRUE(has_line(0));
  EXPECT_TRUE(has_line(1));
  EXPECT_FALSE(has_line(2));  // the third story completes the line
  EXPECT_FALSE(has_line(3));
  EXPECT_FALSE(has_line(4));
  for (const auto& [id, s] : by_item) EXPECT_GE(s.paragraphs_size(), 2) << id;
}

}  // namespace
}  // namespace wirefeed::testing
