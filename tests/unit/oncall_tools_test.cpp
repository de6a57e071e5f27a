// The on-call helpers without a broker: start positions, record kinds, dead-letter reasons and
// filters of the CLI tools; how `why` relates a record to a story; the topic plan of a config;
// progress and summary lines; librdkafka property and path checks.
#include <gtest/gtest.h>

#include <filesystem>

#include "cli/tools.hpp"
#include "cli/topics.hpp"
#include "daemon/preflight.hpp"
#include "daemon/progress.hpp"
#include "kafka/client.hpp"

namespace wirefeed {
namespace {

using namespace std::chrono_literals;

TEST(CliTools, StartPositionsParse) {
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  EXPECT_EQ(cli::parse_start("beginning", now)->value, RD_KAFKA_OFFSET_BEGINNING);
  EXPECT_FALSE(cli::parse_start("beginning", now)->is_time);
  EXPECT_EQ(cli::parse_start("end", now)->value, RD_KAFKA_OFFSET_END);
  const auto t = cli::parse_start("2023-11-14T22:13:20Z", now);
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->is_time);
  EXPECT_EQ(t->value, 1'700'000'000'000);
  const auto ago = cli::parse_start("15m", now);
  ASSERT_TRUE(ago);
  EXPECT_EQ(ago->value, 1'700'000'000'000 - 15 * 60 * 1000);
  EXPECT_FALSE(cli::parse_start("yesterday", now));
}

TEST(CliTools, KindsAndReasons) {
  EXPECT_EQ(cli::kind_of_schema("wirefeed.v1.Story"), "story");
  EXPECT_EQ(cli::kind_of_schema("wirefeed.v1.DuplicateNotice"), "duplicate");
  EXPECT_EQ(cli::kind_of_schema("wirefeed.v1.DeadLetter"), "dead_letter");
  EXPECT_EQ(cli::kind_of_schema("wirefeed.v1.DedupStateBatch"), "dedup_state");
  EXPECT_EQ(cli::kind_of_schema("wirefeed.v1.ChromeSightingBatch"), "chrome_state");
  EXPECT_EQ(cli::kind_of_schema(std::nullopt), "raw");
  EXPECT_EQ(cli::kind_of_schema("other.Thing"), "unknown");
  EXPECT_EQ(cli::parse_reason("too_large"), "DEAD_LETTER_REASON_TOO_LARGE");
  EXPECT_EQ(cli::parse_reason("DEAD_LETTER_REASON_EMPTY"), "DEAD_LETTER_REASON_EMPTY");
  EXPECT_FALSE(cli::parse_reason("SOMETHING_ELSE"));
}

TEST(CliTools, FiltersMatchDottedPathsAsStringsOrNumbers) {
  const std::string line = R"({"topic":"wire.duplicates","partition":2,"kind":"duplicate",)"
                           R"("value":{"kind":"DUPLICATE_KIND_NEAR","source":{"agency":"ap"}}})";
  EXPECT_TRUE(cli::matches_filters(line, {}));
  EXPECT_TRUE(cli::matches_filters(line, {"kind=duplicate"}));
  EXPECT_FALSE(cli::matches_filters(line, {"kind=story"}));
  EXPECT_TRUE(cli::matches_filters(line, {"kind=duplicate", "value.kind=DUPLICATE_KIND_NEAR"}));
  EXPECT_FALSE(cli::matches_filters(line, {"kind=duplicate", "value.source.agency=reuters"}));
  EXPECT_TRUE(cli::matches_filters(line, {"value.source.agency=ap", "partition=2"}));
  EXPECT_FALSE(cli::matches_filters(line, {"value.missing=x"}));
}

v1::Record story_record(const std::string& id) {
  v1::Record r;
  r.mutable_story()->set_id(id);
  r.mutable_story()->set_headline("Headline of " + id);
  return r;
}

TEST(CliWhy, AStoryIsPublishedAndNamesItsRelatedLinks) {
  v1::Record r = story_record("wf-a");
  v1::RelatedStory* rel = r.mutable_story()->add_related();
  rel->set_story_id("wf-b");
  rel->set_similarity(0.61);
  rel->set_why(v1::RELATED_WHY_SAME_EVENT);
  rel->mutable_evidence()->set_rule("figures_changed");
  rel->mutable_evidence()->set_facts_only_this(1);
  auto links = cli::why_links(r, "wf-a");
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].relation, "story");
  EXPECT_EQ(links[0].decision, "published");
  EXPECT_FALSE(links[0].evidence);
  EXPECT_EQ(links[1].relation, "related");
  EXPECT_EQ(links[1].other_id, "wf-b");
  EXPECT_EQ(links[1].decision,
            "published, linked as related to wf-b (SAME_EVENT, similarity 0.61)");
  ASSERT_TRUE(links[1].evidence);
  EXPECT_EQ(links[1].evidence->rule(), "figures_changed");
  // Seen from wf-b, the same story links to it.
  links = cli::why_links(r, "wf-b");
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].relation, "related");
  EXPECT_EQ(links[0].other_id, "wf-a");
  EXPECT_EQ(links[0].decision,
            "published wf-a, linked to it as related (SAME_EVENT, similarity 0.61)");
  EXPECT_TRUE(cli::why_links(r, "wf-c").empty());
  EXPECT_TRUE(cli::why_links(r, "").empty());
}

TEST(CliWhy, VersionsAndKillsLinkToWhatTheySupersede) {
  v1::Record r = story_record("wf-v2");
  r.mutable_story()->mutable_version()->set_number(2);
  r.mutable_story()->mutable_version()->set_supersedes("wf-v1");
  auto links = cli::why_links(r, "wf-v2");
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].decision, "published as version 2, superseding wf-v1");
  EXPECT_EQ(links[0].other_id, "wf-v1");
  links = cli::why_links(r, "wf-v1");
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].relation, "newer_version");
  EXPECT_EQ(links[0].decision, "published wf-v2 as version 2, superseding it");
  r.mutable_story()->mutable_version()->set_canceled(true);
  links = cli::why_links(r, "wf-v1");
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].decision, "published wf-v2, a kill withdrawing it");
}

TEST(CliWhy, DuplicateNoticesNameTheKindTheOriginalAndTheEvidence) {
  v1::Record r;
  v1::DuplicateNotice* d = r.mutable_duplicate();
  d->set_id("wf-copy");
  d->set_duplicate_of("wf-orig");
  d->set_kind(v1::DUPLICATE_KIND_NEAR);
  d->set_similarity(0.93);
  d->mutable_evidence()->set_rule("near_agrees");
  d->mutable_evidence()->set_similarity(0.93);
  d->mutable_evidence()->set_names_matched(3);
  d->mutable_evidence()->set_facts_matched(2);
  auto links = cli::why_links(r, "wf-copy");
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].relation, "suppressed");
  EXPECT_EQ(links[0].decision, "suppressed as NEAR duplicate of wf-orig");
  EXPECT_EQ(links[0].other_id, "wf-orig");
  ASSERT_TRUE(links[0].evidence);
  EXPECT_EQ(cli::evidence_text(*links[0].evidence),
            "rule near_agrees, similarity 0.93, names matched 3, facts matched 2");
  links = cli::why_links(r, "wf-orig");
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].relation, "copy");
  EXPECT_EQ(links[0].decision, "suppressed wf-copy as NEAR duplicate of it");
  EXPECT_DOUBLE_EQ(links[0].similarity, 0.93);
  EXPECT_TRUE(cli::why_links(r, "wf-other").empty());
}

TEST(TopicsPlan, EveryTopicOnceWithTheStateTopicCompactAndDeletedAfterTheWindow) {
  daemon::Config c = daemon::parse_config(R"(kafka:
  brokers: "k:9092"
input:
  topics: [wire.raw, wire.ap]
dedup:
  window: 48h
  state_topic: wire.state
routes:
  - name: alerts
    match: {urgency: 1-2}
    topics: [wire.alerts, wire.stories]
    encoding: ninjs
)",
                                          "test.yaml");
  const auto plan = cli::plan_topics(c, 4, 3);
  std::vector<std::string> names;
  for (const auto& t : plan) names.push_back(t.name + "/" + t.role);
  EXPECT_EQ(names,
            (std::vector<std::string>{"wire.raw/input", "wire.ap/input", "wire.stories/stories",
                                      "wire.duplicates/duplicates", "wire.deadletter/dead letter",
                                      "wire.state/dedup state", "wire.alerts/route alerts",
                                      "wire.chrome-state/chrome state"}));
  for (const auto& t : plan) {
    if (t.role == "chrome state") {
      // One partition whatever the input has; kept for the chrome learner's 24 h window.
      EXPECT_EQ(t.partitions, 1);
      EXPECT_EQ(t.configs.at("cleanup.policy"), "delete");
      EXPECT_EQ(t.configs.at("retention.ms"), std::to_string(24LL * 3600 * 1000));
      continue;
    }
    EXPECT_EQ(t.partitions, 4) << t.name;
    EXPECT_EQ(t.replication, 3) << t.name;
    EXPECT_EQ(t.configs.at("min.insync.replicas"), "2") << t.name;
    if (t.role == "dedup state") {
      EXPECT_EQ(t.configs.at("cleanup.policy"), "compact,delete");
      // 48 h window + 24 h margin.
      EXPECT_EQ(t.configs.at("retention.ms"), std::to_string(72LL * 3600 * 1000));
    } else {
      EXPECT_EQ(t.configs.at("cleanup.policy"), "delete") << t.name;
      EXPECT_EQ(t.configs.at("retention.ms"),
                std::to_string((t.role == "dead letter" ? 30LL : 7LL) * 24 * 3600 * 1000))
          << t.name;
    }
  }
  // One replica: min.insync.replicas stays 1; no state topics: none planned.
  c.dedup.state_topic.clear();
  c.clean.chrome_state_topic.clear();
  const auto single = cli::plan_topics(c, 1, 1);
  EXPECT_EQ(single.size(), 6u);
  EXPECT_EQ(single[0].configs.at("min.insync.replicas"), "1");
}

TEST(TopicsPlan, DifferencesNameWhatDiffersAndIgnoreWhatWasNotRead) {
  daemon::Config c;
  const auto plan = cli::plan_topics(c, 6, 3);
  const cli::TopicSpec& state = plan.at(4);
  ASSERT_EQ(state.name, "wire.dedup-state");
  cli::TopicActual a;
  a.partitions = 6;
  a.replication = 3;
  EXPECT_TRUE(cli::plan_differences(state, a).empty());  // configs not read: not compared
  a.configs = {{"cleanup.policy", "delete,compact"},
               {"retention.ms", state.configs.at("retention.ms")},
               {"min.insync.replicas", "2"}};
  EXPECT_TRUE(cli::plan_differences(state, a).empty());  // the policy compares as a set
  a.configs["cleanup.policy"] = "compact";               // today's compose topic: grows forever
  a.partitions = 4;
  a.replication = 1;
  EXPECT_EQ(cli::plan_differences(state, a),
            (std::vector<std::string>{"partitions 4, plan: 6", "replication 1, plan: 3",
                                      "cleanup.policy compact, plan: compact,delete"}));
}

TEST(Progress, LineHasRatesOnlyWithAPreviousSample) {
  daemon::Stats stats;
  stats.input_messages_total.with({"wire.raw"}).inc(30);
  stats.records_published_total.with({"wire.stories", "story"}).inc(20);
  stats.records_published_total.with({"wire.deadletter", "dead_letter"}).inc(5);
  stats.records_published_total.with({"wire.dedup-state", "dedup_state"}).inc(100);
  stats.partitions_assigned.set(4);
  const std::vector<std::string> outputs{"wire.stories", "wire.duplicates", "wire.deadletter"};
  const daemon::ProgressCounts now = daemon::progress_counts(stats, outputs);
  EXPECT_EQ(now.in, 30u);
  EXPECT_EQ(now.out, 25u);  // not the state topic
  EXPECT_EQ(daemon::progress_line(stats, now, std::nullopt, 10s),
            "30 in, 25 published total; 4 partitions, 0 in flight");
  EXPECT_EQ(daemon::progress_line(stats, now, daemon::ProgressCounts{10, 5}, 10s),
            "2.0 stories/s in, 2.0 records/s out; 30 in, 25 published total; 4 partitions, 0 in "
            "flight");
}

TEST(Progress, ExitSummaryCountsKindsAndDeadLetterReasons) {
  daemon::Stats stats;
  stats.input_messages_total.with({"wire.raw"}).inc(9);
  stats.records_published_total.with({"wire.stories", "story"}).inc(6);
  stats.records_published_total.with({"wire.duplicates", "duplicate"}).inc(1);
  stats.dead_letters_total.with({"DEAD_LETTER_REASON_EMPTY"}).inc(2);
  stats.dedup_state_restored_total.inc(3);
  EXPECT_EQ(daemon::exit_summary(stats, 75s),
            "ran 1m15s: 9 input(s); published 6 stories, 1 duplicate notice(s), 2 dead letter(s) "
            "(2 DEAD_LETTER_REASON_EMPTY); 3 dedup state(s) restored");
}

TEST(Preflight, LibrdkafkaJudgesEveryProperty) {
  EXPECT_TRUE(kafka::check_properties({{"linger.ms", "5"}, {"acks", "all"}}).empty());
  const auto bad = kafka::check_properties(
      {{"linger.ms", "5"}, {"no.such.property", "1"}, {"acks", "sometimes"}});
  ASSERT_EQ(bad.size(), 2u);
  EXPECT_NE(bad[0].find("'acks'"), std::string::npos) << bad[0];
  EXPECT_NE(bad[1].find("'no.such.property'"), std::string::npos) << bad[1];
  EXPECT_EQ(kafka::log_level_of(3), spdlog::level::err);
  EXPECT_EQ(kafka::log_level_of(4), spdlog::level::warn);
  EXPECT_EQ(kafka::log_level_of(6), spdlog::level::info);
  EXPECT_EQ(kafka::log_level_of(7), spdlog::level::debug);
}

TEST(Preflight, CheckLocalNamesPropertiesAndPaths) {
  daemon::Config c;
  c.embedded.seed_dir = std::string(WIREFEED_SOURCE_DIR) + "/samples";
  EXPECT_TRUE(daemon::check_local(c).empty());
  c.kafka.producer_properties["linger.mss"] = "5";
  c.embedded.seed_dir = "/nonexistent/seed";
  const auto problems = daemon::check_local(c);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].find("kafka.producer_properties: librdkafka rejects 'linger.mss'"),
            std::string::npos)
      << problems[0];
  EXPECT_NE(problems[1].find("embedded.seed_dir"), std::string::npos) << problems[1];
  c.kafka.brokers = "localhost:9092";  // the seed dir only matters for the embedded broker
  EXPECT_EQ(daemon::check_local(c).size(), 1u);
}

}  // namespace
}  // namespace wirefeed
