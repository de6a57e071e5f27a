// Typed daemon configuration: YAML file + `--set dotted.key=value` overrides -> Config.
//
// Invariants:
// - A Config returned by parse_config/load_config has passed every validation rule documented
//   below; callers never need to re-check ranges, topic names or host:port syntax.
// - Every error is a ConfigError whose message starts with where the offending value came from
//   ("config.yaml:14" with a 1-based line, or "--set key=value" for an override, secret values
//   shown as ***), then the full dotted key path ("input.topics[2]", list indexes 0-based), then
//   what is wrong. Unknown keys are errors everywhere except inside the free-form property maps.
// - Overrides are applied to the YAML tree in order (later wins) before typed parsing, so they
//   go through exactly the same type checks and validation as the file.
// - Pure: no global mutable state; the environment is read only through the `getenv` function
//   passed in (the overloads without it use ::getenv). Nothing here logs or prints.
// - render_config output parses back (parse_config) to an equal Config, except that secret
//   property values are replaced by "***".
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/dedup.hpp"
#include "pipeline/processor.hpp"
#include "pipeline/router.hpp"

namespace wirefeed::daemon {

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct KafkaConfig {
  std::string brokers = "embedded";  // "embedded" or "host:port,host:port"
  std::string group_id = "wirefeed";
  std::map<std::string, std::string> properties;           // passed to consumer AND producer
  std::map<std::string, std::string> consumer_properties;  // consumer only (override)
  std::map<std::string, std::string> producer_properties;  // producer only (override)
};

struct InputConfig {
  std::vector<std::string> topics{"wire.raw"};
  std::size_t max_bytes = 10u << 20;
};

struct OutputConfig {
  std::string stories_topic = "wire.stories";
  std::string duplicates_topic = "wire.duplicates";
  std::string dead_letter_topic = "wire.deadletter";
  std::size_t dead_letter_max_bytes = 64u << 10;  // original bytes kept in a DeadLetter
};

struct MetricsConfig {
  std::string listen = "127.0.0.1:9464";  // host:port; port 0 = ephemeral
};

struct PipelineConfig {
  unsigned workers = 2;                            // worker threads for processing
  std::size_t partition_high_water = 1000;         // in-flight messages per partition -> pause
  std::size_t partition_low_water = 500;           // resume below this
  std::size_t max_inflight_bytes = 256u << 20;     // all partitions; pause all above
  std::chrono::milliseconds drain_timeout{10000};  // graceful shutdown bound
};

// dedup.*: the index settings (pipeline::DedupConfig, the one type the daemon, the CLI's --config
// and the tests fill) and where the daemon persists its decisions.
struct DedupSettings {
  pipeline::DedupConfig index;                       // window, capacity, near tier, thresholds
  std::string state_topic = "wire.dedup-state";      // "" disables persistence
  std::chrono::milliseconds restore_timeout{60000};  // bound on replaying state_topic at start
  // When state_topic cannot be reached within restore_timeout: false (default) = fail start-up
  // (a daemon with an empty index republishes everything it saw before); true = start empty.
  bool start_without_state = false;
};

// How inputs are acknowledged (see daemon/transactions.hpp and docs/delivery.md, "Delivery
// guarantee").
enum class DeliveryMode {
  kAtLeastOnce,  // offsets stored after every output's delivery report; auto-commit (default)
  kExactlyOnce,  // Kafka transactions: outputs + input offsets committed atomically per batch
};

struct DeliveryConfig {
  DeliveryMode mode = DeliveryMode::kAtLeastOnce;
  // transactional.id of this instance's producer; "" = derived: "<kafka.group_id>.<host name>"
  // (see effective_transactional_id). Must be unique per running instance and stable across its
  // restarts (a restart fences its predecessor). Only used in exactly_once mode.
  std::string transactional_id;
  std::size_t transaction_max_messages = 1000;           // inputs per transaction
  std::size_t transaction_max_bytes = 16u << 20;         // input payload bytes per transaction
  std::chrono::milliseconds transaction_interval{100};   // a transaction's longest life
  std::chrono::milliseconds transaction_timeout{10000};  // bound on each transaction API call
};

struct EmbeddedConfig {
  std::string seed_dir = "samples";  // resolved relative to the config file's directory
  bool echo = true;                  // print each published record as one JSON line on stdout
  int partitions = 4;                // partitions of each embedded topic
};

struct CleanConfig {
  // Newsroom rules file applied on top of the embedded packs (pipeline/rules/cleaning.yaml);
  // "" = embedded rules only. Relative paths resolve against the config file's directory.
  // Re-read on every SIGHUP.
  std::string rules_file;
  // The compiled rules (set by parse_config; a bad rules file is a ConfigError naming
  // clean.rules_file and the rule file's line). Not rendered.
  std::shared_ptr<const pipeline::CleanRules> rules;
  // Where the sightings the chrome learner counts are persisted and shared by the instances of
  // one consumer group (daemon/chrome_state.hpp); "" = off: the learned set starts empty at
  // every start and each instance learns alone.
  std::string chrome_state_topic = "wire.chrome-state";
  // Bound on replaying chrome_state_topic at start-up. Never fails start-up: a replay cut short
  // or a topic out of reach only delays learning.
  std::chrono::milliseconds chrome_restore_timeout{30000};
};

struct LogConfig {
  std::string level = "info";   // trace|debug|info|warn|error|critical|off
  std::string format = "text";  // text (human lines) | json (one JSON object per line)
};

struct Config {
  KafkaConfig kafka;
  InputConfig input;
  OutputConfig output;
  MetricsConfig metrics;
  PipelineConfig pipeline;
  DedupSettings dedup;
  DeliveryConfig delivery;
  EmbeddedConfig embedded;
  CleanConfig clean;
  LogConfig log;
  // routes: where each record is published, in which encoding (pipeline/router.hpp); empty =
  // every record to its output.* topic in Protobuf. Applied live on SIGHUP.
  std::vector<pipeline::Route> routes;
  std::string source_path;  // file it was loaded from ("" if from a string)
  bool embedded_mode() const { return kafka.brokers == "embedded"; }
};

// What the pipeline is built from (pipeline::make_pipeline): input.max_bytes,
// output.dead_letter_max_bytes, dedup.* and the compiled clean rules. The daemon and
// `wirefeed process --config` both use it, so they produce the same records.
pipeline::PipelineSettings pipeline_settings(const Config& c);

// "at_least_once" | "exactly_once".
std::string_view delivery_mode_name(DeliveryMode m);

// delivery.transactional_id, or when empty "<kafka.group_id>.<host>" (`host` is the machine's
// name; the caller passes it so this stays pure).
std::string effective_transactional_id(const Config& c, std::string_view host);

// Looks up an environment variable; std::nullopt when it is unset.
using GetEnv = std::function<std::optional<std::string>(const std::string&)>;

// Parse YAML text; `origin` names it in errors (e.g. "config.yaml"). `overrides` are
// "dotted.key=value" strings applied to the YAML tree BEFORE typed parsing (value parsed as a
// YAML scalar/flow value, so `input.topics=[a,b]` and `kafka.properties.linger.ms=20` work: for
// map-typed keys like kafka.properties the remainder after the map key is the property name, dots
// included). `base_dir` resolves relative paths (embedded.seed_dir); empty leaves them as written.
//
// Scalar values may use ${VAR} and ${VAR:-default} (default used when VAR is unset or empty);
// "$${" is a literal "${". An unset VAR without a default is an error naming the key.
Config parse_config(std::string_view yaml_text, std::string_view origin,
                    const std::vector<std::string>& overrides = {},
                    const std::filesystem::path& base_dir = {});
Config parse_config(std::string_view yaml_text, std::string_view origin,
                    const std::vector<std::string>& overrides,
                    const std::filesystem::path& base_dir, const GetEnv& getenv);

// Reads and parses `file` (errors name it as given); embedded.seed_dir is resolved against the
// file's absolute directory and source_path is set to `file`. Throws ConfigError, also when the
// file cannot be read.
Config load_config(const std::filesystem::path& file,
                   const std::vector<std::string>& overrides = {});
Config load_config(const std::filesystem::path& file, const std::vector<std::string>& overrides,
                   const GetEnv& getenv);

// Effective config as YAML, with secret-looking property values redacted ("***"): any property
// key containing "password", "secret", "sasl.jaas", "key.password", "ssl.key.pem", "token"
// (case-insensitive).
std::string render_config(const Config& c);

// A human config check summary line, e.g. for --check-config:
// "config OK: config.yaml: brokers=embedded (embedded: 4 partitions, seed_dir=...), ...".
std::string summarize_config(const Config& c);

// True if a Kafka property with this key holds a secret (see render_config).
bool is_secret_property(std::string_view key);

// "500ms", "10s", "5m", "72h", "1h30m" (units may be combined, each a non-negative integer), or a
// plain non-negative integer counted in `plain_unit`. std::nullopt if malformed or overflowing.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text,
                                                        std::chrono::milliseconds plain_unit);
// Inverse of parse_duration: the shortest "1h30m"-style spelling ("0s" for zero).
std::string format_duration(std::chrono::milliseconds d);

// A plain integer (bytes) or an integer with a unit: B, KiB, MiB, GiB, TiB (binary) or
// KB, MB, GB, TB (decimal); units are case-insensitive and may follow a space.
std::optional<std::size_t> parse_size(std::string_view text);
// Inverse of parse_size: "10MiB" when an exact binary multiple, else the plain byte count.
std::string format_size(std::size_t bytes);

struct HostPort {
  std::string host;  // without brackets for IPv6 ("::1")
  std::uint16_t port = 0;
};
// "host:port" or "[v6addr]:port", port 0..65535, host non-empty. std::nullopt if malformed.
std::optional<HostPort> parse_host_port(std::string_view text);

// Kafka topic name rules: 1..249 chars of [A-Za-z0-9._-], not "." or "..".
bool is_valid_topic_name(std::string_view name);

}  // namespace wirefeed::daemon
