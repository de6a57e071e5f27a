// Learned page chrome. See chrome_learner.hpp for the contract.
#include "pipeline/clean/chrome_learner.hpp"

#include <xxhash.h>

#include <algorithm>
#include <cmath>

namespace wirefeed::pipeline {
namespace {

// The line with each run of digits replaced by one '#': "Pay April 1" and "Pay April 15" share
// it, so a line whose figures vary between stories is seen as one template.
std::string masked(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] >= '0' && line[i] <= '9') {
      out += '#';
      while (i + 1 < line.size() && line[i + 1] >= '0' && line[i + 1] <= '9') ++i;
    } else {
      out += line[i];
    }
  }
  return out;
}

}  // namespace

uint64_t chrome_line_hash(std::string_view line) { return XXH3_64bits(line.data(), line.size()); }

uint32_t LearnedChrome::count(std::string_view line) const {
  if (lines_.empty()) return 0;
  const auto it = lines_.find(chrome_line_hash(line));
  return it == lines_.end() ? 0 : it->second;
}

ChromeLearner::ChromeLearner(ChromeLearnerConfig cfg) : cfg_(cfg) {
  cfg_.min_stories = std::max<uint32_t>(cfg_.min_stories, 2);
  cfg_.max_lines = std::max<std::size_t>(cfg_.max_lines, 1);
}

bool ChromeLearner::is_learned(const Entry& e, std::chrono::sys_seconds now) const {
  return !e.blocked && e.stories >= cfg_.min_stories && now - e.last_seen <= cfg_.window;
}

double ChromeLearner::decayed(const Entry& e, std::chrono::sys_seconds now) const {
  const double age = std::chrono::duration<double>(now - e.scored_at).count();
  const double half = std::max(1.0, std::chrono::duration<double>(cfg_.half_life).count());
  return e.score * std::exp2(-std::max(0.0, age) / half);
}

void ChromeLearner::rebuild(const std::string& name, Source& src,
                            std::chrono::sys_seconds now) const {
  std::unordered_map<uint64_t, uint32_t> lines;
  src.expires = std::chrono::sys_seconds::max();
  for (const auto& [key, e] : src.entries) {
    if (!is_learned(e, now)) continue;
    lines.emplace(e.exact, e.stories);
    src.expires = std::min(src.expires, e.last_seen + cfg_.window);
  }
  src.snapshot = std::make_shared<const LearnedChrome>(name, std::move(lines));
}

void ChromeLearner::evict(Source& src, std::chrono::sys_seconds now) const {
  auto lowest = src.entries.end();
  double low = 0;
  for (auto it = src.entries.begin(); it != src.entries.end(); ++it) {
    const double d = decayed(it->second, now);
    if (lowest == src.entries.end() || d < low) {
      lowest = it;
      low = d;
    }
  }
  if (lowest != src.entries.end()) src.entries.erase(lowest);
}

bool ChromeLearner::observe(std::string_view source, const ChromeSighting& s,
                            std::chrono::sys_seconds now) {
  if (s.templated || s.lines.empty()) return false;
  std::lock_guard lock(mu_);
  return observe_locked(source, s, now, true);
}

bool ChromeLearner::replay(std::string_view source, const ChromeSighting& s,
                           std::chrono::sys_seconds now) {
  if (s.templated || s.lines.empty()) return false;
  std::lock_guard lock(mu_);
  return observe_locked(source, s, now, false);
}

std::vector<std::pair<std::string, std::size_t>> ChromeLearner::learned_counts() {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, std::size_t>> out;
  out.reserve(sources_.size());
  for (auto& [name, src] : sources_) {
    if (!src.snapshot || clock_ > src.expires) rebuild(name, src, clock_);
    out.emplace_back(name, src.snapshot->size());
  }
  return out;
}

bool ChromeLearner::observe_locked(std::string_view source, const ChromeSighting& s,
                                   std::chrono::sys_seconds raw_now, bool notify) {
  // Recorded in counting order (the lock is held), with the raw time and before the source cap
  // is checked, so a replay moves the clock exactly as this call does.
  if (notify && sink_) sink_(source, s, raw_now);
  clock_ = std::max(clock_, raw_now);
  auto now = clock_;
  auto sit = sources_.find(source);
  if (sit == sources_.end()) {
    if (sources_.size() >= cfg_.max_sources) return false;
    sit = sources_.emplace(std::string(source), Source{}).first;
  }
  Source& src = sit->second;
  bool newly = false;
  bool changed = false;
  std::vector<uint64_t> seen;  // a story counts once per line
  for (const std::string& line : s.lines) {
    if (line.empty() || line.size() > cfg_.max_line_bytes) continue;
    const std::string m = masked(line);
    const uint64_t key = chrome_line_hash(m);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    seen.push_back(key);
    const uint64_t exact = chrome_line_hash(line);
    auto it = src.entries.find(key);
    if (it == src.entries.end()) {
      if (src.entries.size() >= cfg_.max_lines) {
        evict(src, now);
        changed = true;  // the evicted entry may have been learned
      }
      Entry e;
      e.text = line;
      e.exact = exact;
      e.scored_at = now;
      it = src.entries.emplace(key, std::move(e)).first;
    }
    Entry& e = it->second;
    const bool was = is_learned(e, now);
    if (e.stories > 0 && now - e.last_seen > cfg_.window) {  // forgotten: start again
      e.stories = 0;
      e.score = 0;
      e.witnesses = {};
    }
    if (e.exact != exact && !e.blocked) {  // the same line with other figures: a template
      e.blocked = true;
      changed = changed || was;
    }
    if (std::find(e.witnesses.begin(), e.witnesses.end(), s.story) == e.witnesses.end()) {
      e.witnesses[e.stories % e.witnesses.size()] = s.story;
      ++e.stories;
      e.score = decayed(e, now) + 1.0;
      e.scored_at = now;
    }
    e.last_seen = now;
    if (!was && is_learned(e, now)) newly = true;
  }
  // Forget lines not seen for a window (checked a few times per window).
  if (now - src.swept >= cfg_.window / 8) {
    src.swept = now;
    for (auto it = src.entries.begin(); it != src.entries.end();) {
      if (now - it->second.last_seen > cfg_.window) {
        changed = changed || it->second.stories >= cfg_.min_stories;
        it = src.entries.erase(it);
      } else {
        ++it;
      }
    }
  }
  if (newly || changed || !src.snapshot || now > src.expires) rebuild(sit->first, src, now);
  return newly;
}

std::shared_ptr<const LearnedChrome> ChromeLearner::learned(std::string_view source) {
  std::lock_guard lock(mu_);
  const auto it = sources_.find(source);
  if (it == sources_.end() || !it->second.snapshot) {
    return std::make_shared<const LearnedChrome>(std::string(source),
                                                 std::unordered_map<uint64_t, uint32_t>{});
  }
  // A learned line not seen for a window no longer counts, even before the next sweep.
  if (clock_ > it->second.expires) rebuild(it->first, it->second, clock_);
  return it->second.snapshot;
}

std::vector<std::string> ChromeLearner::sources() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  out.reserve(sources_.size());
  for (const auto& [name, src] : sources_) out.push_back(name);
  return out;
}

std::vector<ChromeLine> ChromeLearner::lines(std::string_view source) const {
  std::lock_guard lock(mu_);
  std::vector<ChromeLine> out;
  const auto it = sources_.find(source);
  if (it == sources_.end()) return out;
  for (const auto& [key, e] : it->second.entries) {
    out.push_back({e.text, e.stories, decayed(e, clock_), is_learned(e, clock_), e.blocked});
  }
  std::sort(out.begin(), out.end(), [](const ChromeLine& a, const ChromeLine& b) {
    if (a.learned != b.learned) return a.learned;
    if (a.stories != b.stories) return a.stories > b.stories;
    return a.text < b.text;
  });
  return out;
}

}  // namespace wirefeed::pipeline
