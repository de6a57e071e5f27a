// Dedup stage. See dedup.hpp for the invariants.
#include "pipeline/dedup.hpp"

namespace wirefeed::pipeline {

std::optional<std::string> DedupIndex::check_and_insert(const ContentHash& hash,
                                                        const std::string& story_id,
                                                        std::chrono::sys_seconds event_time) {
  std::lock_guard lock(mu_);
  if (event_time > newest_) newest_ = event_time;
  evict_locked(newest_);
  if (auto it = entries_.find(hash); it != entries_.end()) {
    if (it->second.event_time + cfg_.window >= event_time) return it->second.story_id;
    it->second = Entry{story_id, event_time};  // outside the window: a new publication
    return std::nullopt;
  }
  entries_.emplace(hash, Entry{story_id, event_time});
  order_.push_back(hash);
  while (entries_.size() > cfg_.max_entries && !order_.empty()) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
  return std::nullopt;
}

void DedupIndex::evict_locked(std::chrono::sys_seconds now) {
  while (!order_.empty()) {
    auto it = entries_.find(order_.front());
    if (it != entries_.end() && it->second.event_time + cfg_.window >= now) break;
    if (it != entries_.end()) entries_.erase(it);
    order_.pop_front();
  }
}

std::size_t DedupIndex::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace wirefeed::pipeline
