// RAII wrappers around librdkafka C handles, client creation and configuration helpers. Shared by
// the source (sources/) and the sink (sinks/), neither of which includes the other.
//
// Invariants:
// - Every rd_kafka_* object this project creates is owned by exactly one of these handles.
// - make_conf never logs property values (they may hold secrets); errors name the key only.
// - Every conf from make_conf routes librdkafka's log lines to spdlog's default logger (level
//   mapped from syslog severity), so they share the process's log format.
#pragma once

#include <librdkafka/rdkafka.h>

#include <spdlog/common.h>
#include <map>

#include <memory>
#include <string>
#include <vector>

namespace wirefeed::kafka {

struct KafkaDeleter {
  void operator()(rd_kafka_t* p) const noexcept { rd_kafka_destroy(p); }
  void operator()(rd_kafka_conf_t* p) const noexcept { rd_kafka_conf_destroy(p); }
  void operator()(rd_kafka_topic_partition_list_t* p) const noexcept {
    rd_kafka_topic_partition_list_destroy(p);
  }
  void operator()(rd_kafka_message_t* p) const noexcept { rd_kafka_message_destroy(p); }
  void operator()(rd_kafka_headers_t* p) const noexcept { rd_kafka_headers_destroy(p); }
  void operator()(rd_kafka_error_t* p) const noexcept { rd_kafka_error_destroy(p); }
  void operator()(const rd_kafka_metadata_t* p) const noexcept { rd_kafka_metadata_destroy(p); }
  void operator()(rd_kafka_consumer_group_metadata_t* p) const noexcept {
    rd_kafka_consumer_group_metadata_destroy(p);
  }
  void operator()(rd_kafka_topic_t* p) const noexcept { rd_kafka_topic_destroy(p); }
};

using KafkaHandle = std::unique_ptr<rd_kafka_t, KafkaDeleter>;
using ConfHandle = std::unique_ptr<rd_kafka_conf_t, KafkaDeleter>;
using PartitionListHandle = std::unique_ptr<rd_kafka_topic_partition_list_t, KafkaDeleter>;
using MessageHandle = std::unique_ptr<rd_kafka_message_t, KafkaDeleter>;
using HeadersHandle = std::unique_ptr<rd_kafka_headers_t, KafkaDeleter>;
using ErrorHandle = std::unique_ptr<rd_kafka_error_t, KafkaDeleter>;
using MetadataHandle = std::unique_ptr<const rd_kafka_metadata_t, KafkaDeleter>;
using GroupMetadataHandle = std::unique_ptr<rd_kafka_consumer_group_metadata_t, KafkaDeleter>;
using TopicHandle = std::unique_ptr<rd_kafka_topic_t, KafkaDeleter>;

using Properties = std::map<std::string, std::string>;

// Builds a conf from properties; throws std::runtime_error("kafka property 'x': <reason>").
ConfHandle make_conf(const Properties& props);

// Checks each property with librdkafka itself (rd_kafka_conf_set on a scratch conf): one
// "'key': reason" per rejected entry (unknown name, bad value), empty when all are accepted.
std::vector<std::string> check_properties(const Properties& props);

// spdlog level for a librdkafka (syslog) log level: 0-2 critical, 3 error, 4 warning,
// 5-6 info, 7 debug.
spdlog::level::level_enum log_level_of(int syslog_level);

// Creates a client; takes ownership of conf on success. Throws std::runtime_error.
KafkaHandle make_client(rd_kafka_type_t type, ConfHandle conf);

// Merges maps left to right (later wins).
Properties merge(std::initializer_list<const Properties*> layers);

}  // namespace wirefeed::kafka
