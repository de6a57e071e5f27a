// Clean/extract stage: raw wire-story text -> structured CleanStory.
//
// Invariants:
// - Pure and deterministic: the output depends only on the text and CleanContext (no clock,
//   no globals, no I/O). The same input always yields the same CleanStory.
// - Never throws on any input and runs in time linear in the input size (no backtracking
//   scanners, no regular-expression engine).
// - Input is valid UTF-8 (the decode stage guarantees it); output strings are valid UTF-8.
// - Boilerplate removal matches whole lines or anchored spans only; it never eats a sentence.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wirefeed::pipeline {

struct Dateline {
  std::string location;  // as sent, e.g. "WASHINGTON", "PORTLAND, Ore."
  std::string date;      // "YYYY-MM-DD" (year from CleanContext::received_at), "" if no date
  std::string agency;    // "Reuters", "AP", "AFP" or ""
  bool operator==(const Dateline&) const = default;
};

enum class ContributorRole { kReporter, kWriter, kEditor, kAdditionalReporting, kPhotographer };

struct Contributor {
  std::string name;
  ContributorRole role = ContributorRole::kReporter;
  std::string location;  // "Minneapolis" from "Reporting by X in Minneapolis", else ""
  std::string title{};   // "AP Sports Writer": the byline's title as sent, else ""
  bool operator==(const Contributor&) const = default;
};

struct Caption {
  std::string text;
  std::string credit;  // "REUTERS/Kevin Lamarque"
  bool operator==(const Caption&) const = default;
};

// A quotation with an explicit attribution: “…,” Sullivan said / "…," said Sullivan /
// Sullivan said: "…". `paragraph` is the 0-based index into CleanStory::paragraphs.
struct Quote {
  std::string text;
  std::string speaker;
  uint32_t paragraph = 0;
  bool operator==(const Quote&) const = default;
};

struct CleanStory {
  std::string headline;                   // tags removed, casing as sent
  std::vector<std::string> version_tags;  // "UPDATE 1", "REFILE", "CORRECTED", "EXCLUSIVE", ...
  uint32_t version_number = 0;            // n from "UPDATE n", else 0
  bool headline_all_caps = false;
  Dateline dateline;
  std::vector<Contributor> contributors;
  std::vector<std::string> paragraphs;  // clean body paragraphs, in order
  std::vector<Caption> captions;
  std::vector<std::string> editor_notes;  // "(Adds ...)" advisories
  std::vector<Quote> quotes;              // explicitly attributed quotes (text stays in paragraphs)
  std::string language;                   // ISO 639-1 ("en"), "" when unknown
  uint32_t word_count = 0;                // words in paragraphs
  uint32_t boilerplate_removed = 0;       // boilerplate lines/spans removed
  uint32_t learned_chrome_removed = 0;    // of those: lines removed as learned chrome
};

struct CleanRules;      // pipeline/clean_rules.hpp
class LearnedChrome;    // pipeline/clean/chrome_learner.hpp
struct ChromeSighting;  // pipeline/clean/chrome_learner.hpp

// One span a rule removed or extracted, for `wirefeed process --explain`.
struct ExplainEntry {
  std::string rule;    // rule id from the rules file ("reuters.read-more-insert"), or the built-in
                       // extractor ("dateline", "byline", "signoff:<role rule id>", "quote")
  std::string field;   // where the span went: "removed", "headline.tags", "dateline",
                       // "contributors", "captions", "editor_notes", "quotes"
  std::string text;    // the span as it appeared (after character normalisation)
  uint32_t count = 0;  // a learned line: the distinct stories that made it chrome
  bool operator==(const ExplainEntry&) const = default;
};

struct CleanContext {
  // When the story was received; resolves the dateline's year (a "Dec 31" dateline received
  // on Jan 1 belongs to the previous year).
  std::chrono::sys_seconds received_at{};
  // Rules to clean with; nullptr = the embedded defaults (default_clean_rules()).
  const CleanRules* rules = nullptr;
  // When set, every removed or extracted span is appended here (costs time; CLI --explain).
  std::vector<ExplainEntry>* explain = nullptr;
  // Lines learned as page chrome for the story's source (nullptr = none): removed like
  // boilerplate when they stand alone.
  const LearnedChrome* learned = nullptr;
  // When set, receives the story's candidate chrome lines for a ChromeLearner.
  ChromeSighting* sighting = nullptr;
};

CleanStory clean_story(std::string_view utf8_text, const CleanContext& ctx);

}  // namespace wirefeed::pipeline
