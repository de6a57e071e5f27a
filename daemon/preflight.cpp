// Start-up checks. See preflight.hpp for the invariants.
#include "daemon/preflight.hpp"

#include <filesystem>
#include <set>
#include <system_error>

#include "kafka/client.hpp"

namespace wirefeed::daemon {

std::vector<std::string> check_local(const Config& c) {
  std::vector<std::string> problems;
  const std::pair<const char*, const std::map<std::string, std::string>*> maps[] = {
      {"kafka.properties", &c.kafka.properties},
      {"kafka.consumer_properties", &c.kafka.consumer_properties},
      {"kafka.producer_properties", &c.kafka.producer_properties}};
  for (const auto& [name, props] : maps) {
    for (const std::string& p : kafka::check_properties(*props)) {
      problems.push_back(std::string(name) + ": librdkafka rejects " + p);
    }
  }
  std::error_code ec;
  if (c.embedded_mode() && !std::filesystem::is_directory(c.embedded.seed_dir, ec)) {
    problems.push_back("embedded.seed_dir: not a directory: \"" + c.embedded.seed_dir + "\"");
  }
  if (!c.clean.rules_file.empty() && !std::filesystem::is_regular_file(c.clean.rules_file, ec)) {
    problems.push_back("clean.rules_file: not a readable regular file: \"" + c.clean.rules_file +
                       "\"");
  }
  return problems;
}

std::vector<std::string> check_connect(const Config& c, std::chrono::milliseconds timeout) {
  if (c.embedded_mode()) return {};
  std::vector<std::string> problems;
  kafka::Properties base{{"bootstrap.servers", c.kafka.brokers}, {"client.id", "wirefeedd-check"}};
  kafka::KafkaHandle rk;
  try {
    rk = kafka::make_client(RD_KAFKA_PRODUCER,
                            kafka::make_conf(kafka::merge({&base, &c.kafka.properties})));
  } catch (const std::exception& e) {
    return {std::string("kafka: ") + e.what()};
  }
  const rd_kafka_metadata_t* raw = nullptr;
  const rd_kafka_resp_err_t err =
      rd_kafka_metadata(rk.get(), 1, nullptr, &raw, static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return {"kafka.brokers: cannot reach " + c.kafka.brokers + " within " +
            format_duration(timeout) + ": " + rd_kafka_err2str(err)};
  }
  const kafka::MetadataHandle md(raw);
  std::set<std::string> present;
  for (int i = 0; i < md->topic_cnt; ++i) {
    if (md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) present.insert(md->topics[i].topic);
  }
  auto need = [&](const std::string& key, const std::string& topic) {
    if (!topic.empty() && present.count(topic) == 0) {
      problems.push_back(key + ": topic '" + topic + "' does not exist on " + c.kafka.brokers);
    }
  };
  for (std::size_t i = 0; i < c.input.topics.size(); ++i) {
    need("input.topics[" + std::to_string(i) + "]", c.input.topics[i]);
  }
  need("output.stories_topic", c.output.stories_topic);
  need("output.duplicates_topic", c.output.duplicates_topic);
  need("output.dead_letter_topic", c.output.dead_letter_topic);
  need("dedup.state_topic", c.dedup.state_topic);
  need("clean.chrome_state_topic", c.clean.chrome_state_topic);
  return problems;
}

}  // namespace wirefeed::daemon
