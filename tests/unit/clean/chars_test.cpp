// Tests for clean_story: Character repair (pipeline/clean/chars.*): controls, entities, mojibake,
// spaces, UTF-8.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pipeline/clean.hpp"
#include "tests/unit/clean/clean_test_util.hpp"

namespace wirefeed::pipeline::clean_test {
namespace {

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

}  // namespace
}  // namespace wirefeed::pipeline::clean_test
