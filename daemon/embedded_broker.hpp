// EmbeddedCluster: an in-process Kafka-protocol broker (librdkafka's mock cluster) for the
// embedded default and for tests, plus a seeder that loads story files into a topic.
//
// Invariants:
// - The mock cluster is destroyed before the client handle that hosts it (member order).
// - Topics are created explicitly (the mock does not implement CreateTopics).
// - Seeding is deterministic: files in name order, key = file name, each delivered (flushed)
//   before seed_topic returns.
#pragma once

#include <librdkafka/rdkafka.h>
// clang-format off
#include <librdkafka/rdkafka_mock.h>  // must follow rdkafka.h
// clang-format on

#include <filesystem>
#include <memory>
#include <string>

#include "kafka/client.hpp"

namespace wirefeed::daemon {

class EmbeddedCluster {
 public:
  explicit EmbeddedCluster(int brokers = 1);
  const std::string& bootstrap() const { return bootstrap_; }
  void create_topic(const std::string& topic, int partitions);
  rd_kafka_mock_cluster_t* mock() const { return mock_.get(); }

 private:
  struct MockDeleter {
    void operator()(rd_kafka_mock_cluster_t* p) const noexcept { rd_kafka_mock_cluster_destroy(p); }
  };
  kafka::KafkaHandle host_;
  std::unique_ptr<rd_kafka_mock_cluster_t, MockDeleter> mock_;
  std::string bootstrap_;
};

// Produces every regular file under `dir` (sorted by name) to `topic`. Returns the count.
// Throws std::runtime_error when the directory is unreadable or delivery fails.
std::size_t seed_topic(const std::string& bootstrap, const std::string& topic,
                       const std::filesystem::path& dir);

}  // namespace wirefeed::daemon
