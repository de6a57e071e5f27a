// The dedup state record older daemons wrote: one DedupState per Kafka message, keyed by its
// content hash. The daemon only reads this form now (daemon/state_records.hpp); tests write it to
// check that such records still restore.
//
// Invariants:
// - Same bytes, key and schema as the daemons that wrote it (deterministic serialization).
#pragma once

#include <string>

#include "pipeline/encode.hpp"
#include "wirefeed/v1/story.pb.h"

namespace wirefeed::testing {

pipeline::EncodedOutput encode_legacy_state(const v1::DedupState& state, const std::string& topic);

}  // namespace wirefeed::testing
