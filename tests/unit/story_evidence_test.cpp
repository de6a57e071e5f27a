// Story evidence: subjects and facts of a story, their comparison, and the dedup decisions they
// guard (templated shorts stay apart, rewrites stay caught, changed figures become versions).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pipeline/dedup.hpp"
#include "pipeline/dedup_explain.hpp"
#include "pipeline/fingerprint.hpp"
#include "pipeline/story_evidence.hpp"

namespace wirefeed::pipeline {
namespace {

std::vector<uint32_t> ev(std::string headline, std::vector<std::string> paras) {
  return story_evidence(headline, paras);
}

std::size_t count(const std::vector<uint32_t>& keys, EvidenceKind k) {
  std::size_t n = 0;
  for (uint32_t key : keys) n += evidence_kind(key) == k ? 1 : 0;
  return n;
}

TEST(CanonicalFigure, ReadsSpelledOutNumbersFractionsMoneyAndPercentages) {
  EXPECT_EQ(canonical_figure("five"), "5");
  EXPECT_EQ(canonical_figure("Twelve"), "12");
  EXPECT_EQ(canonical_figure("twenty-one"), "21");
  EXPECT_EQ(canonical_figure("ninety"), "90");
  EXPECT_EQ(canonical_figure("16-1/4"), "16-1/4");
  EXPECT_EQ(canonical_figure("16-3/4,"), "16-3/4");
  EXPECT_EQ(canonical_figure("1,250,000"), "1250000");
  EXPECT_EQ(canonical_figure("$4.50"), "4.50");
  EXPECT_EQ(canonical_figure("7.5%"), "7.5");
  EXPECT_EQ(canonical_figure("(2.1)."), "2.1");
  EXPECT_EQ(canonical_figure("4th"), "4th");
  EXPECT_EQ(canonical_figure("dividend"), "");
  EXPECT_EQ(canonical_figure("someone"), "");
}

TEST(CanonicalFigure, EverySpelledNumberFromZeroToNinetyNine) {
  const std::vector<std::string> units = {
      "zero",     "one",     "two",     "three",     "four",     "five",    "six",
      "seven",    "eight",   "nine",    "ten",       "eleven",   "twelve",  "thirteen",
      "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
  const std::vector<std::string> tens = {"twenty", "thirty",  "forty",  "fifty",
                                         "sixty",  "seventy", "eighty", "ninety"};
  for (std::size_t i = 0; i < units.size(); ++i) {
    EXPECT_EQ(canonical_figure(units[i]), std::to_string(i)) << units[i];
  }
  for (std::size_t t = 0; t < tens.size(); ++t) {
    const int base = 20 + 10 * static_cast<int>(t);
    EXPECT_EQ(canonical_figure(tens[t]), std::to_string(base)) << tens[t];
    for (int u = 1; u <= 9; ++u) {
      const std::string w = tens[t] + "-" + units[static_cast<std::size_t>(u)];
      EXPECT_EQ(canonical_figure(w), std::to_string(base + u)) << w;
    }
    // Not numbers: a tens word joined to zero, a teen or more words, or a unit before a hyphen.
    EXPECT_EQ(canonical_figure(tens[t] + "-zero"), "") << tens[t];
    EXPECT_EQ(canonical_figure(tens[t] + "-ten"), "") << tens[t];
    EXPECT_EQ(canonical_figure(tens[t] + "-one-year-old"), "") << tens[t];
  }
  for (const char* w : {"one-off", "seven-up", "tens", "fours", "forth", "fourty", "nines",
                        "eighteenth", "twentieth", "often", "seventh"}) {
    EXPECT_EQ(canonical_figure(w), "") << w;
  }
}

TEST(StoryEvidence, SpelledOutAndDigitFiguresAreTheSameFact) {
  const auto a = ev("Harbour Gas sets payout", {"Quarterly dividend five cents, payable June 9."});
  const auto b = ev("Harbour Gas sets payout", {"Quarterly dividend 5 cents, payable June 9."});
  const auto c = ev("Harbour Gas sets payout", {"Quarterly dividend 73 cents, payable June 9."});
  EXPECT_EQ(a, b);
  const EvidenceComparison ac = compare_evidence(a, c);
  EXPECT_TRUE(ac.facts_changed());
  EXPECT_EQ(ac.facts_matched, 1);  // 9
  EXPECT_EQ(ac.facts_only_a, 1);   // 5
  EXPECT_EQ(ac.facts_only_b, 1);   // 73
}

TEST(StoryEvidence, TickersInAnyCommonFormAreSubjects) {
  EXPECT_EQ(
      count(ev("KESTREL MILLS <KSM> SETS PAYOUT", {"Qtly div 12 cts."}), EvidenceKind::kTicker),
      1u);
  EXPECT_EQ(count(ev("Kestrel profit up", {"Kestrel Mills (KSM.N) said profit rose."}),
                  EvidenceKind::kTicker),
            1u);
  EXPECT_EQ(count(ev("Kestrel profit up", {"Kestrel Mills (NYSE:KSM) said profit rose."}),
                  EvidenceKind::kTicker),
            1u);
  // A parenthesised acronym without an exchange mark is not a ticker.
  EXPECT_EQ(
      count(ev("Talks resume", {"The World Trade Organisation (WTO) met."}), EvidenceKind::kTicker),
      0u);
  // (NYSE:KSM) and <KSM> name the same company.
  const auto a = ev("x", {"Kestrel Mills <KSM> said."});
  const auto b = ev("x", {"Kestrel Mills (NYSE:KSM) said."});
  EXPECT_EQ(compare_evidence(a, b).tickers_matched, 1);
}

TEST(StoryEvidence, NamesComeFromHeadlineAndLeadOnly) {
  const auto a = ev("Storm closes Port Avalon", {"Heavy rain hit Port Avalon on Monday.",
                                                 "Later paragraphs mention Brightwater."});
  const auto b = ev("Storm closes Port Avalon", {"Heavy rain hit Port Avalon on Monday.",
                                                 "Later paragraphs mention Elsewhere."});
  EXPECT_EQ(a, b);  // a name outside the lead is not a subject
  EXPECT_GT(count(a, EvidenceKind::kName), 0u);
  EXPECT_LE(count(a, EvidenceKind::kName) + count(a, EvidenceKind::kTicker), kMaxSubjects);
}

TEST(CompareEvidence, OtherTickerIsAnotherSubject) {
  const auto a = ev("KESTREL MILLS INC <KSM> SETS PAYOUT", {"Qtly div 12 cts vs 12 cts prior."});
  const auto b = ev("ORBIT FOODS CORP <ORF> SETS PAYOUT", {"Qtly div 12 cts vs 12 cts prior."});
  const EvidenceComparison c = compare_evidence(a, b);
  EXPECT_TRUE(c.subjects_differ());
  EXPECT_FALSE(c.subjects_agree());
  EXPECT_FALSE(c.facts_changed());  // same figures: only the subject tells them apart
}

TEST(CompareEvidence, GarbledTickerWithTheSameNamesIsTheSameSubject) {
  const auto a = ev("Kestrel Mills buys Orbit Foods",
                    {"Kestrel Mills Inc <KSM> agreed to buy Orbit Foods from Delta Partners."});
  const auto b = ev("Kestrel Mills buys Orbit Foods",
                    {"Kestrel Mills Inc K<SM> agreed to buy Orbit Foods from Delta Partners."});
  const EvidenceComparison c = compare_evidence(a, b);
  EXPECT_FALSE(c.subjects_differ());
  EXPECT_TRUE(c.subjects_strongly_agree());
}

TEST(CompareEvidence, DroppedFigureIsNotAChangedFigure) {
  const auto a = ev("Orbit Foods results", {"Sales rose 12 pct to 340 mln dlrs.", "It hired 45."});
  const auto b = ev("Orbit Foods results", {"Sales rose 12 pct to 340 mln dlrs."});
  const EvidenceComparison c = compare_evidence(a, b);
  EXPECT_FALSE(c.facts_changed());
  EXPECT_EQ(c.facts_only_a, 1);
  EXPECT_EQ(c.facts_only_b, 0);
}

TEST(RequiredSimilarity, GrowsAsTheTextShrinks) {
  EXPECT_DOUBLE_EQ(required_similarity(0.5, 0), 0.5);  // unknown length: no length rule
  EXPECT_DOUBLE_EQ(required_similarity(0.5, kLongTextTokens), 0.5);
  EXPECT_DOUBLE_EQ(required_similarity(0.5, kShortTextTokens), kShortTextSimilarity);
  EXPECT_DOUBLE_EQ(required_similarity(0.5, 10), kShortTextSimilarity);
  const double mid = required_similarity(0.5, (kShortTextTokens + kLongTextTokens) / 2);
  EXPECT_GT(mid, 0.5);
  EXPECT_LT(mid, kShortTextSimilarity);
}

// --- The dedup index with evidence: synthetic templated shorts and rewrites. ---

DedupCandidate candidate(const std::string& id, const std::string& headline,
                         const std::vector<std::string>& paras, int minute) {
  CleanStory s;
  s.headline = headline;
  s.paragraphs = paras;
  const StoryFingerprint fp = fingerprint(s);
  DedupCandidate c;
  c.story_id = id;
  c.content = fp.content;
  c.minhash = fp.minhash;
  c.numbers = story_evidence(s);
  c.tokens = fp.tokens;
  c.family = normalized_text_hash(headline);
  c.event_time = std::chrono::sys_seconds{std::chrono::seconds{1'700'000'000 + 60 * minute}};
  return c;
}

DedupConfig config() {
  DedupConfig cfg;
  cfg.max_entries = 1000;
  cfg.near_max_entries = 1000;
  return cfg;
}

TEST(DedupEvidence, TemplatedDividendShortsOfOtherCompaniesAreBothPublished) {
  DedupIndex index(config());
  const auto a =
      candidate("wf-00000000000000a1", "KESTREL MILLS INC <KSM> SETS PAYOUT",
                {"Qtly div 15 cts vs 15 cts prior", "Pay April 30", "Record April 9"}, 0);
  const auto b =
      candidate("wf-00000000000000a2", "ORBIT FOODS CORP <ORF> SETS PAYOUT",
                {"Qtly div six cts vs six cts prior", "Pay April 30", "Record April 9"}, 5);
  EXPECT_EQ(index.decide(a).verdict, Verdict::kNew);
  const Decision d = index.decide(b);
  EXPECT_EQ(d.verdict, Verdict::kNew);
  EXPECT_TRUE(d.ref_id.empty());
}

TEST(DedupEvidence, SameTemplateSameFiguresOtherTickerIsNotSuppressed) {
  DedupIndex index(config());
  const std::vector<std::string> body = {"Qtly div 15 cts vs 15 cts prior", "Pay April 30",
                                         "Record April 9"};
  EXPECT_EQ(
      index.decide(candidate("wf-00000000000000b1", "KESTREL MILLS <KSM> SETS PAYOUT", body, 0))
          .verdict,
      Verdict::kNew);
  const Decision d =
      index.decide(candidate("wf-00000000000000b2", "ORBIT FOODS <ORF> SETS PAYOUT", body, 1));
  EXPECT_EQ(d.verdict, Verdict::kNew);
}

std::vector<std::string> long_story(const std::string& figure) {
  return {
      "Kestrel Mills Inc <KSM> said on Tuesday it would close its Harrow plant and cut "
      "about " +
          figure + " jobs as demand for its paper products fell for a third year.",
      "The company said the closure would cost about 40 mln dlrs before taxes and would be "
      "completed by the end of the year, with production moved to its two other mills.",
      "Chief executive Dana Whitcombe told reporters the decision was painful but that the "
      "plant had lost money in each of the last four quarters and had no prospect of a "
      "return to profit without new investment the company could not justify.",
      "Union officials said they would seek talks with management over severance terms and "
      "asked local authorities for help in retraining the workers affected by the closure."};
}

TEST(DedupEvidence, RewriteWithADroppedParagraphIsStillANearDuplicate) {
  DedupIndex index(config());
  const auto orig =
      candidate("wf-00000000000000c1", "Kestrel Mills to close Harrow plant", long_story("350"), 0);
  auto paras = long_story("350");
  paras.pop_back();
  const auto rewrite =
      candidate("wf-00000000000000c2", "Kestrel Mills to close Harrow plant, cut jobs", paras, 30);
  EXPECT_EQ(index.decide(orig).verdict, Verdict::kNew);
  const Decision d = index.decide(rewrite);
  EXPECT_EQ(d.verdict, Verdict::kNear);
  EXPECT_EQ(d.ref_id, "wf-00000000000000c1");
  EXPECT_EQ(d.reason, DedupReason::kNearAgrees);
  EXPECT_GT(d.evidence.tickers_matched, 0);
}

TEST(DedupEvidence, ChangedFigureSameSubjectIsANewVersionNeverSuppressed) {
  DedupIndex index(config());
  const auto orig =
      candidate("wf-00000000000000d1", "Kestrel Mills to close Harrow plant", long_story("350"), 0);
  const auto changed = candidate("wf-00000000000000d2", "Kestrel Mills to close Harrow plant",
                                 long_story("530"), 40);
  EXPECT_EQ(index.decide(orig).verdict, Verdict::kNew);
  const Decision d = index.decide(changed);
  EXPECT_EQ(d.verdict, Verdict::kVersionNew);
  EXPECT_EQ(d.ref_id, "wf-00000000000000d1");
  EXPECT_EQ(d.reason, DedupReason::kFiguresChanged);
  EXPECT_EQ(d.evidence.facts_only_a, 1);
  EXPECT_EQ(d.evidence.facts_only_b, 1);
  std::string explain;
  append_dedup_explain(explain, d);
  EXPECT_NE(explain.find("rule=figures_changed"), std::string::npos);
  EXPECT_NE(explain.find("facts="), std::string::npos);
}

TEST(DedupEvidence, SimilarStoryAboutAnotherCompanyWithAChangedFigureIsPublishedUnlinked) {
  DedupIndex index(config());
  auto other = long_story("350");
  for (auto& p : other) {
    for (std::size_t at; (at = p.find("Kestrel Mills Inc <KSM>")) != std::string::npos;) {
      p.replace(at, 23, "Orbit Foods Corp <ORF>");
    }
  }
  other[0].replace(other[0].find("350"), 3, "120");
  EXPECT_EQ(index.decide(candidate("wf-00000000000000e1", "Plant to close", long_story("350"), 0))
                .verdict,
            Verdict::kNew);
  const Decision d = index.decide(candidate("wf-00000000000000e2", "Plant to close", other, 10));
  EXPECT_EQ(d.verdict, Verdict::kNew);
  EXPECT_TRUE(d.related.empty());  // another subject: no doubt link either
}

}  // namespace
}  // namespace wirefeed::pipeline
