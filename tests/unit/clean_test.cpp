// Tests for the clean/extract stage (pipeline/clean.hpp).
#include "pipeline/clean.hpp"
#include "tests/support/harness.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace wirefeed::pipeline {
namespace {

using std::chrono::sys_days;
using std::chrono::sys_seconds;

constexpr std::string_view kSamplePath =
    WIREFEED_SOURCE_DIR "/samples/reuters-biden-china-military-ties.txt";
constexpr std::string_view kGoldenPath =
    WIREFEED_SOURCE_DIR "/tests/data/golden/reuters-biden-china-military-ties.clean.txt";

// 2023-11-12T18:00:00Z
sys_seconds at(int y, unsigned m, unsigned d, int hour = 12) {
  return sys_seconds{sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}}} +
         std::chrono::hours{hour};
}

CleanStory clean(std::string_view text, sys_seconds received = at(2023, 11, 12, 18)) {
  return clean_story(text, CleanContext{received});
}

std::string read_file(std::string_view path) {
  std::ifstream f{std::string(path), std::ios::binary};
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Stable textual rendering of a CleanStory for golden files: one field per line.
std::string render(const CleanStory& s) {
  std::ostringstream o;
  o << "headline: " << s.headline << "\n";
  for (const auto& t : s.version_tags) o << "version_tag: " << t << "\n";
  o << "version_number: " << s.version_number << "\n";
  o << "headline_all_caps: " << (s.headline_all_caps ? "true" : "false") << "\n";
  o << "dateline.location: " << s.dateline.location << "\n";
  o << "dateline.date: " << s.dateline.date << "\n";
  o << "dateline.agency: " << s.dateline.agency << "\n";
  for (const auto& c : s.contributors) {
    o << "contributor: " << testing::role_name(c.role) << " | " << c.name;
    if (!c.location.empty()) o << " | " << c.location;
    o << "\n";
  }
  for (const auto& c : s.captions) o << "caption: " << c.credit << " | " << c.text << "\n";
  for (const auto& n : s.editor_notes) o << "editor_note: " << n << "\n";
  o << "language: " << s.language << "\n";
  o << "word_count: " << s.word_count << "\n";
  o << "boilerplate_removed: " << s.boilerplate_removed << "\n";
  for (size_t i = 0; i < s.paragraphs.size(); ++i) {
    o << "paragraph " << i << ": " << s.paragraphs[i] << "\n";
  }
  return o.str();
}

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (b < 0x80) {
      ++i;
      continue;
    }
    if (b >= 0xC2 && b <= 0xDF) {
      n = 1, cp = b & 0x1Fu;
    } else if (b >= 0xE0 && b <= 0xEF) {
      n = 2, cp = b & 0x0Fu;
    } else if (b >= 0xF0 && b <= 0xF4) {
      n = 3, cp = b & 0x07u;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0u) != 0x80u) return false;
      cp = (cp << 6) | (c & 0x3Fu);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

bool all_valid_utf8(const CleanStory& s) {
  if (!valid_utf8(s.headline) || !valid_utf8(s.dateline.location)) return false;
  for (const auto& p : s.paragraphs) {
    if (!valid_utf8(p)) return false;
  }
  for (const auto& c : s.captions) {
    if (!valid_utf8(c.text) || !valid_utf8(c.credit)) return false;
  }
  for (const auto& c : s.contributors) {
    if (!valid_utf8(c.name)) return false;
  }
  for (const auto& n : s.editor_notes) {
    if (!valid_utf8(n)) return false;
  }
  return true;
}

std::vector<Contributor> with_role(const CleanStory& s, ContributorRole r) {
  std::vector<Contributor> out;
  for (const auto& c : s.contributors) {
    if (c.role == r) out.push_back(c);
  }
  return out;
}

std::vector<std::string> names(const std::vector<Contributor>& cs) {
  std::vector<std::string> out;
  for (const auto& c : cs) out.push_back(c.name);
  return out;
}

using Names = std::vector<std::string>;

// ---- the real Reuters sample ---------------------------------------------------------------

TEST(CleanSample, ReutersBidenChina) {
  const std::string raw = read_file(kSamplePath);
  ASSERT_FALSE(raw.empty()) << kSamplePath;
  const CleanStory s = clean(raw, at(2023, 11, 12, 18));

  EXPECT_EQ(s.headline, "Biden will push China to resume military ties with US, official says");
  EXPECT_TRUE(s.version_tags.empty());
  EXPECT_FALSE(s.headline_all_caps);
  EXPECT_EQ(s.dateline, (Dateline{"WASHINGTON", "2023-11-12", "Reuters"}));

  EXPECT_EQ(names(with_role(s, ContributorRole::kReporter)),
            (Names{"Katharine Jackson", "Arshad Mohammed", "Andrea Shalal"}));
  EXPECT_EQ(names(with_role(s, ContributorRole::kEditor)), (Names{"Scott Malone", "Grant McCool"}));
  for (const auto& c : s.contributors) {
    const bool allowed = c.role == ContributorRole::kReporter ||
                         c.role == ContributorRole::kEditor ||
                         (c.role == ContributorRole::kPhotographer && c.name == "Kevin Lamarque");
    EXPECT_TRUE(allowed) << c.name;
    EXPECT_EQ(c.location, "");
  }

  ASSERT_EQ(s.captions.size(), 1u);
  EXPECT_EQ(s.captions[0].credit, "REUTERS/Kevin Lamarque");
  EXPECT_EQ(s.captions[0].text.rfind("U.S. President Joe Biden meets with", 0), 0u);
  EXPECT_EQ(s.captions[0].text.find("License"), std::string::npos);

  for (const auto& p : s.paragraphs) {
    for (std::string_view bad :
         {"READ MORE", "License Rights", "Trust Principles", "opens a new tab", "Related Articles",
          "Back to top", "Reporting by", "REUTERS/"}) {
      EXPECT_EQ(p.find(bad), std::string::npos) << bad << " in: " << p;
    }
  }
  ASSERT_FALSE(s.paragraphs.empty());
  EXPECT_EQ(s.paragraphs.front().rfind("U.S. President Joe Biden wants", 0), 0u);
  EXPECT_TRUE(s.paragraphs.front().ends_with("are due to meet."));
  EXPECT_EQ(s.paragraphs.back().rfind("Relations between the two countries", 0), 0u);
  EXPECT_EQ(s.paragraphs.size(), 8u);
  EXPECT_TRUE(s.editor_notes.empty());
  EXPECT_EQ(s.language, "en");
  EXPECT_GE(s.boilerplate_removed, 5u);
  EXPECT_GT(s.word_count, 250u);
  EXPECT_TRUE(all_valid_utf8(s));
}

// Golden rendering; regenerate with WIREFEED_UPDATE_GOLDEN=1 and review the diff by hand.
TEST(CleanSample, GoldenFile) {
  const std::string raw = read_file(kSamplePath);
  ASSERT_FALSE(raw.empty());
  const std::string got = render(clean(raw, at(2023, 11, 12, 18)));
  if (std::getenv("WIREFEED_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(std::string(kGoldenPath), std::ios::binary) << got;
  }
  const std::string want = read_file(kGoldenPath);
  ASSERT_FALSE(want.empty()) << "missing golden file " << kGoldenPath;
  EXPECT_EQ(got, want);
}

TEST(CleanSample, Deterministic) {
  const std::string raw = read_file(kSamplePath);
  EXPECT_EQ(render(clean(raw)), render(clean(raw)));
}

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

// ---- captions ------------------------------------------------------------------------------

TEST(CleanCaptions, CreditShapes) {
  struct Case {
    std::string_view para, text, credit, photographer;
  };
  for (const Case& c : {
           Case{"Rescuers search rubble in Idlib, Syria. REUTERS/Syria TV via Reuters TV",
                "Rescuers search rubble in Idlib, Syria.", "REUTERS/Syria TV via Reuters TV", ""},
           Case{"Fans cheer in Atlanta on Sunday. (AP Photo/John Bazemore)",
                "Fans cheer in Atlanta on Sunday.", "AP Photo/John Bazemore", "John Bazemore"},
           Case{"Fans cheer in Atlanta. AP Photo/John Bazemore", "Fans cheer in Atlanta.",
                "AP Photo/John Bazemore", "John Bazemore"},
           Case{"Protesters march in Paris. Photo: AFP", "Protesters march in Paris.", "Photo: AFP",
                ""},
           Case{"A trader works on the floor. REUTERS/Brendan McDermid/File Photo Purchase "
                "Licensing Rights",
                "A trader works on the floor.", "REUTERS/Brendan McDermid/File Photo",
                "Brendan McDermid"},
           Case{"A trader works. REUTERS/Stringer Purchase Licensing Rights, opens new tab",
                "A trader works.", "REUTERS/Stringer", ""},
       }) {
    const CleanStory s = clean("H\n\nFirst paragraph.\n\n" + std::string(c.para));
    ASSERT_EQ(s.captions.size(), 1u) << c.para;
    EXPECT_EQ(s.captions[0], (Caption{std::string(c.text), std::string(c.credit)})) << c.para;
    EXPECT_EQ(names(with_role(s, ContributorRole::kPhotographer)),
              c.photographer.empty() ? Names{} : Names{std::string(c.photographer)})
        << c.para;
    EXPECT_EQ(s.paragraphs, (std::vector<std::string>{"First paragraph."})) << c.para;
  }
}

TEST(CleanCaptions, ApFileCredit) {
  const CleanStory s =
      clean("H\n\nText.\n\nPresident Joe Biden speaks on Monday. (AP Photo/Evan Vucci, File)");
  ASSERT_EQ(s.captions.size(), 1u);
  EXPECT_EQ(s.captions[0].credit, "AP Photo/Evan Vucci, File");
  EXPECT_EQ(names(with_role(s, ContributorRole::kPhotographer)), (Names{"Evan Vucci"}));
}

TEST(CleanCaptions, ProseEndingInPhotoWordsIsNotACaption) {
  const std::string body = "The gallery opens its new show, called Photo by Night";
  const CleanStory s = clean("H\n\n" + body);
  EXPECT_TRUE(s.captions.empty());
  EXPECT_EQ(s.paragraphs, (std::vector<std::string>{body}));
}

TEST(CleanCaptions, SentenceMentioningReutersIsNotACaption) {
  const std::string body = "The photo, credited REUTERS/Kevin Lamarque, was widely shared. It ran.";
  const CleanStory s = clean("H\n\n" + body);
  EXPECT_TRUE(s.captions.empty());
  EXPECT_EQ(s.paragraphs, (std::vector<std::string>{body}));
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

// ---- character level -----------------------------------------------------------------------

TEST(CleanChars, ControlCharactersStripped) {
  const CleanStory s = clean(
      "\x16\x16\x01"
      "Fed holds rates\n\n\x02WASHINGTON (AP) _ The Fed held\x07 rates.\x03\x7F\n");
  EXPECT_EQ(s.headline, "Fed holds rates");
  EXPECT_EQ(s.dateline.location, "WASHINGTON");
  EXPECT_EQ(s.paragraphs, (std::vector<std::string>{"The Fed held rates."}));
}

TEST(CleanChars, HtmlEntities) {
  const CleanStory s = clean(
      "AT&amp;T profit &quot;beats&quot;\n\nAT&amp;T&#39;s CEO said&nbsp;profit rose &#8212; "
      "by &#x20AC;5 &lt;billion&gt;. Tom &amp Jerry &bogus; &#0; &#xD800;");
  EXPECT_EQ(s.headline, "AT&T profit \"beats\"");
  EXPECT_EQ(s.paragraphs.at(0),
            "AT&T's CEO said profit rose \xE2\x80\x94 by \xE2\x82\xAC"
            "5 <billion>. Tom &amp Jerry "
            "&bogus; &#0; &#xD800;");
}

TEST(CleanChars, MojibakeRepaired) {
  const CleanStory s = clean(
      "Biden\xC3\xA2\xE2\x82\xAC\xE2\x84\xA2s plan\n\n"  // Biden’s plan
      "\xC3\xA2\xE2\x82\xAC\xC5\x93Yes,\xC3\xA2\xE2\x82\xAC\xC2\x9D she said \xC3\xA2\xE2\x82\xAC"
      "\xE2\x80\x9C in Caf\xC3\x83\xC2\xA9 M\xC3\x83\xC2\xBC"
      "nchen, 25\xC3\x82\xC2\xB0"
      "C.");
  EXPECT_EQ(s.headline, "Biden\xE2\x80\x99s plan");
  EXPECT_EQ(s.paragraphs.at(0),
            "\xE2\x80\x9CYes,\xE2\x80\x9D she said \xE2\x80\x93 in Caf\xC3\xA9 M\xC3\xBCnchen, "
            "25\xC2\xB0"
            "C.");
}

TEST(CleanChars, LegitimateAccentsUntouched) {
  const std::string body =
      "\xE2\x80\x9E"
      "Das ist gro\xC3\x9F\xE2\x80\x9C, sagte S\xC3\x83O Paulo\xE2\x80\x99s "
      "\xC3\xA9t\xC3\xA9 \xC2\xAB\xC3\x89T\xC3\x89\xC2\xBB.";
  const CleanStory s = clean("H\n\n" + body);
  EXPECT_EQ(s.paragraphs.at(0), body);
}

TEST(CleanChars, NonBreakingAndZeroWidthSpaces) {
  const CleanStory s = clean(
      "H\n\nA\xC2\xA0\xC2\xA0"
      "b\xE2\x80\x8B"
      "c \xEF\xBB\xBF"
      "d.");
  EXPECT_EQ(s.paragraphs.at(0), "A bc d.");
}

TEST(CleanChars, InvalidUtf8NeverLeaks) {
  const CleanStory s = clean("Head\xFF line\n\nBody \xC3 text \xE2\x82 end \xED\xA0\x80.");
  EXPECT_TRUE(all_valid_utf8(s));
}

// ---- language and counts -------------------------------------------------------------------

TEST(CleanLanguage, Guesses) {
  EXPECT_EQ(clean("H\n\nThe president said that the talks with the union were going well and "
                  "it was time to act.")
                .language,
            "en");
  EXPECT_EQ(clean("H\n\nLe président a dit que les discussions avec les syndicats sont dans une "
                  "phase décisive pour le pays.")
                .language,
            "fr");
  EXPECT_EQ(clean("H\n\nDer Präsident sagte, dass die Gespräche mit der Gewerkschaft nicht "
                  "einfach sind und auch die Regierung sich bewegen muss.")
                .language,
            "de");
  EXPECT_EQ(clean("H\n\nEl presidente dijo que las conversaciones con los sindicatos fueron "
                  "buenas y que el gobierno espera un acuerdo para el lunes.")
                .language,
            "es");
  EXPECT_EQ(clean("H\n\nIl presidente ha detto che gli incontri con i sindacati sono andati "
                  "bene e che non ci sono problemi per il governo della regione.")
                .language,
            "it");
  EXPECT_EQ(clean("H\n\nO presidente disse que as conversas com os sindicatos foram boas e que "
                  "o governo não espera mais atrasos dos trabalhadores em uma semana.")
                .language,
            "pt");
  EXPECT_EQ(clean("H\n\nDe president zei dat het overleg met de vakbonden goed was en dat de "
                  "regering niet van plan is om op te geven voor het einde van het jaar.")
                .language,
            "nl");
  EXPECT_EQ(clean("H\n\nBiden Xi APEC 2023.").language, "");
  EXPECT_EQ(clean("").language, "");
}

// Short texts (one sentence of a brief) still get their language from a handful of function
// words; distinctive letters (ñ, ã, ß) break ties between close languages.
TEST(CleanLanguage, ShortTexts) {
  struct Case {
    std::string_view body, lang;
  };
  for (const Case& c : {
           Case{"The plant will be closed and its staff moved.", "en"},
           Case{"Les usines sont fermées depuis lundi par la direction.", "fr"},
           Case{"Die Fabrik wurde am Montag für immer geschlossen.", "de"},
           Case{"La fábrica fue cerrada el lunes por la mañana.", "es"},
           Case{"La fabbrica è stata chiusa lunedì dalla direzione.", "it"},
           Case{"A fábrica foi fechada na segunda-feira pela direção, não pelos donos.", "pt"},
           Case{"De fabriek werd maandag gesloten en het personeel is naar huis.", "nl"},
       }) {
    EXPECT_EQ(clean(std::string("H\n\n") + std::string(c.body)).language, c.lang) << c.body;
  }
  // Too little to tell: names and figures only, or a single function word.
  EXPECT_EQ(clean("H\n\nAcme Corp 2024: 1,234.5 (Q3).").language, "");
  EXPECT_EQ(clean("H\n\nParis la nuit.").language, "");
}

// A story quoting another language keeps the language of its body.
TEST(CleanLanguage, MixedTextFollowsTheMajority) {
  EXPECT_EQ(clean("H\n\nLe ministre a répondu aux questions des journalistes pendant une heure. "
                  "« Nous ne sommes pas pressés », a-t-il dit, avant de citer en anglais : "
                  "\"We will get it done by the end of the year.\" Les syndicats sont sceptiques "
                  "et la grève continue dans les usines du nord du pays.")
                .language,
            "fr");
  EXPECT_EQ(clean("H\n\nThe minister answered questions for an hour and said the talks were "
                  "going well. \"Nous ne sommes pas pressés,\" he said in French, before the "
                  "union leaders left the building with their lawyers.")
                .language,
            "en");
}

TEST(CleanCounts, WordCount) {
  const CleanStory s =
      clean("H\n\nOne two, three \xE2\x80\x94 4.5%\n\n\xE2\x80\x9C\xE2\x80\x9D - five");
  EXPECT_EQ(s.word_count, 5u);
}

// ---- pathological inputs (no timing assertions) --------------------------------------------

TEST(CleanPathological, Empty) {
  const CleanStory s = clean("");
  EXPECT_EQ(s.headline, "");
  EXPECT_TRUE(s.paragraphs.empty());
  EXPECT_EQ(s.word_count, 0u);
}

TEST(CleanPathological, OnlyWhitespace) {
  const CleanStory s = clean(" \t\n\n   \r\n\t\t \xC2\xA0\n");
  EXPECT_EQ(s.headline, "");
  EXPECT_TRUE(s.paragraphs.empty());
  EXPECT_EQ(s.boilerplate_removed, 0u);
}

TEST(CleanPathological, HugeSingleLine) {
  std::string text;
  text.reserve(5u << 20);
  while (text.size() < (5u << 20)) text += "word ( - , REUTERS/ &amp; (Adds ";
  const CleanStory s = clean(text);
  EXPECT_EQ(s.headline, "");  // far too long for a headline: treated as body
  EXPECT_TRUE(all_valid_utf8(s));
}

TEST(CleanPathological, HugeSingleLineBody) {
  std::string text = "Headline\n\nLONDON, Nov 12 (Reuters) - ";
  while (text.size() < (5u << 20)) text += "The market rose again, traders said. ";
  const CleanStory s = clean(text);
  ASSERT_EQ(s.paragraphs.size(), 1u);
  EXPECT_EQ(s.dateline.location, "LONDON");
  EXPECT_GT(s.word_count, 500000u);
  EXPECT_EQ(s.language, "en");
}

TEST(CleanPathological, ManyTinyLines) {
  std::string joined;
  std::string separate;
  for (int i = 0; i < 200000; ++i) {
    joined += "a\n";
    separate += "b\n\n";
  }
  const CleanStory s = clean(joined);
  EXPECT_EQ(s.headline, "a");
  ASSERT_EQ(s.paragraphs.size(), 1u);
  EXPECT_EQ(s.word_count, 199999u);
  const CleanStory t = clean(separate);
  EXPECT_EQ(t.paragraphs.size(), 199999u);
}

TEST(CleanPathological, MillionsOfEmptyLines) {
  const std::string text(3000000, '\n');
  const CleanStory s = clean(text);
  EXPECT_TRUE(s.paragraphs.empty());
}

TEST(CleanPathological, UnbalancedAndNestedPunctuation) {
  std::string text = "(Adds ";
  for (int i = 0; i < 100000; ++i) text += "((";
  text += "\n\n";
  for (int i = 0; i < 100000; ++i) text += "(Adds x ";
  text += "\n\n";
  for (int i = 0; i < 50000; ++i) text += "Reporting by A; ";
  text += "\n\n";
  for (int i = 0; i < 50000; ++i) text += "&#&#x&amp&; ";
  text += "\n\n";
  for (int i = 0; i < 200000; ++i) text += "(Adds x) ";  // many notes on one line
  text += "\n\n";
  for (int i = 0; i < 200000; ++i) text += "xopens a new tab";
  const CleanStory s = clean(text);
  EXPECT_TRUE(all_valid_utf8(s));
  EXPECT_GE(s.editor_notes.size(), 200000u);
}

TEST(CleanPathological, RandomFragmentsNeverCrash) {
  const std::vector<std::string_view> frags{"WASHINGTON, Nov 12 (Reuters) - ",
                                            "(AP) _ ",
                                            "\n",
                                            "\n\n",
                                            "  ",
                                            "\t",
                                            "By JOHN DOE\n",
                                            "UPDATE 2-",
                                            "=2",
                                            "(Adds quote)",
                                            "(In ",
                                            "story)",
                                            "Reporting by A and B in Paris; ",
                                            "Editing by C",
                                            "REUTERS/Kevin Lamarque",
                                            " License Rights Acquire",
                                            "READ MORE ",
                                            "opens a new tab",
                                            "&amp;",
                                            "&#x",
                                            "\xC3\xA2\xE2\x82\xAC",
                                            "\xE2\x84\xA2",
                                            "\xC3",
                                            "\xFF",
                                            "\x01",
                                            "\r",
                                            "Dec 31",
                                            ", ",
                                            " - ",
                                            "\xE2\x80\x94",
                                            "((",
                                            "))",
                                            "(",
                                            ")",
                                            "word ",
                                            "Sept. ",
                                            "5 ",
                                            "AP Photo/",
                                            "Photo: ",
                                            "Related Articles\n"};
  uint64_t state = 42;
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    const int n = static_cast<int>(state % 60);
    for (int i = 0; i < n; ++i) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      text += frags[(state >> 33) % frags.size()];
    }
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const CleanStory s = clean(text, at(2024, 1, 1));
    ASSERT_TRUE(all_valid_utf8(s)) << text;
    for (const auto& p : s.paragraphs) ASSERT_FALSE(p.empty()) << text;
  }
}

TEST(CleanPathological, ExtremeReceiveTimes) {
  const std::string text = "H\n\nLONDON, Dec 31 (Reuters) - Text.";
  EXPECT_FALSE(clean(text, sys_seconds{}).dateline.date.empty());
  EXPECT_FALSE(clean(text, sys_seconds{std::chrono::seconds{INT64_MAX / 2}}).dateline.date.empty());
  EXPECT_FALSE(clean(text, sys_seconds{std::chrono::seconds{INT64_MIN / 2}}).dateline.date.empty());
}

}  // namespace
}  // namespace wirefeed::pipeline
