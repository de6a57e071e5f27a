// End-to-end: templated wire shorts about different companies both reach the stories topic, a
// rewrite is suppressed with its evidence, and /metrics counts the verdicts by rule.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <string>

#include "tests/support/harness.hpp"
#include "wirefeed/v1/story.pb.h"

namespace wirefeed::testing {
namespace {

constexpr int kPartitions = 3;

std::string config(const std::string& bootstrap, uint16_t port) {
  return "kafka:\n  brokers: \"" + bootstrap +
         "\"\n  group_id: e2e-evidence\n  consumer_properties:\n    fetch.wait.max.ms: \"20\"\n"
         "input:\n  topics: [wire.raw]\n"
         "output:\n  stories_topic: wire.stories\n  duplicates_topic: wire.duplicates\n"
         "  dead_letter_topic: wire.deadletter\n"
         "metrics:\n  listen: \"127.0.0.1:" +
         std::to_string(port) + "\"\n";
}

std::string payout(const std::string& company, const std::string& ticker, const std::string& div) {
  return company + " " + ticker + " SETS QUARTERLY PAYOUT\n\nHARBORVILLE, April 6 - Qtly div " +
         div + " cts vs " + div + " cts prior\n    Pay May 15\n    Record April 30\n Reuter\n";
}

const char* kLongStory =
    "KESTREL MILLS TO CLOSE PLANT\n\nHARBORVILLE, April 6 - Kestrel Mills Inc <KSM> said it "
    "would close its Harrow paper plant and cut about 350 jobs as demand fell for a third "
    "year.\n\nThe company said the closure would cost about 40 mln dlrs before taxes and would "
    "be completed by the end of the year, with production moved to its two other mills.\n\n"
    "Chief executive Dana Whitcombe said the plant had lost money in each of the last four "
    "quarters and had no prospect of a return to profit without new investment.\n\n"
    "Union officials said they would seek talks over severance terms and asked the local "
    "authorities for help in retraining the workers.\n Reuter\n";

TEST(DedupEvidenceE2E, TemplatedShortsOfTwoCompaniesBothReachTheStoriesTopic) {
  TestCluster kafka;
  TempDir dir;
  const uint16_t port = free_port();
  DaemonProcess d(dir.path(), config(kafka.bootstrap(), port));
  ASSERT_TRUE(d.wait_ready(port)) << d.stderr_text();

  std::string rewrite = kLongStory;
  rewrite.erase(rewrite.find("\n\nUnion officials"), std::string::npos);
  rewrite += "\n Reuter\n";
  // One partition keeps the arrival order (the rewrite after its original).
  const std::vector<Produced> input{
      {"kestrel-payout", payout("KESTREL MILLS INC", "<KSM>", "15"), 0},
      {"orbit-payout", payout("ORBIT FOODS CORP", "<ORF>", "five"), 0},
      {"plant", kLongStory, 0},
      {"plant-rewrite", rewrite, 0},
  };
  ASSERT_NO_FATAL_FAILURE(produce_all(kafka.bootstrap(), "wire.raw", input));

  const auto stories = read_topic(kafka.bootstrap(), "wire.stories", kPartitions, 3);
  const auto dups = read_topic(kafka.bootstrap(), "wire.duplicates", kPartitions, 1);
  ASSERT_EQ(stories.size(), 3u) << d.stderr_text();
  ASSERT_EQ(dups.size(), 1u) << d.stderr_text();
  std::map<std::string, v1::Story> by_id;
  for (const auto& c : stories) {
    v1::Story s;
    ASSERT_TRUE(s.ParseFromString(c.value));
    by_id[s.id()] = s;
  }
  EXPECT_TRUE(by_id.count(id_for_key("kestrel-payout")));
  EXPECT_TRUE(by_id.count(id_for_key("orbit-payout")));
  EXPECT_TRUE(by_id[id_for_key("orbit-payout")].version().supersedes().empty());

  v1::DuplicateNotice notice;
  ASSERT_TRUE(notice.ParseFromString(dups[0].value));
  EXPECT_EQ(notice.id(), id_for_key("plant-rewrite"));
  EXPECT_EQ(notice.duplicate_of(), id_for_key("plant"));
  EXPECT_EQ(notice.kind(), v1::DUPLICATE_KIND_NEAR);
  EXPECT_EQ(notice.evidence().rule(), "near_agrees");
  EXPECT_EQ(notice.evidence().tickers_matched(), 1u);
  EXPECT_GT(notice.evidence().facts_matched(), 0u);
  EXPECT_GT(notice.evidence().similarity(), 0.5);

  auto metrics = http_get(port, "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find(
                "wirefeed_dedup_verdicts_total{verdict=\"near\",reason=\"near_agrees\"} 1"),
            std::string::npos)
      << metrics->body;
  ASSERT_EQ(d.stop(SIGTERM), 0) << d.stderr_text();
}

}  // namespace
}  // namespace wirefeed::testing
