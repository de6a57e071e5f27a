// Live reload. See reload.hpp for the invariants.
#include "daemon/reload.hpp"

#include <algorithm>
#include <map>
#include <sstream>

namespace wirefeed::daemon {
namespace {

// render_config -> {dotted key of depth <= 2 -> rendered lines}.
std::map<std::string, std::string> flatten(const Config& c) {
  std::map<std::string, std::string> out;
  std::istringstream in(render_config(c));
  std::string section, key;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const std::size_t indent = line.find_first_not_of(' ');
    const std::size_t colon = line.find(':');
    if (indent == 0 && colon != std::string::npos) {
      section = line.substr(0, colon);
      key.clear();
      continue;
    }
    if (indent == 2 && colon != std::string::npos) key = section + "." + line.substr(2, colon - 2);
    out[key.empty() ? section : key] += line + "\n";
  }
  return out;
}

bool is_live(const std::string& key) {
  return key == "log.level" || key == "dedup.near_enabled" || key == "dedup.near_threshold" ||
         key == "dedup.version_threshold" || key == "dedup.numbers_threshold" || key == "clean" ||
         key == "clean.rules_file" || key == "routes" || key.rfind("routes.", 0) == 0;
}

}  // namespace

std::vector<std::string> changed_keys(const Config& before, const Config& after) {
  const auto a = flatten(before);
  const auto b = flatten(after);
  std::vector<std::string> out;
  for (const auto& [k, v] : b) {
    auto it = a.find(k);
    if (it == a.end() || it->second != v) out.push_back(k);
  }
  for (const auto& [k, v] : a) {
    if (!b.count(k)) out.push_back(k);
  }
  return out;
}

ReloadOutcome Reloader::reload() {
  std::lock_guard lock(mu_);
  ReloadOutcome r;
  Config next;
  try {
    next = load_();
  } catch (const std::exception& e) {
    r.error = e.what();
    return r;
  }
  for (const std::string& key : changed_keys(running_, next)) {
    (is_live(key) ? r.applied : r.restart).push_back(key);
  }
  // The rules file is re-read on every reload, also when its path did not change.
  if (!next.clean.rules_file.empty() &&
      std::find(r.applied.begin(), r.applied.end(), "clean.rules_file") == r.applied.end()) {
    r.applied.push_back("clean.rules_file");
  }
  running_.clean = next.clean;
  running_.routes = next.routes;
  running_.log.level = next.log.level;
  running_.dedup.index.near_enabled = next.dedup.index.near_enabled;
  running_.dedup.index.near_threshold = next.dedup.index.near_threshold;
  running_.dedup.index.version_threshold = next.dedup.index.version_threshold;
  running_.dedup.index.numbers_threshold = next.dedup.index.numbers_threshold;
  apply_(running_);
  r.ok = true;
  return r;
}

Config Reloader::running() const {
  std::lock_guard lock(mu_);
  return running_;
}

}  // namespace wirefeed::daemon
