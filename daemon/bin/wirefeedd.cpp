// wirefeedd: the wirefeed daemon. Composition root: config -> (embedded broker) -> Service +
// metrics HTTP endpoint, with signal handling.
//
// Invariants:
// - stdout carries only echoed records (one JSON line each); logs go to stderr (log.format text
//   or json, one line per event).
// - SIGTERM/SIGINT: graceful stop (drain, commit, exit 0); a second one exits at once.
// - Signals are handled on a dedicated thread (sigwait); no async-signal handlers touch state.
// - systemd (only when started with NOTIFY_SOCKET, e.g. Type=notify): READY=1 the first time
//   Service::readiness() is true; STATUS= with throughput every kStatusEvery; STOPPING=1 on the
//   stop signal; RELOADING=1 then READY=1 on SIGHUP; WATCHDOG=1 every half WATCHDOG_USEC, sent
//   only if Service::progress() advanced since the previous keep-alive, so systemd restarts a
//   wedged consumer loop.
// - Not under systemd: a progress line is logged every --progress-every (default 30 s) once
//   consuming; always a summary line at exit.
#include <fmt/format.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <pthread.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "daemon/config.hpp"
#include "daemon/embedded_broker.hpp"
#include "daemon/http_server.hpp"
#include "daemon/metrics.hpp"
#include "daemon/notify.hpp"
#include "daemon/preflight.hpp"
#include "daemon/progress.hpp"
#include "daemon/recent.hpp"
#include "daemon/reload.hpp"
#include "daemon/reload_signal.hpp"
#include "daemon/service.hpp"
#include "daemon/status_page.hpp"

#include <xxhash.h>

namespace {

using namespace wirefeed::daemon;

constexpr const char* kUsage =
    "usage: wirefeedd [--config FILE] [--set dotted.key=value]... [--check-config] "
    "[--check-connect] [--print-config] | --reload PID\n"
    "  --config FILE     configuration file (default: config.yaml)\n"
    "  --set KEY=VALUE   override one config key, e.g. --set kafka.brokers=host:9092\n"
    "  --check-config    validate the configuration (every kafka property with librdkafka,\n"
    "                    every path) and exit 0 (valid) or 1 (invalid)\n"
    "  --check-connect   --check-config, then reach the brokers and check that every topic\n"
    "                    exists (10 s bound)\n"
    "  --progress-every D  log a progress line every D (e.g. 30s; 0 = never) when not under\n"
    "                    systemd (default 30s)\n"
    "  --status-sample-every D  throughput sample interval of the status page (default 10s)\n"
    "  --print-config    print the effective configuration (secrets redacted) and exit\n"
    "  --version         print the version and exit\n"
    "  --reload PID      send SIGHUP to the running wirefeedd PID (reload its configuration) and\n"
    "                    exit; the unit's ExecReload= (systemctl reload wirefeedd)\n";

struct Args {
  std::string config = "config.yaml";
  std::vector<std::string> overrides;
  bool check = false;
  bool connect = false;
  bool print = false;
  std::optional<std::string> reload_pid;  // --reload PID: signal that daemon, then exit
  std::chrono::milliseconds progress_every{30000};
  std::chrono::milliseconds status_sample_every{10000};
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
    } else if (arg == "--reload" && value(v)) {
      a.reload_pid = v;
    } else if (arg == "--check-connect") {
      a.check = a.connect = true;
    } else if (arg == "--status-sample-every" && value(v)) {
      const auto d = parse_duration(v, std::chrono::seconds(1));
      if (!d || d->count() == 0) {
        std::cerr << "wirefeedd: --status-sample-every: not a positive duration: '" << v << "'\n";
        return std::nullopt;
      }
      a.status_sample_every = *d;
    } else if (arg == "--progress-every" && value(v)) {
      const auto d = parse_duration(v, std::chrono::seconds(1));
      if (!d) {
        std::cerr << "wirefeedd: --progress-every: not a duration: '" << v << "'\n";
        return std::nullopt;
      }
      a.progress_every = *d;
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

// ---- logging ---------------------------------------------------------------------------------

// %* in a pattern: the message, escaped for a JSON string (quotes, backslashes, control chars).
class JsonEscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*tm*/,
              spdlog::memory_buf_t& dest) override {
    for (const char ch : msg.payload) {
      switch (ch) {
        case '"':
          dest.append(std::string_view("\\\""));
          break;
        case '\\':
          dest.append(std::string_view("\\\\"));
          break;
        case '\n':
          dest.append(std::string_view("\\n"));
          break;
        case '\r':
          dest.append(std::string_view("\\r"));
          break;
        case '\t':
          dest.append(std::string_view("\\t"));
          break;
        default:
          if (static_cast<unsigned char>(ch) < 0x20) {
            fmt::format_to(std::back_inserter(dest), "\\u{:04x}", static_cast<unsigned>(ch));
          } else {
            dest.push_back(ch);
          }
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEscapedMessage>();
  }
};

// "text": `2024-01-02T03:04:05.678+00:00 info message`; "json": one object per line,
// {"time":"...","level":"info","msg":"..."} (journald and log shippers parse either).
void configure_logging(const LogConfig& log) {
  spdlog::set_level(spdlog::level::from_str(log.level));
  if (log.format != "json") return;  // the text pattern is set in main()
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<JsonEscapedMessage>('*').set_pattern(
      R"({"time":"%Y-%m-%dT%H:%M:%S.%f%z","level":"%l","logger":"%n","pid":%P,"msg":"%*"})");
  spdlog::set_formatter(std::move(formatter));
}

// ---- systemd ---------------------------------------------------------------------------------

constexpr auto kNotifyTick = std::chrono::milliseconds(200);
constexpr auto kStatusEvery = std::chrono::seconds(5);

// Logs a progress line every `every` while the service runs, when systemd is not there to show
// STATUS= (a terminal, a container). The first line comes once the service is ready.
class ProgressLog {
 public:
  ProgressLog(const Service& service, const Stats& stats, const OutputConfig& output,
              std::chrono::milliseconds every)
      : service_(service),
        stats_(stats),
        output_topics_{output.stories_topic, output.duplicates_topic, output.dead_letter_topic},
        every_(every) {
    thread_ = std::thread([this] { loop(); });
  }
  ~ProgressLog() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  ProgressLog(const ProgressLog&) = delete;
  ProgressLog& operator=(const ProgressLog&) = delete;

 private:
  using Clock = std::chrono::steady_clock;
  void loop() {
    std::optional<ProgressCounts> last;
    auto last_at = Clock::now();
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, every_, [this] { return done_; })) {
      const auto [ready, why] = service_.readiness();
      if (!ready) {
        spdlog::info("progress: not ready: {}", why);
        continue;
      }
      const auto now_at = Clock::now();
      const ProgressCounts now = progress_counts(stats_, output_topics_);
      spdlog::info("progress: {}", progress_line(stats_, now, last, now_at - last_at));
      last = now;
      last_at = now_at;
    }
  }

  const Service& service_;
  const Stats& stats_;
  const std::vector<std::string> output_topics_;
  const std::chrono::milliseconds every_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;  // guarded by mu_
  std::thread thread_;
};

// Talks to systemd while the service runs (see the invariants at the top of this file). Only
// started when NOTIFY_SOCKET is set. Must be destroyed before `service`.
class NotifyLoop {
 public:
  NotifyLoop(const SystemdNotifier& notifier, const Service& service, const Stats& stats,
             const OutputConfig& output, std::atomic<bool>& ready_announced)
      : notifier_(notifier),
        service_(service),
        stats_(stats),
        output_topics_{output.stories_topic, output.duplicates_topic, output.dead_letter_topic},
        ready_(ready_announced) {
    thread_ = std::thread([this] { loop(); });
  }
  ~NotifyLoop() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  NotifyLoop(const NotifyLoop&) = delete;
  NotifyLoop& operator=(const NotifyLoop&) = delete;

 private:
  using Clock = std::chrono::steady_clock;

  void loop() {
    const std::optional<std::chrono::microseconds> wd = notifier_.watchdog_interval();
    const auto keepalive_every = wd ? *wd / 2 : std::chrono::microseconds::max();
    const auto tick = wd ? std::min<std::chrono::microseconds>(kNotifyTick, *wd / 4) : kNotifyTick;
    if (wd) {
      spdlog::info("systemd watchdog: {} ms; keep-alive every {} ms while the pipeline progresses",
                   wd->count() / 1000, keepalive_every.count() / 1000);
    }
    std::uint64_t last_progress = service_.progress();
    bool stall_logged = false;
    auto last_keepalive = Clock::now();
    auto last_status = Clock::now() - kStatusEvery;  // a first STATUS= at once
    std::optional<ProgressCounts> last_counts;       // at last_status
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, tick, [this] { return done_; })) {
      const auto now = Clock::now();
      if (!ready_.load() && service_.readiness().first) {
        notifier_.ready();
        ready_.store(true);
        spdlog::info("systemd: READY=1 (consuming)");
        last_status = now - kStatusEvery;
      }
      if (wd && now - last_keepalive >= keepalive_every) {
        if (const std::uint64_t progress = service_.progress(); progress != last_progress) {
          notifier_.watchdog();
          last_progress = progress;
          last_keepalive = now;
          stall_logged = false;
        } else if (!stall_logged) {
          spdlog::warn(
              "systemd watchdog: the consumer loop made no progress for {} ms; "
              "withholding keep-alives (systemd restarts the service after {} ms)",
              std::chrono::duration_cast<std::chrono::milliseconds>(now - last_keepalive).count(),
              wd->count() / 1000);
          stall_logged = true;
        }
      }
      if (now - last_status >= kStatusEvery) {
        notifier_.status(status_line(now - last_status, last_counts));
        last_status = now;
      }
    }
  }

  // "starting: <why not ready>" or "consuming: 12.4 stories/s in, 12.2 records/s out; ...".
  std::string status_line(Clock::duration elapsed, std::optional<ProgressCounts>& last) const {
    if (!ready_.load()) return "starting: " + service_.readiness().second;
    const ProgressCounts now = progress_counts(stats_, output_topics_);
    std::string text = "consuming: " + progress_line(stats_, now, last, elapsed);
    last = now;
    return text;
  }

  const SystemdNotifier& notifier_;
  const Service& service_;
  const Stats& stats_;
  const std::vector<std::string> output_topics_;
  std::atomic<bool>& ready_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;  // guarded by mu_
  std::thread thread_;
};

// ---- signals ---------------------------------------------------------------------------------

// Waits for SIGINT/SIGTERM on its own thread: the first requests a graceful stop, a second
// one ends the process at once (committed offsets are consistent; in-flight work is redelivered).
// SIGHUP tells systemd RELOADING=1 and, once done (and if READY=1 was already sent), READY=1.
class SignalWatcher {
 public:
  SignalWatcher(std::atomic<bool>& stop, const SystemdNotifier& notifier,
                const std::atomic<bool>& ready_announced)
      : stop_(stop), notifier_(notifier), ready_(ready_announced) {
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
        // Before READY=1 systemd ignores RELOADING=1, so there is nothing to bracket.
        const bool ready = ready_.load();
        if (ready) notifier_.reloading();
        reload();
        if (ready) notifier_.ready();
        continue;
      }
      if (sig != SIGINT && sig != SIGTERM) continue;
      if (++count > 1) {
        spdlog::warn("second {} : exiting now", strsignal(sig));
        std::_Exit(130);
      }
      notifier_.stopping();
      notifier_.status(std::string("stopping: draining in-flight work after ") + strsignal(sig));
      spdlog::info("{}: stopping gracefully (send again to exit at once)", strsignal(sig));
      stop_.store(true);
    }
  }
  void reload() {
    std::lock_guard lock(reload_mu_);
    if (reloader_ == nullptr) {
      spdlog::warn("SIGHUP: still starting; configuration unchanged");
      return;
    }
    const ReloadOutcome r = reloader_->reload();
    if (!r.ok) {
      spdlog::error("SIGHUP: reload rejected, the running configuration is unchanged: {}", r.error);
      return;
    }
    auto join = [](const std::vector<std::string>& v) {
      std::string s;
      for (const auto& k : v) s += (s.empty() ? "" : ", ") + k;
      return s.empty() ? std::string("none") : s;
    };
    spdlog::info("SIGHUP: configuration reloaded; applied: {}", join(r.applied));
    if (!r.restart.empty()) {
      spdlog::warn("SIGHUP: changed keys that need a restart (still running the old values): {}",
                   join(r.restart));
    }
  }

  std::atomic<bool>& stop_;
  const SystemdNotifier& notifier_;
  const std::atomic<bool>& ready_;
  std::atomic<bool> done_{false};
  std::mutex reload_mu_;
  Reloader* reloader_ = nullptr;  // guarded by reload_mu_
  std::thread thread_;

 public:
  // Installs (or, with nullptr, removes) what SIGHUP runs; blocks while a reload is running.
  void set_reloader(Reloader* r) {
    std::lock_guard lock(reload_mu_);
    reloader_ = r;
  }
};

int run_daemon(const Config& cfg, const Args& args) {
  // Block the handled signals in every thread we (and librdkafka) start from here on.
  const sigset_t set = SignalWatcher::handled();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::atomic<bool> stop{false};
  const SystemdNotifier notifier;
  std::atomic<bool> ready_announced{false};
  SignalWatcher signals(stop, notifier, ready_announced);

  const auto started = std::chrono::steady_clock::now();
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
    if (!cfg.dedup.state_topic.empty()) {
      cluster->create_topic(cfg.dedup.state_topic, cfg.embedded.partitions);
    }
    // One partition: a replay reads the sightings in the order they were counted.
    if (!cfg.clean.chrome_state_topic.empty())
      cluster->create_topic(cfg.clean.chrome_state_topic, 1);
    bootstrap = cluster->bootstrap();
    const std::size_t n = seed_topic(bootstrap, cfg.input.topics.front(), cfg.embedded.seed_dir);
    spdlog::info("embedded broker at {}: seeded {} stor{} from {} into '{}'", bootstrap, n,
                 n == 1 ? "y" : "ies", cfg.embedded.seed_dir, cfg.input.topics.front());
  }

  // The status page's recent stories and duplicate clusters (bounded; fed after delivery).
  RecentDecisions recent;
  Service service(cfg, stats, bootstrap,
                  cfg.embedded_mode() && cfg.embedded.echo ? &std::cout : nullptr, &recent);
  const std::string rendered = render_config(cfg);
  StatusBoard board(
      StatusBoard::Settings{
          WIREFEED_VERSION,
          WIREFEED_GIT_COMMIT,
          fmt::format("{:016x}", XXH64(rendered.data(), rendered.size(), 0)),
          {cfg.output.stories_topic, cfg.output.duplicates_topic, cfg.output.dead_letter_topic},
          args.status_sample_every},
      stats, [&service] { return service.readiness(); },
      StatusBoard::Sources{&recent, &service.chrome(), [&service] { return service.routes(); }});
  HttpServer http(
      cfg.metrics.listen,
      HttpServer::Handlers{[&stats] {
                             std::string out;
                             stats.render(out);
                             return out;
                           },
                           [&service] { return service.readiness(); },
                           [&board](std::string_view path) { return board.serve(path); }});
  spdlog::info("metrics on http://{}/metrics, status page on http://{}/", cfg.metrics.listen,
               cfg.metrics.listen);
  std::optional<NotifyLoop> notify;  // declared after service: stopped before it is destroyed
  std::optional<ProgressLog> progress;
  if (notifier.enabled()) {
    notify.emplace(notifier, service, stats, cfg.output, ready_announced);
  } else if (args.progress_every.count() > 0) {
    progress.emplace(service, stats, cfg.output, args.progress_every);
  }
  Reloader reloader(
      cfg, [&args] { return load_config(args.config, args.overrides); },
      [&service](const Config& live) {
        spdlog::set_level(spdlog::level::from_str(live.log.level));
        service.apply_live(live);
      });
  signals.set_reloader(&reloader);
  const int rc = service.run(stop);
  signals.set_reloader(nullptr);
  notify.reset();
  progress.reset();
  spdlog::info("summary: {}", exit_summary(stats, std::chrono::steady_clock::now() - started));
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("wirefeedd");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");

  const std::optional<Args> args = parse_args(argc, argv);
  if (!args) return 2;
  if (args->reload_pid) {
    // Reads no configuration: the daemon re-reads its own file when the signal arrives.
    const std::optional<pid_t> pid = parse_pid(*args->reload_pid);
    if (!pid) {
      std::cerr << "wirefeedd: --reload needs a process id (a positive number), got '"
                << *args->reload_pid << "'\n";
      return 2;
    }
    if (const std::error_code ec = send_reload_signal(*pid)) {
      std::cerr << "wirefeedd: cannot send SIGHUP to process " << *pid << ": " << ec.message()
                << '\n';
      return 1;
    }
    return 0;
  }
  Config cfg;
  try {
    cfg = load_config(args->config, args->overrides);
  } catch (const std::exception& e) {
    std::cerr << "wirefeedd: invalid configuration: " << e.what() << '\n';
    return 1;
  }
  if (args->check) {
    std::vector<std::string> problems = check_local(cfg);
    if (problems.empty() && args->connect) problems = check_connect(cfg, std::chrono::seconds(10));
    for (const std::string& p : problems) {
      std::cerr << "wirefeedd: invalid configuration: " << args->config << ": " << p << '\n';
    }
    if (!problems.empty()) return 1;
    std::cout << "wirefeedd: configuration " << args->config << " is valid"
              << (args->connect ? "; brokers reached and every topic exists" : "") << '\n';
    return 0;
  }
  if (args->print) {
    std::cout << render_config(cfg);
    return 0;
  }
  configure_logging(cfg.log);
  try {
    return run_daemon(cfg, *args);
  } catch (const std::exception& e) {
    spdlog::critical("fatal: {}", e.what());
    return 1;
  }
}
