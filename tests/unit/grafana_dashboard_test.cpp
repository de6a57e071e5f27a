// deploy/grafana/wirefeed.json: the dashboard parses, and every wirefeed_* metric its PromQL
// (panel targets and template queries) names is declared in WIREFEED_STATS (daemon/metrics.hpp),
// so renaming a metric without the dashboard fails here; the panels the on-call guide relies on
// are present.
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "daemon/metrics.hpp"

namespace wirefeed {
namespace {

// Every series name the daemon exposes: "wirefeed_" + each WIREFEED_STATS name, and for a
// histogram its _bucket, _sum and _count series.
std::set<std::string> declared_series() {
  std::set<std::string> out;
  const auto plain = [&](const char* name) { out.insert(std::string("wirefeed_") + name); };
  const auto histogram = [&](const char* name) {
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      out.insert(std::string("wirefeed_") + name + suffix);
    }
  };
#define WF_TEST_METRIC(name, ...) plain(#name);
#define WF_TEST_HISTOGRAM(name, ...) histogram(#name);
  WIREFEED_STATS(WF_TEST_METRIC, WF_TEST_METRIC, WF_TEST_METRIC, WF_TEST_METRIC, WF_TEST_HISTOGRAM,
                 WF_TEST_HISTOGRAM)
#undef WF_TEST_METRIC
#undef WF_TEST_HISTOGRAM
  return out;
}

// The wirefeed_* identifiers in a PromQL expression.
std::set<std::string> metric_names(const std::string& expr) {
  std::set<std::string> out;
  const auto ident = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == ':';
  };
  for (std::size_t at = expr.find("wirefeed_"); at != std::string::npos;
       at = expr.find("wirefeed_", at + 1)) {
    if (at > 0 && ident(expr[at - 1])) continue;  // inside another name
    std::size_t end = at;
    while (end < expr.size() && ident(expr[end])) ++end;
    out.insert(expr.substr(at, end - at));
    at = end - 1;
  }
  return out;
}

// Every "expr" string and template "query" of the dashboard, wherever it nests.
void collect_queries(const nlohmann::json& j, std::vector<std::string>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if ((k == "expr" || k == "query" || k == "definition") && v.is_string()) {
        out.push_back(v.get<std::string>());
      } else {
        collect_queries(v, out);
      }
    }
  } else if (j.is_array()) {
    for (const auto& v : j) collect_queries(v, out);
  }
}

nlohmann::json dashboard() {
  std::ifstream in(std::string(WIREFEED_SOURCE_DIR) + "/deploy/grafana/wirefeed.json");
  EXPECT_TRUE(in) << "deploy/grafana/wirefeed.json missing";
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());  // throws (fails the test) when not JSON
}

TEST(GrafanaDashboard, MetricNamesAreDeclared) {
  const std::set<std::string> declared = declared_series();
  ASSERT_TRUE(declared.count("wirefeed_consumer_lag"));
  ASSERT_TRUE(declared.count("wirefeed_end_to_end_latency_seconds_bucket"));
  std::vector<std::string> queries;
  collect_queries(dashboard(), queries);
  ASSERT_GE(queries.size(), 10u);
  std::set<std::string> used;
  for (const std::string& q : queries) {
    for (const std::string& name : metric_names(q)) {
      EXPECT_TRUE(declared.count(name)) << name << " (in: " << q << ") is not in WIREFEED_STATS";
      used.insert(name);
    }
  }
  // What the on-call guide points at on this dashboard.
  for (const char* name :
       {"wirefeed_consumer_lag", "wirefeed_input_messages_total",
        "wirefeed_records_published_total", "wirefeed_dead_letters_total",
        "wirefeed_duplicates_total", "wirefeed_dedup_restore_complete",
        "wirefeed_producer_delivery_errors_total", "wirefeed_route_records_total"}) {
    EXPECT_TRUE(used.count(name)) << name << " has no panel";
  }
}

TEST(GrafanaDashboard, MetricNameScannerFindsWholeNamesOnly) {
  EXPECT_EQ(metric_names("sum by (le) (rate(wirefeed_a_bucket{x=\"y\"}[5m])) / wirefeed_b"),
            (std::set<std::string>{"wirefeed_a_bucket", "wirefeed_b"}));
  EXPECT_TRUE(metric_names("my_wirefeed_thing + up").empty());
}

TEST(GrafanaDashboard, PanelsHaveUniqueIdsAndADatasourceVariable) {
  const nlohmann::json d = dashboard();
  EXPECT_EQ(d["uid"], "wirefeed");
  std::set<int> ids;
  for (const auto& p : d["panels"]) {
    EXPECT_TRUE(ids.insert(p["id"].get<int>()).second) << p["id"];
    if (p["type"] != "row") {
      EXPECT_FALSE(p["targets"].empty()) << p["title"];
    }
  }
  bool datasource = false;
  for (const auto& v : d["templating"]["list"]) datasource |= v["type"] == "datasource";
  EXPECT_TRUE(datasource);
}

}  // namespace
}  // namespace wirefeed
