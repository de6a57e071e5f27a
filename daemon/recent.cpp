// Recent decisions ring. See recent.hpp for the invariants.
#include "daemon/recent.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <utility>

namespace wirefeed::daemon {

namespace {

using nlohmann::json;

std::string related_why(v1::RelatedWhy w) {
  switch (w) {
    case v1::RELATED_WHY_SAME_EVENT:
      return "same_event";
    case v1::RELATED_WHY_POSSIBLE_DUPLICATE:
      return "possible_duplicate";
    default:
      return "unspecified";
  }
}

std::string duplicate_kind(v1::DuplicateKind k) {
  switch (k) {
    case v1::DUPLICATE_KIND_EXACT:
      return "exact";
    case v1::DUPLICATE_KIND_NEAR:
      return "near";
    case v1::DUPLICATE_KIND_VERSION:
      return "version";
    default:
      return "unspecified";
  }
}

int64_t unix_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

json evidence_json(const v1::DedupEvidence& e) {
  return {{"similarity", e.similarity()},
          {"rule", e.rule()},
          {"tickers",
           {{"matched", e.tickers_matched()},
            {"only_this", e.tickers_only_this()},
            {"only_other", e.tickers_only_other()}}},
          {"names",
           {{"matched", e.names_matched()},
            {"only_this", e.names_only_this()},
            {"only_other", e.names_only_other()}}},
          {"facts",
           {{"matched", e.facts_matched()},
            {"only_this", e.facts_only_this()},
            {"only_other", e.facts_only_other()}}}};
}

json decision_json(const RecentDecision& d) {
  json j = {
      {"kind", d.kind == RecentDecision::Kind::kStory ? "story" : "duplicate"},
      {"id", d.id},
      {"headline", d.headline},
      {"agency", d.agency},
      {"family", d.family},
      {"verdict", d.verdict},
      {"rule", d.rule},
      {"ref_id", d.ref_id},
      {"similarity", d.similarity},
      {"topics", d.topics},
      {"input",
       {{"topic", d.input_topic}, {"partition", d.input_partition}, {"offset", d.input_offset}}},
      {"at_ms", unix_ms(d.at)}};
  if (d.kind == RecentDecision::Kind::kDuplicate) {
    j["duplicate_kind"] = d.duplicate_kind;
    j["evidence"] = evidence_json(d.evidence);
  }
  json related = json::array();
  for (const RecentLink& l : d.related) {
    related.push_back({{"story_id", l.story_id},
                       {"similarity", l.similarity},
                       {"why", l.why},
                       {"evidence", evidence_json(l.evidence)}});
  }
  j["related"] = std::move(related);
  return j;
}

json cluster_json(const RecentCluster& c) {
  json members = json::array();
  for (auto it = c.members.rbegin(); it != c.members.rend(); ++it) {  // newest first
    json m = decision_json(it->decision);
    m["relation"] = it->relation;
    members.push_back(std::move(m));
  }
  return {
      {"story",
       {{"id", c.story_id}, {"headline", c.headline}, {"agency", c.agency}, {"family", c.family}}},
      {"suppressed", c.suppressed},
      {"linked", c.linked},
      {"updated_ms", unix_ms(c.updated)},
      {"members", std::move(members)}};
}

}  // namespace

RecentDecisions::RecentDecisions(std::size_t stories, std::size_t clusters)
    : story_cap_(std::max<std::size_t>(stories, 1)),
      cluster_cap_(std::max<std::size_t>(clusters, 1)) {}

RecentCluster& RecentDecisions::cluster_of(const std::string& head) {
  auto it = std::find_if(clusters_.begin(), clusters_.end(),
                         [&](const RecentCluster& c) { return c.story_id == head; });
  RecentCluster c;
  if (it != clusters_.end()) {
    c = std::move(*it);
    clusters_.erase(it);
  } else {
    c.story_id = head;
    // The head's own details, while it is still in the story ring.
    auto s = std::find_if(stories_.rbegin(), stories_.rend(),
                          [&](const RecentDecision& d) { return d.id == head; });
    if (s != stories_.rend()) {
      c.headline = s->headline;
      c.agency = s->agency;
      c.family = s->family;
    }
    if (clusters_.size() >= cluster_cap_) clusters_.pop_front();
  }
  clusters_.push_back(std::move(c));
  return clusters_.back();
}

void RecentDecisions::add_member(const std::string& head, const char* relation,
                                 const RecentDecision& d) {
  if (head.empty()) return;
  RecentCluster& c = cluster_of(head);
  if (c.family.empty() && d.kind == RecentDecision::Kind::kDuplicate) c.family = d.family;
  (std::string_view(relation) == "suppressed" ? c.suppressed : c.linked) += 1;
  c.members.push_back({relation, d});
  if (c.members.size() > kClusterMembers) c.members.pop_front();
  c.updated = std::max(c.updated, d.at);
}

void RecentDecisions::add(RecentDecision d) {
  std::lock_guard lock(mu_);
  if (d.kind == RecentDecision::Kind::kDuplicate) {
    add_member(d.ref_id, "suppressed", d);
    return;
  }
  // Its copies may be out before it (they go to other topics): their cluster learns its details.
  for (RecentCluster& c : clusters_) {
    if (c.story_id == d.id && c.headline.empty()) {
      c.headline = d.headline;
      c.agency = d.agency;
      if (!d.family.empty()) c.family = d.family;
    }
  }
  if (!d.ref_id.empty()) add_member(d.ref_id, "newer_version", d);
  for (const RecentLink& l : d.related) add_member(l.story_id, "linked", d);
  if (stories_.size() >= story_cap_) stories_.pop_front();
  stories_.push_back(std::move(d));
}

std::vector<RecentDecision> RecentDecisions::stories() const {
  std::lock_guard lock(mu_);
  return {stories_.rbegin(), stories_.rend()};
}

std::vector<RecentCluster> RecentDecisions::clusters() const {
  std::lock_guard lock(mu_);
  return {clusters_.rbegin(), clusters_.rend()};
}

std::optional<RecentDecisions::StoryView> RecentDecisions::story(std::string_view id) const {
  if (id.empty()) return std::nullopt;
  std::lock_guard lock(mu_);
  StoryView v;
  for (const RecentDecision& d : stories_) {
    if (d.id == id) v.story = d;
  }
  for (const RecentCluster& c : clusters_) {
    const bool head = c.story_id == id;
    bool member = false;
    for (const auto& m : c.members) member = member || m.decision.id == id;
    if (!head && !member) continue;
    v.clusters.push_back(c);
    if (v.family.empty() && head) v.family = c.family;
    for (const auto& m : c.members) {
      if (m.decision.id == id && v.family.empty()) v.family = m.decision.family;
    }
  }
  if (!v.story && v.clusters.empty()) return std::nullopt;
  if (v.story && !v.story->family.empty()) v.family = v.story->family;
  // Its decisions: the stories of its family (versions) and every decision about it or about a
  // story of its family, each once, oldest first.
  auto related = [&](const RecentDecision& d) {
    return d.id == id || d.ref_id == id || (!v.family.empty() && d.family == v.family);
  };
  std::vector<const RecentDecision*> found;
  for (const RecentDecision& d : stories_) {
    if (related(d)) found.push_back(&d);
  }
  for (const RecentCluster& c : clusters_) {
    for (const auto& m : c.members) {
      if (m.decision.kind == RecentDecision::Kind::kDuplicate && related(m.decision)) {
        found.push_back(&m.decision);
      }
    }
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const RecentDecision* a, const RecentDecision* b) { return a->at < b->at; });
  for (const RecentDecision* d : found) v.decisions.push_back(*d);
  return v;
}

std::string recent_json(const RecentDecisions& r) {
  json stories = json::array();
  for (const RecentDecision& d : r.stories()) stories.push_back(decision_json(d));
  return json{{"capacity", r.story_capacity()}, {"stories", std::move(stories)}}.dump();
}

std::string clusters_json(const RecentDecisions& r) {
  json clusters = json::array();
  for (const RecentCluster& c : r.clusters()) clusters.push_back(cluster_json(c));
  return json{{"capacity", r.cluster_capacity()},
              {"members_per_cluster", RecentDecisions::kClusterMembers},
              {"clusters", std::move(clusters)}}
      .dump();
}

std::optional<std::string> story_json(const RecentDecisions& r, std::string_view id) {
  const auto v = r.story(id);
  if (!v) return std::nullopt;
  json decisions = json::array();
  for (const RecentDecision& d : v->decisions) decisions.push_back(decision_json(d));
  json clusters = json::array();
  for (const RecentCluster& c : v->clusters) clusters.push_back(cluster_json(c));
  return json{{"id", std::string(id)},
              {"story", v->story ? decision_json(*v->story) : json(nullptr)},
              {"family", v->family},
              {"decisions", std::move(decisions)},
              {"clusters", std::move(clusters)}}
      .dump();
}

std::optional<RecentDecision> recent_decision(const v1::Record& rec, std::string verdict,
                                              std::string family, std::vector<std::string> topics,
                                              std::chrono::system_clock::time_point at) {
  RecentDecision d;
  const v1::SourceRef* src = nullptr;
  if (rec.has_story()) {
    const v1::Story& s = rec.story();
    d.kind = RecentDecision::Kind::kStory;
    d.id = s.id();
    d.headline = s.headline();
    d.ref_id = s.version().supersedes();
    d.family = s.version().family();
    d.rule = d.ref_id.empty() ? "new" : "newer_version";
    for (const v1::RelatedStory& r : s.related()) {
      d.related.push_back({r.story_id(), r.similarity(), related_why(r.why()), r.evidence()});
    }
    src = &s.source();
  } else if (rec.has_duplicate()) {
    const v1::DuplicateNotice& n = rec.duplicate();
    d.kind = RecentDecision::Kind::kDuplicate;
    d.id = n.id();
    d.headline = n.headline();
    d.ref_id = n.duplicate_of();
    d.duplicate_kind = duplicate_kind(n.kind());
    d.similarity = n.similarity();
    d.evidence = n.evidence();
    d.rule = n.evidence().rule();
    src = &n.source();
  } else {
    return std::nullopt;
  }
  if (!family.empty()) d.family = std::move(family);
  d.verdict = std::move(verdict);
  d.agency = src->agency();
  d.input_topic = src->topic();
  d.input_partition = src->partition();
  d.input_offset = src->offset();
  d.topics = std::move(topics);
  d.at = at;
  return d;
}

}  // namespace wirefeed::daemon
