// Tests for clean_story: Captions and credits (pipeline/clean/captions.*).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pipeline/clean.hpp"
#include "tests/unit/clean/clean_test_util.hpp"

namespace wirefeed::pipeline::clean_test {
namespace {

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

}  // namespace
}  // namespace wirefeed::pipeline::clean_test
