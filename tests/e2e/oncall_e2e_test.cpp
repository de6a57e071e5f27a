// The on-call tools as real binaries: --version/--help, input mistakes of process and decode,
// --check-config/--check-connect, a dedup-state restore that cannot reach the brokers, progress
// and exit summary, librdkafka lines in JSON logs, and wirefeed tail / dlq / why / topics plan
// against a mock cluster fed by a running daemon.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/support/harness.hpp"
#include "wirefeed/v1/story.pb.h"

namespace wirefeed::testing {
namespace {

std::string config_for(const std::string& bootstrap, uint16_t port, const std::string& extra = "") {
  return "kafka:\n  brokers: \"" + bootstrap +
         "\"\n  group_id: oncall\n  consumer_properties:\n    fetch.wait.max.ms: \"20\"\n"
         "input:\n  topics: [wire.raw]\n"
         "metrics:\n  listen: \"127.0.0.1:" +
         std::to_string(port) + "\"\n" + extra;
}

std::vector<std::string> json_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (l.rfind("{\"", 0) == 0) out.push_back(l);
  }
  return out;
}

TEST(OncallCli, VersionAndHelpExitZeroEverywhere) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--version"},
                                             {"--help"},
                                             {"process", "--help"},
                                             {"decode", "--help"},
                                             {"chrome", "--help"},
                                             {"tail", "--help"},
                                             {"dlq", "--help"},
                                             {"why", "--help"},
                                             {"topics", "--help"}}) {
    std::vector<std::string> argv{bin("wirefeed")};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = run_command(argv);
    EXPECT_EQ(r.first, 0) << args[0] << " " << args.back() << ": " << r.second;
    EXPECT_NE(r.second.find(args[0] == "--version" ? "wirefeed 0" : "usage"), std::string::npos)
        << r.second;
  }
  for (const char* flag : {"--version", "--help"}) {
    const auto r = run_command({bin("wirefeedd"), flag});
    EXPECT_EQ(r.first, 0) << flag << ": " << r.second;
  }
  EXPECT_EQ(run_command({bin("wirefeed"), "frobnicate"}).first, 2);
}

TEST(OncallCli, ProcessOfAnEmptyDirAndDecodeOfEmptyOrConcatenatedInputAreErrors) {
  TempDir dir;
  const auto p = run_command({bin("wirefeed"), "process", dir.path().string()}, "stdin story");
  EXPECT_EQ(p.first, 1) << p.second;
  EXPECT_NE(p.second.find("no input files"), std::string::npos) << p.second;
  EXPECT_EQ(p.second.find("{\"story\""), std::string::npos) << "read stdin: " << p.second;

  const auto empty = run_command({bin("wirefeed"), "decode", "--type", "Story"}, "");
  EXPECT_EQ(empty.first, 1) << empty.second;
  v1::Story a, b;
  a.set_id("wf-a");
  a.set_headline("First");
  a.add_contributors()->set_name("One");
  b.set_id("wf-b");
  b.set_headline("Second");
  b.add_contributors()->set_name("Two");
  const auto one =
      run_command({bin("wirefeed"), "decode", "--type", "Story"}, a.SerializeAsString());
  EXPECT_EQ(one.first, 0) << one.second;
  const auto two = run_command({bin("wirefeed"), "decode", "--type", "Story"},
                               a.SerializeAsString() + b.SerializeAsString());
  EXPECT_EQ(two.first, 1) << two.second;
  EXPECT_NE(two.second.find("wirefeed tail"), std::string::npos) << two.second;
  EXPECT_EQ(two.second.find("\"headline\""), std::string::npos) << two.second;
}

TEST(OncallDaemon, CheckConfigAsksLibrdkafkaAndChecksPathsCheckConnectFindsTopics) {
  TempDir dir;
  const std::string cfg = (dir.path() / "c.yaml").string();
  std::ofstream(cfg) << "kafka:\n  brokers: embedded\n  properties:\n    no.such.thing: \"1\"\n"
                        "embedded:\n  seed_dir: /nonexistent-seed-dir\n";
  auto r = run_command({bin("wirefeedd"), "--config", cfg, "--check-config"});
  EXPECT_EQ(r.first, 1) << r.second;
  EXPECT_NE(r.second.find("kafka.properties: librdkafka rejects 'no.such.thing'"),
            std::string::npos)
      << r.second;
  EXPECT_NE(r.second.find("embedded.seed_dir"), std::string::npos) << r.second;

  TestCluster kafka(1);
  std::ofstream(cfg) << config_for(kafka.bootstrap(), 0);
  r = run_command({bin("wirefeedd"), "--config", cfg, "--check-connect"});
  EXPECT_EQ(r.first, 0) << r.second;
  r = run_command({bin("wirefeedd"), "--config", cfg, "--set", "output.stories_topic=wire.nope",
                   "--check-connect"});
  EXPECT_EQ(r.first, 1) << r.second;
  EXPECT_NE(r.second.find("output.stories_topic: topic 'wire.nope' does not exist"),
            std::string::npos)
      << r.second;
  r = run_command({bin("wirefeedd"), "--config", cfg, "--set",
                   "clean.chrome_state_topic=wire.no-chrome", "--check-connect"});
  EXPECT_EQ(r.first, 1) << r.second;
  EXPECT_NE(r.second.find("clean.chrome_state_topic: topic 'wire.no-chrome' does not exist"),
            std::string::npos)
      << r.second;
  r = run_command({bin("wirefeedd"), "--config", cfg, "--set",
                   "kafka.brokers=127.0.0.1:" + std::to_string(free_port()), "--check-connect"});
  EXPECT_EQ(r.first, 1) << r.second;
  EXPECT_NE(r.second.find("kafka.brokers: cannot reach"), std::string::npos) << r.second;
}

TEST(OncallDaemon, UnreachableStateTopicKeepsReadyz503ThenFailsWithJsonLogs) {
  TempDir dir;
  const uint16_t port = free_port();
  DaemonProcess d(dir.path(), config_for("127.0.0.1:" + std::to_string(free_port()), port,
                                         "dedup:\n  restore_timeout: 8s\nlog:\n  format: json\n"));
  // The first answer that names the unreachable topic (earlier ones may still say "restoring
  // from"); on a loaded machine the listener can come up late, so keep polling until the restore
  // gives up rather than keeping a failed poll.
  std::optional<HttpResponse> ready;
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = http_get(port, "/readyz");
    if (r && r->body.find("not available") != std::string::npos) {
      ready = std::move(r);
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(ready) << d.stderr_text();
  EXPECT_EQ(ready->status, 503);
  EXPECT_NE(ready->body.find("'wire.dedup-state' not available"), std::string::npos) << ready->body;
  const auto metrics = http_get(port, "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("wirefeed_dedup_restore_complete 0\n"), std::string::npos);
  // Exits non-zero instead of starting with an empty index.
  const auto until = std::chrono::steady_clock::now() + 30s;
  while (d.running() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_FALSE(d.running());
  EXPECT_EQ(d.stop(SIGTERM), 1) << d.stderr_text();
  const std::string err = d.stderr_text();
  EXPECT_NE(err.find("start_without_state"), std::string::npos) << err;
  // Every log line is one JSON object, librdkafka's own lines included.
  std::istringstream in(err);
  std::size_t lines = 0, kafka_lines = 0;
  for (std::string l; std::getline(in, l);) {
    ++lines;
    const auto j = nlohmann::json::parse(l, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "not JSON: " << l;
    kafka_lines += j["msg"].get<std::string>().rfind("kafka ", 0) == 0;
  }
  EXPECT_GT(lines, 2u);
  EXPECT_GE(kafka_lines, 1u) << err;
}

TEST(OncallDaemon, StartWithoutStateOptInGoesOnWithAnEmptyIndex) {
  TempDir dir;
  const uint16_t port = free_port();
  DaemonProcess d(dir.path(),
                  config_for("127.0.0.1:" + std::to_string(free_port()), port,
                             "dedup:\n  restore_timeout: 2s\n  start_without_state: true\n"
                             // The chrome state topic is out of reach too: it never fails
                             // start-up, but is waited for up to its own bound.
                             "clean:\n  chrome_restore_timeout: 2s\n"));
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (d.stderr_text().find("consuming 1 topic(s)") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(d.running());
  const std::string err = d.stderr_text();
  EXPECT_NE(err.find("EMPTY index"), std::string::npos) << err;
  const auto m = http_get(port, "/metrics");
  ASSERT_TRUE(m);
  EXPECT_NE(m->body.find("wirefeed_dedup_restore_complete 0\n"), std::string::npos);
  const auto ready = http_get(port, "/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);  // no broker: the consumer cannot join
  EXPECT_EQ(ready->body.find("restoring"), std::string::npos) << ready->body;
  EXPECT_EQ(d.stop(SIGTERM), 0) << d.stderr_text();
}

TEST(OncallDaemon, RestoreCompleteGaugeProgressLinesAndExitSummary) {
  TestCluster kafka(1);
  TempDir dir;
  const uint16_t port = free_port();
  DaemonProcess d(dir.path(), config_for(kafka.bootstrap(), port), {"--progress-every", "1s"});
  ASSERT_TRUE(d.wait_ready(port)) << d.stderr_text();
  produce_all(kafka.bootstrap(), "wire.raw", {{"k1", sample_story()}});
  ASSERT_EQ(read_topic(kafka.bootstrap(), "wire.stories", 1, 1, 30s, 0ms).size(), 1u);
  const auto m = http_get(port, "/metrics");
  ASSERT_TRUE(m);
  EXPECT_NE(m->body.find("wirefeed_dedup_restore_complete 1\n"), std::string::npos);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (d.stderr_text().find("progress: 1.") == std::string::npos &&
         d.stderr_text().find("progress: 0.") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(d.stop(SIGTERM), 0) << d.stderr_text();
  const std::string err = d.stderr_text();
  EXPECT_NE(err.find(" in, 1 published total"), std::string::npos) << err;
  EXPECT_NE(err.find("summary: ran "), std::string::npos) << err;
  EXPECT_NE(err.find("1 input(s); published 1 story"), std::string::npos) << err;
}

TEST(OncallDaemon, StatusPageIsSelfContainedAndItsApiReportsTheDaemon) {
  TestCluster kafka(2);
  TempDir dir;
  const uint16_t port = free_port();
  DaemonProcess d(dir.path(), config_for(kafka.bootstrap(), port),
                  {"--status-sample-every", "500ms"});
  ASSERT_TRUE(d.wait_ready(port)) << d.stderr_text();
  produce_all(kafka.bootstrap(), "wire.raw", {{"k1", sample_story()}, {"k2", sample_story()}});
  ASSERT_EQ(read_topic(kafka.bootstrap(), "wire.duplicates", 2, 1, 30s, 0ms).size(), 1u);

  const auto page = http_get(port, "/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->headers.find("text/html"), std::string::npos) << page->headers;
  EXPECT_NE(page->body.find("<svg id=\"chart\""), std::string::npos);
  for (const char* external : {"src=\"http", "href=\"http", "@import", "url(http", "//cdn"}) {
    EXPECT_EQ(page->body.find(external), std::string::npos) << external;
  }
  nlohmann::json st;
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  nlohmann::json parts, tp;
  while (std::chrono::steady_clock::now() < deadline) {
    st = nlohmann::json::parse(http_get(port, "/api/status")->body);
    parts = nlohmann::json::parse(http_get(port, "/api/partitions")->body);
    tp = nlohmann::json::parse(http_get(port, "/api/throughput")->body);
    if (!parts["partitions"].empty() && tp["samples"].size() >= 2) break;
    std::this_thread::sleep_for(200ms);
  }
  // The last stories published and the duplicate cluster: the story, and its copy suppressed
  // with the evidence (the ring is fed at the delivery reports, so poll for it).
  nlohmann::json recent, clusters;
  while (std::chrono::steady_clock::now() < deadline + 10s) {
    recent = nlohmann::json::parse(http_get(port, "/api/recent")->body);
    clusters = nlohmann::json::parse(http_get(port, "/api/clusters")->body);
    if (!recent["stories"].empty() && !clusters["clusters"].empty()) break;
    std::this_thread::sleep_for(100ms);
  }
  const std::string headline =
      "Biden will push China to resume military ties with US, official says";
  ASSERT_EQ(recent["stories"].size(), 1u) << recent.dump();
  const nlohmann::json& published = recent["stories"][0];
  EXPECT_EQ(published["headline"], headline);
  EXPECT_EQ(published["agency"], "Reuters") << published.dump();
  EXPECT_EQ(published["topics"], nlohmann::json::array({"wire.stories"}));
  EXPECT_GT(published["at_ms"].get<int64_t>(), 0);
  ASSERT_EQ(clusters["clusters"].size(), 1u) << clusters.dump();
  const nlohmann::json& cluster = clusters["clusters"][0];
  EXPECT_EQ(cluster["story"]["id"], published["id"]);
  EXPECT_EQ(cluster["story"]["headline"], headline);
  EXPECT_EQ(cluster["suppressed"], 1);
  ASSERT_EQ(cluster["members"].size(), 1u);
  EXPECT_EQ(cluster["members"][0]["relation"], "suppressed");
  EXPECT_EQ(cluster["members"][0]["duplicate_kind"], "exact");
  EXPECT_EQ(cluster["members"][0]["evidence"]["rule"], "exact_content") << cluster.dump();
  const std::string story_id = published["id"].get<std::string>();
  const auto one = http_get(port, "/api/story/" + story_id);
  ASSERT_EQ(one->status, 200);
  const auto story = nlohmann::json::parse(one->body);
  EXPECT_EQ(story["story"]["headline"], headline);
  EXPECT_EQ(story["decisions"].size(), 2u) << story.dump();
  EXPECT_EQ(http_get(port, "/api/story/wf-0000000000000000")->status, 404);
  const auto routes = nlohmann::json::parse(http_get(port, "/api/routes")->body);
  ASSERT_EQ(routes["routes"].size(), 1u) << routes.dump();  // no routes: the default one
  EXPECT_EQ(routes["routes"][0]["name"], "(default)");
  EXPECT_TRUE(nlohmann::json::parse(http_get(port, "/api/chrome")->body)["sources"].is_array());
  EXPECT_EQ(st["ready"], true) << st.dump();
  EXPECT_EQ(st["reason"], "ready");
  EXPECT_EQ(st["totals"]["inputs"], 2);
  EXPECT_EQ(st["totals"]["stories"], 1);
  EXPECT_EQ(st["duplicates_by_kind"]["exact"], 1) << st.dump();
  EXPECT_EQ(st["config_hash"].get<std::string>().size(), 16u);
  EXPECT_EQ(st["dedup_restore_complete"], true);
  // Partitions whose lag is known (a partition that never had data has no position yet).
  ASSERT_GE(parts["partitions"].size(), 1u) << parts.dump();
  EXPECT_EQ(parts["partitions"][0]["topic"], "wire.raw");
  EXPECT_EQ(parts["partitions"][0]["lag"], 0);
  ASSERT_GE(tp["samples"].size(), 2u) << tp.dump();
  double in = 0;
  for (const auto& smp : tp["samples"]) in += smp["in_per_s"].get<double>();
  EXPECT_GT(in, 0.0) << tp.dump();  // the two inputs show in some sample
  EXPECT_EQ(http_get(port, "/api/nope")->status, 404);
  EXPECT_EQ(d.stop(SIGTERM), 0) << d.stderr_text();
}

// A daemon on the mock cluster turns two good stories and one non-UTF-8 input into records;
// tail prints each record whole; dlq lists the dead letter and redrives it exactly once.
TEST(OncallTools, TailPrintsWholeRecordsAndDlqRedrivesOnce) {
  TestCluster kafka(1);
  TempDir dir;
  const uint16_t port = free_port();
  DaemonProcess d(dir.path(), config_for(kafka.bootstrap(), port));
  ASSERT_TRUE(d.wait_ready(port)) << d.stderr_text();
  const std::string story = sample_story();
  produce_all(kafka.bootstrap(), "wire.raw",
              {{"good-1", story}, {"bad-1", std::string("caf\xe9 \xff\xfe broken")}});
  ASSERT_EQ(read_topic(kafka.bootstrap(), "wire.stories", 1, 1, 30s, 0ms).size(), 1u);
  ASSERT_EQ(read_topic(kafka.bootstrap(), "wire.deadletter", 1, 1, 30s, 0ms).size(), 1u);

  auto tail = run_command(
      {bin("wirefeed"), "tail", "wire.stories", "wire.deadletter", "--brokers", kafka.bootstrap()});
  ASSERT_EQ(tail.first, 0) << tail.second;
  auto lines = json_lines(tail.second);
  ASSERT_EQ(lines.size(), 2u) << tail.second;
  std::set<std::string> kinds;
  for (const auto& l : lines) {
    const auto j = nlohmann::json::parse(l);
    kinds.insert(j["kind"].get<std::string>());
    if (j["kind"] == "story") {
      EXPECT_EQ(j["value"]["headline"],
                "Biden will push China to resume military ties with US, official says");
      EXPECT_EQ(j["value"]["source"]["key"], "good-1");
    }
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"story", "dead_letter"}));
  tail = run_command({bin("wirefeed"), "tail", "wire.stories", "wire.deadletter", "--brokers",
                      kafka.bootstrap(), "--filter", "kind=dead_letter"});
  lines = json_lines(tail.second);
  ASSERT_EQ(lines.size(), 1u) << tail.second;
  EXPECT_EQ(nlohmann::json::parse(lines[0])["value"]["reason"], "DEAD_LETTER_REASON_INVALID_UTF8");
  tail = run_command(
      {bin("wirefeed"), "tail", "wire.stories", "--brokers", kafka.bootstrap(), "--from", "end"});
  EXPECT_EQ(tail.first, 0);
  EXPECT_TRUE(json_lines(tail.second).empty()) << tail.second;

  auto list = run_command({bin("wirefeed"), "dlq", "list", "--brokers", kafka.bootstrap()});
  ASSERT_EQ(list.first, 0) << list.second;
  EXPECT_NE(list.second.find("DEAD_LETTER_REASON_INVALID_UTF8: 1 (0 redriven"), std::string::npos)
      << list.second;
  auto dry =
      run_command({bin("wirefeed"), "dlq", "redrive", "--brokers", kafka.bootstrap(), "--dry-run"});
  ASSERT_EQ(dry.first, 0) << dry.second;
  EXPECT_NE(dry.second.find("would redrive 1 of 1"), std::string::npos) << dry.second;
  EXPECT_EQ(read_topic(kafka.bootstrap(), "wire.raw", 1, 2, 10s, 300ms).size(), 2u);

  auto redrive = run_command({bin("wirefeed"), "dlq", "redrive", "--brokers", kafka.bootstrap(),
                              "--reason", "invalid_utf8", "--rate", "50"});
  ASSERT_EQ(redrive.first, 0) << redrive.second;
  EXPECT_NE(redrive.second.find("redriven 1 of 1"), std::string::npos) << redrive.second;
  const auto raw = read_topic(kafka.bootstrap(), "wire.raw", 1, 3, 10s, 300ms);
  ASSERT_EQ(raw.size(), 3u);
  EXPECT_EQ(raw[2].key, "bad-1");
  EXPECT_EQ(raw[2].value, std::string("caf\xe9 \xff\xfe broken"));
  bool marked = false;
  for (const auto& [k, v] : raw[2].headers)
    marked |= k == "wirefeed-redrive-of" && v == "wire.deadletter/0/0";
  EXPECT_TRUE(marked);
  // The daemon dead-letters the copy again; a second redrive re-produces nothing.
  ASSERT_EQ(read_topic(kafka.bootstrap(), "wire.deadletter", 1, 2, 30s, 0ms).size(), 2u);
  redrive = run_command({bin("wirefeed"), "dlq", "redrive", "--brokers", kafka.bootstrap()});
  ASSERT_EQ(redrive.first, 0) << redrive.second;
  EXPECT_NE(redrive.second.find("redriven 0 of 2 dead letter(s); skipped 1 already redriven, 1 "
                                "failed again after a redrive"),
            std::string::npos)
      << redrive.second;
  EXPECT_EQ(read_topic(kafka.bootstrap(), "wire.raw", 1, 3, 5s, 300ms).size(), 3u);
  EXPECT_EQ(d.stop(SIGTERM), 0) << d.stderr_text();
}

// A story and its exact copy through a daemon: `why` on either id shows the published story, the
// suppressed copy, the link between them and the evidence the dedup stage wrote.
TEST(OncallTools, WhyShowsAStoryItsCopyAndTheEvidence) {
  TestCluster kafka(1);
  TempDir dir;
  const uint16_t port = free_port();
  DaemonProcess d(dir.path(), config_for(kafka.bootstrap(), port));
  ASSERT_TRUE(d.wait_ready(port)) << d.stderr_text();
  const std::string story = sample_story();
  produce_all(kafka.bootstrap(), "wire.raw", {{"orig-1", story}});
  ASSERT_EQ(read_topic(kafka.bootstrap(), "wire.stories", 1, 1, 30s, 0ms).size(), 1u);
  produce_all(kafka.bootstrap(), "wire.raw", {{"copy-1", story}});
  ASSERT_EQ(read_topic(kafka.bootstrap(), "wire.duplicates", 1, 1, 30s, 0ms).size(), 1u);
  const std::string orig = id_for_key("orig-1"), copy = id_for_key("copy-1");
  const std::string cfg = (dir.path() / "why.yaml").string();
  std::ofstream(cfg) << config_for(kafka.bootstrap(), 0);

  auto r = run_command({bin("wirefeed"), "why", orig, "--config", cfg});
  ASSERT_EQ(r.first, 0) << r.second;
  EXPECT_NE(r.second.find(orig + ": 2 record(s) on wire.stories and wire.duplicates"),
            std::string::npos)
      << r.second;
  EXPECT_NE(r.second.find("wire.stories[0]@0  story " + orig), std::string::npos) << r.second;
  EXPECT_NE(r.second.find("\n  published\n"), std::string::npos) << r.second;
  EXPECT_NE(r.second.find("suppressed " + copy + " as EXACT duplicate of it"), std::string::npos)
      << r.second;
  EXPECT_NE(r.second.find("evidence: rule exact_content, similarity 1.00"), std::string::npos)
      << r.second;

  r = run_command({bin("wirefeed"), "why", copy, "--brokers", kafka.bootstrap(), "--json"});
  ASSERT_EQ(r.first, 0) << r.second;
  const auto doc = nlohmann::json::parse(r.second.substr(r.second.find('{')));
  EXPECT_EQ(doc["found"], true);
  ASSERT_EQ(doc["records"].size(), 1u) << doc.dump();
  const auto& rec = doc["records"][0];
  EXPECT_EQ(rec["kind"], "duplicate");
  EXPECT_EQ(rec["id"], copy);
  EXPECT_EQ(rec["duplicate_of"], orig);
  EXPECT_EQ(rec["duplicate_kind"], "EXACT");
  ASSERT_EQ(rec["links"].size(), 1u);
  EXPECT_EQ(rec["links"][0]["relation"], "suppressed");
  EXPECT_EQ(rec["links"][0]["decision"], "suppressed as EXACT duplicate of " + orig);
  EXPECT_EQ(rec["links"][0]["evidence"]["rule"], "exact_content");
  EXPECT_EQ(rec["links"][0]["evidence"]["similarity"], 1.0);

  // --since after both records: nothing to show; an unknown id: exit 1 with a message.
  r = run_command({bin("wirefeed"), "why", orig, "--brokers", kafka.bootstrap(), "--since",
                   "2999-01-01T00:00:00Z"});
  EXPECT_EQ(r.first, 1) << r.second;
  r = run_command({bin("wirefeed"), "why", "wf-0000000000000000", "--brokers", kafka.bootstrap()});
  EXPECT_EQ(r.first, 1) << r.second;
  EXPECT_NE(r.second.find("wf-0000000000000000 appears nowhere on wire.stories and "
                          "wire.duplicates (2 record(s) read from the beginning)"),
            std::string::npos)
      << r.second;
  EXPECT_EQ(d.stop(SIGTERM), 0) << d.stderr_text();
}

// The plan of a config against a cluster: partitions from the input topic, which topics exist,
// the state topic compact,delete. The mock (librdkafka 2.0.2) implements neither CreateTopics nor
// DescribeConfigs (its admin requests time out waiting for a controller), so --create is only
// exercised against a real cluster (WIREFEED_TEST_KAFKA).
TEST(OncallTools, TopicsPlanSeesWhichTopicsExist) {
  TestCluster kafka(2);
  TempDir dir;
  const std::string route_topic = kafka.is_mock() ? "wire.alerts" : unique_name("wire.alerts");
  const std::string cfg = (dir.path() / "plan.yaml").string();
  std::ofstream(cfg) << config_for(kafka.bootstrap(), 0,
                                   "dedup:\n  window: 24h\nroutes:\n  - name: alerts\n"
                                   "    match: {urgency: 1-2}\n    topics: [" +
                                       route_topic + "]\n");
  auto r = run_command({bin("wirefeed"), "topics", "plan", "--config", cfg});
  ASSERT_EQ(r.first, 0) << r.second;
  EXPECT_NE(r.second.find(": 2 partitions (as wire.raw), replication 3"), std::string::npos)
      << r.second;
  const auto line_of = [&](const std::string& topic) {
    const auto at = r.second.find("\n" + topic + " ");
    return at == std::string::npos ? std::string()
                                   : r.second.substr(at + 1, r.second.find('\n', at + 1) - at - 1);
  };
  for (const char* t : {"wire.raw", "wire.stories", "wire.duplicates", "wire.deadletter"}) {
    EXPECT_NE(line_of(t).find(" exists "), std::string::npos) << t << ": " << r.second;
    EXPECT_NE(line_of(t).find("cleanup.policy=delete "), std::string::npos) << r.second;
  }
  const std::string state = line_of("wire.dedup-state");
  EXPECT_NE(state.find(" exists "), std::string::npos) << r.second;
  EXPECT_NE(state.find("cleanup.policy=compact,delete min.insync.replicas=2 retention.ms=" +
                       std::to_string(48LL * 3600 * 1000)),
            std::string::npos)
      << r.second;
  EXPECT_NE(line_of(route_topic).find(" missing "), std::string::npos) << r.second;
  // The chrome state topic: one partition whatever the input has. Other tests on the same
  // cluster may have created it already.
  const std::string chrome = line_of("wire.chrome-state");
  EXPECT_NE(chrome.find("chrome state  1 "), std::string::npos) << r.second;
  const bool chrome_exists = chrome.find(" exists ") != std::string::npos;
  // --partitions and --replication override; without --config there is no plan.
  r = run_command({bin("wirefeed"), "topics", "plan", "--config", cfg, "--partitions", "12",
                   "--replication", "1"});
  ASSERT_EQ(r.first, 0) << r.second;
  EXPECT_NE(r.second.find(": 12 partitions (--partitions), replication 1"), std::string::npos)
      << r.second;
  EXPECT_EQ(run_command({bin("wirefeed"), "topics", "plan", "--brokers", kafka.bootstrap()}).first,
            2);
  EXPECT_EQ(
      run_command({bin("wirefeed"), "topics", "plan", "--config", cfg, "--partitions", "0"}).first,
      2);
  if (kafka.is_mock()) return;
  r = run_command(
      {bin("wirefeed"), "topics", "plan", "--config", cfg, "--replication", "1", "--create"});
  EXPECT_EQ(r.first, 0) << r.second;
  EXPECT_NE(r.second.find("created " + route_topic), std::string::npos) << r.second;
  EXPECT_NE(r.second.find(chrome_exists ? "1 to create, 6 existing" : "2 to create, 5 existing"),
            std::string::npos)
      << r.second;
}

}  // namespace
}  // namespace wirefeed::testing
