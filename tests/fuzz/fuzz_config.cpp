// libFuzzer target: daemon::parse_config on the input as YAML.
//
// Two runs per input: the whole input with no overrides, then everything before the last line
// as YAML with the last line as one `--set` override. The environment is a fixed fake (no
// process state). Checked: only ConfigError escapes, its message names where the problem is
// (the origin or the --set), a returned Config passes the documented validation, and
// render_config output parses back to the same configuration.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/config.hpp"
#include "tests/fuzz/fuzz_common.hpp"

namespace {

namespace wd = wirefeed::daemon;
using wirefeed::fuzz::check;
using wirefeed::fuzz::violated;

constexpr std::string_view kOrigin = "fuzz.yaml";

std::optional<std::string> fake_getenv(const std::string& name) {
  if (name == "KAFKA_PASSWORD") return std::string("hunter2");
  if (name == "BROKERS") return std::string("kafka1:9092,kafka2:9092");
  if (name == "WORKERS") return std::string("4");
  if (name == "EMPTY") return std::string();
  return std::nullopt;
}

void check_config(const wd::Config& c) {
  check(!c.kafka.brokers.empty() && !c.kafka.group_id.empty(), "brokers and group_id set");
  check(!c.input.topics.empty(), "at least one input topic");
  for (const auto& t : c.input.topics) check(wd::is_valid_topic_name(t), "input topic valid", t);
  check(wd::is_valid_topic_name(c.output.stories_topic) &&
            wd::is_valid_topic_name(c.output.duplicates_topic) &&
            wd::is_valid_topic_name(c.output.dead_letter_topic),
        "output topics valid");
  check(c.input.max_bytes > 0 && c.output.dead_letter_max_bytes <= c.input.max_bytes,
        "dead_letter_max_bytes <= input.max_bytes");
  check(wd::parse_host_port(c.metrics.listen).has_value(), "metrics.listen is host:port");
  check(c.pipeline.workers >= 1 && c.pipeline.workers <= 256, "workers in 1..256");
  check(c.pipeline.partition_low_water < c.pipeline.partition_high_water, "low < high water");
  check(c.pipeline.max_inflight_bytes > 0, "max_inflight_bytes > 0");
  check(c.dedup.index.window.count() > 0 && c.dedup.index.max_entries > 0, "dedup bounds positive");
  check(c.embedded.partitions >= 1 && c.embedded.partitions <= 1000, "partitions in 1..1000");
}

// Parses; returns the rendered config on success, nullopt on a (well-formed) ConfigError.
std::optional<std::string> parse(std::string_view yaml, std::string_view origin,
                                 const std::vector<std::string>& overrides) {
  try {
    const wd::Config c = wd::parse_config(yaml, origin, overrides, {}, fake_getenv);
    check_config(c);
    (void)wd::summarize_config(c);
    return wd::render_config(c);
  } catch (const wd::ConfigError& e) {
    const std::string_view msg = e.what();
    const bool located = msg.substr(0, origin.size()) == origin || msg.substr(0, 6) == "--set ";
    check(located, "ConfigError starts with the origin or the --set override", msg);
    return std::nullopt;
  } catch (const std::exception& e) {
    violated("parse_config threw something other than ConfigError", e.what());
  }
}

void run(std::string_view yaml, const std::vector<std::string>& overrides) {
  const std::optional<std::string> rendered = parse(yaml, kOrigin, overrides);
  if (!rendered) return;
  // render_config output parses back to an equal Config (compared through its rendering).
  const std::optional<std::string> again = parse(*rendered, "rendered.yaml", {});
  if (!again) violated("render_config output does not parse back", *rendered);
  check(*again == *rendered, "render_config round trip changes the config", *rendered);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  run(in, {});
  const std::size_t nl = in.rfind('\n');
  if (nl != std::string_view::npos) run(in.substr(0, nl), {std::string(in.substr(nl + 1))});
  return 0;
}
