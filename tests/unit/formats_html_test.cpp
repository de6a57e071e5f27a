// HTML article extraction on small pages written for these tests: boilerplate removal, metadata
// from what the page declares, figures, charsets, sniffing and limits.
#include <gtest/gtest.h>

#include <string>

#include "pipeline/decode.hpp"
#include "pipeline/formats/html.hpp"
#include "pipeline/text/utf8.hpp"

namespace wirefeed::pipeline::formats {
namespace {

StructuredDoc ok(const FormatResult& r) {
  if (const auto* e = std::get_if<FormatError>(&r)) {
    ADD_FAILURE() << e->message;
    return {};
  }
  return std::get<StructuredDoc>(r);
}

std::string joined(const StructuredDoc& d) {
  std::string out;
  for (const auto& p : d.paragraphs) out += p + "\n";
  return out;
}

const char* kProse[] = {
    "The harbour authority said on Tuesday that the new breakwater, built over three winters, "
    "had held through the worst storm the town has seen in forty years, sparing the fishing fleet.",
    "Engineers had warned, in a report published last spring, that the old wall would not survive "
    "another season of heavy swells, and the council voted, narrowly, to pay for its replacement.",
    "Residents gathered on the quay at dawn to look at the damage, which was limited to a few "
    "broken benches, a flooded car park and, according to the harbour master, one very wet dog.",
    "The project cost less than planned, the authority said, because the contractor reused stone "
    "from the old wall, a choice that also pleased the town's heritage society, which had "
    "objected."};

std::string article_page(const std::string& head_extra = "", const std::string& body_extra = "") {
  std::string page =
      "<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\">"
      "<title>Breakwater holds | The Coast Courier</title>" +
      head_extra +
      "</head><body>"
      "<header class=\"site-header\"><a href=\"/\">Home</a> <a href=\"/news\">News</a></header>"
      "<nav><ul><li><a href=\"/a\">Sport</a></li><li><a href=\"/b\">Weather</a></li></ul></nav>"
      "<div class=\"page\"><div class=\"article-body\"><h1>Breakwater holds in storm</h1>";
  for (const char* p : kProse) page += std::string("<p>") + p + "</p>";
  page += body_extra;
  page +=
      "</div><div class=\"related-stories\"><h3>More stories</h3><ul>"
      "<li><a href=\"/x\">Lifeboat crew rescues two kayakers off the point</a></li>"
      "<li><a href=\"/y\">Council approves new ferry timetable for summer</a></li></ul></div>"
      "<div class=\"comments\"><p>Great news for the town, well done everyone involved in this, "
      "I always said the old wall was a disgrace and should have been replaced years ago.</p></div>"
      "</div><footer><p>Copyright The Coast Courier. All rights reserved.</p></footer>"
      "<script>var tracking = 'Breakwater holds, do not show this text';</script>"
      "</body></html>";
  return page;
}

TEST(FormatsHtml, SniffsPagesAndContentType) {
  EXPECT_EQ(sniff_format("<!DOCTYPE html><html><body>x</body></html>"), DocFormat::kHtml);
  EXPECT_EQ(sniff_format("\n  <!-- c --><HTML lang=en><p>x"), DocFormat::kHtml);
  EXPECT_EQ(sniff_format("<nitf><body/></nitf>"), DocFormat::kNitf);
  EXPECT_EQ(sniff_format("plain text about <html> tags"), DocFormat::kText);
  EXPECT_EQ(format_from_content_type("text/html; charset=utf-8"), DocFormat::kHtml);
  EXPECT_TRUE(looks_like_html("<!doctype html>"));
  EXPECT_FALSE(looks_like_html("<htmlx>"));
}

TEST(FormatsHtml, KeepsTheArticleDropsNavigationRelatedCommentsFooterAndScripts) {
  const StructuredDoc d = ok(decode_html(article_page(), FormatLimits{}));
  ASSERT_EQ(d.paragraphs.size(), 4u) << joined(d);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(d.paragraphs[i], kProse[i]);
  const std::string all = joined(d);
  for (const char* junk : {"Sport", "Lifeboat", "disgrace", "Copyright", "tracking", "Home"}) {
    EXPECT_EQ(all.find(junk), std::string::npos) << junk;
  }
  EXPECT_EQ(d.format, DocFormat::kHtml);
}

TEST(FormatsHtml, KeepsSubheadingsListsAndQuotesInsideTheArticleDropsLinkLists) {
  const std::string extra =
      "<h2>What comes next</h2><ul><li>A second wall on the north side of the bay.</li>"
      "<li>New lighting along the quay, paid for by the harbour fund.</li></ul>"
      "<blockquote>We were lucky, and we were ready, said the harbour master.</blockquote>"
      "<p><a href=\"/more\">Read more: the history of the harbour wall</a></p>"
      "<ul><li><a href=\"/t1\">harbour</a></li><li><a href=\"/t2\">storms</a></li>"
      "<li><a href=\"/t3\">council</a></li></ul>";
  const StructuredDoc d = ok(decode_html(article_page("", extra), FormatLimits{}));
  const std::string all = joined(d);
  EXPECT_NE(all.find("What comes next\n"), std::string::npos) << all;
  EXPECT_NE(all.find("A second wall on the north side of the bay.\n"), std::string::npos);
  EXPECT_NE(all.find("We were lucky"), std::string::npos);
  EXPECT_EQ(all.find("Read more"), std::string::npos) << all;
  EXPECT_EQ(all.find("storms"), std::string::npos) << all;
}

TEST(FormatsHtml, MetadataFromJsonLdThenOpenGraphThenDocument) {
  const std::string jsonld =
      "<script type=\"application/ld+json\">{\"@context\":\"https://schema.org\",\"@graph\":["
      "{\"@type\":\"WebSite\",\"name\":\"Courier\"},{\"@type\":\"NewsArticle\","
      "\"headline\":\"Breakwater holds as storm hits coast\",\"author\":[{\"@type\":\"Person\","
      "\"name\":\"Ann Reed\"},{\"@type\":\"Person\",\"name\":\"Tom Hale\"}],"
      "\"datePublished\":\"2024-02-06T08:30:00+01:00\",\"dateModified\":\"2024-02-06T10:00:00Z\","
      "\"articleSection\":\"Local\",\"mainEntityOfPage\":{\"@id\":\"https://c.example/a/1\"}}]}"
      "</script><meta property=\"og:title\" content=\"OG title\">";
  const StructuredDoc d = ok(decode_html(article_page(jsonld), FormatLimits{}));
  EXPECT_EQ(d.headline, "Breakwater holds as storm hits coast");
  EXPECT_EQ(d.byline, "Ann Reed and Tom Hale");
  EXPECT_EQ(d.first_created, "2024-02-06T07:30:00Z");
  EXPECT_EQ(d.version_created, "2024-02-06T10:00:00Z");
  EXPECT_EQ(d.section, "Local");
  EXPECT_EQ(d.canonical_url, "https://c.example/a/1");
  EXPECT_EQ(d.language, "en-GB");

  const std::string og =
      "<meta property=\"og:title\" content=\"Breakwater holds (OG)\">"
      "<meta property=\"article:published_time\" content=\"2024-02-06T08:30:00Z\">"
      "<meta name=\"author\" content=\"Ann Reed\">"
      "<link rel=\"canonical\" href=\"https://c.example/a/2\">";
  const StructuredDoc o = ok(decode_html(article_page(og), FormatLimits{}));
  EXPECT_EQ(o.headline, "Breakwater holds (OG)");
  EXPECT_EQ(o.byline, "Ann Reed");
  EXPECT_EQ(o.first_created, "2024-02-06T08:30:00Z");
  EXPECT_EQ(o.canonical_url, "https://c.example/a/2");

  const StructuredDoc plain = ok(decode_html(article_page(), FormatLimits{}));
  EXPECT_EQ(plain.headline, "Breakwater holds in storm");  // the h1, not the <title>
  EXPECT_TRUE(plain.first_created.empty());
}

TEST(FormatsHtml, FiguresBecomeMediaWithCaptionAndCreditNotBodyText) {
  const std::string fig =
      "<figure><img src=\"/img/wall.jpg\" alt=\"The wall\"><figcaption>Waves break over the new "
      "wall. <span class=\"credit\">Photo: J. Smith</span></figcaption></figure>";
  const StructuredDoc d = ok(decode_html(article_page("", fig), FormatLimits{}));
  ASSERT_EQ(d.media.size(), 1u);
  EXPECT_EQ(d.media[0].uri, "/img/wall.jpg");
  EXPECT_EQ(d.media[0].caption, "Waves break over the new wall.");
  EXPECT_EQ(d.media[0].credit, "Photo: J. Smith");
  EXPECT_EQ(joined(d).find("Waves break"), std::string::npos);
}

TEST(FormatsHtml, CharsetFromMetaAndBomTranscodedToUtf8) {
  // "café" in ISO-8859-1 declared by <meta http-equiv>.
  std::string latin =
      "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-15\">"
      "</head><body><div class=\"story\"><p>Le caf\xE9 du port a rouvert ses portes mardi, "
      "apr\xE8s des mois de travaux, a annonc\xE9 la mairie, ravie.</p></div></body></html>";
  EXPECT_EQ(html_charset(latin), "iso-8859-15");
  const StructuredDoc d = ok(decode_html(latin, FormatLimits{}));
  ASSERT_FALSE(d.paragraphs.empty());
  EXPECT_NE(d.paragraphs[0].find("caf\xC3\xA9 du port"), std::string::npos) << d.paragraphs[0];

  const std::string bom =
      "\xEF\xBB\xBF<html><body><p>Gr\xC3\xBC\xC3\x9F"
      "e aus dem Hafen, "
      "wo alles, wirklich alles, gut gegangen ist.</p></body></html>";
  EXPECT_EQ(html_charset(bom), "UTF-8");
  const StructuredDoc b = ok(decode_html(bom, FormatLimits{}));
  ASSERT_FALSE(b.paragraphs.empty());
  EXPECT_EQ(b.paragraphs[0].rfind("Gr\xC3\xBC\xC3\x9F"
                                  "e",
                                  0),
            0u);
  // Undeclared and not UTF-8: Windows-1252.
  EXPECT_EQ(html_charset("<html><body>\x93quoted\x94</body></html>"), "windows-1252");
}

TEST(FormatsHtml, HostilePagesAreRefusedNotCrashed) {
  std::string deep = "<html><body>";
  for (int i = 0; i < 5000; ++i) deep += "<div>";
  deep += "text</body></html>";
  const FormatResult r = decode_html(deep, FormatLimits{});
  // libxml2 caps nesting itself; either way the result is bounded and well-formed.
  if (const auto* e = std::get_if<FormatError>(&r)) {
    EXPECT_FALSE(e->message.empty());
  }
  EXPECT_TRUE(std::holds_alternative<FormatError>(
      decode_html("<html><body><script>only()</script></body></html>", FormatLimits{})));
}

// Explain lines quote at most ~100 bytes of a block; the cut never splits a character, even
// when the paragraph is all three-byte characters that do not line up with the cut.
TEST(FormatsHtml, ExplainLinesClipOnCharacterBoundaries) {
  std::string wide;
  for (int i = 0; i < 200; ++i) wide += "\xE6\xB8\xAF";  // U+6E2F, three bytes
  std::string body;
  for (int i = 0; i < 4; ++i) body += "<p>x" + wide + "</p>";  // 1 + 3k bytes: cuts fall inside
  const std::string page =
      "<html><head><meta charset=\"utf-8\"><title>t</title></head><body>"
      "<article>" +
      body + "<p>" + kProse[0] + "</p></article></body></html>";
  std::vector<std::string> explain;
  const StructuredDoc d = ok(decode_html(page, FormatLimits{}, &explain));
  EXPECT_FALSE(d.paragraphs.empty());
  ASSERT_FALSE(explain.empty());
  bool clipped = false;
  for (const std::string& line : explain) {
    EXPECT_EQ(text::find_invalid_utf8(line), std::string_view::npos) << line;
    clipped = clipped || (line.rfind("keep: x", 0) == 0 && line.size() < 120);
  }
  EXPECT_TRUE(clipped);
}

TEST(FormatsHtml, DecodeStageRoutesHtmlByHeaderAndSniffAndKeepsItsCharset) {
  DecodeConfig cfg;
  InputMessage msg;
  msg.value = article_page();
  auto r = decode(msg, cfg);
  ASSERT_TRUE(std::holds_alternative<DecodedItem>(r));
  EXPECT_EQ(std::get<DecodedItem>(r).source.format(), "html");
  EXPECT_EQ(std::get<DecodedItem>(r).text.rfind("Breakwater holds in storm\n\n", 0), 0u);

  InputMessage latin;
  latin.headers.push_back({"content-type", std::string("text/html")});
  latin.value = "<p>Un caf\xE9 tr\xE8s attendu a rouvert, et tout le quartier est venu.</p>";
  auto l = decode(latin, cfg);  // not UTF-8, but HTML carries its own charset
  ASSERT_TRUE(std::holds_alternative<DecodedItem>(l));
  EXPECT_NE(std::get<DecodedItem>(l).text.find("caf\xC3\xA9"), std::string::npos);
}

TEST(FormatsHtml, UnclosedDivInMenuDoesNotSwallowTheArticle) {
  // The menu leaves a div open; its </nav> still ends the menu, as in a browser.
  std::string page =
      "<!DOCTYPE html><html><head><title>Breakwater holds</title></head><body>"
      "<header><nav class=\"top\"><div class=\"menu-wrap\"><a href=\"/\">Home</a>"
      "<div class=\"drop\"><a href=\"/n\">News</a></div></nav></header>"
      "<div class=\"main\"><article><h1>Breakwater holds in storm</h1>";
  for (const char* p : kProse) page += std::string("<p>") + p + "</p>";
  page += "</article></div><!-- <nav><div> in a comment --></body></html>";
  const StructuredDoc d = ok(decode_html(page, FormatLimits{}));
  ASSERT_EQ(d.paragraphs.size(), 4u) << joined(d);
  EXPECT_NE(d.paragraphs[0].find("harbour authority"), std::string::npos);
}

TEST(FormatsHtml, WrapperHoldingTheArticleIsKeptWhateverItsClass) {
  // A page builder wraps the story in "widget" containers, a class word that marks furniture.
  std::string page =
      "<!DOCTYPE html><html><head><title>Breakwater holds</title></head><body>"
      "<article class=\"post\"><h1>Breakwater holds in storm</h1>"
      "<p>By a staff reporter, with pictures, from the harbour.</p>"
      "<div class=\"builder-widget-wrap\"><div class=\"text-widget-container\">";
  for (const char* p : kProse) page += std::string("<p>") + p + "</p>";
  page +=
      "</div></div><div class=\"widget-container\"><a href=\"/x\">Lifeboat crew rescues two "
      "kayakers</a></div></article></body></html>";
  const StructuredDoc d = ok(decode_html(page, FormatLimits{}));
  ASSERT_EQ(d.paragraphs.size(), 5u) << joined(d);
  EXPECT_NE(d.paragraphs[4].find("heritage society"), std::string::npos);
  EXPECT_EQ(joined(d).find("kayakers"), std::string::npos);
}

TEST(FormatsHtml, FurnitureClassHoldingThePagesProseIsKept) {
  // The story sits inside a share bar's container; a related block beside it is still dropped.
  std::string page =
      "<!DOCTYPE html><html><head><title>Breakwater holds</title></head><body>"
      "<div class=\"site\"><h1>Breakwater holds in storm</h1><div class=\"social-sticky\">"
      "<ul><li><a href=\"/f\">Facebook</a></li><li><a href=\"/t\">Twitter</a></li></ul>";
  for (const char* p : kProse) page += std::string("<p>") + p + "</p>";
  page +=
      "</div><div class=\"related-posts\"><p>Lifeboat crew rescues two kayakers off the point, "
      "a short teaser with few words.</p></div></div></body></html>";
  const StructuredDoc d = ok(decode_html(page, FormatLimits{}));
  ASSERT_EQ(d.paragraphs.size(), 4u) << joined(d);
  EXPECT_NE(d.paragraphs[0].find("harbour authority"), std::string::npos);
  EXPECT_EQ(joined(d).find("kayakers"), std::string::npos);
  EXPECT_EQ(joined(d).find("Facebook"), std::string::npos);
}

TEST(FormatsHtml, PageAfterStrayServerOutputIsStillThePage) {
  // A server warning printed ahead of the doctype: still an HTML page, whose <html> and <body>
  // are no longer the first elements.
  std::string page =
      "<br />\n<b>Warning</b>:  cache_open(): cannot open file in <b>/srv/cache.php</b> on line "
      "<b>12</b><br />\n<!DOCTYPE html><html lang=\"en\"><head><title>Breakwater holds</title>"
      "<meta property=\"og:title\" content=\"Breakwater holds in storm\"></head><body>"
      "<div class=\"story\">";
  for (const char* p : kProse) page += std::string("<p>") + p + "</p>";
  page += "</div></body></html>";
  EXPECT_EQ(sniff_format(page), DocFormat::kHtml);
  EXPECT_FALSE(declares_html_page("<b>Note</b>: plain copy that mentions an html tag"));
  const StructuredDoc d = ok(decode_html(page, FormatLimits{}));
  EXPECT_EQ(d.headline, "Breakwater holds in storm");
  ASSERT_EQ(d.paragraphs.size(), 4u) << joined(d);
  EXPECT_EQ(joined(d).find("Warning"), std::string::npos);
}

TEST(FormatsHtml, LittleTextKeptRetriesWithLenientCleaning) {
  // Every paragraph sits in its own block whose class reads as furniture; the conditional
  // cleaning drops them all, so the article is emitted again dropping only link-dense blocks.
  std::string page =
      "<!DOCTYPE html><html><head><title>Breakwater holds</title></head><body>"
      "<article class=\"story\"><h1>Breakwater holds in storm</h1>";
  for (const char* p : kProse) {
    page += std::string("<div class=\"widget block\"><p>") + p + "</p></div>";
  }
  page +=
      "<div class=\"widget more\"><a href=\"/x\">Lifeboat crew rescues two kayakers</a> "
      "<a href=\"/y\">Ferry timetable</a></div></article></body></html>";
  const StructuredDoc d = ok(decode_html(page, FormatLimits{}));
  ASSERT_EQ(d.paragraphs.size(), 4u) << joined(d);
  EXPECT_NE(d.paragraphs[0].find("harbour authority"), std::string::npos);
  EXPECT_EQ(joined(d).find("kayakers"), std::string::npos);
}

TEST(FormatsHtml, SubheadingOfADroppedSectionIsDropped) {
  // A subheading over prose stays; the one over a dropped link list goes with the list.
  std::string page =
      "<!DOCTYPE html><html><head><title>Breakwater holds</title></head><body>"
      "<div class=\"story-body\"><h1>Breakwater holds in storm</h1>";
  page += std::string("<p>") + kProse[0] + "</p><p>" + kProse[1] + "</p>";
  page += "<h2>What the engineers said</h2>";
  page += std::string("<p>") + kProse[2] + "</p><p>" + kProse[3] + "</p>";
  page +=
      "<h3>More from the coast</h3><ul><li><a href=\"/x\">Lifeboat crew rescues two kayakers off "
      "the point</a></li><li><a href=\"/y\">Council approves new ferry timetable for "
      "summer</a></li></ul></div></body></html>";
  const StructuredDoc d = ok(decode_html(page, FormatLimits{}));
  ASSERT_EQ(d.paragraphs.size(), 5u) << joined(d);
  EXPECT_EQ(d.paragraphs[2], "What the engineers said");
  EXPECT_EQ(joined(d).find("More from the coast"), std::string::npos);
}

}  // namespace
}  // namespace wirefeed::pipeline::formats
