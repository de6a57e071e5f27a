// Test harness: a Kafka broker over TCP — librdkafka's mock cluster, or a real Apache Kafka
// cluster when WIREFEED_TEST_KAFKA names one — the real wirefeedd binary as a child process, and
// real HTTP over sockets.
//
// Invariants:
// - Every resource is RAII: temp dirs are removed, child processes are killed and reaped.
// - Helpers wait on conditions with deadlines; they never sleep a fixed time to "be sure".
// - Against a real cluster a TestCluster recreates its topics empty, so the tests sharing the
//   fixed topic names run one at a time (deploy/test.sh kafka); tests written only for a real
//   cluster name their topics with unique_name() and may run in parallel.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/embedded_broker.hpp"
#include "pipeline/clean.hpp"
#include "wirefeed/v1/story.pb.h"

namespace wirefeed::testing {

using namespace std::chrono_literals;

std::string read_file(const std::filesystem::path& p);
// tests/data/formats/<name>; a missing file fails the calling test.
std::string formats_fixture(const std::string& name);
std::string sample_story();  // samples/reuters-biden-china-military-ties.txt

// "reporter", "writer", ... as the goldens and test dumps spell contributor roles.
const char* role_name(pipeline::ContributorRole r);

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A free TCP port on 127.0.0.1 (bound then released), below the kernel's ephemeral range.
uint16_t free_port();

struct HttpResponse {
  int status = 0;
  std::string headers;
  std::string body;
};
// GET over a fresh TCP connection to 127.0.0.1 (or the IPv4 address `host`); nullopt if the
// connection fails.
std::optional<HttpResponse> http_get(uint16_t port, const std::string& path);
std::optional<HttpResponse> http_get(const std::string& host, uint16_t port,
                                     const std::string& path);

struct Produced {
  std::string key;
  std::string value;
  int32_t partition = -1;    // -1: partitioner decides
  int64_t timestamp_ms = 0;  // record timestamp (CreateTime); 0: now
  std::vector<std::pair<std::string, std::string>> headers{};  // Kafka headers, in order
};
// Produces and waits for every delivery report; fails the test on any error.
void produce_all(const std::string& bootstrap, const std::string& topic,
                 const std::vector<Produced>& msgs);

struct Consumed {
  std::string key;
  std::string value;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = -1;  // -1: none
  std::vector<std::pair<std::string, std::string>> headers;
};
// Reads `topic` (all `partitions`) from the beginning until at least `min_count` messages were
// read and the topic stays quiet for `settle`, or until `timeout`. A `read_committed` reader
// (librdkafka's default) returns no record of an aborted or still open transaction; the other
// returns every record written.
std::vector<Consumed> read_topic(const std::string& bootstrap, const std::string& topic,
                                 int partitions, std::size_t min_count,
                                 std::chrono::milliseconds timeout = 30s,
                                 std::chrono::milliseconds settle = 300ms,
                                 bool read_committed = true);

// Committed offset of a group for one partition (-1001 when none).
int64_t committed_offset(const std::string& bootstrap, const std::string& group,
                         const std::string& topic, int32_t partition);

// The real Kafka cluster the e2e tests run against (WIREFEED_TEST_KAFKA=host:port[,...]), or
// nullopt for the mock cluster (the default).
std::optional<std::string> real_kafka_bootstrap();
inline bool on_real_kafka() { return real_kafka_bootstrap().has_value(); }

// A name no other test of any run uses (test name, process id, counter): topics and groups of
// tests that run against a real cluster in parallel.
std::string unique_name(const std::string& base);

// Topic administration on a real cluster (librdkafka Admin API). Each fails the calling test
// (ADD_FAILURE) on an error and returns false.
// Deletes `topic` if it exists and creates it anew, empty, with `partitions` partitions,
// replication `replication` (-1: as many replicas as bootstrap hosts, at most 3) and `configs`
// (e.g. cleanup.policy, min.insync.replicas); returns once every partition has a leader.
bool recreate_topic(const std::string& bootstrap, const std::string& topic, int partitions,
                    int replication = -1,
                    const std::vector<std::pair<std::string, std::string>>& configs = {});

// The leader broker id of each partition of `topic` (from metadata), empty on error.
std::vector<int32_t> partition_leaders(const std::string& bootstrap, const std::string& topic);

// The broker the tests use, with the topics the daemon uses in tests (wire.raw, wire.stories,
// wire.duplicates, wire.deadletter, wire.dedup-state), `partitions` each, and wire.chrome-state
// (one partition), empty.
// On the mock, several `brokers` let tests move partition leaders and inject faults through
// mock(); against a real cluster (on_real_kafka()) mock() is null, and tests that need it skip.
class TestCluster {
 public:
  explicit TestCluster(int partitions = 3, int brokers = 1);
  const std::string& bootstrap() const { return bootstrap_; }
  bool is_mock() const { return embedded_.has_value(); }
  rd_kafka_mock_cluster_t* mock() const { return embedded_ ? embedded_->mock() : nullptr; }
  // Another topic, empty, with `partitions` partitions, on the mock or the real cluster.
  void create_topic(const std::string& topic, int partitions);

 private:
  std::optional<daemon::EmbeddedCluster> embedded_;
  std::string bootstrap_;
};

// Skips the calling test when it runs against a real cluster: it needs the mock's fault
// injection (request errors, leader moves, brokers set down, added RTT) or its behaviour.
#define WIREFEED_SKIP_ON_REAL_KAFKA(why)                                              \
  do {                                                                                \
    if (::wirefeed::testing::on_real_kafka()) GTEST_SKIP() << "needs the mock: " why; \
  } while (0)

// The real wirefeedd binary as a child process.
class DaemonProcess {
 public:
  // Writes `config_yaml` to a file in `dir` and starts wirefeedd --config it, plus `extra_args`.
  DaemonProcess(const std::filesystem::path& dir, const std::string& config_yaml,
                std::vector<std::string> extra_args = {});
  // The same under a command prefix that runs its arguments, looked up on PATH (e.g.
  // {"ip", "netns", "exec", "NAME"}: the daemon in a network namespace). The prefix must exec the
  // daemon in its own process, so that pid() and the signals reach the daemon.
  DaemonProcess(const std::filesystem::path& dir, const std::string& config_yaml,
                std::vector<std::string> extra_args, std::vector<std::string> command_prefix);
  ~DaemonProcess();
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  // Until GET /readyz on `host`:`metrics_port` answers 200 (false if the daemon exits first).
  bool wait_ready(uint16_t metrics_port, std::chrono::milliseconds timeout = 30s,
                  const std::string& host = "127.0.0.1");
  // Sends `sig` and waits for the exit; returns the exit code (128+signal if killed), or
  // nullopt on timeout.
  std::optional<int> stop(int sig, std::chrono::milliseconds timeout = 30s);
  bool running();
  void signal(int sig);
  pid_t pid() const { return pid_; }
  std::string stdout_text() const;
  std::string stderr_text() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::filesystem::path out_, err_;
};

// Runs a command to completion; returns exit code and combined stdout.
std::pair<int, std::string> run_command(const std::vector<std::string>& argv,
                                        const std::string& stdin_data = {});

std::string bin(const std::string& name);  // path of a built binary

// The story id the daemon derives for a raw-text input with this Kafka key.
std::string id_for_key(const std::string& key);

}  // namespace wirefeed::testing
