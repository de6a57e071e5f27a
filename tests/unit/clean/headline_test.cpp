// Tests for clean_story: Headlines, version tags and take markers (pipeline/clean/headline.*).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pipeline/clean.hpp"
#include "tests/unit/clean/clean_test_util.hpp"

namespace wirefeed::pipeline::clean_test {
namespace {

// ---- headlines -----------------------------------------------------------------------------

TEST(CleanHeadline, UpdateTag) {
  const CleanStory s = clean("UPDATE 2-Oil prices rise on supply worries\n\nText.");
  EXPECT_EQ(s.headline, "Oil prices rise on supply worries");
  EXPECT_EQ(s.version_tags, (std::vector<std::string>{"UPDATE 2"}));
  EXPECT_EQ(s.version_number, 2u);
}

TEST(CleanHeadline, ChainedTags) {
  const CleanStory s = clean("REFILE-UPDATE 1-Fed holds rates steady\n\nText.");
  EXPECT_EQ(s.headline, "Fed holds rates steady");
  EXPECT_EQ(s.version_tags, (std::vector<std::string>{"REFILE", "UPDATE 1"}));
  EXPECT_EQ(s.version_number, 1u);
}

TEST(CleanHeadline, GenreTags) {
  struct Case {
    std::string_view raw, headline, tag;
  };
  for (const Case& c : {
           Case{"CORRECTED-Bank fines rise", "Bank fines rise", "CORRECTED"},
           Case{"REPEAT-Bank fines rise", "Bank fines rise", "REPEAT"},
           Case{"RPT-Bank fines rise", "Bank fines rise", "RPT"},
           Case{"EXCLUSIVE-Bank fines rise", "Bank fines rise", "EXCLUSIVE"},
           Case{"ANALYSIS-Bank fines rise", "Bank fines rise", "ANALYSIS"},
           Case{"FACTBOX-Key facts on banks", "Key facts on banks", "FACTBOX"},
           Case{"BRIEF-Acme Corp Q3 profit", "Acme Corp Q3 profit", "BRIEF"},
           Case{"WRAPUP 1-Storms lash Europe", "Storms lash Europe", "WRAPUP 1"},
           Case{"INTERVIEW-Minister sees growth", "Minister sees growth", "INTERVIEW"},
           Case{"US STOCKS-Wall St ends higher", "Wall St ends higher", "US STOCKS"},
       }) {
    const CleanStory s = clean(std::string(c.raw) + "\n\nText.");
    EXPECT_EQ(s.headline, c.headline) << c.raw;
    EXPECT_EQ(s.version_tags, (std::vector<std::string>{std::string(c.tag)})) << c.raw;
    EXPECT_EQ(s.version_number, 0u) << c.raw;
  }
}

TEST(CleanHeadline, CorrectedUpdate) {
  const CleanStory s = clean("CORRECTED-UPDATE 3-Bank fines rise\n\nText.");
  EXPECT_EQ(s.version_tags, (std::vector<std::string>{"CORRECTED", "UPDATE 3"}));
  EXPECT_EQ(s.version_number, 3u);
}

TEST(CleanHeadline, TakeMarker) {
  const CleanStory s = clean("Fed minutes show split over rates =2\n\nText.");
  EXPECT_EQ(s.headline, "Fed minutes show split over rates");
  EXPECT_EQ(s.version_tags, (std::vector<std::string>{"TAKE 2"}));
  const CleanStory t = clean("UPDATE 1-Fed minutes=3\n\nText.");
  EXPECT_EQ(t.headline, "Fed minutes");
  EXPECT_EQ(t.version_tags, (std::vector<std::string>{"UPDATE 1", "TAKE 3"}));
}

TEST(CleanHeadline, HyphenatedWordsAreNotTags) {
  for (std::string_view h :
       {"COVID-19 cases rise in Europe", "Biden-Xi summit ends", "UPDATE-", "UPDATES-to follow",
        "US-China talks resume", "Score is 2-1 at half time"}) {
    const CleanStory s = clean(std::string(h) + "\n\nText.");
    EXPECT_EQ(s.headline, h);
    EXPECT_TRUE(s.version_tags.empty()) << h;
  }
}

TEST(CleanHeadline, AllCapsAlert) {
  const CleanStory s = clean("FED LEAVES RATES UNCHANGED AT 5.25%-5.50%");
  EXPECT_EQ(s.headline, "FED LEAVES RATES UNCHANGED AT 5.25%-5.50%");
  EXPECT_TRUE(s.headline_all_caps);
  EXPECT_TRUE(s.paragraphs.empty());
  EXPECT_FALSE(clean("Fed leaves rates unchanged").headline_all_caps);
  EXPECT_FALSE(clean("2024 - 5.25%").headline_all_caps);  // no letters
  EXPECT_TRUE(clean("BRIEF-ACME SEES Q3 PROFIT\n\nx").headline_all_caps);
  EXPECT_TRUE(clean("\xC3\x89LYS\xC3\x89"
                    "E CONFIRME")
                  .headline_all_caps);  // ÉLYSÉE
  EXPECT_FALSE(clean("\xC3\x89lys\xC3\xA9"
                     "e confirme")
                   .headline_all_caps);
}

TEST(CleanHeadline, WhitespaceNormalised) {
  const CleanStory s = clean("  Biden ,  Xi   to meet ( again )  \n\nText.");
  EXPECT_EQ(s.headline, "Biden, Xi to meet (again)");
}

}  // namespace
}  // namespace wirefeed::pipeline::clean_test
