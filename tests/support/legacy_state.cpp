// Legacy single-state records. See legacy_state.hpp for the invariants.
#include "tests/support/legacy_state.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

namespace wirefeed::testing {

pipeline::EncodedOutput encode_legacy_state(const v1::DedupState& state, const std::string& topic) {
  pipeline::EncodedOutput out;
  out.kind = pipeline::OutputKind::kDedupState;
  out.topic = topic;
  out.key = state.content_hash();
  const std::size_t size = state.ByteSizeLong();  // also primes the cached sizes used below
  out.payload.assign(size, '\0');
  google::protobuf::io::ArrayOutputStream aos(out.payload.data(), static_cast<int>(size));
  google::protobuf::io::CodedOutputStream cos(&aos);
  cos.SetSerializationDeterministic(true);
  state.SerializeWithCachedSizes(&cos);
  out.schema = "wirefeed.v1.DedupState";
  return out;
}

}  // namespace wirefeed::testing
