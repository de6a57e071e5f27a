// The on-call tools as real binaries: --version/--help, input mistakes of process and decode,
// --check-config/--check-connect, a dedup-state restore that cannot reach the brokers, progress
// and exit summary, librdkafka lines in JSON logs, and wirefeed tail / dlq against a mock cluster
// fed by a running daemon.
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
                                             {"dlq", "--help"}}) {
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

}  // namespace
}  // namespace wirefeed::testing
