// The on-call helpers without a broker: start positions, record kinds, dead-letter reasons and
// filters of the CLI tools; progress and summary lines; librdkafka property and path checks.
#include <gtest/gtest.h>

#include <filesystem>

#include "cli/tools.hpp"
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
