// `wirefeed topics plan`. See topics.hpp for the invariants.
#include "cli/topics.hpp"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <iostream>
#include <optional>
#include <set>
#include <stdexcept>

#include "cli/tools.hpp"
#include "kafka/admin.hpp"
#include "kafka/client.hpp"
#include "pipeline/clean/chrome_learner.hpp"

namespace wirefeed::cli {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kProbeTimeoutMs = 5000;   // asking the cluster for metadata
constexpr int kAdminTimeoutMs = 30000;  // each admin request
constexpr auto kAdminWait = std::chrono::seconds(60);

std::string ms(std::chrono::milliseconds d) { return std::to_string(d.count()); }

std::set<std::string> split_policy(const std::string& p) {
  std::set<std::string> out;
  std::size_t from = 0;
  while (from <= p.size()) {
    const auto comma = p.find(',', from);
    std::string part = p.substr(from, comma == std::string::npos ? comma : comma - from);
    part.erase(0, part.find_first_not_of(' '));
    part.erase(part.find_last_not_of(' ') + 1);
    if (!part.empty()) out.insert(part);
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  return out;
}

// What the cluster holds: every topic's partition count and replication (from metadata).
std::map<std::string, TopicActual> existing_topics(rd_kafka_t* rk) {
  const rd_kafka_metadata_t* raw = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &raw, kProbeTimeoutMs);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error(std::string("cannot read the cluster's metadata: ") +
                             rd_kafka_err2str(err));
  }
  const kafka::MetadataHandle md(raw);
  std::map<std::string, TopicActual> out;
  for (int i = 0; i < md->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& t = md->topics[i];
    if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR || t.partition_cnt == 0) continue;
    TopicActual a;
    a.partitions = t.partition_cnt;
    a.replication = t.partitions[0].replica_cnt;
    out.emplace(t.topic, std::move(a));
  }
  return out;
}

// The next event of `type` on `q`, or null after kAdminWait.
kafka::EventHandle wait_event(rd_kafka_queue_t* q, rd_kafka_event_type_t type) {
  const auto deadline = Clock::now() + kAdminWait;
  while (Clock::now() < deadline) {
    kafka::EventHandle ev(rd_kafka_queue_poll(q, 500));
    if (ev && rd_kafka_event_type(ev.get()) == type) return ev;
  }
  return nullptr;
}

kafka::AdminOptionsHandle admin_options(rd_kafka_t* rk, rd_kafka_admin_op_t op) {
  kafka::AdminOptionsHandle opts(rd_kafka_AdminOptions_new(rk, op));
  std::array<char, 256> errstr{};
  rd_kafka_AdminOptions_set_request_timeout(opts.get(), kAdminTimeoutMs, errstr.data(),
                                            errstr.size());
  if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS) {
    rd_kafka_AdminOptions_set_operation_timeout(opts.get(), kAdminTimeoutMs, errstr.data(),
                                                errstr.size());
  }
  return opts;
}

// Fills each topic's `configs` with the planned keys' values DescribeConfigs returns; a warning
// (and nothing filled) when the cluster does not answer it.
void describe_configs(rd_kafka_t* rk, rd_kafka_queue_t* q,
                      std::map<std::string, TopicActual>& topics,
                      const std::set<std::string>& names, const std::set<std::string>& keys) {
  if (names.empty()) return;
  std::vector<kafka::ConfigResourceHandle> owned;
  std::vector<rd_kafka_ConfigResource_t*> raw;
  for (const std::string& n : names) {
    owned.emplace_back(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, n.c_str()));
    raw.push_back(owned.back().get());
  }
  const auto opts = admin_options(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
  rd_kafka_DescribeConfigs(rk, raw.data(), raw.size(), opts.get(), q);
  const kafka::EventHandle ev = wait_event(q, RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT);
  if (!ev) {
    std::cerr << "wirefeed topics: DescribeConfigs: no answer; topic configs not compared\n";
    return;
  }
  if (rd_kafka_event_error(ev.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::cerr << "wirefeed topics: DescribeConfigs: " << rd_kafka_event_error_string(ev.get())
              << "; topic configs not compared\n";
    return;
  }
  std::size_t n = 0;
  const rd_kafka_ConfigResource_t** res = rd_kafka_DescribeConfigs_result_resources(
      rd_kafka_event_DescribeConfigs_result(ev.get()), &n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::string name = rd_kafka_ConfigResource_name(res[i]);
    if (rd_kafka_ConfigResource_error(res[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::cerr << "wirefeed topics: DescribeConfigs " << name << ": "
                << rd_kafka_ConfigResource_error_string(res[i]) << '\n';
      continue;
    }
    std::size_t m = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(res[i], &m);
    for (std::size_t j = 0; j < m; ++j) {
      const char* key = rd_kafka_ConfigEntry_name(entries[j]);
      const char* value = rd_kafka_ConfigEntry_value(entries[j]);
      if (key != nullptr && keys.count(key) != 0) {
        topics[name].configs[key] = value != nullptr ? value : "";
      }
    }
  }
}

// Creates `specs`; one error line per topic that was not created. True when all were.
bool create_topics(rd_kafka_t* rk, rd_kafka_queue_t* q,
                   const std::vector<const TopicSpec*>& specs) {
  std::vector<kafka::NewTopicHandle> owned;
  std::vector<rd_kafka_NewTopic_t*> raw;
  std::array<char, 512> errstr{};
  for (const TopicSpec* s : specs) {
    owned.emplace_back(rd_kafka_NewTopic_new(s->name.c_str(), s->partitions, s->replication,
                                             errstr.data(), errstr.size()));
    if (!owned.back()) throw std::runtime_error("topic " + s->name + ": " + errstr.data());
    for (const auto& [k, v] : s->configs) {
      if (const rd_kafka_resp_err_t err =
              rd_kafka_NewTopic_set_config(owned.back().get(), k.c_str(), v.c_str())) {
        throw std::runtime_error("topic " + s->name + ": " + k + ": " + rd_kafka_err2str(err));
      }
    }
    raw.push_back(owned.back().get());
  }
  const auto opts = admin_options(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_CreateTopics(rk, raw.data(), raw.size(), opts.get(), q);
  const kafka::EventHandle ev = wait_event(q, RD_KAFKA_EVENT_CREATETOPICS_RESULT);
  if (!ev) {
    std::cerr << "wirefeed topics: CreateTopics: no answer within " << kAdminWait.count() << " s\n";
    return false;
  }
  if (rd_kafka_event_error(ev.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::cerr << "wirefeed topics: CreateTopics: " << rd_kafka_event_error_string(ev.get()) << '\n';
    return false;
  }
  std::size_t n = 0;
  const rd_kafka_topic_result_t** res =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev.get()), &n);
  bool ok = n == specs.size();
  for (std::size_t i = 0; i < n; ++i) {
    const std::string name = rd_kafka_topic_result_name(res[i]);
    const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(res[i]);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::cout << "created " << name << '\n';
    } else if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      std::cout << "exists  " << name << " (created meanwhile by someone else)\n";
    } else {
      ok = false;
      const char* msg = rd_kafka_topic_result_error_string(res[i]);
      std::cerr << "wirefeed topics: cannot create " << name << ": " << rd_kafka_err2str(err)
                << (msg != nullptr && *msg != '\0' ? std::string(" (") + msg + ")" : "") << '\n';
    }
  }
  return ok;
}

void print_plan(const std::vector<TopicSpec>& plan,
                const std::optional<std::map<std::string, TopicActual>>& existing) {
  std::size_t wn = 5, wr = 4;
  for (const TopicSpec& s : plan) {
    wn = std::max(wn, s.name.size());
    wr = std::max(wr, s.role.size());
  }
  auto pad = [](std::string s, std::size_t w) {
    s.resize(std::max(w, s.size()) + 2, ' ');
    return s;
  };
  std::cout << pad("TOPIC", wn) << pad("ROLE", wr) << "PARTITIONS  REPLICATION  "
            << (existing ? "STATUS   " : "") << "CONFIG\n";
  for (const TopicSpec& s : plan) {
    std::cout << pad(s.name, wn) << pad(s.role, wr) << pad(std::to_string(s.partitions), 10)
              << pad(std::to_string(s.replication), 11);
    if (existing) std::cout << pad(existing->count(s.name) != 0 ? "exists" : "missing", 7);
    std::string cfg;
    for (const auto& [k, v] : s.configs) cfg.append(cfg.empty() ? "" : " ").append(k + "=" + v);
    std::cout << cfg << '\n';
  }
}

constexpr const char* kTopicsUsage =
    "usage: wirefeed topics plan --config FILE [--brokers HOST:PORT] [--partitions N]\n"
    "                            [--replication N] [--create]\n"
    "  The topics the config needs (input.topics, output.*_topic, dedup.state_topic, the\n"
    "  topics of routes: and clean.chrome_state_topic, one partition) with partitions,\n"
    "  replication, cleanup.policy, retention.ms and min.insync.replicas; with a reachable\n"
    "  cluster, whether each exists. --partitions: default\n"
    "  the first input topic's count if it exists, else 6; --replication: default 3.\n"
    "  --create creates the missing topics (Admin API) and reports existing ones whose settings\n"
    "  differ from the plan (they are not changed). Exit 1 when a topic could not be created.\n";

}  // namespace

std::vector<TopicSpec> plan_topics(const daemon::Config& config, int partitions, int replication) {
  std::vector<TopicSpec> out;
  std::set<std::string> seen;
  const std::string isr = std::to_string(std::max(1, replication - 1));
  auto add = [&](const std::string& name, const std::string& role, const std::string& policy,
                 std::chrono::milliseconds retention) {
    if (name.empty() || !seen.insert(name).second) return;
    TopicSpec s;
    s.name = name;
    s.role = role;
    s.partitions = partitions;
    s.replication = replication;
    s.configs = {
        {"cleanup.policy", policy}, {"min.insync.replicas", isr}, {"retention.ms", ms(retention)}};
    out.push_back(std::move(s));
  };
  for (const std::string& t : config.input.topics) add(t, "input", "delete", kDataRetention);
  add(config.output.stories_topic, "stories", "delete", kDataRetention);
  add(config.output.duplicates_topic, "duplicates", "delete", kDataRetention);
  add(config.output.dead_letter_topic, "dead letter", "delete", kDeadLetterRetention);
  add(config.dedup.state_topic, "dedup state", "compact,delete",
      std::chrono::duration_cast<std::chrono::milliseconds>(config.dedup.index.window +
                                                            kStateRetentionMargin));
  for (const pipeline::Route& r : config.routes) {
    for (const std::string& t : r.topics) add(t, "route " + r.name, "delete", kDataRetention);
  }
  // The chrome sightings: one partition (a replay reads them in counting order), kept for the
  // learner's window (it forgets older sightings anyway).
  const std::size_t before = out.size();
  add(config.clean.chrome_state_topic, "chrome state", "delete",
      std::chrono::duration_cast<std::chrono::milliseconds>(
          pipeline::ChromeLearnerConfig{}.window));
  if (out.size() > before) out.back().partitions = 1;
  return out;
}

std::vector<std::string> plan_differences(const TopicSpec& spec, const TopicActual& actual) {
  std::vector<std::string> out;
  if (actual.partitions != spec.partitions) {
    out.push_back("partitions " + std::to_string(actual.partitions) +
                  ", plan: " + std::to_string(spec.partitions));
  }
  if (actual.replication != spec.replication) {
    out.push_back("replication " + std::to_string(actual.replication) +
                  ", plan: " + std::to_string(spec.replication));
  }
  for (const auto& [k, want] : spec.configs) {
    const auto it = actual.configs.find(k);
    if (it == actual.configs.end()) continue;  // not read
    const bool same =
        k == "cleanup.policy" ? split_policy(it->second) == split_policy(want) : it->second == want;
    if (!same) out.push_back(k + " " + it->second + ", plan: " + want);
  }
  return out;
}

int cmd_topics(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    (args.empty() ? std::cerr : std::cout) << kTopicsUsage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] != "plan") {
    std::cerr << "wirefeed topics: unknown action " << args[0] << '\n' << kTopicsUsage;
    return 2;
  }
  CommonArgs common;
  std::optional<int> partitions;
  int replication = kDefaultReplication;
  bool create = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (common_option(args, i, common)) continue;
    if (a == "--help" || a == "-h") {
      std::cout << kTopicsUsage;
      return 0;
    } else if ((a == "--partitions" || a == "--replication") && i + 1 < args.size()) {
      const std::string& v = args[++i];
      int n = 0;
      try {
        n = std::stoi(v);
      } catch (const std::exception&) {
        n = 0;
      }
      if (n < 1 || v.find_first_not_of("0123456789") != std::string::npos) {
        std::cerr << "wirefeed topics: " << a << ": not a positive number: " << v << '\n';
        return 2;
      }
      if (a == "--partitions") {
        partitions = n;
      } else {
        replication = n;
      }
    } else if (a == "--create") {
      create = true;
    } else {
      std::cerr << "wirefeed topics plan: unknown argument " << a << '\n' << kTopicsUsage;
      return 2;
    }
  }
  if (common.config_file.empty()) {
    std::cerr << "wirefeed topics plan: --config FILE is required (the topics come from it)\n";
    return 2;
  }
  // A cluster to ask: the config's brokers (or --brokers); the embedded broker has none.
  std::optional<Connection> conn;
  daemon::Config config = daemon::load_config(common.config_file);
  if (!common.brokers.empty() || !config.embedded_mode()) {
    conn = connect_settings(common);
    config = conn->config;
  } else if (create) {
    std::cerr << "wirefeed topics plan --create: kafka.brokers is embedded; pass --brokers\n";
    return 2;
  }
  std::optional<std::map<std::string, TopicActual>> existing;
  kafka::KafkaHandle rk;
  if (conn) {
    kafka::Properties p = conn->props;
    p["socket.connection.setup.timeout.ms"] = std::to_string(kProbeTimeoutMs);
    rk = kafka::make_client(RD_KAFKA_PRODUCER, kafka::make_conf(p));
    try {
      existing = existing_topics(rk.get());
    } catch (const std::exception& e) {
      if (create) throw;
      std::cerr << "wirefeed topics: " << e.what() << "; planning without the cluster\n";
    }
  }
  std::string partitions_from = "--partitions";
  if (!partitions) {
    partitions = kDefaultPartitions;
    partitions_from = "default";
    const std::string& input = config.input.topics.front();
    if (existing && existing->count(input) != 0) {
      partitions = existing->at(input).partitions;
      partitions_from = "as " + input;
    }
  }
  const std::vector<TopicSpec> plan = plan_topics(config, *partitions, replication);
  std::cout << "# topics for " << common.config_file << ": " << *partitions << " partitions ("
            << partitions_from << "), replication " << replication << '\n';
  print_plan(plan, existing);
  if (!create) return 0;

  const kafka::QueueHandle q(rd_kafka_queue_new(rk.get()));
  std::vector<const TopicSpec*> missing;
  std::set<std::string> present;
  std::set<std::string> keys;
  for (const TopicSpec& s : plan) {
    if (existing->count(s.name) != 0) {
      present.insert(s.name);
    } else {
      missing.push_back(&s);
    }
    for (const auto& kv : s.configs) keys.insert(kv.first);
  }
  bool ok = true;
  if (!missing.empty()) ok = create_topics(rk.get(), q.get(), missing);
  describe_configs(rk.get(), q.get(), *existing, present, keys);
  std::size_t differing = 0;
  for (const TopicSpec& s : plan) {
    if (present.count(s.name) == 0) continue;
    const std::vector<std::string> diffs = plan_differences(s, existing->at(s.name));
    if (diffs.empty()) {
      std::cout << "exists  " << s.name << '\n';
      continue;
    }
    ++differing;
    std::cout << "DIFFERS " << s.name << ':';
    for (std::size_t i = 0; i < diffs.size(); ++i) std::cout << (i ? "; " : " ") << diffs[i];
    std::cout << '\n';
  }
  std::cout << missing.size() << " to create" << (ok ? "" : " (FAILED)") << ", " << present.size()
            << " existing, " << differing << " differing from the plan (not changed)\n";
  return ok ? 0 : 1;
}

}  // namespace wirefeed::cli
