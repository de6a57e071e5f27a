// Dedup stage. See dedup.hpp for the invariants.
//
// Byte budget per entry (issue 7 asks for <= 64 B; bench/dedup_scale measures it):
//   Entry record: keys, times, figures' place, flags                    48 B
//   8-bit MinHash sketch, 96 slots (verifies every LSH candidate)       96 B
//   LSH table: 12 bands x 2 slots x 4 B (fixed, sized for max_entries)  96 B
//   exact + family tables: 2 x 8 B per slot at 35-70 % load            23-46 B
//   figures: 4 B per numeric token, in a FIFO ring                      ~4 B each
// What bounds it: near-duplicate search needs, per entry, a pointer per LSH band and enough of the
// signature to verify a candidate. A 4-bit sketch (48 B) was measured and let one different story
// through the version check in bench/dedup_eval; 8 bands let one 40 %-edited rewrite slip.
#include "pipeline/dedup.hpp"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <type_traits>

#include <sys/mman.h>

namespace wirefeed::pipeline {
namespace {

// LSH banding over the full 16-bit MinHash of the candidate: kBands bands of kRows slots. A pair
// with Jaccard s shares a band with probability 1-(1-s^2)^12: 0.97 at s=0.5, 0.999 at 0.7, 0.68
// at 0.3 (the version threshold), 0.24 at 0.15. Each band key maps to recent entries, which are
// then verified on the 96-slot sketch, so a looser band only costs verification work.
constexpr std::size_t kRows = kLshRows;
constexpr std::size_t kBands = kLshBands;
static_assert(kRows * kBands <= kMinHashSlots);
constexpr std::size_t kBandSlotsPerEntry = 2;  // LSH table size: slots per entry per band
constexpr uint32_t kSeq24 = 0xFFFFFF;
constexpr std::size_t kMaxNumbersPerEntry = 256;

uint64_t mix64(uint64_t x) {  // murmur3 fmix64
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

uint32_t tag32(uint64_t key) {
  const auto t = static_cast<uint32_t>(mix64(key) >> 32);
  return t == 0 ? 1 : t;
}

uint32_t band_tag(uint64_t band_hash) {
  const auto t = static_cast<uint32_t>(band_hash & 0xFF);
  return t == 0 ? 1 : t;
}

// The exact key: both halves of the 128-bit content hash folded into 64 bits.
uint64_t content_key(const ContentHash& h) { return h.hi ^ (h.lo * 0x9E3779B97F4A7C15ULL); }

bool has_signal(const MinHash& mh) {
  return std::any_of(mh.begin(), mh.end(), [](uint16_t v) { return v != 0xFFFF; });
}

// "wf-" + 16 lowercase hex digits (every id decode() makes) -> the 64-bit value.
std::optional<uint64_t> pack_id(const std::string& id) {
  if (id.size() != 19 || id.compare(0, 3, "wf-") != 0) return std::nullopt;
  uint64_t v = 0;
  for (std::size_t i = 3; i < 19; ++i) {
    const char ch = id[i];
    const int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
    if (d < 0) return std::nullopt;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  return v;
}

std::string unpack_id(uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "wf-0000000000000000";
  for (std::size_t i = 18; i >= 3; --i, v >>= 4) out[i] = kDigits[v & 0xF];
  return out;
}

// LSH table buckets for `entries` entries.
std::size_t band_buckets(std::size_t entries) {
  return (entries * kBands * kBandSlotsPerEntry + detail::BandTable::kWays - 1) /
         detail::BandTable::kWays;
}

// Band keys of a MinHash whose first kBands * kRows slots start at `rows`.
void band_hashes_of(const uint16_t* rows, std::array<uint64_t, kBands>& out) {
  for (std::size_t b = 0; b < kBands; ++b) {
    uint64_t key = (uint64_t{b + 1} << 40);
    for (std::size_t r = 0; r < kRows; ++r) key = (key << 16) ^ rows[b * kRows + r];
    out[b] = mix64(key ^ 0x9E3779B97F4A7C15ULL);
  }
}

}  // namespace

Sketch make_sketch(const MinHash& mh) {
  Sketch s{};
  for (std::size_t i = 0; i < kSketchBytes; ++i) {
    if constexpr (kSketchBits == 8) {
      s[i] = static_cast<uint8_t>(mh[i] & 0xFF);
    } else {
      s[i] = static_cast<uint8_t>((mh[2 * i] & 0xF) | ((mh[2 * i + 1] & 0xF) << 4));
    }
  }
  return s;
}

double sketch_similarity(const Sketch& a, const Sketch& b) {
  static_assert(kSketchBytes % 8 == 0);
  std::size_t differ = 0;
  for (std::size_t w = 0; w < kSketchBytes; w += 8) {
    uint64_t x = 0, y = 0;
    std::memcpy(&x, a.data() + w, 8);
    std::memcpy(&y, b.data() + w, 8);
    uint64_t d = x ^ y;  // a slot differs iff any of its bits is set
    d |= d >> 1;
    d |= d >> 2;
    if constexpr (kSketchBits == 8) {
      d |= d >> 4;
      differ += static_cast<std::size_t>(std::popcount(d & 0x0101010101010101ULL));
    } else {
      differ += static_cast<std::size_t>(std::popcount(d & 0x1111111111111111ULL));
    }
  }
  const double agree =
      static_cast<double>(kMinHashSlots - differ) / static_cast<double>(kMinHashSlots);
  constexpr double kChance = 1.0 / static_cast<double>(1U << kSketchBits);
  return std::clamp((agree - kChance) / (1.0 - kChance), 0.0, 1.0);
}

namespace detail {

ZeroedPages::ZeroedPages(std::size_t bytes) : n_(bytes) {
  if (n_ == 0) return;
  p_ = ::mmap(nullptr, n_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p_ == MAP_FAILED) {
    p_ = nullptr;
    throw std::bad_alloc();
  }
  if (n_ >= (std::size_t{2} << 20)) ::madvise(p_, n_, MADV_HUGEPAGE);  // a hint only
}

ZeroedPages& ZeroedPages::operator=(ZeroedPages&& o) noexcept {
  if (this != &o) {
    if (p_ != nullptr) ::munmap(p_, n_);
    p_ = o.p_;
    n_ = o.n_;
    o.p_ = nullptr;
    o.n_ = 0;
  }
  return *this;
}

ZeroedPages::~ZeroedPages() {
  if (p_ != nullptr) ::munmap(p_, n_);
}

void SeqTable::grow() {
  const ZeroedPages old = std::move(mem_);
  const std::size_t old_cap = cap_;
  cap_ = old_cap == 0 ? 512 : old_cap * 2;  // 4 KiB: one page
  mem_ = ZeroedPages(cap_ * sizeof(uint64_t));
  const std::size_t mask = cap_ - 1;
  const auto* from = static_cast<const uint64_t*>(old.data());
  for (std::size_t k = 0; k < old_cap; ++k) {
    const uint64_t s = from[k];
    if (s == 0) continue;
    std::size_t i = static_cast<uint32_t>(s >> 32) & mask;
    while (slots()[i] != 0) i = (i + 1) & mask;
    slots()[i] = s;
  }
}

void SeqTable::insert(uint32_t tag, uint32_t seq) {
  if ((count_ + 1) * 10 > cap_ * 7) grow();
  uint64_t* const table = slots();
  const std::size_t mask = cap_ - 1;
  std::size_t i = tag & mask;
  while (table[i] != 0) i = (i + 1) & mask;
  table[i] = (static_cast<uint64_t>(tag) << 32) | seq;
  ++count_;
}

std::size_t SeqTable::locate(uint32_t tag, uint32_t seq) const {
  if (cap_ == 0) return std::string::npos;
  const uint64_t* const table = slots();
  const uint64_t want = (static_cast<uint64_t>(tag) << 32) | seq;
  const std::size_t mask = cap_ - 1;
  for (std::size_t i = tag & mask;; i = (i + 1) & mask) {
    if (table[i] == 0) return std::string::npos;
    if (table[i] == want) return i;
  }
}

bool SeqTable::replace(uint32_t tag, uint32_t old_seq, uint32_t new_seq) {
  const std::size_t i = locate(tag, old_seq);
  if (i == std::string::npos) return false;
  slots()[i] = (static_cast<uint64_t>(tag) << 32) | new_seq;
  return true;
}

bool SeqTable::erase(uint32_t tag, uint32_t seq) {
  std::size_t i = locate(tag, seq);
  if (i == std::string::npos) return false;
  // Backward-shift deletion: move later members of the probe run into the hole when their home
  // slot is not cyclically within (hole, their position].
  uint64_t* const table = slots();
  const std::size_t mask = cap_ - 1;
  for (std::size_t j = (i + 1) & mask; table[j] != 0; j = (j + 1) & mask) {
    const std::size_t home = static_cast<uint32_t>(table[j] >> 32) & mask;
    const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (!stays) {
      table[i] = table[j];
      i = j;
    }
  }
  table[i] = 0;
  --count_;
  return true;
}

BandTable::BandTable(std::size_t buckets)
    : mem_(std::max<std::size_t>(buckets, 16) * sizeof(Bucket)),
      buckets_(static_cast<Bucket*>(mem_.data())),  // mmap: page aligned
      n_(std::max<std::size_t>(buckets, 16)) {}

}  // namespace detail

DedupIndex::DedupIndex(DedupConfig cfg)
    : cfg_([&] {
        cfg.max_entries = std::clamp<std::size_t>(cfg.max_entries, 1, kMaxDedupEntries);
        return cfg;
      }()),
      bands_(band_buckets(std::min(cfg_.max_entries, kEarlyBandEntries))),
      bands_full_size_(cfg_.max_entries <= kEarlyBandEntries) {}

DedupIndex::Probe DedupIndex::make_probe(const DedupCandidate& c) const {
  Probe p{c, make_sketch(c.minhash), has_signal(c.minhash), {}};
  band_hashes_of(c.minhash.data(), p.band_hashes);
  return p;
}

void DedupIndex::band_insert_locked(uint64_t band_hash, uint64_t seq) {
  // Each band key keeps its most recent entries: an empty slot, else an evicted one, else the
  // bucket's oldest is replaced.
  auto& bucket = bands_.bucket(band_hash);
  const std::size_t n_live = live();
  std::size_t victim = 0;
  std::size_t victim_age = 0;
  for (std::size_t w = 0; w < detail::BandTable::kWays; ++w) {
    const uint32_t slot = bucket.slot[w];
    const std::size_t back = (slot - static_cast<uint32_t>(base_)) & kSeq24;
    const std::size_t age = slot == 0 || back >= n_live ? SIZE_MAX : n_live - back;
    if (age > victim_age) {
      victim = w;
      victim_age = age;
      if (age == SIZE_MAX) break;
    }
  }
  bucket.slot[victim] = (band_tag(band_hash) << 24) | (static_cast<uint32_t>(seq) & kSeq24);
}

void DedupIndex::grow_bands_locked() {
  bands_ = detail::BandTable(band_buckets(cfg_.max_entries));
  std::array<uint64_t, kBands> hashes{};
  for (uint64_t seq = base_; seq + 1 < end_; ++seq) {  // the newest is inserted by the caller
    const Entry& e = entry_at(seq);
    if (!(e.flags & kNearIndexed) || (e.flags & kForgotten)) continue;
    band_hashes_of(early_rows_[static_cast<std::size_t>(seq - early_base_)].data(), hashes);
    for (uint64_t h : hashes) band_insert_locked(h, seq);
  }
  early_rows_.clear();
  early_rows_.shrink_to_fit();
  bands_full_size_ = true;
}

void DedupIndex::prefetch_locked(const Probe& p) const {
  by_content_.prefetch(tag32(content_key(p.c.content)));
  if (p.c.family != 0) families_.prefetch(tag32(p.c.family));
  if (p.signal) {
    for (uint64_t h : p.band_hashes) bands_.prefetch(h);
  }
}

const DedupIndex::Entry* DedupIndex::entry_locked(uint64_t seq) const {
  if (seq < base_ || seq >= end_) return nullptr;
  return &entry_at(seq);
}

uint64_t DedupIndex::seq_from32(uint32_t s32) const {
  return base_ + static_cast<uint32_t>(s32 - static_cast<uint32_t>(base_));
}

std::optional<uint64_t> DedupIndex::find_content_locked(uint64_t content) const {
  auto s = by_content_.find(tag32(content), [&](uint32_t s32) {
    const Entry* e = entry_locked(seq_from32(s32));
    return e != nullptr && e->content == content;
  });
  if (!s) return std::nullopt;
  return seq_from32(*s);
}

std::optional<uint64_t> DedupIndex::find_family_locked(uint64_t family) const {
  if (family == 0) return std::nullopt;
  auto s = families_.find(tag32(family), [&](uint32_t s32) {
    const Entry* e = entry_locked(seq_from32(s32));
    return e != nullptr && e->family == family;
  });
  if (!s) return std::nullopt;
  return seq_from32(*s);
}

std::string DedupIndex::story_id_locked(uint64_t seq) const {
  const Entry& e = entry_at(seq);
  if (e.flags & kIdOverflow) {
    auto it = overflow_ids_.find(seq);
    return it != overflow_ids_.end() ? it->second : std::string();
  }
  return unpack_id(e.id);
}

bool DedupIndex::same_story_id_locked(uint64_t seq, const std::string& id) const {
  const Entry& e = entry_at(seq);
  if (e.flags & kIdOverflow) {
    auto it = overflow_ids_.find(seq);
    return it != overflow_ids_.end() && it->second == id;
  }
  const auto packed = pack_id(id);
  return packed && *packed == e.id;
}

std::span<const uint32_t> DedupIndex::numbers_locked(const Entry& e,
                                                     std::vector<uint32_t>& buf) const {
  const std::size_t at = static_cast<uint32_t>(e.numbers_at - static_cast<uint32_t>(numbers_base_));
  buf.assign(numbers_.begin() + static_cast<std::ptrdiff_t>(at),
             numbers_.begin() + static_cast<std::ptrdiff_t>(at + e.numbers_count));
  return buf;
}

double DedupIndex::similarity_locked(const Probe& p, const Entry& e) const {
  if (!p.signal || !(e.flags & kNearIndexed)) return 0.0;
  return sketch_similarity(p.sketch, e.sketch);
}

std::optional<DedupIndex::Candidate> DedupIndex::best_near_locked(const Probe& p, double threshold,
                                                                  bool same_location) const {
  if (!p.signal) return std::nullopt;
  const auto location = static_cast<uint32_t>(p.c.location);
  std::optional<Candidate> best;
  std::array<uint64_t, kBands * detail::BandTable::kWays> seen{};
  std::size_t n_seen = 0;
  const std::size_t n_live = live();
  for (uint64_t h : p.band_hashes) {
    const uint32_t tag = band_tag(h);
    for (uint32_t slot : bands_.bucket(h).slot) {
      if ((slot >> 24) != tag) continue;
      const std::size_t back = (slot - static_cast<uint32_t>(base_)) & kSeq24;
      if (back >= n_live) continue;  // evicted
      const uint64_t seq = base_ + back;
      if (std::find(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(n_seen), seq) !=
          seen.begin() + static_cast<std::ptrdiff_t>(n_seen)) {
        continue;
      }
      seen[n_seen++] = seq;
      const Entry& e = entry_at(seq);
      if ((e.flags & kForgotten) || !in_window(time_of(e), p.c.event_time)) continue;
      if (same_location && e.location != location) continue;
      const double sim = similarity_locked(p, e);
      if (sim < threshold || (best && sim <= best->similarity)) continue;
      if (numbers_similarity(p.c.numbers, numbers_locked(e, numbers_scratch_)) <
          cfg_.numbers_threshold) {
        continue;
      }
      best = Candidate{seq, sim};
    }
  }
  return best;
}

Decision DedupIndex::decide(const DedupCandidate& c) {
  const Probe p = make_probe(c);  // hashing needs no lock
  std::lock_guard lock(mu_);
  prefetch_locked(p);  // the table slots this decision reads, all at once
  if (c.event_time > newest_) newest_ = c.event_time;
  evict_locked();

  // 1. Exact: the same normalised content was published within the window (a kill repeats
  //    the killed story's text, so it is never an exact duplicate).
  if (!c.kill) {
    if (auto seq = find_content_locked(content_key(c.content))) {
      const Entry& e = entry_at(*seq);
      if (in_window(time_of(e), c.event_time)) {
        return Decision{Verdict::kExact, story_id_locked(*seq), 1.0, e.family};
      }
    }
  }

  // 2. Family: by item id / headline+dateline key, else (for tagged versions) by similarity.
  std::optional<uint64_t> head;  // seq of the family's latest version
  uint64_t fam_key = 0;
  double fam_similarity = 0.0;
  if (auto h = find_family_locked(c.family)) {
    // An item id is authoritative. A headline+dateline key is only a hint: recurring reports
    // ("Gold prices", "Weather") reuse headlines, so the content must also be similar.
    const Entry& e = entry_at(*h);
    const double sim = similarity_locked(p, e);
    const bool facts = numbers_containment(c.numbers, numbers_locked(e, numbers_scratch_)) >=
                       cfg_.numbers_threshold;
    if (c.family_from_item || (sim >= cfg_.version_threshold && facts)) {
      head = h;
      fam_key = c.family;
      fam_similarity = sim;
    }
  }
  if (!head && (c.version_tagged || c.kill) && !c.family_from_item) {
    if (auto cand = best_near_locked(p, cfg_.version_threshold, c.location != 0)) {
      const uint64_t family = entry_at(cand->seq).family;
      if (auto h = find_family_locked(family)) {
        head = h;
        fam_key = family;
        fam_similarity = cand->similarity;
      }
    }
  }
  if (head && !in_window(time_of(entry_at(*head)), c.event_time)) head.reset();

  if (c.kill) {
    Decision d{Verdict::kCancel, head ? story_id_locked(*head) : std::string(), 0.0,
               head ? fam_key : c.family};
    insert_locked(p, d.family, true);
    return d;
  }
  if (head) {
    const Entry& f = entry_at(*head);
    if (f.flags & kCanceled) {
      return Decision{Verdict::kVersionStale, story_id_locked(*head), fam_similarity, fam_key};
    }
    const bool newer = c.version_number > f.version_number ||
                       (c.version_number == f.version_number &&
                        (c.correction || c.family_from_item) && c.event_time >= time_of(f));
    if (newer) {
      Decision d{Verdict::kVersionNew, story_id_locked(*head), fam_similarity, fam_key};
      insert_locked(p, fam_key, false);
      return d;
    }
    if (c.family_from_item || c.version_tagged || c.version_number < f.version_number) {
      return Decision{Verdict::kVersionStale, story_id_locked(*head), fam_similarity, fam_key};
    }
    // Same family key, same version, not a correction: judge it as content below.
  }

  // 3. Near-duplicate rewrite of any published story.
  if (cfg_.near_enabled) {
    if (auto cand = best_near_locked(p, cfg_.near_threshold, false)) {
      return Decision{Verdict::kNear, story_id_locked(cand->seq), cand->similarity,
                      entry_at(cand->seq).family};
    }
  }

  // 4. New story (a same-key story with different content starts its own family entry).
  const uint64_t family =
      c.family != 0 ? c.family : XXH3_64bits(c.story_id.data(), c.story_id.size());
  insert_locked(p, family, false);
  return Decision{Verdict::kNew, {}, 0.0, family};
}

void DedupIndex::restore(const DedupCandidate& c, bool canceled) {
  const Probe p = make_probe(c);
  std::lock_guard lock(mu_);
  prefetch_locked(p);
  if (c.event_time > newest_) newest_ = c.event_time;
  if (auto seq = find_content_locked(content_key(c.content));
      seq && same_story_id_locked(*seq, c.story_id)) {
    return;  // already known (our own write coming back, or a replayed duplicate record)
  }
  if (!in_window(c.event_time, newest_)) return;
  insert_locked(p, c.family, canceled);  // keeps a newer family head in place
  evict_locked();
}

void DedupIndex::insert_locked(const Probe& p, uint64_t family, bool canceled) {
  const DedupCandidate& c = p.c;
  if (!have_epoch_) {
    epoch_ = c.event_time;
    have_epoch_ = true;
  }
  const uint64_t seq = end_;
  const auto seq32 = static_cast<uint32_t>(seq);
  if (chunks_.empty()) first_chunk_ = seq / kChunk;
  if (seq / kChunk >= first_chunk_ + chunks_.size()) {
    static_assert(std::is_trivially_copyable_v<Entry>);  // zeroed memory is Entry{}
    chunks_.emplace_back(kChunk * sizeof(Entry));
  }
  Entry& e = entry_at(seq);
  e = Entry{};
  e.content = content_key(c.content);
  if (auto packed = pack_id(c.story_id)) {
    e.id = *packed;
  } else {
    e.flags |= kIdOverflow;
    overflow_bytes_ += 64 + c.story_id.size();
    overflow_ids_.emplace(seq, c.story_id);
  }
  e.family = family;
  e.location = static_cast<uint32_t>(c.location);
  const int64_t rel = (c.event_time - epoch_).count();
  e.time = static_cast<int32_t>(std::clamp<int64_t>(rel, std::numeric_limits<int32_t>::min(),
                                                    std::numeric_limits<int32_t>::max()));
  e.version_number = c.version_number;
  e.numbers_at = static_cast<uint32_t>(numbers_base_ + numbers_.size());
  e.numbers_count =
      static_cast<uint16_t>(std::min<std::size_t>(c.numbers.size(), kMaxNumbersPerEntry));
  numbers_.insert(numbers_.end(), c.numbers.begin(), c.numbers.begin() + e.numbers_count);
  if (canceled) e.flags |= kCanceled;
  if (p.signal) {
    e.flags |= kNearIndexed;
    e.sketch = p.sketch;
  }
  ++end_;

  if (!bands_full_size_) {
    if (early_rows_.empty()) early_base_ = seq;
    early_rows_.emplace_back();
    std::copy_n(c.minhash.begin(), kBands * kRows, early_rows_.back().begin());
    if (live() > kEarlyBandEntries) grow_bands_locked();  // rebuilds the earlier entries' keys
  }
  if (p.signal) {
    for (uint64_t h : p.band_hashes) band_insert_locked(h, seq);
  }

  if (auto old = find_content_locked(e.content); old && *old != seq) {
    by_content_.replace(tag32(e.content), static_cast<uint32_t>(*old), seq32);
  } else if (!old) {
    by_content_.insert(tag32(e.content), seq32);
  }
  if (family != 0) {
    if (auto h = find_family_locked(family); h && *h != seq) {
      const Entry& f = entry_at(*h);
      // An older version replayed after a newer one must not become the family head.
      const bool keep_head =
          !canceled && (c.version_number < f.version_number ||
                        (c.version_number == f.version_number && c.event_time < time_of(f)));
      if (!keep_head) families_.replace(tag32(family), static_cast<uint32_t>(*h), seq32);
    } else if (!h) {
      families_.insert(tag32(family), seq32);
    }
  }
  while (live() > cfg_.max_entries) pop_front_locked();
}

void DedupIndex::forget(const ContentHash& content, const std::string& story_id) {
  std::lock_guard lock(mu_);
  const auto seq = find_content_locked(content_key(content));
  if (!seq || !same_story_id_locked(*seq, story_id)) return;
  Entry& e = entry_at(*seq);
  by_content_.erase(tag32(e.content), static_cast<uint32_t>(*seq));
  if (e.family != 0) families_.erase(tag32(e.family), static_cast<uint32_t>(*seq));
  // The entry stays in the FIFO as an unreachable tombstone until it is evicted in order.
  e.flags |= kForgotten;
}

void DedupIndex::pop_front_locked() {
  const uint64_t seq = base_;
  const Entry& e = entry_at(seq);
  const auto seq32 = static_cast<uint32_t>(seq);
  by_content_.erase(tag32(e.content), seq32);  // no-op when a later copy took the key over
  if (e.family != 0) families_.erase(tag32(e.family), seq32);  // only if it is the head
  if (e.flags & kIdOverflow) {
    if (auto it = overflow_ids_.find(seq); it != overflow_ids_.end()) {
      overflow_bytes_ -= 64 + it->second.size();
      overflow_ids_.erase(it);
    }
  }
  // The entries' figures are in the ring in entry order: the oldest entry's come first.
  numbers_.erase(numbers_.begin(), numbers_.begin() + e.numbers_count);
  numbers_base_ += e.numbers_count;
  if (!early_rows_.empty() && early_base_ == seq) {
    early_rows_.pop_front();
    ++early_base_;
  }
  ++base_;
  ++evictions_;
  if (base_ / kChunk > first_chunk_) {  // left the front chunk
    chunks_.pop_front();
    ++first_chunk_;
  }
}

void DedupIndex::evict_locked() {
  while (base_ != end_ && !in_window(time_of(entry_at(base_)), newest_)) pop_front_locked();
}

std::size_t DedupIndex::size() const {
  std::lock_guard lock(mu_);
  return live();
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
  DedupStats s;
  s.entries = live();
  s.families = families_.size();
  s.evictions = evictions_;
  s.band_table_bytes = bands_.bytes();
  s.bytes = chunks_.size() * kChunk * sizeof(Entry) + numbers_.size() * sizeof(uint32_t) +
            by_content_.bytes() + families_.bytes() + bands_.bytes() + overflow_bytes_ +
            early_rows_.size() * sizeof(early_rows_.front());
  return s;
}

}  // namespace wirefeed::pipeline
