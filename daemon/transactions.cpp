// Exactly-once bookkeeping. See transactions.hpp for the invariants.
#include "daemon/transactions.hpp"

#include <algorithm>

namespace wirefeed::daemon {

void TransactionBatch::add(std::string_view topic, int32_t partition, int64_t offset,
                           std::size_t bytes, TimePoint now) {
  if (!started_) started_ = now;
  auto [it, fresh] = spans_.try_emplace({std::string(topic), partition}, Span{offset, offset});
  if (!fresh) {
    it->second.first = std::min(it->second.first, offset);
    it->second.last = std::max(it->second.last, offset);
  }
  ++messages_;
  bytes_ += bytes;
}

std::optional<std::string_view> TransactionBatch::due(const TransactionLimits& limits,
                                                      TimePoint now) const {
  if (messages_ == 0) return std::nullopt;
  if (messages_ >= limits.max_messages) return "messages";
  if (bytes_ >= limits.max_bytes) return "bytes";
  if (started_ && now - *started_ >= limits.interval) return "interval";
  return std::nullopt;
}

std::vector<PartitionOffset> TransactionBatch::commit_offsets() const {
  std::vector<PartitionOffset> out;
  out.reserve(spans_.size());
  for (const auto& [tp, span] : spans_) out.push_back({tp.first, tp.second, span.last + 1});
  return out;
}

std::vector<PartitionOffset> TransactionBatch::rewind_offsets() const {
  std::vector<PartitionOffset> out;
  out.reserve(spans_.size());
  for (const auto& [tp, span] : spans_) out.push_back({tp.first, tp.second, span.first});
  return out;
}

void TransactionBatch::clear() {
  spans_.clear();
  messages_ = 0;
  bytes_ = 0;
  started_.reset();
}

void DedupRollback::add(const pipeline::ContentHash& content, std::string story_id) {
  std::lock_guard lock(mu_);
  stories_.emplace_back(content, std::move(story_id));
}

std::size_t DedupRollback::roll_back(pipeline::DedupIndex& index) {
  std::lock_guard lock(mu_);
  const std::size_t n = stories_.size();
  for (auto it = stories_.rbegin(); it != stories_.rend(); ++it)
    index.forget(it->first, it->second);
  stories_.clear();
  return n;
}

void DedupRollback::clear() {
  std::lock_guard lock(mu_);
  stories_.clear();
}

std::size_t DedupRollback::size() const {
  std::lock_guard lock(mu_);
  return stories_.size();
}

std::string DeliveryFailures::key(std::string_view topic, int32_t partition, int64_t offset) {
  std::string k(topic);
  k += '/';
  k += std::to_string(partition);
  k += '@';
  k += std::to_string(offset);
  return k;
}

void DeliveryFailures::record(std::string_view topic, int32_t partition, int64_t offset,
                              std::string reason) {
  std::lock_guard lock(mu_);
  std::string k = key(topic, partition, offset);
  auto [it, fresh] = entries_.try_emplace(k);
  ++it->second.failures;
  it->second.reason = std::move(reason);
  if (!fresh) return;
  order_.push_back(std::move(k));
  while (order_.size() > capacity_) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
}

std::optional<std::string> DeliveryFailures::take_if_poisoned(std::string_view topic,
                                                              int32_t partition, int64_t offset) {
  std::lock_guard lock(mu_);
  if (entries_.empty()) return std::nullopt;
  const std::string k = key(topic, partition, offset);
  auto it = entries_.find(k);
  if (it == entries_.end() || it->second.failures < limit_) return std::nullopt;
  std::string reason = std::move(it->second.reason);
  entries_.erase(it);
  order_.erase(std::find(order_.begin(), order_.end(), k));
  return reason;
}

std::size_t DeliveryFailures::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

TxnStep classify_txn_error(bool has_error, bool fatal, bool requires_abort, bool retriable) {
  if (!has_error) return TxnStep::kOk;
  if (fatal) return TxnStep::kFatal;
  if (requires_abort) return TxnStep::kAbort;
  if (retriable) return TxnStep::kRetry;
  return TxnStep::kAbort;
}

std::string_view txn_step_name(TxnStep s) {
  switch (s) {
    case TxnStep::kOk:
      return "ok";
    case TxnStep::kRetry:
      return "retry";
    case TxnStep::kAbort:
      return "abort";
    case TxnStep::kFatal:
      return "fatal";
  }
  return "?";
}

}  // namespace wirefeed::daemon
