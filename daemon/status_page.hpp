// The status page at `/` of the metrics listener and the small JSON API behind it, built from the
// daemon's metrics and readiness:
//   GET /                 one self-contained HTML page (inline CSS, JS and SVG; no external asset)
//   GET /api/status       version, commit, config hash, uptime, readiness and reason, totals
//                         (inputs, published by kind, duplicates by kind, dead letters by reason)
//   GET /api/partitions   assigned partitions with consumer lag
//   GET /api/throughput   inputs/s and records/s per sample over the last 15 minutes
//   GET /api/recent       the last stories published (headline, agency, time, topics), newest
//                         first (RecentDecisions: its records are out)
//   GET /api/clusters     recent duplicate clusters: a published story and the copies
//                         suppressed as it or linked to it, each with the dedup evidence
//   GET /api/chrome       the chrome lines learned per source
//   GET /api/routes       the routes in force with per-route records, bytes and errors
//   GET /api/story/<id>   the family and decisions of one story still in the ring (404 if not)
//
// Invariants:
// - Read-only: serving a page never changes the daemon's state.
// - StatusBoard's sampler thread (RAII: started by the constructor, joined by the destructor)
//   takes one throughput sample every `sample_every`; the ring holds 15 minutes of them.
// - Times come from the clocks passed in at construction (injected for tests).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "daemon/http_server.hpp"
#include "daemon/metrics.hpp"
#include "daemon/recent.hpp"
#include "pipeline/router.hpp"

namespace wirefeed::pipeline {
class ChromeLearner;
}

namespace wirefeed::daemon {

const char* status_page_html();

class StatusBoard {
 public:
  struct Settings {
    std::string version;
    std::string commit;
    std::string config_hash;                 // e.g. hex XXH64 of the rendered config
    std::vector<std::string> output_topics;  // stories, duplicates, dead letters
    std::chrono::milliseconds sample_every{10000};
  };
  using Readiness = std::function<std::pair<bool, std::string>()>;
  // What the daemon offers beyond its metrics; each may be absent (its API answers empty).
  struct Sources {
    const RecentDecisions* recent = nullptr;               // /api/recent, /api/clusters, /api/story
    const pipeline::ChromeLearner* chrome = nullptr;       // /api/chrome
    std::function<std::vector<pipeline::Route>()> routes;  // /api/routes (the routes in force)
  };

  StatusBoard(Settings settings, const Stats& stats, Readiness ready);
  StatusBoard(Settings settings, const Stats& stats, Readiness ready, Sources sources);
  ~StatusBoard();
  StatusBoard(const StatusBoard&) = delete;
  StatusBoard& operator=(const StatusBoard&) = delete;

  // The page or API answer for `path`, nullopt when it is not one of ours.
  std::optional<HttpServer::Page> serve(std::string_view path);

  std::string status_json() const;
  std::string partitions_json() const;
  std::string throughput_json() const;
  std::string chrome_json() const;
  std::string routes_json() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Sample {
    Clock::time_point at;
    double in_per_s = 0;
    double out_per_s = 0;
  };
  void loop();

  const Settings settings_;
  const Stats& stats_;
  const Readiness ready_;
  const Sources sources_;
  const Clock::time_point started_ = Clock::now();
  mutable std::mutex mu_;
  std::deque<Sample> samples_;  // guarded by mu_
  bool done_ = false;           // guarded by mu_
  std::condition_variable cv_;
  std::thread thread_;
};

}  // namespace wirefeed::daemon
