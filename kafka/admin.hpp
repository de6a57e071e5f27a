// RAII wrappers around the librdkafka Admin API's C handles (queues, events, NewTopic, admin
// options, config resources), in the style of kafka/client.hpp. Header-only: only the CLI's
// `topics plan --create` uses them.
//
// Invariants:
// - Every rd_kafka_* admin object this project creates is owned by exactly one of these handles.
// - Objects owned by a result event (its topic results, config resources and entries) are never
//   wrapped: they live as long as the event's EventHandle.
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>

namespace wirefeed::kafka {

struct AdminDeleter {
  void operator()(rd_kafka_queue_t* p) const noexcept { rd_kafka_queue_destroy(p); }
  void operator()(rd_kafka_event_t* p) const noexcept { rd_kafka_event_destroy(p); }
  void operator()(rd_kafka_NewTopic_t* p) const noexcept { rd_kafka_NewTopic_destroy(p); }
  void operator()(rd_kafka_AdminOptions_t* p) const noexcept { rd_kafka_AdminOptions_destroy(p); }
  void operator()(rd_kafka_ConfigResource_t* p) const noexcept {
    rd_kafka_ConfigResource_destroy(p);
  }
};

using QueueHandle = std::unique_ptr<rd_kafka_queue_t, AdminDeleter>;
using EventHandle = std::unique_ptr<rd_kafka_event_t, AdminDeleter>;
using NewTopicHandle = std::unique_ptr<rd_kafka_NewTopic_t, AdminDeleter>;
using AdminOptionsHandle = std::unique_ptr<rd_kafka_AdminOptions_t, AdminDeleter>;
using ConfigResourceHandle = std::unique_ptr<rd_kafka_ConfigResource_t, AdminDeleter>;

}  // namespace wirefeed::kafka
