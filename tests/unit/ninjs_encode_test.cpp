// The ninjs encoding: every shape of record (a full story, an update, a correction, a cancel, a
// duplicate notice, a dead letter) in ninjs 2.x and 3.x is valid against the IPTC's official
// schemas (shared/samples/iptc/ninjs-schema beside the checkout, read in place; validated by the
// jsonschema Python package, which deploy/setup.sh installs), and our own ninjs decoder and
// processor read every story back into the same Story content.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "pipeline/encode.hpp"
#include "pipeline/formats/document.hpp"
#include "pipeline/ninjs_encode.hpp"
#include "pipeline/processor.hpp"

namespace wirefeed::pipeline {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// shared/samples/iptc/ninjs-schema in the nearest directory above the repository root that has
// one; WIREFEED_SHARED_DIR names the shared/ folder instead. Empty when there is none.
fs::path schema_dir() {
  if (const char* shared = std::getenv("WIREFEED_SHARED_DIR"); shared != nullptr && *shared) {
    return fs::path(shared) / "samples" / "iptc" / "ninjs-schema";
  }
  std::error_code ec;
  for (fs::path dir = fs::weakly_canonical(WIREFEED_SOURCE_DIR, ec).parent_path(); !dir.empty();
       dir = dir.parent_path()) {
    const fs::path candidate = dir / "shared" / "samples" / "iptc" / "ninjs-schema";
    if (fs::is_directory(candidate, ec)) return candidate;
    if (dir == dir.root_path()) break;
  }
  return {};
}

// Validates each JSON text against the schemas of its major version; "" when all are valid,
// else the validator's report.
std::string schema_failures(const std::vector<std::string>& objects, const std::string& tag) {
  const fs::path dir =
      fs::temp_directory_path() / ("wirefeed-ninjs-" + tag + "-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string cmd = "python3 " WIREFEED_SOURCE_DIR "/tests/support/validate_ninjs.py '" +
                    schema_dir().string() + "'";
  for (std::size_t i = 0; i < objects.size(); ++i) {
    const fs::path p = dir / (std::to_string(i) + ".json");
    std::ofstream(p) << objects[i];
    cmd += " '" + p.string() + "'";
  }
  const fs::path report = dir / "report.txt";
  cmd += " > '" + report.string() + "' 2>&1";
  const int rc = std::system(cmd.c_str());
  std::stringstream ss;
  ss << std::ifstream(report).rdbuf();
  fs::remove_all(dir);
  return rc == 0 ? std::string() : "exit " + std::to_string(rc) + ": " + ss.str();
}

v1::Story full_story() {
  v1::Story s;
  s.set_id("wf-00000000000000a1");
  auto* src = s.mutable_source();
  src->set_agency("examplewire");
  src->set_topic("wires.in");
  src->set_received_at("2026-03-02T10:15:00Z");
  src->set_item_id("ew-2026-0001");
  src->set_url("https://news.example.com/a/1");
  s.set_headline("Harbour authority opens third container terminal <early>");
  auto* v = s.mutable_version();
  v->set_family("wf-00000000000000f1");
  v->set_source_version("2");
  v->set_number(2);
  v->set_version_created("2026-03-02T10:14:00Z");
  v->set_first_created("2026-03-02T08:00:00Z");
  s.mutable_dateline()->set_location("PORT ELLEN");
  auto* c = s.add_contributors();
  c->set_name("Ana Lindqvist");
  c->set_role(v1::CONTRIBUTOR_ROLE_REPORTER);
  c = s.add_contributors();
  c->set_name("Tom Barre");
  c->set_role(v1::CONTRIBUTOR_ROLE_WRITER);
  s.add_paragraphs(
      "The harbour authority opened a third container terminal on Monday, adding "
      "capacity for 400,000 containers a year.");
  s.add_paragraphs("\"This is a good day for the island & its exporters,\" the director said.");
  s.set_language("en");
  s.set_word_count(29);
  s.add_editor_notes("Adds quote from the director");
  s.set_slugline("HARBOUR-TERMINAL");
  s.set_urgency(3);
  auto* sub = s.add_subjects();
  sub->set_code("medtop:04000000");
  sub->set_name("economy, business and finance");
  sub->set_scheme("medtop");
  auto* m = s.add_media();
  m->set_uri("https://img.example.com/terminal.jpg");
  m->set_type("picture");
  m->set_caption("Cranes at the new terminal on Monday.");
  m->set_credit("EXAMPLEWIRE/Jo Smith");
  auto* cap = s.add_captions();
  cap->set_text("Cranes at the new terminal on Monday.");
  cap->set_credit("EXAMPLEWIRE/Jo Smith");
  s.set_pub_status("usable");
  s.mutable_fingerprint()->set_content_hash("00112233445566778899aabbccddeeff");
  auto* rel = s.add_related();
  rel->set_story_id("wf-00000000000000b7");
  rel->set_why(v1::RELATED_WHY_POSSIBLE_DUPLICATE);
  return s;
}

v1::Record record_of(const v1::Story& s) {
  v1::Record r;
  *r.mutable_story() = s;
  return r;
}

v1::Record cancel_record() {
  v1::Story s;
  s.set_id("wf-00000000000000c3");
  s.set_headline("Harbour terminal story withdrawn");
  s.mutable_source()->set_received_at("2026-03-02T11:00:00Z");
  auto* v = s.mutable_version();
  v->set_family("wf-00000000000000f1");
  v->set_canceled(true);
  v->set_supersedes("wf-00000000000000a1");
  v->set_number(3);
  s.set_pub_status("canceled");
  return record_of(s);
}

v1::Record correction_record() {
  v1::Story s = full_story();
  s.set_id("wf-00000000000000c4");
  s.mutable_version()->add_tags("CORRECTED");
  s.mutable_version()->set_supersedes("wf-00000000000000a1");
  s.mutable_version()->set_source_version("3");
  s.mutable_version()->set_number(3);
  s.clear_related();
  return record_of(s);
}

v1::Record duplicate_record() {
  v1::Record r;
  auto* d = r.mutable_duplicate();
  d->set_id("wf-00000000000000d9");
  d->set_duplicate_of("wf-00000000000000a1");
  d->set_kind(v1::DUPLICATE_KIND_NEAR);
  d->set_similarity(0.93);
  d->mutable_source()->set_agency("otherwire");
  d->mutable_source()->set_received_at("2026-03-02T10:20:00Z");
  d->set_headline("Harbour authority opens new container terminal");
  d->mutable_evidence()->set_rule("near_agrees");
  return r;
}

v1::Record dead_letter_record() {
  v1::Record r;
  auto* d = r.mutable_dead_letter();
  d->set_id("wf-00000000000000e2");
  d->set_reason(v1::DEAD_LETTER_REASON_INVALID_UTF8);
  d->set_message("invalid UTF-8 at byte 12");
  d->mutable_source()->set_received_at("2026-03-02T10:21:00Z");
  d->set_original("\xff\xfe bad");
  return r;
}

std::vector<v1::Record> every_shape() {
  v1::Story minimal;
  minimal.set_id("wf-0000000000000012");
  minimal.add_paragraphs("One paragraph only.");
  return {record_of(full_story()), record_of(minimal), correction_record(),
          cancel_record(),         duplicate_record(), dead_letter_record()};
}

json parse(const std::string& s) { return json::parse(s); }

TEST(NinjsEncode, MapsStoryFieldsWithVersionSpecificNames) {
  const v1::Record r = record_of(full_story());
  const json j2 = parse(encode_ninjs(r, NinjsVersion::k2));
  const json j3 = parse(encode_ninjs(r, NinjsVersion::k3));
  EXPECT_EQ(j2["uri"], "urn:wirefeed:story:wf-00000000000000f1");  // the family, not the id
  EXPECT_EQ(j3["uri"], j2["uri"]);
  EXPECT_EQ(j2["version"], "2");
  EXPECT_EQ(j2["versioncreated"], "2026-03-02T10:14:00Z");
  EXPECT_EQ(j3["versionCreated"], "2026-03-02T10:14:00Z");
  EXPECT_EQ(j2["firstcreated"], "2026-03-02T08:00:00Z");
  EXPECT_EQ(j2["pubstatus"], "usable");
  EXPECT_EQ(j3["pubStatus"], "usable");
  EXPECT_FALSE(j3.contains("pubstatus"));
  EXPECT_EQ(j2["standard"]["version"], "2.1");
  EXPECT_EQ(j3["standard"]["version"], "3.0");
  EXPECT_EQ(j2["urgency"], 3);
  EXPECT_EQ(j2["language"], "en");
  EXPECT_EQ(j2["by"], "Ana Lindqvist and Tom Barre");
  EXPECT_EQ(j2["located"], "PORT ELLEN");
  EXPECT_EQ(j2["slugline"], "HARBOUR-TERMINAL");
  EXPECT_EQ(j2["ednote"], "Adds quote from the director");
  EXPECT_EQ(j3["edNote"], "Adds quote from the director");
  EXPECT_EQ(j2["subjects"][0]["uri"], "medtop:04000000");
  EXPECT_EQ(j2["bodies"][0]["contenttype"], "text/html");
  EXPECT_EQ(j3["bodies"][0]["contentType"], "text/html");
  EXPECT_NE(j2["bodies"][0]["value"].get<std::string>().find("island &amp; its exporters"),
            std::string::npos);
  EXPECT_EQ(j2["bodies"][0]["wordcount"], 29);
  // The story id and the source's own id are kept as alternative ids.
  EXPECT_EQ(j2["altids"][0]["value"], "wf-00000000000000a1");
  EXPECT_EQ(j3["altIds"][1]["value"], "ew-2026-0001");
  // A media association with its caption and credit, then the doubt link.
  ASSERT_EQ(j2["associations"].size(), 2u);
  EXPECT_EQ(j2["associations"][0]["type"], "picture");
  EXPECT_EQ(j2["associations"][0]["by"], "EXAMPLEWIRE/Jo Smith");
  EXPECT_EQ(j3["associations"][1]["rel"], "possible-duplicate");
  EXPECT_FALSE(j2["associations"][1].contains("rel"));  // 2.x associations have no rel
}

TEST(NinjsEncode, CancelAndDuplicateUseStatusAndLinks) {
  const json c = parse(encode_ninjs(cancel_record(), NinjsVersion::k3));
  EXPECT_EQ(c["pubStatus"], "canceled");
  EXPECT_EQ(c["uri"], "urn:wirefeed:story:wf-00000000000000f1");  // same object as the original
  EXPECT_EQ(c["version"], "4");
  ASSERT_EQ(c["associations"].size(), 1u);
  EXPECT_EQ(c["associations"][0]["rel"], "cancels");
  EXPECT_EQ(c["associations"][0]["uri"], "urn:wirefeed:story:wf-00000000000000a1");

  const json d = parse(encode_ninjs(duplicate_record(), NinjsVersion::k2));
  EXPECT_EQ(d["pubstatus"], "withheld");
  EXPECT_EQ(d["associations"][0]["name"], "duplicate-of");
  EXPECT_EQ(d["associations"][0]["uri"], "urn:wirefeed:story:wf-00000000000000a1");
  EXPECT_NE(d["ednote"].get<std::string>().find("near duplicate of wf-00000000000000a1"),
            std::string::npos);

  const json dl = parse(encode_ninjs(dead_letter_record(), NinjsVersion::k3));
  EXPECT_EQ(dl["pubStatus"], "withheld");
  EXPECT_NE(dl["edNote"].get<std::string>().find("DEAD_LETTER_REASON_INVALID_UTF8"),
            std::string::npos);
}

TEST(NinjsEncode, DeterministicAndKeyedLikeProtobuf) {
  for (const v1::Record& r : every_shape()) {
    const EncodedOutput pb = encode(r, "t", Encoding::kProtobuf);
    const EncodedOutput nj = encode(r, "t", Encoding::kNinjs3);
    EXPECT_EQ(pb.key, nj.key);
    EXPECT_EQ(pb.kind, nj.kind);
    EXPECT_EQ(nj.payload, encode(r, "t", Encoding::kNinjs3).payload);
    EXPECT_STREQ(nj.content_type, "application/json");
    EXPECT_STREQ(pb.content_type, "application/x-protobuf");
    EXPECT_EQ(pb.payload, encode(r, OutputTopics{"t", "t", "t"}).payload);
  }
}

// Our decoder reads our ninjs back into the same document fields.
TEST(NinjsEncode, DecoderReadsItBack) {
  const v1::Story s = full_story();
  for (const NinjsVersion v : {NinjsVersion::k2, NinjsVersion::k3}) {
    SCOPED_TRACE(ninjs_version_name(v));
    auto r = formats::decode_ninjs(encode_ninjs(record_of(s), v), formats::FormatLimits{});
    ASSERT_TRUE(std::holds_alternative<formats::StructuredDoc>(r))
        << std::get<formats::FormatError>(r).message;
    const auto& doc = std::get<formats::StructuredDoc>(r);
    EXPECT_EQ(doc.item_id, "urn:wirefeed:story:wf-00000000000000f1");
    EXPECT_EQ(doc.headline, s.headline());
    ASSERT_EQ(doc.paragraphs.size(), 2u);
    EXPECT_EQ(doc.paragraphs[0], s.paragraphs(0));
    EXPECT_EQ(doc.paragraphs[1], s.paragraphs(1));
    EXPECT_EQ(doc.byline, "Ana Lindqvist and Tom Barre");
    EXPECT_EQ(doc.dateline, "PORT ELLEN");
    EXPECT_EQ(doc.language, "en");
    EXPECT_EQ(doc.urgency, 3u);
    EXPECT_EQ(doc.slugline, "HARBOUR-TERMINAL");
    EXPECT_EQ(doc.pub_status, "usable");
    EXPECT_EQ(doc.source_version, "2");
    EXPECT_EQ(doc.version_created, "2026-03-02T10:14:00Z");
    EXPECT_EQ(doc.first_created, "2026-03-02T08:00:00Z");
    ASSERT_EQ(doc.subjects.size(), 1u);
    EXPECT_EQ(doc.subjects[0].code, "medtop:04000000");
    EXPECT_EQ(doc.subjects[0].scheme, "medtop");
    EXPECT_EQ(doc.subjects[0].name, "economy, business and finance");
    ASSERT_EQ(doc.ednotes.size(), 1u);
    EXPECT_EQ(doc.ednotes[0], "Adds quote from the director");
    ASSERT_EQ(doc.media.size(), 1u);  // links to other stories are not media
    EXPECT_EQ(doc.media[0].caption, "Cranes at the new terminal on Monday.");
    EXPECT_EQ(doc.media[0].credit, "EXAMPLEWIRE/Jo Smith");
    EXPECT_EQ(doc.media[0].uri, "https://img.example.com/terminal.jpg");
  }
  auto c = formats::decode_ninjs(encode_ninjs(cancel_record(), NinjsVersion::k2), {});
  ASSERT_TRUE(std::holds_alternative<formats::StructuredDoc>(c));
  EXPECT_TRUE(std::get<formats::StructuredDoc>(c).kill);
}

v1::Story process_one(const std::string& bytes, const std::string& content_type) {
  DedupIndex index({});
  const Processor processor(ProcessorConfig{}, index);
  InputMessage msg;
  msg.topic = "wires.in";
  msg.value = bytes;
  msg.headers.push_back({"content-type", content_type});
  msg.timestamp = Millis{std::chrono::milliseconds(1772446500000)};
  const ProcessResult r = processor.process(msg);
  EXPECT_EQ(r.records.size(), 1u);
  EXPECT_TRUE(r.records.at(0).has_story()) << record_to_json(r.records.at(0));
  return r.records.at(0).story();
}

// A story the pipeline made from a ninjs item, encoded as ninjs and processed again, comes out
// as the same Story content (in both ninjs versions).
TEST(NinjsEncode, PipelineRoundTripKeepsTheStory) {
  const std::string input = R"({
    "uri": "urn:example:item:77", "type": "text", "version": "2", "language": "en-GB",
    "versioncreated": "2026-03-02T09:30:00Z", "firstcreated": "2026-03-02T08:30:00Z",
    "pubstatus": "usable", "urgency": 2, "slugline": "RAIL-STRIKE",
    "headlines": [{"role": "main", "value": "Rail workers vote to strike over pay"}],
    "by": "Mira Okafor", "located": "LEEDS",
    "subjects": [{"name": "labour dispute", "uri": "medtop:20000653"}],
    "bodies": [{"contenttype": "text/html", "value":
      "<p>Rail workers voted on Tuesday to strike for two days next month over pay.</p><p>The union said 81 percent of members backed the action on a turnout of 64 percent.</p>"}],
    "associations": [{"name": "pic", "uri": "https://img.example.org/p.jpg", "type": "picture",
      "descriptions": [{"value": "Workers outside the depot."}], "by": "EXAMPLE/Lee Tran"}]
  })";
  const v1::Story first = process_one(input, "application/ninjs+json");
  ASSERT_EQ(first.paragraphs_size(), 2);
  std::vector<std::string> outputs;
  for (const NinjsVersion v : {NinjsVersion::k2, NinjsVersion::k3}) {
    SCOPED_TRACE(ninjs_version_name(v));
    const std::string ninjs = encode_ninjs(record_of(first), v);
    outputs.push_back(ninjs);
    const v1::Story again = process_one(ninjs, "application/json");
    EXPECT_EQ(again.headline(), first.headline());
    EXPECT_EQ(std::vector<std::string>(again.paragraphs().begin(), again.paragraphs().end()),
              std::vector<std::string>(first.paragraphs().begin(), first.paragraphs().end()));
    EXPECT_EQ(again.language(), first.language());
    EXPECT_EQ(again.urgency(), first.urgency());
    EXPECT_EQ(again.slugline(), first.slugline());
    EXPECT_EQ(again.pub_status(), first.pub_status());
    EXPECT_EQ(again.dateline().location(), first.dateline().location());
    EXPECT_EQ(again.word_count(), first.word_count());
    EXPECT_EQ(again.fingerprint().content_hash(), first.fingerprint().content_hash());
    ASSERT_EQ(again.contributors_size(), first.contributors_size());
    for (int i = 0; i < first.contributors_size(); ++i) {
      EXPECT_EQ(again.contributors(i).name(), first.contributors(i).name());
    }
    ASSERT_EQ(again.subjects_size(), first.subjects_size());
    EXPECT_EQ(again.subjects(0).code(), first.subjects(0).code());
    EXPECT_EQ(again.subjects(0).scheme(), first.subjects(0).scheme());
    ASSERT_EQ(again.captions_size(), first.captions_size());
    EXPECT_EQ(again.captions(0).text(), first.captions(0).text());
    EXPECT_EQ(again.captions(0).credit(), first.captions(0).credit());
    EXPECT_EQ(again.version().source_version(), first.version().source_version());
    EXPECT_EQ(again.version().version_created(), first.version().version_created());
    EXPECT_EQ(again.version().first_created(), first.version().first_created());
  }
  if (!schema_dir().empty()) {
    EXPECT_EQ(schema_failures(outputs, "roundtrip"), "");
  }
}

TEST(NinjsSchema, EveryShapeValidatesAgainstTheIptcSchemas) {
  const fs::path dir = schema_dir();
  if (dir.empty()) {
    GTEST_SKIP() << "no shared/samples/iptc/ninjs-schema beside the checkout";
  }
  std::vector<std::string> outputs;
  for (const v1::Record& r : every_shape()) {
    outputs.push_back(encode_ninjs(r, NinjsVersion::k2));
    outputs.push_back(encode_ninjs(r, NinjsVersion::k3));
  }
  EXPECT_EQ(schema_failures(outputs, "shapes"), "");
}

// The validator can fail: an object the schema refuses is reported.
TEST(NinjsSchema, ValidatorRefusesAnInvalidObject) {
  if (schema_dir().empty()) {
    GTEST_SKIP() << "no shared/samples/iptc/ninjs-schema beside the checkout";
  }
  json j = parse(encode_ninjs(record_of(full_story()), NinjsVersion::k3));
  j["pubStatus"] = "published";  // not in the enum
  j["urgency"] = 12;             // out of range in 3.x
  const std::string report = schema_failures({j.dump()}, "invalid");
  EXPECT_NE(report.find("pubStatus"), std::string::npos) << report;
  json k = parse(encode_ninjs(record_of(full_story()), NinjsVersion::k2));
  k["versionCreated"] = "2026-03-02T10:14:00Z";  // a 3.x name in a 2.x object
  EXPECT_NE(schema_failures({k.dump()}, "invalid2"), "");
}

}  // namespace
}  // namespace wirefeed::pipeline
