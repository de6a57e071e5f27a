// Router: ordered routes with continue, the default route, every match field, the glob and the
// subject-code hierarchy, and the shadowed-route check.
#include <gtest/gtest.h>

#include "pipeline/router.hpp"

namespace wirefeed::pipeline {
namespace {

const OutputTopics kDefaults{"wire.stories", "wire.duplicates", "wire.deadletter"};

v1::Record story(const std::string& lang, uint32_t urgency, const std::string& agency = "ew") {
  v1::Record r;
  auto* s = r.mutable_story();
  s->set_id("wf-1");
  s->set_language(lang);
  s->set_urgency(urgency);
  s->mutable_source()->set_agency(agency);
  s->mutable_source()->set_topic("wires.in");
  s->mutable_source()->set_format("ninjs");
  s->set_slugline("FOOTBALL-ENG-RESULTS");
  return r;
}

std::vector<std::string> topics(const Router& r, const v1::Record& rec) {
  std::vector<RouteTarget> out;
  r.route(rec, out);
  std::vector<std::string> t;
  for (const auto& x : out) {
    t.push_back(x.topic + (x.encoding == Encoding::kProtobuf
                               ? ""
                               : "/" + std::string(encoding_name(x.encoding))));
  }
  return t;
}

Route route(std::string name, std::vector<std::string> to, bool cont = false) {
  Route r;
  r.name = std::move(name);
  r.topics = std::move(to);
  r.continue_ = cont;
  return r;
}

TEST(Glob, MatchesStarsAndQuestionMarksCaseInsensitively) {
  EXPECT_TRUE(glob_match("football-*", "FOOTBALL-ENG"));
  EXPECT_TRUE(glob_match("*-eng-*", "football-eng-results"));
  EXPECT_TRUE(glob_match("a?c", "abc"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_FALSE(glob_match("a?c", "ac"));
  EXPECT_FALSE(glob_match("football-*", "rugby-eng"));
  EXPECT_FALSE(glob_match("*x", "abc"));
  EXPECT_TRUE(glob_match("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(glob_match("a*b*c", "aXXbYY"));
}

TEST(Router, EmptyRoutesAreTodaysTopics) {
  const Router r({}, kDefaults);
  EXPECT_EQ(topics(r, story("en", 3)), std::vector<std::string>{"wire.stories"});
  v1::Record d;
  d.mutable_duplicate()->set_id("wf-2");
  EXPECT_EQ(topics(r, d), std::vector<std::string>{"wire.duplicates"});
  v1::Record dl;
  dl.mutable_dead_letter()->set_id("wf-3");
  EXPECT_EQ(topics(r, dl), std::vector<std::string>{"wire.deadletter"});
}

TEST(Router, OrderContinueAndDefault) {
  Route alerts = route("alerts", {"wire.alerts"}, true);
  alerts.match.urgency_min = 1;
  alerts.match.urgency_max = 2;
  alerts.encoding = Encoding::kNinjs3;
  Route french = route("french", {"wire.fr"});
  french.match.language = {"fr"};
  const Router r({alerts, french}, kDefaults);
  // An alert: the alerts route continues, nothing else matches: default too.
  EXPECT_EQ(topics(r, story("en", 1)),
            (std::vector<std::string>{"wire.alerts/ninjs-3", "wire.stories"}));
  // French without continue: the default does not apply.
  EXPECT_EQ(topics(r, story("fr", 5)), std::vector<std::string>{"wire.fr"});
  EXPECT_EQ(topics(r, story("fr", 2)),
            (std::vector<std::string>{"wire.alerts/ninjs-3", "wire.fr"}));
  // No urgency (0) is outside any range.
  EXPECT_EQ(topics(r, story("en", 0)), std::vector<std::string>{"wire.stories"});
  // Routes name stories by default: a duplicate goes to the default topic.
  v1::Record d;
  d.mutable_duplicate()->mutable_source()->set_agency("ew");
  EXPECT_EQ(topics(r, d), std::vector<std::string>{"wire.duplicates"});
}

TEST(Router, FieldsAreAConjunctionOfDisjunctions) {
  Route sport = route("sport", {"desk.sport"});
  sport.match.slugline = {"football-*", "rugby-*"};
  sport.match.agency = {"EW", "other"};
  const Router r({sport}, kDefaults);
  EXPECT_EQ(topics(r, story("en", 5)), std::vector<std::string>{"desk.sport"});
  EXPECT_EQ(topics(r, story("en", 5, "third")), std::vector<std::string>{"wire.stories"});
  v1::Record s = story("en", 5);
  s.mutable_story()->set_slugline("ELECTION");
  EXPECT_EQ(topics(r, s), std::vector<std::string>{"wire.stories"});
}

TEST(Router, VersionAndRecordKinds) {
  Route corrections = route("corrections", {"desk.corrections"});
  corrections.match.version = {VersionKind::kCorrection, VersionKind::kCancel};
  Route dups = route("dups", {"audit.dups"});
  dups.match.record = {RecordKind::kDuplicate};
  dups.encoding = Encoding::kNinjs2;
  const Router r({corrections, dups}, kDefaults);
  v1::Record s = story("en", 5);
  EXPECT_EQ(version_kind(s.story()), VersionKind::kNew);
  EXPECT_EQ(topics(r, s), std::vector<std::string>{"wire.stories"});
  s.mutable_story()->mutable_version()->add_tags("CORRECTED");
  EXPECT_EQ(version_kind(s.story()), VersionKind::kCorrection);
  EXPECT_EQ(topics(r, s), std::vector<std::string>{"desk.corrections"});
  v1::Record kill = story("en", 5);
  kill.mutable_story()->mutable_version()->set_canceled(true);
  EXPECT_EQ(version_kind(kill.story()), VersionKind::kCancel);
  EXPECT_EQ(topics(r, kill), std::vector<std::string>{"desk.corrections"});
  v1::Record upd = story("en", 5);
  upd.mutable_story()->mutable_version()->set_number(2);
  EXPECT_EQ(version_kind(upd.story()), VersionKind::kUpdate);
  v1::Record d;
  d.mutable_duplicate()->set_id("wf-9");
  EXPECT_EQ(topics(r, d), std::vector<std::string>{"audit.dups/ninjs-2"});
}

TEST(Router, SubjectsByCodeGlobAndIptcHierarchy) {
  Route sport = route("sport", {"desk.sport"});
  sport.match.subject = {"subj:15000000", "medtop:2000*"};
  const Router r({sport}, kDefaults);
  auto with_subject = [](const std::string& code) {
    v1::Record s = story("en", 5);
    s.mutable_story()->add_subjects()->set_code(code);
    return s;
  };
  EXPECT_EQ(topics(r, with_subject("subj:15000000")), std::vector<std::string>{"desk.sport"});
  EXPECT_EQ(topics(r, with_subject("subj:15001000")), std::vector<std::string>{"desk.sport"});
  EXPECT_EQ(topics(r, with_subject("SUBJ:15001003")), std::vector<std::string>{"desk.sport"});
  EXPECT_EQ(topics(r, with_subject("subj:16001000")), std::vector<std::string>{"wire.stories"});
  EXPECT_EQ(topics(r, with_subject("medtop:20000822")), std::vector<std::string>{"desk.sport"});
  EXPECT_EQ(topics(r, with_subject("medtop:15000000")), std::vector<std::string>{"wire.stories"});
  EXPECT_EQ(topics(r, story("en", 5)), std::vector<std::string>{"wire.stories"});
}

TEST(Router, SameTopicAndEncodingOnceOwnedByTheFirstRoute) {
  const Router r({route("a", {"t1", "t2"}, true), route("b", {"t2", "t3"})}, kDefaults);
  std::vector<RouteTarget> out;
  r.route(story("en", 5), out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[1].topic, "t2");
  EXPECT_EQ(out[1].route, 0);
  EXPECT_EQ(out[2].route, 1);
}

TEST(Router, ShadowedRouteIsFound) {
  Route all = route("all", {"t"});
  Route fr = route("fr", {"t.fr"});
  fr.match.language = {"fr"};
  Route dl = route("dl", {"t.dl"});
  dl.match.record = {RecordKind::kDeadLetter};
  EXPECT_EQ(shadowing_route({all, fr, dl}, 1), 0);
  EXPECT_EQ(shadowing_route({all, fr, dl}, 2), -1);  // the catch-all names stories only
  all.continue_ = true;
  EXPECT_EQ(shadowing_route({all, fr, dl}, 1), -1);
  EXPECT_EQ(shadowing_route({fr, all}, 1), -1);
}

}  // namespace
}  // namespace wirefeed::pipeline
