// The unit of work entering the pipeline: one Kafka message (or one offline file/line).
//
// Invariants:
// - Carries everything the stages may depend on (bytes + metadata); stages never look at Kafka.
// - `partition < 0` / `offset < 0` mean "not from Kafka" (offline CLI input).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wirefeed::pipeline {

using Millis = std::chrono::sys_time<std::chrono::milliseconds>;

struct MessageHeader {
  std::string key;
  std::optional<std::string> value;
};

struct InputMessage {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  std::optional<std::string> key;
  std::vector<MessageHeader> headers;
  std::optional<Millis> timestamp;  // Kafka message timestamp (create or log-append time)
  std::string value;
};

}  // namespace wirefeed::pipeline
