// Per-stage micro-benchmarks (Google Benchmark): decode, clean_story, fingerprint, dedup decide,
// encode, and the whole Processor::process (+ encode), on generated ~1 KB and ~3 KB stories.
// Items/s and bytes/s refer to the raw input story (one item = one story).
//
//   stage_bench [--benchmark_repetitions=3 --benchmark_report_aggregates_only=true]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <variant>
#include <vector>

#include "bench/corpus.hpp"
#include "pipeline/clean.hpp"
#include "pipeline/decode.hpp"
#include "pipeline/encode.hpp"
#include "pipeline/fingerprint.hpp"
#include "pipeline/processor.hpp"
#include "pipeline/router.hpp"
#include "pipeline/story_evidence.hpp"

using namespace wirefeed;

namespace {

constexpr std::size_t kStories = 2048;
const std::chrono::sys_seconds kT0{std::chrono::seconds{1'772'409'600}};

struct Corpus {
  std::vector<pipeline::InputMessage> msgs;
  std::vector<pipeline::DecodedItem> items;
  std::vector<pipeline::CleanStory> clean;
  std::vector<pipeline::StoryFingerprint> fps;
  std::vector<v1::Record> records;  // Story records as published
  std::size_t bytes = 0;
};

// ~`size` byte stories: 70% agency news (Reuters/AP), 30% templated items.
const Corpus& corpus(std::size_t size) {
  static std::map<std::size_t, Corpus> cache;
  auto [it, fresh] = cache.try_emplace(size);
  Corpus& c = it->second;
  if (!fresh) return c;
  bench::Rng rng(size);
  bench::CorpusGenerator gen(rng);
  pipeline::DedupIndex index(pipeline::DedupConfig{});
  const pipeline::Processor proc(pipeline::ProcessorConfig{}, index);
  for (std::size_t i = 0; i < kStories; ++i) {
    const auto t = kT0 + std::chrono::seconds{static_cast<int64_t>(i)};
    const double u = rng.uniform();
    const bench::Shape shape = u < 0.4   ? bench::Shape::kReuters
                               : u < 0.7 ? bench::Shape::kAp
                                         : bench::kAllShapes[2 + rng.below(3)];
    const bench::Story s = gen.make(shape, size, t);
    pipeline::InputMessage m;
    m.topic = "wire.raw";
    m.partition = 0;
    m.offset = static_cast<int64_t>(i);
    m.key = "s-" + std::to_string(i);
    m.timestamp = pipeline::Millis{
        std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch())};
    m.value = gen.render(s, gen.random_style());
    c.bytes += m.value.size();
    auto d = pipeline::decode(m, {});
    auto& item = std::get<pipeline::DecodedItem>(d);
    c.clean.push_back(pipeline::clean_story(item.text, {item.received_at}));
    c.fps.push_back(pipeline::fingerprint(c.clean.back()));
    c.items.push_back(std::move(item));
    auto res = proc.process(m);
    c.records.push_back(res.records.at(0));
    c.msgs.push_back(std::move(m));
  }
  return c;
}

void finish(benchmark::State& state, const Corpus& c) {
  const auto n = static_cast<int64_t>(state.iterations());
  state.SetItemsProcessed(n);
  state.SetBytesProcessed(n * static_cast<int64_t>(c.bytes / c.msgs.size()));  // mean story size
  state.counters["story_bytes"] = static_cast<double>(c.bytes) / static_cast<double>(kStories);
}

void BM_Decode(benchmark::State& state) {
  const Corpus& c = corpus(static_cast<std::size_t>(state.range(0)));
  const pipeline::DecodeConfig cfg;
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = pipeline::decode(c.msgs[i], cfg);
    benchmark::DoNotOptimize(r);
    i = (i + 1) % kStories;
  }
  finish(state, c);
}

void BM_Clean(benchmark::State& state) {
  const Corpus& c = corpus(static_cast<std::size_t>(state.range(0)));
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = pipeline::clean_story(c.items[i].text, {c.items[i].received_at});
    benchmark::DoNotOptimize(r);
    i = (i + 1) % kStories;
  }
  finish(state, c);
}

// clean_story on the hand-checked story corpus (tests/data/stories/*.txt, raw bytes as sent),
// round robin; bytes/s counts the raw story bytes.
void BM_CleanStoryCorpus(benchmark::State& state) {
  static const std::vector<std::string> stories = [] {
    std::vector<std::string> out;
    const std::filesystem::path dir =
        std::filesystem::path(WIREFEED_SOURCE_DIR) / "tests/data/stories";
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      if (e.path().extension() == ".txt") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      out.push_back(ss.str());
    }
    return out;
  }();
  if (stories.empty()) {
    state.SkipWithError("no stories in tests/data/stories");
    return;
  }
  const auto received = std::chrono::sys_seconds{std::chrono::seconds{1'780'000'000}};
  std::size_t i = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    auto r = pipeline::clean_story(stories[i], {received});
    benchmark::DoNotOptimize(r);
    bytes += static_cast<int64_t>(stories[i].size());
    i = (i + 1) % stories.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(bytes);
  state.counters["stories"] = static_cast<double>(stories.size());
}

void BM_Fingerprint(benchmark::State& state) {
  const Corpus& c = corpus(static_cast<std::size_t>(state.range(0)));
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = pipeline::fingerprint(c.clean[i]);
    benchmark::DoNotOptimize(r);
    i = (i + 1) % kStories;
  }
  finish(state, c);
}

// Subject and fact extraction of one story (the evidence the dedup guard compares).
void BM_StoryEvidence(benchmark::State& state) {
  const Corpus& c = corpus(static_cast<std::size_t>(state.range(0)));
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = pipeline::story_evidence(c.clean[i]);
    benchmark::DoNotOptimize(r);
    i = (i + 1) % kStories;
  }
  finish(state, c);
}

// A fresh index with the default capacity (1M entries) whose tables are committed, so a pass
// times the steady state, not the page faults of a new index's first touches (which the daemon
// pays once, while its index fills).
std::unique_ptr<pipeline::DedupIndex> fresh_index() {
  auto index = std::make_unique<pipeline::DedupIndex>(pipeline::DedupConfig{});
  index->commit_tables();
  return index;
}

// Lookup+insert of new stories into an index holding up to kStories entries (it is rebuilt,
// untimed, after each pass over the corpus). Large indexes: see dedup_scale.
void BM_DedupDecide(benchmark::State& state) {
  const Corpus& c = corpus(static_cast<std::size_t>(state.range(0)));
  std::vector<pipeline::DedupCandidate> cands;
  for (std::size_t i = 0; i < kStories; ++i) {
    pipeline::DedupCandidate d;
    d.story_id = c.items[i].id;
    d.content = c.fps[i].content;
    d.minhash = c.fps[i].minhash;
    d.numbers = pipeline::story_evidence(c.clean[i]);  // as the processor fills them
    d.tokens = c.fps[i].tokens;
    d.family = pipeline::normalized_text_hash(c.clean[i].headline);
    d.location = pipeline::normalized_text_hash(c.clean[i].dateline.location);
    d.event_time = c.items[i].received_at;
    cands.push_back(std::move(d));
  }
  auto index = fresh_index();
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = index->decide(cands[i]);
    benchmark::DoNotOptimize(r);
    if (++i == kStories) {
      state.PauseTiming();
      index = fresh_index();
      i = 0;
      state.ResumeTiming();
    }
  }
  finish(state, c);
}

void BM_Encode(benchmark::State& state) {
  const Corpus& c = corpus(static_cast<std::size_t>(state.range(0)));
  const pipeline::OutputTopics topics{"wire.stories", "wire.duplicates", "wire.dead"};
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = pipeline::encode(c.records[i], topics);
    benchmark::DoNotOptimize(r);
    i = (i + 1) % kStories;
  }
  finish(state, c);
}

void BM_EncodeNinjs(benchmark::State& state) {
  const Corpus& c = corpus(static_cast<std::size_t>(state.range(0)));
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = pipeline::encode(c.records[i], "wire.ninjs", pipeline::Encoding::kNinjs3);
    benchmark::DoNotOptimize(r);
    i = (i + 1) % kStories;
  }
  finish(state, c);
}

// Ten newsroom routes: language, urgency, subjects, slugline globs, agencies, version and record
// kinds; a story typically matches one or two (continue) or falls to the default.
pipeline::Router ten_routes() {
  std::vector<pipeline::Route> routes(10);
  for (std::size_t i = 0; i < routes.size(); ++i) {
    routes[i].name = "r" + std::to_string(i);
    routes[i].topics = {"desk." + std::to_string(i)};
  }
  routes[0].match.urgency_min = 1;
  routes[0].match.urgency_max = 2;
  routes[0].continue_ = true;
  routes[0].encoding = pipeline::Encoding::kNinjs3;
  routes[1].match.language = {"fr"};
  routes[2].match.language = {"de", "nl"};
  routes[3].match.subject = {"subj:15000000", "medtop:2000*"};
  routes[4].match.slugline = {"SPORT-*", "*-RESULTS"};
  routes[5].match.agency = {"agency-a", "agency-b*"};
  routes[5].match.version = {pipeline::VersionKind::kCorrection};
  routes[6].match.version = {pipeline::VersionKind::kCancel};
  routes[7].match.record = {pipeline::RecordKind::kDuplicate};
  routes[7].continue_ = true;
  routes[8].match.input_topic = {"wire.raw.*"};
  routes[8].match.format = {"ninjs", "newsml*"};
  routes[9].match.language = {"en"};
  routes[9].match.urgency_min = 3;
  routes[9].match.urgency_max = 5;
  routes[9].continue_ = true;
  return pipeline::Router(routes, {"wire.stories", "wire.duplicates", "wire.dead"});
}

// Routing alone, and routing + encoding every target (the per-record cost of ten routes).
template <bool kEncode>
void BM_Route(benchmark::State& state) {
  const Corpus& c = corpus(static_cast<std::size_t>(state.range(0)));
  const pipeline::Router router = ten_routes();
  std::vector<pipeline::RouteTarget> targets;
  std::size_t i = 0;
  for (auto _ : state) {
    router.route(c.records[i], targets);
    if constexpr (kEncode) {
      for (const auto& t : targets) {
        auto e = pipeline::encode(c.records[i], t.topic, t.encoding);
        benchmark::DoNotOptimize(e);
      }
    }
    benchmark::DoNotOptimize(targets);
    i = (i + 1) % kStories;
  }
  finish(state, c);
}

// The whole Processor (decode -> clean -> fingerprint -> dedup), optionally + encode of its
// records: "processing stages together". A fresh index per pass keeps every story new.
template <bool kEncode>
void BM_Process(benchmark::State& state) {
  const Corpus& c = corpus(static_cast<std::size_t>(state.range(0)));
  const pipeline::OutputTopics topics{"wire.stories", "wire.duplicates", "wire.dead"};
  auto index = fresh_index();
  auto proc = std::make_unique<pipeline::Processor>(pipeline::ProcessorConfig{}, *index);
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = proc->process(c.msgs[i]);
    if constexpr (kEncode) {
      for (const auto& rec : r.records) {
        auto e = pipeline::encode(rec, topics);
        benchmark::DoNotOptimize(e);
      }
    }
    benchmark::DoNotOptimize(r);
    if (++i == kStories) {
      state.PauseTiming();
      index = fresh_index();
      proc = std::make_unique<pipeline::Processor>(pipeline::ProcessorConfig{}, *index);
      i = 0;
      state.ResumeTiming();
    }
  }
  finish(state, c);
}

}  // namespace

BENCHMARK(BM_Decode)->Arg(1000)->Arg(3000);
BENCHMARK(BM_Clean)->Arg(1000)->Arg(3000);
BENCHMARK(BM_CleanStoryCorpus);
BENCHMARK(BM_Fingerprint)->Arg(1000)->Arg(3000);
BENCHMARK(BM_StoryEvidence)->Arg(1000)->Arg(3000);
BENCHMARK(BM_DedupDecide)->Arg(1000)->Arg(3000);
BENCHMARK(BM_Encode)->Arg(1000)->Arg(3000);
BENCHMARK(BM_EncodeNinjs)->Arg(1000)->Arg(3000);
BENCHMARK_TEMPLATE(BM_Route, false)->Name("BM_Route10")->Arg(1000)->Arg(3000);
BENCHMARK_TEMPLATE(BM_Route, true)->Name("BM_Route10Encode")->Arg(1000)->Arg(3000);
BENCHMARK_TEMPLATE(BM_Process, false)->Name("BM_Process")->Arg(1000)->Arg(3000);
BENCHMARK_TEMPLATE(BM_Process, true)->Name("BM_ProcessEncode")->Arg(1000)->Arg(3000);

BENCHMARK_MAIN();
