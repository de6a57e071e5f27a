// The wirefeed CLI run as a real binary: process (offline pipeline), decode, and the shipped
// descriptor set read by protoc.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "tests/support/harness.hpp"
#include "wirefeed/v1/story.pb.h"

namespace wirefeed::testing {
namespace {

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty()) out.push_back(l);
  }
  return out;
}

TEST(Cli, ProcessPrintsOneRecordPerInputDeterministically) {
  const std::string samples = std::string(WIREFEED_SOURCE_DIR) + "/samples";
  auto a =
      run_command({bin("wirefeed"), "process", "--received-at", "2023-11-12T18:00:00Z", samples});
  auto b =
      run_command({bin("wirefeed"), "process", "--received-at", "2023-11-12T18:00:00Z", samples});
  ASSERT_EQ(a.first, 0) << a.second;
  EXPECT_EQ(a.second, b.second);  // same input, same records (I-7)
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(samples)) files += e.is_regular_file();
  const auto out = lines(a.second);
  EXPECT_EQ(out.size(), files);
  std::size_t stories = 0, dups = 0, dls = 0;
  for (const auto& l : out) {
    stories += l.rfind("{\"story\":", 0) == 0;
    dups += l.rfind("{\"duplicate\":", 0) == 0;
    dls += l.rfind("{\"dead_letter\":", 0) == 0;
  }
  EXPECT_EQ(stories + dups + dls, files);
  EXPECT_GE(dups, 1u);  // the REPEAT sample
  EXPECT_GE(dls, 1u);   // the non-UTF-8 sample
  EXPECT_NE(a.second.find("\"date\":\"2023-11-12\""), std::string::npos);
}

TEST(Cli, ProcessExplainNamesRuleFieldAndSpanAndRulesFileApplies) {
  const std::string sample =
      std::string(WIREFEED_SOURCE_DIR) + "/samples/reuters-biden-china-military-ties.txt";
  auto r = run_command(
      {bin("wirefeed"), "process", "--received-at", "2023-11-12T18:00:00Z", "--explain", sample});
  ASSERT_EQ(r.first, 0) << r.second;
  const auto out = lines(r.second);
  ASSERT_GE(out.size(), 3u);
  EXPECT_EQ(out[0].rfind("{\"story\":", 0), 0u);
  EXPECT_EQ(out[1].rfind("# explain ", 0), 0u) << out[1];
  auto has = [&](const std::string& needle) {
    for (const auto& l : out) {
      if (l[0] == '#' && l.find(needle) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("removed       reuters.read-more-insert          \"READ MORE"));
  EXPECT_TRUE(has("dateline      dateline                          \"WASHINGTON, Nov 12"));
  EXPECT_TRUE(has("contributors  signoff:reuters.role.reporting    \"Reporting by"));
  EXPECT_TRUE(has("captions      reuters.credit"));
  EXPECT_TRUE(has("quotes        quote"));
  EXPECT_NE(out[0].find("\"quotes\":[{\"text\":"), std::string::npos);

  // A newsroom rules file: disabling the READ MORE rule keeps that line in the body.
  const auto rules = std::filesystem::temp_directory_path() / "wirefeed-cli-rules.yaml";
  std::ofstream(rules) << "disable: [reuters.read-more-insert]\n";
  r = run_command({bin("wirefeed"), "process", "--received-at", "2023-11-12T18:00:00Z", "--rules",
                   rules.string(), sample});
  ASSERT_EQ(r.first, 0) << r.second;
  EXPECT_NE(r.second.find("READ MORE"), std::string::npos);
  std::ofstream(rules) << "disable: [no.such.rule]\n";
  r = run_command({bin("wirefeed"), "process", "--rules", rules.string(), sample});
  EXPECT_EQ(r.first, 2);
  std::filesystem::remove(rules);
}

TEST(Cli, ProcessJsonLinesOfEnvelopes) {
  const std::string input =
      R"({"id":"1","source":"ap","body":"First headline\n\nBody one is here."})"
      "\n\n"
      R"({"id":"2","source":"ap","body":"Second headline\n\nBody two is here."})"
      "\n"
      R"({"id":"3","source":"ap"})"
      "\n";
  auto r = run_command({bin("wirefeed"), "process", "--jsonl", "-"}, input);
  ASSERT_EQ(r.first, 0) << r.second;
  const auto out = lines(r.second);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_NE(out[0].find("First headline"), std::string::npos);
  EXPECT_NE(out[1].find("Second headline"), std::string::npos);
  EXPECT_NE(out[2].find("DEAD_LETTER_REASON_MALFORMED_ENVELOPE"), std::string::npos);
}

// --config takes the daemon's dedup settings: a light rewrite that the default near_threshold
// reports as a near-duplicate is a story of its own under a stricter threshold from the file.
TEST(Cli, ProcessConfigAppliesTheDaemonsDedupThreshold) {
  const std::string body =
      "The city council of Eastmoor voted on Tuesday to build a new footbridge over the canal, "
      "replacing a crossing closed since a flood damaged it two winters ago. Work is due to "
      "start in the spring and should take about eleven months, the council said. Residents "
      "had collected signatures for a year asking for the crossing to be restored.";
  std::string rewrite = body;
  rewrite.replace(rewrite.find("voted on Tuesday"), 16, "agreed on Tuesday");
  rewrite.replace(rewrite.find("Residents had"), 13, "People living nearby had");
  const std::string input =
      R"({"id":"a","source":"ap","received_at":"2026-03-03T10:00:00Z","body":"Eastmoor to build canal footbridge\n\n)" +
      body + "\"}\n" +
      R"({"id":"b","source":"ap","received_at":"2026-03-03T10:05:00Z","body":"Eastmoor council agrees canal footbridge\n\n)" +
      rewrite + "\"}\n";

  const auto plain = run_command({bin("wirefeed"), "process", "--jsonl", "-"}, input);
  ASSERT_EQ(plain.first, 0) << plain.second;
  auto out = lines(plain.second);
  ASSERT_EQ(out.size(), 2u);
  ASSERT_EQ(out[1].rfind("{\"duplicate\":", 0), 0u) << out[1];
  EXPECT_NE(out[1].find("DUPLICATE_KIND_NEAR"), std::string::npos) << out[1];
  const std::size_t at = out[1].find("\"similarity\":");
  ASSERT_NE(at, std::string::npos);
  const double similarity = std::stod(out[1].substr(at + 13));
  ASSERT_LT(similarity, 0.99);  // so the threshold below must turn the verdict

  TempDir dir;
  const auto config = dir.path() / "config.yaml";
  std::ofstream(config) << "dedup:\n  near_threshold: 0.99\n";
  const auto strict =
      run_command({bin("wirefeed"), "process", "--config", config.string(), "--jsonl", "-"}, input);
  ASSERT_EQ(strict.first, 0) << strict.second;
  out = lines(strict.second);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].rfind("{\"story\":", 0), 0u) << out[0];
  EXPECT_EQ(out[1].rfind("{\"story\":", 0), 0u) << out[1];

  // The file goes through the daemon's validation: a bad value is rejected, naming the key.
  std::ofstream(config) << "dedup:\n  near_threshold: 1.5\n";
  const auto bad =
      run_command({bin("wirefeed"), "process", "--config", config.string(), "--jsonl", "-"}, input);
  EXPECT_EQ(bad.first, 2);
}

TEST(Cli, ProcessLearnsChromeInInputOrderAndChromeListsIt) {
  // Four different stories of one source share a short line; their dividend lines differ in
  // figures only (templated copy).
  const std::vector<std::string> subjects = {"ferry", "bridge", "museum", "harbour"};
  std::string input;
  for (size_t i = 0; i < subjects.size(); ++i) {
    const std::string& w = subjects[i];
    input += R"({"id":")" + std::to_string(i) + R"(","source":"citywire","body":"The )" + w +
             R"( report\n\nOSLO (Reuters) - The )" + w + R"( committee met to discuss the )" + w +
             R"( plan.\n\nNorthwind terminal desk\n\nMembers said the )" + w +
             R"( talks went well.\n\nQtly div )" + std::to_string(i + 1) +
             R"( cts vs 9 cts prior"})"
             "\n";
  }
  auto r = run_command({bin("wirefeed"), "process", "--jsonl", "-"}, input);
  ASSERT_EQ(r.first, 0) << r.second;
  const auto out = lines(r.second);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_NE(out[0].find("Northwind terminal desk"), std::string::npos);
  EXPECT_NE(out[1].find("Northwind terminal desk"), std::string::npos);
  EXPECT_EQ(out[2].find("Northwind terminal desk"), std::string::npos);  // learned
  EXPECT_EQ(out[3].find("Northwind terminal desk"), std::string::npos);
  for (const auto& o : out) EXPECT_NE(o.find("Qtly div"), std::string::npos);  // never learned

  auto off = run_command({bin("wirefeed"), "process", "--no-learn", "--jsonl", "-"}, input);
  EXPECT_NE(lines(off.second)[3].find("Northwind terminal desk"), std::string::npos);

  auto list = run_command({bin("wirefeed"), "chrome", "citywire", "--jsonl", "-"}, input);
  ASSERT_EQ(list.first, 0) << list.second;
  EXPECT_NE(list.second.find("learned  4\tNorthwind terminal desk"), std::string::npos)
      << list.second;
  EXPECT_NE(list.second.find("blocked  4\tQtly div"), std::string::npos) << list.second;
}

TEST(Cli, ProcessAnHtmlPageExtractsTheArticleAndCanonicalUrl) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("wirefeed-cli-html-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto page = dir / "page.html";
  {
    std::ofstream f(page);
    f << "<!DOCTYPE html><html lang=\"en\"><head><title>Site</title>"
         "<link rel=\"canonical\" href=\"https://news.example/quay\"></head><body>"
         "<nav><a href=\"/\">Home</a> <a href=\"/sport\">Sport</a></nav><article><h1>Quay "
         "reopens after repairs</h1><p>The quay reopened on Monday, two months after a storm "
         "damaged its western end, and the first ferry arrived on time.</p><p>Traders said the "
         "closure had cost them dearly, but most expected business to recover by the summer, "
         "when visitors return.</p></article><footer>Copyright Example News</footer></body></html>";
  }
  auto r = run_command({bin("wirefeed"), "process", page.string()});
  std::filesystem::remove_all(dir);
  ASSERT_EQ(r.first, 0) << r.second;
  const auto out = lines(r.second);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rfind("{\"story\":", 0), 0u) << out[0];
  EXPECT_NE(out[0].find("\"headline\":\"Quay reopens after repairs\""), std::string::npos)
      << out[0];
  EXPECT_NE(out[0].find("\"url\":\"https://news.example/quay\""), std::string::npos) << out[0];
  EXPECT_NE(out[0].find("\"format\":\"html\""), std::string::npos);
  EXPECT_NE(out[0].find("first ferry arrived on time."), std::string::npos);
  EXPECT_EQ(out[0].find("Sport"), std::string::npos);
  EXPECT_EQ(out[0].find("Copyright"), std::string::npos);
}

TEST(Cli, DecodePrintsABinaryRecordAsJsonAndRejectsGarbage) {
  v1::Story s;
  s.set_id("wf-0123456789abcdef");
  s.set_headline("Hello wire");
  s.add_paragraphs("Body.");
  auto r = run_command({bin("wirefeed"), "decode", "--type", "Story"}, s.SerializeAsString());
  ASSERT_EQ(r.first, 0) << r.second;
  EXPECT_NE(r.second.find("\"headline\":\"Hello wire\""), std::string::npos);
  auto bad = run_command({bin("wirefeed"), "decode", "--type", "Story"}, "\xff\xff\xff");
  EXPECT_EQ(bad.first, 1);
  auto unknown = run_command({bin("wirefeed"), "decode", "--type", "Nope"}, "");
  EXPECT_EQ(unknown.first, 2);
}

TEST(Cli, ShippedDescriptorSetDecodesWithProtoc) {
  if (!std::filesystem::exists("/usr/bin/protoc")) GTEST_SKIP() << "protoc not installed";
  v1::Story s;
  s.set_headline("Descriptor check");
  auto r = run_command({"/usr/bin/protoc", "--decode=wirefeed.v1.Story",
                        "--descriptor_set_in=" + bin("wirefeed.desc")},
                       s.SerializeAsString());
  ASSERT_EQ(r.first, 0) << r.second;
  EXPECT_NE(r.second.find("headline: \"Descriptor check\""), std::string::npos) << r.second;
}

}  // namespace
}  // namespace wirefeed::testing
