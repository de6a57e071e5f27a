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

#include <array>
#include <fstream>
#include <sstream>
#include <thread>

#include "pipeline/decode.hpp"
#include "kafka/client.hpp"

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

uint16_t free_port() {
  Fd s(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in a = loopback(0);
  if (::bind(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return 0;
  socklen_t len = sizeof a;
  ::getsockname(s.fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

std::optional<HttpResponse> http_get(uint16_t port, const std::string& path) {
  Fd s(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in a = loopback(port);
  if (::connect(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return std::nullopt;
  const std::string req =
      "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
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
  for (const auto& m : msgs) {
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__QUEUE_FULL;
    while (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"  // RD_KAFKA_V_* macros
#pragma GCC diagnostic ignored "-Wpedantic"        // clang: their GNU statement expressions
      err = rd_kafka_producev(
          rk.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
          RD_KAFKA_V_PARTITION(m.partition < 0 ? RD_KAFKA_PARTITION_UA : m.partition),
          RD_KAFKA_V_KEY(m.key.data(), m.key.size()),
          RD_KAFKA_V_VALUE(const_cast<char*>(m.value.data()), m.value.size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
#pragma GCC diagnostic pop

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
                                 std::chrono::milliseconds settle) {
  kafka::KafkaHandle rk =
      kafka::make_client(RD_KAFKA_CONSUMER, kafka::make_conf({{"bootstrap.servers", bootstrap},
                                                              {"group.id", "wirefeed-test-reader"},
                                                              {"enable.auto.commit", "false"},
                                                              {"fetch.wait.max.ms", "20"}}));
  kafka::PartitionListHandle list(rd_kafka_topic_partition_list_new(partitions));
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(rk.get(), list.get());
  // Everything already in the topic when the read starts is read (high watermarks), so a read
  // with min_count 0 still sees records that exist but have not been fetched yet.
  std::vector<int64_t> high(static_cast<std::size_t>(partitions), 0);
  std::vector<int64_t> next(static_cast<std::size_t>(partitions), 0);
  for (int p = 0; p < partitions; ++p) {
    int64_t lo = 0;
    rd_kafka_query_watermark_offsets(rk.get(), topic.c_str(), p, &lo,
                                     &high[static_cast<std::size_t>(p)], 5000);
    next[static_cast<std::size_t>(p)] = lo;
  }
  auto at_end = [&] {
    for (int p = 0; p < partitions; ++p) {
      if (next[static_cast<std::size_t>(p)] < high[static_cast<std::size_t>(p)]) return false;
    }
    return true;
  };
  std::vector<Consumed> out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto last_msg = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < deadline) {
    kafka::MessageHandle m(rd_kafka_consumer_poll(rk.get(), 50));
    const auto now = std::chrono::steady_clock::now();
    if (!m || m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (out.size() >= min_count && at_end() && now - last_msg >= settle) break;
      continue;
    }
    last_msg = now;
    if (m->partition >= 0 && m->partition < partitions) {
      next[static_cast<std::size_t>(m->partition)] = m->offset + 1;
    }
    Consumed c;
    if (m->key != nullptr) c.key.assign(static_cast<const char*>(m->key), m->key_len);
    if (m->payload != nullptr) c.value.assign(static_cast<const char*>(m->payload), m->len);
    c.partition = m->partition;
    c.offset = m->offset;
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

TestCluster::TestCluster(int partitions, int brokers) : cluster(brokers) {
  for (const char* t :
       {"wire.raw", "wire.stories", "wire.duplicates", "wire.deadletter", "wire.dedup-state"}) {
    cluster.create_topic(t, partitions);
  }
}

DaemonProcess::DaemonProcess(const fs::path& dir, const std::string& config_yaml,
                             std::vector<std::string> extra_args) {
  static int counter = 0;  // distinct file names per process within one test
  const std::string tag = std::to_string(::getpid()) + "-" + std::to_string(++counter);
  const fs::path cfg = dir / ("config-" + tag + ".yaml");
  std::ofstream(cfg) << config_yaml;
  out_ = dir / ("stdout-" + tag + ".txt");
  err_ = dir / ("stderr-" + tag + ".txt");
  std::vector<std::string> args{bin("wirefeedd"), "--config", cfg.string()};
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
    ::execv(argv[0], argv.data());
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

bool DaemonProcess::wait_ready(uint16_t port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return false;
    auto r = http_get(port, "/readyz");
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
