// KafkaSource. See kafka_source.hpp for the invariants.
#include "sources/kafka_source.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace wirefeed::sources {

std::string partition_key(std::string_view topic, int32_t partition) {
  return std::string(topic) + "/" + std::to_string(partition);
}

KafkaSource::KafkaSource(SourceSettings settings, SourceHandler& handler)
    : handler_(handler), commit_on_revoke_(settings.commit_on_revoke) {
  kafka::ConfHandle conf = kafka::make_conf(settings.properties);
  rd_kafka_conf_set_rebalance_cb(conf.get(), &KafkaSource::rebalance_cb);
  rd_kafka_conf_set_opaque(conf.get(), this);
  consumer_ = kafka::make_client(RD_KAFKA_CONSUMER, std::move(conf));
  rd_kafka_poll_set_consumer(consumer_.get());
}

// Leaves the group before the handle goes, while the partitions still exist: a consumer destroyed
// unclosed would serve its final revoke from inside rd_kafka_destroy.
KafkaSource::~KafkaSource() {
  if (!closed_) close();
}

void KafkaSource::subscribe(const std::vector<std::string>& topics) {
  kafka::PartitionListHandle subs(
      rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const auto& t : topics) {
    rd_kafka_topic_partition_list_add(subs.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  const rd_kafka_resp_err_t err = rd_kafka_subscribe(consumer_.get(), subs.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error(std::string("subscribe: ") + rd_kafka_err2str(err));
  }
}

bool KafkaSource::poll_once(int timeout_ms, bool accept) {
  kafka::MessageHandle m(rd_kafka_consumer_poll(consumer_.get(), timeout_ms));
  if (!m) return false;
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (accept) {
      std::shared_ptr<SourcePartition> p = find_partition(m.get());
      if (p) handler_.on_message(*m, std::move(p));  // not ours: redelivered to its owner
    }
  } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    spdlog::warn("consumer: {}", rd_kafka_message_errstr(m.get()));
  }
  return true;
}

std::shared_ptr<SourcePartition> KafkaSource::find_partition(const rd_kafka_message_t* m) {
  if (last_partition_ && last_rkt_ == m->rkt && last_partition_->partition == m->partition) {
    return last_partition_;
  }
  auto it = partitions_.find(partition_key(rd_kafka_topic_name(m->rkt), m->partition));
  if (it == partitions_.end()) return nullptr;
  last_rkt_ = m->rkt;
  last_partition_ = it->second;
  return last_partition_;
}

std::shared_ptr<SourcePartition> KafkaSource::find(std::string_view topic,
                                                   int32_t partition) const {
  auto it = partitions_.find(partition_key(topic, partition));
  return it == partitions_.end() ? nullptr : it->second;
}

bool KafkaSource::set_paused(SourcePartition& p, bool pause) {
  if (p.paused == pause) return false;
  kafka::PartitionListHandle list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), p.topic.c_str(), p.partition);
  const rd_kafka_resp_err_t err = pause ? rd_kafka_pause_partitions(consumer_.get(), list.get())
                                        : rd_kafka_resume_partitions(consumer_.get(), list.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    spdlog::warn("{} {}[{}]: {}", pause ? "pause" : "resume", p.topic, p.partition,
                 rd_kafka_err2str(err));
    return false;
  }
  p.paused = pause;
  return true;
}

rd_kafka_resp_err_t KafkaSource::store_offset(const SourcePartition& p, int64_t next) {
  kafka::PartitionListHandle list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), p.topic.c_str(), p.partition)->offset = next;
  return rd_kafka_offsets_store(consumer_.get(), list.get());
}

std::optional<int64_t> KafkaSource::lag(const SourcePartition& p) const {
  int64_t lo = 0, hi = 0;
  if (rd_kafka_get_watermark_offsets(consumer_.get(), p.topic.c_str(), p.partition, &lo, &hi) !=
          RD_KAFKA_RESP_ERR_NO_ERROR ||
      hi < 0) {
    return std::nullopt;
  }
  kafka::PartitionListHandle list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), p.topic.c_str(), p.partition);
  if (rd_kafka_position(consumer_.get(), list.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::nullopt;
  }
  const int64_t pos = list->elems[0].offset;
  // Nothing consumed yet: an empty partition (low == high watermark) has nothing to lag behind;
  // otherwise where consumption starts (committed offset or reset policy) is not known here.
  if (pos < 0) return hi == lo ? std::optional<int64_t>(0) : std::nullopt;
  return std::max<int64_t>(0, hi - pos);
}

rd_kafka_resp_err_t KafkaSource::commit() { return rd_kafka_commit(consumer_.get(), nullptr, 0); }

kafka::ErrorHandle KafkaSource::seek(rd_kafka_topic_partition_list_t* to, int timeout_ms) {
  return kafka::ErrorHandle(rd_kafka_seek_partitions(consumer_.get(), to, timeout_ms));
}

bool KafkaSource::assignment_lost() const { return rd_kafka_assignment_lost(consumer_.get()) != 0; }

kafka::GroupMetadataHandle KafkaSource::group_metadata() const {
  return kafka::GroupMetadataHandle(rd_kafka_consumer_group_metadata(consumer_.get()));
}

void KafkaSource::close() {
  closed_ = true;
  rd_kafka_consumer_close(consumer_.get());
}

void KafkaSource::on_assign(rd_kafka_topic_partition_list_t* parts) {
  last_partition_.reset();
  for (int i = 0; i < parts->cnt; ++i) {
    const auto& tp = parts->elems[i];
    partitions_[partition_key(tp.topic, tp.partition)] =
        handler_.make_partition(tp.topic, tp.partition);
  }
  const rd_kafka_resp_err_t err = rd_kafka_assign(consumer_.get(), parts);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) spdlog::error("assign: {}", rd_kafka_err2str(err));
  handler_.on_assigned(parts->cnt, partitions_.size());
  spdlog::info("assigned {} partition(s); now own {}", parts->cnt, partitions_.size());
}

void KafkaSource::on_revoke(rd_kafka_topic_partition_list_t* parts) {
  last_partition_.reset();
  std::vector<std::shared_ptr<SourcePartition>> states;
  for (int i = 0; i < parts->cnt; ++i) {
    auto it = partitions_.find(partition_key(parts->elems[i].topic, parts->elems[i].partition));
    if (it != partitions_.end()) states.push_back(it->second);
  }
  handler_.on_revoking(states);
  for (const auto& p : states) {
    handler_.on_partition_revoked(*p);
    if (p->paused) set_paused(*p, false);  // paused state would outlive the assignment
    partitions_.erase(partition_key(p->topic, p->partition));
  }
  if (commit_on_revoke_ && !assignment_lost()) {
    const rd_kafka_resp_err_t err = commit();
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
      spdlog::warn("commit on revoke: {}", rd_kafka_err2str(err));
    }
  }
  rd_kafka_assign(consumer_.get(), nullptr);
  handler_.on_revoked(parts->cnt, partitions_.size());
  spdlog::info("revoked {} partition(s); now own {}", parts->cnt, partitions_.size());
}

void KafkaSource::rebalance_cb(rd_kafka_t*, rd_kafka_resp_err_t err,
                               rd_kafka_topic_partition_list_t* parts, void* opaque) {
  auto* self = static_cast<KafkaSource*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    self->on_assign(parts);
  } else {
    self->on_revoke(parts);
  }
}

}  // namespace wirefeed::sources
