// routes: in config.yaml: parsed into pipeline::Route, rendered back, and validated (unknown key,
// bad topic name, bad encoding/urgency/kind, a route shadowed by an earlier catch-all).
#include <gtest/gtest.h>

#include "daemon/config.hpp"

namespace wirefeed::daemon {
namespace {

constexpr const char* kRoutes = R"(
routes:
  - name: alerts
    match: {urgency: 1-2}
    topics: [wire.alerts]
    encoding: ninjs
    continue: true
  - name: french
    match:
      language: fr
      record: [story, duplicate]
    topics: [desk.fr]
    encoding: ninjs
    ninjs_version: 2
  - name: corrections
    match: {version: [correction, cancel], subject: "subj:15*", slugline: "FOOTBALL-*"}
    topics: [desk.corrections, audit.corrections]
)";

std::string error_of(const std::string& yaml) {
  try {
    parse_config(yaml, "config.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(RoutesConfig, ParsesEveryField) {
  const Config c = parse_config(kRoutes, "config.yaml");
  ASSERT_EQ(c.routes.size(), 3u);
  EXPECT_EQ(c.routes[0].name, "alerts");
  EXPECT_EQ(c.routes[0].match.urgency_min, 1u);
  EXPECT_EQ(c.routes[0].match.urgency_max, 2u);
  EXPECT_EQ(c.routes[0].encoding, pipeline::Encoding::kNinjs3);
  EXPECT_TRUE(c.routes[0].continue_);
  EXPECT_EQ(c.routes[1].encoding, pipeline::Encoding::kNinjs2);
  EXPECT_EQ(c.routes[1].match.language, std::vector<std::string>{"fr"});
  EXPECT_EQ(c.routes[1].match.record.size(), 2u);
  EXPECT_FALSE(c.routes[1].continue_);
  EXPECT_EQ(c.routes[2].encoding, pipeline::Encoding::kProtobuf);
  EXPECT_EQ(c.routes[2].topics.size(), 2u);
  EXPECT_EQ(c.routes[2].match.version.size(), 2u);
  EXPECT_EQ(c.routes[2].match.subject, std::vector<std::string>{"subj:15*"});
}

TEST(RoutesConfig, RendersBackToTheSameRoutes) {
  const Config c = parse_config(kRoutes, "config.yaml");
  const Config again = parse_config(render_config(c), "rendered");
  EXPECT_EQ(again.routes, c.routes);
  // No routes: nothing rendered (the effective config is as before).
  EXPECT_EQ(render_config(parse_config("", "x")).find("routes"), std::string::npos);
}

TEST(RoutesConfig, ValidationNamesTheRoute) {
  EXPECT_NE(
      error_of("routes:\n  - topics: [a]\n    colour: red\n").find("routes[0].colour: unknown key"),
      std::string::npos)
      << error_of("routes:\n  - topics: [a]\n    colour: red\n");
  EXPECT_NE(error_of("routes:\n  - topics: [a]\n    match: {lang: fr}\n").find("unknown key"),
            std::string::npos);
  EXPECT_NE(error_of("routes:\n  - topics: ['bad topic']\n").find("invalid Kafka topic name"),
            std::string::npos);
  EXPECT_NE(error_of("routes:\n  - name: x\n").find("must list at least one topic"),
            std::string::npos);
  EXPECT_NE(error_of("routes:\n  - topics: [a]\n    encoding: avro\n").find("protobuf or ninjs"),
            std::string::npos);
  EXPECT_NE(error_of("routes:\n  - topics: [a]\n    match: {urgency: 0-12}\n").find("urgency"),
            std::string::npos);
  EXPECT_NE(error_of("routes:\n  - topics: [a]\n    match: {version: fixed}\n").find("correction"),
            std::string::npos);
  const std::string shadow = error_of(
      "routes:\n  - {name: all, topics: [a]}\n  - {name: fr, match: {language: fr}, topics: "
      "[b]}\n");
  EXPECT_NE(shadow.find("routes[1]: route 'fr' can never match: routes[0] ('all')"),
            std::string::npos)
      << shadow;
  EXPECT_EQ(error_of("routes:\n  - {name: all, topics: [a], continue: true}\n  - {name: fr, "
                     "match: {language: fr}, topics: [b]}\n"),
            "");
  EXPECT_NE(error_of("routes:\n  - {name: a, topics: [x]}\n  - {name: a, match: {language: fr}, "
                     "topics: [y]}\n")
                .find("duplicate route name"),
            std::string::npos);
}

}  // namespace
}  // namespace wirefeed::daemon
