// Unit tests for daemon/config: defaults, the repo config.yaml, overrides, errors, validation,
// interpolation, durations/sizes and rendering.
//
// Invariants:
// - Hermetic: the environment is injected (never read from the process), and files are written
//   only under a per-test temporary directory that is removed afterwards.
// - Error tests check the location ("origin:line" or "--set ...") and the dotted key path, not
//   only that something was thrown.
#include "daemon/config.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#ifndef WIREFEED_SOURCE_DIR
#error "WIREFEED_SOURCE_DIR must be defined (the repository root)"
#endif

namespace wirefeed::daemon {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using namespace std::chrono_literals;

GetEnv env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

Config parse(const std::string& yaml, const std::vector<std::string>& overrides = {},
             const GetEnv& env = env_of({})) {
  return parse_config(yaml, "test.yaml", overrides, {}, env);
}

// The message of the ConfigError thrown by parsing, or "" (which fails the caller's checks).
std::string error_of(const std::string& yaml, const std::vector<std::string>& overrides = {},
                     const GetEnv& env = env_of({})) {
  try {
    parse(yaml, overrides, env);
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a ConfigError for:\n" << yaml;
  return "";
}

void expect_defaults(const Config& c) {
  EXPECT_EQ(c.kafka.brokers, "embedded");
  EXPECT_TRUE(c.embedded_mode());
  EXPECT_EQ(c.kafka.group_id, "wirefeed");
  EXPECT_TRUE(c.kafka.properties.empty());
  EXPECT_TRUE(c.kafka.consumer_properties.empty());
  EXPECT_TRUE(c.kafka.producer_properties.empty());
  EXPECT_EQ(c.input.topics, std::vector<std::string>{"wire.raw"});
  EXPECT_EQ(c.input.max_bytes, 10u * 1024 * 1024);
  EXPECT_EQ(c.output.stories_topic, "wire.stories");
  EXPECT_EQ(c.output.duplicates_topic, "wire.duplicates");
  EXPECT_EQ(c.output.dead_letter_topic, "wire.deadletter");
  EXPECT_EQ(c.output.dead_letter_max_bytes, 64u * 1024);
  EXPECT_EQ(c.metrics.listen, "127.0.0.1:9464");
  EXPECT_EQ(c.pipeline.workers, 2u);
  EXPECT_EQ(c.pipeline.partition_high_water, 1000u);
  EXPECT_EQ(c.pipeline.partition_low_water, 500u);
  EXPECT_EQ(c.pipeline.max_inflight_bytes, 256u * 1024 * 1024);
  EXPECT_EQ(c.pipeline.drain_timeout, 10s);
  EXPECT_EQ(c.dedup.index.window, 72h);
  EXPECT_EQ(c.dedup.index.max_entries, 1'000'000u);
  EXPECT_EQ(c.dedup.index.near_window, 24h);
  EXPECT_EQ(c.dedup.index.near_max_entries, 1'000'000u);
  EXPECT_TRUE(c.embedded.echo);
  EXPECT_EQ(c.embedded.partitions, 4);
  EXPECT_EQ(c.clean.chrome_state_topic, "wire.chrome-state");
  EXPECT_EQ(c.clean.chrome_restore_timeout, 30s);
  EXPECT_EQ(c.log.level, "info");
  EXPECT_EQ(c.log.format, "text");
}

// ---- defaults and the repository config.yaml -------------------------------------------------

TEST(ConfigDefaults, StructDefaults) {
  Config c;
  expect_defaults(c);
  EXPECT_EQ(c.embedded.seed_dir, "samples");
  EXPECT_EQ(c.source_path, "");
}

TEST(ConfigDefaults, EmptyTextGivesDefaults) {
  for (const char* text : {"", "# only a comment\n", "{}", "kafka:\ninput:\n"}) {
    SCOPED_TRACE(text);
    Config c = parse(text);
    expect_defaults(c);
    EXPECT_EQ(c.embedded.seed_dir, "samples");
    EXPECT_EQ(c.source_path, "");
  }
}

TEST(ConfigDefaults, DefaultsPassValidationAndNotEmbeddedWhenBrokersSet) {
  Config c = parse("kafka: {brokers: 'k1:9092,k2:9092'}");
  EXPECT_FALSE(c.embedded_mode());
  EXPECT_EQ(c.kafka.brokers, "k1:9092,k2:9092");
}

TEST(ConfigRepoFile, LoadsAndEqualsDefaults) {
  const std::filesystem::path file = std::filesystem::path(WIREFEED_SOURCE_DIR) / "config.yaml";
  Config c = load_config(file, {}, env_of({}));
  expect_defaults(c);
  EXPECT_EQ(c.source_path, file.string());
  EXPECT_EQ(std::filesystem::path(c.embedded.seed_dir),
            (std::filesystem::absolute(file).parent_path() / "samples").lexically_normal());
}

// Keeps config.yaml complete: every key of the rendered default config is present in the file.
TEST(ConfigRepoFile, DocumentsEveryKey) {
  const std::filesystem::path file = std::filesystem::path(WIREFEED_SOURCE_DIR) / "config.yaml";
  YAML::Node repo = YAML::LoadFile(file.string());
  YAML::Node rendered = YAML::Load(render_config(Config{}));
  ASSERT_TRUE(rendered.IsMap());
  for (auto section = rendered.begin(); section != rendered.end(); ++section) {
    const std::string name = section->first.as<std::string>();
    ASSERT_TRUE(repo[name].IsDefined()) << "config.yaml lacks section " << name;
    for (auto key = section->second.begin(); key != section->second.end(); ++key) {
      const std::string k = key->first.as<std::string>();
      EXPECT_TRUE(repo[name][k].IsDefined()) << "config.yaml lacks " << name << "." << k;
    }
  }
}

TEST(ConfigRepoFile, OverridesApplyOnLoad) {
  const std::filesystem::path file = std::filesystem::path(WIREFEED_SOURCE_DIR) / "config.yaml";
  Config c = load_config(file, {"pipeline.workers=7", "kafka.brokers=b:1"}, env_of({}));
  EXPECT_EQ(c.pipeline.workers, 7u);
  EXPECT_FALSE(c.embedded_mode());
}

// ---- load_config ------------------------------------------------------------------------------

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("wirefeed_config_test_" + std::string(info->name()) + "_" +
            std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path write(const std::string& name, const std::string& text) {
    const std::filesystem::path p = dir_ / name;
    std::ofstream(p) << text;
    return p;
  }
  std::filesystem::path dir_;
};

TEST_F(ConfigFileTest, LoadResolvesSeedDirAgainstFileDirectory) {
  auto p = write("c.yaml", "embedded:\n  seed_dir: data/seeds\n");
  Config c = load_config(p, {}, env_of({}));
  EXPECT_EQ(c.embedded.seed_dir, (dir_ / "data/seeds").string());
  EXPECT_EQ(c.source_path, p.string());

  auto abs = write("abs.yaml", "embedded:\n  seed_dir: /srv/seeds\n");
  EXPECT_EQ(load_config(abs, {}, env_of({})).embedded.seed_dir, "/srv/seeds");
}

TEST_F(ConfigFileTest, LoadErrorsNameTheFile) {
  auto p = write("bad.yaml", "input:\n  topicz: [a]\n");
  try {
    load_config(p, {}, env_of({}));
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              p.string() + ":2: input.topicz: unknown key (known: topics, max_bytes)");
  }
}

TEST_F(ConfigFileTest, UnreadableFileIsConfigError) {
  EXPECT_THROW(load_config(dir_ / "missing.yaml"), ConfigError);
  EXPECT_THROW(load_config(dir_), ConfigError);  // a directory
  try {
    load_config(dir_ / "missing.yaml");
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.yaml"), std::string::npos) << e.what();
  }
}

TEST(ConfigParse, BaseDirResolvesRelativeSeedDir) {
  Config c = parse_config("embedded: {seed_dir: ./s}", "x", {}, "/etc/wirefeed", env_of({}));
  EXPECT_EQ(c.embedded.seed_dir, "/etc/wirefeed/s");
  Config plain = parse_config("embedded: {seed_dir: s}", "x", {}, {}, env_of({}));
  EXPECT_EQ(plain.embedded.seed_dir, "s");
}

// ---- full parse -------------------------------------------------------------------------------

TEST(ConfigParse, EveryKey) {
  const char* yaml = R"(
kafka:
  brokers: "k1:9092,k2:9093"
  group_id: g1
  properties:
    linger.ms: 20
    enable.idempotence: true
  consumer_properties: {auto.offset.reset: earliest}
  producer_properties:
    compression.type: zstd
input:
  topics:
    - a.raw
    - b_raw-2
  max_bytes: 1MB
output:
  stories_topic: s
  duplicates_topic: d
  dead_letter_topic: dl
  dead_letter_max_bytes: 1000
metrics:
  listen: "[::1]:0"
pipeline:
  workers: 8
  partition_high_water: 10
  partition_low_water: 9
  max_inflight_bytes: 1GiB
  drain_timeout: 1m30s
dedup:
  window: 1h30m
  max_entries: 5
  near_window: 45m
  near_max_entries: 3
embedded:
  seed_dir: /x
  echo: false
  partitions: 1000
log:
  level: debug
  format: json
)";
  Config c = parse(yaml);
  EXPECT_EQ(c.kafka.brokers, "k1:9092,k2:9093");
  EXPECT_EQ(c.kafka.group_id, "g1");
  EXPECT_EQ(c.kafka.properties, (std::map<std::string, std::string>{
                                    {"linger.ms", "20"}, {"enable.idempotence", "true"}}));
  EXPECT_EQ(c.kafka.consumer_properties,
            (std::map<std::string, std::string>{{"auto.offset.reset", "earliest"}}));
  EXPECT_EQ(c.kafka.producer_properties,
            (std::map<std::string, std::string>{{"compression.type", "zstd"}}));
  EXPECT_EQ(c.input.topics, (std::vector<std::string>{"a.raw", "b_raw-2"}));
  EXPECT_EQ(c.input.max_bytes, 1'000'000u);
  EXPECT_EQ(c.output.stories_topic, "s");
  EXPECT_EQ(c.output.duplicates_topic, "d");
  EXPECT_EQ(c.output.dead_letter_topic, "dl");
  EXPECT_EQ(c.output.dead_letter_max_bytes, 1000u);
  EXPECT_EQ(c.metrics.listen, "[::1]:0");
  EXPECT_EQ(c.pipeline.workers, 8u);
  EXPECT_EQ(c.pipeline.partition_high_water, 10u);
  EXPECT_EQ(c.pipeline.partition_low_water, 9u);
  EXPECT_EQ(c.pipeline.max_inflight_bytes, 1u << 30);
  EXPECT_EQ(c.pipeline.drain_timeout, 90s);
  EXPECT_EQ(c.dedup.index.window, 5400s);
  EXPECT_EQ(c.dedup.index.max_entries, 5u);
  EXPECT_EQ(c.dedup.index.near_window, 2700s);
  EXPECT_EQ(c.dedup.index.near_max_entries, 3u);
  EXPECT_EQ(c.embedded.seed_dir, "/x");
  EXPECT_FALSE(c.embedded.echo);
  EXPECT_EQ(c.embedded.partitions, 1000);
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.log.format, "json");
}

TEST(ConfigParse, PlainIntegerDurationUnitsDifferPerKey) {
  Config c = parse("pipeline: {drain_timeout: 2500}\ndedup: {window: 3600}\n");
  EXPECT_EQ(c.pipeline.drain_timeout, 2500ms);  // milliseconds
  EXPECT_EQ(c.dedup.index.window, 1h);          // seconds
}

TEST(ConfigParse, WindowMustBeWholeSeconds) {
  EXPECT_EQ(error_of("dedup:\n  window: 1500ms\n"),
            "test.yaml:2: dedup.window: expected a whole number of seconds");
}

// ---- unknown keys and wrong types ---------------------------------------------------------------

TEST(ConfigErrors, UnknownKeyNamesPathLineAndKnownKeys) {
  const std::string yaml = "log:\n  level: info\ninput:\n  topics: [a]\n  topicz: [b]\n";
  EXPECT_EQ(error_of(yaml), "test.yaml:5: input.topicz: unknown key (known: topics, max_bytes)");
}

TEST(ConfigErrors, UnknownTopLevelKey) {
  EXPECT_EQ(error_of("\nlogging: {level: info}\n"),
            "test.yaml:2: logging: unknown key (known: kafka, input, output, metrics, pipeline, "
            "dedup, delivery, embedded, clean, log, routes)");
}

TEST(ConfigErrors, UnknownKeyInEverySection) {
  for (const char* section : {"kafka", "input", "output", "metrics", "pipeline", "dedup",
                              "delivery", "embedded", "log"}) {
    SCOPED_TRACE(section);
    const std::string msg = error_of(std::string(section) + ":\n  bogus: 1\n");
    EXPECT_EQ(msg.rfind("test.yaml:2: " + std::string(section) + ".bogus: unknown key (known: ", 0),
              0u)
        << msg;
  }
}

TEST(ConfigErrors, PropertyMapsAcceptAnyKey) {
  Config c = parse("kafka:\n  properties:\n    some.future.option: x\n");
  EXPECT_EQ(c.kafka.properties.at("some.future.option"), "x");
}

TEST(ConfigErrors, WrongTypeInListNamesIndexAndLine) {
  const std::string yaml = "input:\n  topics:\n    - a\n    - b\n    - {x: 1}\n";
  EXPECT_EQ(error_of(yaml), "test.yaml:5: input.topics[2]: expected a string");
}

TEST(ConfigErrors, WrongTypes) {
  struct Case {
    const char* yaml;
    const char* expected;
  };
  const Case cases[] = {
      {"pipeline:\n  workers: abc\n",
       "test.yaml:2: pipeline.workers: expected an unsigned integer"},
      {"pipeline:\n  workers: -1\n", "test.yaml:2: pipeline.workers: expected an unsigned integer"},
      {"pipeline:\n  workers: 2.5\n",
       "test.yaml:2: pipeline.workers: expected an unsigned integer"},
      {"pipeline:\n  workers: 99999999999\n", "test.yaml:2: pipeline.workers: value out of range"},
      {"input:\n  topics: wire.raw\n", "test.yaml:2: input.topics: expected a list of strings"},
      {"input:\n  max_bytes: lots\n", "test.yaml:2: input.max_bytes: expected a size"},
      {"pipeline:\n  drain_timeout: 10 s\n",
       "test.yaml:2: pipeline.drain_timeout: expected a duration"},
      {"embedded:\n  echo: maybe\n", "test.yaml:2: embedded.echo: expected a boolean"},
      {"embedded:\n  partitions: x\n", "test.yaml:2: embedded.partitions: expected an integer"},
      {"log:\n  level: [info]\n", "test.yaml:2: log.level: expected a string"},
      {"log:\n  level:\n", "test.yaml:2: log.level: expected a string"},
      {"log: info\n", "test.yaml:1: log: expected a mapping"},
      {"kafka:\n  properties: [a]\n", "test.yaml:2: kafka.properties: expected a mapping"},
      {"kafka:\n  properties:\n    a.b: [1]\n",
       "test.yaml:3: kafka.properties.a.b: expected a scalar"},
      {"- a\n- b\n", "test.yaml:1: expected a mapping at the top level"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.yaml);
    const std::string msg = error_of(c.yaml);
    EXPECT_EQ(msg.rfind(c.expected, 0), 0u) << msg;
  }
}

TEST(ConfigErrors, DuplicateKey) {
  const std::string msg = error_of("log:\n  level: info\n  level: debug\n");
  EXPECT_EQ(msg, "test.yaml:3: log.level: duplicate key (first at test.yaml:2)");
}

TEST(ConfigErrors, YamlSyntaxErrorHasLine) {
  const std::string msg = error_of("log:\n  level: info\ninput: [a\n");
  EXPECT_EQ(msg.rfind("test.yaml:", 0), 0u) << msg;
  EXPECT_NE(msg.find("invalid YAML"), std::string::npos) << msg;
}

TEST(ConfigErrors, MultipleDocumentsRejected) {
  EXPECT_NE(error_of("log: {level: info}\n---\nlog: {level: debug}\n").find("single YAML document"),
            std::string::npos);
}

// ---- validation -------------------------------------------------------------------------------

TEST(ConfigValidation, EachRuleNamesPathAndLine) {
  struct Case {
    const char* yaml;
    const char* prefix;  // "file:line: path:" the message must start with
    const char* detail;  // and contain
  };
  const Case cases[] = {
      {"kafka:\n  brokers: ''\n", "test.yaml:2: kafka.brokers: ", "must not be empty"},
      {"kafka:\n  brokers: 'a:1,,b:2'\n", "test.yaml:2: kafka.brokers: ", "empty entry"},
      {"kafka:\n  group_id: ''\n", "test.yaml:2: kafka.group_id: ", "must not be empty"},
      {"input:\n  topics: []\n", "test.yaml:2: input.topics: ", "at least one topic"},
      {"input:\n  topics:\n    - ok\n    - ''\n",
       "test.yaml:4: input.topics[1]: ", "invalid Kafka topic name"},
      {"input:\n  topics:\n    - 'bad topic'\n",
       "test.yaml:3: input.topics[0]: ", "invalid Kafka topic name 'bad topic'"},
      {"input:\n  topics: [a, a]\n", "test.yaml:2: input.topics[1]: ", "duplicate topic 'a'"},
      {"input:\n  topics: [..]\n", "test.yaml:2: input.topics[0]: ", "invalid Kafka topic name"},
      {"input:\n  max_bytes: 0\n", "test.yaml:2: input.max_bytes: ", "greater than 0"},
      {"output:\n  stories_topic: 'a/b'\n",
       "test.yaml:2: output.stories_topic: ", "invalid Kafka topic name"},
      {"output:\n  duplicates_topic: x\n  dead_letter_topic: x\n",
       "test.yaml:3: output.dead_letter_topic: ", "is also output.duplicates_topic"},
      {"input:\n  topics: [in]\noutput:\n  stories_topic: in\n",
       "test.yaml:4: output.stories_topic: ", "is also an input topic"},
      {"output:\n  dead_letter_max_bytes: 11MiB\n",
       "test.yaml:2: output.dead_letter_max_bytes: ", "must not exceed input.max_bytes (10MiB)"},
      {"metrics:\n  listen: localhost\n", "test.yaml:2: metrics.listen: ", "host:port"},
      {"metrics:\n  listen: 'h:65536'\n", "test.yaml:2: metrics.listen: ", "host:port"},
      {"metrics:\n  listen: ':80'\n", "test.yaml:2: metrics.listen: ", "host:port"},
      {"pipeline:\n  workers: 0\n", "test.yaml:2: pipeline.workers: ", "1..256"},
      {"pipeline:\n  workers: 257\n", "test.yaml:2: pipeline.workers: ", "1..256"},
      {"pipeline:\n  partition_low_water: 1000\n", "test.yaml:2: pipeline.partition_low_water: ",
       "less than pipeline.partition_high_water (1000)"},
      {"pipeline:\n  max_inflight_bytes: 0\n",
       "test.yaml:2: pipeline.max_inflight_bytes: ", "greater than 0"},
      {"dedup:\n  window: 0\n", "test.yaml:2: dedup.window: ", "greater than 0"},
      {"dedup:\n  max_entries: 0\n", "test.yaml:2: dedup.max_entries: ", "greater than 0"},
      {"dedup:\n  max_entries: 16777215\n", "test.yaml:2: dedup.max_entries: ", "at most 16777214"},
      {"dedup:\n  near_window: 0\n", "test.yaml:2: dedup.near_window: ", "greater than 0"},
      {"dedup:\n  near_max_entries: 0\n",
       "test.yaml:2: dedup.near_max_entries: ", "greater than 0"},
      {"embedded:\n  partitions: 0\n", "test.yaml:2: embedded.partitions: ", "1..1000"},
      {"embedded:\n  partitions: 1001\n", "test.yaml:2: embedded.partitions: ", "1..1000"},
      {"embedded:\n  seed_dir: ''\n", "test.yaml:2: embedded.seed_dir: ", "must not be empty"},
      {"clean:\n  chrome_state_topic: 'a b'\n",
       "test.yaml:2: clean.chrome_state_topic: ", "not a valid Kafka topic name"},
      {"clean:\n  chrome_state_topic: wire.dedup-state\n",
       "test.yaml:2: clean.chrome_state_topic: ", "must differ from dedup.state_topic"},
      {"clean:\n  chrome_state_topic: wire.stories\n",
       "test.yaml:2: clean.chrome_state_topic: ", "must differ from the output topics"},
      {"clean:\n  chrome_restore_timeout: 0\n",
       "test.yaml:2: clean.chrome_restore_timeout: ", "greater than 0"},
      {"log:\n  level: verbose\n", "test.yaml:2: log.level: ", "must be one of"},
      {"log:\n  format: JSON\n", "test.yaml:2: log.format: ", "must be one of text, json"},
      {"log:\n  format: ''\n", "test.yaml:2: log.format: ", "must be one of text, json"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.yaml);
    const std::string msg = error_of(c.yaml);
    EXPECT_EQ(msg.rfind(c.prefix, 0), 0u) << msg;
    EXPECT_NE(msg.find(c.detail), std::string::npos) << msg;
  }
}

TEST(ConfigValidation, TopicNameLimits) {
  EXPECT_TRUE(is_valid_topic_name(std::string(249, 'a')));
  EXPECT_FALSE(is_valid_topic_name(std::string(250, 'a')));
  EXPECT_TRUE(is_valid_topic_name("A-z_0.9"));
  EXPECT_FALSE(is_valid_topic_name("."));
  EXPECT_FALSE(is_valid_topic_name("a:b"));
  EXPECT_FALSE(is_valid_topic_name(""));
}

TEST(ConfigValidation, BoundaryValuesAccepted) {
  Config c = parse(
      "pipeline: {workers: 256, partition_high_water: 2, partition_low_water: 1}\n"
      "embedded: {partitions: 1}\n"
      "output: {dead_letter_max_bytes: 10MiB}\n"
      "metrics: {listen: '0.0.0.0:65535'}\n"
      "log: {level: off}\n");
  EXPECT_EQ(c.pipeline.workers, 256u);
  EXPECT_EQ(c.output.dead_letter_max_bytes, c.input.max_bytes);
  EXPECT_EQ(c.log.level, "off");
}

TEST(ConfigValidation, CrossFieldErrorsBlameTheKeyThatWasSet) {
  EXPECT_EQ(error_of("", {"pipeline.partition_low_water=5000"})
                .rfind("--set pipeline.partition_low_water=5000: pipeline.partition_low_water: "
                       "must be less than pipeline.partition_high_water (1000)",
                       0),
            0u);
  EXPECT_EQ(error_of("pipeline:\n  partition_high_water: 100\n")
                .rfind("test.yaml:2: pipeline.partition_high_water: must be greater than "
                       "pipeline.partition_low_water (500)",
                       0),
            0u);
  EXPECT_EQ(error_of("input:\n  max_bytes: 1KiB\n"),
            "test.yaml:2: input.max_bytes: must be at least output.dead_letter_max_bytes (64KiB)");
  EXPECT_EQ(error_of("input:\n  topics:\n    - a\n    - wire.stories\n"),
            "test.yaml:4: input.topics[1]: topic 'wire.stories' is also output.stories_topic");
  // Both set: the first-named key is blamed.
  EXPECT_EQ(
      error_of("input:\n  topics: [x]\noutput:\n  dead_letter_topic: x\n")
          .rfind("test.yaml:4: output.dead_letter_topic: topic 'x' is also an input topic", 0),
      0u);
}

TEST(ConfigValidation, HostPort) {
  auto hp = parse_host_port("127.0.0.1:9464");
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->host, "127.0.0.1");
  EXPECT_EQ(hp->port, 9464);
  hp = parse_host_port("[::1]:0");
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->host, "::1");
  EXPECT_EQ(hp->port, 0);
  EXPECT_TRUE(parse_host_port("localhost:65535"));
  EXPECT_FALSE(parse_host_port("localhost:65536"));
  EXPECT_FALSE(parse_host_port("localhost:"));
  EXPECT_FALSE(parse_host_port("localhost:-1"));
  EXPECT_FALSE(parse_host_port("::1:80"));
  EXPECT_FALSE(parse_host_port("[::1]80"));
  EXPECT_FALSE(parse_host_port("a b:80"));
  EXPECT_FALSE(parse_host_port(""));
}

// ---- overrides --------------------------------------------------------------------------------

TEST(ConfigOverrides, ScalarsListsAndDottedPropertyNames) {
  Config c = parse("pipeline:\n  workers: 2\n",
                   {"pipeline.workers=8", "input.topics=[a, b.c]", "kafka.properties.linger.ms=20",
                    "kafka.consumer_properties.auto.offset.reset=earliest",
                    "kafka.producer_properties.sasl.jaas.config=x y z", "dedup.window=1h",
                    "embedded.echo=false", "kafka.brokers=k1:9092,k2:9092"});
  EXPECT_EQ(c.pipeline.workers, 8u);
  EXPECT_EQ(c.input.topics, (std::vector<std::string>{"a", "b.c"}));
  EXPECT_EQ(c.kafka.properties, (std::map<std::string, std::string>{{"linger.ms", "20"}}));
  EXPECT_EQ(c.kafka.consumer_properties.at("auto.offset.reset"), "earliest");
  EXPECT_EQ(c.kafka.producer_properties.at("sasl.jaas.config"), "x y z");
  EXPECT_EQ(c.dedup.index.window, 1h);
  EXPECT_FALSE(c.embedded.echo);
  EXPECT_EQ(c.kafka.brokers, "k1:9092,k2:9092");
}

TEST(ConfigOverrides, MergeIntoExistingMapsAndLaterWins) {
  Config c = parse("kafka:\n  properties:\n    a: '1'\n    b: '2'\n",
                   {"kafka.properties.b=3", "kafka.properties.c=4", "kafka.properties.c=5"});
  EXPECT_EQ(c.kafka.properties,
            (std::map<std::string, std::string>{{"a", "1"}, {"b", "3"}, {"c", "5"}}));
}

TEST(ConfigOverrides, ReplaceWholeMapWithFlowValue) {
  Config c = parse("kafka:\n  properties:\n    a: '1'\n", {"kafka.properties={x.y: 2}"});
  EXPECT_EQ(c.kafka.properties, (std::map<std::string, std::string>{{"x.y", "2"}}));
}

TEST(ConfigOverrides, IntoNullSection) {
  Config c = parse("pipeline:\n", {"pipeline.workers=3"});
  EXPECT_EQ(c.pipeline.workers, 3u);
}

TEST(ConfigOverrides, BadValueNamesOverride) {
  EXPECT_EQ(error_of("", {"pipeline.workers=abc"}),
            "--set pipeline.workers=abc: pipeline.workers: expected an unsigned integer");
  EXPECT_EQ(error_of("", {"input.topics=[a, '']"})
                .rfind("--set input.topics=[a, '']: input.topics[1]: invalid Kafka topic name", 0),
            0u);
}

TEST(ConfigOverrides, UnknownKeyNamesOverride) {
  EXPECT_EQ(
      error_of("", {"pipeline.wokers=3"})
          .rfind("--set pipeline.wokers=3: pipeline.wokers: unknown key (known: workers, ", 0),
      0u);
}

TEST(ConfigOverrides, Malformed) {
  EXPECT_EQ(error_of("", {"pipeline.workers"}),
            "--set pipeline.workers: expected dotted.key=value");
  EXPECT_EQ(error_of("", {"=3"}), "--set =3: expected dotted.key=value");
  EXPECT_NE(error_of("", {"pipeline..workers=3"}).find("empty key component"), std::string::npos);
  EXPECT_NE(
      error_of("", {"input.topics=[a"}).find("--set input.topics=[a: input.topics: invalid YAML"),
      std::string::npos);
  EXPECT_NE(error_of("log: info\n", {"log.level=debug"}).find("log is not a mapping"),
            std::string::npos);
}

TEST(ConfigOverrides, SecretValuesNotEchoedInErrors) {
  const std::string msg = error_of("", {"kafka.properties.sasl.password=[hunter2]"});
  EXPECT_EQ(msg.find("hunter2"), std::string::npos) << msg;
  EXPECT_EQ(
      msg.rfind("--set kafka.properties.sasl.password=***: kafka.properties.sasl.password: ", 0),
      0u)
      << msg;
}

// ---- environment interpolation ----------------------------------------------------------------

TEST(ConfigEnv, Interpolation) {
  auto env = env_of({{"BROKERS", "k:9092"}, {"PW", "s3cret"}, {"EMPTY", ""}, {"N", "6"}});
  Config c = parse(
      "kafka:\n"
      "  brokers: ${BROKERS}\n"
      "  group_id: grp-${MISSING:-dflt}-${EMPTY:-e}\n"
      "  properties:\n"
      "    sasl.password: \"${PW}\"\n"
      "    literal: \"$${NOT_A_VAR} and $5\"\n"
      "    empty: \"[${EMPTY}]\"\n"
      "pipeline:\n"
      "  workers: ${N}\n",
      {}, env);
  EXPECT_EQ(c.kafka.brokers, "k:9092");
  EXPECT_EQ(c.kafka.group_id, "grp-dflt-e");
  EXPECT_EQ(c.kafka.properties.at("sasl.password"), "s3cret");
  EXPECT_EQ(c.kafka.properties.at("literal"), "${NOT_A_VAR} and $5");
  EXPECT_EQ(c.kafka.properties.at("empty"), "[]");
  EXPECT_EQ(c.pipeline.workers, 6u);
}

TEST(ConfigEnv, InOverrides) {
  Config c = parse("", {"kafka.properties.sasl.username=${USER_X}"}, env_of({{"USER_X", "me"}}));
  EXPECT_EQ(c.kafka.properties.at("sasl.username"), "me");
}

TEST(ConfigEnv, UnsetVariableNamesKey) {
  EXPECT_EQ(error_of("kafka:\n  properties:\n    sasl.password: ${KAFKA_PASSWORD}\n"),
            "test.yaml:3: kafka.properties.sasl.password: environment variable KAFKA_PASSWORD is "
            "not set (write ${KAFKA_PASSWORD:-default} to give a default)");
}

TEST(ConfigEnv, MalformedReferences) {
  EXPECT_NE(error_of("log:\n  level: ${LEVEL\n").find("test.yaml:2: log.level: unterminated"),
            std::string::npos);
  EXPECT_NE(error_of("log:\n  level: ${1X}\n").find("test.yaml:2: log.level: invalid environment"),
            std::string::npos);
}

TEST(ConfigEnv, InterpolatedValueIsStillValidated) {
  EXPECT_EQ(error_of("pipeline:\n  workers: ${W}\n", {}, env_of({{"W", "0"}}))
                .rfind("test.yaml:2: pipeline.workers: must be in 1..256", 0),
            0u);
}

// ---- durations and sizes ----------------------------------------------------------------------

TEST(ConfigUnits, Durations) {
  EXPECT_EQ(parse_duration("500ms", 1s), 500ms);
  EXPECT_EQ(parse_duration("10s", 1ms), 10s);
  EXPECT_EQ(parse_duration("5m", 1ms), 5min);
  EXPECT_EQ(parse_duration("72h", 1ms), 72h);
  EXPECT_EQ(parse_duration("1h30m", 1ms), 90min);
  EXPECT_EQ(parse_duration("1m30s250ms", 1ms), 90250ms);
  EXPECT_EQ(parse_duration("15", 1s), 15s);
  EXPECT_EQ(parse_duration("15", 1ms), 15ms);
  EXPECT_EQ(parse_duration("0", 1s), 0ms);
  for (const char* bad : {"", "s", "-5s", "1.5s", "10 s", "10sec", "1d", "h1", "1h30",
                          "99999999999999999999s", "9223372036854775807h", "5s "})
    EXPECT_FALSE(parse_duration(bad, 1ms)) << bad;
}

TEST(ConfigUnits, DurationFormatRoundTrips) {
  EXPECT_EQ(format_duration(0ms), "0s");
  EXPECT_EQ(format_duration(10s), "10s");
  EXPECT_EQ(format_duration(72h), "72h");
  EXPECT_EQ(format_duration(90min), "1h30m");
  EXPECT_EQ(format_duration(1500ms), "1s500ms");
  for (milliseconds d : {0ms, 1ms, 999ms, 1000ms, 61001ms, milliseconds(72h + 1s)})
    EXPECT_EQ(parse_duration(format_duration(d), 1ms), d) << format_duration(d);
}

TEST(ConfigUnits, Sizes) {
  EXPECT_EQ(parse_size("0"), 0u);
  EXPECT_EQ(parse_size("1234"), 1234u);
  EXPECT_EQ(parse_size("64KiB"), 64u * 1024);
  EXPECT_EQ(parse_size("10MiB"), 10u * 1024 * 1024);
  EXPECT_EQ(parse_size("1GiB"), 1u << 30);
  EXPECT_EQ(parse_size("10MB"), 10'000'000u);
  EXPECT_EQ(parse_size("2KB"), 2000u);
  EXPECT_EQ(parse_size("1gb"), 1'000'000'000u);
  EXPECT_EQ(parse_size("5 MiB"), 5u << 20);
  EXPECT_EQ(parse_size("7B"), 7u);
  for (const char* bad : {"", "KiB", "1.5MiB", "-1", "10 ", "10XB", "10 Mi", "99999999999TiB"})
    EXPECT_FALSE(parse_size(bad)) << bad;
  EXPECT_EQ(format_size(0), "0");
  EXPECT_EQ(format_size(64u << 10), "64KiB");
  EXPECT_EQ(format_size(10'000'000), "10000000");
  EXPECT_EQ(format_size(3u << 30), "3GiB");
}

// ---- rendering --------------------------------------------------------------------------------

TEST(ConfigRender, RedactsSecrets) {
  Config c;
  c.kafka.properties = {{"sasl.password", "S3KRIT-1"},
                        {"ssl.key.password", "S3KRIT-2"},
                        {"sasl.jaas.config", "S3KRIT-3"},
                        {"ssl.key.pem", "S3KRIT-4"},
                        {"sasl.oauthbearer.token.endpoint.url", "S3KRIT-5"},
                        {"client.secret", "S3KRIT-6"},
                        {"SASL.PASSWORD.upper", "S3KRIT-7"},
                        {"sasl.username", "visible-user"}};
  c.kafka.consumer_properties = {{"ssl.keystore.password", "S3KRIT-8"}};
  c.kafka.producer_properties = {{"api.token", "S3KRIT-9"}};
  const std::string out = render_config(c);
  EXPECT_EQ(out.find("S3KRIT"), std::string::npos) << "a secret leaked:\n" << out;
  EXPECT_NE(out.find("visible-user"), std::string::npos) << out;
  YAML::Node y = YAML::Load(out);
  EXPECT_EQ(y["kafka"]["properties"]["sasl.password"].as<std::string>(), "***");
  EXPECT_EQ(y["kafka"]["consumer_properties"]["ssl.keystore.password"].as<std::string>(), "***");
  EXPECT_EQ(y["kafka"]["producer_properties"]["api.token"].as<std::string>(), "***");
}

TEST(ConfigRender, RoundTrips) {
  const char* yaml = R"(
kafka:
  brokers: "k1:9092"
  group_id: "true"
  properties: {linger.ms: 20, weird: "a ${b} c", sasl.username: u}
  consumer_properties: {auto.offset.reset: earliest}
input: {topics: [x, y], max_bytes: 1000001}
output: {stories_topic: s, duplicates_topic: d, dead_letter_topic: dl, dead_letter_max_bytes: 3KiB}
metrics: {listen: "[::1]:9000"}
pipeline: {workers: 3, partition_high_water: 7, partition_low_water: 6, max_inflight_bytes: 5MB,
           drain_timeout: 1500ms}
dedup: {window: 1h30m, max_entries: 9}
embedded: {seed_dir: "/a b/c", echo: false, partitions: 12}
log: {level: warn, format: json}
)";
  Config a = parse(yaml, {}, env_of({{"b", "B"}}));
  const std::string rendered = render_config(a);
  Config b = parse(rendered, {}, env_of({}));  // no env needed: values are already expanded
  EXPECT_EQ(render_config(b), rendered);
  EXPECT_EQ(b.kafka.properties.at("weird"), "a B c");
  EXPECT_EQ(b.kafka.group_id, "true");
  EXPECT_EQ(b.input.topics, a.input.topics);
  EXPECT_EQ(b.input.max_bytes, 1000001u);
  EXPECT_EQ(b.pipeline.max_inflight_bytes, 5'000'000u);
  EXPECT_EQ(b.pipeline.drain_timeout, 1500ms);
  EXPECT_EQ(b.dedup.index.window, 90min);
  EXPECT_EQ(b.embedded.seed_dir, "/a b/c");
  EXPECT_FALSE(b.embedded.echo);
  EXPECT_EQ(b.metrics.listen, "[::1]:9000");
  EXPECT_EQ(b.log.format, "json");
}

TEST(ConfigRender, DefaultsRoundTripAndNameSource) {
  Config c;
  c.source_path = "/etc/wirefeed/config.yaml";
  const std::string out = render_config(c);
  EXPECT_NE(out.find("/etc/wirefeed/config.yaml"), std::string::npos);
  expect_defaults(parse(out));
}

TEST(ConfigSummary, MentionsKeyFacts) {
  Config c = parse("input: {topics: [a, b]}\n");
  const std::string s = summarize_config(c);
  EXPECT_EQ(s.rfind("config OK: ", 0), 0u) << s;
  for (const char* part : {"brokers=embedded", "4 partitions", "input=[a,b]", "workers=2",
                           "metrics=127.0.0.1:9464", "log=info/text", "wire.stories"})
    EXPECT_NE(s.find(part), std::string::npos) << part << " in " << s;
  EXPECT_EQ(s.find('\n'), std::string::npos);
}

TEST(ConfigLog, FormatKnownKeysAndOverride) {
  EXPECT_EQ(error_of("log:\n  formatt: json\n"),
            "test.yaml:2: log.formatt: unknown key (known: level, format)");
  EXPECT_EQ(parse("", {"log.format=json"}).log.format, "json");
  EXPECT_EQ(error_of("", {"log.format=xml"})
                .rfind("--set log.format=xml: log.format: must be one of "
                       "text, json; got 'xml'",
                       0),
            0u)
      << error_of("", {"log.format=xml"});
}

// Found by fuzz_config: yaml-cpp 0.7's LoadAll loops forever (allocating) on a stray ',' that
// starts a document (jbeder/yaml-cpp#1040); config loading must fail with a located error
// instead, in the file and in a --set value.
TEST(ConfigErrors, StrayCommaIsAnErrorNotAHang) {
  EXPECT_EQ(error_of(","), "test.yaml:1: invalid YAML: unexpected token");
  EXPECT_EQ(error_of("log: {level: info}\n---\n,\n"),
            "test.yaml:3: invalid YAML: unexpected token");
  EXPECT_EQ(error_of("", {"log.level=,"}),
            "--set log.level=,: log.level: invalid YAML value: unexpected token");
  // Ordinary multi-document input is still reported as such.
  EXPECT_NE(error_of("a: 1\n---\nb: 2\n").find("expected a single YAML document, found 2"),
            std::string::npos);
}

}  // namespace
}  // namespace wirefeed::daemon

namespace wirefeed::daemon {
namespace {

TEST(ConfigSecrets, FileInterpolationReadsASecretFileAndNamesTheKeyOnError) {
  const std::filesystem::path secret =
      std::filesystem::temp_directory_path() / ("wirefeed-secret-" + std::to_string(::getpid()));
  std::ofstream(secret) << "s3cr3t\n";
  const Config c = parse_config(
      "kafka:\n  properties:\n    sasl.password: ${file:" + secret.string() + "}\n", "c.yaml");
  EXPECT_EQ(c.kafka.properties.at("sasl.password"), "s3cr3t");
  EXPECT_EQ(render_config(c).find("s3cr3t"), std::string::npos);  // redacted
  std::filesystem::remove(secret);
  try {
    (void)parse_config(
        "kafka:\n  properties:\n    sasl.password: ${file:" + secret.string() + "}\n", "c.yaml");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("c.yaml:3: kafka.properties.sasl.password"), std::string::npos) << msg;
    EXPECT_NE(msg.find("cannot read secret file"), std::string::npos) << msg;
  }
}

// Found by fuzz_config: a property name with control bytes parsed, but --print-config could not
// render it back. librdkafka names are ASCII words joined by dots.
TEST(ConfigErrors, PropertyNamesAreAsciiWords) {
  EXPECT_NE(error_of("kafka:\n  properties:\n    \"linger\\x13.ms\": 5\n").find("property name"),
            std::string::npos);
  EXPECT_NE(error_of("", {"kafka.producer_properties.li nger=5"}).find("property name"),
            std::string::npos);
  EXPECT_EQ(parse("kafka:\n  properties:\n    sasl.oauthbearer.client_id: x\n", {}, env_of({}))
                .kafka.properties.at("sasl.oauthbearer.client_id"),
            "x");
}

}  // namespace
}  // namespace wirefeed::daemon
