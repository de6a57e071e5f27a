// DedupIndex at scale (issue 4/7): decide() throughput and memory per entry at 0, 100k, 1M
// (and optionally 10M) entries, and restore time for 1M entries from DedupState records.
//
//   dedup_scale [--sizes 0,100000,1000000] [--ops N] [--restore N] [--10m]
//
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
#include <string>
#include <vector>

#include "bench/corpus.hpp"
#include "daemon/processor.hpp"
#include "pipeline/dedup.hpp"

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
  const int nn = r.between(0, 12);
  for (int k = 0; k < nn; ++k) c.numbers.push_back(static_cast<uint32_t>(r.next()));
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

pipeline::DedupConfig scale_config(std::size_t max_entries) {
  pipeline::DedupConfig cfg;
  cfg.window = std::chrono::hours(24 * 3650);
  cfg.max_entries = max_entries;
  return cfg;
}

void run_size(std::size_t n, std::size_t ops) {
  malloc_trim(0);  // memory freed by an earlier size must not hide this one's growth
  const long rss0 = rss_bytes();
  // Capacity: the entries plus the fresh stories (exact and near hits insert nothing), so the
  // LSH table (sized for max_entries) is what a full index of this size would use.
  const std::size_t capacity = n + ops + 1;
  auto index = std::make_unique<pipeline::DedupIndex>(scale_config(capacity));
  const auto tf = Clock::now();
  for (std::size_t i = 0; i < n; ++i) index->decide(synthetic(i));
  const double fill_s = secs_since(tf);
  const long rss1 = rss_bytes();
  const pipeline::DedupStats st = index->stats();

  // Pre-built operations (not timed): fresh stories, exact repeats and near rewrites.
  std::vector<pipeline::DedupCandidate> fresh, exact, near;
  fresh.reserve(ops);
  exact.reserve(ops);
  near.reserve(ops);
  bench::Rng r(99);
  const uint64_t base = n + 1'000'000'000ULL;
  for (std::size_t k = 0; k < ops; ++k) fresh.push_back(synthetic(base + k));
  for (std::size_t k = 0; k < ops; ++k) {
    // Repeats of entries present (the fresh ones when the index started empty).
    const uint64_t src = n > 0 ? r.below(n) : base + r.below(ops);
    auto c = synthetic(src);
    c.story_id = "wf-" + hex16(r.next());
    c.event_time = kT0 + std::chrono::seconds{static_cast<int64_t>((n + ops) / 4 + 1)};
    near.push_back(c);
    c.content.lo ^= 0;  // same content: exact
    exact.push_back(c);
    // Near: other content, 8 of 96 MinHash slots changed (J ~ 0.92), same numbers.
    auto& nc = near.back();
    nc.content.lo ^= r.next() | 1;
    for (int s = 0; s < 8; ++s) nc.minhash[r.below(nc.minhash.size())] ^= 0x5A5A;
  }
  auto timed = [&](const char* what, std::vector<pipeline::DedupCandidate>& cands,
                   pipeline::Verdict expect) {
    std::size_t ok = 0;
    const auto t = Clock::now();
    for (const auto& c : cands) ok += index->decide(c).verdict == expect ? 1 : 0;
    const double s = secs_since(t);
    std::printf("  %-34s %10.0f ops/s  %7.2f us/op  (%zu/%zu as expected)\n", what,
                static_cast<double>(cands.size()) / s, 1e6 * s / static_cast<double>(cands.size()),
                ok, cands.size());
  };
  // Accounted bytes per entry of a full index: the variable part per entry held, plus the LSH
  // table (fixed, sized for `capacity`) per entry it is sized for.
  const double per_entry =
      n > 0 ? static_cast<double>(st.bytes - st.band_table_bytes) / static_cast<double>(n) +
                  static_cast<double>(st.band_table_bytes) / static_cast<double>(capacity)
            : 0.0;
  std::printf(
      "entries %zu (families %zu): fill %.1f s (%.0f inserts/s), RSS +%.1f MB = %.0f B/entry; "
      "accounted %.1f MB = %.0f B/entry at capacity (LSH table %.1f MB for %zu)\n",
      st.entries, st.families, fill_s, fill_s > 0 ? static_cast<double>(n) / fill_s : 0.0,
      static_cast<double>(rss1 - rss0) / 1e6,
      n > 0 ? static_cast<double>(rss1 - rss0) / static_cast<double>(n) : 0.0,
      static_cast<double>(st.bytes) / 1e6, per_entry,
      static_cast<double>(st.band_table_bytes) / 1e6, capacity);
  timed("decide, new story (lookup+insert)", fresh, pipeline::Verdict::kNew);
  timed("decide, exact repeat (hit)", exact, pipeline::Verdict::kExact);
  timed("decide, near rewrite (LSH hit)", near, pipeline::Verdict::kNear);
  fresh.clear();
  exact.clear();
  near.clear();
  const auto td = Clock::now();
  index.reset();
  std::printf("  (destruction %.2f s)\n", secs_since(td));
}

v1::DedupState to_state(const pipeline::DedupCandidate& c) {
  pipeline::Decision d;
  d.family = c.family;
  return daemon::dedup_state(c, d);
}

void run_restore(std::size_t n) {
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

  pipeline::DedupIndex index(scale_config(n + 1));
  std::size_t bad = 0;
  t = Clock::now();
  for (const auto& rec : records) {
    if (!s.ParseFromString(rec) || !daemon::restore_state(index, s)) ++bad;
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
    daemon::restore_state(index, s);
  }
  std::printf("  replay of the same %zu records onto the restored index: %.2f s (%zu entries)\n", n,
              secs_since(t), index.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes = {0, 100'000, 1'000'000};
  std::size_t ops = 200'000, restore_n = 1'000'000;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--sizes") && i + 1 < argc) {
      sizes.clear();
      for (char* tok = std::strtok(argv[++i], ","); tok; tok = std::strtok(nullptr, ","))
        sizes.push_back(std::strtoull(tok, nullptr, 10));
    } else if (!std::strcmp(argv[i], "--ops") && i + 1 < argc) {
      ops = std::strtoull(argv[++i], nullptr, 10);
    } else if (!std::strcmp(argv[i], "--restore") && i + 1 < argc) {
      restore_n = std::strtoull(argv[++i], nullptr, 10);
    } else if (!std::strcmp(argv[i], "--10m")) {
      sizes.push_back(10'000'000);
    } else {
      std::fprintf(stderr, "usage: dedup_scale [--sizes a,b,c] [--ops N] [--restore N] [--10m]\n");
      return 2;
    }
  }
  std::printf(
      "dedup_scale: synthetic fingerprints, %zu timed ops per kind and size, one thread, thread "
      "CPU time\n",
      ops);
  for (std::size_t n : sizes) run_size(n, ops);
  if (restore_n > 0) run_restore(restore_n);
  return 0;
}
