// wirefeedd: the wirefeed daemon. Composition root: config -> (embedded broker) -> Service +
// metrics HTTP endpoint, with signal handling.
//
// Invariants:
// - stdout carries only echoed records (one JSON line each); logs go to stderr.
// - SIGTERM/SIGINT: graceful stop (drain, commit, exit 0); a second one exits at once.
// - Signals are handled on a dedicated thread (sigwait); no async-signal handlers touch state.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <pthread.h>
#include <unistd.h>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "daemon/config.hpp"
#include "daemon/embedded_broker.hpp"
#include "daemon/http_server.hpp"
#include "daemon/metrics.hpp"
#include "daemon/service.hpp"

namespace {

using namespace wirefeed::daemon;

constexpr const char* kUsage =
    "usage: wirefeedd [--config FILE] [--set dotted.key=value]... [--check-config] "
    "[--print-config]\n"
    "  --config FILE     configuration file (default: config.yaml)\n"
    "  --set KEY=VALUE   override one config key, e.g. --set kafka.brokers=host:9092\n"
    "  --check-config    validate the configuration and exit 0 (valid) or 1 (invalid)\n"
    "  --print-config    print the effective configuration (secrets redacted) and exit\n"
    "  --version         print the version and exit\n";

struct Args {
  std::string config = "config.yaml";
  std::vector<std::string> overrides;
  bool check = false;
  bool print = false;
};

std::optional<Args> parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    std::string v;
    if (arg == "--config" && value(v)) {
      a.config = v;
    } else if (arg.rfind("--config=", 0) == 0) {
      a.config = arg.substr(9);
    } else if (arg == "--set" && value(v)) {
      a.overrides.push_back(v);
    } else if (arg.rfind("--set=", 0) == 0) {
      a.overrides.push_back(arg.substr(6));
    } else if (arg == "--check-config") {
      a.check = true;
    } else if (arg == "--print-config") {
      a.print = true;
    } else if (arg == "--version") {
      std::cout << "wirefeedd " << WIREFEED_VERSION << " (" << WIREFEED_GIT_COMMIT << ")\n";
      std::exit(0);
    } else if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      std::exit(0);
    } else {
      std::cerr << "wirefeedd: unknown or incomplete argument '" << arg << "'\n" << kUsage;
      return std::nullopt;
    }
  }
  return a;
}

// Waits for SIGINT/SIGTERM on its own thread: the first requests a graceful stop, a second
// one ends the process at once (committed offsets are consistent; in-flight work is redelivered).
class SignalWatcher {
 public:
  explicit SignalWatcher(std::atomic<bool>& stop) : stop_(stop) {
    thread_ = std::thread([this] { loop(); });
  }
  ~SignalWatcher() {
    done_.store(true);
    pthread_kill(thread_.native_handle(), SIGUSR1);
    thread_.join();
  }
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  static sigset_t handled() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    return set;
  }

 private:
  void loop() {
    const sigset_t set = handled();
    int count = 0;
    while (!done_.load()) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0 || done_.load()) continue;
      if (sig == SIGHUP) {
        spdlog::info("SIGHUP: live reload is not implemented yet; configuration unchanged");
        continue;
      }
      if (sig != SIGINT && sig != SIGTERM) continue;
      if (++count > 1) {
        spdlog::warn("second {} : exiting now", strsignal(sig));
        std::_Exit(130);
      }
      spdlog::info("{}: stopping gracefully (send again to exit at once)", strsignal(sig));
      stop_.store(true);
    }
  }
  std::atomic<bool>& stop_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

int run_daemon(const Config& cfg) {
  // Block the handled signals in every thread we (and librdkafka) start from here on.
  const sigset_t set = SignalWatcher::handled();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::atomic<bool> stop{false};
  SignalWatcher signals(stop);

  Stats stats;
  stats.build_info.with({WIREFEED_VERSION, WIREFEED_GIT_COMMIT}).set(1);

  std::optional<EmbeddedCluster> cluster;
  std::string bootstrap = cfg.kafka.brokers;
  if (cfg.embedded_mode()) {
    cluster.emplace(1);
    for (const auto& t : cfg.input.topics) cluster->create_topic(t, cfg.embedded.partitions);
    for (const auto* t :
         {&cfg.output.stories_topic, &cfg.output.duplicates_topic, &cfg.output.dead_letter_topic}) {
      cluster->create_topic(*t, cfg.embedded.partitions);
    }
    bootstrap = cluster->bootstrap();
    const std::size_t n = seed_topic(bootstrap, cfg.input.topics.front(), cfg.embedded.seed_dir);
    spdlog::info("embedded broker at {}: seeded {} stor{} from {} into '{}'", bootstrap, n,
                 n == 1 ? "y" : "ies", cfg.embedded.seed_dir, cfg.input.topics.front());
  }

  Service service(cfg, stats, bootstrap,
                  cfg.embedded_mode() && cfg.embedded.echo ? &std::cout : nullptr);
  HttpServer http(cfg.metrics.listen,
                  HttpServer::Handlers{[&stats] {
                                         std::string out;
                                         stats.render(out);
                                         return out;
                                       },
                                       [&service] { return service.readiness(); }});
  spdlog::info("metrics on http://{}/metrics", cfg.metrics.listen);
  return service.run(stop);
}

}  // namespace

int main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("wirefeedd");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");

  const std::optional<Args> args = parse_args(argc, argv);
  if (!args) return 2;
  Config cfg;
  try {
    cfg = load_config(args->config, args->overrides);
  } catch (const std::exception& e) {
    std::cerr << "wirefeedd: invalid configuration: " << e.what() << '\n';
    return 1;
  }
  if (args->check) {
    std::cout << "wirefeedd: configuration " << args->config << " is valid\n";
    return 0;
  }
  if (args->print) {
    std::cout << render_config(cfg);
    return 0;
  }
  spdlog::set_level(spdlog::level::from_str(cfg.log.level));
  try {
    return run_daemon(cfg);
  } catch (const std::exception& e) {
    spdlog::critical("fatal: {}", e.what());
    return 1;
  }
}
