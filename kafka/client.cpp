// Kafka RAII helpers. See client.hpp for the invariants.
#include "kafka/client.hpp"

#include <array>
#include <stdexcept>

namespace wirefeed::kafka {

ConfHandle make_conf(const Properties& props) {
  ConfHandle conf(rd_kafka_conf_new());
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

Properties merge(std::initializer_list<const Properties*> layers) {
  Properties out;
  for (const Properties* p : layers) {
    for (const auto& [k, v] : *p) out[k] = v;
  }
  return out;
}

}  // namespace wirefeed::kafka
