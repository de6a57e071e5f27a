// Test harness. See harness.hpp for the invariants.
#include "tests/support/harness.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <thread>

#include "kafka/client.hpp"
#include "pipeline/decode.hpp"

namespace wirefeed::testing {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string formats_fixture(const std::string& name) {
  const fs::path p = fs::path(WIREFEED_SOURCE_DIR) / "tests" / "data" / "formats" / name;
  EXPECT_TRUE(fs::exists(p)) << p;
  return read_file(p);
}

const char* role_name(pipeline::ContributorRole r) {
  switch (r) {
    case pipeline::ContributorRole::kReporter:
      return "reporter";
    case pipeline::ContributorRole::kWriter:
      return "writer";
    case pipeline::ContributorRole::kEditor:
      return "editor";
    case pipeline::ContributorRole::kAdditionalReporting:
      return "additional_reporting";
    case pipeline::ContributorRole::kPhotographer:
      return "photographer";
  }
  return "?";
}

std::string sample_story() {
  return read_file(fs::path(WIREFEED_SOURCE_DIR) / "samples" /
                   "reuters-biden-china-military-ties.txt");
}

std::string bin(const std::string& name) { return std::string(WIREFEED_BIN_DIR) + "/" + name; }

std::string id_for_key(const std::string& key) {
  pipeline::InputMessage m;
  m.key = key;
  return pipeline::fallback_id(m);
}

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "wirefeed-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

namespace {
struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}
}  // namespace

namespace {
// The low end of the kernel's ephemeral port range (net.ipv4.ip_local_port_range).
int ephemeral_low() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 32768;
  in >> low;
  return in ? low : 32768;
}

bool can_bind(uint16_t port) {
  Fd s(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in a = loopback(port);
  return ::bind(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
}
}  // namespace

// Ports come from below the ephemeral range: a port the kernel hands out for bind(0) may become
// the local port of any outgoing connection (librdkafka's, another test's) before the daemon
// binds it ("address already in use" under a parallel ctest). Candidates are random, so
// parallel test processes rarely try the same one, and each is checked by binding it.
uint16_t free_port() {
  const int high = ephemeral_low() - 1;
  const int low = std::max(1024, high - 12000);
  if (high - low >= 1000) {
    std::random_device rd;
    std::uniform_int_distribution<int> pick(low, high);
    for (int attempt = 0; attempt < 200; ++attempt) {
      const auto port = static_cast<uint16_t>(pick(rd));
      if (can_bind(port)) return port;
    }
  }
  Fd s(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in a = loopback(0);
  if (::bind(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return 0;
  socklen_t len = sizeof a;
  ::getsockname(s.fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

std::optional<HttpResponse> http_get(uint16_t port, const std::string& path) {
  return http_get("127.0.0.1", port, path);
}

std::optional<HttpResponse> http_get(const std::string& host, uint16_t port,
                                     const std::string& path) {
  Fd s(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in a = loopback(port);
  if (::inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1) return std::nullopt;
  if (::connect(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return std::nullopt;
  const std::string req =
      "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
  if (::send(s.fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    return std::nullopt;
  }
  std::string raw;
  std::array<char, 8192> buf{};
  for (;;) {
    const ssize_t n = ::recv(s.fd, buf.data(), buf.size(), 0);
    if (n <= 0) break;
    raw.append(buf.data(), static_cast<std::size_t>(n));
  }
  const auto head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || head_end == std::string::npos) return std::nullopt;
  HttpResponse r;
  r.status = std::stoi(raw.substr(9, 3));
  r.headers = raw.substr(0, head_end);
  r.body = raw.substr(head_end + 4);
  return r;
}

namespace {
struct DeliveryCount {
  int ok = 0;
  int failed = 0;
};
void count_dr(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* c = static_cast<DeliveryCount*>(opaque);
  (m->err == RD_KAFKA_RESP_ERR_NO_ERROR ? c->ok : c->failed)++;
}
}  // namespace

void produce_all(const std::string& bootstrap, const std::string& topic,
                 const std::vector<Produced>& msgs) {
  DeliveryCount counts;
  kafka::ConfHandle conf = kafka::make_conf(
      {{"bootstrap.servers", bootstrap}, {"enable.idempotence", "true"}, {"linger.ms", "5"}});
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &count_dr);
  rd_kafka_conf_set_opaque(conf.get(), &counts);
  kafka::KafkaHandle rk = kafka::make_client(RD_KAFKA_PRODUCER, std::move(conf));
  struct HeadersFree {
    void operator()(rd_kafka_headers_t* h) const { rd_kafka_headers_destroy(h); }
  };
  for (const auto& m : msgs) {
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__QUEUE_FULL;
    while (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      // librdkafka owns the headers once producev succeeds; until then they are ours.
      std::unique_ptr<rd_kafka_headers_t, HeadersFree> hdrs;
      if (!m.headers.empty()) {
        hdrs.reset(rd_kafka_headers_new(m.headers.size()));
        for (const auto& [name, value] : m.headers) {
          rd_kafka_header_add(hdrs.get(), name.data(), static_cast<ssize_t>(name.size()),
                              value.data(), static_cast<ssize_t>(value.size()));
        }
      }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"  // RD_KAFKA_V_* macros
#pragma GCC diagnostic ignored "-Wpedantic"        // clang: their GNU statement expressions
      err = rd_kafka_producev(
          rk.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
          RD_KAFKA_V_PARTITION(m.partition < 0 ? RD_KAFKA_PARTITION_UA : m.partition),
          RD_KAFKA_V_KEY(m.key.data(), m.key.size()),
          RD_KAFKA_V_VALUE(const_cast<char*>(m.value.data()), m.value.size()),
          RD_KAFKA_V_TIMESTAMP(m.timestamp_ms), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_HEADERS(hdrs.get()), RD_KAFKA_V_END);
#pragma GCC diagnostic pop
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) (void)hdrs.release();

      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) rd_kafka_poll(rk.get(), 10);
    }
    ASSERT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
  }
  ASSERT_EQ(rd_kafka_flush(rk.get(), 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(counts.failed, 0);
  ASSERT_EQ(counts.ok, static_cast<int>(msgs.size()));
}

std::vector<Consumed> read_topic(const std::string& bootstrap, const std::string& topic,
                                 int partitions, std::size_t min_count,
                                 std::chrono::milliseconds timeout,
                                 std::chrono::milliseconds settle, bool read_committed) {
  kafka::KafkaHandle rk = kafka::make_client(
      RD_KAFKA_CONSUMER,
      kafka::make_conf({{"bootstrap.servers", bootstrap},
                        {"group.id", "wirefeed-test-reader"},
                        {"enable.auto.commit", "false"},
                        {"enable.partition.eof", "true"},
                        {"isolation.level", read_committed ? "read_committed" : "read_uncommitted"},
                        {"fetch.wait.max.ms", "20"}}));
  kafka::PartitionListHandle list(rd_kafka_topic_partition_list_new(partitions));
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(rk.get(), list.get());
  // Everything already in the topic when the read starts is read, so a read with min_count 0
  // still sees records that exist but have not been fetched yet. A partition is at its end at a
  // partition-EOF event (the consumer's position reached the end: for a read_committed reader
  // past the transaction markers, which no message offset reaches) or once a message at or past
  // the high watermark taken now was read.
  std::vector<int64_t> high(static_cast<std::size_t>(partitions), 0);
  std::vector<int64_t> next(static_cast<std::size_t>(partitions), 0);
  std::vector<bool> eof(static_cast<std::size_t>(partitions), false);
  for (int p = 0; p < partitions; ++p) {
    int64_t lo = 0;
    rd_kafka_query_watermark_offsets(rk.get(), topic.c_str(), p, &lo,
                                     &high[static_cast<std::size_t>(p)], 5000);
    next[static_cast<std::size_t>(p)] = lo;
  }
  auto at_end = [&] {
    for (int p = 0; p < partitions; ++p) {
      const auto i = static_cast<std::size_t>(p);
      if (!eof[i] && next[i] < high[i]) return false;
    }
    return true;
  };
  std::vector<Consumed> out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto last_msg = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < deadline) {
    kafka::MessageHandle m(rd_kafka_consumer_poll(rk.get(), 50));
    const auto now = std::chrono::steady_clock::now();
    const bool in_range = m && m->partition >= 0 && m->partition < partitions;
    if (m && m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF && in_range) {
      eof[static_cast<std::size_t>(m->partition)] = true;
    }
    if (!m || m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (out.size() >= min_count && at_end() && now - last_msg >= settle) break;
      continue;
    }
    last_msg = now;
    if (in_range) {
      next[static_cast<std::size_t>(m->partition)] = m->offset + 1;
      eof[static_cast<std::size_t>(m->partition)] = false;
    }
    Consumed c;
    if (m->key != nullptr) c.key.assign(static_cast<const char*>(m->key), m->key_len);
    if (m->payload != nullptr) c.value.assign(static_cast<const char*>(m->payload), m->len);
    c.partition = m->partition;
    c.offset = m->offset;
    c.timestamp_ms = rd_kafka_message_timestamp(m.get(), nullptr);
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(m.get(), &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name = nullptr;
      const void* val = nullptr;
      size_t size = 0;
      for (size_t i = 0;
           rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
           ++i) {
        c.headers.emplace_back(name, val ? std::string(static_cast<const char*>(val), size) : "");
      }
    }
    out.push_back(std::move(c));
  }
  rd_kafka_consumer_close(rk.get());
  return out;
}

int64_t committed_offset(const std::string& bootstrap, const std::string& group,
                         const std::string& topic, int32_t partition) {
  kafka::KafkaHandle rk = kafka::make_client(
      RD_KAFKA_CONSUMER, kafka::make_conf({{"bootstrap.servers", bootstrap}, {"group.id", group}}));
  kafka::PartitionListHandle list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition);
  const rd_kafka_resp_err_t err = rd_kafka_committed(rk.get(), list.get(), 10000);
  const int64_t off = err == RD_KAFKA_RESP_ERR_NO_ERROR ? list->elems[0].offset : -2;
  rd_kafka_consumer_close(rk.get());
  return off;
}

std::optional<std::string> real_kafka_bootstrap() {
  const char* v = std::getenv("WIREFEED_TEST_KAFKA");
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

std::string unique_name(const std::string& base) {
  static std::atomic<int> counter{0};  // distinct names within one process
  std::string test = "t";
  if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info()) {
    test = std::string(info->test_suite_name()) + "." + info->name();
  }
  std::string out = base + "." + test + "." + std::to_string(::getpid()) + "." +
                    std::to_string(counter.fetch_add(1));
  for (char& ch : out) {
    const bool ok =
        std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-';
    if (!ok) ch = '_';
  }
  return out.size() > 240 ? out.substr(out.size() - 240) : out;
}

namespace {
struct AdminHandles {
  kafka::KafkaHandle rk;
  std::unique_ptr<rd_kafka_queue_t, void (*)(rd_kafka_queue_t*)> q{nullptr, rd_kafka_queue_destroy};
};

AdminHandles admin_client(const std::string& bootstrap) {
  AdminHandles a;
  a.rk = kafka::make_client(
      RD_KAFKA_PRODUCER, kafka::make_conf({{"bootstrap.servers", bootstrap}, {"log_level", "3"}}));
  a.q.reset(rd_kafka_queue_new(a.rk.get()));
  return a;
}

// Waits for the admin result event of `type` on `q`.
rd_kafka_event_t* admin_wait(rd_kafka_queue_t* q, rd_kafka_event_type_t type) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 1000);
    if (ev == nullptr) continue;
    if (rd_kafka_event_type(ev) == type) return ev;
    rd_kafka_event_destroy(ev);
  }
  return nullptr;
}

std::size_t host_count(const std::string& bootstrap) {
  return static_cast<std::size_t>(std::count(bootstrap.begin(), bootstrap.end(), ',')) + 1;
}

// The topic's error and partition count from metadata, and whether every partition has a leader.
struct TopicState {
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_UNKNOWN;
  int partitions = 0;
  bool all_led = false;
  std::vector<int32_t> leaders;
};

TopicState topic_state(rd_kafka_t* rk, const std::string& topic) {
  TopicState s;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* raw = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &raw, 5000);
  rd_kafka_topic_destroy(rkt);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    s.err = err;
    return s;
  }
  kafka::MetadataHandle md(raw);
  if (md->topic_cnt != 1) return s;
  const rd_kafka_metadata_topic_t& t = md->topics[0];
  s.err = t.err;
  s.partitions = t.partition_cnt;
  s.all_led = t.partition_cnt > 0;
  for (int i = 0; i < t.partition_cnt; ++i) {
    s.leaders.push_back(t.partitions[i].leader);
    if (t.partitions[i].leader < 0 || t.partitions[i].err != 0) s.all_led = false;
  }
  return s;
}
}  // namespace

bool recreate_topic(const std::string& bootstrap, const std::string& topic, int partitions,
                    int replication,
                    const std::vector<std::pair<std::string, std::string>>& configs) {
  AdminHandles a = admin_client(bootstrap);
  if (replication < 0)
    replication = static_cast<int>(std::min<std::size_t>(host_count(bootstrap), 3));
  std::array<char, 512> errstr{};

  // Delete (an unknown topic is fine), then create until the deletion has gone through.
  {
    rd_kafka_DeleteTopic_t* del = rd_kafka_DeleteTopic_new(topic.c_str());
    rd_kafka_DeleteTopics(a.rk.get(), &del, 1, nullptr, a.q.get());
    rd_kafka_DeleteTopic_destroy(del);
    rd_kafka_event_t* ev = admin_wait(a.q.get(), RD_KAFKA_EVENT_DELETETOPICS_RESULT);
    if (ev == nullptr) {
      ADD_FAILURE() << "DeleteTopics " << topic << ": no result";
      return false;
    }
    size_t n = 0;
    const rd_kafka_topic_result_t** res =
        rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
    const rd_kafka_resp_err_t err =
        n == 1 ? rd_kafka_topic_result_error(res[0]) : rd_kafka_event_error(ev);
    rd_kafka_event_destroy(ev);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
      ADD_FAILURE() << "DeleteTopics " << topic << ": " << rd_kafka_err2str(err);
      return false;
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  for (;;) {
    rd_kafka_NewTopic_t* nt =
        rd_kafka_NewTopic_new(topic.c_str(), partitions, replication, errstr.data(), errstr.size());
    if (nt == nullptr) {
      ADD_FAILURE() << "NewTopic " << topic << ": " << errstr.data();
      return false;
    }
    for (const auto& [k, v] : configs) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
    rd_kafka_CreateTopics(a.rk.get(), &nt, 1, nullptr, a.q.get());
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_event_t* ev = admin_wait(a.q.get(), RD_KAFKA_EVENT_CREATETOPICS_RESULT);
    if (ev == nullptr) {
      ADD_FAILURE() << "CreateTopics " << topic << ": no result";
      return false;
    }
    size_t n = 0;
    const rd_kafka_topic_result_t** res =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    const rd_kafka_resp_err_t err =
        n == 1 ? rd_kafka_topic_result_error(res[0]) : rd_kafka_event_error(ev);
    const std::string msg = n == 1 && rd_kafka_topic_result_error_string(res[0])
                                ? rd_kafka_topic_result_error_string(res[0])
                                : "";
    rd_kafka_event_destroy(ev);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    if (err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS ||
        std::chrono::steady_clock::now() >= deadline) {
      ADD_FAILURE() << "CreateTopics " << topic << ": " << rd_kafka_err2str(err) << " " << msg;
      return false;
    }
    std::this_thread::sleep_for(100ms);  // the deletion is still going through
  }
  // Every partition led, as the clients will see it through metadata.
  while (std::chrono::steady_clock::now() < deadline) {
    const TopicState s = topic_state(a.rk.get(), topic);
    if (s.err == RD_KAFKA_RESP_ERR_NO_ERROR && s.partitions == partitions && s.all_led) return true;
    std::this_thread::sleep_for(50ms);
  }
  ADD_FAILURE() << "topic " << topic << " has no leader for every partition after 60 s";
  return false;
}

std::vector<int32_t> partition_leaders(const std::string& bootstrap, const std::string& topic) {
  AdminHandles a = admin_client(bootstrap);
  TopicState s = topic_state(a.rk.get(), topic);
  return s.err == RD_KAFKA_RESP_ERR_NO_ERROR ? s.leaders : std::vector<int32_t>{};
}

TestCluster::TestCluster(int partitions, int brokers) {
  static constexpr std::array kTopics{"wire.raw", "wire.stories", "wire.duplicates",
                                      "wire.deadletter", "wire.dedup-state"};
  // The chrome state topic has one partition, as README asks (replay keeps the sightings' order).
  static constexpr const char* kChromeTopic = "wire.chrome-state";
  if (auto real = real_kafka_bootstrap()) {
    bootstrap_ = *real;
    for (const char* t : kTopics) recreate_topic(bootstrap_, t, partitions);
    recreate_topic(bootstrap_, kChromeTopic, 1);
    return;
  }
  embedded_.emplace(brokers);
  bootstrap_ = embedded_->bootstrap();
  for (const char* t : kTopics) embedded_->create_topic(t, partitions);
  embedded_->create_topic(kChromeTopic, 1);
}

void TestCluster::create_topic(const std::string& topic, int partitions) {
  if (embedded_) {
    embedded_->create_topic(topic, partitions);
  } else {
    recreate_topic(bootstrap_, topic, partitions);
  }
}

DaemonProcess::DaemonProcess(const fs::path& dir, const std::string& config_yaml,
                             std::vector<std::string> extra_args)
    : DaemonProcess(dir, config_yaml, std::move(extra_args), {}) {}

DaemonProcess::DaemonProcess(const fs::path& dir, const std::string& config_yaml,
                             std::vector<std::string> extra_args,
                             std::vector<std::string> command_prefix) {
  static int counter = 0;  // distinct file names per process within one test
  const std::string tag = std::to_string(::getpid()) + "-" + std::to_string(++counter);
  const fs::path cfg = dir / ("config-" + tag + ".yaml");
  std::ofstream(cfg) << config_yaml;
  out_ = dir / ("stdout-" + tag + ".txt");
  err_ = dir / ("stderr-" + tag + ".txt");
  std::vector<std::string> args = std::move(command_prefix);
  args.insert(args.end(), {bin("wirefeedd"), "--config", cfg.string()});
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = ::fork();
  if (pid_ == 0) {
    const int out = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out, 1);
    ::dup2(err, 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // execvp: a prefix is looked up on PATH; the daemon's own path is absolute.
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
}

DaemonProcess::~DaemonProcess() {
  if (running()) stop(SIGKILL, 10s);
}

bool DaemonProcess::running() {
  if (pid_ <= 0 || exit_code_) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return false;
}

bool DaemonProcess::wait_ready(uint16_t port, std::chrono::milliseconds timeout,
                               const std::string& host) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return false;
    auto r = http_get(host, port, "/readyz");
    if (r && r->status == 200) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

std::optional<int> DaemonProcess::stop(int sig, std::chrono::milliseconds timeout) {
  if (running()) ::kill(pid_, sig);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(10ms);
  }
  return exit_code_;
}

void DaemonProcess::signal(int sig) {
  if (running()) ::kill(pid_, sig);
}

std::string DaemonProcess::stdout_text() const { return read_file(out_); }
std::string DaemonProcess::stderr_text() const { return read_file(err_); }

std::pair<int, std::string> run_command(const std::vector<std::string>& argv_in,
                                        const std::string& stdin_data) {
  TempDir tmp;
  const fs::path in_path = tmp.path() / "stdin";
  const fs::path out_path = tmp.path() / "stdout";
  std::ofstream(in_path, std::ios::binary) << stdin_data;
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int in = ::open(in_path.c_str(), O_RDONLY);
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    std::vector<std::string> args = argv_in;
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), read_file(out_path)};
}

}  // namespace wirefeed::testing
