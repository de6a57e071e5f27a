// Tests for clean_story: The whole clean_story pass: the hand-checked sample, golden file,
// determinism, and pathological inputs (no timing assertions).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pipeline/clean.hpp"
#include "tests/unit/clean/clean_test_util.hpp"

namespace wirefeed::pipeline::clean_test {
namespace {

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
}  // namespace wirefeed::pipeline::clean_test
