// TransactionCoordinator. See transaction_coordinator.hpp for the invariants.
#include "daemon/transaction_coordinator.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>
#include <utility>

#include "kafka/errors.hpp"

namespace wirefeed::daemon {

TransactionCoordinator::TransactionCoordinator(TransactionSettings settings,
                                               TransactionalProducer& producer,
                                               TransactionHost& host, pipeline::DedupIndex& index,
                                               Stats& stats)
    : settings_(std::move(settings)),
      producer_(producer),
      host_(host),
      index_(index),
      stats_(stats),
      delivery_failures_(settings_.poison_limit) {}

// One transaction API call, retried (bounded) while librdkafka says it is retriable.
TxnStep TransactionCoordinator::call(const char* what,
                                     const std::function<kafka::ErrorHandle()>& fn,
                                     std::string& why) {
  for (int attempt = 1;; ++attempt) {
    // A call blocks the consumer loop for up to delivery.transaction_timeout: count it as
    // progress so the systemd watchdog only fires when a call never returns.
    host_.progressed();
    const kafka::ErrorHandle e = fn();
    if (!e) return TxnStep::kOk;
    const TxnStep step = classify_txn_error(true, rd_kafka_error_is_fatal(e.get()) != 0,
                                            rd_kafka_error_txn_requires_abort(e.get()) != 0,
                                            rd_kafka_error_is_retriable(e.get()) != 0);
    why = std::string(what) + ": " + rd_kafka_error_string(e.get());
    if (step == TxnStep::kRetry && attempt < 10 && !stopping()) {
      spdlog::warn("transaction: {} (retriable; attempt {})", why, attempt);
      std::this_thread::sleep_for(std::chrono::milliseconds(50 * attempt));
      continue;
    }
    spdlog::warn("transaction: {} ({})", why, txn_step_name(step));
    return step == TxnStep::kRetry ? TxnStep::kAbort : step;
  }
}

bool TransactionCoordinator::init(const std::atomic<bool>& stop) {
  stop_ = &stop;
  for (int attempt = 0; !stop.load(); ++attempt) {
    std::string why;
    const TxnStep step = call(
        "init_transactions", [this] { return producer_.init(settings_.timeout); }, why);
    if (step == TxnStep::kOk) {
      spdlog::info(
          "exactly-once delivery: transactional.id '{}' ready (per transaction at most {} "
          "inputs, {}, {} ms)",
          settings_.transactional_id, settings_.limits.max_messages, settings_.limits.max_bytes,
          settings_.limits.interval.count());
      return true;
    }
    if (step == TxnStep::kFatal) producer_.recreate(why);
    const auto until = Clock::now() + std::chrono::milliseconds(std::min<int64_t>(
                                          5000, int64_t{200} << std::min(attempt, 5)));
    while (Clock::now() < until && !stop.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  return false;
}

void TransactionCoordinator::begin() {
  if (abort_streak_ > 0) {  // repeated aborts: do not spin
    std::this_thread::sleep_for(std::chrono::milliseconds(
        std::min<int64_t>(2000, int64_t{50} << std::min(abort_streak_ - 1, 6))));
  }
  for (int attempt = 0; !stopping(); ++attempt) {
    std::string why;
    if (call(
            "begin_transaction", [this] { return producer_.begin(); }, why) == TxnStep::kOk) {
      break;
    }
    producer_.recreate(why);  // begin fails only when the producer is unusable
    if (!init(*stop_)) break;
  }
  {
    std::lock_guard lock(failure_mu_);
    failure_.clear();
  }
  failed_.store(false);
  open_ = true;
}

uint64_t TransactionCoordinator::admit(std::string_view topic, int32_t partition, int64_t offset,
                                       std::size_t bytes) {
  if (!open_) begin();
  batch_.add(topic, partition, offset, bytes, Clock::now());
  stats_.transaction_open_inputs.set(static_cast<int64_t>(batch_.messages()));
  return generation_.load();
}

void TransactionCoordinator::tick() {
  if (!open_) return;
  if (failed_.load()) {
    end("an output failed");
    return;
  }
  if (const auto why = batch_.due(settings_.limits, Clock::now())) end(*why);
}

bool TransactionCoordinator::wait_inflight(std::chrono::milliseconds bound) {
  const auto deadline = Clock::now() + bound;
  while (host_.inflight() > 0) {
    if (Clock::now() >= deadline) return false;
    host_.progressed();  // bounded wait: keep the watchdog fed
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

bool TransactionCoordinator::end(std::string_view why) {
  if (!open_) return true;
  const auto started = batch_.started().value_or(Clock::now());
  if (!wait_inflight(settings_.timeout)) {
    return abort("drain_timeout", "outputs still in flight after delivery.transaction_timeout",
                 false);
  }
  if (failed_.load()) {
    std::string failure;
    {
      std::lock_guard lock(failure_mu_);
      failure = failure_;
    }
    return abort("delivery", failure, false);
  }
  const auto offsets = batch_.commit_offsets();
  kafka::PartitionListHandle list(
      rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& o : offsets) {
    if (!host_.owns(o.topic, o.partition)) continue;  // not ours any more
    rd_kafka_topic_partition_list_add(list.get(), o.topic.c_str(), o.partition)->offset = o.offset;
  }
  std::string err;
  TxnStep step = TxnStep::kOk;
  if (list->cnt > 0) {
    const kafka::GroupMetadataHandle group = host_.group_metadata();
    step = call(
        "send_offsets_to_transaction",
        [&] { return producer_.send_offsets(list.get(), group.get(), settings_.timeout); }, err);
  }
  if (step == TxnStep::kOk) {
    step = call(
        "commit_transaction", [this] { return producer_.commit(settings_.timeout); }, err);
  }
  if (step != TxnStep::kOk) {
    return abort(step == TxnStep::kFatal ? "fatal" : "abortable", err, step == TxnStep::kFatal);
  }
  const double secs = std::chrono::duration<double>(Clock::now() - started).count();
  stats_.transactions_committed_total.inc();
  stats_.transaction_duration_seconds.observe(secs);
  spdlog::debug("transaction committed ({}): {} input(s), {} partition(s), {:.3f}s", why,
                batch_.messages(), list->cnt, secs);
  rollback_.clear();
  batch_.clear();
  stats_.transaction_open_inputs.set(0);
  open_ = false;
  abort_streak_ = 0;
  return true;
}

// Aborts the open transaction (or, after a fatal error, replaces the producer: its successor's
// init_transactions fences it and aborts what it left open), forgets the batch's stories in the
// dedup index and seeks every partition of the batch back to its first offset.
bool TransactionCoordinator::abort(const char* cause, const std::string& why, bool fatal) {
  spdlog::warn("transaction aborted ({}): {}; rewinding {} input(s)", cause, why,
               batch_.messages());
  generation_.fetch_add(1);  // work still queued for this attempt produces nothing
  if (!fatal) {
    std::string err;
    if (call(
            "abort_transaction", [this] { return producer_.abort(settings_.timeout); }, err) !=
        TxnStep::kOk) {
      fatal = true;
    }
  }
  if (fatal) {
    producer_.recreate(why);
    if (stop_ != nullptr) init(*stop_);
  }
  if (!wait_inflight(settings_.timeout)) {
    spdlog::error("transaction abort: {} input(s) of the aborted attempt still in flight",
                  host_.inflight());
  }
  const std::size_t forgotten = rollback_.roll_back(index_);
  rewind(batch_.rewind_offsets());
  stats_.transactions_aborted_total.with({cause}).inc();
  spdlog::info("transaction rewound: {} stor(y/ies) forgotten by dedup, {} partition(s) seeked",
               forgotten, batch_.rewind_offsets().size());
  batch_.clear();
  stats_.transaction_open_inputs.set(0);
  open_ = false;
  ++abort_streak_;
  return false;
}

void TransactionCoordinator::rewind(const std::vector<PartitionOffset>& to) {
  kafka::PartitionListHandle list(rd_kafka_topic_partition_list_new(static_cast<int>(to.size())));
  for (const auto& o : to) {
    if (!host_.owns(o.topic, o.partition)) continue;  // next owner: committed
    rd_kafka_topic_partition_list_add(list.get(), o.topic.c_str(), o.partition)->offset = o.offset;
    host_.reset_partition(o.topic, o.partition);
  }
  if (list->cnt == 0) return;
  const kafka::ErrorHandle e = host_.seek(list.get(), 30000);
  if (e) spdlog::error("rewind: seek failed: {}", rd_kafka_error_string(e.get()));
  for (int i = 0; i < list->cnt; ++i) {
    if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      spdlog::error("rewind {}[{}] to {}: {}", list->elems[i].topic, list->elems[i].partition,
                    list->elems[i].offset, rd_kafka_err2str(list->elems[i].err));
    }
  }
}

void TransactionCoordinator::on_revoke() {
  if (host_.assignment_lost()) {
    if (open_) abort("assignment_lost", "partitions lost in a rebalance", false);
    return;
  }
  end("rebalance");
}

void TransactionCoordinator::record_published(const pipeline::ContentHash& content,
                                              std::string story_id) {
  rollback_.add(content, std::move(story_id));
}

void TransactionCoordinator::fail(const std::string& topic, int32_t partition, int64_t offset,
                                  uint64_t generation, rd_kafka_resp_err_t err,
                                  bool record_poison) {
  if (generation != generation_.load()) return;
  if (record_poison && !kafka::is_producer_failure(err) && err != RD_KAFKA_RESP_ERR__STATE) {
    delivery_failures_.record(topic, partition, offset, rd_kafka_err2str(err));
  }
  {
    std::lock_guard lock(failure_mu_);
    if (failure_.empty()) {
      failure_ = topic + "[" + std::to_string(partition) + "] offset " + std::to_string(offset) +
                 ": " + rd_kafka_err2str(err);
    }
  }
  failed_.store(true);
}

std::optional<std::string> TransactionCoordinator::take_if_poisoned(std::string_view topic,
                                                                    int32_t partition,
                                                                    int64_t offset) {
  return delivery_failures_.take_if_poisoned(topic, partition, offset);
}

}  // namespace wirefeed::daemon
