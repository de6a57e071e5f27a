// End-to-end: newsroom formats (ninjs, NewsML-G2, ANPA-1312, NITF) through the real wirefeedd
// on the mock cluster: the right Story on the stories topic (with a newer ninjs version
// superseding the older one of the same uri) and a malformed XML document as a dead letter
// naming the format.
#include <gtest/gtest.h>

#include <map>

#include "tests/support/harness.hpp"
#include "wirefeed/v1/story.pb.h"

namespace wirefeed::testing {
namespace {

std::string formats_config(const std::string& bootstrap, uint16_t port) {
  return "kafka:\n  brokers: \"" + bootstrap +
         "\"\n  group_id: e2e-formats\n  consumer_properties:\n    fetch.wait.max.ms: \"20\"\n"
         "    session.timeout.ms: \"6000\"\n"
         "input:\n  topics: [wire.raw]\n  max_bytes: 64KiB\n"
         "output:\n  stories_topic: wire.stories\n  duplicates_topic: wire.duplicates\n"
         "  dead_letter_topic: wire.deadletter\n  dead_letter_max_bytes: 1KiB\n"
         "metrics:\n  listen: \"127.0.0.1:" +
         std::to_string(port) + "\"\n";
}

std::string fixture(const std::string& name) {
  return read_file(std::filesystem::path(WIREFEED_SOURCE_DIR) / "tests/data/formats" / name);
}

TEST(FormatsE2E, NinjsNewsmlAnpaNitfBecomeStoriesAndMalformedXmlIsADeadLetter) {
  TestCluster kafka;
  TempDir dir;
  const uint16_t port = free_port();
  DaemonProcess d(dir.path(), formats_config(kafka.bootstrap(), port));
  ASSERT_TRUE(d.wait_ready(port)) << d.stderr_text();

  ASSERT_NO_FATAL_FAILURE(
      produce_all(kafka.bootstrap(), "wire.raw",
                  {
                      {"fire-v1", fixture("ninjs-v2-update-older.json"), 0},
                      {"fire-v2", fixture("ninjs-v2-update.json"), 0},  // same partition: after v1
                      {"port", fixture("newsml-g2-message.xml"), 1},
                      {"broken", fixture("nitf-malformed.xml"), 1},
                      {"storms", fixture("anpa-multitake.txt"), 2},
                      {"velo", fixture("nitf-latin1.xml"), 2},
                  }));

  const auto stories = read_topic(kafka.bootstrap(), "wire.stories", 3, 5);
  const auto dls = read_topic(kafka.bootstrap(), "wire.deadletter", 3, 1);
  ASSERT_EQ(stories.size(), 5u) << d.stderr_text();
  ASSERT_EQ(dls.size(), 1u);

  std::map<std::string, v1::Story> by_format_version;
  for (const auto& c : stories) {
    v1::Story s;
    ASSERT_TRUE(s.ParseFromString(c.value));
    by_format_version[s.source().format() + "/" + s.version().source_version()] = s;
  }
  ASSERT_TRUE(by_format_version.count("ninjs/1"));
  ASSERT_TRUE(by_format_version.count("ninjs/2"));
  const v1::Story& v2 = by_format_version["ninjs/2"];
  EXPECT_EQ(v2.headline(), "Fire at Bergen harbour warehouse kills three");
  EXPECT_EQ(v2.version().supersedes(), by_format_version["ninjs/1"].id());
  EXPECT_EQ(v2.source().item_id(), "urn:example:wirefeed:2024:harbour-fire");
  EXPECT_EQ(v2.urgency(), 3u);

  ASSERT_TRUE(by_format_version.count("newsml-g2/3"));
  const v1::Story& g2 = by_format_version["newsml-g2/3"];
  EXPECT_EQ(g2.headline(), "Dutch port workers extend strike to third day");
  EXPECT_EQ(g2.slugline(), "NETHERLANDS-PORT/STRIKE");
  EXPECT_EQ(g2.paragraphs_size(), 3);
  EXPECT_EQ(g2.version().version_created(), "2024-04-10T15:00:00Z");

  ASSERT_TRUE(by_format_version.count("anpa/1st Ld-Writethru"));
  const v1::Story& ap = by_format_version["anpa/1st Ld-Writethru"];
  EXPECT_EQ(ap.headline(), "Storms knock out power to thousands across Georgia");
  EXPECT_EQ(ap.paragraphs_size(), 4);  // both takes
  EXPECT_EQ(ap.slugline(), "BC-Storms-Georgia");

  ASSERT_TRUE(by_format_version.count("nitf/2"));
  EXPECT_EQ(by_format_version["nitf/2"].headline(), "Tour de France: l'étape arrive à Besançon");

  v1::DeadLetter dl;
  ASSERT_TRUE(dl.ParseFromString(dls[0].value));
  EXPECT_EQ(dl.reason(), v1::DEAD_LETTER_REASON_MALFORMED_DOCUMENT);
  EXPECT_EQ(dl.message().rfind("nitf: line ", 0), 0u) << dl.message();
  EXPECT_EQ(dl.source().key(), "broken");
}

}  // namespace
}  // namespace wirefeed::testing
