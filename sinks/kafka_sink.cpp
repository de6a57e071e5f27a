// KafkaSink. See kafka_sink.hpp for the invariants.
#include "sinks/kafka_sink.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <array>
#include <utility>

namespace wirefeed::sinks {

using kafka::ConfHandle;
using kafka::ErrorHandle;
using kafka::KafkaHandle;
using kafka::kOriginHeader;
using kafka::MetadataHandle;
using kafka::Properties;

KafkaSink::KafkaSink(Properties props, OnDelivery on_delivery, OnError on_error,
                     OnPollRound on_poll_round)
    : props_(std::move(props)),
      on_delivery_(std::move(on_delivery)),
      on_error_(std::move(on_error)),
      on_poll_round_(std::move(on_poll_round)) {
  if (auto it = props_.find("transactional.id"); it != props_.end()) transactional_id_ = it->second;
  props_["enable.idempotence"] = "true";
  props_.emplace("acks", "all");
  props_.emplace("linger.ms", "5");
  rk_ = make_handle();
  poller_ = std::thread([this] { poll_loop(); });
}

KafkaHandle KafkaSink::make_handle() {
  ConfHandle conf = kafka::make_conf(props_);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaSink::dr_cb);
  rd_kafka_conf_set_error_cb(conf.get(), &KafkaSink::error_cb);
  rd_kafka_conf_set_opaque(conf.get(), this);
  return kafka::make_client(RD_KAFKA_PRODUCER, std::move(conf));
}

// Poll thread only. The old handle's remaining records come back through dr_cb with ERR__FATAL
// or ERR__PURGE_*, after the new handle is in place, so the owner's re-sends go to the new one.
void KafkaSink::replace_handle() {
  std::array<char, 512> reason{};
  const rd_kafka_resp_err_t cause = rd_kafka_fatal_error(rk_.get(), reason.data(), reason.size());
  spdlog::error("producer: fatal error {} ({}); replacing the producer and re-sending {} record(s)",
                rd_kafka_err2name(cause), reason.data(), rd_kafka_outq_len(rk_.get()));
  KafkaHandle old;
  try {
    KafkaHandle fresh = make_handle();
    std::unique_lock lock(handle_mu_);
    old = std::exchange(rk_, std::move(fresh));
  } catch (const std::exception& e) {
    spdlog::error("producer: cannot create a new producer: {}", e.what());
    return;  // fatal_ stays set: tried again on the next poll round
  }
  fatal_.store(false);
  recreated_.fetch_add(1);
  rd_kafka_purge(old.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (rd_kafka_outq_len(old.get()) > 0 && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_poll(old.get(), 100);
  }
  rd_kafka_poll(old.get(), 0);
}

KafkaSink::~KafkaSink() {
  stop_.store(true);
  if (poller_.joinable()) poller_.join();
  // Deliver (or fail) whatever is left so every enqueued record gets its report.
  rd_kafka_flush(rk_.get(), 5000);
  rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(rk_.get(), 0);
}

void KafkaSink::poll_loop() {
  pthread_setname_np(pthread_self(), "wf-delivery");  // delivery reports run here (perf, top)
  auto last_probe = std::chrono::steady_clock::time_point{};
  while (!stop_.load(std::memory_order_relaxed)) {
    rd_kafka_poll(rk_.get(), 50);
    if (on_poll_round_) on_poll_round_();
    if (fatal_.load() && !transactional()) replace_handle();  // transactional: the owner asks
    if (recreate_requested_.exchange(false)) replace_handle();
    const auto now = std::chrono::steady_clock::now();
    if (!connected_.load(std::memory_order_relaxed) && now - last_probe > std::chrono::seconds(1)) {
      last_probe = now;
      const rd_kafka_metadata_t* md = nullptr;
      if (rd_kafka_metadata(rk_.get(), 0, nullptr, &md, 1000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        MetadataHandle owned(md);
        connected_.store(md->broker_cnt > 0);
      }
    }
  }
}

void KafkaSink::dr_cb(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* self = static_cast<KafkaSink*>(opaque);
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) self->connected_.store(true, std::memory_order_relaxed);
  DeliveryReport r;
  r.opaque = m->_private;
  r.err = m->err;
  r.topic = m->rkt != nullptr ? rd_kafka_topic_name(m->rkt) : "";
  r.partition = m->partition;
  r.offset = m->offset;
  r.payload = m->payload;
  r.len = m->len;
  self->on_delivery_(r);
}

void KafkaSink::error_cb(rd_kafka_t*, int err, const char* reason, void* opaque) {
  auto* self = static_cast<KafkaSink*>(opaque);
  const auto code = static_cast<rd_kafka_resp_err_t>(err);
  if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) self->connected_.store(false);
  if (code == RD_KAFKA_RESP_ERR__FATAL) self->fatal_.store(true);  // the poll thread replaces rk_
  if (self->on_error_) self->on_error_(code, reason != nullptr ? reason : "");
}

rd_kafka_resp_err_t KafkaSink::produce(const pipeline::EncodedOutput& out, void* opaque,
                                       const std::atomic<bool>& abandon, bool may_wait) {
  for (;;) {
    rd_kafka_headers_t* hdrs = rd_kafka_headers_new(3);
    rd_kafka_header_add(hdrs, "content-type", -1, out.content_type, -1);
    rd_kafka_header_add(hdrs, kafka::kSchemaHeader, -1, out.schema, -1);
    if (transactional()) {
      rd_kafka_header_add(hdrs, kOriginHeader, -1, transactional_id_.data(),
                          static_cast<ssize_t>(transactional_id_.size()));
    }

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"  // RD_KAFKA_V_* macros
#pragma GCC diagnostic ignored "-Wpedantic"        // clang: their GNU statement expressions
    std::shared_lock lock(handle_mu_);
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        rk_.get(), RD_KAFKA_V_TOPIC(out.topic.c_str()),
        RD_KAFKA_V_KEY(out.key.data(), out.key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(out.payload.data()), out.payload.size()),
        RD_KAFKA_V_MSGFLAGS(0), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(opaque),
        RD_KAFKA_V_END);
#pragma GCC diagnostic pop
    lock.unlock();

    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return err;  // headers now owned by the message
    rd_kafka_headers_destroy(hdrs);
    const bool wait =
        may_wait && (err == RD_KAFKA_RESP_ERR__QUEUE_FULL ||
                     (err == RD_KAFKA_RESP_ERR__FATAL && !transactional()));  // until replaced
    if (!wait || abandon.load(std::memory_order_relaxed)) return err;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the poll thread drains
  }
}

bool KafkaSink::flush(std::chrono::milliseconds timeout) {
  // The poll thread serves delivery reports; wait for the queue to drain.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (outstanding() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

ErrorHandle KafkaSink::txn_init(std::chrono::milliseconds timeout) {
  std::shared_lock lock(handle_mu_);
  return ErrorHandle(rd_kafka_init_transactions(rk_.get(), static_cast<int>(timeout.count())));
}

ErrorHandle KafkaSink::txn_begin() {
  std::shared_lock lock(handle_mu_);
  return ErrorHandle(rd_kafka_begin_transaction(rk_.get()));
}

ErrorHandle KafkaSink::txn_send_offsets(const rd_kafka_topic_partition_list_t* offsets,
                                        const rd_kafka_consumer_group_metadata_t* group,
                                        std::chrono::milliseconds timeout) {
  std::shared_lock lock(handle_mu_);
  return ErrorHandle(rd_kafka_send_offsets_to_transaction(rk_.get(), offsets, group,
                                                          static_cast<int>(timeout.count())));
}

ErrorHandle KafkaSink::txn_commit(std::chrono::milliseconds timeout) {
  std::shared_lock lock(handle_mu_);
  return ErrorHandle(rd_kafka_commit_transaction(rk_.get(), static_cast<int>(timeout.count())));
}

ErrorHandle KafkaSink::txn_abort(std::chrono::milliseconds timeout) {
  std::shared_lock lock(handle_mu_);
  return ErrorHandle(rd_kafka_abort_transaction(rk_.get(), static_cast<int>(timeout.count())));
}

// Any thread but the poll thread: the poll thread swaps the handle (it polls rk_ unlocked).
void KafkaSink::recreate(const std::string& why) {
  spdlog::error("producer: {}; replacing the transactional producer (its successor fences it)",
                why);
  const uint64_t before = recreated_.load();
  recreate_requested_.store(true);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (recreated_.load() == before && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

int KafkaSink::outstanding() const {
  std::shared_lock lock(handle_mu_);
  return rd_kafka_outq_len(rk_.get());
}

}  // namespace wirefeed::sinks
