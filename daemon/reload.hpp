// Live reload (SIGHUP): re-reads the configuration, applies what can change while running and
// names what needs a restart.
//
// Invariants:
// - Atomic: a new configuration that fails to load or validate changes nothing (the old one
//   keeps running) and is reported with the loader's precise error.
// - Live keys: log.level, routes (swapped whole: a record keeps the routes it was routed
//   with), the dedup thresholds (dedup.near_enabled, near_threshold,
//   version_threshold, numbers_threshold) and the cleaning rules (clean.rules_file, whose file
//   is re-read and recompiled on every reload; a bad file rejects the whole reload). Every other
//   changed key is named as needing a restart and keeps its running value.
// - No in-flight story is affected: applying thresholds takes the dedup index lock once.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/config.hpp"

namespace wirefeed::daemon {

// Dotted keys whose values differ between two configurations (sections and map entries as
// rendered by render_config; map-valued keys such as kafka.properties are named as a whole).
std::vector<std::string> changed_keys(const Config& before, const Config& after);

struct ReloadOutcome {
  bool ok = false;
  std::string error;                 // why the new configuration was rejected
  std::vector<std::string> applied;  // live keys that changed
  std::vector<std::string> restart;  // changed keys that need a restart
};

class Reloader {
 public:
  using Loader = std::function<Config()>;                    // throws ConfigError
  using Apply = std::function<void(const Config& running)>;  // pushes live values to components
  Reloader(Config running, Loader load, Apply apply)
      : running_(std::move(running)), load_(std::move(load)), apply_(std::move(apply)) {}

  ReloadOutcome reload();
  Config running() const;

 private:
  mutable std::mutex mu_;
  Config running_;
  Loader load_;
  Apply apply_;
};

}  // namespace wirefeed::daemon
