// is_producer_failure: errors of the producer are re-sent, errors of the record are not.
#include "kafka/errors.hpp"

#include <gtest/gtest.h>

namespace wirefeed::kafka {
namespace {

TEST(KafkaErrors, ProducerFailuresAreTheProducersNotTheRecords) {
  for (const auto err :
       {RD_KAFKA_RESP_ERR__FATAL, RD_KAFKA_RESP_ERR__PURGE_QUEUE, RD_KAFKA_RESP_ERR__PURGE_INFLIGHT,
        RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID,
        RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH}) {
    EXPECT_TRUE(is_producer_failure(err)) << rd_kafka_err2name(err);
  }
  for (const auto err :
       {RD_KAFKA_RESP_ERR_NO_ERROR, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE,
        RD_KAFKA_RESP_ERR_INVALID_RECORD, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,
        RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR__QUEUE_FULL}) {
    EXPECT_FALSE(is_producer_failure(err)) << rd_kafka_err2name(err);
  }
}

}  // namespace
}  // namespace wirefeed::kafka
