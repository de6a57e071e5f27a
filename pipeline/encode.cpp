// Encode stage. See encode.hpp for the invariants.
#include "pipeline/encode.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/json_util.h>

namespace wirefeed::pipeline {
namespace {

std::string serialize(const google::protobuf::Message& m) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream sos(&out);
    google::protobuf::io::CodedOutputStream cos(&sos);
    cos.SetSerializationDeterministic(true);
    m.SerializeWithCachedSizes(&cos);  // ByteSizeLong() below primes the cached sizes
  }
  return out;
}

std::string serialize_message(const google::protobuf::Message& m) {
  (void)m.ByteSizeLong();
  return serialize(m);
}

}  // namespace

const char* output_kind_name(OutputKind k) {
  switch (k) {
    case OutputKind::kStory:
      return "story";
    case OutputKind::kDuplicate:
      return "duplicate";
    case OutputKind::kDeadLetter:
      return "dead_letter";
    case OutputKind::kDedupState:
      return "dedup_state";
  }
  return "unknown";
}

EncodedOutput encode(const v1::Record& record, const OutputTopics& topics) {
  EncodedOutput out;
  switch (record.kind_case()) {
    case v1::Record::kStory:
      out.kind = OutputKind::kStory;
      out.topic = topics.stories;
      out.key = record.story().id();
      out.payload = serialize_message(record.story());
      out.schema = "wirefeed.v1.Story";
      break;
    case v1::Record::kDuplicate:
      out.kind = OutputKind::kDuplicate;
      out.topic = topics.duplicates;
      out.key = record.duplicate().duplicate_of();
      out.payload = serialize_message(record.duplicate());
      out.schema = "wirefeed.v1.DuplicateNotice";
      break;
    case v1::Record::kDeadLetter:
    case v1::Record::KIND_NOT_SET:
      out.kind = OutputKind::kDeadLetter;
      out.topic = topics.dead_letters;
      out.key = record.dead_letter().id();
      out.payload = serialize_message(record.dead_letter());
      out.schema = "wirefeed.v1.DeadLetter";
      break;
  }
  return out;
}

EncodedOutput encode_state(const v1::DedupState& state, const std::string& topic) {
  EncodedOutput out;
  out.kind = OutputKind::kDedupState;
  out.topic = topic;
  out.key = state.content_hash();
  out.payload = serialize_message(state);
  out.schema = "wirefeed.v1.DedupState";
  return out;
}

bool decode_output(OutputKind kind, const void* data, std::size_t size, v1::Record& out) {
  const int n = static_cast<int>(size);
  switch (kind) {
    case OutputKind::kStory:
      return out.mutable_story()->ParseFromArray(data, n);
    case OutputKind::kDuplicate:
      return out.mutable_duplicate()->ParseFromArray(data, n);
    case OutputKind::kDeadLetter:
      return out.mutable_dead_letter()->ParseFromArray(data, n);
    case OutputKind::kDedupState:
      return false;  // not a Record
  }
  return false;
}

std::string record_to_json(const v1::Record& record) {
  std::string json;
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  opts.always_print_primitive_fields = true;  // a stable shape for jq and other consumers
  (void)google::protobuf::util::MessageToJsonString(record, &json, opts);
  return json;
}

}  // namespace wirefeed::pipeline
