// State records. See state_records.hpp for the invariants.
#include "daemon/state_records.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "pipeline/processor.hpp"

namespace wirefeed::daemon {
namespace {

namespace pbio = google::protobuf::io;

// DedupStateBatch.states: field 16, length-delimited.
constexpr uint32_t kStatesField = 16;
constexpr uint32_t kStatesTag = (kStatesField << 3) | 2;

std::size_t entry_size(std::size_t state_bytes) {
  return pbio::CodedOutputStream::VarintSize32(kStatesTag) +
         pbio::CodedOutputStream::VarintSize32(static_cast<uint32_t>(state_bytes)) + state_bytes;
}

}  // namespace

bool StateBatchWriter::fits(const v1::DedupState& state) const {
  if (count_ == 0) return true;
  return count_ < limits_.max_states &&
         payload_.size() + entry_size(state.ByteSizeLong()) <= limits_.max_bytes;
}

void StateBatchWriter::add(const v1::DedupState& state) {
  const std::size_t n = state.ByteSizeLong();
  pbio::StringOutputStream raw(&payload_);
  pbio::CodedOutputStream out(&raw);
  out.SetSerializationDeterministic(true);
  out.WriteTag(kStatesTag);
  out.WriteVarint32(static_cast<uint32_t>(n));
  state.SerializeWithCachedSizes(&out);
  out.Trim();  // give back StringOutputStream's unused tail
  ++count_;
}

pipeline::EncodedOutput StateBatchWriter::take(const std::string& topic, std::string key) {
  pipeline::EncodedOutput out;
  out.kind = pipeline::OutputKind::kDedupState;
  out.topic = topic;
  out.key = std::move(key);
  out.payload = std::move(payload_);
  out.schema = "wirefeed.v1.DedupStateBatch";
  payload_.clear();
  count_ = 0;
  return out;
}

std::optional<v1::DedupStateBatch> parse_state_record(std::optional<std::string_view> schema,
                                                      const void* data, std::size_t len) {
  if (data == nullptr && len > 0) return std::nullopt;
  const int n = static_cast<int>(len);
  v1::DedupStateBatch batch;
  const bool batch_header = schema && *schema == kDedupStateBatchSchema;
  const bool single_header = schema && *schema == kDedupStateSchema;
  if (!single_header) {
    if (!batch.ParseFromArray(data, n)) {
      if (batch_header) return std::nullopt;
    } else if (batch_header || batch.states_size() > 0) {
      return batch;
    }
    batch.Clear();
  }
  // A single DedupState (its header, or no/unknown header and not a non-empty batch).
  if (!batch.add_states()->ParseFromArray(data, n) || batch.states(0).content_hash().empty()) {
    return std::nullopt;
  }
  return batch;
}

StateRestoreCount restore_state_record(pipeline::DedupIndex& index,
                                       std::optional<std::string_view> schema, const void* data,
                                       std::size_t len) {
  StateRestoreCount count;
  const auto batch = parse_state_record(schema, data, len);
  if (!batch) {
    count.malformed = 1;
    return count;
  }
  for (const v1::DedupState& s : batch->states()) {
    if (restore_state(index, s)) {
      ++count.applied;
    } else {
      ++count.malformed;
    }
  }
  return count;
}

}  // namespace wirefeed::daemon
