// Kafka error classification. See errors.hpp for the invariants.
#include "kafka/errors.hpp"

namespace wirefeed::kafka {

bool is_producer_failure(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__FATAL:
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
    // The producer's sequence/epoch state, not the record (the idempotent producer bumps its
    // epoch or raises a fatal error; either way the record itself can be sent again).
    case RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER:
    case RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID:
    case RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH:
      return true;
    default:
      return false;
  }
}

}  // namespace wirefeed::kafka
