// Dedup stage: decides whether a story is new, an exact repeat, a near-duplicate rewrite, a
// newer or older version of a published story family, or a kill of one.
//
// Invariants:
// - Thread-safe: one index is shared by all partitions; each public call takes the lock once,
//   so two copies racing on different partitions still yield exactly one publication.
// - Never suppresses a different story: a near-duplicate needs MinHash similarity at or above
//   near_threshold AND compatible facts (the sets of numeric tokens must overlap by at least
//   numbers_threshold), so templated items (earnings, prices, results) stay distinct.
// - Bounded: entries expire when older than `window` relative to the newest event time seen,
//   and at most `max_entries` are held (oldest first evicted, with all their index keys).
// - Event time comes from the input (received_at), never from a wall clock: deterministic.
// - In-memory decisions see a story as soon as it is decided (I-4: a copy in flight is still
//   caught); durability is the caller's job (DedupState after delivery, then restore()).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "pipeline/fingerprint.hpp"

namespace wirefeed::pipeline {

struct DedupConfig {
  std::chrono::seconds window{72 * 3600};
  std::size_t max_entries = 1'000'000;
  bool near_enabled = true;
  double near_threshold = 0.5;     // MinHash Jaccard estimate for a near-duplicate
  double version_threshold = 0.3;  // looser, for tagged updates whose family key changed
  double numbers_threshold = 0.5;  // Jaccard of numeric tokens required for near/version matches
};

// What the index needs to know about one story.
struct DedupCandidate {
  std::string story_id;
  ContentHash content;
  MinHash minhash{};
  std::vector<uint32_t> numbers;
  uint64_t family = 0;            // item id or headline+dateline hash; 0 = unknown
  bool family_from_item = false;  // the source's own item id (authoritative identity)
  uint64_t location = 0;          // hash of the dateline location (0 = none)
  uint32_t version_number = 0;    // UPDATE n
  bool version_tagged = false;    // UPDATE/CORRECTED/REFILE present
  bool correction = false;        // CORRECTED/REFILE: supersedes the same version number
  bool kill = false;              // withdrawal/kill of the family
  std::chrono::sys_seconds event_time{};
};

enum class Verdict {
  kNew,           // publish a Story
  kExact,         // same normalised content already published
  kNear,          // a light rewrite of a published story
  kVersionNew,    // newer version of a published family: publish, superseding `ref_id`
  kVersionStale,  // older/equal version of a family whose newer version is out
  kCancel,        // kill/withdrawal of a family (ref_id may be empty if the family is unknown)
};

struct Decision {
  Verdict verdict = Verdict::kNew;
  std::string ref_id;       // the published story this relates to
  double similarity = 0.0;  // 1.0 for exact
  uint64_t family = 0;      // the family the story belongs to (its own when new)
};

struct DedupStats {
  std::size_t entries = 0;
  std::size_t families = 0;
  std::size_t band_keys = 0;
  uint64_t evictions = 0;
};

class DedupIndex {
 public:
  explicit DedupIndex(DedupConfig cfg) : cfg_(cfg) {}

  // Decides and, when the story is to be published (kNew, kVersionNew, kCancel), records it.
  Decision decide(const DedupCandidate& c);

  // Re-applies a recorded publication (state replay): idempotent for the same story id.
  void restore(const DedupCandidate& c, bool canceled);

  // Forgets a publication that never happened (its Story could not be delivered and became a
  // dead letter), so later copies are published instead of being suppressed as its duplicates.
  void forget(const ContentHash& content, const std::string& story_id);

  std::size_t size() const;
  DedupStats stats() const;

  // Live reload: replaces the decision thresholds (window and capacity stay as constructed).
  void set_thresholds(bool near_enabled, double near, double version, double numbers);

 private:
  struct Entry {
    std::string story_id;
    ContentHash content;
    MinHash minhash{};
    std::vector<uint32_t> numbers;
    uint64_t family = 0;
    uint64_t location = 0;
    std::chrono::sys_seconds event_time{};
    bool near_indexed = false;
  };
  struct Family {
    uint64_t seq = 0;  // entry of the latest version
    std::string story_id;
    uint32_t version_number = 0;
    std::chrono::sys_seconds event_time{};
    bool canceled = false;
  };
  struct Candidate {
    uint64_t seq = 0;
    double similarity = 0.0;
  };

  void insert_locked(const DedupCandidate& c, uint64_t family, bool canceled);
  void evict_locked();
  void pop_front_locked();
  const Entry* entry_locked(uint64_t seq) const;
  std::optional<Candidate> best_near_locked(const DedupCandidate& c, double threshold,
                                            bool same_location) const;
  bool in_window(std::chrono::sys_seconds t, std::chrono::sys_seconds now) const {
    return t + cfg_.window >= now;
  }

  DedupConfig cfg_;
  mutable std::mutex mu_;
  std::deque<Entry> entries_;  // entries_[i] has sequence number base_ + i
  uint64_t base_ = 0;
  std::unordered_map<ContentHash, uint64_t, ContentHashHasher> by_content_;
  std::unordered_map<uint64_t, Family> families_;
  std::unordered_map<uint64_t, uint64_t> bands_;  // LSH band key -> latest entry seq
  std::chrono::sys_seconds newest_{};
  uint64_t evictions_ = 0;
};

}  // namespace wirefeed::pipeline
