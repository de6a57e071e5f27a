// Router: which topics, in which encodings, each record is published to. Routes are data (the
// config's `routes:`), compiled once into matchers; routing a record is a pure function of the
// record.
//
// Invariants:
// - Routes are evaluated in order; every matching route adds its topics; a matching route without
//   `continue` ends the evaluation. When no route ended it, the default route applies: today's
//   topic for the record's kind (stories, duplicates, dead letters) in Protobuf. So an empty
//   route list routes every record exactly as before.
// - A route that names no record kind matches stories only (duplicate notices and dead letters
//   follow the default unless a route names them).
// - A record is never published twice to the same topic in the same encoding: the first route
//   that targets a (topic, encoding) pair owns it.
// - Matching is case-insensitive; patterns may hold the glob wildcards * and ? (no regular
//   expressions). A subject pattern also matches the descendants of an IPTC subject code
//   ("subj:15000000" matches "subj:15001000"), whose hierarchy is written in the code digits.
// - Pure and thread-safe once built (no mutable state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/encode.hpp"
#include "wirefeed/v1/story.pb.h"

namespace wirefeed::pipeline {

enum class VersionKind { kNew, kUpdate, kCorrection, kCancel };
enum class RecordKind { kStory, kDuplicate, kDeadLetter };

const char* version_kind_name(VersionKind k);  // "new", "update", "correction", "cancel"
const char* record_kind_name(RecordKind k);    // "story", "duplicate", "dead_letter"
bool parse_version_kind(std::string_view s, VersionKind& out);
bool parse_record_kind(std::string_view s, RecordKind& out);

// What a story is as a version: a cancel (kill), a correction (a CORRECTED/CORRECTION tag), an
// update (a later version: number > 0, a superseded story, an UPDATE/REFILE tag) or new.
VersionKind version_kind(const v1::Story& s);

// Each list is a disjunction of patterns (empty = any); the fields are a conjunction.
struct RouteMatch {
  std::vector<std::string> agency;
  std::vector<std::string> input_topic;
  std::vector<std::string> format;
  std::vector<std::string> language;
  std::vector<std::string> subject;  // subject codes ("medtop:15000000", "subj:15*")
  uint32_t urgency_min = 0;          // 0..9; a story with no urgency (0) is outside 1..9
  uint32_t urgency_max = 9;
  std::vector<std::string> slugline;
  std::vector<VersionKind> version;
  std::vector<RecordKind> record;  // empty = stories only
  bool operator==(const RouteMatch&) const = default;

  // True when the route matches every record of the kinds it names.
  bool catch_all() const;
};

struct Route {
  std::string name;
  RouteMatch match;
  std::vector<std::string> topics;
  Encoding encoding = Encoding::kProtobuf;
  bool continue_ = false;  // let later routes match too
  bool operator==(const Route&) const = default;
};

struct RouteTarget {
  std::string topic;
  Encoding encoding = Encoding::kProtobuf;
  int route = -1;  // index into the route list; -1 for the default route
};

// Case-insensitive ASCII glob: '*' any run, '?' any one byte.
bool glob_match(std::string_view pattern, std::string_view text);

// Index of an earlier route that makes routes[i] unreachable (a catch-all without continue for
// every record kind routes[i] names), or -1.
int shadowing_route(const std::vector<Route>& routes, std::size_t i);

class Router {
 public:
  Router() = default;
  Router(std::vector<Route> routes, OutputTopics defaults);

  // Replaces `out` with the targets of `record`.
  void route(const v1::Record& record, std::vector<RouteTarget>& out) const;

  const std::vector<Route>& routes() const { return routes_; }
  const OutputTopics& defaults() const { return defaults_; }

 private:
  struct Pattern {
    std::string text;  // lowercased
    bool glob = false;
  };
  struct Compiled {
    std::vector<Pattern> agency, input_topic, format, language, subject, slugline;
  };
  bool matches(std::size_t i, const v1::Record& record) const;

  std::vector<Route> routes_;
  std::vector<Compiled> compiled_;
  OutputTopics defaults_;
};

}  // namespace wirefeed::pipeline
