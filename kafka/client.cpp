// Kafka RAII helpers. See client.hpp for the invariants.
#include "kafka/client.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <stdexcept>

namespace wirefeed::kafka {

spdlog::level::level_enum log_level_of(int syslog_level) {
  if (syslog_level <= 2) return spdlog::level::critical;
  if (syslog_level == 3) return spdlog::level::err;
  if (syslog_level == 4) return spdlog::level::warn;
  if (syslog_level <= 6) return spdlog::level::info;
  return spdlog::level::debug;
}

namespace {

// librdkafka's log lines through the process's default logger (its format, its level), instead
// of librdkafka's own "%3|<time>|FAIL|..." lines on stderr.
void log_to_spdlog(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  spdlog::log(log_level_of(level), "kafka {} {}: {}", rk != nullptr ? rd_kafka_name(rk) : "-",
              fac != nullptr ? fac : "", buf != nullptr ? buf : "");
}

}  // namespace

ConfHandle make_conf(const Properties& props) {
  ConfHandle conf(rd_kafka_conf_new());
  rd_kafka_conf_set_log_cb(conf.get(), log_to_spdlog);
  std::array<char, 512> err{};
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf.get(), k.c_str(), v.c_str(), err.data(), err.size()) !=
        RD_KAFKA_CONF_OK) {
      throw std::runtime_error("kafka property '" + k + "': " + err.data());
    }
  }
  return conf;
}

KafkaHandle make_client(rd_kafka_type_t type, ConfHandle conf) {
  std::array<char, 512> err{};
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), err.data(), err.size());
  if (rk == nullptr) throw std::runtime_error(std::string("kafka client: ") + err.data());
  (void)conf.release();  // rd_kafka_new took ownership
  return KafkaHandle(rk);
}

std::vector<std::string> check_properties(const Properties& props) {
  std::vector<std::string> problems;
  const ConfHandle scratch(rd_kafka_conf_new());
  std::array<char, 512> err{};
  for (const auto& [k, v] : props) {
    err[0] = '\0';
    if (rd_kafka_conf_set(scratch.get(), k.c_str(), v.c_str(), err.data(), err.size()) !=
        RD_KAFKA_CONF_OK) {
      problems.push_back("'" + k + "': " + err.data());
    }
  }
  return problems;
}

Properties merge(std::initializer_list<const Properties*> layers) {
  Properties out;
  for (const Properties* p : layers) {
    for (const auto& [k, v] : *p) out[k] = v;
  }
  return out;
}

}  // namespace wirefeed::kafka
