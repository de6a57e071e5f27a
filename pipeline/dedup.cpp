// Dedup stage. See dedup.hpp for the invariants.
//
// Byte budget per entry (bench/dedup_scale measures it):
//   exact tier, every entry of the window:
//     Entry record: content key, packed id, family, time, version, flags   32 B
//     exact + family tables: 4-byte slots at <= 80 % load (sized for max)  10 B
//   near tier, the newest near_max_entries entries within near_window only:
//     near record: 8-bit MinHash sketch (96 slots), location, figures' place 108 B
//     LSH table: 12 bands x 2 slots x 4 B (sized for near_max_entries)       96 B
//     figures: 4 B per numeric token, in a FIFO ring                         ~4 B each
// What bounds the near tier: near-duplicate search needs, per entry, a pointer per LSH band and
// enough of the signature to verify a candidate. A 4-bit sketch (48 B) let one different story
// through the version check in bench/dedup_eval; 8 bands let one 40 %-edited rewrite slip.
#include "pipeline/dedup.hpp"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "pipeline/text/ascii.hpp"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <stdexcept>
#include <type_traits>

#include <sys/mman.h>
#include <unistd.h>

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
  std::string out = "wf-0000000000000000";
  for (std::size_t i = 18; i >= 3; --i, v >>= 4) out[i] = text::kHexDigits[v & 0xF];
  return out;
}

uint16_t clamp_version(uint32_t v) { return static_cast<uint16_t>(std::min<uint32_t>(v, 65535)); }

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

Decision make_decision(Verdict v, std::string ref, double similarity, uint64_t family) {
  Decision d;
  d.verdict = v;
  d.ref_id = std::move(ref);
  d.similarity = similarity;
  d.family = family;
  return d;
}

// Share of the smaller set of figures found in the other; 1.0 when either states none.
double facts_containment(const EvidenceComparison& ev) {
  const std::size_t a = ev.facts_matched + ev.facts_only_a;
  const std::size_t b = ev.facts_matched + ev.facts_only_b;
  if (a == 0 || b == 0) return 1.0;
  return static_cast<double>(ev.facts_matched) / static_cast<double>(std::min(a, b));
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
      // One flag bit per byte: the multiply sums the eight bytes into the top one (at most 8, no
      // carry), without std::popcount, which is a libgcc call on the baseline x86-64 target.
      constexpr uint64_t kByteLsb = 0x0101010101010101ULL;
      differ += static_cast<std::size_t>(((d & kByteLsb) * kByteLsb) >> 56);
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

void ZeroedPages::commit() {
  auto* bytes = static_cast<volatile unsigned char*>(p_);
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  // Rewrites the byte it read: a write fault commits the page, and a live table keeps its data.
  for (std::size_t at = 0; at < n_; at += page) bytes[at] = bytes[at];
}

KeyTable::KeyTable(std::size_t capacity)
    : mem_(std::max<std::size_t>((capacity * 5 / 4 + kWays - 1) / kWays, 4) * sizeof(Bucket)),
      buckets_(static_cast<Bucket*>(mem_.data())),  // mmap: page aligned
      n_(mem_.size() / sizeof(Bucket)) {}

KeyTable::Home KeyTable::home(uint64_t key) const {
  const uint64_t h1 = mix64(key);
  const uint64_t h2 = mix64(h1 ^ 0x9E3779B97F4A7C15ULL);
  const auto tag = static_cast<uint32_t>(h2 & 0xFF);
  return Home{static_cast<uint32_t>(((h1 >> 32) * n_) >> 32),
              static_cast<uint32_t>(((h2 >> 32) * n_) >> 32), tag == 0 ? 1 : tag};
}

void KeyTable::insert(uint64_t key, uint32_t seq24) {
  const Home h = home(key);
  const auto empties = [&](uint32_t b) {
    return std::count(std::begin(buckets_[b].slot), std::end(buckets_[b].slot), 0U);
  };
  const auto e1 = empties(h.b1);
  const auto e2 = empties(h.b2);
  ++count_;
  if (e1 == 0 && e2 == 0) {
    stash_.emplace_back(key, seq24);
    return;
  }
  auto& slots = buckets_[e1 >= e2 ? h.b1 : h.b2].slot;
  *std::find(std::begin(slots), std::end(slots), 0U) = (h.tag << 24) | (seq24 & 0xFFFFFF);
}

uint32_t* KeyTable::find_slot(uint64_t key, uint32_t seq24) {
  const Home h = home(key);
  const uint32_t want = (h.tag << 24) | seq24;
  for (uint32_t b : {h.b1, h.b2}) {
    for (uint32_t& s : buckets_[b].slot) {
      if (s == want) return &s;
    }
  }
  return nullptr;
}

bool KeyTable::replace(uint64_t key, uint32_t old_seq24, uint32_t new_seq24) {
  if (uint32_t* s = find_slot(key, old_seq24)) {
    *s = (*s & 0xFF000000) | (new_seq24 & 0xFFFFFF);
    return true;
  }
  for (auto& [k, s] : stash_) {
    if (k == key && s == old_seq24) {
      s = new_seq24;
      return true;
    }
  }
  return false;
}

bool KeyTable::erase(uint64_t key, uint32_t seq24) {
  if (uint32_t* s = find_slot(key, seq24)) {
    *s = 0;
    --count_;
    return true;
  }
  for (auto it = stash_.begin(); it != stash_.end(); ++it) {
    if (it->first == key && it->second == seq24) {
      *it = stash_.back();
      stash_.pop_back();
      --count_;
      return true;
    }
  }
  return false;
}

BandTable::BandTable(std::size_t buckets)
    : mem_(std::max<std::size_t>(buckets, 16) * sizeof(Bucket)),
      buckets_(static_cast<Bucket*>(mem_.data())),  // mmap: page aligned
      n_(std::max<std::size_t>(buckets, 16)) {}

}  // namespace detail

DedupIndex::DedupIndex(DedupConfig cfg)
    : cfg_([&] {
        cfg.max_entries = std::clamp<std::size_t>(cfg.max_entries, 1, kMaxDedupEntries);
        cfg.near_max_entries = std::clamp<std::size_t>(cfg.near_max_entries, 1, cfg.max_entries);
        cfg.near_window = std::min(cfg.near_window, cfg.window);
        return cfg;
      }()),
      by_content_(cfg_.max_entries),
      families_(cfg_.max_entries),
      bands_(band_buckets(std::min(cfg_.near_max_entries, kEarlyBandEntries))),
      bands_full_size_(cfg_.near_max_entries <= kEarlyBandEntries) {}

DedupIndex::Probe DedupIndex::make_probe(const DedupCandidate& c) const {
  Probe p;
  p.c = &c;
  p.sketch = make_sketch(c.minhash);
  p.signal = has_signal(c.minhash);
  p.content = content_key(c.content);
  band_hashes_of(c.minhash.data(), p.band_hashes);
  return p;
}

void DedupIndex::band_insert_locked(uint64_t band_hash, uint64_t seq) {
  // Each band key keeps its most recent entries: an empty slot, else one that left the near
  // tier, else the bucket's oldest is replaced.
  auto& bucket = bands_.bucket(band_hash);
  const std::size_t n_near = near_.size();
  const auto near_base = static_cast<uint32_t>(near_.base());
  std::size_t victim = 0;
  std::size_t victim_age = 0;
  for (std::size_t w = 0; w < detail::BandTable::kWays; ++w) {
    const uint32_t slot = bucket.slot[w];
    const std::size_t back = (slot - near_base) & kSeq24;
    const std::size_t age = slot == 0 || back >= n_near ? SIZE_MAX : n_near - back;
    if (age > victim_age) {
      victim = w;
      victim_age = age;
      if (age == SIZE_MAX) break;
    }
  }
  bucket.slot[victim] = (band_tag(band_hash) << 24) | (static_cast<uint32_t>(seq) & kSeq24);
}

void DedupIndex::grow_bands_locked() {
  bands_ = detail::BandTable(band_buckets(cfg_.near_max_entries));
  std::array<uint64_t, kBands> hashes{};
  for (uint64_t seq = near_.base(); seq + 1 < near_.end(); ++seq) {  // the newest: the caller
    const Entry& e = entries_[seq];
    if (!(e.flags & kNearIndexed) || (e.flags & kForgotten)) continue;
    band_hashes_of(early_rows_[static_cast<std::size_t>(seq - early_base_)].data(), hashes);
    for (uint64_t h : hashes) band_insert_locked(h, seq);
  }
  early_rows_.clear();
  early_rows_.shrink_to_fit();
  bands_full_size_ = true;
}

void DedupIndex::prefetch_locked(const Probe& p) const {
  by_content_.prefetch(p.content);
  if (p.c->family != 0) families_.prefetch(p.c->family);
  if (p.signal) {
    for (uint64_t h : p.band_hashes) bands_.prefetch(h);
  }
}

const DedupIndex::Entry* DedupIndex::entry_locked(uint64_t seq) const {
  if (seq < entries_.base() || seq >= entries_.end()) return nullptr;
  return &entries_[seq];
}

const DedupIndex::NearRecord* DedupIndex::near_locked(uint64_t seq) const {
  if (seq < near_.base() || seq >= near_.end()) return nullptr;
  return &near_[seq];
}

uint64_t DedupIndex::seq_from24(uint32_t s24) const {
  const uint64_t base = entries_.base();
  return base + ((s24 - static_cast<uint32_t>(base)) & kSeq24);
}

std::optional<uint64_t> DedupIndex::find_content_locked(uint64_t content) const {
  auto s = by_content_.find(content, [&](uint32_t s24) {
    const Entry* e = entry_locked(seq_from24(s24));
    return e != nullptr && e->content == content;
  });
  if (!s) return std::nullopt;
  return seq_from24(*s);
}

std::optional<uint64_t> DedupIndex::find_family_locked(uint64_t family) const {
  if (family == 0) return std::nullopt;
  auto s = families_.find(family, [&](uint32_t s24) {
    const Entry* e = entry_locked(seq_from24(s24));
    return e != nullptr && e->family == family;
  });
  if (!s) return std::nullopt;
  return seq_from24(*s);
}

std::string DedupIndex::story_id_locked(uint64_t seq) const {
  const Entry& e = entries_[seq];
  if (e.flags & kIdOverflow) {
    auto it = overflow_ids_.find(seq);
    return it != overflow_ids_.end() ? it->second : std::string();
  }
  return unpack_id(e.id);
}

bool DedupIndex::same_story_id_locked(uint64_t seq, const std::string& id) const {
  const Entry& e = entries_[seq];
  if (e.flags & kIdOverflow) {
    auto it = overflow_ids_.find(seq);
    return it != overflow_ids_.end() && it->second == id;
  }
  const auto packed = pack_id(id);
  return packed && *packed == e.id;
}

std::span<const uint32_t> DedupIndex::numbers_locked(uint64_t seq,
                                                     std::vector<uint32_t>& buf) const {
  buf.clear();
  const NearRecord* r = near_locked(seq);
  if (r == nullptr) return buf;
  const std::size_t at =
      static_cast<uint32_t>(r->numbers_at - static_cast<uint32_t>(numbers_base_));
  buf.assign(numbers_.begin() + static_cast<std::ptrdiff_t>(at),
             numbers_.begin() + static_cast<std::ptrdiff_t>(at + r->numbers_count));
  return buf;
}

double DedupIndex::similarity_locked(const Probe& p, uint64_t seq) const {
  const NearRecord* r = near_locked(seq);
  const Entry& e = entries_[seq];
  // Only near-tier entries within near_window of the story have a sketch to compare.
  if (!p.signal || r == nullptr || !(e.flags & kNearIndexed) ||
      !in_near_window(time_of(e), p.c->event_time)) {
    return 0.0;
  }
  return sketch_similarity(p.sketch, r->sketch);
}

std::optional<DedupIndex::Candidate> DedupIndex::best_near_locked(const Probe& p, double threshold,
                                                                  bool same_location,
                                                                  bool version_search,
                                                                  Doubts* doubts) const {
  if (!p.signal) return std::nullopt;
  const auto location = static_cast<uint32_t>(p.c->location);
  // A near-duplicate of a short text needs more similarity; doubt links reach down to the
  // version threshold.
  const double required = version_search ? threshold : required_similarity(threshold, p.c->tokens);
  const double floor = doubts != nullptr ? std::min(threshold, cfg_.version_threshold) : threshold;
  std::optional<Candidate> best;
  std::array<uint64_t, kBands * detail::BandTable::kWays> seen{};
  std::size_t n_seen = 0;
  const std::size_t n_near = near_.size();
  const auto near_base = static_cast<uint32_t>(near_.base());
  for (uint64_t h : p.band_hashes) {
    const uint32_t tag = band_tag(h);
    for (uint32_t slot : bands_.bucket(h).slot) {
      if ((slot >> 24) != tag) continue;
      const std::size_t back = (slot - near_base) & kSeq24;
      if (back >= n_near) continue;  // left the near tier
      const uint64_t seq = near_.base() + back;
      if (std::find(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(n_seen), seq) !=
          seen.begin() + static_cast<std::ptrdiff_t>(n_seen)) {
        continue;
      }
      seen[n_seen++] = seq;
      const Entry& e = entries_[seq];
      if ((e.flags & kForgotten) || !in_window(time_of(e), p.c->event_time)) continue;
      if (same_location && near_[seq].location != location) continue;
      const double sim = similarity_locked(p, seq);
      if (sim < floor || (best && sim <= best->similarity && doubts == nullptr)) continue;
      const EvidenceComparison ev =
          compare_evidence(p.c->numbers, numbers_locked(seq, numbers_scratch_));
      const bool figures_ok =
          !ev.facts_changed() && facts_containment(ev) >= cfg_.numbers_threshold;
      DedupReason why = DedupReason::kNew;
      const bool strong = ev.subjects_strongly_agree();
      if (ev.subjects_differ()) {
        why = DedupReason::kSubjectDiffers;
      } else if (!figures_ok && !(version_search && ev.subjects_agree())) {
        why = DedupReason::kFactsDiffer;
        if (doubts != nullptr && strong && ev.looks_like_correction() && sim >= threshold &&
            (!doubts->version || sim > doubts->version->similarity)) {
          doubts->version = Candidate{seq, sim, ev};
        }
      } else if (sim < (ev.vouches_for_short_text() ? threshold : required)) {
        why = sim >= threshold ? DedupReason::kShortTextWeak : DedupReason::kNew;
      } else {
        if (!best || sim > best->similarity) best = Candidate{seq, sim, ev};
        continue;
      }
      if (doubts == nullptr) continue;
      if (why != DedupReason::kNew && sim > doubts->reason_similarity && sim >= threshold) {
        doubts->reason = why;
        doubts->reason_similarity = sim;
      }
      // Links: the same subject with changed figures (same event), or a text similar enough
      // whose evidence does not contradict it (possible duplicate). Another subject: no link.
      if (why == DedupReason::kSubjectDiffers) continue;
      if (why == DedupReason::kFactsDiffer && !ev.subjects_agree()) continue;
      RelatedStory r{story_id_locked(seq), sim, why == DedupReason::kFactsDiffer, why, ev};
      auto& rel = doubts->related;
      auto at = std::find_if(rel.begin(), rel.end(),
                             [&](const RelatedStory& x) { return x.similarity < sim; });
      if (at == rel.end() && rel.size() >= kMaxRelated) continue;
      rel.insert(at, std::move(r));
      if (rel.size() > kMaxRelated) rel.pop_back();
    }
  }
  return best;
}

Decision DedupIndex::decide(const DedupCandidate& c) {
  const Probe p = make_probe(c);  // hashing needs no lock
  std::lock_guard lock(mu_);
  prefetch_locked(p);  // the table slots this decision reads, all at once
  return decide_locked(p);
}

void DedupIndex::decide_batch(std::span<const DedupCandidate> cands, std::span<Decision> out) {
  if (out.size() != cands.size()) throw std::invalid_argument("decide_batch: sizes differ");
  // The table buckets of the next story are requested while the current one is decided, which
  // then runs exactly as decide() would (prefetches change no state, so the decisions are those
  // of sequential calls). Measured on the test VM (bench/RESULTS.md): looking further ahead
  // (2-8 stories) or also prefetching the entries their tags name was slower - each story
  // already has ~16 independent cache-line loads in flight, so the core's outstanding-miss
  // capacity, not the lack of overlap, is the limit.
  std::vector<Probe> probes;
  probes.reserve(cands.size());
  for (const auto& c : cands) probes.push_back(make_probe(c));
  std::lock_guard lock(mu_);
  if (!probes.empty()) prefetch_locked(probes[0]);
  for (std::size_t i = 0; i < probes.size(); ++i) {
    if (i + 1 < probes.size()) prefetch_locked(probes[i + 1]);
    out[i] = decide_locked(probes[i]);
  }
}

Decision DedupIndex::decide_locked(const Probe& p) {
  const DedupCandidate& c = *p.c;
  if (c.event_time > newest_) newest_ = c.event_time;
  evict_locked();

  // 1. Exact: the same normalised content was published within the window (a kill repeats
  //    the killed story's text, so it is never an exact duplicate).
  if (!c.kill) {
    if (auto seq = find_content_locked(p.content)) {
      const Entry& e = entries_[*seq];
      if (in_window(time_of(e), c.event_time)) {
        Decision d = make_decision(Verdict::kExact, story_id_locked(*seq), 1.0, e.family);
        d.reason = DedupReason::kExactContent;
        return d;
      }
    }
  }

  // 2. Family: by item id / headline+dateline key, else (for tagged versions) by similarity.
  bool head = false;  // the family's latest version is known: head_seq
  uint64_t head_seq = 0;
  uint64_t fam_key = 0;
  double fam_similarity = 0.0;
  DedupReason fam_reason = DedupReason::kItemId;
  EvidenceComparison fam_evidence;
  bool figures_changed = false;  // same headline family and subjects, a figure changed
  if (auto h = find_family_locked(c.family)) {
    // An item id is authoritative. A headline+dateline key is only a hint: recurring reports
    // ("Gold prices", "Weather") reuse headlines, so the content must also be similar (which
    // only a near-tier head can show) and the evidence must agree. The same subjects with a
    // changed figure are a new version (a correction), published.
    const double sim = similarity_locked(p, *h);
    const EvidenceComparison ev = compare_evidence(c.numbers, numbers_locked(*h, numbers_scratch_));
    const bool facts = !ev.facts_changed() && facts_containment(ev) >= cfg_.numbers_threshold;
    const bool similar = sim >= cfg_.version_threshold && !ev.subjects_differ();
    if (c.family_from_item ||
        (similar && (facts || (ev.subjects_agree() && ev.looks_like_correction())))) {
      head = true;
      head_seq = *h;
      fam_key = c.family;
      fam_similarity = sim;
      fam_evidence = ev;
      figures_changed = !c.family_from_item && !facts;
      fam_reason = c.family_from_item ? DedupReason::kItemId
                   : figures_changed  ? DedupReason::kFiguresChanged
                                      : DedupReason::kFamilyAgrees;
    }
  }
  if (!head && (c.version_tagged || c.kill) && !c.family_from_item) {
    if (auto cand = best_near_locked(p, cfg_.version_threshold, c.location != 0, true, nullptr)) {
      const uint64_t family = entries_[cand->seq].family;
      if (auto h = find_family_locked(family)) {
        head = true;
        head_seq = *h;
        fam_key = family;
        fam_similarity = cand->similarity;
        fam_evidence = cand->evidence;
        fam_reason = DedupReason::kFamilyAgrees;
      }
    }
  }
  if (head && !in_window(time_of(entries_[head_seq]), c.event_time)) head = false;

  if (c.kill) {
    Decision d = make_decision(Verdict::kCancel, head ? story_id_locked(head_seq) : std::string(),
                               0.0, head ? fam_key : c.family);
    d.reason = DedupReason::kKill;
    insert_locked(p, d.family, true);
    return d;
  }
  auto family_decision = [&](Verdict v) {
    Decision d = make_decision(v, story_id_locked(head_seq), fam_similarity, fam_key);
    d.reason = fam_reason;
    d.evidence = fam_evidence;
    return d;
  };
  if (head) {
    const Entry& f = entries_[head_seq];
    const uint16_t version = clamp_version(c.version_number);
    if (f.flags & kCanceled) return family_decision(Verdict::kVersionStale);
    const bool newer =
        version > f.version_number ||
        (version == f.version_number && (c.correction || c.family_from_item || figures_changed) &&
         c.event_time >= time_of(f));
    if (newer) {
      Decision d = family_decision(Verdict::kVersionNew);
      insert_locked(p, fam_key, false);
      return d;
    }
    if (c.family_from_item || c.version_tagged || version < f.version_number) {
      return family_decision(Verdict::kVersionStale);
    }
    // Same family key, same version, not a correction: judge it as content below.
  }

  // 3. Near-duplicate rewrite of any story in the near tier.
  Doubts doubts;
  if (cfg_.near_enabled) {
    if (auto cand = best_near_locked(p, cfg_.near_threshold, false, false, &doubts)) {
      Decision d = make_decision(Verdict::kNear, story_id_locked(cand->seq), cand->similarity,
                                 entries_[cand->seq].family);
      d.reason = DedupReason::kNearAgrees;
      d.evidence = cand->evidence;
      return d;
    }
  }

  // 4. The same subjects, similar text, a changed figure: a new version of that story.
  if (doubts.version) {
    const uint64_t seq = doubts.version->seq;
    const uint64_t family = entries_[seq].family;
    const auto h = find_family_locked(family);
    const uint64_t ref = h.value_or(seq);
    if (!(entries_[ref].flags & kCanceled)) {
      Decision d = make_decision(Verdict::kVersionNew, story_id_locked(ref),
                                 doubts.version->similarity, family);
      d.reason = DedupReason::kFiguresChanged;
      d.evidence = doubts.version->evidence;
      for (RelatedStory& r : doubts.related) {
        if (r.story_id != d.ref_id) d.related.push_back(std::move(r));
      }
      insert_locked(p, family, false);
      return d;
    }
  }

  // 5. New story (a same-key story with different content starts its own family entry).
  const uint64_t family =
      c.family != 0 ? c.family : XXH3_64bits(c.story_id.data(), c.story_id.size());
  insert_locked(p, family, false);
  Decision d = make_decision(Verdict::kNew, {}, 0.0, family);
  d.reason = doubts.reason;
  d.related = std::move(doubts.related);
  return d;
}

void DedupIndex::restore(const DedupCandidate& c, bool canceled) {
  const Probe p = make_probe(c);
  std::lock_guard lock(mu_);
  prefetch_locked(p);
  if (c.event_time > newest_) newest_ = c.event_time;
  if (auto seq = find_content_locked(p.content); seq && same_story_id_locked(*seq, c.story_id)) {
    return;  // already known (our own write coming back, or a replayed duplicate record)
  }
  if (!in_window(c.event_time, newest_)) return;
  insert_locked(p, c.family, canceled);  // keeps a newer family head in place
  evict_locked();
}

void DedupIndex::insert_locked(const Probe& p, uint64_t family, bool canceled) {
  const DedupCandidate& c = *p.c;
  if (!have_epoch_) {
    epoch_ = c.event_time;
    have_epoch_ = true;
  }
  const uint64_t seq = next_seq_++;
  const auto seq24 = static_cast<uint32_t>(seq) & kSeq24;
  Entry& e = entries_.push_back(seq);
  e = Entry{};
  e.content = p.content;
  if (auto packed = pack_id(c.story_id)) {
    e.id = *packed;
  } else {
    e.flags |= kIdOverflow;
    overflow_bytes_ += 64 + c.story_id.size();
    overflow_ids_.emplace(seq, c.story_id);
  }
  e.family = family;
  const int64_t rel = (c.event_time - epoch_).count();
  e.time = static_cast<int32_t>(std::clamp<int64_t>(rel, std::numeric_limits<int32_t>::min(),
                                                    std::numeric_limits<int32_t>::max()));
  e.version_number = clamp_version(c.version_number);
  if (canceled) e.flags |= kCanceled;

  NearRecord& r = near_.push_back(seq);
  r = NearRecord{};
  r.location = static_cast<uint32_t>(c.location);
  r.numbers_at = static_cast<uint32_t>(numbers_base_ + numbers_.size());
  r.numbers_count =
      static_cast<uint16_t>(std::min<std::size_t>(c.numbers.size(), kMaxNumbersPerEntry));
  numbers_.insert(numbers_.end(), c.numbers.begin(), c.numbers.begin() + r.numbers_count);
  if (p.signal) {
    e.flags |= kNearIndexed;
    r.sketch = p.sketch;
  }

  if (!bands_full_size_) {
    if (early_rows_.empty()) early_base_ = seq;
    early_rows_.emplace_back();
    std::copy_n(c.minhash.begin(), kBands * kRows, early_rows_.back().begin());
    if (near_.size() > kEarlyBandEntries) grow_bands_locked();  // rebuilds the earlier keys
  }
  if (p.signal) {
    for (uint64_t h : p.band_hashes) band_insert_locked(h, seq);
  }

  if (auto old = find_content_locked(e.content); old && *old != seq) {
    by_content_.replace(e.content, static_cast<uint32_t>(*old) & kSeq24, seq24);
  } else if (!old) {
    by_content_.insert(e.content, seq24);
  }
  if (family != 0) {
    if (auto h = find_family_locked(family); h && *h != seq) {
      const Entry& f = entries_[*h];
      // An older version replayed after a newer one must not become the family head.
      const bool keep_head =
          !canceled && (e.version_number < f.version_number ||
                        (e.version_number == f.version_number && c.event_time < time_of(f)));
      if (!keep_head) {
        families_.replace(family, static_cast<uint32_t>(*h) & kSeq24, seq24);
        e.flags |= kTookHead;
      }
    } else if (!h) {
      families_.insert(family, seq24);
    }
  }
  while (live() > cfg_.max_entries) pop_front_locked();
  while (near_.size() > cfg_.near_max_entries) pop_near_front_locked();
}

void DedupIndex::forget(const ContentHash& content, const std::string& story_id) {
  std::lock_guard lock(mu_);
  const uint64_t key = content_key(content);
  const auto seq = find_content_locked(key);
  if (!seq || !same_story_id_locked(*seq, story_id)) return;
  Entry& e = entries_[*seq];
  const auto seq24 = static_cast<uint32_t>(*seq) & kSeq24;
  by_content_.erase(e.content, seq24);
  // The entry stays in the FIFO as an unreachable tombstone until it is evicted in order.
  e.flags |= kForgotten;
  // A forgotten head that had replaced an earlier one gives the family back to it: the copy
  // delivered again must supersede (or cancel) what really is out, not start a new family or
  // be suppressed as a near-duplicate of the previous version.
  if (e.family != 0 && families_.erase(e.family, seq24) && (e.flags & kTookHead)) {
    restore_family_head_locked(e.family);
  }
}

void DedupIndex::restore_family_head_locked(uint64_t family) {
  // Rare (a version or kill whose delivery failed): one pass over the exact tier collects the
  // family's live entries (O(entries)), then insert_locked()'s head rule is
  // replayed on them in order.
  std::vector<uint64_t> members;
  for (uint64_t seq = entries_.end(); seq > entries_.base();) {
    --seq;
    const Entry& e = entries_[seq];
    if (e.family == family && !(e.flags & kForgotten)) members.push_back(seq);
  }
  if (members.empty()) return;
  uint64_t head = members.back();  // the oldest
  for (auto it = members.rbegin() + 1; it != members.rend(); ++it) {
    const Entry& e = entries_[*it];
    const Entry& f = entries_[head];
    const bool keep_head =
        !(e.flags & kCanceled) && (e.version_number < f.version_number ||
                                   (e.version_number == f.version_number && e.time < f.time));
    if (!keep_head) head = *it;
  }
  families_.insert(family, static_cast<uint32_t>(head) & kSeq24);
}

void DedupIndex::pop_near_front_locked() {
  const uint64_t seq = near_.base();
  // The entries' figures are in the ring in entry order: the oldest entry's come first.
  const uint16_t count = near_[seq].numbers_count;
  numbers_.erase(numbers_.begin(), numbers_.begin() + count);
  numbers_base_ += count;
  if (!early_rows_.empty() && early_base_ == seq) {
    early_rows_.pop_front();
    ++early_base_;
  }
  near_.pop_front();
}

void DedupIndex::pop_front_locked() {
  const uint64_t seq = entries_.base();
  if (near_.size() > 0 && near_.base() == seq) pop_near_front_locked();
  const Entry& e = entries_[seq];
  const auto seq24 = static_cast<uint32_t>(seq) & kSeq24;
  by_content_.erase(e.content, seq24);                  // no-op when a later copy took the key over
  if (e.family != 0) families_.erase(e.family, seq24);  // only if it is the head
  if (e.flags & kIdOverflow) {
    if (auto it = overflow_ids_.find(seq); it != overflow_ids_.end()) {
      overflow_bytes_ -= 64 + it->second.size();
      overflow_ids_.erase(it);
    }
  }
  entries_.pop_front();
  ++evictions_;
}

void DedupIndex::evict_locked() {
  while (near_.size() > 0 && !in_near_window(time_of(entries_[near_.base()]), newest_)) {
    pop_near_front_locked();
  }
  while (live() > 0 && !in_window(time_of(entries_[entries_.base()]), newest_)) {
    pop_front_locked();
  }
}

std::size_t DedupIndex::size() const {
  std::lock_guard lock(mu_);
  return live();
}

std::size_t DedupIndex::near_size() const {
  std::lock_guard lock(mu_);
  return near_.size();
}

void DedupIndex::set_thresholds(bool near_enabled, double near, double version, double numbers) {
  std::lock_guard lock(mu_);
  cfg_.near_enabled = near_enabled;
  cfg_.near_threshold = near;
  cfg_.version_threshold = version;
  cfg_.numbers_threshold = numbers;
}

void DedupIndex::commit_tables() {
  std::lock_guard lock(mu_);
  by_content_.commit();
  families_.commit();
  bands_.commit();
}

DedupStats DedupIndex::stats() const {
  std::lock_guard lock(mu_);
  DedupStats s;
  s.entries = live();
  s.families = families_.size();
  s.evictions = evictions_;
  s.near_entries = near_.size();
  s.band_table_bytes = bands_.bytes();
  s.key_table_bytes = by_content_.bytes() + families_.bytes();
  s.stashed = by_content_.stashed() + families_.stashed();
  s.near_bytes = near_.bytes() + numbers_.size() * sizeof(uint32_t) + bands_.bytes() +
                 early_rows_.size() * sizeof(early_rows_.front());
  s.bytes = entries_.bytes() + s.key_table_bytes + s.near_bytes + overflow_bytes_;
  return s;
}

}  // namespace wirefeed::pipeline
