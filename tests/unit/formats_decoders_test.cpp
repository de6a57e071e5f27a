// Format decoders on the fixtures in tests/data/formats (written from the public ninjs, NITF,
// NewsML-G2 and ANPA-1312/IPTC 7901 specifications): fields, charsets, takes, refusals.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "pipeline/decode.hpp"
#include "pipeline/formats/document.hpp"
#include "pipeline/formats/text_util.hpp"
#include "tests/support/harness.hpp"

namespace wirefeed::pipeline::formats {
namespace {

using testing::formats_fixture;

StructuredDoc ok(const FormatResult& r) {
  if (const auto* e = std::get_if<FormatError>(&r)) {
    ADD_FAILURE() << format_name(e->format) << ": " << e->message;
    return {};
  }
  return std::get<StructuredDoc>(r);
}

FormatError err(const FormatResult& r) {
  EXPECT_TRUE(std::holds_alternative<FormatError>(r));
  return std::holds_alternative<FormatError>(r) ? std::get<FormatError>(r) : FormatError{};
}

TEST(FormatsSniff, ByContentAndContentType) {
  EXPECT_EQ(sniff_format(formats_fixture("ninjs-v2-update.json")), DocFormat::kNinjs);
  EXPECT_EQ(sniff_format(formats_fixture("nitf-latin1.xml")), DocFormat::kNitf);
  EXPECT_EQ(sniff_format(formats_fixture("newsml-g2-message.xml")), DocFormat::kNewsMLG2);
  EXPECT_EQ(sniff_format(formats_fixture("anpa-multitake.txt")), DocFormat::kAnpa);
  EXPECT_EQ(sniff_format("{\"id\":\"1\",\"uri\":\"u\",\"headline\":\"h\",\"body\":\"b\"}"),
            DocFormat::kText);  // the wirefeed envelope
  EXPECT_EQ(sniff_format("Headline\n\nBody"), DocFormat::kText);
  EXPECT_EQ(sniff_format("<html><body>x</body></html>"), DocFormat::kHtml);
  EXPECT_EQ(format_from_content_type("application/ninjs+json; charset=utf-8"), DocFormat::kNinjs);
  EXPECT_EQ(format_from_content_type("application/vnd.iptc.g2.newsitem+xml"), DocFormat::kNewsMLG2);
  EXPECT_EQ(format_from_content_type("application/NITF+xml"), DocFormat::kNitf);
  EXPECT_EQ(format_from_content_type("text/vnd.iptc.anpa"), DocFormat::kAnpa);
  EXPECT_EQ(format_from_content_type("text/plain"), DocFormat::kText);
  EXPECT_EQ(format_from_content_type("application/json"), std::nullopt);
}

TEST(FormatsNinjs, Version2FieldsAndHtmlBody) {
  const StructuredDoc d = ok(decode_ninjs(formats_fixture("ninjs-v2-update.json"), {}));
  EXPECT_EQ(d.item_id, "urn:example:wirefeed:2024:harbour-fire");
  EXPECT_EQ(d.source_version, "2");
  EXPECT_EQ(d.version_created, "2024-03-04T08:30:00Z");  // +01:00 normalised to UTC
  EXPECT_EQ(d.first_created, "2024-03-04T08:00:00Z");
  EXPECT_EQ(d.pub_status, "usable");
  EXPECT_FALSE(d.kill);
  EXPECT_EQ(d.urgency, 3u);
  EXPECT_EQ(d.language, "en-GB");
  EXPECT_EQ(d.headline, "Fire at Bergen harbour warehouse kills three");  // role main, not first
  EXPECT_EQ(d.byline, "Maria Lind and Tom Berg");
  EXPECT_EQ(d.dateline, "BERGEN, Norway");
  EXPECT_EQ(d.slugline, "harbour-fire");
  ASSERT_EQ(d.ednotes.size(), 1u);
  ASSERT_EQ(d.subjects.size(), 2u);
  EXPECT_EQ(d.subjects[1].code, "medtop:03000000");
  EXPECT_EQ(d.subjects[1].scheme, "medtop");
  // HTML wins over the plain fallback; inline markup kept inside words; script dropped; list
  // items are paragraphs; the figure becomes a media reference with its caption.
  ASSERT_EQ(d.paragraphs.size(), 4u);
  EXPECT_EQ(d.paragraphs[1],
            "The blaze broke out shortly before 7 a.m. and took 40 firefighters four hours to "
            "bring under control.");
  EXPECT_EQ(d.paragraphs[2], "Three dead");
  ASSERT_EQ(d.media.size(), 1u);
  EXPECT_EQ(d.media[0].uri, "https://img.example/fire.jpg");
  EXPECT_EQ(d.media[0].caption, "Smoke rises over the harbour. REUTERS/Ola Nord");
}

TEST(FormatsNinjs, Version1And3) {
  const StructuredDoc v1 = ok(decode_ninjs(formats_fixture("ninjs-v1.json"), {}));
  EXPECT_EQ(v1.headline, "Central bank holds rates at 4.5 percent");
  EXPECT_EQ(v1.byline, "By Anna Meyer");
  ASSERT_EQ(v1.paragraphs.size(), 2u);
  EXPECT_EQ(v1.paragraphs[1], "Economists had expected the decision.");
  const StructuredDoc v3 = ok(decode_ninjs(formats_fixture("ninjs-v3.json"), {}));
  EXPECT_EQ(v3.version_created, "2024-06-01T10:00:00Z");
  EXPECT_EQ(v3.first_created, "2024-06-01T09:00:00Z");
  EXPECT_EQ(v3.pub_status, "usable");
  EXPECT_EQ(v3.urgency, 2u);
  EXPECT_EQ(v3.headline, "Erdbeben erschüttert Süditalien");
  ASSERT_EQ(v3.ednotes.size(), 1u);
  EXPECT_EQ(v3.paragraphs.size(), 2u);
}

TEST(FormatsNinjs, CanceledIsAKill) {
  const StructuredDoc d = ok(decode_ninjs(formats_fixture("ninjs-v2-canceled.json"), {}));
  EXPECT_TRUE(d.kill);
  EXPECT_EQ(d.pub_status, "canceled");
}

TEST(FormatsNinjs, Refusals) {
  EXPECT_TRUE(err(decode_ninjs(formats_fixture("ninjs-picture.json"), {})).unsupported);
  EXPECT_NE(
      err(decode_ninjs(formats_fixture("ninjs-malformed.json"), {})).message.find("does not parse"),
      std::string::npos);
  EXPECT_NE(err(decode_ninjs(formats_fixture("ninjs-deep.json"), {})).message.find("deeper than"),
            std::string::npos);
  EXPECT_NE(err(decode_ninjs("{\"headline\":\"no uri\"}", {})).message.find("uri"),
            std::string::npos);
  EXPECT_FALSE(err(decode_ninjs("[1,2]", {})).unsupported);
}

TEST(FormatsNitf, Latin1DocdataAndBody) {
  const StructuredDoc d = ok(decode_nitf(formats_fixture("nitf-latin1.xml"), {}));
  EXPECT_EQ(d.headline, "Tour de France: l'étape arrive à Besançon");  // hl1, not title/hl2
  EXPECT_EQ(d.item_id, "AFP-2024-0612-velo");
  EXPECT_EQ(d.source_version, "2");
  EXPECT_EQ(d.version_created, "2024-06-12T12:30:00Z");
  EXPECT_EQ(d.urgency, 4u);
  EXPECT_EQ(d.language, "fr");
  EXPECT_EQ(d.byline, "Hélène Durand");
  EXPECT_EQ(d.dateline, "BESANÇON");
  ASSERT_EQ(d.paragraphs.size(), 2u);
  EXPECT_EQ(d.paragraphs[1], "Le maillot jaune garde une avance de 42 secondes.");
  ASSERT_EQ(d.media.size(), 1u);
  EXPECT_EQ(d.media[0].credit, "AFP/Jean Dupont");
  ASSERT_EQ(d.subjects.size(), 1u);
  EXPECT_EQ(d.subjects[0].code, "15000000");
}

TEST(FormatsXml, MalformedXxeAndBombsAreRefused) {
  const FormatError bad = err(decode_nitf(formats_fixture("nitf-malformed.xml"), {}));
  EXPECT_NE(bad.message.find("line "), std::string::npos) << bad.message;
  const FormatError xxe = err(decode_nitf(formats_fixture("nitf-xxe.xml"), {}));
  EXPECT_NE(xxe.message.find("entities"), std::string::npos);
  const FormatError lol = err(decode_newsml(formats_fixture("newsml-billion-laughs.xml"), {}));
  EXPECT_NE(lol.message.find("entities"), std::string::npos);
  std::string deep = "<nitf>";
  for (int i = 0; i < 200; ++i) deep += "<block>";
  for (int i = 0; i < 200; ++i) deep += "</block>";
  deep += "</nitf>";
  EXPECT_NE(err(decode_nitf(deep, {})).message.find("nested deeper"), std::string::npos);
  EXPECT_NE(err(decode_nitf("<notnitf/>", {})).message.find("not <nitf>"), std::string::npos);
}

TEST(FormatsNewsML, G2MessageItem) {
  const StructuredDoc d = ok(decode_newsml(formats_fixture("newsml-g2-message.xml"), {}));
  EXPECT_EQ(d.format, DocFormat::kNewsMLG2);
  EXPECT_EQ(d.item_id, "urn:newsml:example.com:20240410:port-strike");
  EXPECT_EQ(d.source_version, "3");
  EXPECT_EQ(d.version_created, "2024-04-10T15:00:00Z");
  EXPECT_EQ(d.first_created, "2024-04-10T09:12:00Z");
  EXPECT_EQ(d.pub_status, "usable");
  EXPECT_EQ(d.urgency, 4u);
  EXPECT_EQ(d.slugline, "NETHERLANDS-PORT/STRIKE");
  EXPECT_EQ(d.headline, "Dutch port workers extend strike to third day");
  EXPECT_EQ(d.byline, "Bart Meijer");
  EXPECT_EQ(d.dateline, "ROTTERDAM");
  EXPECT_EQ(d.language, "en");
  EXPECT_EQ(d.provider, "Reuters");
  ASSERT_EQ(d.subjects.size(), 2u);
  EXPECT_EQ(d.subjects[0].code, "medtop:04000000");
  EXPECT_EQ(d.subjects[0].name, "economy, business and finance");
  ASSERT_EQ(d.paragraphs.size(), 3u);
  EXPECT_EQ(d.paragraphs[2], "\"We will not back down,\" a union spokesman said.");
}

// One message, one story: two text items are refused as a whole (never one published and the
// other silently dropped); a non-text item beside one story does not count.
TEST(FormatsNewsML, G2MessageWithTwoTextItemsIsRefusedNotHalfPublished) {
  const std::string one = formats_fixture("newsml-g2-message.xml");
  const std::size_t b = one.find("<newsItem"), e = one.find("</newsItem>");
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  const std::string item = one.substr(b, e + 11 - b);
  std::string two = one;
  two.insert(e + 11, item);
  const FormatError f = err(decode_newsml(two, {}));
  EXPECT_TRUE(f.unsupported);
  EXPECT_NE(f.message.find("carries 2 text newsItems"), std::string::npos) << f.message;
  std::string with_picture = one;
  with_picture.insert(e + 11, R"(<newsItem guid="urn:pic:1" version="1"><itemMeta>)"
                              R"(<itemClass qcode="ninat:picture"/></itemMeta></newsItem>)");
  EXPECT_EQ(ok(decode_newsml(with_picture, {})).headline,
            "Dutch port workers extend strike to third day");
}

TEST(FormatsNewsML, G2CanceledWithNitfContentInWindows1252) {
  const StructuredDoc d = ok(decode_newsml(formats_fixture("newsml-g2-nitf-canceled.xml"), {}));
  EXPECT_TRUE(d.kill);
  EXPECT_EQ(d.pub_status, "canceled");
  ASSERT_EQ(d.paragraphs.size(), 1u);
  EXPECT_EQ(d.paragraphs[0], "Story withdrawn – not for publication.");
}

TEST(FormatsAnpa, MultiTakeHeaderBylineAndTrailer) {
  const StructuredDoc d = ok(decode_anpa(formats_fixture("anpa-multitake.txt"), {}));
  EXPECT_EQ(d.slugline, "BC-Storms-Georgia");
  EXPECT_EQ(d.source_version, "1st Ld-Writethru");
  EXPECT_EQ(version_number(d.source_version), 1u);
  EXPECT_EQ(d.urgency, 5u);  // r = regular
  ASSERT_EQ(d.subjects.size(), 1u);
  EXPECT_EQ(d.subjects[0].scheme, "anpa-category");
  EXPECT_EQ(d.item_id, "anpa:storms-georgia:11-14");
  EXPECT_EQ(d.headline, "Storms knock out power to thousands across Georgia");
  EXPECT_EQ(d.byline, "By CHARLES ODUM");
  ASSERT_EQ(d.paragraphs.size(), 4u);  // two takes joined; MORE and AP-WF-... lines dropped
  EXPECT_EQ(d.paragraphs[0].rfind("ATLANTA (AP) _ Severe thunderstorms", 0), 0u);
  EXPECT_NE(d.paragraphs[0].find("onto homes and leaving"), std::string::npos);  // wrap joined
  EXPECT_EQ(d.paragraphs[3], "The storms were expected to move into South Carolina by nightfall.");
}

TEST(FormatsAnpa, Latin1KillAndTwoStories) {
  const StructuredDoc l = ok(decode_anpa(formats_fixture("anpa-latin1.txt"), {}));
  EXPECT_EQ(l.headline, "Leaders agree on «green» budget in Brüssel");
  EXPECT_NE(l.paragraphs[0].find("“green”"), std::string::npos);  // Windows-1252 quotes
  EXPECT_EQ(l.urgency, 3u);                                       // u = urgent
  EXPECT_EQ(find_invalid_utf8(l.paragraphs[0]), std::string_view::npos);
  const StructuredDoc k = ok(decode_anpa(formats_fixture("anpa-kill.txt"), {}));
  EXPECT_TRUE(k.kill);
  EXPECT_EQ(k.item_id, "anpa:storms-georgia:11-14");  // the family of the story it kills
  // A take sent alone is not a version of the story: no item id, so it neither supersedes nor
  // is suppressed by take 1.
  const StructuredDoc t2 = ok(decode_anpa(formats_fixture("anpa-take2-alone.txt"), {}));
  EXPECT_EQ(t2.item_id, "");
  EXPECT_EQ(t2.source_version, "Take 2");
  ASSERT_EQ(t2.paragraphs.size(), 1u);
  const FormatError two = err(decode_anpa(formats_fixture("anpa-two-stories.txt"), {}));
  EXPECT_NE(two.message.find("more than one story"), std::string::npos);
}

// AP copy often sends the keyword line without the '^' mark ("BC-Idaho Wildfire,0301"): it is
// the slug echo (matched against the header slug, dropped and counted), and the line after it is
// the headline. The trailer tag is counted too. Agate rows keep their spacing, one block.
TEST(FormatsAnpa, UnmarkedKeywordLineHeadlineAndAgate) {
  const std::string raw =
      "\x16\x16\x01"
      "a0610 r s BC-BBA--ALStandings 07-15 0118\r\n"
      "\x02"
      "BC-BBA--AL Standings,0118\r\n"
      "AL Standings Glance\r\n"
      "   NEW YORK (AP) _ Boston led after\r\n"
      "Tuesday's games.  The standings:\r\n"
      "   East Division\r\n"
      "                   W   L   Pct\r\n"
      "Boston            56  35  .615  \r\n"
      "New York          52  38  .578\r\n"
      "AP-WF-07-15-92 0211EDT\r\n\x03";
  const StructuredDoc d = ok(decode_anpa(raw, {}));
  EXPECT_EQ(d.headline, "AL Standings Glance");
  EXPECT_EQ(d.furniture_removed, 2u);  // keyword line + AP-WF trailer
  EXPECT_EQ(d.paragraphs,
            (std::vector<std::string>{"NEW YORK (AP) _ Boston led after Tuesday's games. The "
                                      "standings:",
                                      "East Division",
                                      "                   W   L   Pct\n"
                                      "Boston            56  35  .615\n"
                                      "New York          52  38  .578"}));
  // Rows keep their spacing but not control characters (NUL, DEL fill): found by fuzz_formats.
  constexpr char kFill[] =
      "\x01"
      "a0612 r s BC-BBA 07-15 0118\n\x02"
      "Glance\nTor\x7fonto   49  42\x00  .538\n\x03";
  const StructuredDoc fill = ok(decode_anpa(std::string(kFill, sizeof(kFill) - 1), {}));
  ASSERT_EQ(fill.paragraphs.size(), 2u);
  EXPECT_EQ(fill.paragraphs[1], "Toronto   49  42  .538");
  // A first line that is not the slug is text, not a keyword line.
  const StructuredDoc other =
      ok(decode_anpa("\x01"
                     "a0611 r a BC-Fire 07-15 0118\n\x02"
                     "Crews Fight Fire\n   Text here.\n\x03",
                     {}));
  EXPECT_EQ(other.headline, "");
  EXPECT_EQ(other.furniture_removed, 0u);
}

bool has_rule(const StructuredDoc& d, std::string_view rule, std::string_view field) {
  for (const FramingNote& n : d.framing) {
    if (n.rule == rule && n.field == field) return true;
  }
  return false;
}

// AP over ANPA-1312: the header's first line carries routing codes and the priority/category
// follow on the next; the '^' keyword line is slug and version, never the headline; media
// references and "Eds:" notes are framing; two bylines share one '=' line and the next '='
// line is their title; the lede repeated as a display line before the byline is dropped.
TEST(FormatsAnpa, ApKeywordLineBylinesTitleNotesAndMediaRefs) {
  const std::string raw =
      "\x16\x16\x01"
      "q2201\x1f-----\n"
      "r s\x13\x11 BC-GLF--Coast-Open 1stLd-Writethru   05-02 0300\r\n"
      "\x02^BC-GLF--Coast-Open, 1st Ld-Writethru,280< \r\n"
      "^Ferris wins Coast Open by two shots< \r\n"
      "^AP Photo PXA301, PXA302< \r\n"
      "^(Eds: Adds quotes. With AP Photos.)< \r\n"
      "^Noel Ferris closed with a 66 to win the Coast Open by two shots on Sunday, his first "
      "title in three years.< \r\n"
      "^By ANNA BRUCK and LEO TAMM= \r\n"
      "^AP Golf Writers= \r\n"
      "\t   PORT ELLIS, Fla. (AP) _ Noel Ferris closed with a 66 to win the Coast Open by two "
      "shots on Sunday, his first title in three years. \r\n"
      "\t   He finished at 14 under. \r\n"
      "\t   AP-WF-05-02-26 2301GMT<\r\n\x03";
  const StructuredDoc d = ok(decode_anpa(raw, {}));
  EXPECT_EQ(d.headline, "Ferris wins Coast Open by two shots");
  EXPECT_EQ(d.slugline, "BC-GLF--Coast-Open");
  EXPECT_EQ(d.source_version, "1st Ld-Writethru");
  EXPECT_EQ(d.urgency, 5u);
  ASSERT_EQ(d.subjects.size(), 1u);
  EXPECT_EQ(d.subjects[0].code, "s");
  EXPECT_EQ(d.item_id, "anpa:glf--coast-open:05-02");
  EXPECT_EQ(d.byline, "By ANNA BRUCK and LEO TAMM");
  EXPECT_EQ(d.byline_title, "AP Golf Writers");
  EXPECT_EQ(d.ednotes, std::vector<std::string>{"Adds quotes. With AP Photos."});
  ASSERT_EQ(d.media.size(), 2u);
  EXPECT_EQ(d.media[1].uri, "PXA302");
  EXPECT_EQ(d.media[1].type, "picture");
  ASSERT_EQ(d.paragraphs.size(), 2u);
  EXPECT_EQ(d.paragraphs[0].rfind("PORT ELLIS, Fla. (AP) _ Noel Ferris", 0), 0u);
  EXPECT_EQ(d.paragraphs[1], "He finished at 14 under.");
  for (std::string_view rule : {"anpa.keyword-line", "anpa.media-refs", "anpa.eds-note",
                                "anpa.byline", "anpa.byline-title", "anpa.summary-line"}) {
    EXPECT_TRUE(std::any_of(d.framing.begin(), d.framing.end(), [&](const FramingNote& n) {
      return n.rule == rule;
    })) << rule;
  }
  // A display line that the body does not repeat is kept as text.
  const StructuredDoc kept =
      ok(decode_anpa("\x01"
                     "a0100 r a BC-Fair 05-02 0100\n\x02"
                     "^BC-Fair,0100<\n^County fair opens<\n^Rides and a cattle show this year<\n"
                     "\t   DALE, Ky. (AP) _ The county fair opened on Friday.\n\x03",
                     {}));
  EXPECT_EQ(kept.headline, "County fair opens");
  ASSERT_EQ(kept.paragraphs.size(), 2u);
  EXPECT_EQ(kept.paragraphs[0], "Rides and a cattle show this year");
}

// IPTC 7901 (dpa): header fields after SOH, keyword line before STX, take key, headline and
// byline ending " =", the service block and sign-off after the text.
TEST(FormatsIptc7901, HeaderKeywordHeadlineAndServiceBlock) {
  const std::string raw =
      "\x01"
      "ecx305 2 rs 120 ccccb   dpa-tns 017\r\n\r\n"
      "Chile-mining/strike/\r\n"
      "\x02"
      "EXTRA\n"
      "Copper miners in northern Chile end strike =\r\n"
      "By Rosa Ibanez, dpa =\r\n\r\n"
      "   Valdera (dpa) - Workers at a large copper mine in northern\r\n"
      "Chile ended a nine-day strike on Monday.\r\n\r\n"
      "   Output is to resume on Wednesday.\r\n\r\n"
      "* * * *\r\n"
      "The following information is not intended for publication\r\n"
      "- Editing by: Otto Brandt, +49 30 555 0100\r\n\r\n"
      "dpa ri ob\r\n\x03"
      "101532 GMT Mar 10\r\n\x04";
  const StructuredDoc d = ok(decode_anpa(raw, {}));
  EXPECT_EQ(d.headline, "Copper miners in northern Chile end strike");
  EXPECT_EQ(d.slugline, "Chile-mining/strike");
  EXPECT_EQ(d.source_version, "EXTRA");
  EXPECT_EQ(d.byline, "By Rosa Ibanez, dpa");
  EXPECT_EQ(d.urgency, 2u);
  EXPECT_EQ(d.provider, "dpa");
  ASSERT_EQ(d.subjects.size(), 1u);
  EXPECT_EQ(d.subjects[0].code, "rs");
  EXPECT_EQ(d.paragraphs,
            (std::vector<std::string>{"Valdera (dpa) - Workers at a large copper mine in northern "
                                      "Chile ended a nine-day strike on Monday.",
                                      "Output is to resume on Wednesday."}));
  EXPECT_TRUE(has_rule(d, "iptc7901.header", "header"));
  EXPECT_TRUE(has_rule(d, "iptc7901.headline", "headline"));
  EXPECT_TRUE(has_rule(d, "iptc7901.service-block", "removed"));
  // Without a service block the desk's sign-off line alone is still not body text.
  const StructuredDoc s = ok(
      decode_anpa("\x01"
                  "ecx306 4 i 40  dpa 018\r\n\r\nChile-mining/\r\n\x02"
                  "Strike ends =\r\n\r\n   Valdera (dpa) - The strike ended.\r\n\r\ndpa ri\r\n\x03",
                  {}));
  EXPECT_EQ(s.paragraphs, std::vector<std::string>{"Valdera (dpa) - The strike ended."});
  EXPECT_TRUE(has_rule(s, "iptc7901.signoff", "removed"));
}

// The heading block's extra lines become paragraphs too, and they count against the paragraph
// limit like every other decoder's (a fuzz input had more heading lines than the limit).
TEST(FormatsIptc7901, HeadingBlockLinesRespectTheParagraphLimit) {
  std::string raw =
      "\x01"
      "ecx307 4 i 40  dpa 019\r\n\r\nChile-mining/\r\n\x02"
      "Strike ends =\r\n";
  for (int i = 0; i < 6; ++i) raw += "Heading line " + std::to_string(i) + "\r\n";
  raw += "\r\n   Valdera (dpa) - The strike ended.\r\n\x03";
  FormatLimits limits;
  limits.max_paragraphs = 3;
  const StructuredDoc d = ok(decode_anpa(raw, limits));
  EXPECT_EQ(d.headline, "Strike ends");
  EXPECT_EQ(d.paragraphs.size(), 3u);
  EXPECT_EQ(d.paragraphs[0], "Heading line 0");
  limits.max_paragraphs = 100;
  EXPECT_EQ(ok(decode_anpa(raw, limits)).paragraphs.size(), 7u);
}

// A heading-block line after the headline that holds only '=' or DEL fill is not blank to the
// block scan but has no text: it must not become an empty paragraph (a fuzz input had one).
TEST(FormatsIptc7901, HeadingBlockLinesWithoutTextAreNotParagraphs) {
  const std::string raw =
      "\x01"
      "ecx307 4 i 40  dpa 019\r\n\r\nChile-mining/\r\n\x02"
      "Strike ends =\r\n\x7f\x7f\r\n =\r\nHeading line\r\n"
      "\r\n   Valdera (dpa) - The strike ended.\r\n\x03";
  const StructuredDoc d = ok(decode_anpa(raw, FormatLimits{}));
  EXPECT_EQ(d.headline, "Strike ends");
  ASSERT_EQ(d.paragraphs.size(), 2u);
  EXPECT_EQ(d.paragraphs[0], "Heading line");
  for (const std::string& p : d.paragraphs) EXPECT_FALSE(p.empty());
}

// ninjs as newsroom systems emit it: "guid" instead of "uri", version as a string, body_html,
// description_text, profile, genre, subject codes, located, associations.
TEST(FormatsNinjs, SuperdeskStyleItemsDecode) {
  const std::string v1 = formats_fixture("ninjs-superdesk-v1.json");
  EXPECT_EQ(sniff_format(v1), DocFormat::kNinjs);
  const StructuredDoc d = ok(decode_ninjs(v1, {}));
  EXPECT_EQ(d.item_id,
            "urn:newsml:desk.example.org:2025-06-02T09:14:51.204117:"
            "5f0c2a7e-91d3-4b8e-a6f2-0c1d2e3f4a5b");
  EXPECT_EQ(d.source_version, "3");
  EXPECT_EQ(version_number(d.source_version), 3u);
  EXPECT_EQ(d.version_created, "2025-06-02T09:40:12Z");
  EXPECT_EQ(d.headline, "Quarry town votes to reopen its rail halt");
  EXPECT_EQ(d.byline, "Mira Caldwell and Jonas Ferreira");
  EXPECT_EQ(d.dateline, "Ashcombe");
  EXPECT_EQ(d.slugline, "Quarry-rail");
  EXPECT_EQ(d.ednotes, std::vector<std::string>{"Corrects spelling of council leader's name"});
  ASSERT_EQ(d.subjects.size(), 2u);
  EXPECT_EQ(d.subjects[1].scheme, "medtop");
  ASSERT_EQ(d.paragraphs.size(), 4u);  // body_html through the HTML path, not the description
  EXPECT_EQ(d.paragraphs[2], "Timetable");
  ASSERT_EQ(d.media.size(), 1u);
  EXPECT_EQ(d.media[0].caption, "The disused platform at Ashcombe.");
  EXPECT_TRUE(has_rule(d, "ninjs.guid-identifier", "item_id"));
  EXPECT_TRUE(has_rule(d, "ninjs.body-markup", "paragraphs"));
  const std::string v2 = formats_fixture("ninjs-superdesk-v2.json");
  EXPECT_EQ(sniff_format(v2), DocFormat::kNinjs);
  const StructuredDoc e = ok(decode_ninjs(v2, {}));
  EXPECT_EQ(e.headline, "Fährlinie auf dem Seldsee nimmt Betrieb wieder auf");
  EXPECT_EQ(e.byline, "Hanna Voss");
  EXPECT_EQ(e.paragraphs.size(), 2u);
  // The wirefeed envelope (a "body", no identifier) is still an envelope.
  EXPECT_EQ(sniff_format(R"({"id":"1","guid":"g","type":"text","body":"b"})"), DocFormat::kText);
  EXPECT_EQ(sniff_format(R"({"id":"1","source":"s","body":"b"})"), DocFormat::kText);
  const FormatError none = err(decode_ninjs(R"({"type":"text","headline":"h"})", {}));
  EXPECT_NE(none.message.find("\"guid\""), std::string::npos);
}

// NewsML-G2 inlineData declared text/plain that holds markup goes through the HTML path; the
// wire copy inside keeps its indented paragraphs.
TEST(FormatsNewsML, MarkupDeclaredAsPlainTextIsReadAsHtml) {
  const StructuredDoc d = ok(decode_newsml(formats_fixture("newsml-g2-html-in-text.xml"), {}));
  ASSERT_EQ(d.paragraphs.size(), 3u);
  EXPECT_EQ(d.paragraphs[0],
            "(WIRE) - Verona, October 11 - The city of Verona will keep three of its museums "
            "open until midnight on Fridays, mayor Carla Benedetti said on Saturday.");
  EXPECT_EQ(d.paragraphs[2],
            "The night route starts next month and runs until the end of the year.");
  for (const std::string& p : d.paragraphs) EXPECT_EQ(p.find('<'), std::string::npos) << p;
  EXPECT_TRUE(has_rule(d, "newsml.markup-in-text", "paragraphs"));
}

TEST(FormatsText, PlainParagraphsByIndentInWrappedCopy) {
  EXPECT_EQ(plain_paragraphs("   First line wraps\nhere.\n   Second one.\n", 100),
            (std::vector<std::string>{"First line wraps here.", "Second one."}));
  // One paragraph a line (no wrapped continuation): every line stays a paragraph.
  EXPECT_EQ(plain_paragraphs("One.\n   Two.\nThree.\n", 100),
            (std::vector<std::string>{"One.", "Two.", "Three."}));
  // Blank lines around all the text do not make it blank-line separated.
  EXPECT_EQ(plain_paragraphs("\n  \nA\nB\n  \n", 100), (std::vector<std::string>{"A", "B"}));
  EXPECT_TRUE(looks_like_markup("\n<p>\n text </p>"));
  EXPECT_FALSE(looks_like_markup("a < b and c > d"));
  EXPECT_FALSE(looks_like_markup("<3 hearts"));
}

TEST(FormatsDecodeStage, SelectsDecoderAndNamesFormat) {
  InputMessage m;
  m.value =
      formats_fixture("nitf-latin1.xml");  // not UTF-8: accepted because XML declares its charset
  auto r = decode(m, {});
  ASSERT_TRUE(std::holds_alternative<DecodedItem>(r));
  const auto& item = std::get<DecodedItem>(r);
  EXPECT_EQ(item.source.format(), "nitf");
  EXPECT_EQ(item.source.item_id(), "AFP-2024-0612-velo");
  ASSERT_TRUE(item.doc.has_value());
  EXPECT_EQ(item.text.rfind("Tour de France: l'étape arrive à Besançon\n\n", 0), 0u);

  // The Kafka content-type header wins over sniffing.
  InputMessage h;
  h.value = formats_fixture("newsml-g2-message.xml");
  h.headers.push_back({"content-type", "application/nitf+xml"});
  auto hr = decode(h, {});
  ASSERT_TRUE(std::holds_alternative<DecodeError>(hr));
  EXPECT_EQ(std::get<DecodeError>(hr).reason, v1::DEAD_LETTER_REASON_MALFORMED_DOCUMENT);
  EXPECT_EQ(std::get<DecodeError>(hr).message.rfind("nitf: ", 0), 0u);

  // An envelope body is decoded by the envelope's content_type.
  InputMessage e;
  e.value = "{\"id\":\"n1\",\"source\":\"ap\",\"content_type\":\"text/vnd.iptc.anpa\",\"body\":" +
            std::string(
                "\"\\u0016\\u0016\\u0001a0001 r a BC-Test,0100,01-02\\u0002\\n^Test "
                "headline<\\n\\tBody text here.\\n\\u0003\"}");
  auto er = decode(e, {});
  ASSERT_TRUE(std::holds_alternative<DecodedItem>(er));
  EXPECT_EQ(std::get<DecodedItem>(er).source.format(), "envelope+anpa");
  EXPECT_EQ(std::get<DecodedItem>(er).doc->headline, "Test headline");

  // Two deliveries of one version share the story id; another version gets another.
  InputMessage a, b, c;
  a.value = b.value = formats_fixture("ninjs-v2-update.json");
  a.offset = 1;
  b.offset = 2;
  c.value = formats_fixture("ninjs-v2-update-older.json");
  EXPECT_EQ(std::get<DecodedItem>(decode(a, {})).id, std::get<DecodedItem>(decode(b, {})).id);
  EXPECT_NE(std::get<DecodedItem>(decode(a, {})).id, std::get<DecodedItem>(decode(c, {})).id);
}

}  // namespace
}  // namespace wirefeed::pipeline::formats
