// DedupIndex at scale (issue 4/7): decide() and decide_batch() throughput and memory per entry
// (exact tier, near tier, blended) at 0, 100k, 1M (and optionally 10M) entries, and restore
// time for 1M entries from DedupState records.
//
//   dedup_scale [--sizes 0,100000,1000000] [--ops N] [--restore N] [--10m] [--near N]
//               [--batch K]
//
// --near: near-tier capacity (DedupConfig::near_max_entries; default: the DedupConfig default);
// --batch: stories per decide_batch() call in the batched runs (default 64; 0: skip them).
// Memory: RSS delta over the fill, and the bytes the index accounts for (DedupStats::bytes).
// Fingerprints are SYNTHETIC (uniformly random content hashes, MinHash slots, numeric-token
// hashes; 19-byte story ids like the daemon's): real stories cost the same per entry, but real
// MinHash values cluster more (more band-key collisions on lookup), so lookup costs here are a
// lower bound for feeds with many near-duplicates. One thread ("per core"); the window is set
// to 10 years so that nothing expires during the run, and max_entries above the size reached.
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "bench/corpus.hpp"
#include "pipeline/dedup.hpp"
#include "pipeline/processor.hpp"

using namespace wirefeed;

namespace {

const std::chrono::sys_seconds kT0{std::chrono::seconds{1'772'409'600}};

long rss_bytes() {
  std::ifstream f("/proc/self/statm");
  long size = 0, resident = 0;
  f >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

std::string hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// Synthetic candidate #i (deterministic in i, so a later lookup can rebuild it).
pipeline::DedupCandidate synthetic(uint64_t i) {
  bench::Rng r(i * 0x9E3779B97F4A7C15ULL + 1);
  pipeline::DedupCandidate c;
  c.story_id = "wf-" + hex16(r.next());
  c.content = {r.next(), r.next()};
  for (auto& v : c.minhash) v = static_cast<uint16_t>(r.next() % 0xFFFF);
  // Evidence keys as story_evidence() makes them: figures (bit 31 clear), then 2..8 subjects
  // (names and tickers: bits 31..30 set to 10 or 11).
  const int nn = r.between(0, 12);
  for (int k = 0; k < nn; ++k) c.numbers.push_back(static_cast<uint32_t>(r.next()) & 0x7FFFFFFF);
  const int ns = r.between(2, 8);
  for (int k = 0; k < ns; ++k) {
    c.numbers.push_back(static_cast<uint32_t>(r.next()) | 0x80000000);
  }
  std::sort(c.numbers.begin(), c.numbers.end());
  c.family = r.next() | 1;
  c.location = r.below(64) + 1;
  c.event_time = kT0 + std::chrono::seconds{static_cast<int64_t>(i / 4)};
  return c;
}

// This thread's CPU time: the machine may be shared, so wall time would count other work.
struct CpuClock {
  using time_point = double;
  static double now() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  }
};

double secs_since(double t) { return CpuClock::now() - t; }
using Clock = CpuClock;

pipeline::DedupConfig scale_config(std::size_t max_entries, std::size_t near_entries) {
  pipeline::DedupConfig cfg;
  cfg.window = std::chrono::hours(24 * 3650);
  cfg.near_window = cfg.window;
  cfg.max_entries = max_entries;
  cfg.near_max_entries = near_entries;
  return cfg;
}

void run_size(std::size_t n, std::size_t ops, std::size_t batch, std::size_t near_entries) {
  malloc_trim(0);  // memory freed by an earlier size must not hide this one's growth
  const long rss0 = rss_bytes();
  // Capacity: the entries plus the fresh stories (exact and near hits insert nothing), so the
  // LSH table (sized for max_entries) is what a full index of this size would use.
  // Two sets of fresh stories (one decided one by one, one in batches), and room for near
  // rewrites that miss (published as new), so nothing is evicted during the run.
  const std::size_t capacity = n + 4 * ops + 1;
  auto index = std::make_unique<pipeline::DedupIndex>(scale_config(capacity, near_entries));
  double fill_s = 0;
  {
    constexpr std::size_t kFillBatch = 4096;  // built untimed, decided in batches of 64
    std::vector<pipeline::DedupCandidate> group;
    std::vector<pipeline::Decision> out(kFillBatch);
    for (std::size_t i = 0; i < n; i += kFillBatch) {
      group.clear();
      for (std::size_t k = i; k < std::min(n, i + kFillBatch); ++k) group.push_back(synthetic(k));
      const auto tf = Clock::now();
      for (std::size_t k = 0; k < group.size(); k += 64) {
        const std::size_t m = std::min<std::size_t>(64, group.size() - k);
        index->decide_batch(std::span(group).subspan(k, m), std::span(out).subspan(k, m));
      }
      fill_s += secs_since(tf);
    }
  }
  const long rss1 = rss_bytes();
  const pipeline::DedupStats st = index->stats();

  const std::size_t near_cap = std::min(near_entries, capacity);
  // Pre-built operations (not timed): fresh stories, exact repeats and near rewrites.
  std::vector<pipeline::DedupCandidate> fresh, fresh_batched, exact, near;
  fresh.reserve(ops);
  fresh_batched.reserve(ops);
  exact.reserve(ops);
  near.reserve(ops);
  bench::Rng r(99);
  const uint64_t base = n + 1'000'000'000ULL;
  for (std::size_t k = 0; k < ops; ++k) fresh.push_back(synthetic(base + k));
  for (std::size_t k = 0; k < ops; ++k) fresh_batched.push_back(synthetic(base + ops + k));
  for (std::size_t k = 0; k < ops; ++k) {
    // Exact repeats of any entry present (the fresh ones when the index started empty); near
    // rewrites of the newest half of the near tier (rewrites follow their original within
    // hours; with the whole index in the near tier, of any entry).
    const std::size_t near_span = std::min(n, std::max<std::size_t>(1, near_cap / 2));
    const uint64_t src = n > 0 ? r.below(n) : base + r.below(ops);
    const uint64_t near_src =
        n > 0 ? (near_cap >= capacity ? src : n - 1 - r.below(near_span)) : src;
    auto c = synthetic(near_src);
    c.story_id = "wf-" + hex16(r.next());
    c.event_time = kT0 + std::chrono::seconds{static_cast<int64_t>((n + ops) / 4 + 1)};
    near.push_back(c);
    auto x = synthetic(src);
    x.story_id = c.story_id;
    x.event_time = c.event_time;
    exact.push_back(x);  // same content: exact
    // Near: other content, 8 of 96 MinHash slots changed (J ~ 0.92), same numbers.
    auto& nc = near.back();
    nc.content.lo ^= r.next() | 1;
    for (int s = 0; s < 8; ++s) nc.minhash[r.below(nc.minhash.size())] ^= 0x5A5A;
  }
  std::vector<pipeline::Decision> decided(ops);
  auto timed = [&](const char* what, std::vector<pipeline::DedupCandidate>& cands,
                   pipeline::Verdict expect, std::size_t k) {
    std::size_t ok = 0;
    const auto t = Clock::now();
    if (k == 0) {
      for (const auto& c : cands) ok += index->decide(c).verdict == expect ? 1 : 0;
    } else {
      for (std::size_t i = 0; i < cands.size(); i += k) {
        const std::size_t m = std::min(k, cands.size() - i);
        index->decide_batch(std::span(cands).subspan(i, m), std::span(decided).subspan(i, m));
      }
    }
    const double s = secs_since(t);
    if (k != 0) {
      for (std::size_t i = 0; i < cands.size(); ++i) ok += decided[i].verdict == expect ? 1 : 0;
    }
    std::printf("  %-34s %10.0f ops/s  %7.2f us/op  (%zu/%zu as expected)\n", what,
                static_cast<double>(cands.size()) / s, 1e6 * s / static_cast<double>(cands.size()),
                ok, cands.size());
  };
  // Accounted bytes per entry of a full index. Exact tier: entries + exact/family tables (fixed,
  // sized for `capacity`, counted per entry they are sized for). Near tier: records, figures and
  // the LSH table (fixed, sized for the near capacity) per near entry. Blended: both over all.
  const double dn = static_cast<double>(n);
  const double exact_tier =
      n > 0 ? static_cast<double>(st.bytes - st.near_bytes - st.key_table_bytes) / dn +
                  static_cast<double>(st.key_table_bytes) / static_cast<double>(capacity)
            : 0.0;
  const double near_tier =
      st.near_entries > 0
          ? static_cast<double>(st.near_bytes - st.band_table_bytes) /
                    static_cast<double>(st.near_entries) +
                static_cast<double>(st.band_table_bytes) / static_cast<double>(near_cap)
          : 0.0;
  const double blended =
      n > 0 ? exact_tier + near_tier * static_cast<double>(st.near_entries) / dn : 0.0;
  std::printf(
      "entries %zu (near tier %zu, families %zu, stashed keys %zu): fill %.1f s (%.0f inserts/s, "
      "batches of 64), RSS +%.1f MB = %.0f B/entry; accounted %.1f MB; per entry at capacity: "
      "exact tier %.1f B, near tier %.1f B, blended %.1f B (LSH table %.1f MB for %zu)\n",
      st.entries, st.near_entries, st.families, st.stashed, fill_s, fill_s > 0 ? dn / fill_s : 0.0,
      static_cast<double>(rss1 - rss0) / 1e6, n > 0 ? static_cast<double>(rss1 - rss0) / dn : 0.0,
      static_cast<double>(st.bytes) / 1e6, exact_tier, near_tier, blended,
      static_cast<double>(st.band_table_bytes) / 1e6, near_cap);
  timed("decide, new story (lookup+insert)", fresh, pipeline::Verdict::kNew, 0);
  timed("decide, exact repeat (hit)", exact, pipeline::Verdict::kExact, 0);
  timed("decide, near rewrite (LSH hit)", near, pipeline::Verdict::kNear, 0);
  if (batch > 0) {
    std::printf("  decide_batch, %zu stories per call:\n", batch);
    timed("batch, new story (lookup+insert)", fresh_batched, pipeline::Verdict::kNew, batch);
    timed("batch, exact repeat (hit)", exact, pipeline::Verdict::kExact, batch);
    timed("batch, near rewrite (LSH hit)", near, pipeline::Verdict::kNear, batch);
  }
  fresh.clear();
  fresh_batched.clear();
  exact.clear();
  near.clear();
  const auto td = Clock::now();
  index.reset();
  std::printf("  (destruction %.2f s)\n", secs_since(td));
}

v1::DedupState to_state(const pipeline::DedupCandidate& c) {
  pipeline::Decision d;
  d.family = c.family;
  return pipeline::dedup_state(c, d);
}

void run_restore(std::size_t n, std::size_t near_entries) {
  std::vector<std::string> records;  // the state topic's values, as delivered
  records.reserve(n);
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < n; ++i) {
    records.push_back(to_state(synthetic(i)).SerializeAsString());
    bytes += records.back().size();
  }
  v1::DedupState s;
  auto t = Clock::now();
  for (const auto& rec : records) s.ParseFromString(rec);
  const double parse_s = secs_since(t);

  pipeline::DedupIndex index(scale_config(n + 1, near_entries));
  std::size_t bad = 0;
  t = Clock::now();
  for (const auto& rec : records) {
    if (!s.ParseFromString(rec) || !pipeline::restore_state(index, s)) ++bad;
  }
  const double total_s = secs_since(t);
  std::printf(
      "restore %zu DedupState records (%.1f MB): %.2f s total (%.0f records/s), of which "
      "protobuf parse %.2f s; %zu entries, %zu malformed\n",
      n, static_cast<double>(bytes) / 1e6, total_s, static_cast<double>(n) / total_s, parse_s,
      index.size(), bad);
  // Replaying the same records again (compaction not yet done, or our own writes coming back).
  t = Clock::now();
  for (const auto& rec : records) {
    s.ParseFromString(rec);
    pipeline::restore_state(index, s);
  }
  std::printf("  replay of the same %zu records onto the restored index: %.2f s (%zu entries)\n", n,
              secs_since(t), index.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes = {0, 100'000, 1'000'000};
  std::size_t ops = 200'000, restore_n = 1'000'000, batch = 64;
  std::size_t near_entries = pipeline::DedupConfig{}.near_max_entries;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--sizes") && i + 1 < argc) {
      sizes.clear();
      for (char* tok = std::strtok(argv[++i], ","); tok; tok = std::strtok(nullptr, ","))
        sizes.push_back(std::strtoull(tok, nullptr, 10));
    } else if (!std::strcmp(argv[i], "--ops") && i + 1 < argc) {
      ops = std::strtoull(argv[++i], nullptr, 10);
    } else if (!std::strcmp(argv[i], "--restore") && i + 1 < argc) {
      restore_n = std::strtoull(argv[++i], nullptr, 10);
    } else if (!std::strcmp(argv[i], "--near") && i + 1 < argc) {
      near_entries = std::strtoull(argv[++i], nullptr, 10);
    } else if (!std::strcmp(argv[i], "--batch") && i + 1 < argc) {
      batch = std::strtoull(argv[++i], nullptr, 10);
    } else if (!std::strcmp(argv[i], "--10m")) {
      sizes.push_back(10'000'000);
    } else {
      std::fprintf(stderr,
                   "usage: dedup_scale [--sizes a,b,c] [--ops N] [--restore N] [--10m] [--near N] "
                   "[--batch K]\n");
      return 2;
    }
  }
  std::printf(
      "dedup_scale: synthetic fingerprints, %zu timed ops per kind and size, one thread, thread "
      "CPU time, near tier %zu entries\n",
      ops, near_entries);
  for (std::size_t n : sizes) run_size(n, ops, batch, near_entries);
  if (restore_n > 0) run_restore(restore_n, near_entries);
  return 0;
}
