// RecentDecisions: the status page's memory of what the daemon recently published and
// suppressed. The daemon adds one RecentDecision per input whose record is out (every routed
// output acknowledged); the page reads the last stories, the recent duplicate clusters (a
// published story and the copies suppressed as, or linked to, it, with the evidence) and the
// decisions of one story by id.
//
// Invariants:
// - Bounded: at most `stories` published stories and `clusters` clusters of at most
//   kClusterMembers members each; the oldest story, and the least recently active cluster, are
//   evicted first. Nothing else is kept, whatever the input rate.
// - Fed after delivery only (I-4): what it shows is out, never merely decided.
// - Thread-safe: add() and the readers may be called from any thread (one mutex; readers copy
//   out under it, so a reader never sees a half-added decision).
// - No clock of its own: each decision carries the time it was made at (injected in tests).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wirefeed/v1/story.pb.h"

namespace wirefeed::daemon {

struct RecentLink {
  std::string story_id;  // the published story this one resembles
  double similarity = 0;
  std::string why;  // RelatedWhy, lowercase without prefix ("same_subject_new_figures", ...)
  v1::DedupEvidence evidence;
};

// One input whose record is out: a published story or a suppressed copy.
struct RecentDecision {
  enum class Kind { kStory, kDuplicate };
  Kind kind = Kind::kStory;
  std::string id;  // the story's id (a suppressed copy: the id it would have had)
  std::string headline;
  std::string agency;
  std::string family;          // "wf-" + 16 hex digits ("" when unknown)
  std::string verdict;         // pipeline::verdict_name ("new", "exact_duplicate", ...)
  std::string rule;            // the deciding rule (DedupEvidence.rule / DedupReason)
  std::string ref_id;          // the published story it is a copy or newer version of
  std::string duplicate_kind;  // a suppressed copy: "exact", "near" or "version"
  double similarity = 0;
  v1::DedupEvidence evidence;       // against ref_id
  std::vector<RecentLink> related;  // a published story's doubt links (best first)
  std::vector<std::string> topics;  // where its record was published
  std::string input_topic;
  int32_t input_partition = 0;
  int64_t input_offset = 0;
  std::chrono::system_clock::time_point at;  // when its last output was acknowledged
};

// A published story and what was suppressed as its copy or linked to it.
struct RecentCluster {
  std::string story_id;  // the published story (the cluster's head)
  std::string headline;  // "" when the head is no longer (or never was) in the story ring
  std::string agency;
  std::string family;
  struct Member {
    std::string relation;  // "suppressed" (a copy), "newer_version", "linked" (a doubt link)
    RecentDecision decision;
  };
  std::deque<Member> members;  // newest last; at most kClusterMembers
  uint64_t suppressed = 0;     // copies suppressed, all time (members may have been dropped)
  uint64_t linked = 0;         // stories linked to it or newer versions, all time
  std::chrono::system_clock::time_point updated;
};

class RecentDecisions {
 public:
  static constexpr std::size_t kClusterMembers = 20;

  explicit RecentDecisions(std::size_t stories = 200, std::size_t clusters = 100);
  RecentDecisions(const RecentDecisions&) = delete;
  RecentDecisions& operator=(const RecentDecisions&) = delete;

  void add(RecentDecision d);

  // Newest first.
  std::vector<RecentDecision> stories() const;
  std::vector<RecentCluster> clusters() const;

  // What the ring holds about the story `id`: the story (if still held), the decisions of its
  // family or referring to it, and its clusters. nullopt when the ring holds nothing of it.
  struct StoryView {
    std::optional<RecentDecision> story;
    std::string family;
    std::vector<RecentDecision> decisions;  // oldest first
    std::vector<RecentCluster> clusters;
  };
  std::optional<StoryView> story(std::string_view id) const;

  std::size_t story_capacity() const { return story_cap_; }
  std::size_t cluster_capacity() const { return cluster_cap_; }

 private:
  // The cluster of `head`, created (and the oldest evicted) when missing, moved to the back as
  // the most recently active. mu_ held.
  RecentCluster& cluster_of(const std::string& head);
  void add_member(const std::string& head, const char* relation, const RecentDecision& d);

  const std::size_t story_cap_;
  const std::size_t cluster_cap_;
  mutable std::mutex mu_;
  std::deque<RecentDecision> stories_;  // guarded by mu_; newest last
  std::deque<RecentCluster> clusters_;  // guarded by mu_; most recently active last
};

// The JSON forms served by the status page (/api/recent, /api/clusters, /api/story/<id>).
std::string recent_json(const RecentDecisions& r);
std::string clusters_json(const RecentDecisions& r);
std::optional<std::string> story_json(const RecentDecisions& r, std::string_view id);

// The ring's entry for one record that is out (a Story or a DuplicateNotice; nullopt for a
// dead letter), published to `topics`, with the dedup `verdict` and `family` decided for it.
std::optional<RecentDecision> recent_decision(const v1::Record& rec, std::string verdict,
                                              std::string family, std::vector<std::string> topics,
                                              std::chrono::system_clock::time_point at);

}  // namespace wirefeed::daemon
