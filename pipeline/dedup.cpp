// Dedup stage. See dedup.hpp for the invariants.
#include "pipeline/dedup.hpp"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <unordered_set>

namespace wirefeed::pipeline {
namespace {

// LSH banding: kBands bands of kRows slots. A pair with Jaccard s collides in at least one band
// with probability 1-(1-s^r)^b: ~0.45 is the 50% point for b=24, r=4.
constexpr std::size_t kRows = 4;
constexpr std::size_t kBands = kMinHashSlots / kRows;

uint64_t band_key(const MinHash& mh, std::size_t band) {
  return XXH3_64bits_withSeed(mh.data() + band * kRows, kRows * sizeof(uint16_t), band + 1);
}

bool has_signal(const MinHash& mh) {
  return std::any_of(mh.begin(), mh.end(), [](uint16_t v) { return v != 0xFFFF; });
}

}  // namespace

const DedupIndex::Entry* DedupIndex::entry_locked(uint64_t seq) const {
  if (seq < base_ || seq - base_ >= entries_.size()) return nullptr;
  return &entries_[static_cast<std::size_t>(seq - base_)];
}

std::optional<DedupIndex::Candidate> DedupIndex::best_near_locked(const DedupCandidate& c,
                                                                  double threshold,
                                                                  bool same_location) const {
  if (!has_signal(c.minhash)) return std::nullopt;
  std::optional<Candidate> best;
  std::array<uint64_t, kBands> seen{};
  std::size_t n_seen = 0;
  for (std::size_t b = 0; b < kBands; ++b) {
    auto it = bands_.find(band_key(c.minhash, b));
    if (it == bands_.end()) continue;
    const uint64_t seq = it->second;
    if (std::find(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(n_seen), seq) !=
        seen.begin() + static_cast<std::ptrdiff_t>(n_seen)) {
      continue;
    }
    seen[n_seen++] = seq;
    const Entry* e = entry_locked(seq);
    if (e == nullptr || !in_window(e->event_time, c.event_time)) continue;
    if (same_location && e->location != c.location) continue;
    if (numbers_similarity(c.numbers, e->numbers) < cfg_.numbers_threshold) continue;
    const double sim = minhash_similarity(c.minhash, e->minhash);
    if (sim >= threshold && (!best || sim > best->similarity)) best = Candidate{seq, sim};
  }
  return best;
}

Decision DedupIndex::decide(const DedupCandidate& c) {
  std::lock_guard lock(mu_);
  if (c.event_time > newest_) newest_ = c.event_time;
  evict_locked();

  // 1. Exact: the same normalised content was published within the window (a kill repeats
  //    the killed story's text, so it is never an exact duplicate).
  if (auto it = by_content_.find(c.content); it != by_content_.end()) {
    const Entry* e = entry_locked(it->second);
    if (e != nullptr && in_window(e->event_time, c.event_time) && !c.kill) {
      return Decision{Verdict::kExact, e->story_id, 1.0, e->family};
    }
  }

  // 2. Family: by item id / headline+dateline key, else (for tagged versions) by similarity.
  Family* fam = nullptr;
  uint64_t fam_key = 0;
  double fam_similarity = 0.0;
  if (c.family != 0) {
    if (auto it = families_.find(c.family); it != families_.end()) {
      // An item id is authoritative. A headline+dateline key is only a hint: recurring reports
      // ("Gold prices", "Weather") reuse headlines, so the content must also be similar.
      const Entry* head = entry_locked(it->second.seq);
      const double sim = head != nullptr ? minhash_similarity(c.minhash, head->minhash) : 0.0;
      const bool facts = head != nullptr &&
                         numbers_containment(c.numbers, head->numbers) >= cfg_.numbers_threshold;
      if (c.family_from_item || (sim >= cfg_.version_threshold && facts)) {
        fam = &it->second;
        fam_key = c.family;
        fam_similarity = sim;
      }
    }
  }
  if (fam == nullptr && (c.version_tagged || c.kill) && !c.family_from_item) {
    if (auto cand = best_near_locked(c, cfg_.version_threshold, c.location != 0)) {
      const Entry* e = entry_locked(cand->seq);
      if (auto it = families_.find(e->family); it != families_.end()) {
        fam = &it->second;
        fam_key = e->family;
        fam_similarity = cand->similarity;
      }
    }
  }
  if (fam != nullptr && !in_window(fam->event_time, c.event_time)) fam = nullptr;

  if (c.kill) {
    Decision d{Verdict::kCancel, fam != nullptr ? fam->story_id : std::string(), 0.0,
               fam != nullptr ? fam_key : c.family};
    insert_locked(c, d.family, true);
    return d;
  }
  if (fam != nullptr) {
    if (fam->canceled) {
      return Decision{Verdict::kVersionStale, fam->story_id, fam_similarity, fam_key};
    }
    const bool newer = c.version_number > fam->version_number ||
                       (c.version_number == fam->version_number &&
                        (c.correction || c.family_from_item) && c.event_time >= fam->event_time);
    if (newer) {
      Decision d{Verdict::kVersionNew, fam->story_id, fam_similarity, fam_key};
      insert_locked(c, fam_key, false);
      return d;
    }
    if (c.family_from_item || c.version_tagged || c.version_number < fam->version_number) {
      return Decision{Verdict::kVersionStale, fam->story_id, fam_similarity, fam_key};
    }
    // Same family key, same version, not a correction: judge it as content below.
  }

  // 3. Near-duplicate rewrite of any published story.
  if (cfg_.near_enabled) {
    if (auto cand = best_near_locked(c, cfg_.near_threshold, false)) {
      const Entry* e = entry_locked(cand->seq);
      return Decision{Verdict::kNear, e->story_id, cand->similarity, e->family};
    }
  }

  // 4. New story (a same-key story with different content starts its own family entry).
  const uint64_t family =
      c.family != 0 ? c.family : XXH3_64bits(c.story_id.data(), c.story_id.size());
  insert_locked(c, family, false);
  return Decision{Verdict::kNew, {}, 0.0, family};
}

void DedupIndex::restore(const DedupCandidate& c, bool canceled) {
  std::lock_guard lock(mu_);
  if (c.event_time > newest_) newest_ = c.event_time;
  if (auto it = by_content_.find(c.content); it != by_content_.end()) {
    if (const Entry* e = entry_locked(it->second); e != nullptr && e->story_id == c.story_id) {
      return;  // already known (our own write coming back, or a replayed duplicate record)
    }
  }
  if (!in_window(c.event_time, newest_)) return;
  insert_locked(c, c.family, canceled);  // keeps a newer family head in place
  evict_locked();
}

void DedupIndex::insert_locked(const DedupCandidate& c, uint64_t family, bool canceled) {
  const uint64_t seq = base_ + entries_.size();
  Entry e;
  e.story_id = c.story_id;
  e.content = c.content;
  e.minhash = c.minhash;
  e.numbers = c.numbers;
  e.family = family;
  e.location = c.location;
  e.event_time = c.event_time;
  e.near_indexed = has_signal(c.minhash);
  if (e.near_indexed) {
    for (std::size_t b = 0; b < kBands; ++b) bands_[band_key(e.minhash, b)] = seq;
  }
  by_content_[e.content] = seq;
  if (family != 0) {
    Family& f = families_[family];
    // An older version replayed after a newer one must not become the family head.
    const bool keep_head = !f.story_id.empty() && !canceled &&
                           (c.version_number < f.version_number ||
                            (c.version_number == f.version_number && c.event_time < f.event_time));
    if (!keep_head || entry_locked(f.seq) == nullptr) {
      f = Family{seq, c.story_id, c.version_number, c.event_time, canceled};
    }
  }
  entries_.push_back(std::move(e));
  while (entries_.size() > cfg_.max_entries) pop_front_locked();
}

void DedupIndex::forget(const ContentHash& content, const std::string& story_id) {
  std::lock_guard lock(mu_);
  auto it = by_content_.find(content);
  if (it == by_content_.end()) return;
  const uint64_t seq = it->second;
  const Entry* e = entry_locked(seq);
  if (e == nullptr || e->story_id != story_id) return;
  by_content_.erase(it);
  if (e->near_indexed) {
    for (std::size_t b = 0; b < kBands; ++b) {
      auto bit = bands_.find(band_key(e->minhash, b));
      if (bit != bands_.end() && bit->second == seq) bands_.erase(bit);
    }
  }
  if (auto fit = families_.find(e->family); fit != families_.end() && fit->second.seq == seq) {
    families_.erase(fit);
  }
  // The entry stays in the deque as an unreachable tombstone until it is evicted in order.
}

void DedupIndex::pop_front_locked() {
  const Entry& e = entries_.front();
  const uint64_t seq = base_;
  if (auto it = by_content_.find(e.content); it != by_content_.end() && it->second == seq) {
    by_content_.erase(it);
  }
  if (e.near_indexed) {
    for (std::size_t b = 0; b < kBands; ++b) {
      auto it = bands_.find(band_key(e.minhash, b));
      if (it != bands_.end() && it->second == seq) bands_.erase(it);
    }
  }
  if (auto it = families_.find(e.family); it != families_.end() && it->second.seq == seq) {
    families_.erase(it);
  }
  entries_.pop_front();
  ++base_;
  ++evictions_;
}

void DedupIndex::evict_locked() {
  while (!entries_.empty() && !in_window(entries_.front().event_time, newest_)) pop_front_locked();
}

std::size_t DedupIndex::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

void DedupIndex::set_thresholds(bool near_enabled, double near, double version, double numbers) {
  std::lock_guard lock(mu_);
  cfg_.near_enabled = near_enabled;
  cfg_.near_threshold = near;
  cfg_.version_threshold = version;
  cfg_.numbers_threshold = numbers;
}

DedupStats DedupIndex::stats() const {
  std::lock_guard lock(mu_);
  return DedupStats{entries_.size(), families_.size(), bands_.size(), evictions_};
}

}  // namespace wirefeed::pipeline
