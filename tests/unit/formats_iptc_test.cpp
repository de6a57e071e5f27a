// Every item in the IPTC's published ninjs and NewsML examples (shared/samples/iptc/examples beside
// the checkout, MIT licensed, read in place and never copied into the repo) goes through the real
// decode stage and processor: text items become Stories whose headline, body, version and
// language match what the file says (read here independently with a JSON parser / plain string
// search); pictures, videos, audio and events are refused as unsupported, never crash. The same
// checks always run on the repository's own items of the same shapes (tests/data/iptc).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "pipeline/formats/text_util.hpp"
#include "pipeline/processor.hpp"
#include "pipeline/text/ascii.hpp"

namespace wirefeed::pipeline {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// shared/samples/iptc/examples in the nearest directory above the repository root that has one
// (the shared/ folder beside the checkout, also found from a git worktree nested deeper);
// WIREFEED_SHARED_DIR names the shared/ folder instead. Empty when there is none. Only the
// published examples: the ninjs test suite beside them holds schema cases, not stories.
fs::path samples_dir() {
  if (const char* shared = std::getenv("WIREFEED_SHARED_DIR"); shared != nullptr && *shared) {
    return fs::path(shared) / "samples" / "iptc" / "examples";
  }
  std::error_code ec;
  for (fs::path dir = fs::weakly_canonical(WIREFEED_SOURCE_DIR, ec).parent_path(); !dir.empty();
       dir = dir.parent_path()) {
    const fs::path candidate = dir / "shared" / "samples" / "iptc" / "examples";
    if (fs::is_directory(candidate, ec)) return candidate;
    if (dir == dir.root_path()) break;
  }
  return {};
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const json* field(const json& j, std::string_view key) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (pipeline::text::iequals(it.key(), key)) return &it.value();
  }
  return nullptr;
}

std::string string_field(const json& j, std::string_view key) {
  const json* v = field(j, key);
  if (v == nullptr) return {};
  if (v->is_string()) return v->get<std::string>();
  if (v->is_number()) return v->dump();
  return {};
}

std::string expected_headline(const json& j) {
  if (const json* hs = field(j, "headlines"); hs != nullptr && hs->is_array()) {
    for (const json& h : *hs) {
      if (h.value("role", "") == "main") return h.value("value", "");
    }
    if (!hs->empty()) return (*hs)[0].value("value", "");
  }
  return string_field(j, "headline");
}

// The text between <tag ...> and </tag> of the first occurrence, whitespace collapsed.
std::string first_element(const std::string& xml, const std::string& tag) {
  const std::size_t open = xml.find("<" + tag);
  if (open == std::string::npos) return {};
  const std::size_t start = xml.find('>', open);
  const std::size_t end = xml.find("</" + tag + ">", start);
  if (start == std::string::npos || end == std::string::npos) return {};
  return pipeline::formats::collapse_space(xml.substr(start + 1, end - start - 1));
}

std::string first_attr(const std::string& xml, const std::string& tag, const std::string& attr) {
  const std::size_t open = xml.find("<" + tag);
  if (open == std::string::npos) return {};
  const std::size_t a = xml.find(attr + "=\"", open);
  if (a == std::string::npos) return {};
  const std::size_t s = a + attr.size() + 2;
  return xml.substr(s, xml.find('"', s) - s);
}

v1::Record process_file(const fs::path& p) {
  pipeline::DedupIndex index({});
  const Processor processor(ProcessorConfig{}, index);
  pipeline::InputMessage msg;
  msg.topic = p.string();
  msg.value = slurp(p);
  auto r = processor.process(msg);
  EXPECT_EQ(r.records.size(), 1u);
  return r.records.empty() ? v1::Record{} : r.records[0];
}

struct Counts {
  int text_items = 0;
  int refused = 0;
};

// Runs every ninjs (.json) and NewsML 1.x (.xml) item under `dir` through the processor and
// checks each record against the file.
Counts check_items(const fs::path& dir) {
  int text_items = 0, refused = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const fs::path p = e.path();
    SCOPED_TRACE(p.string());
    if (p.extension() == ".json") {
      const json j = json::parse(slurp(p), nullptr, false);
      if (!j.is_object() || field(j, "uri") == nullptr) continue;  // schemas, collections
      const std::string type = string_field(j, "type");
      const v1::Record rec = process_file(p);
      if (type != "text" && type != "composite") {
        if (!type.empty()) {
          EXPECT_TRUE(rec.has_dead_letter()) << type;
          EXPECT_EQ(rec.dead_letter().reason(), v1::DEAD_LETTER_REASON_UNSUPPORTED_DOCUMENT);
          ++refused;
        }
        continue;
      }
      ++text_items;
      EXPECT_TRUE(rec.has_story()) << rec.DebugString();
      const v1::Story& s = rec.story();
      EXPECT_EQ(s.source().format(), "ninjs");
      EXPECT_EQ(s.source().item_id(), string_field(j, "uri"));
      EXPECT_EQ(s.headline(), pipeline::formats::collapse_space(expected_headline(j)));
      EXPECT_EQ(s.version().source_version(), string_field(j, "version"));
      const std::string lang = string_field(j, "language");
      if (!lang.empty()) {
        EXPECT_EQ(s.language(), lang.substr(0, lang.find('-')));
      }
      EXPECT_GT(s.paragraphs_size(), 0);
      // The longest paragraph's opening words come from the file (bodies, body_text/xhtml or
      // descriptions): the body is the item's, not its metadata.
      std::string longest;
      for (const std::string& para : s.paragraphs()) {
        if (para.size() > longest.size()) longest = para;
      }
      const std::string opening = longest.substr(0, longest.find(' '));
      EXPECT_NE(pipeline::formats::collapse_space(j.dump(-1, ' ', false)).find(opening),
                std::string::npos)
          << opening;
    } else if (p.extension() == ".xml") {
      const std::string xml = slurp(p);
      const v1::Record rec = process_file(p);
      ++text_items;
      EXPECT_TRUE(rec.has_story()) << rec.DebugString();
      const v1::Story& s = rec.story();
      EXPECT_EQ(s.source().format(), "newsml-1");
      EXPECT_EQ(s.headline(), first_element(xml, "HeadLine"));
      EXPECT_EQ(s.version().source_version(), first_element(xml, "RevisionId"));
      EXPECT_EQ(s.version().version_created().empty(), false);
      EXPECT_EQ(s.language(), first_attr(xml, "Language", "FormalName"));
      EXPECT_EQ(s.source().item_id(), "urn:newsml:" + first_element(xml, "ProviderId") + ":" +
                                          first_element(xml, "DateId") + ":" +
                                          first_element(xml, "NewsItemId"));
      EXPECT_GT(s.paragraphs_size(), 1);
    }
  }
  return Counts{text_items, refused};
}

TEST(FormatsIptcSamples, RepositoryItemsDecode) {
  const Counts n = check_items(fs::path(WIREFEED_SOURCE_DIR) / "tests" / "data" / "iptc");
  EXPECT_EQ(n.text_items, 3);  // two ninjs texts, one NewsML 1.x
  EXPECT_EQ(n.refused, 1);     // the ninjs picture
}

TEST(FormatsIptcSamples, EveryTextItemDecodes) {
  const fs::path dir = samples_dir();
  if (dir.empty()) GTEST_SKIP() << "IPTC samples (shared/samples/iptc) not found";
  const Counts n = check_items(dir);
  std::cout << "IPTC samples: " << n.text_items << " text items decoded, " << n.refused
            << " non-text items refused\n";
  EXPECT_GE(n.text_items, 20);
}

}  // namespace
}  // namespace wirefeed::pipeline
