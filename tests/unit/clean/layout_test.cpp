// Tests for clean_story: Layout (pipeline/clean/layout.*): paragraph assembly, tables, whitespace,
// editor notes, boilerplate lines and spans.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pipeline/clean.hpp"
#include "tests/unit/clean/clean_test_util.hpp"

namespace wirefeed::pipeline::clean_test {
namespace {

// ---- paragraphs ----------------------------------------------------------------------------

TEST(CleanParagraphs, HardWrappedLinesJoined) {
  const CleanStory s = clean(
      "Headline\n\nLONDON, Nov 12 (Reuters) - British inflation fell\nmore than expected in "
      "October,\nofficial data showed.\n\nSecond paragraph\nwrapped here.\n");
  EXPECT_EQ(s.paragraphs,
            (std::vector<std::string>{
                "British inflation fell more than expected in October, official data showed.",
                "Second paragraph wrapped here."}));
}

TEST(CleanParagraphs, IndentStartsNewParagraph) {
  const CleanStory s = clean(
      "Headline\n"
      "    WASHINGTON (AP) -- The Senate voted on Tuesday\n"
      "to pass the bill.\n"
      "    Senators said it would help.\n"
      "\tAnother paragraph.\n");
  EXPECT_EQ(s.dateline.location, "WASHINGTON");
  EXPECT_EQ(s.paragraphs,
            (std::vector<std::string>{"The Senate voted on Tuesday to pass the bill.",
                                      "Senators said it would help.", "Another paragraph."}));
}

TEST(CleanParagraphs, HyphenAtLineEndJoinsWithoutSpace) {
  const CleanStory s = clean("H\n\nThey restored military-to-\nmilitary ties.");
  EXPECT_EQ(s.paragraphs.at(0), "They restored military-to-military ties.");
}

TEST(CleanParagraphs, TableLinesKeptUnjoined) {
  const CleanStory s = clean(
      "Acme results\n\n"
      "NEW YORK, Feb 26 (Reuters) - Acme reported results.\n\n"
      "                 Q4 2023     Q4 2022\n"
      "Revenue          1,234.5     1,100.2\n"
      "Net income         210.0       190.1\n");
  ASSERT_EQ(s.paragraphs.size(), 4u);
  EXPECT_EQ(s.paragraphs[0], "Acme reported results.");
  EXPECT_EQ(s.paragraphs[2], "Revenue          1,234.5     1,100.2");
  EXPECT_EQ(s.paragraphs[3], "Net income         210.0       190.1");
}

// A table keeps its column spacing as sent: a heading row without figures belongs to the block
// when figures follow it, and only the indentation common to the whole block goes (the 4-space
// paragraph indent of old wire copy), so the heading stays aligned over its columns.
TEST(CleanParagraphs, TableHeadingAndAlignmentKept) {
  const CleanStory s = clean(
      "Grain\n\nWASHINGTON, March 3 - Inspections were as follows:\n"
      "                     Wk ended    Prev wk\n"
      "    Wheat              18,402     21,117   \n"
      "    Corn               27,511     25,093\n"
      "    The department said corn led.\n");
  EXPECT_EQ(s.paragraphs,
            (std::vector<std::string>{
                "Inspections were as follows:", "                 Wk ended    Prev wk",
                "Wheat              18,402     21,117", "Corn               27,511     25,093",
                "The department said corn led."}));
  // A heading-shaped line with no figures after it is prose, joined and normalised.
  EXPECT_EQ(clean("H\n\nMetal   Last   Change\nwas the heading.").paragraphs,
            (std::vector<std::string>{"Metal Last Change was the heading."}));
}

TEST(CleanParagraphs, DoubleSpacedSentencesAreNotTables) {
  const CleanStory s = clean("H\n\nIt rose 5 percent.  Then it fell.  Then it rose\nagain.");
  EXPECT_EQ(s.paragraphs,
            (std::vector<std::string>{"It rose 5 percent. Then it fell. Then it rose again."}));
}

TEST(CleanParagraphs, CrLfLineEndings) {
  const CleanStory s = clean("Headline\r\n\r\nLine one\r\nline two.\r\n\r\nNext.\r\n");
  EXPECT_EQ(s.headline, "Headline");
  EXPECT_EQ(s.paragraphs, (std::vector<std::string>{"Line one line two.", "Next."}));
}

TEST(CleanParagraphs, SpacingAroundPunctuation) {
  const CleanStory s = clean("H\n\nThey are due to meet .  Really , truly ( aside ) ok .");
  EXPECT_EQ(s.paragraphs.at(0), "They are due to meet. Really, truly (aside) ok.");
  // A leading dot that belongs to a word is kept apart.
  EXPECT_EQ(clean("H\n\nIt runs on Microsoft .NET software.").paragraphs.at(0),
            "It runs on Microsoft .NET software.");
}

// French typography puts a (no-break) space before : ; ? ! — spacing as sent, kept as a plain
// space; a space before . and , is still an error that goes.
TEST(CleanParagraphs, FrenchSpacingBeforeDoublePunctuationKept) {
  const CleanStory s = clean(
      "Gr\xC3\xA8ve \xC3\xA0 la SNCF\xC2\xA0: le trafic perturb\xC3\xA9\n\n"
      "Pourquoi\xE2\x80\xAF? Parce que, a-t-il dit ; rien\xC2\xA0! Et ensuite : fin .");
  EXPECT_EQ(s.headline, "Gr\xC3\xA8ve \xC3\xA0 la SNCF : le trafic perturb\xC3\xA9");
  EXPECT_EQ(s.paragraphs.at(0), "Pourquoi ? Parce que, a-t-il dit ; rien ! Et ensuite : fin.");
}

TEST(CleanParagraphs, TypographicQuotesKept) {
  const CleanStory s = clean("H\n\n\xE2\x80\x9CWe\xE2\x80\x99re ready,\xE2\x80\x9D she said.");
  EXPECT_EQ(s.paragraphs.at(0), "\xE2\x80\x9CWe\xE2\x80\x99re ready,\xE2\x80\x9D she said.");
}

// ---- editor's notes ------------------------------------------------------------------------

TEST(CleanEditorNotes, AddsAdvisory) {
  const CleanStory s = clean(
      "UPDATE 1-Minister resigns\n\n(Adds quote in paragraph 3)\n\nROME, Nov 12 (Reuters) - "
      "Italy's minister resigned.\n");
  EXPECT_EQ(s.editor_notes, (std::vector<std::string>{"Adds quote in paragraph 3"}));
  EXPECT_EQ(s.dateline.location, "ROME");
  EXPECT_EQ(s.paragraphs, (std::vector<std::string>{"Italy's minister resigned."}));
}

TEST(CleanEditorNotes, CorrectionAdvisoryAndWrappedNote) {
  const CleanStory s = clean(
      "CORRECTED-Bank profit rises\n\n"
      "(In Jan. 3 story, corrects last paragraph to say profit rose, not fell)\n"
      "(Updates with analyst comment,\nadds byline)\n"
      "LONDON, Jan 3 (Reuters) - Profit rose.\n",
      at(2024, 1, 3));
  EXPECT_EQ(s.editor_notes,
            (std::vector<std::string>{
                "In Jan. 3 story, corrects last paragraph to say profit rose, not fell",
                "Updates with analyst comment, adds byline"}));
  EXPECT_EQ(s.dateline, (Dateline{"LONDON", "2024-01-03", "Reuters"}));
  EXPECT_EQ(s.paragraphs, (std::vector<std::string>{"Profit rose."}));
}

TEST(CleanEditorNotes, ParentheticalSentenceIsNotANote) {
  const CleanStory s = clean(
      "H\n\n(In a separate development, the bank raised rates.)\n\n(Adding to the confusion, "
      "nobody spoke.)");
  EXPECT_TRUE(s.editor_notes.empty());
  EXPECT_EQ(s.paragraphs.size(), 2u);
}

TEST(CleanEditorNotes, AnpaEdsLabelDropped) {
  const CleanStory s = clean(
      "Wholesale prices up\n\nEds: Updates with economist's comment; adds byline.\n\n"
      "WASHINGTON (AP) _ Prices rose.\n");
  EXPECT_EQ(s.editor_notes,
            (std::vector<std::string>{"Updates with economist's comment; adds byline."}));
  EXPECT_EQ(s.dateline.location, "WASHINGTON");
  EXPECT_EQ(s.paragraphs, (std::vector<std::string>{"Prices rose."}));
}

TEST(CleanEditorNotes, ApCorrectionTrailerKeptWhole) {
  const CleanStory s = clean(
      "H\n\nHARTFORD, Conn. (AP) \xE2\x80\x94 The bridge opened in 1974.\n"
      "This story has been corrected to show that the bridge opened in 1974, not 1947.\n");
  EXPECT_EQ(s.editor_notes,
            (std::vector<std::string>{"This story has been corrected to show "
                                      "that the bridge opened in 1974, not 1947."}));
  EXPECT_EQ(s.paragraphs, (std::vector<std::string>{"The bridge opened in 1974."}));
  // Only at the start of a paragraph: the words inside a sentence are prose.
  EXPECT_TRUE(clean("H\n\nHe said this story has been corrected twice.").editor_notes.empty());
}

// ---- boilerplate ---------------------------------------------------------------------------

TEST(CleanBoilerplate, WholeLinesOnly) {
  const CleanStory s = clean(
      "H\n\nText one.\n\nAdvertisement\n\nREAD MORE: Other story headline\n\nSkip to main "
      "content\n\nShare this article\n\nSign up here.\n\nRegister now for FREE unlimited access "
      "to Reuters.com\n\nText two.\n\nREUTER\n");
  EXPECT_EQ(s.paragraphs, (std::vector<std::string>{"Text one.", "Text two."}));
  EXPECT_EQ(s.boilerplate_removed, 7u);
}

TEST(CleanBoilerplate, MidSentenceWordsKept) {
  for (std::string_view body : {
           "You can read more about the plan on the ministry's website.",
           "Readers can READ MORE later, the editor said.",
           "The page has a section of Related Articles at the bottom.",
           "Click Back to top to return, the guide says.",
           "Clicking the link opens a new tab.",
           "He said: Sign up here. And they did.",
           "Reuter was the founder's name, historians say.",
       }) {
    const CleanStory s = clean("H\n\n" + std::string(body));
    EXPECT_EQ(s.paragraphs, (std::vector<std::string>{std::string(body)})) << body;
    EXPECT_EQ(s.boilerplate_removed, 0u) << body;
  }
}

TEST(CleanBoilerplate, LinkHintLinesAndGluedHints) {
  const CleanStory s = clean(
      "H\n\nThe company said in a statementopens a new tab on Monday it would appeal.\n\nGet "
      "license rightsopens a new tab\n\nView full coverage, opens new tab\n");
  EXPECT_EQ(
      s.paragraphs,
      (std::vector<std::string>{"The company said in a statement on Monday it would appeal."}));
  EXPECT_EQ(s.boilerplate_removed, 3u);
}

TEST(CleanBoilerplate, RelatedListDropped) {
  const CleanStory s = clean(
      "H\n\nText.\n\nRelated Coverage\nFed's Powell says rates to stay high\nOil falls on demand "
      "worries\n\nMore text.");
  EXPECT_EQ(s.paragraphs, (std::vector<std::string>{"Text.", "More text."}));
  EXPECT_EQ(s.boilerplate_removed, 3u);
}

TEST(CleanBoilerplate, LinkListAfterBlankLine) {
  const CleanStory s =
      clean("H\n\nText.\n\nSuggested Topics:\n\nAutos & Transportation\n\nReuters NEXT\n");
  EXPECT_EQ(s.paragraphs, (std::vector<std::string>{"Text."}));
  EXPECT_EQ(s.boilerplate_removed, 3u);
  // The list ends at the first line that is not a link entry.
  const CleanStory t = clean("H\n\nText.\n\nRead Next\n\nA headline\n\nThe story goes on.\n");
  EXPECT_EQ(t.paragraphs, (std::vector<std::string>{"Text.", "The story goes on."}));
}

// A scraped page can glue two page elements together ("...professionalsLearn more about"): a
// multi-word chrome prefix still matches; a one-word prefix needs a word end.
TEST(CleanBoilerplate, GluedPageElementsAboveHeadline) {
  const CleanStory s = clean(
      "Skip to main content\n\nExclusive news, data and analytics for financial market "
      "professionalsLearn more aboutRefinitiv\n\nSpirit Ridge to cut jobs\n\nWICHITA, Kan., Dec "
      "14 (Reuters) - Text.\n",
      at(2026, 12, 14));
  EXPECT_EQ(s.headline, "Spirit Ridge to cut jobs");
  EXPECT_EQ(s.dateline, (Dateline{"WICHITA, Kan.", "2026-12-14", "Reuters"}));
  EXPECT_EQ(s.boilerplate_removed, 2u);
}

// An agency token closing the last sentence ("(ANSA).") is a sign-off, removed and counted; the
// same words inside a sentence are prose.
TEST(CleanBoilerplate, TailSignoffToken) {
  const CleanStory s = clean("H\n\nFORL\xC3\x8C, 14 NOV - Il fiume \xC3\xA8 esondato. (ANSA).\n");
  EXPECT_EQ(s.paragraphs, (std::vector<std::string>{"Il fiume \xC3\xA8 esondato."}));
  EXPECT_EQ(s.dateline.location, "FORL\xC3\x8C");
  EXPECT_EQ(s.boilerplate_removed, 1u);
  EXPECT_EQ(clean("H\n\nThe agency (ANSA) reported it first.").paragraphs,
            (std::vector<std::string>{"The agency (ANSA) reported it first."}));
  EXPECT_EQ(clean("H\n\nIt was reported by the agency (ANSA).").paragraphs,
            (std::vector<std::string>{"It was reported by the agency (ANSA)."}));
}

TEST(CleanBoilerplate, ContactLine) {
  const CleanStory s = clean("H\n\nText.\n\n((jane.doe@thomsonreuters.com; +1 202 555 0100))\n");
  EXPECT_EQ(s.paragraphs, (std::vector<std::string>{"Text."}));
  EXPECT_EQ(s.boilerplate_removed, 1u);
}

}  // namespace
}  // namespace wirefeed::pipeline::clean_test
