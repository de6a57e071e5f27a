// Fingerprint and DedupIndex: normalisation, window, capacity, the compact index's tables.
#include <gtest/gtest.h>

#include <map>
#include <random>

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

// The open-addressing table against a reference multimap, with colliding tags (probe runs that
// wrap around the end) and backward-shift deletions.
TEST(SeqTable, MatchesAReferenceUnderInsertReplaceErase) {
  detail::SeqTable t;
  std::multimap<uint32_t, uint32_t> ref;
  std::mt19937 rng(11);
  uint32_t next = 1;
  for (int step = 0; step < 20000; ++step) {
    const uint32_t tag = 1 + rng() % 300 + (rng() % 4 == 0 ? 0xFFFFFF00u : 0u);
    const int op = static_cast<int>(rng() % 3);
    if (op == 0 || ref.empty()) {
      t.insert(tag, next);
      ref.emplace(tag, next++);
    } else {
      auto it = ref.begin();
      std::advance(it, static_cast<long>(rng() % ref.size()));
      if (op == 1) {
        ASSERT_TRUE(t.erase(it->first, it->second));
        ref.erase(it);
      } else {
        ASSERT_TRUE(t.replace(it->first, it->second, next));
        it->second = next++;
      }
    }
    ASSERT_EQ(t.size(), ref.size());
  }
  for (const auto& [tag, seq] : ref) {
    auto found = t.find(tag, [&](uint32_t s) { return s == seq; });
    ASSERT_TRUE(found);
  }
  EXPECT_FALSE(t.find(0xABCDEFu, [](uint32_t) { return true; }));
  EXPECT_FALSE(t.erase(0xABCDEFu, 1));
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

// Eviction walks the FIFO across its 32,768-entry chunks and takes every index key with it.
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
  const DedupStats st = idx.stats();
  EXPECT_LT(st.bytes / st.entries, 400u) << "accounted bytes per entry";
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

}  // namespace
}  // namespace wirefeed::pipeline
