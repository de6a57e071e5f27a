// EmbeddedCluster. See embedded_broker.hpp for the invariants.
#include "daemon/embedded_broker.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace wirefeed::daemon {

EmbeddedCluster::EmbeddedCluster(int brokers) {
  kafka::ConfHandle conf = kafka::make_conf({{"log_level", "3"}});
  host_ = kafka::make_client(RD_KAFKA_PRODUCER, std::move(conf));
  mock_.reset(rd_kafka_mock_cluster_new(host_.get(), brokers));
  if (!mock_) throw std::runtime_error("embedded broker: rd_kafka_mock_cluster_new failed");
  bootstrap_ = rd_kafka_mock_cluster_bootstraps(mock_.get());
}

void EmbeddedCluster::create_topic(const std::string& topic, int partitions) {
  const rd_kafka_resp_err_t err =
      rd_kafka_mock_topic_create(mock_.get(), topic.c_str(), partitions, 1);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error("embedded broker: create topic " + topic + ": " +
                             rd_kafka_err2str(err));
  }
}

std::size_t seed_topic(const std::string& bootstrap, const std::string& topic,
                       const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  if (ec) throw std::runtime_error("embedded.seed_dir " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());

  kafka::KafkaHandle rk = kafka::make_client(
      RD_KAFKA_PRODUCER,
      kafka::make_conf(
          {{"bootstrap.servers", bootstrap}, {"enable.idempotence", "true"}, {"log_level", "3"}}));
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream buf;
    buf << in.rdbuf();
    const std::string value = buf.str();
    const std::string key = path.filename().string();
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__QUEUE_FULL;
    while (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"  // RD_KAFKA_V_* macros
#pragma GCC diagnostic ignored "-Wpedantic"        // clang: their GNU statement expressions
      err = rd_kafka_producev(rk.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                              RD_KAFKA_V_KEY(key.data(), key.size()),
                              RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
#pragma GCC diagnostic pop

      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) rd_kafka_poll(rk.get(), 10);
    }
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw std::runtime_error("seed " + path.string() + ": " + rd_kafka_err2str(err));
    }
  }
  if (rd_kafka_flush(rk.get(), 30000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error("seed: delivery to " + topic + " timed out");
  }
  return files.size();
}

}  // namespace wirefeed::daemon
