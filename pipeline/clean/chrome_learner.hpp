// Learned page chrome: lines that recur verbatim in many different stories of one source
// (feed, site or agency) within hours are page furniture. The learner counts, per source, the
// distinct stories each short standalone line appears in; once a line reaches min_stories it is
// removed like rule-matched boilerplate (explained as "learned:<source>" with its count).
//
// Invariants:
// - Pure and clock-injected: every call takes the time it is made at; the learner's clock is the
//   newest time it has seen (event times may arrive out of order), so the same sightings in the
//   same order always give the same learned set.
// - Bounded memory: at most max_lines entries per source and max_sources sources; when full,
//   the entry with the lowest decayed count is evicted. A line not seen for `window` is
//   forgotten.
// - Never learns content: a line with figures that vary between stories (templated copy such
//   as "Shr 12 cts vs 10 cts") is blocked for good; stories whose lines mostly carry figures
//   (templated bodies) are not counted; a story counts once per line however often it repeats
//   the line, and a story that resembles an earlier witness of the line (same signature) does
//   not count again.
// - Thread-safe: observe() and learned() may be called from any thread; a LearnedChrome
//   snapshot is immutable and shared.
// - Replayable: the sighting sink sees every sighting observe() counts from, under the lock, in
//   the order they were counted; replaying those sightings in that order with replay() into a
//   fresh learner (same config) gives the same learned set. A story observed again (a redelivery,
//   or its sighting replayed and the story then reprocessed) does not count again while it is
//   among a line's last 4 witnesses, which holds for every line short of 4 stories: a redelivery
//   never makes a line learned when min_stories <= 4.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace wirefeed::pipeline {

// What cleaning one story offers the learner: its short standalone lines that are no sentence
// (trimmed, as sent), a signature of the story (equal for copies and versions of one story), and
// whether its body is templated (most lines carry figures).
struct ChromeSighting {
  std::vector<std::string> lines;
  uint64_t story = 0;
  bool templated = false;
};

// An immutable snapshot of one source's learned lines.
class LearnedChrome {
 public:
  LearnedChrome() = default;
  LearnedChrome(std::string source, std::unordered_map<uint64_t, uint32_t> lines)
      : source_(std::move(source)), lines_(std::move(lines)) {}
  // The number of distinct stories that made `line` chrome, or 0 when it is not learned.
  uint32_t count(std::string_view line) const;
  const std::string& source() const { return source_; }
  std::size_t size() const { return lines_.size(); }

 private:
  std::string source_;
  std::unordered_map<uint64_t, uint32_t> lines_;  // line hash -> stories
};

struct ChromeLearnerConfig {
  uint32_t min_stories = 3;                             // distinct stories before a line is chrome
  std::chrono::seconds window{std::chrono::hours{24}};  // forgotten when not seen for this long
  std::chrono::seconds half_life{std::chrono::hours{6}};  // decay of counts (eviction order)
  std::size_t max_lines = 4096;                           // entries per source
  std::size_t max_sources = 256;
  std::size_t max_line_bytes = 120;
};

// One learned or candidate line, for listings (`wirefeed chrome SOURCE`).
struct ChromeLine {
  std::string text;
  uint32_t stories = 0;  // distinct stories seen in
  double score = 0;      // decayed count at the learner's clock
  bool learned = false;
  bool blocked = false;  // figures vary: templated copy, never learned
};

uint64_t chrome_line_hash(std::string_view line);

class ChromeLearner {
 public:
  explicit ChromeLearner(ChromeLearnerConfig cfg = {});

  // Records one story of `source` seen at `now`. Returns true when a line of this story became
  // learned by it (the caller may clean the story again with the new set).
  bool observe(std::string_view source, const ChromeSighting& s, std::chrono::sys_seconds now);

  // observe() without calling the sighting sink: a persisted sighting (this instance's before a
  // restart, or another instance's) replayed into the learner.
  bool replay(std::string_view source, const ChromeSighting& s, std::chrono::sys_seconds now);

  // Receives each sighting observe() takes (not templated, at least one line), with the time
  // it was observed at, under the learner's lock and so in counting order. It must be cheap and
  // must not call the learner. Set it before the first observe().
  using SightingSink = std::function<void(std::string_view source, const ChromeSighting& s,
                                          std::chrono::sys_seconds now)>;
  void set_sighting_sink(SightingSink sink) { sink_ = std::move(sink); }

  // Per tracked source, the number of lines learned at the learner's clock (0 included).
  std::vector<std::pair<std::string, std::size_t>> learned_counts();

  // The current learned set of `source` (never null; empty when nothing is learned).
  std::shared_ptr<const LearnedChrome> learned(std::string_view source);

  // The sources tracked (at most max_sources), in name order.
  std::vector<std::string> sources() const;

  // Every tracked line of `source`, learned first, most stories first.
  std::vector<ChromeLine> lines(std::string_view source) const;

  const ChromeLearnerConfig& config() const { return cfg_; }

 private:
  struct Entry {
    std::string text;
    uint64_t exact = 0;  // hash of the line as sent (the key is the line with figures masked)
    uint32_t stories = 0;
    double score = 0;
    std::chrono::sys_seconds scored_at{};
    std::chrono::sys_seconds last_seen{};
    std::array<uint64_t, 4> witnesses{};  // signatures of the latest stories that counted
    bool blocked = false;
  };
  struct Source {
    std::unordered_map<uint64_t, Entry> entries;  // masked-line hash -> entry
    std::shared_ptr<const LearnedChrome> snapshot;
    std::chrono::sys_seconds swept{};
    std::chrono::sys_seconds expires =
        std::chrono::sys_seconds::max();  // first learned line to expire
  };

  bool is_learned(const Entry& e, std::chrono::sys_seconds now) const;
  double decayed(const Entry& e, std::chrono::sys_seconds now) const;
  void rebuild(const std::string& name, Source& src, std::chrono::sys_seconds now) const;
  void evict(Source& src, std::chrono::sys_seconds now) const;
  bool observe_locked(std::string_view source, const ChromeSighting& s,
                      std::chrono::sys_seconds now, bool notify);

  ChromeLearnerConfig cfg_;
  mutable std::mutex mu_;
  std::map<std::string, Source, std::less<>> sources_;
  std::chrono::sys_seconds clock_{};
  SightingSink sink_;  // set before use, then only read
};

}  // namespace wirefeed::pipeline
