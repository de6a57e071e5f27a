// RFC 3339 date-times, shared by decode (envelope and Kafka times), the format decoders and the
// CLI.
//
// Invariants:
// - Pure; no time zone database: offsets are applied arithmetically, output is always UTC ("Z").
// - parse_rfc3339 accepts only complete date-times with a zone (fraction optional, dropped);
//   format_rfc3339 of a parsed time parses back to the same second.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace wirefeed::pipeline::text {

// RFC 3339 <-> time. parse returns false on malformed input.
bool parse_rfc3339(std::string_view s, std::chrono::sys_seconds& out);
std::string format_rfc3339(std::chrono::sys_seconds t);

}  // namespace wirefeed::pipeline::text
