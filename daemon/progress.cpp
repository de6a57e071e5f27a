// Progress lines. See progress.hpp for the invariants.
#include "daemon/progress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "daemon/config.hpp"

namespace wirefeed::daemon {

ProgressCounts progress_counts(const Stats& stats, const std::vector<std::string>& output_topics) {
  ProgressCounts c;
  stats.input_messages_total.for_each(
      [&](const std::vector<std::string>&, const Counter& n) { c.in += n.value(); });
  stats.records_published_total.for_each(
      [&](const std::vector<std::string>& labels, const Counter& n) {
        if (std::find(output_topics.begin(), output_topics.end(), labels.front()) !=
            output_topics.end()) {
          c.out += n.value();
        }
      });
  return c;
}

std::string progress_line(const Stats& stats, const ProgressCounts& now,
                          const std::optional<ProgressCounts>& last,
                          std::chrono::duration<double> elapsed) {
  std::string text;
  if (last) {
    const double secs = std::max(elapsed.count(), 1e-3);
    text += fmt::format("{:.1f} stories/s in, {:.1f} records/s out; ",
                        static_cast<double>(now.in - last->in) / secs,
                        static_cast<double>(now.out - last->out) / secs);
  }
  text += fmt::format("{} in, {} published total; {} partitions, {} in flight", now.in, now.out,
                      stats.partitions_assigned.value(), stats.inflight_messages.value());
  return text;
}

std::string exit_summary(const Stats& stats, std::chrono::duration<double> ran) {
  std::uint64_t in = 0;
  stats.input_messages_total.for_each(
      [&](const std::vector<std::string>&, const Counter& n) { in += n.value(); });
  std::map<std::string, std::uint64_t> by_kind;
  stats.records_published_total.for_each(
      [&](const std::vector<std::string>& labels, const Counter& n) {
        by_kind[labels.back()] += n.value();
      });
  std::string reasons;
  std::uint64_t dead = 0;
  stats.dead_letters_total.for_each([&](const std::vector<std::string>& labels, const Counter& n) {
    if (n.value() == 0) return;
    dead += n.value();
    reasons += fmt::format("{}{} {}", reasons.empty() ? "" : ", ", n.value(), labels.front());
  });
  std::string text = fmt::format(
      "ran {}: {} input(s); published {} stor{}, {} duplicate notice(s), {} dead letter(s)",
      format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(ran)), in,
      by_kind["story"], by_kind["story"] == 1 ? "y" : "ies", by_kind["duplicate"], dead);
  if (!reasons.empty()) text += " (" + reasons + ")";
  text += fmt::format("; {} dedup state(s) restored", stats.dedup_state_restored_total.value());
  return text;
}

}  // namespace wirefeed::daemon
