// Start-up checks an operator runs before starting the daemon (wirefeedd --check-config and
// --check-connect): what parse_config cannot see without librdkafka, the file system or the
// brokers.
//
// Invariants:
// - Each check returns every problem it found (one line each, naming the config key), never
//   stops at the first; an empty list means the check passed.
// - Property values are never included in a problem (they may hold secrets); the key and
//   librdkafka's reason are.
// - check_connect only reads cluster metadata: it creates no topic and joins no group.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "daemon/config.hpp"

namespace wirefeed::daemon {

// kafka.properties, kafka.consumer_properties and kafka.producer_properties entries, each checked
// with librdkafka itself; embedded.seed_dir (embedded mode) is a directory; clean.rules_file (if
// set) is a readable file.
std::vector<std::string> check_local(const Config& c);

// Reaches kafka.brokers (with the configured properties) within `timeout` and checks that every
// topic the daemon reads or writes exists: input.topics, the three output topics,
// dedup.state_topic and clean.chrome_state_topic (each if set). In embedded mode there is nothing
// to reach: empty.
std::vector<std::string> check_connect(const Config& c, std::chrono::milliseconds timeout);

}  // namespace wirefeed::daemon
