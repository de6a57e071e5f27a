// Main-content extraction speed on a directory of HTML pages: every page through the whole
// Processor (sniffed as HTML → DOM extraction → cleaning → fingerprint → dedup), on one thread,
// as `wirefeed process PAGE...` runs it. Prints pages/s and MB/s per core (the median of
// --rounds rounds, each with a fresh pipeline so dedup never short-cuts a round), and with
// --out FILE the paragraphs of each page as JSON lines ({"file", "paragraphs"}) for
// bench/html_peer.py, which scores them beside trafilatura.
//
// usage: html_bench [--rounds N] [--out FILE] PAGE.html...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "pipeline/processor.hpp"

namespace {

namespace fs = std::filesystem;
using namespace wirefeed;

struct Page {
  std::string name;
  std::string bytes;
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

pipeline::InputMessage message_of(const Page& page) {
  pipeline::InputMessage m;  // as `wirefeed process FILE` builds it
  m.topic = page.name;
  m.key = fs::path(page.name).filename().string();
  m.value = page.bytes;
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 5;
  std::string out_path;
  std::vector<Page> pages;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--rounds" && i + 1 < argc) {
      rounds = std::max(1, std::stoi(argv[++i]));
    } else if (a == "--out" && i + 1 < argc) {
      out_path = argv[++i];
    } else {
      pages.push_back({a, read_file(a)});
    }
  }
  if (pages.empty()) {
    std::cerr << "usage: html_bench [--rounds N] [--out FILE] PAGE.html...\n";
    return 2;
  }
  std::size_t bytes = 0;
  for (const Page& p : pages) bytes += p.bytes.size();
  std::vector<pipeline::InputMessage> msgs;
  msgs.reserve(pages.size());
  for (const Page& p : pages) msgs.push_back(message_of(p));

  std::vector<double> rates;
  std::size_t stories = 0;
  for (int r = 0; r < rounds; ++r) {
    auto pipe = pipeline::make_pipeline(pipeline::PipelineSettings{});
    std::vector<pipeline::ProcessResult> results;
    results.reserve(msgs.size());
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto& m : msgs) results.push_back(pipe->processor.process(m));
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rates.push_back(static_cast<double>(msgs.size()) / secs);
    if (r == 0) {
      std::ofstream out;
      if (!out_path.empty()) out.open(out_path);
      for (std::size_t i = 0; i < results.size(); ++i) {
        nlohmann::json line{{"file", pages[i].name}, {"paragraphs", nlohmann::json::array()}};
        for (const auto& rec : results[i].records) {
          if (!rec.has_story()) continue;
          ++stories;
          for (const auto& para : rec.story().paragraphs()) line["paragraphs"].push_back(para);
        }
        if (out.is_open()) out << line.dump() << '\n';
      }
    }
  }
  std::sort(rates.begin(), rates.end());
  const double median = rates[rates.size() / 2];
  const double mb = static_cast<double>(bytes) / 1e6;
  std::printf(
      "html_bench: %zu pages, %.1f MB, %zu stories; median of %d rounds: %.1f pages/s, "
      "%.2f MB/s (one thread; min %.1f, max %.1f pages/s)\n",
      pages.size(), mb, stories, rounds, median, median * mb / static_cast<double>(pages.size()),
      rates.front(), rates.back());
  return 0;
}
