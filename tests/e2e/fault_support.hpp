// Shared helpers of the fault tests: daemon config, generated stories, and accounting of every
// input across the output topics (a Story, a DuplicateNotice or a DeadLetter carries its id).
//
// Invariants:
// - A story's text is unique per index (distinct figures), so dedup never merges two inputs.
// - Accounting reads the output topics to their high watermarks; it never sleeps a fixed time.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/support/harness.hpp"
#include "wirefeed/v1/story.pb.h"

namespace wirefeed::testing::faults {

inline constexpr int kPartitions = 3;
inline constexpr int16_t kApiProduce = 0;
inline constexpr int16_t kApiFetch = 1;
inline constexpr int16_t kApiOffsetCommit = 8;

using Cluster = TestCluster;

// `producer_extra`: more lines under kafka.producer_properties (4-space indented).
inline std::string config(const std::string& bootstrap, const std::string& group, uint16_t port,
                          const std::string& producer_extra = "") {
  return "kafka:\n  brokers: \"" + bootstrap + "\"\n  group_id: " + group +
         "\n  consumer_properties:\n    fetch.wait.max.ms: \"20\"\n    session.timeout.ms: "
         "\"6000\"\n  producer_properties:\n    message.timeout.ms: \"60000\"\n" +
         producer_extra +
         "input:\n  topics: [wire.raw]\n"
         "metrics:\n  listen: \"127.0.0.1:" +
         std::to_string(port) + "\"\npipeline:\n  drain_timeout: 20s\n";
}

inline std::string story(int i) {
  return "Harbour report number " + std::to_string(i) + " for berth " + std::to_string(i) +
         "\n\nLONDON, Mar 3 (Reuters) - Dockworkers at berth " + std::to_string(i) + " unloaded " +
         std::to_string(i * 7 + 3) + " containers on Tuesday, officials said, " + "and " +
         std::to_string(i * 3 + 1) + " ships waited offshore.\n\n" +
         "The authority said volumes at berth " + std::to_string(i) + " rose " +
         std::to_string(i % 17 + 2) + "% on the week to " + std::to_string(1000 + i) + " boxes.\n";
}

inline std::vector<Produced> batch(int from, int to) {
  std::vector<Produced> out;
  for (int i = from; i < to; ++i) out.push_back({"k" + std::to_string(i), story(i)});
  return out;
}

struct Accounting {
  std::set<std::string> ids;                // ids with at least one output
  std::map<std::string, int> story_counts;  // published stories per id
  std::size_t dead_letters = 0;
};

inline Accounting account(const std::string& bootstrap, std::size_t expect) {
  Accounting a;
  for (const auto& c : read_topic(bootstrap, "wire.stories", kPartitions, expect, 5s)) {
    v1::Story s;
    if (s.ParseFromString(c.value)) {
      a.ids.insert(s.id());
      ++a.story_counts[s.id()];
    }
  }
  for (const auto& c : read_topic(bootstrap, "wire.duplicates", kPartitions, 0, 3s)) {
    v1::DuplicateNotice n;
    if (n.ParseFromString(c.value)) a.ids.insert(n.id());
  }
  for (const auto& c : read_topic(bootstrap, "wire.deadletter", kPartitions, 0, 3s)) {
    v1::DeadLetter d;
    if (d.ParseFromString(c.value)) {
      a.ids.insert(d.id());
      ++a.dead_letters;
    }
  }
  return a;
}

// Waits until every key in [0, n) has an output; returns the missing ids.
inline std::vector<std::string> wait_all_accounted(const std::string& bootstrap, int n,
                                                   Accounting& out,
                                                   std::chrono::seconds bound = 90s) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  std::vector<std::string> missing;
  do {
    out = account(bootstrap, static_cast<std::size_t>(n));
    missing.clear();
    for (int i = 0; i < n; ++i) {
      const std::string id = id_for_key("k" + std::to_string(i));
      if (!out.ids.count(id)) missing.push_back(id);
    }
  } while (!missing.empty() && std::chrono::steady_clock::now() < deadline);
  return missing;
}

// The value of an unlabelled metric from /metrics, or -1 when absent or unreachable.
inline int64_t metric_value(uint16_t port, const std::string& name) {
  const auto m = http_get(port, "/metrics");
  const std::string key = "\n" + name + " ";
  const auto at = m ? m->body.find(key) : std::string::npos;
  if (at == std::string::npos) return -1;
  return static_cast<int64_t>(std::stod(m->body.substr(at + key.size())));
}

// Story ids that occur more than once on the stories topic, counted beyond the first.
inline int repeated_story_ids(const Accounting& a) {
  int repeats = 0;
  for (const auto& [id, n] : a.story_counts) repeats += n - 1;
  return repeats;
}

}  // namespace wirefeed::testing::faults
