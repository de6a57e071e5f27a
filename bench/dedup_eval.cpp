// Labelled dedup evaluation (issue 4): builds originals, exact repeats, version chains, graded
// rewrites, templated non-duplicates and unrelated stories from the corpus generator, runs them
// in an interleaved time order through a fresh pipeline::Processor (the real decide() logic) and
// prints precision/recall per kind, a confusion matrix and near-duplicate recall per edit level.
// Then compares the sketches on the same pairs: MinHash (minhash_similarity) vs SimHash Hamming
// distance, at several thresholds.
//
//   dedup_eval [--seed S] [--originals N] [--verbose]
#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench/corpus.hpp"
#include "pipeline/clean.hpp"
#include "pipeline/fingerprint.hpp"
#include "pipeline/processor.hpp"

using namespace wirefeed;
using namespace wirefeed::bench;
using std::chrono::sys_seconds;

namespace {

enum Kind { kNew = 0, kExact, kNear, kVersion, kCancel, kOther, kKinds };
constexpr const char* kKindNames[kKinds] = {"new", "exact", "near", "version", "cancel", "other"};

// Edit levels of rewrites: fraction of sentences edited, or a paragraph reorder.
struct Level {
  const char* name;
  double fraction;  // < 0: reorder paragraphs
};
constexpr Level kLevels[] = {{"edit 5%", 0.05},
                             {"edit 10%", 0.10},
                             {"edit 20%", 0.20},
                             {"edit 40%", 0.40},
                             {"reorder", -1.0}};
constexpr int kNumLevels = static_cast<int>(sizeof kLevels / sizeof kLevels[0]);

struct Item {
  pipeline::InputMessage msg;
  Kind expected = kNew;
  int group = -1;    // the original it derives from (its own index for an original)
  int level = -1;    // rewrites: index into kLevels
  std::string what;  // short description for --verbose
  sys_seconds t{};
  int order = 0;  // tie-break within one chain
};

struct Pair {
  pipeline::StoryFingerprint a, b;
  int level = -1;  // positives: edit level
};

pipeline::StoryFingerprint fp_of(const std::string& text, sys_seconds t) {
  return pipeline::fingerprint(pipeline::clean_story(text, {t}));
}

// Changes the first figure of the story (a CORRECTED version).
bool change_a_figure(Story& s, Rng& rng) {
  for (std::size_t p = 1; p < s.paragraphs.size(); ++p) {
    for (auto& sent : s.paragraphs[p]) {
      const auto pos = sent.find_first_of("0123456789");
      if (pos == std::string::npos) continue;
      auto end = pos;
      while (end < sent.size() && sent[end] >= '0' && sent[end] <= '9') ++end;
      std::string old = sent.substr(pos, end - pos);
      std::string repl;
      do {
        repl = std::to_string(rng.between(2, 999));
      } while (repl == old);
      sent.replace(pos, end - pos, repl);
      return true;
    }
  }
  return false;
}

void rewrite(Story& s, const Level& level, CorpusGenerator& gen) {
  Rng& rng = gen.rng();
  if (level.fraction < 0) {
    // Keep the lead (it carries the dateline); shuffle the rest (Fisher-Yates).
    const auto before = s.paragraphs;
    for (std::size_t i = s.paragraphs.size() - 1; i > 1; --i) {
      const std::size_t j = 1 + rng.below(i);
      std::swap(s.paragraphs[i], s.paragraphs[j]);
    }
    if (s.paragraphs == before && s.paragraphs.size() > 2)
      std::swap(s.paragraphs[1], s.paragraphs[2]);
    return;
  }
  const std::size_t total = s.sentence_count();
  const auto edits = std::max<std::size_t>(
      1, static_cast<std::size_t>(level.fraction * static_cast<double>(total) + 0.5));
  for (std::size_t e = 0; e < edits; ++e) {
    // Pick a sentence uniformly.
    std::size_t k = rng.below(s.sentence_count());
    std::size_t p = 0;
    while (k >= s.paragraphs[p].size()) k -= s.paragraphs[p++].size();
    switch (rng.below(3)) {
      case 0:  // replace
        s.paragraphs[p][k] = gen.sentence(s.topic);
        break;
      case 1:  // drop (the lead keeps at least one sentence)
        if (s.paragraphs[p].size() > 1) {
          s.paragraphs[p].erase(s.paragraphs[p].begin() + static_cast<std::ptrdiff_t>(k));
        } else if (p > 0) {
          s.paragraphs.erase(s.paragraphs.begin() + static_cast<std::ptrdiff_t>(p));
        } else {
          s.paragraphs[p][k] = gen.sentence(s.topic);
        }
        break;
      default:  // insert
        s.paragraphs[p].insert(s.paragraphs[p].begin() + static_cast<std::ptrdiff_t>(k),
                               gen.sentence(s.topic));
        break;
    }
  }
}

double ratio(double a, double b) { return b == 0 ? 0.0 : a / b; }

// ---- templated wire shorts: a few lines each, the same skeleton, other subject and figures ----
// Invented names (syllables), so no real company or place is used.
std::string invented_name(Rng& rng, int syllables) {
  static const std::array<const char*, 24> kSyl = {
      "bar", "tel", "mon", "ka", "ros", "vin", "del", "lor", "ast", "qua", "nir", "sel",
      "dor", "pan", "ex",  "ul", "cor", "mir", "tav", "gen", "hol", "bri", "sto", "ven"};
  std::string out;
  for (int i = 0; i < syllables; ++i) out += rng.pick(kSyl);
  out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return s;
}

std::string ticker(Rng& rng) {
  std::string t;
  for (int i = 0, n = rng.between(2, 4); i < n; ++i) t += static_cast<char>('A' + rng.below(26));
  return t;
}

// Cents as a wire short writes them: small amounts often spelled out ("five cts").
std::string cents(Rng& rng, int v) {
  static const char* kWords[] = {"one", "two",   "three", "four", "five",
                                 "six", "seven", "eight", "nine", "ten"};
  if (v >= 1 && v <= 10 && rng.chance(0.5)) return kWords[v - 1];
  return std::to_string(v);
}

std::string fraction(Rng& rng) {
  static const std::array<const char*, 8> kFr = {"",     "-1/8", "-1/4", "-3/8",
                                                 "-1/2", "-5/8", "-3/4", "-7/8"};
  return std::to_string(rng.between(5, 9)) + rng.pick(kFr);
}

// One templated short of kind 0..4 (dividend, prime rate, earnings table, sports result,
// weather) about a fresh invented subject, dated `day` of March.
std::string templated_short(Rng& rng, int kind, int day) {
  const std::string city = upper(invented_name(rng, 2));
  const std::string dateline = city + ", March " + std::to_string(day) + " - ";
  const std::string co = invented_name(rng, 2) + " " + invented_name(rng, 1);
  const std::array<const char*, 4> suffixes = {"Inc", "Corp", "Co", "Ltd"};
  const std::string suf = rng.pick(suffixes);
  const std::string tk = "<" + ticker(rng) + ">";
  switch (kind) {
    case 0: {
      const int div = rng.between(1, 80);
      return upper(co + " " + suf) + " " + tk + " SETS " +
             (rng.chance(0.5) ? "QUARTERLY DIVIDEND" : "PAYOUT") + "\n\n" + dateline + "Qtly div " +
             cents(rng, div) + " cts vs " + cents(rng, div) + " cts prior\n" + "    Pay April " +
             std::to_string(rng.between(1, 30)) + "\n    Record March " +
             std::to_string(rng.between(10, 31)) + "\n Reuter\n";
    }
    case 1: {
      const std::string rate = fraction(rng);
      return upper(co) + " " + tk + " RAISES PRIME RATE TO " + rate + " PCT\n\n" + dateline + co +
             " " + suf + " said it raised its prime lending rate to " + rate + " pct from " +
             fraction(rng) + " pct, effective immediately.\n Reuter\n";
    }
    case 2: {
      auto money = [&] {
        return std::to_string(rng.between(1, 900)) + "." + std::to_string(rng.between(0, 9)) +
               " mln";
      };
      return upper(co + " " + suf) + " " + tk + " 4TH QTR NET\n\n" + dateline + "Shr " +
             cents(rng, rng.between(1, 99)) + " cts vs " + cents(rng, rng.between(1, 99)) +
             " cts\n    Net " + money() + " vs " + money() + "\n    Revs " + money() + " vs " +
             money() + "\n Reuter\n";
    }
    case 3: {
      const std::string a = invented_name(rng, 2) + " United", b = invented_name(rng, 3);
      return "SOCCER - " + upper(invented_name(rng, 2)) + " LEAGUE RESULT\n\n" + dateline +
             "Result of a league match played on Saturday: " + a + " " +
             std::to_string(rng.between(0, 4)) + " " + b + " " + std::to_string(rng.between(0, 4)) +
             ".\n Reuter\n";
    }
    default: {
      const std::string place = invented_name(rng, 3);
      return upper(place) + " WEATHER\n\n" + dateline + "Forecast for " + place +
             ": cloudy with rain later, high " + std::to_string(rng.between(2, 20)) + " C, low " +
             std::to_string(rng.between(-5, 8)) + " C, winds " +
             std::to_string(rng.between(5, 40)) + " km/h.\n Reuter\n";
    }
  }
}

const char* kShortKinds[] = {"dividend", "prime rate", "earnings table", "sports result",
                             "weather"};

}  // namespace

int main(int argc, char** argv) {
  uint64_t seed = 7;
  int n_news = 500;
  int per_template = 15;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--seed") && i + 1 < argc)
      seed = std::stoull(argv[++i]);
    else if (!std::strcmp(argv[i], "--originals") && i + 1 < argc)
      n_news = std::stoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--verbose"))
      verbose = true;
    else {
      std::fprintf(stderr, "usage: dedup_eval [--seed S] [--originals N] [--verbose]\n");
      return 2;
    }
  }
  Rng rng(seed);
  CorpusGenerator gen(rng);
  const sys_seconds t0{std::chrono::seconds{1'772'409'600}};  // 2026-03-02T00:00:00Z
  const auto hours = [](double h) { return std::chrono::seconds{static_cast<int64_t>(h * 3600)}; };

  std::vector<Item> items;
  std::vector<Pair> positives, neg_templated, neg_unrelated;
  std::vector<pipeline::StoryFingerprint> news_fps;
  int next_key = 0;

  auto add_raw = [&](const std::string& text, sys_seconds t, Kind k, int group, int order,
                     std::string what) {
    Item it;
    it.msg.topic = "wire.raw";
    it.msg.partition = 0;
    it.msg.key = "k-" + std::to_string(next_key++);
    it.msg.timestamp = pipeline::Millis{
        std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch())};
    it.msg.value = text;
    it.expected = k;
    it.group = group;
    it.t = t;
    it.order = order;
    it.what = std::move(what);
    items.push_back(std::move(it));
  };
  auto add_envelope = [&](const std::string& id, const std::string& text, sys_seconds t, Kind k,
                          int group, int order, std::string what) {
    add_raw(envelope_json(id, "ap", t, text), t, k, group, order, std::move(what));
  };
  auto style_without_repeat = [&] {
    RenderStyle st = gen.random_style();
    st.repeat_tag = false;
    return st;
  };

  // ---- news originals and what derives from them -----------------------------------------
  int group = 0;
  for (int i = 0; i < n_news; ++i, ++group) {
    const sys_seconds t = t0 + hours(48.0 * rng.uniform());
    const Shape shape = rng.chance(0.55) ? Shape::kReuters : Shape::kAp;
    const double lo = std::log(1000.0), hi = std::log(20000.0);
    const auto size = static_cast<std::size_t>(std::exp(lo + (hi - lo) * rng.uniform()));
    Story orig = gen.make(shape, size, t);
    const RenderStyle st0 = style_without_repeat();
    const std::string text0 = gen.render(orig, st0);
    const double role = rng.uniform();
    const bool chain = role < 0.25;
    const bool rewrites = role >= 0.25 && role < 0.65;
    const bool ap_env = chain && shape == Shape::kAp;  // AP versions: same envelope item id
    const std::string ap_id = "ap-" + std::to_string(i);
    if (ap_env) {
      add_envelope(ap_id, text0, t, kNew, group, 0, "original (AP envelope)");
    } else {
      add_raw(text0, t, kNew, group, 0, std::string("original ") + shape_name(shape));
    }
    news_fps.push_back(fp_of(text0, t));

    // Exact repeats: other layout/boilerplate/quotes, REPEAT- tag for Reuters.
    if (rng.chance(0.35)) {
      RenderStyle st = gen.random_style();
      st.repeat_tag = shape == Shape::kReuters && rng.chance(0.5);
      const sys_seconds tr = t + hours(0.05 + 6 * rng.uniform());
      add_raw(gen.render(orig, st), tr, kExact, group, 1, "exact repeat");
    }

    if (chain) {
      Story v = orig;
      sys_seconds tv = t;
      const int n_updates = rng.between(1, 3);
      // Sometimes the last two updates are delivered out of order: the older one is then stale.
      const bool swap_late = n_updates >= 2 && rng.chance(0.3);
      std::size_t prev_update = 0;
      for (int u = 1; u <= n_updates; ++u) {
        tv += hours(0.3 + 2 * rng.uniform());
        if (shape == Shape::kReuters) {
          v.tags.erase(
              std::remove_if(v.tags.begin(), v.tags.end(),
                             [](const std::string& x) { return x.rfind("UPDATE", 0) == 0; }),
              v.tags.end());
          v.tags.insert(v.tags.begin(), "UPDATE " + std::to_string(u));
        }
        v.advisory = gen.advisory();
        const int add = rng.between(1, 2);
        for (int a = 0; a < add; ++a) {
          const std::size_t pos = 1 + rng.below(v.paragraphs.size());
          v.paragraphs.insert(v.paragraphs.begin() + static_cast<std::ptrdiff_t>(pos),
                              gen.paragraph(v.topic));
        }
        const bool new_headline = rng.chance(0.3);
        if (new_headline) v.headline = gen.headline(v.topic);
        const std::string text = gen.render(v, style_without_repeat());
        const std::string what =
            "update " + std::to_string(u) + (new_headline ? " (new headline)" : "");
        if (ap_env) {
          add_envelope(ap_id, text, tv, kVersion, group, 1 + u, what);
        } else {
          add_raw(text, tv, kVersion, group, 1 + u, what);
        }
        if (swap_late && u == n_updates) {
          Item& older = items[prev_update];
          Item& newer = items.back();
          std::swap(older.t, newer.t);
          older.what += " (delivered after the next update: stale)";
        }
        prev_update = items.size() - 1;
        if (!swap_late && rng.chance(0.15)) {  // a re-send of this update
          RenderStyle st = gen.random_style();
          st.repeat_tag = shape == Shape::kReuters;
          add_raw(gen.render(v, st), tv + hours(0.02), kExact, group, 1 + u, "repeat of update");
        }
      }
      if (shape == Shape::kReuters && rng.chance(0.4) && change_a_figure(v, rng)) {
        tv += hours(0.3 + rng.uniform());
        v.tags.insert(v.tags.begin(), "CORRECTED");
        v.advisory = "(Corrects figure in paragraph 2)";
        add_raw(gen.render(v, style_without_repeat()), tv, kVersion, group, 10,
                "corrected (figure changed)");
      }
      if (shape == Shape::kReuters && rng.chance(0.15)) {  // withdrawal of the story
        Story k = v;
        k.tags.assign({"STORY WITHDRAWN"});
        k.advisory = "(Withdraws story published in error)";
        add_raw(gen.render(k, style_without_repeat()), tv + hours(1), kCancel, group, 11, "kill");
      }
    }

    if (rewrites) {
      // Two rewrites at different levels (another feed's copy: other key, layout, maybe headline).
      const int l1 = static_cast<int>(rng.below(kNumLevels));
      int l2 = static_cast<int>(rng.below(kNumLevels - 1));
      if (l2 >= l1) ++l2;
      for (int l : {l1, l2}) {
        Story r = orig;
        rewrite(r, kLevels[l], gen);
        const bool new_headline = rng.chance(0.5);
        if (new_headline) r.headline = gen.headline(r.topic);
        r.tags.clear();
        const std::string text = gen.render(r, style_without_repeat());
        const sys_seconds tr = t + hours(0.1 + 8 * rng.uniform());
        std::string what = std::string("rewrite ") + kLevels[l].name;
        if (new_headline) what += " (new headline)";
        add_raw(text, tr, kNear, group, 1, what);
        items.back().level = l;
        positives.push_back(Pair{news_fps.back(), fp_of(text, tr), l});
      }
    }
  }

  // ---- templated items: same template, other company/figures (never duplicates) -----------
  struct TemplateRef {
    Shape shape;
    int id;
  };
  const TemplateRef templates[] = {
      {Shape::kEarnings, 0},  {Shape::kEarnings, 1}, {Shape::kEarnings, 2}, {Shape::kCommodity, 0},
      {Shape::kCommodity, 1}, {Shape::kSports, 0},   {Shape::kSports, 1}};
  for (const auto& tr : templates) {
    std::vector<pipeline::StoryFingerprint> fps;
    for (int k = 0; k < per_template; ++k, ++group) {
      const sys_seconds t = t0 + hours(48.0 * rng.uniform());
      Story s = gen.make_templated(tr.shape, tr.id, t);
      const std::string text = gen.render(s, style_without_repeat());
      add_raw(text, t, kNew, group, 0,
              std::string("templated ") + shape_name(tr.shape) + " #" + std::to_string(tr.id));
      fps.push_back(fp_of(text, t));
      if (rng.chance(0.2)) {
        RenderStyle st = gen.random_style();
        st.repeat_tag = true;
        add_raw(gen.render(s, st), t + hours(0.1 + rng.uniform()), kExact, group, 1,
                "templated exact repeat");
      }
    }
    for (std::size_t a = 0; a < fps.size(); ++a)
      for (std::size_t b = a + 1; b < fps.size(); ++b) neg_templated.push_back({fps[a], fps[b]});
  }
  // Templated wire shorts (a few lines, one skeleton, other subject and figures): shingle
  // similarity between two of them is high, so only subjects and facts keep them apart.
  int n_shorts = 0;
  for (int kind = 0; kind < 5; ++kind) {
    for (int k = 0; k < 2 * per_template; ++k, ++group, ++n_shorts) {
      const sys_seconds t = t0 + hours(48.0 * rng.uniform());
      add_raw(templated_short(rng, kind, 2 + k % 3), t, kNew, group, 0,
              std::string("templated short ") + kShortKinds[kind]);
    }
  }
  // Daily market reports reuse headlines: yesterday's report had updates, today's is new.
  for (int k = 0; k < 20; ++k) {
    const sys_seconds t = t0 + hours(20.0 * rng.uniform());
    Story a = gen.make_templated(Shape::kCommodity, 0, t);
    add_raw(gen.render(a, style_without_repeat()), t, kNew, group, 0, "daily report day 1");
    const int ups = rng.between(1, 2);
    for (int u = 1; u <= ups; ++u) {
      a.tags.assign({"UPDATE " + std::to_string(u), "PRECIOUS"});
      a.paragraphs.push_back(gen.paragraph("trade"));
      add_raw(gen.render(a, style_without_repeat()), t + hours(u), kVersion, group, u,
              "daily report day 1 update");
    }
    ++group;
    const sys_seconds t2 = t + hours(22 + 4 * rng.uniform());
    Story b = gen.make_templated(Shape::kCommodity, 0, t2);
    b.headline = a.headline;
    b.location = a.location;
    add_raw(gen.render(b, style_without_repeat()), t2, kNew, group, 0,
            "daily report day 2, same headline+dateline (different story)");
    b.tags.assign({"UPDATE 1", "PRECIOUS"});
    b.paragraphs.push_back(gen.paragraph("trade"));
    add_raw(gen.render(b, style_without_repeat()), t2 + hours(1), kVersion, group, 1,
            "daily report day 2 update 1");
    ++group;
  }
  for (std::size_t a = 0; a < news_fps.size(); ++a) {
    for (int k = 0; k < 3; ++k) {
      std::size_t b = rng.below(news_fps.size());
      if (b == a) continue;
      neg_unrelated.push_back({news_fps[a], news_fps[b]});
    }
  }

  // ---- interleave by time and run through a fresh Processor -------------------------------
  // Within a chain, times already increase with `order`; ties across stories keep build order.
  std::stable_sort(items.begin(), items.end(),
                   [](const Item& a, const Item& b) { return a.t < b.t; });
  // Event times strictly increase along the feed.
  sys_seconds last{};
  for (std::size_t i = 0; i < items.size(); ++i) {
    Item& it = items[i];
    if (it.t <= last) it.t = last + std::chrono::seconds{1};
    last = it.t;
    it.msg.offset = static_cast<int64_t>(i);
    it.msg.timestamp = pipeline::Millis{
        std::chrono::duration_cast<std::chrono::milliseconds>(it.t.time_since_epoch())};
    if (it.msg.value.starts_with("{\"id\"")) {  // envelope: rewrite its received_at
      const auto pos = it.msg.value.find("\"received_at\": \"");
      const std::string ts = pipeline::format_rfc3339(it.t);
      it.msg.value.replace(pos + 16, ts.size(), ts);
    }
  }

  pipeline::DedupIndex index(pipeline::DedupConfig{});
  pipeline::ProcessorConfig pcfg;
  pcfg.decode.fallback_received_at = t0;
  const pipeline::Processor proc(pcfg, index);

  std::array<std::array<int, kKinds>, kKinds> confusion{};
  std::array<int, kNumLevels> level_total{}, level_near{}, level_suppressed{};
  std::unordered_map<std::string, int> group_of_story;
  std::map<std::string, std::array<int, 2 + kKinds>> by_category;  // items, correct, per verdict
  int wrong_target = 0, checked_target = 0;
  std::size_t bytes = 0;
  const auto start = std::chrono::steady_clock::now();
  for (const Item& it : items) {
    bytes += it.msg.value.size();
    const pipeline::ProcessResult res = proc.process(it.msg);
    Kind got = kOther;
    std::string ref;
    if (!res.records.empty() && res.records[0].has_dead_letter()) {
      got = kOther;
    } else {
      switch (res.verdict) {
        case pipeline::Verdict::kNew:
          got = kNew;
          break;
        case pipeline::Verdict::kExact:
          got = kExact;
          break;
        case pipeline::Verdict::kNear:
          got = kNear;
          break;
        case pipeline::Verdict::kVersionNew:
        case pipeline::Verdict::kVersionStale:
          got = kVersion;
          break;
        case pipeline::Verdict::kCancel:
          got = kCancel;
          break;
      }
      const v1::Record& rec = res.records[0];
      if (rec.has_story()) {
        group_of_story[rec.story().id()] = it.group;
        ref = rec.story().version().supersedes();
      } else if (rec.has_duplicate()) {
        ref = rec.duplicate().duplicate_of();
      }
    }
    if (!ref.empty()) {
      ++checked_target;
      auto g = group_of_story.find(ref);
      if (g == group_of_story.end() || g->second != it.group) {
        ++wrong_target;
        if (verbose) {
          std::printf("  WRONG TARGET: %s (group %d) -> %s (group %d)\n", it.what.c_str(), it.group,
                      ref.c_str(), g == group_of_story.end() ? -1 : g->second);
        }
      }
    }
    ++confusion[it.expected][got];
    {
      auto& c = by_category[it.what.substr(0, it.what.find(" ("))];
      ++c[0];
      c[1] += got == it.expected ? 1 : 0;
      ++c[2 + got];
    }
    if (it.level >= 0) {
      ++level_total[it.level];
      level_near[it.level] += got == kNear ? 1 : 0;
      level_suppressed[it.level] += got != kNew ? 1 : 0;
    }
    if (verbose && got != it.expected) {
      std::printf("  MISS expected=%-7s got=%-7s group=%4d %s\n", kKindNames[it.expected],
                  kKindNames[got], it.group, it.what.c_str());
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // ---- report ------------------------------------------------------------------------------
  std::printf(
      "dedup_eval: seed %llu, %zu items (%d news originals, %d templated, %d templated "
      "shorts), %.1f MB, "
      "processed in %.2f s\n\n",
      static_cast<unsigned long long>(seed), items.size(), n_news,
      per_template * static_cast<int>(sizeof templates / sizeof templates[0]), n_shorts,
      static_cast<double>(bytes) / 1e6, secs);
  std::printf("Confusion matrix (rows: expected, columns: decided)\n");
  std::printf("%-10s", "");
  for (int k = 0; k < kKinds; ++k) std::printf("%9s", kKindNames[k]);
  std::printf("%9s\n", "total");
  for (int e = 0; e < kKinds - 1; ++e) {
    std::printf("%-10s", kKindNames[e]);
    int row = 0;
    for (int g = 0; g < kKinds; ++g) {
      std::printf("%9d", confusion[e][g]);
      row += confusion[e][g];
    }
    std::printf("%9d\n", row);
  }
  std::printf("\n%-10s %10s %10s %8s %8s %8s\n", "kind", "precision", "recall", "TP", "FP", "FN");
  for (int k = 0; k < kKinds - 1; ++k) {
    int tp = confusion[k][k], fp = 0, fn = 0;
    for (int o = 0; o < kKinds; ++o) {
      if (o == k) continue;
      fp += confusion[o][k];
      fn += confusion[k][o];
    }
    std::printf("%-10s %10.3f %10.3f %8d %8d %8d\n", kKindNames[k], ratio(tp, tp + fp),
                ratio(tp, tp + fn), tp, fp, fn);
  }
  int new_suppressed = 0, new_total = 0;
  for (int g = 0; g < kKinds; ++g) {
    new_total += confusion[kNew][g];
    if (g != kNew) new_suppressed += confusion[kNew][g];
  }
  std::printf(
      "\nDifferent stories wrongly suppressed: %d of %d (%.2f%%); suppressions/versions "
      "pointing at the wrong story: %d of %d\n",
      new_suppressed, new_total, 100.0 * ratio(new_suppressed, new_total), wrong_target,
      checked_target);

  std::printf("\nPer item category (decided: new/exact/near/version/cancel/other)\n");
  std::printf("%-64s %6s %8s  %s\n", "category", "items", "correct", "decided");
  for (const auto& [cat, c] : by_category) {
    std::printf("%-64s %6d %8.3f  %d/%d/%d/%d/%d/%d\n", cat.c_str(), c[0], ratio(c[1], c[0]), c[2],
                c[3], c[4], c[5], c[6], c[7]);
  }

  std::printf(
      "\nNear-duplicate recall per edit level (rewrite -> NEAR; 'suppressed' also counts "
      "EXACT/VERSION)\n");
  std::printf("%-10s %6s %8s %11s\n", "level", "items", "recall", "suppressed");
  for (int l = 0; l < kNumLevels; ++l) {
    std::printf("%-10s %6d %8.3f %11.3f\n", kLevels[l].name, level_total[l],
                ratio(level_near[l], level_total[l]), ratio(level_suppressed[l], level_total[l]));
  }

  // ---- sketches: MinHash vs SimHash on near-dup vs templated/unrelated pairs ---------------
  auto jac = [](const Pair& p) { return pipeline::minhash_similarity(p.a.minhash, p.b.minhash); };
  auto ham = [](const Pair& p) { return std::popcount(p.a.simhash ^ p.b.simhash); };
  auto guard = [](const Pair& p) { return pipeline::numbers_similarity(p.a.numbers, p.b.numbers); };
  std::printf(
      "\nSketch comparison: %zu near-dup pairs (original, rewrite), %zu templated pairs "
      "(same template, other names/figures), %zu unrelated pairs\n",
      positives.size(), neg_templated.size(), neg_unrelated.size());
  std::printf("%-30s %8s %8s %10s %10s %10s\n", "rule", "recall", "precision", "FP templ",
              "FP unrel", "F1");
  auto row = [&](const char* name, auto&& is_pos) {
    int tp = 0, fpt = 0, fpu = 0;
    for (const auto& p : positives) tp += is_pos(p) ? 1 : 0;
    for (const auto& p : neg_templated) fpt += is_pos(p) ? 1 : 0;
    for (const auto& p : neg_unrelated) fpu += is_pos(p) ? 1 : 0;
    const double rec = ratio(tp, static_cast<double>(positives.size()));
    const double prec = ratio(tp, tp + fpt + fpu);
    std::printf("%-30s %8.3f %8.3f %6d/%-4zu %6d/%-4zu %9.3f\n", name, rec, prec, fpt,
                neg_templated.size(), fpu, neg_unrelated.size(), ratio(2 * prec * rec, prec + rec));
  };
  char name[64];
  for (int d : {3, 6, 9, 12, 16}) {
    std::snprintf(name, sizeof name, "SimHash d <= %d", d);
    row(name, [&](const Pair& p) { return ham(p) <= d; });
  }
  for (double j : {0.3, 0.4, 0.5, 0.6}) {
    std::snprintf(name, sizeof name, "MinHash J >= %.1f", j);
    row(name, [&](const Pair& p) { return jac(p) >= j; });
  }
  for (double j : {0.3, 0.4, 0.5}) {
    std::snprintf(name, sizeof name, "MinHash J >= %.1f + numbers>=0.5", j);
    row(name, [&](const Pair& p) { return jac(p) >= j && guard(p) >= 0.5; });
  }
  std::snprintf(name, sizeof name, "SimHash d <= 12 + numbers>=0.5");
  row(name, [&](const Pair& p) { return ham(p) <= 12 && guard(p) >= 0.5; });

  auto median = [](std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  auto summary = [&](const char* label, const std::vector<Pair>& ps, int level) {
    std::vector<double> j, d, g;
    for (const auto& p : ps) {
      if (level >= 0 && p.level != level) continue;
      j.push_back(jac(p));
      d.push_back(ham(p));
      g.push_back(guard(p));
    }
    std::printf("%-22s %6zu %10.3f %10.0f %10.3f\n", label, j.size(), median(j), median(d),
                median(g));
  };
  std::printf("\nMedians per pair class\n%-22s %6s %10s %10s %10s\n", "pairs", "n", "MinHash J",
              "SimHash d", "numbers J");
  for (int l = 0; l < kNumLevels; ++l) {
    std::snprintf(name, sizeof name, "near: %s", kLevels[l].name);
    summary(name, positives, l);
  }
  summary("templated", neg_templated, -1);
  summary("unrelated", neg_unrelated, -1);

  std::printf("\nRecall per edit level by sketch rule\n%-10s %10s %10s %10s %10s %12s\n", "level",
              "SimH d<=6", "SimH d<=12", "MinH J>=.4", "MinH J>=.5", "J>=.5+guard");
  for (int l = 0; l < kNumLevels; ++l) {
    int n = 0, s6 = 0, s12 = 0, m4 = 0, m5 = 0, m5g = 0;
    for (const auto& p : positives) {
      if (p.level != l) continue;
      ++n;
      s6 += ham(p) <= 6;
      s12 += ham(p) <= 12;
      m4 += jac(p) >= 0.4;
      m5 += jac(p) >= 0.5;
      m5g += jac(p) >= 0.5 && guard(p) >= 0.5;
    }
    std::printf("%-10s %10.3f %10.3f %10.3f %10.3f %12.3f\n", kLevels[l].name, ratio(s6, n),
                ratio(s12, n), ratio(m4, n), ratio(m5, n), ratio(m5g, n));
  }
  return 0;
}
