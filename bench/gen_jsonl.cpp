// Writes N generated wire stories as JSON envelopes, one per line, for `wirefeed process --jsonl`.
//
//   gen_jsonl [--count N] [--min BYTES] [--max BYTES] [--seed S] [--repeats P] [--raw] > out
//
// --repeats P re-sends a fraction P of earlier stories (new envelope id, different layout), as a
// feed would. --raw prints the raw story texts separated by form feeds instead (for inspection).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "bench/corpus.hpp"

using namespace wirefeed::bench;

int main(int argc, char** argv) {
  std::size_t count = 100'000, min_bytes = 1000, max_bytes = 20'000;
  uint64_t seed = 42;
  double repeats = 0.05;
  bool raw = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string("0"); };
    if (a == "--count")
      count = std::stoul(next());
    else if (a == "--min")
      min_bytes = std::stoul(next());
    else if (a == "--max")
      max_bytes = std::stoul(next());
    else if (a == "--seed")
      seed = std::stoull(next());
    else if (a == "--repeats")
      repeats = std::stod(next());
    else if (a == "--raw")
      raw = true;
    else {
      std::cerr << "usage: gen_jsonl [--count N] [--min B] [--max B] [--seed S] [--repeats P] "
                   "[--raw]\n";
      return 2;
    }
  }
  Rng rng(seed);
  CorpusGenerator gen(rng);
  auto t = std::chrono::sys_seconds{std::chrono::seconds{1'772'409'600}};  // 2026-03-02T00:00Z
  std::vector<Story> recent;                                               // candidates for repeats
  std::string line;
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < count; ++i) {
    t += std::chrono::seconds{1};
    Story s;
    if (!recent.empty() && rng.chance(repeats)) {
      s = recent[rng.below(recent.size())];
    } else {
      s = gen.random(min_bytes, max_bytes, t);
      if (recent.size() < 1000) {
        recent.push_back(s);
      } else {
        recent[rng.below(recent.size())] = s;
      }
    }
    const std::string body = gen.render(s, gen.random_style());
    bytes += body.size();
    if (raw) {
      std::cout << body << "\f\n";
      continue;
    }
    char id[32];
    std::snprintf(id, sizeof id, "gen-%08zu", i);
    line = envelope_json(id, s.shape == Shape::kAp ? "ap" : "reuters", t, body);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stdout);
  }
  std::fprintf(stderr, "gen_jsonl: %zu stories, %.1f MB of story text (mean %.0f B)\n", count,
               static_cast<double>(bytes) / 1e6,
               static_cast<double>(bytes) / static_cast<double>(count));
  return 0;
}
