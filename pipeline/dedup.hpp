// Dedup stage: decides whether a story is new, an exact repeat, a near-duplicate rewrite, a
// newer or older version of a published story family, or a kill of one.
//
// Invariants:
// - Thread-safe: one index is shared by all partitions; each public call takes the lock once,
//   so two copies racing on different partitions still yield exactly one publication.
// - Never suppresses a different story: a near-duplicate needs MinHash similarity at or above
//   near_threshold (more for short texts: required_similarity()) AND agreeing evidence
//   (story_evidence.hpp): the same subjects and no changed figure, so templated items
//   (dividends, earnings, prices, results) stay distinct. A headline-family match whose subjects
//   agree but whose figures changed is a new version, published. Near misses in doubt are
//   returned as `related` links, never suppressed.
// - Bounded: entries expire when older than `window` relative to the newest event time seen,
//   and at most `max_entries` are held (oldest first evicted, with all their index keys).
// - Event time comes from the input (received_at), never from a wall clock: deterministic.
// - In-memory decisions see a story as soon as it is decided (I-4: a copy in flight is still
//   caught); durability is the caller's job (DedupState after delivery, then restore()).
// - Two tiers (issue 7): every entry of the window is in the compact exact tier (a 32-byte
//   record in a FIFO: 64-bit content key, packed story id, family, time, version, flags), found
//   through two two-choice bucketed tables of 4-byte slots. Only the newest entries - at most
//   near_max_entries, none older than near_window - also sit in the near tier (8-bit MinHash
//   sketch, dateline location, figures, and LSH slots): near-duplicate, similarity-version and
//   headline-family matches only ever pair a story with a near-tier entry; exact repeats and
//   item-id families are caught over the whole window.
// - Every table slot is verified against its entry (8-bit tags), so a tag collision can only cost
//   a lookup, never a wrong decision. No per-entry heap allocation (except unusual story ids).
// - decide_batch() decides exactly as decide() called on each story in order would (it only
//   issues the memory loads of the next story early).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "pipeline/fingerprint.hpp"
#include "pipeline/story_evidence.hpp"

namespace wirefeed::pipeline {

struct DedupConfig {
  std::chrono::seconds window{72 * 3600};
  std::size_t max_entries = 1'000'000;
  bool near_enabled = true;
  double near_threshold = 0.5;     // MinHash Jaccard estimate for a near-duplicate
  double version_threshold = 0.3;  // looser, for tagged updates whose family key changed
  double numbers_threshold = 0.5;  // Jaccard of numeric tokens required for near/version matches
  // Near tier: near-duplicate rewrites and similarity-matched versions are found only among the
  // newest near_max_entries entries no older than near_window (both clamped to window and
  // max_entries). Wire rewrites and versions follow within hours; redeliveries much later.
  std::chrono::seconds near_window{24 * 3600};
  std::size_t near_max_entries = 1'000'000;
};

// What the index needs to know about one story.
struct DedupCandidate {
  std::string story_id;
  ContentHash content;
  MinHash minhash{};
  std::vector<uint32_t> numbers;  // evidence keys: facts and subjects (story_evidence.hpp)
  std::size_t tokens = 0;         // normalised words of the story (0 = unknown: no length rule)
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

// A published story the decided one resembles without being its copy (a doubt link).
struct RelatedStory {
  std::string story_id;
  double similarity = 0.0;
  bool same_event = false;  // subjects agree, figures changed; else a possible duplicate
  DedupReason reason = DedupReason::kNew;  // why it was not called a copy
  EvidenceComparison evidence;
};

inline constexpr std::size_t kMaxRelated = 3;

struct Decision {
  Verdict verdict = Verdict::kNew;
  std::string ref_id;                      // the published story this relates to
  double similarity = 0.0;                 // 1.0 for exact
  uint64_t family = 0;                     // the family the story belongs to (its own when new)
  DedupReason reason = DedupReason::kNew;  // the rule that decided
  EvidenceComparison evidence;             // against ref_id (empty for exact and new)
  std::vector<RelatedStory> related;       // kNew / kVersionNew: up to kMaxRelated, best first
};

struct DedupStats {
  std::size_t entries = 0;
  std::size_t families = 0;
  uint64_t evictions = 0;
  // Accounted memory of the index (entries, figures ring, tables, overflow ids), in bytes.
  std::size_t bytes = 0;
  std::size_t band_table_bytes = 0;  // part of `bytes`: fixed, sized for near_max_entries
  std::size_t key_table_bytes = 0;   // part of `bytes`: exact + family tables, for max_entries
  std::size_t near_entries = 0;      // entries also in the near tier
  std::size_t near_bytes = 0;  // part of `bytes`: near records, figures, LSH table, early rows
  std::size_t stashed = 0;     // table keys that found both buckets full (expected ~0)
};

// LSH banding over the candidate's full 16-bit MinHash: kLshBands bands of kLshRows slots.
inline constexpr std::size_t kLshRows = 2;
inline constexpr std::size_t kLshBands = 12;

// Largest supported dedup.max_entries: LSH slots hold 24-bit entry sequence numbers.
inline constexpr std::size_t kMaxDedupEntries = (std::size_t{1} << 24) - 2;

// b-bit MinHash kept per entry: the low kSketchBits bits of each of the kMinHashSlots slots.
// 8 bits: with 4 (half the bytes) the estimate's noise let one recurring report pass the
// 0.3 version threshold in bench/dedup_eval (a different story suppressed), so 8 it is.
inline constexpr std::size_t kSketchBits = 8;
static_assert(kSketchBits == 4 || kSketchBits == 8);
inline constexpr std::size_t kSketchBytes = kMinHashSlots * kSketchBits / 8;
using Sketch = std::array<uint8_t, kSketchBytes>;
Sketch make_sketch(const MinHash& mh);
// Jaccard estimate from two b-bit sketches: a slot agrees by chance with probability 2^-b, so
// J = (agree - 2^-b) / (1 - 2^-b), clamped to 0..1.
double sketch_similarity(const Sketch& a, const Sketch& b);

namespace detail {

// Zero-filled anonymous memory (mmap): pages are committed when first touched, and blocks of
// 2 MiB or more ask for transparent huge pages (random probes into large tables then miss the
// TLB far less). Owns the mapping (RAII).
class ZeroedPages {
 public:
  ZeroedPages() = default;
  explicit ZeroedPages(std::size_t bytes);
  ZeroedPages(ZeroedPages&& o) noexcept : p_(o.p_), n_(o.n_) { o.p_ = nullptr, o.n_ = 0; }
  ZeroedPages& operator=(ZeroedPages&& o) noexcept;
  ZeroedPages(const ZeroedPages&) = delete;
  ZeroedPages& operator=(const ZeroedPages&) = delete;
  ~ZeroedPages();
  void* data() const { return p_; }
  std::size_t size() const { return n_; }
  // Writes to every page (keeping its contents), so all are committed now, not on first touch.
  void commit();

 private:
  void* p_ = nullptr;
  std::size_t n_ = 0;
};

// Table from a 64-bit key to the entries holding it, as 4-byte slots (8-bit tag, 24-bit entry
// sequence number) in 64-byte buckets of 16; a key may sit in either of two buckets (inserted into
// the emptier one), and the rare key finding both full goes to a small stash. Sized once for a
// capacity at <= 80 % load (pages committed as touched). Tags collide: the caller verifies each
// match against the entry.
class KeyTable {
 public:
  static constexpr std::size_t kWays = 16;
  struct alignas(64) Bucket {
    uint32_t slot[kWays];
  };
  struct Home {
    uint32_t b1, b2;
    uint32_t tag;  // 1..255, in bits 24..31 of a slot
  };
  explicit KeyTable(std::size_t capacity);
  Home home(uint64_t key) const;
  // First stored 24-bit seq under `key` for which `match(seq24)` holds.
  template <typename Match>
  std::optional<uint32_t> find(uint64_t key, Match&& match) const {
    const Home h = home(key);
    for (uint32_t b : {h.b1, h.b2}) {
      for (uint32_t s : buckets_[b].slot) {
        if ((s >> 24) == h.tag && match(s & 0xFFFFFF)) return s & 0xFFFFFF;
      }
    }
    for (const auto& [k, s] : stash_) {
      if (k == key && match(s)) return s;
    }
    return std::nullopt;
  }
  void insert(uint64_t key, uint32_t seq24);
  bool replace(uint64_t key, uint32_t old_seq24, uint32_t new_seq24);
  bool erase(uint64_t key, uint32_t seq24);
  void prefetch(uint64_t key) const {
    const Home h = home(key);
    __builtin_prefetch(&buckets_[h.b1]);
    __builtin_prefetch(&buckets_[h.b2]);
  }
  std::size_t size() const { return count_; }
  std::size_t stashed() const { return stash_.size(); }
  std::size_t bytes() const { return n_ * sizeof(Bucket) + stash_.capacity() * 16; }
  void commit() { mem_.commit(); }

 private:
  uint32_t* find_slot(uint64_t key, uint32_t value);
  ZeroedPages mem_;
  Bucket* buckets_ = nullptr;
  std::size_t n_ = 0;
  std::size_t count_ = 0;
  std::vector<std::pair<uint64_t, uint32_t>> stash_;  // (key, seq24) that found both buckets full
};

// LSH band table: buckets of 8 four-byte slots (8-bit key tag, 24-bit entry sequence number),
// allocated once (ZeroedPages) for max_entries. A full bucket replaces its
// oldest or evicted slot, so old band keys fade instead of being deleted.
class BandTable {
 public:
  static constexpr std::size_t kWays = 8;
  struct alignas(32) Bucket {
    uint32_t slot[kWays];
  };
  explicit BandTable(std::size_t buckets);
  Bucket& bucket(uint64_t key_hash) { return buckets_[index(key_hash)]; }
  const Bucket& bucket(uint64_t key_hash) const { return buckets_[index(key_hash)]; }
  void prefetch(uint64_t key_hash) const { __builtin_prefetch(&buckets_[index(key_hash)]); }
  std::size_t bytes() const { return n_ * sizeof(Bucket); }
  void commit() { mem_.commit(); }

 private:
  std::size_t index(uint64_t h) const {
    return static_cast<std::size_t>(((h >> 32) * n_) >> 32);  // n_ < 2^32: fast range
  }
  ZeroedPages mem_;
  Bucket* buckets_ = nullptr;
  std::size_t n_ = 0;
};

}  // namespace detail

// FIFO of trivially copyable records addressed by a 64-bit sequence number, in chunks of
// zeroed pages (committed as they fill, huge pages when the kernel allows): live seqs are
// [base(), end()); push_back() appends a zeroed record, pop_front() drops the oldest.
template <typename T, std::size_t kChunk>
class ChunkedFifo {
  static_assert(std::is_trivially_copyable_v<T>);  // zeroed memory is T{}

 public:
  T& operator[](uint64_t seq) {
    return static_cast<T*>(
        chunks_[static_cast<std::size_t>(seq / kChunk - first_)].data())[seq % kChunk];
  }
  const T& operator[](uint64_t seq) const {
    return static_cast<const T*>(
        chunks_[static_cast<std::size_t>(seq / kChunk - first_)].data())[seq % kChunk];
  }
  // Appends the record for sequence number `seq` (== end(), or the first one ever).
  T& push_back(uint64_t seq) {
    if (chunks_.empty()) {
      first_ = seq / kChunk;
      base_ = seq;
    }
    if (seq / kChunk >= first_ + chunks_.size()) chunks_.emplace_back(kChunk * sizeof(T));
    end_ = seq + 1;
    return (*this)[seq];
  }
  void pop_front() {
    ++base_;
    if (base_ / kChunk > first_) {  // left the front chunk
      chunks_.pop_front();
      ++first_;
    }
  }
  uint64_t base() const { return base_; }
  uint64_t end() const { return end_; }
  std::size_t size() const { return static_cast<std::size_t>(end_ - base_); }
  std::size_t bytes() const { return chunks_.size() * kChunk * sizeof(T); }

 private:
  std::deque<detail::ZeroedPages> chunks_;
  uint64_t first_ = 0;
  uint64_t base_ = 0;
  uint64_t end_ = 0;
};

class DedupIndex {
 public:
  explicit DedupIndex(DedupConfig cfg);

  // Decides and, when the story is to be published (kNew, kVersionNew, kCancel), records it.
  Decision decide(const DedupCandidate& c);

  // Decides cands[i] into out[i] (sizes must match) exactly as decide(cands[0]),
  // decide(cands[1]), ... would, under one lock, loading the next story's table slots while
  // deciding the current one. Saves a lock round trip per story; not faster than decide() on
  // the test VM (see bench/RESULTS.md).
  void decide_batch(std::span<const DedupCandidate> cands, std::span<Decision> out);

  // Re-applies a recorded publication (state replay): idempotent for the same story id.
  void restore(const DedupCandidate& c, bool canceled);

  // Forgets a publication that never happened (its Story could not be delivered and became a
  // dead letter), so later copies are published instead of being suppressed as its duplicates.
  void forget(const ContentHash& content, const std::string& story_id);

  std::size_t size() const;
  std::size_t near_size() const;  // entries in the near tier
  DedupStats stats() const;

  // Commits every page of the key tables and of the LSH table as it is now (~16 MB for 1M
  // entries: the LSH table starts at kEarlyBandEntries and is rebuilt at full size past them).
  // Otherwise pages are committed as new stories touch them at random, so while a fresh index
  // fills, a new story can pay page faults (a 2 MiB huge page is zeroed on its first touch).
  // Benchmarks call it to time the steady state; the daemon does not (RSS grows with the index).
  void commit_tables();

  // Live reload: replaces the decision thresholds (window and capacity stay as constructed).
  void set_thresholds(bool near_enabled, double near, double version, double numbers);

 private:
  enum Flags : uint8_t {
    kNearIndexed = 1,  // has a MinHash signal, in the LSH table
    kCanceled = 2,     // a kill: its family is canceled
    kIdOverflow = 4,   // story id not "wf-" + 16 hex digits: kept in overflow_ids_
    kForgotten = 8,    // forget()'s tombstone: unreachable, waits for its turn to be evicted
    kTookHead = 16,    // replaced an earlier head of its family (forget() gives it back)
  };
  struct Entry {           // exact tier: 32 bytes
    uint64_t content = 0;  // the exact key: ContentHash folded to 64 bits
    uint64_t id = 0;       // packed story id (the 16 hex digits of "wf-..."), else 0
    uint64_t family = 0;
    int32_t time = 0;             // event time, seconds since epoch_
    uint16_t version_number = 0;  // clamped to 65535
    uint8_t flags = 0;
  };
  struct NearRecord {  // near tier: 8-bit sketch, location, place of the figures
    Sketch sketch{};
    uint32_t location = 0;    // low 32 bits of the dateline location hash (0 = none)
    uint32_t numbers_at = 0;  // position of its figures in numbers_ (mod 2^32)
    uint16_t numbers_count = 0;
  };
  struct Candidate {
    uint64_t seq = 0;
    double similarity = 0.0;
    EvidenceComparison evidence;
  };
  // What a near search saw but did not accept: the deciding rejection and the doubt links.
  struct Doubts {
    DedupReason reason = DedupReason::kNew;  // of the most similar rejected candidate
    double reason_similarity = 0.0;
    std::vector<RelatedStory> related;
    // The most similar candidate about the same subjects with a changed figure: a new version.
    std::optional<Candidate> version;
  };
  // What decide() precomputes once per candidate.
  struct Probe {
    const DedupCandidate* c = nullptr;
    Sketch sketch{};
    bool signal = false;
    uint64_t content = 0;  // content key
    std::array<uint64_t, kLshBands> band_hashes{};
  };

  Probe make_probe(const DedupCandidate& c) const;
  Decision decide_locked(const Probe& p);
  void band_insert_locked(uint64_t band_hash, uint64_t seq);
  void grow_bands_locked();
  void prefetch_locked(const Probe& p) const;
  void insert_locked(const Probe& p, uint64_t family, bool canceled);
  void evict_locked();
  void pop_front_locked();
  void pop_near_front_locked();
  void restore_family_head_locked(uint64_t family);
  const Entry* entry_locked(uint64_t seq) const;
  const NearRecord* near_locked(uint64_t seq) const;
  uint64_t seq_from24(uint32_t s24) const;
  std::optional<uint64_t> find_content_locked(uint64_t content) const;
  std::optional<uint64_t> find_family_locked(uint64_t family) const;
  std::string story_id_locked(uint64_t seq) const;
  bool same_story_id_locked(uint64_t seq, const std::string& id) const;
  std::span<const uint32_t> numbers_locked(uint64_t seq, std::vector<uint32_t>& buf) const;
  double similarity_locked(const Probe& p, uint64_t seq) const;
  // Best candidate with similarity >= threshold (scaled up for short texts when `length_rule`)
  // whose evidence agrees; a tagged version (`version_search`) may change figures when its
  // subjects agree. Rejected candidates go to `doubts` when given.
  std::optional<Candidate> best_near_locked(const Probe& p, double threshold, bool same_location,
                                            bool version_search, Doubts* doubts) const;
  std::chrono::sys_seconds time_of(const Entry& e) const {
    return epoch_ + std::chrono::seconds{e.time};
  }
  bool in_window(std::chrono::sys_seconds t, std::chrono::sys_seconds now) const {
    return t + cfg_.window >= now;
  }
  bool in_near_window(std::chrono::sys_seconds t, std::chrono::sys_seconds now) const {
    return t + cfg_.near_window >= now;
  }
  std::size_t live() const { return entries_.size(); }

  DedupConfig cfg_;
  mutable std::mutex mu_;
  ChunkedFifo<Entry, 131072> entries_;   // exact tier, 4 MiB chunks
  ChunkedFifo<NearRecord, 32768> near_;  // near tier: the newest entries, ~3.4 MiB chunks
  std::deque<uint32_t> numbers_;         // figures of the near tier, in entry order
  uint64_t numbers_base_ = 0;            // absolute position of numbers_.front()
  std::unordered_map<uint64_t, std::string> overflow_ids_;  // seq -> id (unusual ids only)
  detail::KeyTable by_content_;                             // content key -> seq
  detail::KeyTable families_;  // family -> seq of its head (latest version)
  detail::BandTable bands_;    // LSH band key -> recent near-tier seqs
  // Until the near tier first holds more than kEarlyBandEntries, the LSH table is sized for that
  // many and the banded MinHash rows of the entries are kept here (FIFO, from early_base_), so
  // that the full-size table can be built from them once (then they are dropped). A short-lived
  // or small index never maps (and zeroes) a table sized for near_max_entries.
  static constexpr std::size_t kEarlyBandEntries = 65536;
  std::deque<std::array<uint16_t, kLshBands * kLshRows>> early_rows_;
  uint64_t early_base_ = 0;
  bool bands_full_size_ = false;
  uint64_t next_seq_ = 0;
  std::chrono::sys_seconds epoch_{};
  bool have_epoch_ = false;
  std::chrono::sys_seconds newest_{};
  uint64_t evictions_ = 0;
  std::size_t overflow_bytes_ = 0;
  mutable std::vector<uint32_t> numbers_scratch_;
};

}  // namespace wirefeed::pipeline
