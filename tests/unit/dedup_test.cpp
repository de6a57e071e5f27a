// Fingerprint and DedupIndex: normalisation, window, capacity, the compact index's tables.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <random>
#include <stdexcept>

#include <unistd.h>

#include "pipeline/dedup.hpp"
#include "pipeline/fingerprint.hpp"

namespace wirefeed::pipeline {
namespace {

CleanStory story(std::string headline, std::vector<std::string> paras) {
  CleanStory s;
  s.headline = std::move(headline);
  s.paragraphs = std::move(paras);
  return s;
}

TEST(Fingerprint, IgnoresCaseQuotesAndWhitespace) {
  auto a = fingerprint(story("Biden to meet Xi", {"He said “hello”  to   them.", "Second."}));
  auto b = fingerprint(story("BIDEN to meet XI", {"He said \"hello\" to them.", "Second."}));
  EXPECT_EQ(a.content, b.content);
  EXPECT_EQ(a.content.hex().size(), 32u);
  EXPECT_GT(a.tokens, 5u);
}

TEST(Fingerprint, FiguresAndNamesMatter) {
  auto a = fingerprint(story("Profit rises", {"Net profit was 1.2 billion."}));
  auto b = fingerprint(story("Profit rises", {"Net profit was 1.3 billion."}));
  EXPECT_NE(a.content, b.content);
}

TEST(Fingerprint, SimhashCloseForSmallEditsFarForOtherText) {
  std::vector<std::string> body;
  for (int i = 0; i < 30; ++i)
    body.push_back("Sentence number " + std::to_string(i) + " of the long report on shipping.");
  auto a = fingerprint(story("Shipping report", body));
  auto edited = body;
  edited[7] = "An entirely different sentence was inserted here.";
  auto b = fingerprint(story("Shipping report", edited));
  auto c =
      fingerprint(story("Football", {"The match ended in a draw after extra time in Madrid."}));
  EXPECT_LT(__builtin_popcountll(a.simhash ^ b.simhash), 16);
  EXPECT_GT(__builtin_popcountll(a.simhash ^ c.simhash), 16);
}

// The fingerprint's values are persisted (Story.fingerprint, DedupState): a faster implementation
// must reproduce them bit for bit. These were computed by the original token-by-token version.
TEST(Fingerprint, ValuesAreStableAcrossImplementations) {
  auto f = fingerprint(story("UPDATE 2-Biden, Xi to meet “soon”",
                             {"WASHINGTON (Reuters) - The two leaders will meet on Nov. 15, "
                              "officials said.",
                              "Trade rose 4.5% to $690 billion in 2022."}));
  EXPECT_EQ(f.content.hex(), "ea3e2989af87da824da0932799dcc3c9");
  EXPECT_EQ(f.simhash, 0x7d8943de1f5333f7ULL);
  const std::array<uint16_t, 8> head{41585, 15430, 24229, 27267, 1361, 42807, 16894, 58276};
  EXPECT_TRUE(std::equal(head.begin(), head.end(), f.minhash.begin()));
  EXPECT_EQ(f.numbers,
            (std::vector<uint32_t>{13139570, 893512320, 968667647, 1353255958, 2144305215}));
  EXPECT_EQ(f.tokens, 28u);
  EXPECT_EQ(normalized_text_hash("Washington, D.C."), 0x2eab32f02e1d7c9cULL);
  EXPECT_EQ(normalized_text_hash(" ,. "), 0u);
}

TEST(Fingerprint, HostileTextNeverOverrunsAndIsDeterministic) {
  CleanStory s = story(
      "\xE2\x80\x9C\xC2\xA0"
      "caf\xC3\xA9 \xF0\x9F\x98\x80"
      "x\xE2",
      {"", "\xE2\x80", std::string(5000, '7'), "\xC3"});
  for (int k = 0; k < 400; ++k) s.paragraphs.push_back("n" + std::to_string(k));
  auto a = fingerprint(s);
  auto b = fingerprint(s);
  EXPECT_EQ(a.content, b.content);
  EXPECT_EQ(a.minhash, b.minhash);
  EXPECT_EQ(a.numbers.size(), 256u);  // capped
  EXPECT_TRUE(std::is_sorted(a.numbers.begin(), a.numbers.end()));
}

TEST(Sketch, EstimatesJaccardFromEightBitSlots) {
  std::mt19937_64 rng(5);
  MinHash a{}, b{};
  for (auto& v : a) v = static_cast<uint16_t>(rng() % 0xFFFF);
  EXPECT_DOUBLE_EQ(sketch_similarity(make_sketch(a), make_sketch(a)), 1.0);
  for (std::size_t share : {0u, 24u, 48u, 72u}) {
    b = a;
    for (std::size_t i = share; i < b.size(); ++i) b[i] = static_cast<uint16_t>(a[i] ^ 0x0101);
    const double full = minhash_similarity(a, b);
    const double est = sketch_similarity(make_sketch(a), make_sketch(b));
    EXPECT_NEAR(est, full, 0.02) << share;  // only chance agreements (1/256) differ
  }
}

// Containment from Jaccard and lengths: a subset is wholly contained whatever its size; equal
// lengths give 2J/(1+J); an unknown length never claims that text was added.
TEST(Containment, EstimatedFromJaccardAndLengths) {
  EXPECT_NEAR(estimated_containment(50.0 / 150.0, 50, 150), 1.0, 1e-9);  // A within B
  EXPECT_NEAR(estimated_containment(50.0 / 150.0, 150, 50), 50.0 / 150.0, 1e-9);  // B within A
  EXPECT_NEAR(estimated_containment(0.8, 100, 100), 1.6 / 1.8, 1e-9);
  EXPECT_DOUBLE_EQ(estimated_containment(0.5, 0, 100), 1.0);
  EXPECT_DOUBLE_EQ(estimated_containment(0.5, 100, 0), 1.0);
  EXPECT_DOUBLE_EQ(estimated_containment(1.0, 10, 100), 1.0);  // clamped
  EXPECT_DOUBLE_EQ(estimated_containment(0.0, 100, 100), 0.0);
}

// The two-choice bucketed table against a reference multimap: few distinct keys (many equal
// tags and full buckets, so the stash is used), inserts, replaces and erases.
TEST(KeyTable, MatchesAReferenceUnderInsertReplaceErase) {
  detail::KeyTable t(64);  // 5 buckets of 16 slots: overflows into the stash
  std::multimap<uint64_t, uint32_t> ref;
  std::mt19937_64 rng(11);
  uint32_t next = 1;
  std::size_t max_stashed = 0;
  for (int step = 0; step < 20000; ++step) {
    const uint64_t key = 0x1234567800000000ULL + rng() % 40;
    const int op = static_cast<int>(rng() % 3);
    if (op == 0 || ref.size() < 100) {
      t.insert(key, next);
      ref.emplace(key, next);
      next = (next + 1) & 0xFFFFFF;
    } else {
      auto it = ref.begin();
      std::advance(it, static_cast<long>(rng() % ref.size()));
      if (op == 1) {
        ASSERT_TRUE(t.erase(it->first, it->second));
        ref.erase(it);
      } else {
        ASSERT_TRUE(t.replace(it->first, it->second, next));
        it->second = next;
        next = (next + 1) & 0xFFFFFF;
      }
    }
    ASSERT_EQ(t.size(), ref.size());
    max_stashed = std::max(max_stashed, t.stashed());
  }
  EXPECT_GT(max_stashed, 0u);
  for (const auto& [key, seq] : ref) {
    ASSERT_TRUE(t.find(key, [&](uint32_t s) { return s == seq; })) << key;
  }
  EXPECT_FALSE(t.find(0xABCDEFu, [](uint32_t) { return true; }));
  EXPECT_FALSE(t.erase(0xABCDEFu, 1));
}

// At the sized capacity (80 % load) almost nothing overflows into the stash.
TEST(KeyTable, FullAtCapacityWithAlmostNoStash) {
  constexpr std::size_t kN = 200'000;
  detail::KeyTable t(kN);
  std::mt19937_64 rng(5);
  for (uint32_t i = 0; i < kN; ++i) t.insert(rng(), i);
  EXPECT_EQ(t.size(), kN);
  EXPECT_LT(t.stashed(), kN / 1000);
  EXPECT_LE(t.bytes(), kN * 5 + 4096 + t.stashed() * 32);
}

std::chrono::sys_seconds at(int64_t s) { return std::chrono::sys_seconds{std::chrono::seconds{s}}; }

// Exact-only decision: the id of the story that published `hash`, or nullopt (then recorded).
std::optional<std::string> check_and_insert(DedupIndex& idx, const ContentHash& hash,
                                            const std::string& story_id,
                                            std::chrono::sys_seconds event_time) {
  DedupCandidate c;
  c.story_id = story_id;
  c.content = hash;
  c.minhash.fill(0xFFFF);  // no near-duplicate signal
  c.event_time = event_time;
  const Decision d = idx.decide(c);
  if (d.verdict == Verdict::kExact) return d.ref_id;
  return std::nullopt;
}

TEST(DedupIndex, FirstWinsWithinWindow) {
  DedupIndex idx({std::chrono::seconds(3600), 100});
  ContentHash h{1, 2};
  EXPECT_FALSE(check_and_insert(idx, h, "wf-a", at(1000)));
  auto hit = check_and_insert(idx, h, "wf-b", at(2000));
  ASSERT_TRUE(hit);
  EXPECT_EQ(*hit, "wf-a");
  EXPECT_EQ(idx.size(), 1u);
}

TEST(DedupIndex, ExpiresOutsideWindow) {
  DedupIndex idx({std::chrono::seconds(3600), 100});
  EXPECT_FALSE(check_and_insert(idx, {1, 1}, "wf-a", at(0)));
  EXPECT_FALSE(check_and_insert(idx, {2, 2}, "wf-b", at(5000)));  // evicts {1,1}
  EXPECT_EQ(idx.size(), 1u);
  EXPECT_FALSE(check_and_insert(idx, {1, 1}, "wf-c", at(5001)));
}

TEST(DedupIndex, CapacityEvictsOldestFirst) {
  DedupIndex idx({std::chrono::seconds(3600), 3});
  for (uint64_t i = 0; i < 5; ++i) EXPECT_FALSE(check_and_insert(idx, {i, i}, "wf", at(10)));
  EXPECT_EQ(idx.size(), 3u);
  EXPECT_FALSE(check_and_insert(idx, {0, 0}, "wf-new", at(10)));  // was evicted
  EXPECT_TRUE(check_and_insert(idx, {4, 4}, "wf-x", at(10)));     // still there
}

// A synthetic candidate: random content, MinHash and figures derived from `i`.
DedupCandidate synthetic(uint64_t i, int64_t t) {
  std::mt19937_64 rng(i * 7919 + 1);
  DedupCandidate c;
  c.story_id = "wf-" + std::string(16 - std::to_string(i).size(), '0') + std::to_string(i);
  c.content = {rng(), rng()};
  for (auto& v : c.minhash) v = static_cast<uint16_t>(rng() % 0xFFFF);
  for (int k = 0; k < 5; ++k) c.numbers.push_back(static_cast<uint32_t>(rng()));
  std::sort(c.numbers.begin(), c.numbers.end());
  c.event_time = at(t);
  return c;
}

// Eviction walks the FIFOs across their chunks (32,768 near records, 131,072 entries) and takes
// every index key with it.
TEST(DedupIndex, CapacityEvictionAcrossChunksKeepsTablesConsistent) {
  DedupIndex idx({std::chrono::seconds(1'000'000), 20'000});
  for (uint64_t i = 0; i < 70'000; ++i)
    ASSERT_EQ(idx.decide(synthetic(i, 10)).verdict, Verdict::kNew);
  EXPECT_EQ(idx.size(), 20'000u);
  EXPECT_EQ(idx.stats().evictions, 50'000u);
  EXPECT_EQ(idx.stats().families, 20'000u);
  for (uint64_t i : {0u, 32'768u, 49'999u}) {  // evicted: new again (and recorded)
    auto c = synthetic(i, 11);
    c.story_id = "wf-ffffffffffff0000";
    c.minhash.fill(0xFFFF);
    EXPECT_EQ(idx.decide(c).verdict, Verdict::kNew) << i;
  }
  for (uint64_t i : {50'003u, 65'536u, 69'999u}) {  // still held: exact, pointing at the original
    auto c = synthetic(i, 12);
    c.story_id = "wf-eeeeeeeeeeee0000";
    const Decision d = idx.decide(c);
    EXPECT_EQ(d.verdict, Verdict::kExact) << i;
    EXPECT_EQ(d.ref_id, synthetic(i, 0).story_id);
  }
}

TEST(DedupIndex, WindowEvictionAcrossChunks) {
  DedupIndex idx({std::chrono::seconds(1000), 100'000});
  for (uint64_t i = 0; i < 40'000; ++i) idx.decide(synthetic(i, static_cast<int64_t>(i / 40)));
  EXPECT_EQ(idx.size(), 40'000u);
  idx.decide(synthetic(50'000, 10'000));  // everything else is now out of the window
  EXPECT_EQ(idx.size(), 1u);
  EXPECT_EQ(idx.decide(synthetic(39'999, 10'001)).verdict, Verdict::kNew);
  EXPECT_EQ(idx.decide(synthetic(39'999, 10'002)).verdict, Verdict::kExact);
}

// A full index still finds a near-duplicate of its oldest entry through the LSH table (which
// replaces old band slots only when a bucket is full).
TEST(DedupIndex, NearDuplicateOfTheOldestEntryInAFullIndex) {
  constexpr std::size_t kN = 20'000;
  DedupIndex idx({std::chrono::seconds(1'000'000), kN});
  for (uint64_t i = 0; i < kN; ++i) idx.decide(synthetic(i, 10));
  int found = 0;
  for (uint64_t i = 0; i < 50; ++i) {  // the 50 oldest, each rewritten in 8 of 96 slots
    auto c = synthetic(i, 20);
    c.content.lo ^= 1;
    c.story_id = "wf-dddddddddddd" + std::to_string(1000 + i);
    for (std::size_t s = 0; s < 8; ++s) c.minhash[s * 12] ^= 0x5A5A;
    const Decision d = idx.decide(c);
    found += d.verdict == Verdict::kNear && d.ref_id == synthetic(i, 0).story_id ? 1 : 0;
  }
  EXPECT_GE(found, 49);
}

long resident_bytes() {
  long size = 0, resident = 0;
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return -1;
  const int n = std::fscanf(f, "%ld %ld", &size, &resident);
  std::fclose(f);
  return n == 2 ? resident * ::sysconf(_SC_PAGESIZE) : -1;
}

// commit_tables() commits the table pages of a fresh index at once, and rewriting a page keeps
// what a live index holds in it.
TEST(DedupIndex, CommitTablesCommitsPagesAndKeepsEntries) {
  constexpr std::size_t kN = 100'000;
  DedupIndex idx({std::chrono::seconds(1'000'000), kN});
  const long before = resident_bytes();
  idx.commit_tables();
  const long after = resident_bytes();
  ASSERT_GT(before, 0);
  EXPECT_GE(after - before, 6'000'000);  // the LSH table starts at 65,536 entries x 96 B

  constexpr uint64_t kStored = 3'000;
  for (uint64_t i = 0; i < kStored; ++i) {
    ASSERT_EQ(idx.decide(synthetic(i, 10)).verdict, Verdict::kNew);
  }
  idx.commit_tables();
  for (uint64_t i = 0; i < kStored; ++i) {
    auto repeat = synthetic(i, 20);
    repeat.story_id = "wf-eeeeeeeeeeeeeeee";
    const Decision d = idx.decide(repeat);
    ASSERT_EQ(d.verdict, Verdict::kExact) << i;
    EXPECT_EQ(d.ref_id, synthetic(i, 10).story_id);
  }
  auto rewrite = synthetic(7, 30);
  rewrite.content.lo ^= 1;
  rewrite.story_id = "wf-ffffffffffffffff";
  for (std::size_t s = 0; s < 8; ++s) rewrite.minhash[s * 12] ^= 0x5A5A;
  const Decision d = idx.decide(rewrite);
  EXPECT_EQ(d.verdict, Verdict::kNear);
  EXPECT_EQ(d.ref_id, synthetic(7, 10).story_id);
}

// Accounted memory: 32-byte entries and ~10 B of exact/family table slots for every entry, the
// near tier (108-byte record, 96 B of LSH slots, figures) only for the newest quarter here.
TEST(DedupTiers, BytesPerEntryFollowTheTiers) {
  constexpr std::size_t kN = 131'072;  // whole FIFO chunks: no slack in the figure
  DedupConfig cfg{std::chrono::seconds(1'000'000), kN};
  cfg.near_max_entries = kN / 4;
  DedupIndex idx(cfg);
  for (uint64_t i = 0; i < kN; ++i) idx.decide(synthetic(i, 10));
  const DedupStats st = idx.stats();
  ASSERT_EQ(st.entries, kN);
  ASSERT_EQ(st.near_entries, kN / 4);
  const double near_per_entry = static_cast<double>(st.near_bytes) / (kN / 4);
  const double per_entry = static_cast<double>(st.bytes) / kN;
  EXPECT_LT(near_per_entry, 108 + 96 + 5 * 4 + 8);  // 5 figures each
  EXPECT_LT(per_entry, 32 + 11 + near_per_entry / 4 + 1);
  EXPECT_LT(per_entry, 100.0);
  EXPECT_EQ(st.stashed, 0u);
}

// Past 65,536 entries the LSH table is rebuilt at full size from the kept MinHash rows: what was
// indexed before is still found.
TEST(DedupIndex, LshTableGrowsWithoutLosingEarlierEntries) {
  DedupIndex idx({std::chrono::seconds(1'000'000), 200'000});
  const std::size_t small_bytes = idx.stats().band_table_bytes;
  for (uint64_t i = 0; i < 70'000; ++i) idx.decide(synthetic(i, 10));
  EXPECT_GT(idx.stats().band_table_bytes, 2 * small_bytes);
  int found = 0;
  for (uint64_t i : {0u, 1u, 30'000u, 65'535u, 65'536u, 69'999u}) {
    auto c = synthetic(i, 20);
    c.content.lo ^= 1;
    c.story_id = "wf-cccccccccccc" + std::to_string(1000 + i % 1000);
    for (std::size_t s = 0; s < 8; ++s) c.minhash[s * 12] ^= 0x5A5A;
    const Decision d = idx.decide(c);
    found += d.verdict == Verdict::kNear && d.ref_id == synthetic(i, 0).story_id ? 1 : 0;
  }
  EXPECT_EQ(found, 6);
}

TEST(DedupIndex, UnusualStoryIdsAreKeptVerbatim) {
  DedupIndex idx({std::chrono::seconds(3600), 100});
  for (std::string id : {"urn:newsml:reuters.com:20240506:nL1N3HB0XY", "", "wf-ABCDEF0123456789",
                         "wf-0123456789abcdef"}) {
    ContentHash h{std::hash<std::string>{}(id), 7};
    EXPECT_FALSE(check_and_insert(idx, h, id, at(10)));
    auto hit = check_and_insert(idx, h, "wf-other", at(11));
    ASSERT_TRUE(hit);
    EXPECT_EQ(*hit, id);
  }
}

TEST(DedupIndex, ForgetRemovesOnlyTheOwnersEntry) {
  DedupIndex idx({std::chrono::seconds(3600), 100});
  auto c = synthetic(1, 10);
  ASSERT_EQ(idx.decide(c).verdict, Verdict::kNew);
  idx.forget(c.content, "wf-someone-else");
  EXPECT_EQ(idx.decide(c).verdict, Verdict::kExact);
  idx.forget(c.content, c.story_id);
  auto near = c;
  near.content.lo ^= 1;
  EXPECT_EQ(idx.decide(near).verdict, Verdict::kNew);  // the forgotten entry is not a candidate
  EXPECT_EQ(idx.decide(c).verdict, Verdict::kNear);    // ... but the new one is
}

// A near rewrite of `c`: other content and id, 8 of 96 MinHash slots changed (J ~ 0.9).
DedupCandidate rewrite_of(DedupCandidate c, int64_t t, const std::string& id) {
  c.content.lo ^= 1;
  c.story_id = id;
  for (std::size_t s = 0; s < 8; ++s) c.minhash[s * 12] ^= 0x5A5A;
  c.event_time = at(t);
  return c;
}

// Tiers: the near tier holds the newest near_max_entries entries; older ones are still found
// as exact repeats but no longer as near-duplicates.
TEST(DedupTiers, NearTierKeepsTheNewestEntriesByCount) {
  DedupConfig cfg{std::chrono::seconds(1'000'000), 1000};
  cfg.near_max_entries = 100;
  DedupIndex idx(cfg);
  for (uint64_t i = 0; i < 200; ++i) ASSERT_EQ(idx.decide(synthetic(i, 10)).verdict, Verdict::kNew);
  EXPECT_EQ(idx.size(), 200u);
  EXPECT_EQ(idx.near_size(), 100u);
  EXPECT_EQ(idx.stats().near_entries, 100u);
  // #100 is the oldest near-tier entry, #99 the newest that left it.
  const Decision inside = idx.decide(rewrite_of(synthetic(100, 0), 20, "wf-aaaaaaaaaaaa0001"));
  EXPECT_EQ(inside.verdict, Verdict::kNear);
  EXPECT_EQ(inside.ref_id, synthetic(100, 0).story_id);
  EXPECT_EQ(idx.decide(rewrite_of(synthetic(99, 0), 20, "wf-aaaaaaaaaaaa0002")).verdict,
            Verdict::kNew);  // recorded: the near tier moves on by one
  auto again = synthetic(5, 30);
  again.story_id = "wf-aaaaaaaaaaaa0003";
  const Decision exact = idx.decide(again);
  EXPECT_EQ(exact.verdict, Verdict::kExact);
  EXPECT_EQ(exact.ref_id, synthetic(5, 0).story_id);
  EXPECT_EQ(idx.near_size(), 100u);
  EXPECT_EQ(idx.size(), 201u);
}

TEST(DedupTiers, NearTierKeepsTheNewestEntriesByTime) {
  DedupConfig cfg{std::chrono::seconds(10'000), 1000};
  cfg.near_window = std::chrono::seconds(3600);
  DedupIndex idx(cfg);
  const auto original = synthetic(1, 0);
  ASSERT_EQ(idx.decide(original).verdict, Verdict::kNew);
  // At exactly near_window later it is still in the near tier.
  EXPECT_EQ(idx.decide(rewrite_of(original, 3600, "wf-bbbbbbbbbbbb0001")).verdict, Verdict::kNear);
  EXPECT_EQ(idx.near_size(), 1u);
  // One second later it is not (and the rewrite is published), but exact repeats still are.
  EXPECT_EQ(idx.decide(rewrite_of(original, 3601, "wf-bbbbbbbbbbbb0002")).verdict, Verdict::kNew);
  EXPECT_EQ(idx.near_size(), 1u);  // only the rewrite just published
  EXPECT_EQ(idx.size(), 2u);
  auto repeat = original;
  repeat.story_id = "wf-bbbbbbbbbbbb0003";
  repeat.event_time = at(9000);
  EXPECT_EQ(idx.decide(repeat).verdict, Verdict::kExact);
}

// Versions: an item-id family is authoritative and found over the whole window; a
// headline+dateline family needs similar content, which only the near tier can show.
TEST(DedupTiers, VersionsBeyondTheNearWindow) {
  DedupConfig cfg{std::chrono::seconds(100'000), 1000};
  cfg.near_window = std::chrono::seconds(3600);
  {
    DedupIndex idx(cfg);
    auto v1 = synthetic(1, 0);
    v1.family = 77;
    v1.family_from_item = true;
    ASSERT_EQ(idx.decide(v1).verdict, Verdict::kNew);
    auto v2 = rewrite_of(v1, 50'000, "wf-cccccccccccc0001");
    v2.version_number = 2;
    v2.version_tagged = true;
    const Decision d = idx.decide(v2);
    EXPECT_EQ(d.verdict, Verdict::kVersionNew);
    EXPECT_EQ(d.ref_id, v1.story_id);
  }
  {
    DedupIndex idx(cfg);
    auto v1 = synthetic(1, 0);
    v1.family = 77;  // headline + dateline key
    ASSERT_EQ(idx.decide(v1).verdict, Verdict::kNew);
    auto early = rewrite_of(v1, 1000, "wf-cccccccccccc0002");
    early.version_number = 1;
    early.version_tagged = true;
    EXPECT_EQ(idx.decide(early).verdict, Verdict::kVersionNew);  // head (early) now in the tier
    auto late = rewrite_of(v1, 50'000, "wf-cccccccccccc0003");
    late.content.hi ^= 7;  // UPDATE 2: other text again
    late.version_number = 2;
    late.version_tagged = true;
    EXPECT_EQ(idx.decide(late).verdict, Verdict::kNew);  // the documented trade-off
  }
}

TEST(DedupTiers, NearTierIsClampedToTheIndex) {
  DedupConfig cfg{std::chrono::seconds(100), 10};
  cfg.near_max_entries = 1'000'000;
  cfg.near_window = std::chrono::seconds(1'000'000);
  DedupIndex idx(cfg);
  for (uint64_t i = 0; i < 30; ++i) idx.decide(synthetic(i, static_cast<int64_t>(i)));
  EXPECT_EQ(idx.size(), 10u);
  EXPECT_EQ(idx.near_size(), 10u);
  idx.decide(synthetic(99, 1000));  // the window (100 s) empties both tiers
  EXPECT_EQ(idx.size(), 1u);
  EXPECT_EQ(idx.near_size(), 1u);
}

// A mixed stream (new, exact repeats - some right behind their original, so inside one batch -
// near rewrites, item-id versions, older versions, kills, expiry and capacity eviction) decided
// in batches of several sizes gives exactly the decisions of one-by-one decide() calls.
std::vector<DedupCandidate> mixed_stream(std::size_t n) {
  std::mt19937_64 rng(42);
  std::vector<DedupCandidate> out;
  int64_t t = 0;
  uint64_t next_id = 1;
  const auto id = [&] {
    char buf[20];
    std::snprintf(buf, sizeof buf, "wf-%016llx", static_cast<unsigned long long>(next_id++));
    return std::string(buf);
  };
  while (out.size() < n) {
    t += static_cast<int64_t>(rng() % 40);
    const int kind = static_cast<int>(rng() % 10);
    if (out.empty() || kind < 3) {
      auto c = synthetic(rng() % 1'000'000'000, t);
      c.story_id = id();
      if (rng() % 3 == 0) {
        c.family = rng() % 200 + 1;  // item ids, reused: versions
        c.family_from_item = true;
        c.version_number = static_cast<uint32_t>(rng() % 4);
        c.version_tagged = c.version_number > 0;
      }
      c.kill = rng() % 50 == 0;
      out.push_back(c);
    } else {
      auto c = out[out.size() - 1 - rng() % std::min<std::size_t>(out.size(), 400)];
      c.story_id = id();
      c.event_time = at(t);
      if (kind < 6) {
        // exact copy (kind 3 also right behind: two copies in one batch)
        if (kind == 3) {
          out.push_back(c);
          c.story_id = id();
        }
      } else if (kind < 9) {
        c = rewrite_of(c, t, c.story_id);
      } else {
        c.version_number += 1;
        c.version_tagged = true;
        c.content.hi ^= 3;
      }
      out.push_back(c);
    }
  }
  out.resize(n);
  return out;
}

TEST(DedupBatch, DecidesExactlyAsSequentialCalls) {
  DedupConfig cfg{std::chrono::seconds(20'000), 2000};
  cfg.near_max_entries = 700;
  cfg.near_window = std::chrono::seconds(6000);
  const auto stream = mixed_stream(12'000);
  DedupIndex seq_idx(cfg);
  std::vector<Decision> expected;
  for (const auto& c : stream) expected.push_back(seq_idx.decide(c));
  std::map<Verdict, int> kinds;
  for (const auto& d : expected) ++kinds[d.verdict];
  for (Verdict v : {Verdict::kNew, Verdict::kExact, Verdict::kNear, Verdict::kVersionNew,
                    Verdict::kVersionStale, Verdict::kCancel}) {
    EXPECT_GT(kinds[v], 0) << "stream lacks verdict " << static_cast<int>(v);
  }
  ASSERT_GT(seq_idx.stats().evictions, 0u);
  for (std::size_t batch : {1u, 2u, 7u, 64u, 333u, 12'000u}) {
    DedupIndex idx(cfg);
    std::vector<Decision> got(stream.size());
    for (std::size_t at0 = 0; at0 < stream.size(); at0 += batch) {
      const std::size_t k = std::min(batch, stream.size() - at0);
      idx.decide_batch(std::span(stream).subspan(at0, k), std::span(got).subspan(at0, k));
    }
    for (std::size_t i = 0; i < stream.size(); ++i) {
      ASSERT_EQ(got[i].verdict, expected[i].verdict) << "batch " << batch << " item " << i;
      ASSERT_EQ(got[i].ref_id, expected[i].ref_id) << "batch " << batch << " item " << i;
      ASSERT_EQ(got[i].family, expected[i].family) << "batch " << batch << " item " << i;
      ASSERT_EQ(got[i].similarity, expected[i].similarity) << "batch " << batch << " item " << i;
    }
    EXPECT_EQ(idx.size(), seq_idx.size());
    EXPECT_EQ(idx.near_size(), seq_idx.near_size());
  }
}

TEST(DedupBatch, TwoCopiesInOneBatch) {
  DedupIndex idx({std::chrono::seconds(3600), 100});
  auto a = synthetic(1, 10);
  auto b = a;
  b.story_id = "wf-0000000000000bbb";
  std::vector<DedupCandidate> in{a, b};
  std::vector<Decision> out(2);
  idx.decide_batch(in, out);
  EXPECT_EQ(out[0].verdict, Verdict::kNew);
  EXPECT_EQ(out[1].verdict, Verdict::kExact);
  EXPECT_EQ(out[1].ref_id, a.story_id);
  std::vector<Decision> wrong(1);
  EXPECT_THROW(idx.decide_batch(in, wrong), std::invalid_argument);
}

// --- Review of the two-tier index (issue 7 follow-up) ---

// An item-id version of `c`: other content and id, same MinHash (so also near).
DedupCandidate version_of(DedupCandidate c, uint32_t n, int64_t t, const std::string& id) {
  c = rewrite_of(std::move(c), t, id);
  c.content.hi ^= n;
  c.version_number = n;
  c.version_tagged = true;
  return c;
}

// forget() of a family's head (a VersionNew or a kill whose delivery failed, or an aborted
// transaction) must give the family back its previous head: the redelivered copy then
// supersedes / cancels the story that really is out, instead of starting a family of its own.
TEST(DedupReview, ForgetOfAVersionGivesTheFamilyBackItsPreviousHead) {
  DedupIndex idx({std::chrono::seconds(100'000), 1000});
  auto v1 = synthetic(1, 10);
  v1.family = 77;
  v1.family_from_item = true;
  ASSERT_EQ(idx.decide(v1).verdict, Verdict::kNew);
  const auto v2 = version_of(v1, 2, 20, "wf-dddddddddddd0002");
  ASSERT_EQ(idx.decide(v2).verdict, Verdict::kVersionNew);
  idx.forget(v2.content, v2.story_id);  // v2 was never delivered
  const Decision again = idx.decide(v2);
  EXPECT_EQ(again.verdict, Verdict::kVersionNew);
  EXPECT_EQ(again.ref_id, v1.story_id);
  EXPECT_EQ(again.family, 77u);
  // And an older version is still stale against the redelivered head.
  auto stale = version_of(v1, 1, 30, "wf-dddddddddddd0001");
  EXPECT_EQ(idx.decide(stale).verdict, Verdict::kVersionStale);
}

TEST(DedupReview, ForgetOfAKillKeepsTheKilledStoryAsTheHead) {
  DedupIndex idx({std::chrono::seconds(100'000), 1000});
  auto story = synthetic(1, 10);
  story.family = 77;
  story.family_from_item = true;
  ASSERT_EQ(idx.decide(story).verdict, Verdict::kNew);
  auto kill = version_of(story, 0, 20, "wf-dddddddddddd00cc");
  kill.kill = true;
  ASSERT_EQ(idx.decide(kill).verdict, Verdict::kCancel);
  idx.forget(kill.content, kill.story_id);
  const Decision again = idx.decide(kill);  // the kill delivered again
  EXPECT_EQ(again.verdict, Verdict::kCancel);
  EXPECT_EQ(again.ref_id, story.story_id);
}

// Aborted transaction: the batch's stories are forgotten newest first; the older versions
// published before the transaction stay the family's head, in order.
TEST(DedupReview, RollbackOfSeveralVersionsInReverseOrder) {
  DedupIndex idx({std::chrono::seconds(100'000), 1000});
  auto v1 = synthetic(1, 10);
  v1.family = 77;
  v1.family_from_item = true;
  ASSERT_EQ(idx.decide(v1).verdict, Verdict::kNew);
  const auto v2 = version_of(v1, 2, 20, "wf-dddddddddddd0002");
  const auto v3 = version_of(v1, 3, 30, "wf-dddddddddddd0003");
  ASSERT_EQ(idx.decide(v2).verdict, Verdict::kVersionNew);
  ASSERT_EQ(idx.decide(v3).verdict, Verdict::kVersionNew);
  idx.forget(v3.content, v3.story_id);
  idx.forget(v2.content, v2.story_id);
  Decision d = idx.decide(v2);
  EXPECT_EQ(d.verdict, Verdict::kVersionNew);
  EXPECT_EQ(d.ref_id, v1.story_id);
  d = idx.decide(v3);
  EXPECT_EQ(d.verdict, Verdict::kVersionNew);
  EXPECT_EQ(d.ref_id, v2.story_id);
}

// A long-running daemon inserts far more than max_entries: entry numbers wrap around their 24
// bits in every table. After more than 2^24 insertions the index still decides exactly, near,
// item-id versions and kills right, and stale slots never name a reused entry number.
TEST(DedupReview, EntryNumbersWrapAroundTwentyFourBits) {
  constexpr std::size_t kCap = 64;
  DedupConfig cfg{std::chrono::seconds(1'000'000'000), kCap};
  cfg.near_max_entries = 32;
  DedupIndex idx(cfg);
  const uint64_t total = (uint64_t{1} << 24) + 3 * kCap + 7;
  DedupCandidate c;
  c.minhash.fill(0xFFFF);  // exact-only filler: cheap
  auto base = synthetic(424242, 10);
  base.family_from_item = true;
  std::string head_id;
  uint64_t versions = 0;
  for (uint64_t i = 0; i < total; ++i) {
    if (i % 50 == 0) {  // item-id families of 40 versions each, across every wrap
      const auto n = static_cast<uint32_t>(versions % 40);
      auto v = version_of(base, n, 10, "");
      v.family = 0xF00D0000 + versions / 40;
      v.content.lo = versions;
      v.story_id = "wf-ffff" + std::string(12 - std::to_string(versions).size(), '0') +
                   std::to_string(versions);
      const Decision d = idx.decide(v);
      ASSERT_EQ(d.verdict, n == 0 ? Verdict::kNew : Verdict::kVersionNew) << i;
      if (n != 0) {
        ASSERT_EQ(d.ref_id, head_id) << i;
      }
      head_id = v.story_id;
      ++versions;
      continue;
    }
    c.content = {i, ~i};
    c.family = i * 0x9E3779B97F4A7C15ULL;
    c.family_from_item = true;
    c.event_time = at(10);
    ASSERT_EQ(idx.decide(c).verdict, Verdict::kNew) << i;
  }
  EXPECT_EQ(idx.size(), kCap);
  EXPECT_LE(idx.stats().families, kCap);
  EXPECT_EQ(idx.stats().stashed, 0u);
  // Held: the newest kCap; evicted ones (whose 24-bit numbers are reused) are new again.
  for (uint64_t back = 1; back <= 2 * kCap; ++back) {
    const uint64_t i = total - back;
    if (i % 50 == 0) continue;
    DedupCandidate q = c;
    q.content = {i, ~i};
    q.family = 0;
    q.story_id = "wf-eeeeeeeeeeeeeeee";
    const bool held = back < kCap - 1;  // (minus the family versions held among them)
    const Decision d = idx.decide(q);
    if (held) {
      EXPECT_EQ(d.verdict, Verdict::kExact) << back;
    }
    if (back > kCap) {
      EXPECT_EQ(d.verdict, Verdict::kNew) << back;
    }
  }
  // Near tier after the wrap: a rewrite of a fresh story is near, a random story is new.
  const auto fresh = synthetic(777, 20);
  ASSERT_EQ(idx.decide(fresh).verdict, Verdict::kNew);
  EXPECT_EQ(idx.decide(rewrite_of(fresh, 21, "wf-aaaaaaaaaaaa0077")).verdict, Verdict::kNear);
  EXPECT_EQ(idx.decide(synthetic(778, 22)).verdict, Verdict::kNew);
}

// forget() of an entry already evicted (its 24-bit number possibly reused) or only in the exact
// tier touches nothing else; restore() of a state older than the near window is exact-only.
TEST(DedupReview, ForgetAndRestoreAcrossTheTierBoundary) {
  DedupConfig cfg{std::chrono::seconds(100'000), 4};
  cfg.near_max_entries = 2;
  cfg.near_window = std::chrono::seconds(100);
  DedupIndex idx(cfg);
  std::vector<DedupCandidate> s;
  for (uint64_t i = 0; i < 6; ++i) {
    s.push_back(synthetic(i, static_cast<int64_t>(10 + i)));
    ASSERT_EQ(idx.decide(s.back()).verdict, Verdict::kNew);
  }
  idx.forget(s[0].content, s[0].story_id);  // evicted: a no-op
  idx.forget(s[2].content, s[2].story_id);  // exact tier only
  EXPECT_EQ(idx.size(), 4u);
  auto copy = s[3];
  copy.story_id = "wf-0000000000000abc";
  EXPECT_EQ(idx.decide(copy).verdict, Verdict::kExact);
  copy = s[2];
  copy.story_id = "wf-0000000000000abd";
  EXPECT_EQ(idx.decide(copy).verdict, Verdict::kNew);  // forgotten: published again
  // A restored state older than the near window: its exact repeat is caught, a rewrite is not.
  DedupIndex fresh(cfg);
  ASSERT_EQ(fresh.decide(synthetic(50, 10'000)).verdict, Verdict::kNew);
  const auto old = synthetic(51, 5'000);
  fresh.restore(old, false);
  EXPECT_EQ(fresh.size(), 2u);
  copy = old;
  copy.story_id = "wf-0000000000000abe";
  copy.event_time = at(10'001);
  EXPECT_EQ(fresh.decide(copy).verdict, Verdict::kExact);
  EXPECT_EQ(fresh.decide(rewrite_of(old, 10'002, "wf-0000000000000abf")).verdict, Verdict::kNew);
}

}  // namespace
}  // namespace wirefeed::pipeline
