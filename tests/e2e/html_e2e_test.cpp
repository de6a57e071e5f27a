// End-to-end: news web pages through the real wirefeedd on the mock cluster. A page recognised
// by sniffing and one recognised only by its Kafka content-type header become Stories with the
// article text (no navigation, related links or footer), the declared headline and canonical
// address, and figure captions; a page with only a script and an empty page become dead letters
// naming the format, and the partition keeps flowing after them.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tests/support/harness.hpp"
#include "wirefeed/v1/story.pb.h"

namespace wirefeed::testing {
namespace {

std::string html_config(const std::string& bootstrap, uint16_t port) {
  return "kafka:\n  brokers: \"" + bootstrap +
         "\"\n  group_id: e2e-html\n  consumer_properties:\n    fetch.wait.max.ms: \"20\"\n"
         "    session.timeout.ms: \"6000\"\n"
         "input:\n  topics: [wire.raw]\n  max_bytes: 256KiB\n"
         "output:\n  stories_topic: wire.stories\n  duplicates_topic: wire.duplicates\n"
         "  dead_letter_topic: wire.deadletter\n"
         "metrics:\n  listen: \"127.0.0.1:" +
         std::to_string(port) + "\"\n";
}

// A page as a scraper hands it over: metadata, site navigation, the article with a figure,
// a related-links aside and a footer.
std::string article_page() {
  return R"(<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Lighthouse keepers return to Skerry Point | Coast Daily</title>
<link rel="canonical" href="https://coast.example/2026/lighthouse-keepers-return">
<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",
"headline":"Lighthouse keepers return to Skerry Point","datePublished":"2026-11-30T08:00:00Z",
"author":{"@type":"Person","name":"Maren Holt"}}</script>
<style>.nav{display:flex}</style></head><body>
<nav class="nav"><a href="/">Home</a><a href="/news">News</a><a href="/sport">Sport</a></nav>
<main><article><h1>Lighthouse keepers return to Skerry Point</h1>
<p class="byline">By Maren Holt</p>
<p>The lighthouse at Skerry Point will be staffed again from January, forty years after its last
keeper left, the coastal authority said on Monday.</p>
<figure><img src="/img/skerry.jpg" alt="The lighthouse at dusk">
<figcaption>The lighthouse at Skerry Point at dusk. Photo: Coast Daily/Ivar Lunde</figcaption></figure>
<p>Two keepers will live on the island for four weeks at a time and monitor shipping in the
narrow channel, where three freighters ran aground last winter.</p>
<p>"Automation saved money but the channel has become busier," the authority's director said.</p>
</article>
<aside><h2>Most read</h2><ul><li><a href="/a">Ferry timetable changes</a></li>
<li><a href="/b">Harbour fees rise</a></li><li><a href="/c">Storm warning lifted</a></li></ul></aside>
</main><footer><p>Copyright 2026 Coast Daily. All rights reserved.</p>
<a href="/privacy">Privacy</a> <a href="/cookies">Cookie settings</a></footer></body></html>)";
}

// No doctype and no <html> root: only the content-type header says it is HTML.
std::string fragment_page() {
  return "<div class=\"story\"><h1>Ferry strike called off</h1><p>The ferry workers' union "
         "called off Friday's strike after the operator offered a new shift plan, the union "
         "said late on Wednesday.</p><p>Services will run to the normal timetable.</p></div>";
}

TEST(HtmlE2E, PagesBecomeArticleStoriesAndHostilePagesDeadLetters) {
  TestCluster kafka;
  TempDir dir;
  const uint16_t port = free_port();
  DaemonProcess d(dir.path(), html_config(kafka.bootstrap(), port));
  ASSERT_TRUE(d.wait_ready(port)) << d.stderr_text();

  const std::vector<std::pair<std::string, std::string>> html_header = {
      {"content-type", "text/html; charset=utf-8"}};
  ASSERT_NO_FATAL_FAILURE(produce_all(
      kafka.bootstrap(), "wire.raw",
      {
          {"page-sniffed", article_page(), 0},
          {"page-script-only", "<!DOCTYPE html><html><body><script>app()</script></body></html>",
           0},
          {"page-by-header", fragment_page(), 0, 0, html_header},  // after the dead letter
      }));

  const auto stories = read_topic(kafka.bootstrap(), "wire.stories", 3, 2);
  const auto dls = read_topic(kafka.bootstrap(), "wire.deadletter", 3, 1);
  ASSERT_EQ(stories.size(), 2u) << d.stderr_text();
  ASSERT_EQ(dls.size(), 1u);

  std::map<std::string, v1::Story> by_key;
  for (const auto& c : stories) {
    v1::Story s;
    ASSERT_TRUE(s.ParseFromString(c.value));
    by_key[s.source().key()] = s;
  }
  ASSERT_TRUE(by_key.count("page-sniffed"));
  const v1::Story& a = by_key["page-sniffed"];
  EXPECT_EQ(a.source().format(), "html");
  EXPECT_EQ(a.headline(), "Lighthouse keepers return to Skerry Point");
  EXPECT_EQ(a.source().url(), "https://coast.example/2026/lighthouse-keepers-return");
  EXPECT_EQ(a.language(), "en");
  ASSERT_EQ(a.paragraphs_size(), 3) << a.DebugString();
  EXPECT_EQ(a.paragraphs(0).rfind("The lighthouse at Skerry Point will be staffed", 0), 0u);
  std::string body;
  for (const auto& p : a.paragraphs()) body += p + "\n";
  for (const char* chrome : {"Home", "Most read", "Ferry timetable", "Copyright", "Cookie",
                             "display:flex", "Photo: Coast Daily"}) {
    EXPECT_EQ(body.find(chrome), std::string::npos) << chrome << " in\n" << body;
  }
  ASSERT_GE(a.captions_size(), 1);
  EXPECT_NE(a.captions(0).text().find("at dusk"), std::string::npos) << a.captions(0).text();

  ASSERT_TRUE(by_key.count("page-by-header"));
  const v1::Story& b = by_key["page-by-header"];
  EXPECT_EQ(b.source().format(), "html");
  EXPECT_EQ(b.headline(), "Ferry strike called off");
  ASSERT_EQ(b.paragraphs_size(), 2) << b.DebugString();
  EXPECT_EQ(b.paragraphs(1), "Services will run to the normal timetable.");

  v1::DeadLetter dl;
  ASSERT_TRUE(dl.ParseFromString(dls[0].value));
  EXPECT_EQ(dl.source().key(), "page-script-only");
  EXPECT_NE(dl.message().find("html"), std::string::npos) << dl.message();
}

}  // namespace
}  // namespace wirefeed::testing
