// Encode stage: a Record -> the bytes, topic, key and headers of one Kafka output message.
//
// Invariants:
// - Each output topic carries one message type (not the Record wrapper), keyed by story id so
//   that all records about one story land on one output partition, in order.
// - Headers name the content type and the fully-qualified schema.
// - Pure and deterministic (protobuf deterministic serialization; ninjs in a fixed order).
#pragma once

#include <string>
#include <vector>

#include "pipeline/ninjs_encode.hpp"
#include "wirefeed/v1/story.pb.h"

namespace wirefeed::pipeline {

struct OutputTopics {
  std::string stories;
  std::string duplicates;
  std::string dead_letters;
};

enum class OutputKind { kStory, kDuplicate, kDeadLetter, kDedupState };

const char* output_kind_name(OutputKind k);  // "story", "duplicate", "dead_letter", "dedup_state"

struct EncodedOutput {
  OutputKind kind = OutputKind::kStory;
  std::string topic;
  std::string key;
  std::string payload;
  const char* schema = "";  // fully-qualified message name, or the ninjs schema address
  const char* content_type = "application/x-protobuf";
};

inline constexpr const char* kContentTypeProtobuf = "application/x-protobuf";

EncodedOutput encode(const v1::Record& record, const OutputTopics& topics);

// The payload encodings a route may publish in: today's Protobuf messages or IPTC ninjs JSON.
enum class Encoding { kProtobuf, kNinjs2, kNinjs3 };

const char* encoding_name(Encoding e);  // "protobuf", "ninjs-2", "ninjs-3"

// The output kind of a record (story, duplicate, dead letter).
OutputKind output_kind(const v1::Record& record);

// `record` encoded for `topic` (same key as encode(record, topics); ninjs payloads carry the
// ninjs schema address as their schema and application/json as their content type).
EncodedOutput encode(const v1::Record& record, const std::string& topic, Encoding encoding);

// Parses an output message back into a Record, by kind (used for echo and tests).
bool decode_output(OutputKind kind, const void* data, std::size_t size, v1::Record& out);

// Record -> one line of JSON (protobuf JSON mapping, field names as in the .proto).
std::string record_to_json(const v1::Record& record);

// The same JSON appended to `out` (no newline): one reused buffer for many records.
void append_record_json(std::string& out, const v1::Record& record);

// The same JSON through the generic reflection writer only (what the direct Story writer is
// tested against).
std::string record_to_json_by_reflection(const v1::Record& record);

}  // namespace wirefeed::pipeline
