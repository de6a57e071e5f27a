// Tests for clean_story: Datelines (pipeline/clean/dateline.*) as clean_story extracts them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pipeline/clean.hpp"
#include "tests/unit/clean/clean_test_util.hpp"

namespace wirefeed::pipeline::clean_test {
namespace {

// ---- datelines -----------------------------------------------------------------------------

TEST(CleanDateline, ApWithByline) {
  const CleanStory s = clean(
      "Georgia Senate passes sweeping elections bill\n"
      "\n"
      "By CHARLES ODUM\n"
      "\n"
      "ATLANTA (AP) \xE2\x80\x94 Georgia\xE2\x80\x99s state Senate on Monday passed a bill that "
      "would\nend no-excuse absentee voting.\n"
      "\n"
      "The measure now goes to the House.\n");
  EXPECT_EQ(s.headline, "Georgia Senate passes sweeping elections bill");
  EXPECT_EQ(s.dateline, (Dateline{"ATLANTA", "", "AP"}));
  ASSERT_EQ(s.contributors.size(), 1u);
  EXPECT_EQ(s.contributors[0], (Contributor{"CHARLES ODUM", ContributorRole::kReporter, ""}));
  ASSERT_EQ(s.paragraphs.size(), 2u);
  EXPECT_EQ(s.paragraphs[0],
            "Georgia\xE2\x80\x99s state Senate on Monday passed a bill that would end no-excuse "
            "absentee voting.");
}

// Agency first, then the place and date: "(Agency) - Place, Month DD - ".
TEST(CleanDateline, AgencyFirst) {
  const CleanStory s = clean(
      "Museum hours extended\n\n"
      "(WIRE) - Verona, October 11 - The city will keep three museums open late.\n\n"
      "The route starts next month.\n");
  EXPECT_EQ(s.dateline, (Dateline{"Verona", "2023-10-11", "WIRE"}));
  ASSERT_EQ(s.paragraphs.size(), 2u);
  EXPECT_EQ(s.paragraphs[0], "The city will keep three museums open late.");
  const CleanStory undated =
      clean("Headline here\n\n(dpa) - Tromsdal - Ferries will run again from Monday.\n");
  EXPECT_EQ(undated.dateline, (Dateline{"Tromsdal", "", "dpa"}));
  // A parenthesis that is not an agency, or text that is not a place, is no dateline.
  const CleanStory aside =
      clean("Headline here\n\n(Adds detail) - the company said on Monday it would cut jobs.\n");
  EXPECT_EQ(aside.dateline.location, "");
  const CleanStory prose =
      clean("Headline here\n\n(AFP) - officials said - the talks would resume.\n");
  EXPECT_EQ(prose.dateline.location, "");
}

// Agencies credited together: "San Jose (tca/dpa) - ".
TEST(CleanDateline, SharedAgencyCredit) {
  const CleanStory s =
      clean("Headline here\n\nSan Jose (tca/dpa) - The bridge reopened on Monday.\n");
  EXPECT_EQ(s.dateline, (Dateline{"San Jose", "", "tca/dpa"}));
}

TEST(CleanDateline, ApBylineBlockWithoutBlankLines) {
  const CleanStory s = clean(
      "Braves beat Mets\n"
      "By PAUL NEWBERRY\n"
      "AP Sports Writer\n"
      "ATLANTA (AP) -- Ronald Acuna Jr. homered twice.\n");
  EXPECT_EQ(s.dateline, (Dateline{"ATLANTA", "", "AP"}));
  EXPECT_EQ(names(s.contributors), (Names{"PAUL NEWBERRY"}));
  ASSERT_EQ(s.paragraphs.size(), 1u);
  EXPECT_EQ(s.paragraphs[0], "Ronald Acuna Jr. homered twice.");
}

TEST(CleanDateline, WrappedAgencyNameIsNotAByline) {
  const CleanStory s =
      clean("H\n\nThe figures were first reported by\nAssociated Press\nreporters on Monday.\n");
  EXPECT_TRUE(s.contributors.empty());
  EXPECT_EQ(s.paragraphs, (std::vector<std::string>{"The figures were first reported by "
                                                    "Associated Press reporters on Monday."}));
}

TEST(CleanDateline, ApSportsWriterLine) {
  const CleanStory s = clean(
      "Dodgers win\n\nBETH HARRIS, AP Sports Writer\n\nLOS ANGELES (AP) \xE2\x80\x94 The Dodgers "
      "won.\n");
  EXPECT_EQ(s.dateline.location, "LOS ANGELES");
  EXPECT_EQ(names(s.contributors), (Names{"BETH HARRIS"}));
  EXPECT_EQ(s.paragraphs, (std::vector<std::string>{"The Dodgers won."}));
}

TEST(CleanDateline, AnpaUnderscoreDash) {
  const CleanStory s = clean("Storm hits coast\n\nMIAMI (AP) _ A hurricane made landfall.\n");
  EXPECT_EQ(s.dateline, (Dateline{"MIAMI", "", "AP"}));
  EXPECT_EQ(s.paragraphs.at(0), "A hurricane made landfall.");
}

TEST(CleanDateline, Afp) {
  const CleanStory s = clean("Strike in France\n\nPARIS (AFP) - Unions called a strike.\n");
  EXPECT_EQ(s.dateline, (Dateline{"PARIS", "", "AFP"}));
  EXPECT_EQ(s.paragraphs.at(0), "Unions called a strike.");
}

TEST(CleanDateline, LocationWithComma) {
  const CleanStory s =
      clean("Mill closes\n\nPORTLAND, Ore., Feb 26 - A paper mill will close.\n", at(2024, 2, 27));
  EXPECT_EQ(s.dateline, (Dateline{"PORTLAND, Ore.", "2024-02-26", ""}));
  EXPECT_EQ(s.paragraphs.at(0), "A paper mill will close.");
}

// AP style since 2014 spells state names out: "MADISON, Wisconsin (AP) —".
TEST(CleanDateline, FullStateName) {
  EXPECT_EQ(clean("H\n\nMADISON, Wisconsin (AP) \xE2\x80\x94 Text.\n").dateline,
            (Dateline{"MADISON, Wisconsin", "", "AP"}));
  EXPECT_EQ(
      clean("H\n\nSANTA FE, New Mexico, Feb 26 (Reuters) - Text.\n", at(2024, 2, 27)).dateline,
      (Dateline{"SANTA FE, New Mexico", "2024-02-26", "Reuters"}));
}

// EFE closes its dateline with ".-": "Bogotá, 12 dic (EFE).- El Gobierno ...".
TEST(CleanDateline, EfeDotDash) {
  const CleanStory s = clean(
      "H\n\nBogot\xC3\xA1, 12 dic (EFE).- El Gobierno anunci\xC3\xB3 un plan.\n", at(2024, 12, 12));
  EXPECT_EQ(s.dateline, (Dateline{"Bogot\xC3\xA1", "2024-12-12", "EFE"}));
  EXPECT_EQ(s.paragraphs.at(0), "El Gobierno anunci\xC3\xB3 un plan.");
}

TEST(CleanDateline, NoAgencyOlderWireCopy) {
  const CleanStory s =
      clean("Stocks rise\n\nNEW YORK, Feb 26 - Stocks rose on Monday.\n", at(2024, 2, 26));
  EXPECT_EQ(s.dateline, (Dateline{"NEW YORK", "2024-02-26", ""}));
}

TEST(CleanDateline, MonthSpellings) {
  EXPECT_EQ(clean("H\n\nLONDON, Sept. 3 (Reuters) - Text.", at(2023, 9, 4)).dateline.date,
            "2023-09-03");
  EXPECT_EQ(clean("H\n\nLONDON, Sept 3 (Reuters) - Text.", at(2023, 9, 4)).dateline.date,
            "2023-09-03");
  EXPECT_EQ(clean("H\n\nLONDON, January 5 (Reuters) - Text.", at(2023, 1, 6)).dateline.date,
            "2023-01-05");
  EXPECT_EQ(clean("H\n\nLONDON, Jan. 5 (Reuters) - Text.", at(2023, 1, 6)).dateline.date,
            "2023-01-05");
  EXPECT_EQ(clean("H\n\nGENEVA, 5 January (AFP) - Text.", at(2023, 1, 6)).dateline,
            (Dateline{"GENEVA", "2023-01-05", "AFP"}));
}

TEST(CleanDateline, Dashes) {
  for (std::string_view dash : {"-", "\xE2\x80\x93", "\xE2\x80\x94", "--", "_"}) {
    const std::string text = "H\n\nTOKYO, Nov 12 (Reuters) " + std::string(dash) + " Shares fell.";
    const CleanStory s = clean(text);
    EXPECT_EQ(s.dateline, (Dateline{"TOKYO", "2023-11-12", "Reuters"})) << dash;
    EXPECT_EQ(s.paragraphs.at(0), "Shares fell.") << dash;
  }
}

TEST(CleanDateline, YearRolloverBackwards) {
  const CleanStory s =
      clean("H\n\nSYDNEY, Dec 31 (Reuters) - Fireworks lit up the harbour.", at(2024, 1, 1, 1));
  EXPECT_EQ(s.dateline.date, "2023-12-31");
}

TEST(CleanDateline, YearRolloverForwards) {
  const CleanStory s =
      clean("H\n\nSYDNEY, Jan 2 (Reuters) - Markets reopened.", at(2023, 12, 30, 23));
  EXPECT_EQ(s.dateline.date, "2024-01-02");
}

TEST(CleanDateline, ApLocationWithRegion) {
  const CleanStory s =
      clean("H\n\nSAN JUAN, Puerto Rico (AP) \xE2\x80\x94 Power was restored on Monday.");
  EXPECT_EQ(s.dateline, (Dateline{"SAN JUAN, Puerto Rico", "", "AP"}));
  EXPECT_EQ(s.paragraphs.at(0), "Power was restored on Monday.");
}

TEST(CleanDateline, InvalidDayKeepsLocationWithoutDate) {
  const CleanStory s = clean("H\n\nROME, Feb 30 (Reuters) - Text.", at(2023, 3, 1));
  EXPECT_EQ(s.dateline, (Dateline{"ROME", "", "Reuters"}));
}

TEST(CleanDateline, OtherAgencyAsWritten) {
  const CleanStory s = clean("H\n\nBERLIN (dpa) - Text here.");
  EXPECT_EQ(s.dateline, (Dateline{"BERLIN", "", "dpa"}));
}

TEST(CleanDateline, DatelineOnOwnLine) {
  const CleanStory s = clean("Headline\n\nWASHINGTON, Nov 12 (Reuters) -\nThe Senate voted.\n");
  EXPECT_EQ(s.dateline.location, "WASHINGTON");
  EXPECT_EQ(s.paragraphs, (std::vector<std::string>{"The Senate voted."}));
}

TEST(CleanDateline, StoryWithoutHeadlineStartsWithDateline) {
  const CleanStory s = clean("WASHINGTON, Nov 12 (Reuters) - The Senate voted.\n");
  EXPECT_EQ(s.headline, "");
  EXPECT_EQ(s.dateline.location, "WASHINGTON");
  EXPECT_EQ(s.paragraphs, (std::vector<std::string>{"The Senate voted."}));
}

TEST(CleanDateline, SentencesThatAreNotDatelines) {
  for (std::string_view body : {
           "New York police said on Monday (Reuters reported) - that nobody was hurt.",
           "Officials in Washington, Nov. 12 was the deadline, said the talks failed.",
           "The company said profit rose, while sales in March 3 percent lower - a surprise.",
           "Boston, which hosts the marathon, said May 5 - a Sunday - is the date.",
           "the mayor of PARIS (AFP) - a lower-case start is never a place.",
       }) {
    const CleanStory s = clean("Headline\n\n" + std::string(body));
    EXPECT_EQ(s.dateline, Dateline{}) << body;
    EXPECT_EQ(s.paragraphs, (std::vector<std::string>{std::string(body)})) << body;
  }
}

TEST(CleanDateline, OnlyFirstParagraph) {
  const CleanStory s = clean("H\n\nFirst paragraph text.\n\nLONDON, Nov 12 (Reuters) - Later.");
  EXPECT_EQ(s.dateline, Dateline{});
  EXPECT_EQ(s.paragraphs.size(), 2u);
}

}  // namespace
}  // namespace wirefeed::pipeline::clean_test
