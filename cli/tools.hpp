// The wirefeed CLI's Kafka tools for the person on call: `tail` (read whole records from topics
// and print them as JSON lines, decoded by their wirefeed-schema header), `dlq list|redrive`
// (dead letters grouped by reason; re-produce each original to its input topic) and `why`
// (a story's family: its records and every record that links to it, with the dedup evidence).
//
// Invariants:
// - Read-only except `dlq redrive` without --dry-run: nothing joins a consumer group or commits
//   offsets (partitions are assigned directly).
// - stdout carries only the command's output (JSON lines for tail); diagnostics and librdkafka's
//   log lines go to stderr.
// - Redrive is idempotent: each re-produced original carries the header kRedriveHeader naming
//   its dead letter (topic/partition/offset); a dead letter whose name already appears on its
//   input topic (at or after the dead letter's time, or after its original in the same
//   partition) is not re-produced again, nor is the dead letter of a redriven copy (it failed
//   again; redriving it would loop).
// - A record is printed from its own bytes only: each Kafka message is decoded alone, never
//   concatenated with another.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "daemon/config.hpp"
#include "kafka/client.hpp"
#include "wirefeed/v1/story.pb.h"

namespace wirefeed::cli {

// Where the tools connect: brokers (and client properties, e.g. security settings) from
// --config FILE or --brokers LIST, and the daemon's topic names from the config.
struct Connection {
  kafka::Properties props;
  daemon::Config config;  // defaults when only --brokers was given
};

struct CommonArgs {
  std::string config_file;
  std::string brokers;
};

// Consumes --config/--brokers at args[i] (advancing i past the value); true when it did.
bool common_option(const std::vector<std::string>& args, std::size_t& i, CommonArgs& c);

// The config (or defaults) with --brokers applied and the client properties to connect with.
// Throws std::runtime_error when no broker is named (or only the embedded one).
Connection connect_settings(const CommonArgs& c);

// Header on a redriven message: "<dead letter topic>/<partition>/<offset>".
inline constexpr const char* kRedriveHeader = "wirefeed-redrive-of";

// A start position: "beginning", "end", an RFC 3339 time, or a duration ago ("15m", "2h").
// Returns RD_KAFKA_OFFSET_BEGINNING / RD_KAFKA_OFFSET_END, or a time in ms since the epoch
// (>= 0, to be resolved per partition with offsets_for_times). nullopt if malformed.
struct StartPosition {
  bool is_time = false;
  int64_t value = RD_KAFKA_OFFSET_BEGINNING;  // an offset constant, or ms since the epoch
};
std::optional<StartPosition> parse_start(std::string_view text,
                                         std::chrono::system_clock::time_point now);

// "story", "duplicate", "dead_letter", "dedup_state" for a wirefeed-schema header value;
// "raw" when there is none (an input topic), "unknown" for another schema.
std::string kind_of_schema(std::optional<std::string_view> schema);

// Dead-letter reason as given on the command line ("TOO_LARGE", "too_large" or the full enum
// name) -> the full enum name, nullopt if no such reason.
std::optional<std::string> parse_reason(std::string_view text);

// The one JSON line `tail` prints for a message: coordinates, time, key, headers, kind and the
// decoded value (a JSON object for a wirefeed record, a string for raw input). Throws
// std::runtime_error when a wirefeed record does not parse as its schema.
std::string message_json(const rd_kafka_message_t& m);

// True when the JSON line `line` (as message_json prints it) matches every "path=value" filter:
// "kind=duplicate", or a dotted path into the line ("value.kind=DUPLICATE_KIND_NEAR",
// "value.source.agency=reuters", "partition=2"); a value compares as a string or number.
bool matches_filters(const std::string& line, const std::vector<std::string>& filters);

// One way a record relates to the story `wirefeed why` asks about. A record may relate in
// several ways (a newer version that also lists it as related).
struct WhyLink {
  std::string relation;  // "story", "suppressed", "copy", "newer_version", "related"
  std::string decision;  // human: "published", "suppressed as EXACT duplicate of wf-..."
  std::string other_id;  // the other story of the link ("" for the story itself)
  std::optional<v1::DedupEvidence> evidence;  // what the dedup stage wrote, when it wrote any
  double similarity = 0;                      // as recorded on the link (0 when none)
};

// How `record` (a Story or a DuplicateNotice as read from the output topics) relates to the
// story `id`: empty when it does not. A Story whose id is `id` gives "story" plus one "related"
// link per doubt link it carries; a DuplicateNotice whose id is `id` gives "suppressed"; one whose
// duplicate_of is `id` gives "copy"; a Story superseding `id` gives "newer_version"; a Story
// listing `id` in `related` gives "related".
std::vector<WhyLink> why_links(const v1::Record& record, std::string_view id);

// The evidence as one line, only the counts that are set: "rule exact_content, similarity 1.00,
// names matched 3, facts only this 1".
std::string evidence_text(const v1::DedupEvidence& e);

int cmd_tail(const std::vector<std::string>& args);
int cmd_dlq(const std::vector<std::string>& args);
int cmd_why(const std::vector<std::string>& args);

}  // namespace wirefeed::cli
