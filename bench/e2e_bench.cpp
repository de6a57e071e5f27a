// End-to-end benchmark on the embedded broker (issue 7, benchmark 3): in one run, on the same
// in-process Kafka-protocol broker, the same stories and the same machine,
//   (a) pass-through: a consumer -> producer copy loop with the daemon's client settings and no
//       processing (the I/O limit),
//   (b) the real daemon binary (wirefeedd as a child process) over the same kind of backlog,
//   (c) end-to-end latency of the daemon at a fixed offered load (a fraction of (b)'s median
//       rate), on topics of their own with --latency-partitions partitions each (a fresh daemon
//       per partition count, so producer batching works as with a production partition count;
//       the backlog's 64 partitions as a second figure), split: per second of sending, the
//       daemon's own latency histogram and in-flight gauge (scraped from its /metrics), and the
//       pass-through's latency at the same load and partition count,
//   (d) the daemon's CPU per story by thread (/proc/PID/task) over (b) and (c),
//   (e) optionally a soak at that load with the daemon's RSS and in-flight count sampled.
//
//   e2e_bench [--count N] [--bytes B] [--partitions P] [--runs R] [--load F]
//             [--latency-seconds S] [--soak-seconds S] [--dedup-max-entries N]
//             [--fetch-wait-ms MS] [--no-state-topic] [--high-water N] [--daemon PATH]
//             [--latency-partitions P[,P...]] [--daemon-set key=value ...]
//             [--kafka BOOTSTRAP] [--kstreams COMMAND]
//
// --kafka runs everything on a real cluster instead of the embedded broker (deploy/kafka.sh);
// --kstreams adds a third peer beside (a) and (b), a Kafka Streams application doing the same
// consume -> produce (bench/kstreams/run.sh; COMMAND is run with BOOTSTRAP IN OUT APP_ID), over
// the same backlog and, in (c), at the same offered load.
//
// Invariants:
// - Rates come from the output records' Kafka timestamps (the producer's CreateTime, set when the
//   record is produced), from the first to the last output: the consumer-group join and the
//   daemon's start-up (state restore) are excluded, the whole backlog is included.
// - Latency is measured per story as (time the output record was consumed here) - (time its
//   input was produced here), both on this host's system clock: an end-to-end figure as a
//   downstream consumer sees it, including both producers' linger and our consumer's fetch wait.
// - Stories are generated deterministically (bench/corpus.hpp, seeded) and are all distinct, so
//   every input yields a published Story (or a duplicate notice, which is counted the same).
// - Latency phases start with a connected producer that knows the topic's metadata, and the
//   pass-through's group join is waited out before its phase: neither start-up is measured.
// - The mock keeps at most ~5 MiB per partition: backlogs are spread over many partitions and the
//   soak streams (produce while consuming); nothing is pre-filled beyond that bound.
#include <arpa/inet.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bench/corpus.hpp"
#include "daemon/embedded_broker.hpp"
#include "kafka/client.hpp"
#include "wirefeed/v1/story.pb.h"

extern char** environ;

namespace {

using namespace wirefeed;
using Clock = std::chrono::system_clock;

struct Args {
  std::size_t count = 100'000;
  std::size_t bytes = 1000;
  int partitions = 64;
  int runs = 3;
  double load = 0.5;
  int latency_seconds = 10;
  int soak_seconds = 0;
  std::size_t dedup_max_entries = 200'000;
  int fetch_wait_ms = 5;       // the daemon's and the pass-through's fetch.wait.max.ms
  bool state_topic = true;     // the daemon publishes (and tails) dedup state records
  std::size_t high_water = 0;  // the daemon's pipeline.partition_high_water (0: its default)
  std::string daemon;
  std::vector<int> latency_partitions{8, 64};  // one latency phase per count (soak: the first)
  std::vector<std::string> daemon_sets;        // --set overrides for the daemon (experiments)
  std::string kafka;     // bootstrap of a real cluster; empty: the embedded broker
  std::string kstreams;  // command of the Kafka Streams peer (BOOTSTRAP IN OUT APP_ID follow)
};

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch())
      .count();
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto i = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[i];
}

// ---- stories ----------------------------------------------------------------------------------

struct StoryPool {
  std::vector<std::string> texts;
  std::size_t bytes = 0;
};

StoryPool make_stories(std::size_t n, std::size_t target_bytes, uint64_t seed) {
  bench::Rng rng(seed);
  bench::CorpusGenerator gen(rng);
  auto t = std::chrono::sys_seconds{std::chrono::seconds{1'772'409'600}};
  StoryPool pool;
  pool.texts.reserve(n);
  const std::size_t lo = target_bytes * 8 / 10, hi = target_bytes * 13 / 10;
  for (std::size_t i = 0; i < n; ++i) {
    t += std::chrono::seconds{1};
    const bench::Story s = gen.random(lo, hi, t);
    pool.texts.push_back(gen.render(s, gen.random_style()));
    pool.bytes += pool.texts.back().size();
  }
  return pool;
}

// ---- clients ----------------------------------------------------------------------------------

kafka::KafkaHandle producer(const std::string& bootstrap, bool idempotent) {
  kafka::Properties p{{"bootstrap.servers", bootstrap},
                      {"linger.ms", "5"},
                      {"acks", "all"},
                      {"queue.buffering.max.messages", "1000000"},
                      {"queue.buffering.max.kbytes", "1048576"}};
  if (idempotent) p["enable.idempotence"] = "true";
  return kafka::make_client(RD_KAFKA_PRODUCER, kafka::make_conf(p));
}

void produce(rd_kafka_t* rk, const std::string& topic, int32_t partition, const std::string& key,
             const char* value, std::size_t size) {
  for (;;) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"  // RD_KAFKA_V_* macros
#pragma GCC diagnostic ignored "-Wpedantic"
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_KEY(key.data(), key.size()), RD_KAFKA_V_VALUE(const_cast<char*>(value), size),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
#pragma GCC diagnostic pop
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
      throw std::runtime_error(std::string("produce: ") + rd_kafka_err2str(err));
    rd_kafka_poll(rk, 10);
  }
}

void flush(rd_kafka_t* rk) {
  if (rd_kafka_flush(rk, 120'000) != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error("flush timed out");
}

std::string key_for(const std::string& prefix, std::size_t i) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s-%09zu", prefix.c_str(), i);
  return buf;
}

// ---- the broker ---------------------------------------------------------------------------------

// The broker of a run: the embedded mock cluster, or a real cluster (--kafka) whose topics are
// created through the Admin API, named with this process's id (a real cluster keeps topics
// between runs) and stamped by the broker (LogAppendTime): Kafka Streams copies the input's
// timestamp to its output, so only broker time measures every peer the same way.
class Broker {
 public:
  explicit Broker(const std::string& external) {
    if (external.empty()) {
      mock_.emplace(1);
      bootstrap_ = mock_->bootstrap();
    } else {
      bootstrap_ = external;
      prefix_ = "bench" + std::to_string(::getpid()) + ".";
      admin_ = kafka::make_client(
          RD_KAFKA_PRODUCER,
          kafka::make_conf({{"bootstrap.servers", bootstrap_}, {"log_level", "3"}}));
    }
  }
  const std::string& bootstrap() const { return bootstrap_; }
  bool real() const { return !mock_; }
  // The name `topic` has on this broker.
  std::string name(const std::string& topic) const { return prefix_ + topic; }

  // Creates `name(topic)` with `partitions` partitions and returns its name.
  std::string create_topic(const std::string& topic, int partitions) {
    const std::string n = name(topic);
    if (mock_) {
      mock_->create_topic(n, partitions);
      return n;
    }
    std::unique_ptr<rd_kafka_queue_t, void (*)(rd_kafka_queue_t*)> q(
        rd_kafka_queue_new(admin_.get()), rd_kafka_queue_destroy);
    char err[512];
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(n.c_str(), partitions, 1, err, sizeof err);
    if (nt == nullptr) throw std::runtime_error("topic " + n + ": " + err);
    rd_kafka_NewTopic_set_config(nt, "message.timestamp.type", "LogAppendTime");
    rd_kafka_CreateTopics(admin_.get(), &nt, 1, nullptr, q.get());
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_event_t* ev = nullptr;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (ev == nullptr && std::chrono::steady_clock::now() < deadline) {
      ev = rd_kafka_queue_poll(q.get(), 1000);
      if (ev != nullptr && rd_kafka_event_type(ev) != RD_KAFKA_EVENT_CREATETOPICS_RESULT) {
        rd_kafka_event_destroy(ev);
        ev = nullptr;
      }
    }
    if (ev == nullptr) throw std::runtime_error("topic " + n + ": no CreateTopics result");
    size_t cnt = 0;
    const rd_kafka_topic_result_t** res =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &cnt);
    const rd_kafka_resp_err_t e =
        cnt == 1 ? rd_kafka_topic_result_error(res[0]) : rd_kafka_event_error(ev);
    rd_kafka_event_destroy(ev);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
      throw std::runtime_error("topic " + n + ": " + rd_kafka_err2str(e));
    // Led on every partition before anyone produces to it.
    while (std::chrono::steady_clock::now() < deadline) {
      rd_kafka_topic_t* rkt = rd_kafka_topic_new(admin_.get(), n.c_str(), nullptr);
      const rd_kafka_metadata_t* md = nullptr;
      bool led = false;
      if (rd_kafka_metadata(admin_.get(), 0, rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const auto& t = md->topics[0];
        led = md->topic_cnt == 1 && t.err == 0 && t.partition_cnt == partitions;
        for (int p = 0; led && p < t.partition_cnt; ++p) led = t.partitions[p].leader >= 0;
        rd_kafka_metadata_destroy(md);
      }
      rd_kafka_topic_destroy(rkt);
      if (led) return n;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error("topic " + n + ": no leader for every partition");
  }

 private:
  std::optional<daemon::EmbeddedCluster> mock_;
  kafka::KafkaHandle admin_;
  std::string bootstrap_, prefix_;
};

// Produces the pool to `topic`, round-robin over partitions, as fast as the producer takes it.
void backlog(const std::string& bootstrap, const std::string& topic, int partitions,
             const StoryPool& pool, const std::string& prefix) {
  kafka::KafkaHandle rk = producer(bootstrap, false);
  for (std::size_t i = 0; i < pool.texts.size(); ++i) {
    produce(rk.get(), topic, static_cast<int32_t>(i % static_cast<std::size_t>(partitions)),
            key_for(prefix, i), pool.texts[i].data(), pool.texts[i].size());
    rd_kafka_poll(rk.get(), 0);
  }
  flush(rk.get());
}

// Reads topics from a start position (assign, no group) and hands every message to `on`.
class Reader {
 public:
  Reader(const std::string& bootstrap, const std::vector<std::string>& topics, int partitions,
         int64_t start) {
    rk_ = kafka::make_client(RD_KAFKA_CONSUMER,
                             kafka::make_conf({{"bootstrap.servers", bootstrap},
                                               {"group.id", "e2e-bench-reader"},
                                               {"enable.auto.commit", "false"},
                                               {"fetch.wait.max.ms", "5"},
                                               {"enable.partition.eof", "false"}}));
    rd_kafka_poll_set_consumer(rk_.get());
    kafka::PartitionListHandle list(rd_kafka_topic_partition_list_new(partitions * 4));
    for (const auto& t : topics)
      for (int p = 0; p < partitions; ++p)
        rd_kafka_topic_partition_list_add(list.get(), t.c_str(), p)->offset = start;
    if (rd_kafka_assign(rk_.get(), list.get()) != RD_KAFKA_RESP_ERR_NO_ERROR)
      throw std::runtime_error("assign failed");
  }
  template <typename F>
  void poll(int timeout_ms, F&& on) {
    kafka::MessageHandle m(rd_kafka_consumer_poll(rk_.get(), timeout_ms));
    while (m) {
      if (!m->err) on(*m);
      m.reset(rd_kafka_consumer_poll(rk_.get(), 0));
    }
  }

 private:
  kafka::KafkaHandle rk_;
};

int64_t timestamp_ms(const rd_kafka_message_t& m) {
  rd_kafka_timestamp_type_t type;
  return rd_kafka_message_timestamp(&m, &type);
}

// Sustained rate from output timestamps: (n - 1) / (last - first).
double rate_from(std::vector<int64_t> ts) {
  if (ts.size() < 2) return 0;
  std::sort(ts.begin(), ts.end());
  const double span = static_cast<double>(ts.back() - ts.front()) / 1000.0;
  return span > 0 ? static_cast<double>(ts.size() - 1) / span : 0;
}

std::vector<int64_t> collect_timestamps(Reader& reader, std::size_t want, int timeout_s) {
  std::vector<int64_t> ts;
  ts.reserve(want);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (ts.size() < want && std::chrono::steady_clock::now() < deadline)
    reader.poll(100, [&](const rd_kafka_message_t& m) { ts.push_back(timestamp_ms(m)); });
  return ts;
}

// ---- (a) pass-through -------------------------------------------------------------------------

// Copies `in` to `out` until `stop`, with the daemon's consumer settings (group, manual offset
// store after the delivery report, auto-commit, fetch.wait.max.ms 20) and its producer settings
// (idempotent, acks=all, linger.ms=5).
void copy_loop(const std::string& bootstrap, const std::string& in, const std::string& out,
               const std::string& group, int fetch_wait_ms, const std::atomic<bool>& stop) {
  // Offsets are stored once the copy is acknowledged, like the daemon (in order per producer:
  // the delivered count says how many of `pending` are done).
  std::vector<std::pair<int32_t, int64_t>> pending;
  std::size_t stored = 0;
  std::atomic<std::size_t> delivered{0};
  kafka::Properties pp{{"bootstrap.servers", bootstrap},
                       {"linger.ms", "5"},
                       {"acks", "all"},
                       {"enable.idempotence", "true"}};
  kafka::ConfHandle pconf = kafka::make_conf(pp);
  rd_kafka_conf_set_dr_msg_cb(pconf.get(),
                              [](rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
                                if (!msg->err)
                                  static_cast<std::atomic<std::size_t>*>(opaque)->fetch_add(1);
                              });
  rd_kafka_conf_set_opaque(pconf.get(), &delivered);
  kafka::KafkaHandle prod = kafka::make_client(RD_KAFKA_PRODUCER, std::move(pconf));
  const auto store_delivered = [&](rd_kafka_t* consumer) {
    const std::size_t done = std::min(delivered.load(), pending.size());
    if (done == stored) return;
    kafka::PartitionListHandle pos(
        rd_kafka_topic_partition_list_new(static_cast<int>(done - stored)));
    for (; stored < done; ++stored)
      rd_kafka_topic_partition_list_add(pos.get(), in.c_str(), pending[stored].first)->offset =
          pending[stored].second + 1;
    rd_kafka_offsets_store(consumer, pos.get());
  };
  kafka::KafkaHandle cons = kafka::make_client(
      RD_KAFKA_CONSUMER, kafka::make_conf({{"bootstrap.servers", bootstrap},
                                           {"group.id", group},
                                           {"enable.auto.commit", "true"},
                                           {"enable.auto.offset.store", "false"},
                                           {"auto.offset.reset", "earliest"},
                                           {"fetch.wait.max.ms", std::to_string(fetch_wait_ms)}}));
  rd_kafka_poll_set_consumer(cons.get());
  kafka::PartitionListHandle topics(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(topics.get(), in.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(cons.get(), topics.get());
  while (!stop.load()) {
    kafka::MessageHandle m(rd_kafka_consumer_poll(cons.get(), 50));
    if (m && !m->err) {
      produce(prod.get(), out, m->partition,
              std::string(static_cast<const char*>(m->key), m->key_len),
              static_cast<const char*>(m->payload), m->len);
      pending.push_back({m->partition, m->offset});
    }
    rd_kafka_poll(prod.get(), 0);
    store_delivered(cons.get());
  }
  flush(prod.get());
  rd_kafka_consumer_close(cons.get());
}

// Sustained pass-through rate over the pool as a backlog.
double pass_through(Broker& cluster, const Args& a, const StoryPool& pool, int run) {
  const std::string in = cluster.create_topic("pt" + std::to_string(run) + ".in", a.partitions),
                    out = cluster.create_topic("pt" + std::to_string(run) + ".out", a.partitions);
  backlog(cluster.bootstrap(), in, a.partitions, pool, "pt");

  std::atomic<bool> stop{false};
  std::thread copier([&] {
    copy_loop(cluster.bootstrap(), in, out, "pt-" + std::to_string(run), a.fetch_wait_ms, stop);
  });
  Reader reader(cluster.bootstrap(), {out}, a.partitions, RD_KAFKA_OFFSET_BEGINNING);
  const auto ts = collect_timestamps(reader, pool.texts.size(), 300);
  stop.store(true);
  copier.join();
  if (ts.size() != pool.texts.size())
    throw std::runtime_error("pass-through: only " + std::to_string(ts.size()) + " of " +
                             std::to_string(pool.texts.size()) + " copied");
  return rate_from(ts);
}

// ---- the daemon's own metrics
// --------------------------------------------------------------------

// A TCP port free right now on 127.0.0.1 (the daemon binds it a moment later).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  if (fd >= 0) ::close(fd);
  if (port == 0) throw std::runtime_error("no free port for the daemon's metrics");
  return port;
}

// GET http://127.0.0.1:port/path (HTTP/1.0: the body ends at EOF); "" on failure.
std::string http_get(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return {};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
      char buf[16384];
      for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
        out.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  const auto body = out.find("\r\n\r\n");
  return body == std::string::npos ? std::string{} : out.substr(body + 4);
}

// The value of an unlabelled sample ("name value" line) in Prometheus text; -1 when absent.
double sample(const std::string& text, const std::string& name) {
  const std::string head = "\n" + name + " ";
  const auto at = text.find(head);
  return at == std::string::npos ? -1 : std::strtod(text.c_str() + at + head.size(), nullptr);
}

// Cumulative buckets (upper bound, count) of a histogram in Prometheus text.
std::vector<std::pair<double, double>> buckets(const std::string& text, const std::string& name) {
  std::vector<std::pair<double, double>> out;
  const std::string head = "\n" + name + "_bucket{le=\"";
  for (auto at = text.find(head); at != std::string::npos; at = text.find(head, at + 1)) {
    const char* p = text.c_str() + at + head.size();
    char* end = nullptr;
    const double le = std::strncmp(p, "+Inf", 4) == 0 ? HUGE_VAL : std::strtod(p, &end);
    const auto value = text.find("} ", at);
    if (value == std::string::npos) break;
    out.emplace_back(le, std::strtod(text.c_str() + value + 2, nullptr));
  }
  return out;
}

// Upper bound of the bucket holding quantile q of the observations between two scrapes.
double bucket_quantile(const std::vector<std::pair<double, double>>& before,
                       const std::vector<std::pair<double, double>>& after, double q) {
  if (after.empty() || after.size() != before.size()) return -1;
  const double total = after.back().second - before.back().second;
  for (std::size_t i = 0; i < after.size(); ++i)
    if (after[i].second - before[i].second >= q * total) return after[i].first;
  return HUGE_VAL;
}

// ---- (b) the daemon -----------------------------------------------------------------------------

struct Topics {
  std::string in, stories, duplicates, dead_letter, state, chrome;
};

class DaemonProcess {
 public:
  DaemonProcess(const std::string& binary, const std::string& bootstrap, const Topics& t, int run,
                const Args& a, int metrics_port)
      : metrics_port_(metrics_port) {
    config_ =
        std::filesystem::temp_directory_path() /
        ("wirefeed-e2e-bench-" + std::to_string(::getpid()) + "-" + std::to_string(run) + ".yaml");
    // fetch.wait.max.ms as in the embedded mode: the mock answers an empty fetch only after the
    // full wait (librdkafka's default 500 ms), which a real broker does not do when data arrives.
    std::ofstream(config_) << "kafka:\n  brokers: " << bootstrap
                           << "\n  consumer_properties:\n    fetch.wait.max.ms: \""
                           << a.fetch_wait_ms << "\""
                           << "\n  group_id: bench-" << run << "\ninput:\n  topics: [" << t.in
                           << "]\noutput:\n  stories_topic: " << t.stories
                           << "\n  duplicates_topic: " << t.duplicates
                           << "\n  dead_letter_topic: " << t.dead_letter
                           << "\nmetrics:\n  listen: 127.0.0.1:" << metrics_port
                           << "\nclean:\n  chrome_state_topic: \""
                           << (a.state_topic ? t.chrome : "") << "\""
                           << "\ndedup:\n  state_topic: \"" << (a.state_topic ? t.state : "")
                           << "\""
                           << "\n  max_entries: " << a.dedup_max_entries
                           << "\nlog:\n  level: warn\n";
    if (a.high_water > 0)
      std::ofstream(config_, std::ios::app)
          << "pipeline:\n  partition_high_water: " << a.high_water
          << "\n  partition_low_water: " << a.high_water / 2 << "\n";
    std::vector<std::string> args{binary, "--config", config_.string()};
    for (const auto& kv : a.daemon_sets) {
      args.push_back("--set");
      args.push_back(kv);
    }
    std::vector<char*> argv;
    for (auto& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    // The daemon's log goes to a file beside the config (librdkafka warnings such as offset
    // resets would otherwise interleave with the figures).
    log_ = config_;
    log_.replace_extension(".log");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    const int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + binary);
  }
  ~DaemonProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    std::error_code ec;
    std::filesystem::remove(config_, ec);
    std::filesystem::remove(log_, ec);
  }
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  // A field of /proc/PID/status in KiB ("VmRSS", "VmHWM"); -1 when unreadable.
  long status_kib(const std::string& field) const {
    std::ifstream f("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(f, line))
      if (line.rfind(field + ":", 0) == 0)
        return std::strtol(line.c_str() + field.size() + 1, nullptr, 10);
    return -1;
  }

  // CPU time (user + system, seconds) per thread of the daemon, by thread id, with its name.
  std::map<long, std::pair<std::string, double>> thread_cpu() const {
    std::map<long, std::pair<std::string, double>> out;
    const auto task = std::filesystem::path("/proc") / std::to_string(pid_) / "task";
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(task, ec)) {
      std::ifstream f(e.path() / "stat");
      std::string line;
      std::getline(f, line);
      const auto open = line.find('('), close = line.rfind(')');
      if (open == std::string::npos || close == std::string::npos) continue;
      // Fields after the name: state(3) ... utime(14) stime(15).
      std::istringstream rest(line.substr(close + 2));
      std::string field;
      double ticks = 0;
      for (int i = 3; i <= 15 && rest >> field; ++i)
        if (i >= 14) ticks += std::strtod(field.c_str(), nullptr);
      out[std::strtol(e.path().filename().c_str(), nullptr, 10)] = {
          line.substr(open + 1, close - open - 1),
          ticks / static_cast<double>(::sysconf(_SC_CLK_TCK))};
    }
    return out;
  }

  // The daemon's /metrics text ("" when unreachable).
  std::string metrics() const { return http_get(metrics_port_, "/metrics"); }

  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int metrics_port_ = 0;
  std::filesystem::path config_, log_;
};

// CPU seconds per thread group between two thread_cpu() snapshots: "main" is the consumer loop
// (the thread whose id is the pid), other threads by name (the daemon names its own: see
// daemon/service.cpp, sinks/kafka_sink.cpp; pool workers keep the binary's name).
std::map<std::string, double> cpu_by_group(
    long pid, const std::map<long, std::pair<std::string, double>>& before,
    const std::map<long, std::pair<std::string, double>>& after) {
  std::map<std::string, double> out;
  for (const auto& [tid, named] : after) {
    const auto it = before.find(tid);
    const double was = it == before.end() ? 0 : it->second.second;
    std::string group = tid == pid ? "main" : named.first;
    if (group.rfind("rdk:broker", 0) == 0) group = "rdk:broker";
    out[group] += named.second - was;
  }
  return out;
}

// The input key of the message an output record describes (Story / DuplicateNotice / DeadLetter).
std::string source_key(const std::string& topic, const Topics& t, const void* data,
                       std::size_t len) {
  const int n = static_cast<int>(len);
  if (topic == t.stories) {
    v1::Story s;
    if (s.ParseFromArray(data, n)) return s.source().key();
  } else if (topic == t.duplicates) {
    v1::DuplicateNotice d;
    if (d.ParseFromArray(data, n)) return d.source().key();
  } else {
    v1::DeadLetter d;
    if (d.ParseFromArray(data, n)) return d.source().key();
  }
  return {};
}

// Latency per story: (output consumed here) - (input produce() called here).
struct Latency {
  std::vector<double> ms;  // sorted
  std::size_t sent = 0;
  std::vector<std::pair<double, double>> per_second;  // p50, p99 of the stories sent in second i
};

struct DaemonResult {
  double rate = 0;
  Latency latency;
  double offered = 0;
  int partitions = 0;         // of the latency phase's topics
  double state_records = -1;  // dedup-state records the daemon wrote over the backlog
  // The daemon's own end_to_end_latency_seconds (Kafka timestamp -> delivery report) over the
  // latency phase: bucket upper bounds holding p50 / p99, in ms.
  double daemon_p50_ms = -1, daemon_p99_ms = -1;
  std::vector<double> daemon_inflight;  // wirefeed_inflight_messages, once a second
  // The daemon's CPU per story (µs) by thread group, over the backlog and over the latency phase.
  std::map<std::string, double> backlog_cpu_us, latency_cpu_us;
  long hwm_kib = 0;
  std::vector<long> soak_rss_kib;
  std::vector<double> soak_inflight;  // the daemon's in-flight messages, sampled with the RSS
  std::size_t soak_produced = 0, soak_outputs = 0;  // outputs < produced: the daemon fell behind
};

// Produces stories at `rate`/s (paced in 1 ms steps) to `topic`; send times go to `sent`.
// Stories come from a pre-generated pool (cycled when the run outlasts it: later rounds are
// exact repeats), so generating text does not take CPU from the daemon during the measurement.
std::size_t paced_producer(const std::string& bootstrap, const std::string& topic, int partitions,
                           double rate, int seconds, const StoryPool& stories,
                           const std::string& prefix,
                           std::vector<std::pair<std::string, int64_t>>* sent_list) {
  kafka::KafkaHandle rk = producer(bootstrap, false);
  // Connected and the topic's metadata known before the clock starts: a fresh producer otherwise
  // holds the first ~0.5-1 s of records back (they showed as a slow first second).
  {
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk.get(), topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(rk.get(), 0, rkt, &md, 10'000) == RD_KAFKA_RESP_ERR_NO_ERROR)
      rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
  }
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::seconds(seconds);
  std::size_t i = 0;
  for (auto now = start; now < end; now = std::chrono::steady_clock::now()) {
    const double elapsed = std::chrono::duration<double>(now - start).count();
    const auto due = static_cast<std::size_t>(elapsed * rate);
    for (; i < due; ++i) {
      const std::string& text = stories.texts[i % stories.texts.size()];
      const std::string key = key_for(prefix, i);
      const int64_t us = now_us();
      produce(rk.get(), topic, static_cast<int32_t>(i % static_cast<std::size_t>(partitions)), key,
              text.data(), text.size());
      if (sent_list) sent_list->emplace_back(key, us);
    }
    rd_kafka_poll(rk.get(), 0);
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  flush(rk.get());
  return i;
}

// Offers `rate` stories/s from `stories` to `in` for `seconds` while `reader` collects the
// outputs, then waits (bounded) for the rest. `key_of(message)` names the input an output is
// for (outputs of other inputs are ignored); `tick()` runs about once a second.
template <typename KeyOf, typename Tick>
Latency offered_load(const std::string& bootstrap, const std::string& in, int partitions,
                     double rate, int seconds, const StoryPool& stories, const std::string& prefix,
                     Reader& reader, KeyOf&& key_of, Tick&& tick) {
  std::vector<std::pair<std::string, int64_t>> sent_list;
  std::atomic<bool> producing{true};
  std::thread prod([&] {
    paced_producer(bootstrap, in, partitions, rate, seconds, stories, prefix, &sent_list);
    producing.store(false);
  });
  std::vector<std::pair<std::string, int64_t>> outputs;  // key, consumed at (us)
  const auto consume = [&](const rd_kafka_message_t& m) {
    const int64_t us = now_us();
    outputs.emplace_back(key_of(m), us);
  };
  auto next_tick = std::chrono::steady_clock::now();
  const auto poll = [&] {
    reader.poll(20, consume);
    if (std::chrono::steady_clock::now() >= next_tick) {
      tick();
      next_tick += std::chrono::seconds(1);
    }
  };
  while (producing.load()) poll();
  prod.join();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (outputs.size() < sent_list.size() && std::chrono::steady_clock::now() < deadline) poll();

  Latency res;
  res.sent = sent_list.size();
  if (sent_list.empty()) return res;
  const int64_t first = sent_list.front().second;
  std::unordered_map<std::string, int64_t> sent_at(sent_list.begin(), sent_list.end());
  std::vector<std::vector<double>> by_second;
  for (const auto& [key, us] : outputs) {
    const auto it = sent_at.find(key);
    if (it == sent_at.end()) continue;
    const double ms = static_cast<double>(us - it->second) / 1000.0;
    res.ms.push_back(ms);
    const auto sec = static_cast<std::size_t>((it->second - first) / 1'000'000);
    if (by_second.size() <= sec) by_second.resize(sec + 1);
    by_second[sec].push_back(ms);
  }
  std::sort(res.ms.begin(), res.ms.end());
  for (auto& v : by_second) {
    std::sort(v.begin(), v.end());
    res.per_second.emplace_back(percentile(v, 0.5), percentile(v, 0.99));
  }
  if (res.ms.size() != res.sent)
    std::fprintf(stderr, "warning: %zu of %zu latency stories came out\n", res.ms.size(), res.sent);
  return res;
}

// Latency of the pass-through copy loop at `rate` stories/s offered: the same broker, clients
// and load as the daemon's latency phase, with no processing.
Latency pass_through_latency(Broker& cluster, const Args& a, double rate, int partitions,
                             const StoryPool& pool) {
  const std::string tag = "ptl" + std::to_string(partitions);
  const std::string in = cluster.create_topic(tag + ".in", partitions),
                    out = cluster.create_topic(tag + ".out", partitions);
  std::atomic<bool> stop{false};
  std::thread copier([&] { copy_loop(cluster.bootstrap(), in, out, tag, a.fetch_wait_ms, stop); });
  Reader reader(cluster.bootstrap(), {out}, partitions, RD_KAFKA_OFFSET_BEGINNING);
  // Warm-up: the group join (~3 s on the mock) must not count as latency.
  {
    kafka::KafkaHandle rk = producer(cluster.bootstrap(), false);
    for (int p = 0; p < partitions; ++p)
      produce(rk.get(), in, p, "warm", pool.texts[0].data(), pool.texts[0].size());
    flush(rk.get());
  }
  collect_timestamps(reader, static_cast<std::size_t>(partitions), 60);
  const auto key_of = [](const rd_kafka_message_t& m) {
    return std::string(static_cast<const char*>(m.key), m.key_len);
  };
  Latency res = offered_load(cluster.bootstrap(), in, partitions, rate, a.latency_seconds, pool,
                             tag, reader, key_of, [] {});
  stop.store(true);
  copier.join();
  return res;
}

// ---- the Kafka Streams peer
// ----------------------------------------------------------------------

// `command` BOOTSTRAP IN OUT APP_ID as a child process (its output to a log file); stopped with
// SIGTERM (the application closes its Streams instance) when destroyed.
class StreamsApp {
 public:
  StreamsApp(const std::string& command, const std::vector<std::string>& args) {
    log_ = std::filesystem::temp_directory_path() /
           ("wirefeed-e2e-bench-kstreams-" + std::to_string(::getpid()) + ".log");
    std::vector<std::string> all{command};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : all) argv.push_back(s.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    const int rc = posix_spawn(&pid_, command.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + command);
  }
  ~StreamsApp() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    std::error_code ec;
    std::filesystem::remove(log_, ec);
  }
  StreamsApp(const StreamsApp&) = delete;
  StreamsApp& operator=(const StreamsApp&) = delete;

 private:
  pid_t pid_ = -1;
  std::filesystem::path log_;
};

// Sustained rate of the Kafka Streams pass-through over the pool as a backlog (output append
// times, first to last: the JVM's start and the group join are excluded, as for the others).
double kstreams_rate(Broker& cluster, const Args& a, const StoryPool& pool, int run) {
  const std::string in = cluster.create_topic("ks" + std::to_string(run) + ".in", a.partitions),
                    out = cluster.create_topic("ks" + std::to_string(run) + ".out", a.partitions);
  backlog(cluster.bootstrap(), in, a.partitions, pool, "ks");
  StreamsApp app(a.kstreams,
                 {cluster.bootstrap(), in, out, cluster.name("ks-app-" + std::to_string(run))});
  Reader reader(cluster.bootstrap(), {out}, a.partitions, RD_KAFKA_OFFSET_BEGINNING);
  const auto ts = collect_timestamps(reader, pool.texts.size(), 600);
  if (ts.size() != pool.texts.size())
    throw std::runtime_error("kafka streams: only " + std::to_string(ts.size()) + " of " +
                             std::to_string(pool.texts.size()) + " copied");
  return rate_from(ts);
}

// Latency of the Kafka Streams pass-through at `rate` stories/s offered, as for the others.
Latency kstreams_latency(Broker& cluster, const Args& a, double rate, int partitions,
                         const StoryPool& pool) {
  const std::string tag = "ksl" + std::to_string(partitions);
  const std::string in = cluster.create_topic(tag + ".in", partitions),
                    out = cluster.create_topic(tag + ".out", partitions);
  StreamsApp app(a.kstreams, {cluster.bootstrap(), in, out, cluster.name(tag + "-app")});
  Reader reader(cluster.bootstrap(), {out}, partitions, RD_KAFKA_OFFSET_BEGINNING);
  {  // warm-up: the JVM's start and the group join must not count as latency
    kafka::KafkaHandle rk = producer(cluster.bootstrap(), false);
    for (int p = 0; p < partitions; ++p)
      produce(rk.get(), in, p, "warm", pool.texts[0].data(), pool.texts[0].size());
    flush(rk.get());
  }
  collect_timestamps(reader, static_cast<std::size_t>(partitions), 120);
  const auto key_of = [](const rd_kafka_message_t& m) {
    return std::string(static_cast<const char*>(m.key), m.key_len);
  };
  return offered_load(cluster.bootstrap(), in, partitions, rate, a.latency_seconds, pool, tag,
                      reader, key_of, [] {});
}

// Per-story CPU (µs) by thread group between two thread_cpu() snapshots.
std::map<std::string, double> per_story(const std::map<std::string, double>& cpu,
                                        std::size_t stories) {
  std::map<std::string, double> out;
  for (const auto& [k, v] : cpu) out[k] = v * 1e6 / static_cast<double>(stories);
  return out;
}

// Waits (bounded) until the daemon's in-flight gauge reads 0: every output of a story, and its
// dedup-state record, is complete; CPU is compared at such points.
void settle(const DaemonProcess& daemon) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (sample(daemon.metrics(), "wirefeed_inflight_messages") != 0 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

Topics topics_for(const std::string& prefix) {
  return {prefix + ".in", prefix + ".stories", prefix + ".dups",
          prefix + ".dl", prefix + ".state",   prefix + ".chrome"};
}

// (b) The daemon over the pool as a backlog: sustained rate and CPU per story.
DaemonResult run_daemon(Broker& cluster, const Args& a, const StoryPool& pool, int run) {
  Topics t = topics_for("d" + std::to_string(run));
  for (auto* name : {&t.in, &t.stories, &t.duplicates, &t.dead_letter, &t.state, &t.chrome})
    *name = cluster.create_topic(*name, a.partitions);
  backlog(cluster.bootstrap(), t.in, a.partitions, pool, "d");

  DaemonResult res;
  DaemonProcess daemon(a.daemon, cluster.bootstrap(), t, run, a, free_port());
  Reader reader(cluster.bootstrap(), {t.stories, t.duplicates, t.dead_letter}, a.partitions,
                RD_KAFKA_OFFSET_BEGINNING);
  const auto cpu0 = daemon.thread_cpu();
  const auto ts = collect_timestamps(reader, pool.texts.size(), 600);
  if (ts.size() != pool.texts.size())
    throw std::runtime_error("daemon: only " + std::to_string(ts.size()) + " of " +
                             std::to_string(pool.texts.size()) + " outputs");
  res.rate = rate_from(ts);
  settle(daemon);
  res.backlog_cpu_us =
      per_story(cpu_by_group(daemon.pid(), cpu0, daemon.thread_cpu()), pool.texts.size());
  res.hwm_kib = daemon.status_kib("VmHWM");
  res.state_records = sample(daemon.metrics(), "wirefeed_records_published_total{topic=\"" +
                                                   t.state + "\",kind=\"dedup_state\"}");
  return res;
}

// (c) Latency at `offered` stories/s with freshly generated (distinct) stories, on topics of
// `partitions` partitions served by a fresh daemon (started and warmed up first: its group join
// is not measured); the daemon's own latency histogram and in-flight gauge are scraped
// alongside. (e) With `soak`, a soak at the same load follows.
DaemonResult latency_daemon(Broker& cluster, const Args& a, double offered, int partitions, int id,
                            bool soak) {
  Topics t = topics_for("lat" + std::to_string(partitions));
  for (auto* name : {&t.in, &t.stories, &t.duplicates, &t.dead_letter, &t.state, &t.chrome})
    *name = cluster.create_topic(*name, partitions);
  DaemonResult res;
  res.offered = offered;
  res.partitions = partitions;
  DaemonProcess daemon(a.daemon, cluster.bootstrap(), t, id, a, free_port());
  Reader reader(cluster.bootstrap(), {t.stories, t.duplicates, t.dead_letter}, partitions,
                RD_KAFKA_OFFSET_BEGINNING);
  {
    const StoryPool warm = make_stories(static_cast<std::size_t>(partitions), a.bytes, 900 + id);
    backlog(cluster.bootstrap(), t.in, partitions, warm, "warm");
    collect_timestamps(reader, warm.texts.size(), 120);
    settle(daemon);
  }
  const StoryPool fresh = make_stories(static_cast<std::size_t>(offered * a.latency_seconds) + 1000,
                                       a.bytes, 1000 + static_cast<uint64_t>(id));
  const std::string hist = "wirefeed_end_to_end_latency_seconds";
  const auto before = buckets(daemon.metrics(), hist);
  const auto key_of = [&](const rd_kafka_message_t& m) {
    return source_key(rd_kafka_topic_name(m.rkt), t, m.payload, m.len);
  };
  const auto tick = [&] {
    res.daemon_inflight.push_back(sample(daemon.metrics(), "wirefeed_inflight_messages"));
  };
  const auto cpu1 = daemon.thread_cpu();
  res.latency = offered_load(cluster.bootstrap(), t.in, partitions, offered, a.latency_seconds,
                             fresh, "lat", reader, key_of, tick);
  const auto after = buckets(daemon.metrics(), hist);
  res.daemon_p50_ms = 1000 * bucket_quantile(before, after, 0.5);
  res.daemon_p99_ms = 1000 * bucket_quantile(before, after, 0.99);
  settle(daemon);
  res.latency_cpu_us = per_story(cpu_by_group(daemon.pid(), cpu1, daemon.thread_cpu()),
                                 std::max<std::size_t>(1, res.latency.sent));

  if (soak && a.soak_seconds > 0) {
    const StoryPool soak_pool =
        make_stories(std::min<std::size_t>(static_cast<std::size_t>(offered * a.soak_seconds) + 1,
                                           a.dedup_max_entries + 50'000),
                     a.bytes, 2000 + static_cast<uint64_t>(id));
    std::atomic<bool> soaking{true};
    std::size_t produced = 0, out = 0;
    std::thread soaker([&] {
      produced = paced_producer(cluster.bootstrap(), t.in, partitions, offered, a.soak_seconds,
                                soak_pool, "soak", nullptr);
      soaking.store(false);
    });
    const auto count = [&](const rd_kafka_message_t&) { ++out; };
    auto next = std::chrono::steady_clock::now();
    while (soaking.load()) {
      reader.poll(50, count);
      if (std::chrono::steady_clock::now() >= next) {
        res.soak_rss_kib.push_back(daemon.status_kib("VmRSS"));
        res.soak_inflight.push_back(sample(daemon.metrics(), "wirefeed_inflight_messages"));
        next += std::chrono::seconds(10);
      }
    }
    soaker.join();
    const auto drain = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (out < produced && std::chrono::steady_clock::now() < drain) reader.poll(50, count);
    res.soak_produced = produced;
    res.soak_outputs = out;
  }
  res.hwm_kib = daemon.status_kib("VmHWM");
  return res;
}

Args parse(int argc, char** argv) {
  Args a;
  a.daemon = (std::filesystem::path(argv[0]).parent_path() / "wirefeedd").string();
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    const auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error("missing value for " + k);
      return argv[++i];
    };
    if (k == "--count")
      a.count = std::stoul(next());
    else if (k == "--bytes")
      a.bytes = std::stoul(next());
    else if (k == "--partitions")
      a.partitions = std::stoi(next());
    else if (k == "--runs")
      a.runs = std::stoi(next());
    else if (k == "--load")
      a.load = std::stod(next());
    else if (k == "--latency-seconds")
      a.latency_seconds = std::stoi(next());
    else if (k == "--soak-seconds")
      a.soak_seconds = std::stoi(next());
    else if (k == "--dedup-max-entries")
      a.dedup_max_entries = std::stoul(next());
    else if (k == "--fetch-wait-ms")
      a.fetch_wait_ms = std::stoi(next());
    else if (k == "--high-water")
      a.high_water = std::stoul(next());
    else if (k == "--no-state-topic")
      a.state_topic = false;
    else if (k == "--daemon")
      a.daemon = next();
    else if (k == "--daemon-set")
      a.daemon_sets.push_back(next());
    else if (k == "--kafka")
      a.kafka = next();
    else if (k == "--kstreams")
      a.kstreams = next();
    else if (k == "--latency-partitions") {
      a.latency_partitions.clear();
      std::stringstream list(next());
      for (std::string p; std::getline(list, p, ',');) a.latency_partitions.push_back(std::stoi(p));
    } else
      throw std::runtime_error("unknown argument " + k);
  }
  return a;
}

}  // namespace

int main(int argc, char** argv) try {
  const Args a = parse(argc, argv);
  if (!std::filesystem::exists(a.daemon)) throw std::runtime_error("no daemon at " + a.daemon);
  const StoryPool pool = make_stories(a.count, a.bytes, 42);
  std::printf("e2e_bench: %zu distinct stories, mean %.0f B, %d partitions, %d run(s), %u cores\n",
              pool.texts.size(),
              static_cast<double>(pool.bytes) / static_cast<double>(pool.texts.size()),
              a.partitions, a.runs, std::thread::hardware_concurrency());
  Broker cluster(a.kafka);
  if (!a.kstreams.empty() && !cluster.real())
    throw std::runtime_error("--kstreams needs --kafka (the mock lacks what Kafka Streams uses)");
  std::printf("broker: %s\n", cluster.real() ? ("Apache Kafka at " + a.kafka).c_str()
                                             : "embedded (librdkafka mock cluster)");
  std::vector<double> pt, dm, cpu, ks;
  long hwm_kib = 0;
  const auto print_cpu = [](const char* what, const std::map<std::string, double>& us) {
    double total = 0;
    for (const auto& [k, v] : us) total += v;
    std::printf("%s: %.1f us (", what, total);
    for (const auto& [k, v] : us)
      if (v >= 0.05 * total) std::printf(" %s %.1f", k.c_str(), v);
    std::printf(" )\n");
    return total;
  };
  for (int run = 0; run < a.runs; ++run) {
    pt.push_back(pass_through(cluster, a, pool, run));
    if (!a.kstreams.empty()) {
      ks.push_back(kstreams_rate(cluster, a, pool, run));
      std::printf("run %d: kafka streams pass-through %.0f stories/s\n", run + 1, ks.back());
    }
    DaemonResult r = run_daemon(cluster, a, pool, run);
    dm.push_back(r.rate);
    hwm_kib = std::max(hwm_kib, r.hwm_kib);
    std::printf(
        "run %d: pass-through %.0f stories/s, daemon %.0f stories/s, daemon VmHWM %ld "
        "KiB\n",
        run + 1, pt.back(), dm.back(), r.hwm_kib);
    cpu.push_back(print_cpu("  daemon CPU per story over the backlog", r.backlog_cpu_us));
    if (r.state_records > 0)
      std::printf("  dedup-state records written: %.0f (%.1f stories per record)\n",
                  r.state_records, static_cast<double>(pool.texts.size()) / r.state_records);
    std::fflush(stdout);
  }
  const double ptm = median(pt), dmm = median(dm);
  std::printf(
      "\nsustained (median of %d): pass-through %.0f stories/s (%.1f MB/s), daemon %.0f "
      "stories/s (%.1f MB/s), daemon / pass-through = %.3f; daemon CPU per story %.1f us\n",
      a.runs, ptm,
      ptm * static_cast<double>(pool.bytes) / static_cast<double>(pool.texts.size()) / 1e6, dmm,
      dmm * static_cast<double>(pool.bytes) / static_cast<double>(pool.texts.size()) / 1e6,
      ptm > 0 ? dmm / ptm : 0, median(cpu));
  if (!ks.empty())
    std::printf(
        "kafka streams pass-through (median of %d): %.0f stories/s, daemon / kafka "
        "streams = %.3f\n",
        a.runs, median(ks), median(ks) > 0 ? dmm / median(ks) : 0);
  std::printf("daemon peak RSS (VmHWM) over the backlog runs: %.1f MiB\n",
              static_cast<double>(hwm_kib) / 1024.0);
  std::fflush(stdout);
  const auto print_latency = [&](const char* who, const DaemonResult& at, const Latency& lat) {
    const auto& l = lat.ms;
    std::printf(
        "latency of the %s at %.0f stories/s offered (%.0f%% of the daemon's sustained rate), "
        "%d partitions, %zu of %zu stories: p50 %.1f ms, p99 %.1f ms, p999 %.1f ms, max %.1f "
        "ms\n",
        who, at.offered, a.load * 100, at.partitions, l.size(), lat.sent, percentile(l, 0.50),
        percentile(l, 0.99), percentile(l, 0.999), l.empty() ? 0.0 : l.back());
    std::printf("  p50/p99 ms by second sent:");
    for (const auto& [p50, p99] : lat.per_second) std::printf(" %.0f/%.0f", p50, p99);
    std::printf("\n");
  };
  const double offered = a.load * dmm;
  for (std::size_t i = 0; i < a.latency_partitions.size() && offered > 0; ++i) {
    const int parts = a.latency_partitions[i];
    const DaemonResult last =
        latency_daemon(cluster, a, offered, parts, 100 + static_cast<int>(i), i == 0);
    std::printf("\n");
    print_latency("daemon", last, last.latency);
    std::printf(
        "  the daemon's own histogram (Kafka timestamp -> delivery report) over the phase: p50 "
        "<= %.1f ms, p99 <= %.1f ms (bucket bounds)\n  daemon in-flight messages, once a "
        "second:",
        last.daemon_p50_ms, last.daemon_p99_ms);
    for (double v : last.daemon_inflight) std::printf(" %.0f", v);
    std::printf("\n");
    print_cpu("  daemon CPU per story over the latency phase", last.latency_cpu_us);
    std::fflush(stdout);
    DaemonResult pt_at = last;
    pt_at.latency = pass_through_latency(cluster, a, offered, parts, pool);
    print_latency("pass-through", pt_at, pt_at.latency);
    if (!a.kstreams.empty()) {
      DaemonResult ks_at = last;
      ks_at.latency = kstreams_latency(cluster, a, offered, parts, pool);
      print_latency("kafka streams pass-through", ks_at, ks_at.latency);
    }
    std::printf("  latency daemon peak RSS (VmHWM): %.1f MiB\n",
                static_cast<double>(last.hwm_kib) / 1024.0);
    std::fflush(stdout);
    if (last.soak_rss_kib.empty()) continue;
    std::printf("soak %d s at %.0f stories/s, RSS every 10 s (MiB):", a.soak_seconds, offered);
    for (long k : last.soak_rss_kib) std::printf(" %.0f", static_cast<double>(k) / 1024.0);
    std::printf("\nsoak: daemon in-flight messages at the same samples:");
    for (double v : last.soak_inflight) std::printf(" %.0f", v);
    const std::size_t half = last.soak_rss_kib.size() / 2;
    const long first_max =
        *std::max_element(last.soak_rss_kib.begin(), last.soak_rss_kib.begin() + half + 1);
    const long second_max =
        *std::max_element(last.soak_rss_kib.begin() + half, last.soak_rss_kib.end());
    std::printf("\nsoak: %zu stories offered, %zu outputs%s", last.soak_produced, last.soak_outputs,
                last.soak_outputs < last.soak_produced
                    ? " (FELL BEHIND: the offered load exceeded the daemon's rate here)"
                    : "");
    std::printf(
        "\nsoak: max RSS first half %.1f MiB, second half %.1f MiB (growth %+.1f%%)\n",
        static_cast<double>(first_max) / 1024.0, static_cast<double>(second_max) / 1024.0,
        100.0 * static_cast<double>(second_max - first_max) / static_cast<double>(first_max));
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "e2e_bench: %s\n", e.what());
  return 1;
}
