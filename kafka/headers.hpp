// Record headers: the names this project writes and a reader for one header of a consumed record.
//
// Invariants:
// - Readers never copy: the returned view points into the message, valid while it lives.
// - A header present without a value reads as absent (nullopt), like a missing one.
#pragma once

#include <librdkafka/rdkafka.h>

#include <optional>
#include <string_view>

namespace wirefeed::kafka {

// Header carried by every record of a transactional sink: its transactional.id.
inline constexpr const char* kOriginHeader = "wirefeed-origin";
// Header naming the Protobuf message type of a record's payload.
inline constexpr const char* kSchemaHeader = "wirefeed-schema";

// The value of the last header `name` of `m`, or nullopt.
inline std::optional<std::string_view> last_header(const rd_kafka_message_t* m, const char* name) {
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
  const void* value = nullptr;
  size_t size = 0;
  if (rd_kafka_header_get_last(hdrs, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR ||
      value == nullptr) {
    return std::nullopt;
  }
  return std::string_view(static_cast<const char*>(value), size);
}

}  // namespace wirefeed::kafka
