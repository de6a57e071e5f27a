// Tests for clean_story: Sign-offs, bylines and contributed lines (pipeline/clean/contributors.*).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pipeline/clean.hpp"
#include "tests/unit/clean/clean_test_util.hpp"

namespace wirefeed::pipeline::clean_test {
namespace {

// ---- sign-offs -----------------------------------------------------------------------------

TEST(CleanSignoff, FullReutersSignoff) {
  const CleanStory s = clean(
      "H\n\nText.\n\nReporting by Ben Blanchard in Taipei and Yew Lun Tian in Beijing; Additional "
      "reporting by Jane Doe in Paris; Writing by Tony Munroe; Editing by Mark Potter\n");
  EXPECT_EQ(s.contributors, (std::vector<Contributor>{
                                {"Ben Blanchard", ContributorRole::kReporter, "Taipei"},
                                {"Yew Lun Tian", ContributorRole::kReporter, "Beijing"},
                                {"Jane Doe", ContributorRole::kAdditionalReporting, "Paris"},
                                {"Tony Munroe", ContributorRole::kWriter, ""},
                                {"Mark Potter", ContributorRole::kEditor, ""},
                            }));
  EXPECT_EQ(s.paragraphs, (std::vector<std::string>{"Text."}));
  EXPECT_EQ(s.boilerplate_removed, 1u);
}

TEST(CleanSignoff, ParenthesisedAndLocationShared) {
  const CleanStory s = clean(
      "H\n\nText.\n\n(Reporting by Leigh Thomas and Elizabeth Pineau in Paris; Compiled by "
      "John Irish; editing by Alison Williams)\n");
  EXPECT_EQ(s.contributors, (std::vector<Contributor>{
                                {"Leigh Thomas", ContributorRole::kReporter, "Paris"},
                                {"Elizabeth Pineau", ContributorRole::kReporter, "Paris"},
                                {"John Irish", ContributorRole::kWriter, ""},
                                {"Alison Williams", ContributorRole::kEditor, ""},
                            }));
  EXPECT_EQ(s.paragraphs, (std::vector<std::string>{"Text."}));
}

TEST(CleanSignoff, WrappedSignoffAndPhotographer) {
  const CleanStory s = clean(
      "H\n\nText here.\nReporting by Anna Ringstrom; Photography by Tom Little;\nEditing by "
      "Jan Harvey.\n");
  EXPECT_EQ(names(with_role(s, ContributorRole::kPhotographer)), (Names{"Tom Little"}));
  EXPECT_EQ(names(with_role(s, ContributorRole::kEditor)), (Names{"Jan Harvey"}));
  EXPECT_EQ(s.paragraphs, (std::vector<std::string>{"Text here."}));
}

TEST(CleanSignoff, BylineThenSignoffMergesLocations) {
  const CleanStory s = clean(
      "UPDATE 3-Israel, Hamas extend truce\n\n"
      "(Adds White House comment in paragraph 6, details throughout)\n\n"
      "By Nidal al-Mughrabi and Maayan Lubell\n\n"
      "GAZA/JERUSALEM, Nov 27 (Reuters) - Israel and Hamas agreed to\n"
      "extend their truce.\n\n"
      "(Reporting by Nidal al-Mughrabi in Gaza and Maayan Lubell in Jerusalem; Additional "
      "reporting by Andrew Mills in Doha; Writing by Michael Perry; Editing by Lincoln Feast)\n",
      at(2023, 11, 27));
  EXPECT_EQ(s.version_number, 3u);
  EXPECT_EQ(s.dateline, (Dateline{"GAZA/JERUSALEM", "2023-11-27", "Reuters"}));
  EXPECT_EQ(
      s.editor_notes,
      (std::vector<std::string>{"Adds White House comment in paragraph 6, details throughout"}));
  EXPECT_EQ(s.contributors, (std::vector<Contributor>{
                                {"Nidal al-Mughrabi", ContributorRole::kReporter, "Gaza"},
                                {"Maayan Lubell", ContributorRole::kReporter, "Jerusalem"},
                                {"Andrew Mills", ContributorRole::kAdditionalReporting, "Doha"},
                                {"Michael Perry", ContributorRole::kWriter, ""},
                                {"Lincoln Feast", ContributorRole::kEditor, ""},
                            }));
  EXPECT_EQ(s.paragraphs,
            (std::vector<std::string>{"Israel and Hamas agreed to extend their truce."}));
}

TEST(CleanSignoff, AtTheUnitedNations) {
  const CleanStory s = clean(
      "H\n\nText.\n\nReporting by Michelle Nichols at the United Nations; Editing by Leslie "
      "Adler");
  EXPECT_EQ(s.contributors,
            (std::vector<Contributor>{
                {"Michelle Nichols", ContributorRole::kReporter, "the United Nations"},
                {"Leslie Adler", ContributorRole::kEditor, ""},
            }));
}

TEST(CleanSignoff, WrappedProseLineStartingWithRoleWordsIsJoined) {
  const CleanStory s = clean(
      "H\n\nThe inquiry followed the newspaper's\nreporting by its own staff on the "
      "deal.\n");
  EXPECT_EQ(s.paragraphs, (std::vector<std::string>{"The inquiry followed the newspaper's "
                                                    "reporting by its own staff on the deal."}));
  EXPECT_TRUE(s.contributors.empty());
}

TEST(CleanSignoff, SentenceStartingLikeSignoffIsKept) {
  const std::string body =
      "Reporting by The Wall Street Journal found that the company misled investors.";
  const CleanStory s = clean("H\n\n" + body);
  EXPECT_TRUE(s.contributors.empty());
  EXPECT_EQ(s.paragraphs, (std::vector<std::string>{body}));
}

TEST(CleanSignoff, ApContributedLine) {
  const CleanStory s = clean(
      "H\n\nATLANTA (AP) \xE2\x80\x94 Text.\n\nAssociated Press writers Jeff Amy in Atlanta and "
      "Sudhin Thanawala contributed to this report.\n");
  EXPECT_EQ(names(with_role(s, ContributorRole::kAdditionalReporting)),
            (Names{"Jeff Amy", "Sudhin Thanawala"}));
  EXPECT_EQ(s.paragraphs, (std::vector<std::string>{"Text."}));
}

TEST(CleanSignoff, PlaceWithStateAfterComma) {
  const CleanStory s = clean(
      "H\n\nCHICAGO (AP) - Text.\n\nAssociated Press writers Sophia Tareen in Chicago, Ed White "
      "in Detroit and Todd Richmond in Madison, Wisconsin, contributed to this report.\n");
  EXPECT_EQ(s.contributors,
            (std::vector<Contributor>{
                {"Sophia Tareen", ContributorRole::kAdditionalReporting, "Chicago"},
                {"Ed White", ContributorRole::kAdditionalReporting, "Detroit"},
                {"Todd Richmond", ContributorRole::kAdditionalReporting, "Madison, Wisconsin"}}));
  // A Reuters sign-off: the region continues the place; a person after it is still a person.
  const CleanStory r = clean(
      "H\n\nText.\n\nReporting by Jane Roe in Portland, Oregon, and John Doe; Editing by Ann "
      "Lee\n");
  EXPECT_EQ(names(with_role(r, ContributorRole::kReporter)), (Names{"Jane Roe", "John Doe"}));
  EXPECT_EQ(r.contributors.at(0).location, "Portland, Oregon");
}

}  // namespace
}  // namespace wirefeed::pipeline::clean_test
