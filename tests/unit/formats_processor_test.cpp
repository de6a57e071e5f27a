// Structured documents through the Processor: metadata wins over cleaner guesses, item ids and
// versions drive dedup (newer supersedes, older late copy is not re-published), canceled
// status and ANPA kills cancel the family, decode failures are dead letters naming the format.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "pipeline/processor.hpp"
#include "pipeline/structured.hpp"
#include "tests/support/harness.hpp"

namespace wirefeed::pipeline {
namespace {

using testing::formats_fixture;

pipeline::InputMessage input(std::string value, int64_t offset) {
  pipeline::InputMessage m;
  m.topic = "wire.raw";
  m.partition = 0;
  m.offset = offset;
  m.timestamp = pipeline::Millis{std::chrono::milliseconds{1'709'546'400'000 + offset * 1000}};
  m.value = std::move(value);
  return m;
}

TEST(FormatsProcessor, NinjsVersionsSupersedeAndCancel) {
  pipeline::DedupIndex idx({});
  const Processor p(ProcessorConfig{}, idx);
  const auto v1 = p.process(input(formats_fixture("ninjs-v2-update-older.json"), 1)).records.at(0);
  ASSERT_TRUE(v1.has_story());
  EXPECT_EQ(v1.story().version().number(), 1u);
  const auto v2 = p.process(input(formats_fixture("ninjs-v2-update.json"), 2)).records.at(0);
  ASSERT_TRUE(v2.has_story());
  EXPECT_EQ(v2.story().version().supersedes(), v1.story().id());
  EXPECT_EQ(v2.story().version().family(), v1.story().version().family());
  // Structured fields on the Story.
  const v1::Story& s = v2.story();
  EXPECT_EQ(s.source().format(), "ninjs");
  EXPECT_EQ(s.headline(), "Fire at Bergen harbour warehouse kills three");
  EXPECT_EQ(s.language(), "en");  // en-GB -> ISO 639-1
  EXPECT_EQ(s.slugline(), "harbour-fire");
  EXPECT_EQ(s.urgency(), 3u);
  EXPECT_EQ(s.pub_status(), "usable");
  EXPECT_EQ(s.version().source_version(), "2");
  EXPECT_EQ(s.version().version_created(), "2024-03-04T08:30:00Z");
  ASSERT_EQ(s.contributors_size(), 2);
  EXPECT_EQ(s.contributors(1).name(), "Tom Berg");
  EXPECT_EQ(s.dateline().location(), "BERGEN, Norway");
  ASSERT_EQ(s.media_size(), 1);
  EXPECT_EQ(s.subjects_size(), 2);
  ASSERT_GE(s.editor_notes_size(), 1);

  // The older version arriving late with different content: not re-published.
  std::string older = formats_fixture("ninjs-v2-update-older.json");
  older.replace(older.find("No casualties"), 13, "No injuries were");
  const auto late = p.process(input(older, 3)).records.at(0);
  ASSERT_TRUE(late.has_duplicate());
  EXPECT_EQ(late.duplicate().kind(), v1::DUPLICATE_KIND_VERSION);
  EXPECT_EQ(late.duplicate().duplicate_of(), v2.story().id());

  const auto cancel = p.process(input(formats_fixture("ninjs-v2-canceled.json"), 4)).records.at(0);
  ASSERT_TRUE(cancel.has_story()) << cancel.DebugString();
  EXPECT_TRUE(cancel.story().version().canceled());
  EXPECT_EQ(cancel.story().version().supersedes(), v2.story().id());
  EXPECT_EQ(cancel.story().pub_status(), "canceled");
}

TEST(FormatsProcessor, AnpaWritethruThenKill) {
  pipeline::DedupIndex idx({});
  const Processor p(ProcessorConfig{}, idx);
  const auto story = p.process(input(formats_fixture("anpa-multitake.txt"), 1)).records.at(0);
  ASSERT_TRUE(story.has_story());
  EXPECT_EQ(story.story().source().format(), "anpa");
  EXPECT_EQ(story.story().headline(), "Storms knock out power to thousands across Georgia");
  EXPECT_EQ(story.story().dateline().location(), "ATLANTA");
  EXPECT_EQ(story.story().paragraphs_size(), 4);
  const auto kill = p.process(input(formats_fixture("anpa-kill.txt"), 2)).records.at(0);
  ASSERT_TRUE(kill.has_story());
  EXPECT_TRUE(kill.story().version().canceled());
  EXPECT_EQ(kill.story().version().supersedes(), story.story().id());
}

TEST(FormatsProcessor, BadDocumentsAreDeadLettersNamingTheFormat) {
  pipeline::DedupIndex idx({});
  const Processor p(ProcessorConfig{}, idx);
  for (const auto& [file, prefix] : std::vector<std::pair<std::string, std::string>>{
           {"nitf-malformed.xml", "nitf: "},
           {"nitf-xxe.xml", "nitf: "},
           {"newsml-billion-laughs.xml", "newsml-g2: "},
           {"ninjs-malformed.json", "ninjs: "},
           {"anpa-two-stories.txt", "anpa: "}}) {
    const auto rec = p.process(input(formats_fixture(file), 1)).records.at(0);
    ASSERT_TRUE(rec.has_dead_letter()) << file;
    EXPECT_EQ(rec.dead_letter().reason(), v1::DEAD_LETTER_REASON_MALFORMED_DOCUMENT) << file;
    EXPECT_EQ(rec.dead_letter().message().rfind(prefix, 0), 0u) << rec.dead_letter().message();
  }
}

TEST(FormatsProcessor, DatelineYearFromVersionCreated) {
  pipeline::DedupIndex idx({});
  const Processor p(ProcessorConfig{}, idx);
  auto m = input(formats_fixture("newsml-g2-message.xml"), 1);
  m.timestamp = pipeline::Millis{std::chrono::milliseconds{1'795'000'000'000}};  // Nov 2026
  const auto rec = p.process(m).records.at(0);
  ASSERT_TRUE(rec.has_story());
  EXPECT_EQ(rec.story().dateline().date(), "2024-04-10");  // "April 10" of versionCreated's year
  EXPECT_EQ(rec.story().dateline().location(), "ROTTERDAM");
}

// --explain names the framing conventions the decoder applied, and the byline's title reaches
// the Story's contributors.
TEST(FormatsProcessor, ExplainNamesFramingRulesAndBylineTitle) {
  pipeline::DedupIndex idx({});
  const Processor p(ProcessorConfig{}, idx);
  std::vector<ExplainEntry> explain;
  const auto rec =
      p.process(input("\x01"
                      "a0452 r a BC-Dam-Repair 04-02 0100\n\x02"
                      "^BC-Dam-Repair,0100<\n^Dam repairs finished early<\n"
                      "^By JO KELL=\n^AP Writer=\n"
                      "\t   MILLTOWN, Ore. (AP) _ Repairs to the dam ended on Monday.\n"
                      "\x03",
                      1),
                &explain)
          .records.at(0);
  ASSERT_TRUE(rec.has_story());
  EXPECT_EQ(rec.story().headline(), "Dam repairs finished early");
  EXPECT_EQ(rec.story().slugline(), "BC-Dam-Repair");
  ASSERT_EQ(rec.story().contributors_size(), 1);
  EXPECT_EQ(rec.story().contributors(0).name(), "JO KELL");
  EXPECT_EQ(rec.story().contributors(0).title(), "AP Writer");
  EXPECT_EQ(rec.story().dateline().location(), "MILLTOWN, Ore.");
  std::vector<std::string> rules;
  for (const auto& e : explain) rules.push_back(e.rule + "->" + e.field);
  for (std::string_view want :
       {"anpa.header->header", "anpa.keyword-line->slugline", "anpa.byline->contributors",
        "anpa.byline-title->contributors.title", "dateline->dateline"}) {
    EXPECT_NE(std::find(rules.begin(), rules.end(), want), rules.end()) << want;
  }
}

TEST(FormatsProcessor, BylineNames) {
  EXPECT_EQ(byline_names("By Jane Doe, Associated Press"), std::vector<std::string>{"Jane Doe"});
  EXPECT_EQ(byline_names("Paulo Santalucia and Frances d'Emilio"),
            (std::vector<std::string>{"Paulo Santalucia", "Frances d'Emilio"}));
  EXPECT_EQ(byline_names("A; B & C"), (std::vector<std::string>{"A", "B", "C"}));
}

}  // namespace
}  // namespace wirefeed::pipeline
