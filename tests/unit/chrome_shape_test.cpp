// Tests for page chrome by shape (pipeline/clean/chrome_shape.hpp) and its use in clean_story.
#include "pipeline/clean/chrome_shape.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "pipeline/clean.hpp"

namespace wirefeed::pipeline {
namespace {

TEST(ChromeShape, InterfaceLinesInEachLanguage) {
  for (std::string_view line : {"Share on LinkedIn",
                                "Subscribe to our Briefing newsletter",
                                "Save for later",
                                "Load more comments",
                                "Manage cookie preferences",
                                "Download our app",
                                "Watch the video",
                                "Close menu",
                                "Advertisement",
                                "Abonnez-vous à notre newsletter",
                                "Lire aussi",
                                "Jetzt abonnieren",
                                "Artikel teilen",
                                "Síguenos en Facebook",
                                "Compartir en X",
                                "Iscriviti alla newsletter",
                                "Leia também",
                                "Lees ook",
                                "Deel dit artikel",
                                "Suivez-nous sur Instagram"}) {
    EXPECT_EQ(chrome_shape(line), ChromeShape::kInterface) << line;
  }
}

TEST(ChromeShape, GalleryCountersReadingTimesLabelsAndRows) {
  EXPECT_EQ(chrome_shape("Photo 4 of 12"), ChromeShape::kGallery);
  EXPECT_EQ(chrome_shape("Bild 2 von 9"), ChromeShape::kGallery);
  EXPECT_EQ(chrome_shape("Slide 7 of 7"), ChromeShape::kGallery);
  EXPECT_EQ(chrome_shape("6 min read"), ChromeShape::kReadingTime);
  EXPECT_EQ(chrome_shape("Audio · 12 minutes"), ChromeShape::kReadingTime);
  EXPECT_EQ(chrome_shape("Lesezeit: 3 Min."), ChromeShape::kReadingTime);
  EXPECT_EQ(chrome_shape("Tags: Energy, Mining"), ChromeShape::kTopicLabel);
  EXPECT_EQ(chrome_shape("Themen: Handel"), ChromeShape::kTopicLabel);
  EXPECT_EQ(chrome_shape("Facebook · LinkedIn · WhatsApp"), ChromeShape::kSocial);
  EXPECT_EQ(chrome_shape("@wirebiz on Bluesky"), ChromeShape::kSocial);
  EXPECT_EQ(chrome_shape("Home › Business › Energy"), ChromeShape::kBreadcrumb);
  EXPECT_EQ(chrome_shape("World | Europe | Nordics"), ChromeShape::kBreadcrumb);
  EXPECT_EQ(chrome_shape("Video 1:23"), ChromeShape::kReadingTime);
  EXPECT_EQ(chrome_shape("Audio \xC2\xB7 12:05"), ChromeShape::kReadingTime);
  EXPECT_EQ(chrome_shape("Like us on Facebook"), ChromeShape::kSocial);
  EXPECT_EQ(chrome_shape("Lesen Sie auch"), ChromeShape::kInterface);
}

TEST(ChromeShape, LinesOfFunctionAndPageWordsOnly) {
  EXPECT_EQ(chrome_shape("You might also like"), ChromeShape::kNoContent);
  EXPECT_EQ(chrome_shape("More on this story"), ChromeShape::kNoContent);
  EXPECT_EQ(chrome_shape("Top stories"), ChromeShape::kNoContent);
  // Never on the line a headline may stand on, never a single word, never with another word.
  EXPECT_EQ(chrome_shape("More on this story", true), ChromeShape::kNone);
  EXPECT_EQ(chrome_shape("More"), ChromeShape::kNone);
  EXPECT_EQ(chrome_shape("More on this merger"), ChromeShape::kNone);
  EXPECT_EQ(chrome_shape("More from the board"), ChromeShape::kNone);
  // A subhead of function words that neither addresses the reader nor names the page.
  EXPECT_EQ(chrome_shape("UP NEXT"), ChromeShape::kNone);
  EXPECT_EQ(chrome_shape("On the way out"), ChromeShape::kNone);
}

TEST(ChromeShape, NeverContent) {
  for (std::string_view line : {"Qtly div 17 cts vs 17 cts prior",
                                "Pay April 1",
                                "Record March 15",
                                "Shr 12 cts vs 10 cts",
                                "Nine mths",
                                "Year",
                                "MARKET REACTION",
                                "Follow the money",
                                "Share prices fell sharply",
                                "Watch out for inflation",
                                "Read the fine print.",
                                "\"Share the burden,\" she said",
                                "Net 4 min vs 3 min",
                                "Game 2 of the series",
                                "The board will meet again on Friday to review the offer",
                                "Tags on luggage",
                                "Shares up 3 pct",
                                "Sign of the times",
                                "Listen to the markets, he said.",
                                "2 of 3 directors resigned",
                                "Image problems persist",
                                "Score 2:1 at half time",
                                "Video 1:23 of the hearing",
                                "Trading resumes at 10:30",
                                "Like a rolling stone",
                                "X"}) {
    EXPECT_EQ(chrome_shape(line), ChromeShape::kNone) << line;
  }
}

CleanStory clean(std::string_view text) { return clean_story(text, CleanContext{}); }

TEST(ChromeShape, StandaloneChromeIsRemovedWrappedTextIsNot) {
  // Chrome the rule packs do not list, between and after paragraphs.
  const CleanStory s = clean(
      "Harbour Authority Raises Fees\n\nOSLO, May 3 (Reuters) - The harbour authority raised "
      "berth fees by 4 pct on Tuesday.\n\nSave for later\n\nPhoto 3 of 8\n\nShippers said "
      "they would pass the cost on.\n\n5 min read\n\nShare on WhatsApp\n");
  ASSERT_EQ(s.paragraphs.size(), 2u);
  EXPECT_EQ(s.paragraphs[1], "Shippers said they would pass the cost on.");
  EXPECT_EQ(s.boilerplate_removed, 4u);
  // The same words inside a hard-wrapped paragraph are prose and stay.
  const CleanStory w = clean(
      "Fund Outflows\n\nThe fund said investors should\nwatch the video\nit published on "
      "Monday.\n");
  ASSERT_EQ(w.paragraphs.size(), 1u);
  EXPECT_EQ(w.paragraphs[0],
            "The fund said investors should watch the video it published on Monday.");
}

TEST(ChromeShape, ChromeBeforeTheHeadlineIsSkipped) {
  const CleanStory s =
      clean("Jump to navigation\n\nPort Fees Rise\n\nOSLO (Reuters) - Fees rose.\n");
  EXPECT_EQ(s.headline, "Port Fees Rise");
}

TEST(ChromeShape, ExplainNamesTheShape) {
  std::vector<ExplainEntry> ex;
  CleanContext ctx;
  ctx.explain = &ex;
  clean_story("Fees Rise\n\nFees rose on Tuesday.\n\nPhoto 3 of 8\n", ctx);
  ASSERT_FALSE(ex.empty());
  EXPECT_EQ(ex.back().rule, "shape:gallery");
  EXPECT_EQ(ex.back().text, "Photo 3 of 8");
}

TEST(TextAsSent, AnEllipsisKeepsTheSpaceBeforeIt) {
  const CleanStory s = clean(
      "Vote Abstention\n\n\"We will abstain with your shares ... but we reserve the right to "
      "act,\" the fund said.\n");
  ASSERT_EQ(s.paragraphs.size(), 1u);
  EXPECT_NE(s.paragraphs[0].find("shares ... but"), std::string::npos) << s.paragraphs[0];
  const CleanStory w = clean("Vote\n\nWe will abstain with your shares\n... but we reserve it.\n");
  ASSERT_EQ(w.paragraphs.size(), 1u);
  EXPECT_EQ(w.paragraphs[0], "We will abstain with your shares ... but we reserve it.");
}

}  // namespace
}  // namespace wirefeed::pipeline

namespace wirefeed::pipeline {
namespace {

TEST(WireDatelines, LowerCaseMonthAfterAnAllCapsPlace) {
  const CleanStory s =
      clean_story("PLANT SALE\n\nDENVER, april 7 - Acme Mills said it sold its plant.\n",
                  CleanContext{std::chrono::sys_seconds{std::chrono::seconds{544'000'000}}});
  EXPECT_EQ(s.dateline.location, "DENVER");
  ASSERT_EQ(s.paragraphs.size(), 1u);
  EXPECT_EQ(s.paragraphs[0], "Acme Mills said it sold its plant.");
}

TEST(WireDatelines, NoiseAroundThePlaceIsStillADateline) {
  for (std::string_view raw : {"**** PORTO ALEGRE, May 4 - The mill said it closed.",
                               "c    TULSA, May 4 - The mill said it closed.",
                               "TUL}SA, May 4 - The mill said it closed."}) {
    const CleanStory s = clean_story("MILL CLOSES\n\n" + std::string(raw) + "\n", CleanContext{});
    ASSERT_EQ(s.paragraphs.size(), 1u) << raw;
    EXPECT_EQ(s.paragraphs[0], "The mill said it closed.") << raw;
    EXPECT_FALSE(s.dateline.location.empty()) << raw;
  }
  // A lower-case word before a capitalised place is prose, not noise.
  const CleanStory p =
      clean_story("MILL\n\nthe Mill, May 4 - was closed, it said.\n", CleanContext{});
  EXPECT_TRUE(p.dateline.location.empty());
}

}  // namespace
}  // namespace wirefeed::pipeline
