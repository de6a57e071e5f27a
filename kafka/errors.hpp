// Classification of librdkafka delivery errors shared by the sink and the delivery path.
//
// Invariants:
// - is_producer_failure is true only for errors of the producer (its handle or its idempotence
//   state), never for errors of the record: such a record may be re-sent unchanged.
#pragma once

#include <librdkafka/rdkafka.h>

namespace wirefeed::kafka {

// The record itself is fine; its producer failed (fatal error, purged when the producer was
// replaced, or a sequence/epoch error of the idempotent producer). Such records are re-sent
// (with backoff), not dead-lettered.
bool is_producer_failure(rd_kafka_resp_err_t err);

}  // namespace wirefeed::kafka
