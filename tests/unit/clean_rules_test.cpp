// Cleaning rules as data (pipeline/clean_rules.*): the embedded packs, newsroom files (add,
// override, disable), precise errors, --explain entries, quotes, non-English datelines, and the
// clean.rules_file config key with its SIGHUP reload.
#include "pipeline/clean_rules.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "daemon/config.hpp"
#include "daemon/reload.hpp"
#include "pipeline/clean.hpp"
#include "pipeline/processor.hpp"

namespace wirefeed::pipeline {
namespace {

using std::chrono::sys_days;
using std::chrono::sys_seconds;

sys_seconds at(int y, unsigned m, unsigned d) {
  return sys_seconds{sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}}} +
         std::chrono::hours{12};
}

CleanStory clean_with(std::string_view text, const CleanRules* rules,
                      std::vector<ExplainEntry>* explain = nullptr,
                      sys_seconds received = at(2023, 11, 12)) {
  return clean_story(text, CleanContext{received, rules, explain});
}

bool has_paragraph_containing(const CleanStory& s, std::string_view needle) {
  return std::any_of(s.paragraphs.begin(), s.paragraphs.end(),
                     [&](const std::string& p) { return p.find(needle) != std::string::npos; });
}

const ExplainEntry* find_rule(const std::vector<ExplainEntry>& e, std::string_view rule) {
  for (const auto& x : e) {
    if (x.rule == rule) return &x;
  }
  return nullptr;
}

constexpr std::string_view kStory =
    "Port workers strike over automation\n"
    "\n"
    "ROTTERDAM, Nov 12 (Reuters) - Dock workers walked out on Sunday over plans to automate "
    "two container terminals.\n"
    "\n"
    "Copyright 2023 Example Newsroom Ltd. All rights reserved.\n"
    "\n"
    "The operators said they had made a final offer.\n"
    "\n"
    "Back to top\n";

TEST(CleanRules, EmbeddedPacksCompileWithIdsForEveryKind) {
  const auto rules = default_clean_rules();
  ASSERT_NE(rules, nullptr);
  EXPECT_EQ(rules, default_clean_rules());  // compiled once
  const auto& s = rules->set;
  EXPECT_GT(s.lines.size(), 30u);
  EXPECT_GT(s.headline_tags.size(), 30u);
  EXPECT_GT(s.roles.size(), 10u);
  EXPECT_GT(s.caption_credits.size(), 4u);
  EXPECT_FALSE(s.speech_verbs.empty());
  EXPECT_GE(s.months.size(), 12u * 4);
  EXPECT_NE(embedded_cleaning_yaml().find("packs:"), std::string_view::npos);
}

TEST(CleanRules, NewsroomFileAddsALineRuleWithoutRecompiling) {
  // Without the newsroom rule the copyright trailer is body text.
  const CleanStory before = clean_with(kStory, nullptr);
  EXPECT_TRUE(has_paragraph_containing(before, "Copyright 2023"));

  const auto rules = compile_clean_rules(
      "packs:\n"
      "  - name: example-newsroom\n"
      "    lines:\n"
      "      - {id: example.copyright, prefix: \"Copyright \", max_len: 120}\n",
      "newsroom.yaml", default_clean_rules().get());
  std::vector<ExplainEntry> explain;
  const CleanStory after = clean_with(kStory, rules.get(), &explain);
  EXPECT_FALSE(has_paragraph_containing(after, "Copyright"));
  EXPECT_EQ(after.boilerplate_removed, before.boilerplate_removed + 1);
  ASSERT_EQ(after.paragraphs.size(), 2u);
  const ExplainEntry* e = find_rule(explain, "example.copyright");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->field, "removed");
  EXPECT_EQ(e->text, "Copyright 2023 Example Newsroom Ltd. All rights reserved.");
  // The embedded rules still apply.
  EXPECT_NE(find_rule(explain, "web.back-to-top"), nullptr);
  EXPECT_NE(rules->origin.find("newsroom.yaml"), std::string::npos);
}

TEST(CleanRules, PrefixRuleNeverEatsASentenceThatOnlyContainsIt) {
  const auto rules = compile_clean_rules(
      "packs:\n  - name: n\n    lines:\n      - {id: n.copy, prefix: \"Copyright \", max_len: "
      "120}\n",
      "n.yaml", default_clean_rules().get());
  const CleanStory s =
      clean_with("Headline\n\nLONDON, Nov 12 (Reuters) - The court ruled on Copyright law today.\n",
                 rules.get());
  ASSERT_EQ(s.paragraphs.size(), 1u);
  EXPECT_EQ(s.paragraphs[0], "The court ruled on Copyright law today.");
}

TEST(CleanRules, OverrideByIdAndDisable) {
  const auto disabled =
      compile_clean_rules("disable: [web.back-to-top]\n", "d.yaml", default_clean_rules().get());
  EXPECT_TRUE(has_paragraph_containing(clean_with(kStory, disabled.get()), "Back to top"));

  // Same id, new text: the old pattern is gone, the new one applies.
  const auto overridden = compile_clean_rules(
      "packs:\n  - name: n\n    lines:\n      - {id: web.back-to-top, exact: \"Top of page\"}\n",
      "o.yaml", default_clean_rules().get());
  const std::string text = std::string(kStory) + "\nTop of page\n";
  const CleanStory s = clean_with(text, overridden.get());
  EXPECT_TRUE(has_paragraph_containing(s, "Back to top"));
  EXPECT_FALSE(has_paragraph_containing(s, "Top of page"));
}

TEST(CleanRules, CustomHeadlineTagAndRoleAndCredit) {
  const auto rules = compile_clean_rules(
      "packs:\n"
      "  - name: n\n"
      "    headline_tags:\n"
      "      - {id: n.tag.flash, tag: FLASH}\n"
      "    roles:\n"
      "      - {id: n.role.produced, phrase: \"Produced by\", role: editor}\n"
      "    caption_credits:\n"
      "      - {id: n.credit, marker: \"NEWSROOM/\"}\n",
      "n.yaml", default_clean_rules().get());
  std::vector<ExplainEntry> explain;
  const CleanStory s = clean_with(
      "FLASH-Quake hits coast\n\nLIMA, Nov 12 (Reuters) - A strong quake hit the coast.\n\n"
      "Rescuers search the rubble in Lima. NEWSROOM/Ana Diaz\n\n"
      "Produced by Jane Roe\n",
      rules.get(), &explain);
  EXPECT_EQ(s.headline, "Quake hits coast");
  ASSERT_EQ(s.version_tags.size(), 1u);
  EXPECT_EQ(s.version_tags[0], "FLASH");
  ASSERT_EQ(s.captions.size(), 1u);
  EXPECT_EQ(s.captions[0].credit, "NEWSROOM/Ana Diaz");
  ASSERT_FALSE(s.contributors.empty());
  EXPECT_EQ(s.contributors.back().name, "Jane Roe");
  EXPECT_EQ(s.contributors.back().role, ContributorRole::kEditor);
  ASSERT_EQ(s.paragraphs.size(), 1u);
  ASSERT_NE(find_rule(explain, "n.tag.flash"), nullptr);
  EXPECT_EQ(find_rule(explain, "n.tag.flash")->text, "FLASH-");
  EXPECT_NE(find_rule(explain, "n.credit"), nullptr);
  EXPECT_NE(find_rule(explain, "signoff:n.role.produced"), nullptr);
}

void expect_rule_error(std::string_view yaml, std::string_view needle) {
  try {
    compile_clean_rules(yaml, "bad.yaml", default_clean_rules().get());
    ADD_FAILURE() << "accepted: " << yaml;
  } catch (const RuleError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(CleanRules, BadFilesAreRejectedWithFileLineAndReason) {
  expect_rule_error("packs:\n  - name: n\n    lines:\n      - {id: x, exact: a, colour: red}\n",
                    "bad.yaml:4: pack 'n'.lines: unknown key 'colour'");
  expect_rule_error("packs:\n  - name: n\n    lines:\n      - {exact: a}\n", "needs an id");
  expect_rule_error("packs:\n  - name: n\n    lines:\n      - {id: x, exact: a, prefix: b}\n",
                    "exactly one of exact, prefix, suffix, wrapped");
  expect_rule_error(
      "packs:\n  - name: n\n    roles:\n      - {id: r, phrase: Shot by, role: chef}\n",
      "role: expected reporter");
  expect_rule_error("packs:\n  - name: n\n    lines:\n      - {id: reuters.credit, exact: a}\n",
                    "rule id 'reuters.credit' is used twice");
  expect_rule_error("disable: [no.such.rule]\n", "no rule with id 'no.such.rule'");
  expect_rule_error("packs: [\n", "bad.yaml:");
  expect_rule_error("version: 2\n", "only version 1");
  expect_rule_error("packs:\n  - name: n\n    lines:\n      - {id: x, exact: abcdef, max_len: 3}\n",
                    "max_len is shorter than its text");
}

TEST(CleanExplain, NamesTheRuleFieldAndSpanForEachRemovalOrExtraction) {
  std::vector<ExplainEntry> explain;
  const CleanStory s = clean_with(
      "UPDATE 2-Port workers strike\n\n(Adds union comment in paragraph 3)\n\n"
      "ROTTERDAM, Nov 12 (Reuters) - Dock workers walked out.\n\n"
      "\"Our members want guarantees on automation,\" said Niek Stam.\n\n"
      "READ MORE  Another story\n\n"
      "Reporting by Bart Meijer in Amsterdam; Editing by Jane Doe\n",
      nullptr, &explain);
  ASSERT_EQ(s.paragraphs.size(), 2u);
  auto expect = [&](std::string_view rule, std::string_view field, std::string_view text) {
    const ExplainEntry* e = find_rule(explain, rule);
    ASSERT_NE(e, nullptr) << rule;
    EXPECT_EQ(e->field, field) << rule;
    EXPECT_EQ(e->text, text) << rule;
  };
  expect("reuters.tag.update", "headline.tags", "UPDATE 2-");
  expect("advisory", "editor_notes", "(Adds union comment in paragraph 3)");
  expect("dateline", "dateline", "ROTTERDAM, Nov 12 (Reuters) -");
  expect("reuters.read-more-insert", "removed", "READ MORE  Another story");
  expect("signoff:reuters.role.reporting", "contributors",
         "Reporting by Bart Meijer in Amsterdam; Editing by Jane Doe");
  expect("quote", "quotes", "\"Our members want guarantees on automation,\"");
  // Explain is an observer: the story is the same without it.
  const CleanStory plain = clean_with(
      "UPDATE 2-Port workers strike\n\n(Adds union comment in paragraph 3)\n\n"
      "ROTTERDAM, Nov 12 (Reuters) - Dock workers walked out.\n\n"
      "\"Our members want guarantees on automation,\" said Niek Stam.\n\n"
      "READ MORE  Another story\n\n"
      "Reporting by Bart Meijer in Amsterdam; Editing by Jane Doe\n",
      nullptr);
  EXPECT_EQ(plain.paragraphs, s.paragraphs);
  EXPECT_EQ(plain.quotes, s.quotes);
}

// ---- quotes -------------------------------------------------------------------------------------

std::vector<Quote> quotes_of(std::string_view body) {
  const std::string text = "Headline\n\nLONDON, Nov 12 (Reuters) - " + std::string(body) + "\n";
  return clean_with(text, nullptr).quotes;
}

TEST(CleanQuotes, ExplicitAttributionForms) {
  auto q =
      quotes_of("\xE2\x80\x9CWe will restore the military channels,\xE2\x80\x9D Sullivan said.");
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].text, "We will restore the military channels");
  EXPECT_EQ(q[0].speaker, "Sullivan");
  EXPECT_EQ(q[0].paragraph, 0u);

  q = quotes_of("\"Prices will keep rising next year,\" said Jake Sullivan, the adviser.");
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].speaker, "Jake Sullivan");
  EXPECT_EQ(q[0].text, "Prices will keep rising next year");

  q = quotes_of("On Monday, Biden said: \"We are not seeking a new Cold War.\"");
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].speaker, "Biden");
  EXPECT_EQ(q[0].text, "We are not seeking a new Cold War.");

  // The subject as written, title included; a follow-on quote in the same paragraph continues
  // the speaker, as its own entry.
  q = quotes_of(
      "\"We had gusts well over 60 miles an hour,\" said National Weather Service meteorologist "
      "Dana Holt. \"That's enough to bring down the older pines.\"");
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].speaker, "National Weather Service meteorologist Dana Holt");
  EXPECT_EQ(q[1].speaker, q[0].speaker);
  EXPECT_EQ(q[1].text, "That's enough to bring down the older pines.");
  // ... but not after a pronoun attribution.
  EXPECT_TRUE(quotes_of("\"We will not back down from this fight,\" she said. \"Not now, not "
                        "ever.\"")
                  .empty());

  q = quotes_of("\"Our members want guarantees,\" FNV spokesperson Niek Stam told reporters.");
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].speaker, "FNV spokesperson Niek Stam");

  // An appositive after the name is not part of the speaker; "Gov." does not end the sentence.
  q = quotes_of(
      "\"We are not going back to work,\" Patricio Tapia, the union's president, told "
      "reporters. \"We asked a lot of you,\" said Gov. Martin Olsen at a ceremony.");
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].speaker, "Patricio Tapia");
  EXPECT_EQ(q[1].speaker, "Gov. Martin Olsen");

  // Comma after the closing mark, compound verbs, guillemets and low-9 quotes.
  q = quotes_of(
      "« Nous ne lâcherons rien du tout », a déclaré "
      "Sophie Marchand, secrétaire générale.");
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].speaker, "Sophie Marchand");
  EXPECT_EQ(q[0].text, "Nous ne lâcherons rien du tout");
  q = quotes_of(
      "\"Es la mayor inversión en décadas\", afirmó la ministra de "
      "Transportes, Elena Robles, en rueda de prensa.");
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].speaker, "la ministra de Transportes, Elena Robles");
  q = quotes_of(
      "„Das ist ein Lichtblick, aber keine Trendwende“, sagte "
      "Commerzbank-Ökonom Jonas Weber.");
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].speaker, "Commerzbank-Ökonom Jonas Weber");
}

// Verb first, the speaker ends at a preposition after the name: a last-capital rule would run
// on through German nouns ("vor den Medien in Bern") and place names.
TEST(CleanQuotes, VerbFirstSpeakerEndsAtAPreposition) {
  auto q = quotes_of(
      "\"Wir sind bereit, am Devisenmarkt zu intervenieren\", sagte SNB-Pr\xC3\xA4sident Martin "
      "Schlegel vor den Medien in Bern.");
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].speaker, "SNB-Pr\xC3\xA4sident Martin Schlegel");
  q = quotes_of("\"The bridge is open again,\" said Gov. Martin Olsen at a ceremony in Hartford.");
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].speaker, "Gov. Martin Olsen");
  // Lower-case title words between capitals are not prepositions: kept.
  q = quotes_of(
      "\"Non lasceremo indietro nessuno\", ha detto il ministro per la Protezione civile Marco "
      "Ferri in conferenza stampa.");
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].speaker, "il ministro per la Protezione civile Marco Ferri");
}

TEST(CleanQuotes, NoSpeakerNoQuote) {
  EXPECT_TRUE(quotes_of("\"We will not back down from this fight,\" he said.").empty());
  EXPECT_TRUE(quotes_of("The operators made a \"final and generous\" offer.").empty());
  EXPECT_TRUE(quotes_of("\"It is a sad day for the whole town,\" and then they left.").empty());
  EXPECT_TRUE(quotes_of("Sullivan said restored ties could happen \"on the water and in the "
                        "air.\"")
                  .empty());
  EXPECT_TRUE(quotes_of("The sign read \"No entry after dark for anyone\" in red.").empty());
}

// ---- non-English datelines ----------------------------------------------------------------------

Dateline dateline_of(std::string_view first, sys_seconds received = at(2026, 11, 28)) {
  const std::string text = "Titre\n\n" + std::string(first) + " Le texte commence ici.\n";
  return clean_with(text, nullptr, nullptr, received).dateline;
}

TEST(CleanDateline, MonthNamesInFrenchGermanSpanishItalianPortuguese) {
  EXPECT_EQ(dateline_of("PARIS, 27 novembre (AFP) -"), (Dateline{"PARIS", "2026-11-27", "AFP"}));
  EXPECT_EQ(dateline_of("BERLIN, 3. M\xC3\xA4rz (Reuters) -", at(2026, 3, 3)),
            (Dateline{"BERLIN", "2026-03-03", "Reuters"}));
  EXPECT_EQ(dateline_of("MADRID, 5 dic (Reuters) -", at(2026, 12, 5)),
            (Dateline{"MADRID", "2026-12-05", "Reuters"}));
  EXPECT_EQ(dateline_of("MADRID, 5 de diciembre (Reuters) -", at(2026, 12, 5)),
            (Dateline{"MADRID", "2026-12-05", "Reuters"}));
  EXPECT_EQ(dateline_of("ROMA, 14 febbraio (Reuters) -", at(2026, 2, 14)),
            (Dateline{"ROMA", "2026-02-14", "Reuters"}));
  EXPECT_EQ(dateline_of("S\xC3\x83O PAULO, 5 mar\xC3\xA7o (Reuters) -", at(2026, 3, 5)),
            (Dateline{"S\xC3\x83O PAULO", "2026-03-05", "Reuters"}));
  EXPECT_EQ(dateline_of("GEN\xC3\x88VE, 1er d\xC3\xA9"
                        "cembre (AFP) -",
                        at(2026, 12, 1)),
            (Dateline{"GEN\xC3\x88VE", "2026-12-01", "AFP"}));
  EXPECT_EQ(dateline_of("M\xC3\x9CNCHEN, 12. OKTOBER (dpa) -", at(2026, 10, 12)),
            (Dateline{"M\xC3\x9CNCHEN", "2026-10-12", "dpa"}));
}

TEST(CleanDateline, YearAsSentWinsOverTheReceiveYear) {
  EXPECT_EQ(dateline_of("PARIS, 27 novembre 2025 (AFP) -"),
            (Dateline{"PARIS", "2025-11-27", "AFP"}));
  EXPECT_EQ(dateline_of("WASHINGTON, Nov. 12, 2019 (Reuters) -"),
            (Dateline{"WASHINGTON", "2019-11-12", "Reuters"}));
  // An impossible date as sent is no date, not a guess.
  EXPECT_EQ(dateline_of("PARIS, 30 février 2025 (AFP) -").date, "");
}

TEST(CleanDateline, NewsroomMonthNamesFromTheRulesFile) {
  const auto rules = compile_clean_rules(
      "packs:\n  - name: nl\n    months:\n      - {month: 10, names: [oktober]}\n"
      "      - {month: 3, names: [maart, mrt]}\n",
      "nl.yaml", default_clean_rules().get());
  const CleanStory s = clean_with("Kop\n\nAMSTERDAM, 4 mrt (ANP) - De tekst.\n", rules.get(),
                                  nullptr, at(2026, 3, 4));
  EXPECT_EQ(s.dateline, (Dateline{"AMSTERDAM", "2026-03-04", "ANP"}));
  EXPECT_EQ(
      clean_with("Kop\n\nAMSTERDAM, 4 mrt (ANP) - De tekst.\n", nullptr, nullptr, at(2026, 3, 4))
          .dateline.date,
      "");
}

// ---- Unicode NFC ------------------------------------------------------------------------------

TEST(CleanNfc, CombiningMarksComposeWithTheirBase) {
  // Decomposed input (base letter + combining mark U+0300..U+036F) becomes precomposed; a mark
  // with no precomposed form ("q" + acute) stays as sent.
  const std::string acute = "\xCC\x81", grave = "\xCC\x80", diaeresis = "\xCC\x88",
                    cedilla = "\xCC\xA7", tilde = "\xCC\x83", dot_below = "\xCC\xA3",
                    circumflex = "\xCC\x82";
  const CleanStory s =
      clean_with("Headline\n\nPARIS, Nov 12 (AFP) - Cafe" + acute + " a" + grave + " Ko" +
                     diaeresis + "ln and Sc" + cedilla + "a" + tilde + "o, also q" + acute +
                     " and e" + dot_below + circumflex + ".\n",
                 nullptr);
  ASSERT_EQ(s.paragraphs.size(), 1u);
  EXPECT_EQ(s.paragraphs[0], "Café à Köln and Sção, also q" + acute + " and ệ.");
}

// ---- config key and reload ----------------------------------------------------------------------

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("wirefeed-rules-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary | std::ios::trunc) << text;
  }
};

TEST(CleanRulesConfig, RulesFileResolvedAgainstTheConfigAndCompiled) {
  TempDir dir;
  dir.write("rules.yaml",
            "packs:\n  - name: n\n    lines:\n      - {id: n.copy, prefix: \"Copyright \"}\n");
  dir.write("config.yaml", "clean:\n  rules_file: rules.yaml\n");
  const daemon::Config c = daemon::load_config(dir.path / "config.yaml");
  EXPECT_EQ(c.clean.rules_file, (dir.path / "rules.yaml").lexically_normal().string());
  ASSERT_NE(c.clean.rules, nullptr);
  EXPECT_TRUE(std::any_of(c.clean.rules->set.lines.begin(), c.clean.rules->set.lines.end(),
                          [](const LineRule& r) { return r.id == "n.copy"; }));
  EXPECT_NE(daemon::render_config(c).find("rules_file:"), std::string::npos);
  // Without the key: the embedded rules.
  EXPECT_EQ(daemon::parse_config("", "x.yaml").clean.rules, default_clean_rules());
}

TEST(CleanRulesConfig, BadRulesFileIsAConfigErrorNamingKeyFileAndLine) {
  TempDir dir;
  dir.write("rules.yaml",
            "packs:\n  - name: n\n    lines:\n      - {id: n.x, exact: a, bogus: 1}\n");
  dir.write("config.yaml", "log:\n  level: info\nclean:\n  rules_file: rules.yaml\n");
  try {
    daemon::load_config(dir.path / "config.yaml");
    ADD_FAILURE() << "accepted";
  } catch (const daemon::ConfigError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("config.yaml:4: clean.rules_file: "), std::string::npos) << m;
    EXPECT_NE(m.find("rules.yaml:4: pack 'n'.lines: unknown key 'bogus'"), std::string::npos) << m;
  }
  dir.write("config.yaml", "clean:\n  rules_file: missing.yaml\n");
  EXPECT_THROW(daemon::load_config(dir.path / "config.yaml"), daemon::ConfigError);
}

TEST(CleanRulesConfig, SighupReReadsTheRulesFileAndKeepsTheOldRulesOnABadOne) {
  TempDir dir;
  const std::string one =
      "packs:\n  - name: n\n    lines:\n      - {id: n.copy, prefix: \"Copyright \"}\n";
  dir.write("rules.yaml", one);
  dir.write("config.yaml", "clean:\n  rules_file: rules.yaml\n");
  const auto cfg_path = dir.path / "config.yaml";
  std::shared_ptr<const CleanRules> live;
  daemon::Reloader r(
      daemon::load_config(cfg_path), [&] { return daemon::load_config(cfg_path); },
      [&](const daemon::Config& c) { live = c.clean.rules; });

  // Same path, new content: re-read and applied.
  dir.write("rules.yaml", one + "      - {id: n.trailer, exact: \"End of story\"}\n");
  daemon::ReloadOutcome ok = r.reload();
  ASSERT_TRUE(ok.ok) << ok.error;
  EXPECT_NE(std::find(ok.applied.begin(), ok.applied.end(), "clean.rules_file"), ok.applied.end());
  ASSERT_NE(live, nullptr);
  std::vector<ExplainEntry> explain;
  const CleanStory s = clean_with(std::string(kStory) + "\nEnd of story\n", live.get(), &explain);
  EXPECT_NE(find_rule(explain, "n.trailer"), nullptr);
  EXPECT_FALSE(has_paragraph_containing(s, "End of story"));

  // A broken file: the reload is rejected with the rule error and the old rules stay.
  const auto before = live;
  dir.write("rules.yaml", "packs:\n  - name: n\n    lines:\n      - {id: n.x}\n");
  daemon::ReloadOutcome bad = r.reload();
  EXPECT_FALSE(bad.ok);
  EXPECT_NE(bad.error.find("clean.rules_file"), std::string::npos) << bad.error;
  EXPECT_EQ(live, before);
  EXPECT_EQ(r.running().clean.rules, before);
}

TEST(CleanRulesProcessor, QuotesReachTheStoryAndLiveRulesApply) {
  DedupIndex index(DedupConfig{});
  pipeline::Processor p(pipeline::ProcessorConfig{}, index);
  InputMessage msg;
  msg.topic = "t";
  msg.key = "k1";
  msg.value =
      "Port strike\n\nROTTERDAM, Nov 12 (Reuters) - \"Our members want guarantees on "
      "automation,\" said Niek Stam.\n\nCopyright 2023 Example Newsroom Ltd.\n";
  msg.timestamp = at(2023, 11, 12);
  auto r = p.process(msg);
  ASSERT_EQ(r.records.size(), 1u);
  ASSERT_TRUE(r.records[0].has_story());
  const auto& story = r.records[0].story();
  ASSERT_EQ(story.quotes_size(), 1);
  EXPECT_EQ(story.quotes(0).speaker(), "Niek Stam");
  EXPECT_EQ(story.quotes(0).text(), "Our members want guarantees on automation");
  EXPECT_EQ(story.quotes(0).paragraph(), 0u);
  EXPECT_EQ(story.paragraphs_size(), 2);

  p.set_clean_rules(compile_clean_rules(
      "packs:\n  - name: n\n    lines:\n      - {id: n.copy, prefix: \"Copyright \"}\n", "n.yaml",
      default_clean_rules().get()));
  msg.key = "k2";
  msg.value += "\nA new line makes it a new story.\n";
  std::vector<ExplainEntry> explain;
  r = p.process(msg, &explain);
  ASSERT_TRUE(r.records[0].has_story());
  EXPECT_EQ(r.records[0].story().paragraphs_size(), 2);
  EXPECT_NE(find_rule(explain, "n.copy"), nullptr);
}

}  // namespace
}  // namespace wirefeed::pipeline
