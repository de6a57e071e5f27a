// `wirefeed topics plan`: the Kafka topics a daemon config needs (input topics, stories,
// duplicates, dead letter, dedup state, and every topic named in routes:), each with partitions,
// replication and topic configs; with --create the missing ones are created through the Admin
// API and existing ones whose settings differ from the plan are reported (never altered).
//
// Invariants:
// - plan_topics is a pure function of the config and the two counts: the same config always
//   gives the same list, in the same order (input topics, outputs, state, routes), each topic
//   once.
// - The dedup state topic is `cleanup.policy=compact,delete` with `retention.ms` = dedup.window
//   plus kStateRetentionMargin: its batch keys are unique, so compaction alone never shrinks it,
//   and a restore needs every state younger than the window.
// - Nothing is changed on the cluster without --create, and --create only creates topics.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "daemon/config.hpp"

namespace wirefeed::cli {

inline constexpr int kDefaultPartitions = 6;   // when the input topic cannot be asked
inline constexpr int kDefaultReplication = 3;  // --replication
// Kept beyond dedup.window on the state topic: a restart after a long outage, clock skew between
// producers, and the time Kafka takes to delete a whole segment.
inline constexpr std::chrono::hours kStateRetentionMargin{24};
inline constexpr std::chrono::hours kDataRetention{7 * 24};         // inputs and outputs
inline constexpr std::chrono::hours kDeadLetterRetention{30 * 24};  // waits for a person

struct TopicSpec {
  std::string name;
  std::string role;  // "input", "stories", "duplicates", "dead letter", "dedup state", "route X"
  int partitions = kDefaultPartitions;
  int replication = kDefaultReplication;
  // cleanup.policy, min.insync.replicas, retention.ms (sorted by name).
  std::map<std::string, std::string> configs;
};

// The topics `config` needs. min.insync.replicas is replication - 1 (at least 1): one replica
// may be down without stopping writes.
std::vector<TopicSpec> plan_topics(const daemon::Config& config, int partitions, int replication);

// What a cluster holds for a topic (metadata and the configs DescribeConfigs returned; a config
// missing from `configs` was not read and is not compared).
struct TopicActual {
  int partitions = 0;
  int replication = 0;
  std::map<std::string, std::string> configs;
};

// Each way `actual` differs from `spec`, as "cleanup.policy is compact, plan: compact,delete".
// cleanup.policy compares as a set ("delete,compact" equals "compact,delete").
std::vector<std::string> plan_differences(const TopicSpec& spec, const TopicActual& actual);

int cmd_topics(const std::vector<std::string>& args);

}  // namespace wirefeed::cli
