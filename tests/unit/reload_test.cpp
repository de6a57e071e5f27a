// Live reload: changed-key detection, live vs restart keys, rejected configs change nothing.
#include "daemon/reload.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace wirefeed::daemon {
namespace {

bool has(const std::vector<std::string>& v, const std::string& k) {
  return std::find(v.begin(), v.end(), k) != v.end();
}

TEST(Reload, ChangedKeysNamesSectionsAndMaps) {
  Config a = parse_config("kafka:\n  brokers: h:1\n", "a.yaml");
  Config b = parse_config(
      "kafka:\n  brokers: h:2\n  properties:\n    linger.ms: \"20\"\nlog:\n  level: debug\n",
      "b.yaml");
  const auto keys = changed_keys(a, b);
  EXPECT_TRUE(has(keys, "kafka.brokers"));
  EXPECT_TRUE(has(keys, "kafka.properties"));
  EXPECT_TRUE(has(keys, "log.level"));
  EXPECT_FALSE(has(keys, "input.topics"));
  EXPECT_TRUE(changed_keys(a, a).empty());
}

TEST(Reload, AppliesLiveKeysNamesRestartKeysAndRejectsBadConfigs) {
  std::string text = "kafka:\n  brokers: h:1\n";
  int applied = 0;
  Config seen;
  Reloader r(
      parse_config(text, "c.yaml"), [&] { return parse_config(text, "c.yaml"); },
      [&](const Config& live) {
        ++applied;
        seen = live;
      });

  text = "kafka:\n  brokers: h:9\nlog:\n  level: debug\ndedup:\n  near_threshold: 0.8\n";
  ReloadOutcome ok = r.reload();
  ASSERT_TRUE(ok.ok) << ok.error;
  EXPECT_TRUE(has(ok.applied, "log.level"));
  EXPECT_TRUE(has(ok.applied, "dedup.near_threshold"));
  EXPECT_TRUE(has(ok.restart, "kafka.brokers"));
  EXPECT_EQ(applied, 1);
  EXPECT_EQ(seen.log.level, "debug");
  EXPECT_DOUBLE_EQ(seen.dedup.index.near_threshold, 0.8);
  EXPECT_EQ(r.running().kafka.brokers, "h:1");  // restart-only keys keep the running value

  text = "kafka:\n  brokers: h:9\nlog:\n  level: loud\n";
  ReloadOutcome bad = r.reload();
  EXPECT_FALSE(bad.ok);
  EXPECT_NE(bad.error.find("log.level"), std::string::npos) << bad.error;
  EXPECT_EQ(applied, 1);  // nothing applied
  EXPECT_EQ(r.running().log.level, "debug");
}

}  // namespace
}  // namespace wirefeed::daemon
