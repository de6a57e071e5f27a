// End-to-end: routes on the real wirefeedd and the mock cluster. A mixed stream (English and
// French copy, a correction, a kill, an urgency-1 alert, an exact duplicate) lands on the
// routed topics in the routed encodings (ninjs 2.x/3.x JSON or Protobuf), the rest on today's
// topics; a SIGHUP moves a route to another topic without a restart, and every input is
// published exactly once across the topics.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/support/harness.hpp"
#include "wirefeed/v1/story.pb.h"

namespace wirefeed::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr int kPartitions = 3;

std::string routes_config(const std::string& bootstrap, uint16_t port,
                          const std::string& french_topic) {
  return "kafka:\n  brokers: \"" + bootstrap +
         "\"\n  group_id: e2e-routes\n  consumer_properties:\n    fetch.wait.max.ms: \"20\"\n"
         "    session.timeout.ms: \"6000\"\n"
         "input:\n  topics: [wire.raw]\n"
         "output:\n  stories_topic: wire.stories\n  duplicates_topic: wire.duplicates\n"
         "  dead_letter_topic: wire.deadletter\n"
         "metrics:\n  listen: \"127.0.0.1:" +
         std::to_string(port) +
         "\"\n"
         "routes:\n"
         "  - name: alerts\n    match: {urgency: 1}\n    topics: [wire.alerts]\n"
         "    encoding: ninjs\n    continue: true\n"
         "  - name: french\n    match: {language: fr}\n    topics: [" +
         french_topic +
         "]\n    encoding: ninjs\n    ninjs_version: 2\n"
         "  - name: corrections\n    match: {version: [correction, cancel]}\n"
         "    topics: [desk.corrections]\n"
         "  - name: duplicates-audit\n    match: {record: duplicate}\n    topics: [audit.dups]\n"
         "    encoding: ninjs\n    continue: true\n";
}

std::string ninjs_item(const std::string& uri, const std::string& version, const std::string& lang,
                       int urgency, const std::string& status, const std::string& headline,
                       const std::string& body) {
  json j = {{"uri", uri},           {"type", "text"},     {"version", version},
            {"language", lang},     {"urgency", urgency}, {"pubstatus", status},
            {"headline", headline}, {"body_text", body}};
  return j.dump();
}

bool wait_for_log(DaemonProcess& d, const std::string& needle, std::chrono::milliseconds bound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < deadline) {
    if (d.stderr_text().find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

// The input keys of the Protobuf stories on a topic.
std::multiset<std::string> keys_on(const std::vector<Consumed>& msgs) {
  std::multiset<std::string> out;
  for (const auto& m : msgs) {
    v1::Story s;
    EXPECT_TRUE(s.ParseFromString(m.value));
    out.insert(s.source().key());
  }
  return out;
}

std::string header(const Consumed& c, const std::string& name) {
  for (const auto& [k, v] : c.headers) {
    if (k == name) return v;
  }
  return {};
}

TEST(RoutesE2E, MixedStreamLandsOnRoutedTopicsAndSighupMovesARoute) {
  TestCluster kafka(kPartitions);
  for (const char* t : {"wire.alerts", "desk.fr", "desk.fr2", "desk.corrections", "audit.dups"}) {
    kafka.create_topic(t, kPartitions);
  }
  TempDir dir;
  const uint16_t port = free_port();
  DaemonProcess d(dir.path(), routes_config(kafka.bootstrap(), port, "desk.fr"));
  ASSERT_TRUE(d.wait_ready(port)) << d.stderr_text();

  const std::string rail =
      "Rail workers voted on Tuesday to strike for two days next month over pay, the union said.";
  ASSERT_NO_FATAL_FAILURE(produce_all(
      kafka.bootstrap(), "wire.raw",
      {
          {"en-story",
           ninjs_item("urn:t:harbour", "1", "en", 5, "usable", "Harbour opens third terminal",
                      "The harbour authority opened a third container terminal on Monday."),
           0},
          {"fr-story",
           ninjs_item("urn:t:greve", "1", "fr", 4, "usable", "Les cheminots votent la grève",
                      "Les cheminots ont voté mardi une grève de deux jours le mois prochain."),
           1},
          {"alert",
           ninjs_item("urn:t:quake", "1", "en", 1, "usable", "Strong earthquake hits coast",
                      "A strong earthquake struck off the coast early on Wednesday, officials "
                      "said."),
           2},
          {"rail", "Rail workers vote to strike\n\nLONDON, March 3 (Reuters) - " + rail + "\n", 1},
          {"rail-copy", "Rail workers vote to strike\n\nLONDON, March 3 (Reuters) - " + rail + "\n",
           1},
          {"correction",
           "CORRECTED-Bank raises rates to 4.5 pct\n\nOSLO, March 3 (Reuters) - The central bank "
           "raised its key rate to 4.5 percent on Thursday, correcting the figure in an earlier "
           "story.\n",
           2},
          // The kill: a new version of the harbour item, canceled (after it: same partition).
          {"kill",
           ninjs_item("urn:t:harbour", "2", "en", 5, "canceled", "Harbour opens third terminal",
                      "Withdrawn."),
           0},
      }));

  const auto stories = read_topic(kafka.bootstrap(), "wire.stories", kPartitions, 3);
  const auto alerts = read_topic(kafka.bootstrap(), "wire.alerts", kPartitions, 1);
  const auto french = read_topic(kafka.bootstrap(), "desk.fr", kPartitions, 1);
  const auto corrections = read_topic(kafka.bootstrap(), "desk.corrections", kPartitions, 2);
  const auto dups = read_topic(kafka.bootstrap(), "wire.duplicates", kPartitions, 1);
  const auto audit = read_topic(kafka.bootstrap(), "audit.dups", kPartitions, 1);

  // Default topic: the English story, the alert (alerts continues), the first rail story.
  EXPECT_EQ(keys_on(stories), (std::multiset<std::string>{"en-story", "alert", "rail"}))
      << d.stderr_text();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(header(alerts[0], "content-type"), "application/json");
  const json alert = json::parse(alerts[0].value);
  EXPECT_EQ(alert["standard"]["version"], "3.0");
  EXPECT_EQ(alert["urgency"], 1);
  EXPECT_EQ(alert["headlines"][0]["value"], "Strong earthquake hits coast");
  // French copy only on the French desk, as ninjs 2.x.
  ASSERT_EQ(french.size(), 1u);
  const json fr = json::parse(french[0].value);
  EXPECT_EQ(fr["standard"]["version"], "2.1");
  EXPECT_EQ(fr["language"], "fr");
  EXPECT_EQ(fr["headlines"][0]["value"], "Les cheminots votent la grève");
  // The correction and the kill, in Protobuf, on the corrections desk only.
  ASSERT_EQ(corrections.size(), 2u);
  std::map<std::string, v1::Story> by_id;
  for (const auto& c : corrections) {
    v1::Story s;
    ASSERT_TRUE(s.ParseFromString(c.value));
    EXPECT_EQ(header(c, "content-type"), "application/x-protobuf");
    by_id[s.source().key()] = s;
  }
  ASSERT_TRUE(by_id.count("kill"));
  EXPECT_TRUE(by_id["kill"].version().canceled());
  ASSERT_TRUE(by_id.count("correction"));
  // The duplicate: its notice on the usual topic in Protobuf and, as ninjs, on the audit topic.
  ASSERT_EQ(dups.size(), 1u);
  v1::DuplicateNotice notice;
  ASSERT_TRUE(notice.ParseFromString(dups[0].value));
  EXPECT_EQ(notice.id(), id_for_key("rail-copy"));
  ASSERT_EQ(audit.size(), 1u);
  const json a = json::parse(audit[0].value);
  EXPECT_EQ(a["pubStatus"], "withheld");
  EXPECT_EQ(a["associations"][0]["uri"], "urn:wirefeed:story:" + id_for_key("rail"));

  // SIGHUP: the French route moves to desk.fr2 without a restart.
  std::filesystem::path file;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    if (e.path().filename().string().rfind("config-", 0) == 0) file = e.path();
  }
  ASSERT_FALSE(file.empty());
  const pid_t pid = d.pid();
  std::ofstream(file) << routes_config(kafka.bootstrap(), port, "desk.fr2");
  d.signal(SIGHUP);
  ASSERT_TRUE(wait_for_log(d, "configuration reloaded", 10s)) << d.stderr_text();
  EXPECT_NE(d.stderr_text().find("routes"), std::string::npos);
  ASSERT_NO_FATAL_FAILURE(produce_all(
      kafka.bootstrap(), "wire.raw",
      {{"fr-after",
        ninjs_item("urn:t:budget", "1", "fr", 4, "usable", "Le budget adopté",
                   "Les députés ont adopté le budget jeudi soir après un long débat."),
        1},
       {"en-after",
        ninjs_item("urn:t:ferry", "1", "en", 5, "usable", "Ferry service resumes",
                   "The island ferry service resumed on Friday after a week of storms."),
        2}}));
  const auto french2 = read_topic(kafka.bootstrap(), "desk.fr2", kPartitions, 1);
  ASSERT_EQ(french2.size(), 1u) << d.stderr_text();
  EXPECT_EQ(json::parse(french2[0].value)["headlines"][0]["value"], "Le budget adopté");
  // Nothing lost or repeated: each topic holds exactly what it should.
  EXPECT_EQ(read_topic(kafka.bootstrap(), "desk.fr", kPartitions, 1).size(), 1u);
  EXPECT_EQ(keys_on(read_topic(kafka.bootstrap(), "wire.stories", kPartitions, 4)),
            (std::multiset<std::string>{"en-story", "alert", "rail", "en-after"}));
  EXPECT_EQ(read_topic(kafka.bootstrap(), "wire.alerts", kPartitions, 1).size(), 1u);
  EXPECT_EQ(read_topic(kafka.bootstrap(), "desk.corrections", kPartitions, 2).size(), 2u);
  EXPECT_EQ(d.pid(), pid);
  EXPECT_TRUE(d.running());

  // Per-route metrics.
  const auto metrics = http_get(port, "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(
      metrics->body.find("wirefeed_route_records_total{route=\"french\",topic=\"desk.fr2\"} 1"),
      std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("wirefeed_route_records_total{route=\"corrections\",topic=\"desk."
                               "corrections\"} 2"),
            std::string::npos);
}

}  // namespace
}  // namespace wirefeed::testing
