// Cleaning rules as data: the rule packs of pipeline/rules/cleaning.yaml (embedded into the
// binary at build time) plus an optional newsroom file, compiled into fast matchers.
//
// Invariants:
// - A CleanRules is immutable once compiled; it is shared (shared_ptr<const>) between threads
//   and swapped as a whole on reload, so a story is always cleaned with one consistent rule set.
// - Compiling never half-succeeds: a malformed file throws RuleError naming the file, the line
//   (1-based) and the rule id or key, and nothing is returned.
// - Matchers are first-byte dispatch tables and hash sets; no regular expressions. Every rule
//   matches a whole line or an anchored span (see cleaning.yaml).
// - Rule ids are unique across the merged set (a newsroom rule with an existing id replaces it).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pipeline/clean.hpp"

namespace wirefeed::pipeline {

struct RuleError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class LineMatch : uint8_t {
  kExact,     // whitespace-collapsed line equals `text` (ASCII case-insensitive)
  kPrefix,    // line starts with `text` (case-sensitive) at a word boundary
  kSuffix,    // line ends with `text` (ASCII case-insensitive), holds no sentence
  kWrapped,   // line starts with `text` and ends with `closer`
  kContains,  // a line of at most max_len bytes holds `text` (case-sensitive)
  kInitials,  // desk initials only: [a-z]{1,5} groups joined by '/' or '-', at least one '/'
};

struct LineRule {
  std::string id;
  LineMatch match = LineMatch::kExact;
  std::string text;
  std::string closer;  // kWrapped only
  std::size_t max_len = 200;
  bool drops_list = false;
};

struct SpanRule {  // a link hint glued to the word before it; a sign-off token ending a paragraph
  std::string id;
  std::string text;
};

struct CreditRule {
  std::string id;
  std::string marker;
  bool distinctive = true;  // false: must follow a sentence end ("Photo: ")
};

struct HeadlineTagRule {
  std::string id;
  std::string tag;
  bool number_is_version = false;  // "UPDATE 2-" sets version_number = 2
};

// A paragraph that opens with `prefix` is an editor's note ("Eds: ...", "This story has been
// corrected to show ..."). keep_label: the note keeps the prefix (a sentence), else it is dropped
// (a label).
struct NoteRule {
  std::string id;
  std::string prefix;
  bool keep_label = false;
};

struct RoleRule {
  std::string id;
  std::string phrase;
  ContributorRole role = ContributorRole::kReporter;
};

// A compiled "does this text hold `needle`" test (Boyer-Moore-Horspool): it looks at the byte
// under the end of the needle and skips up to the needle's length (at most 255) when that byte
// cannot end a match, so a line is read a few bytes per needle length, not byte by byte.
struct SubstringSearch {
  std::string needle;  // non-empty
  std::array<uint8_t, 256> skip{};
  explicit SubstringSearch(std::string text);
  bool found_in(std::string_view s) const;
};

// The merged rule set as written (before compilation), in file order.
struct RuleSet {
  std::vector<LineRule> lines;
  std::vector<SpanRule> glued_spans;
  std::vector<SpanRule> tail_tokens;  // "(ANSA)." closing a paragraph after its last sentence
  std::vector<CreditRule> caption_credits;
  std::vector<std::string> caption_chrome;
  std::vector<HeadlineTagRule> headline_tags;
  std::vector<std::string> advisory_verbs;
  std::vector<NoteRule> note_lines;
  std::vector<RoleRule> roles;
  std::vector<std::string> speech_verbs;
  std::vector<std::pair<std::string, unsigned>> months;  // folded name -> 1..12
  std::vector<std::string> regions;  // states/provinces/countries after a comma in a place
};

struct CleanRules {
  RuleSet set;
  std::string origin;  // "embedded" or "embedded + /etc/wirefeed/rules.yaml"

  // ---- compiled matchers (built by compile_rules) ----
  std::unordered_map<std::string, uint32_t> exact;  // folded, blank-collapsed text -> line rule
  std::size_t exact_max_len = 0;
  std::size_t exact_key_max = 0;                          // longest key in `exact` (bytes)
  std::array<std::vector<uint32_t>, 256> prefix_by_byte;  // first byte -> line rules
  std::array<std::vector<uint32_t>, 256> suffix_by_byte;  // folded last byte -> line rules
  std::array<std::vector<uint32_t>, 256> wrapped_by_byte;
  std::vector<uint32_t> initials;                // kInitials rules
  std::vector<uint32_t> contains;                // kContains rules
  std::vector<SubstringSearch> contains_search;  // parallel to `contains`
  std::size_t contains_max_len = 0;
  std::array<std::vector<uint32_t>, 256> credit_by_byte;  // first byte -> caption_credits
  std::array<std::vector<uint32_t>, 256> tag_by_byte;     // first byte -> headline_tags
  std::array<std::vector<uint32_t>, 256> role_by_byte;    // folded first byte -> roles
  std::array<std::vector<uint32_t>, 256> note_by_byte;    // first byte -> note_lines
  std::unordered_map<std::string, unsigned> month_by_name;
  std::size_t month_max_len = 0;
  std::vector<std::string> speech_verbs;  // sorted
  std::vector<std::string> regions;       // sorted
  std::vector<std::string> advisory_verbs;
  std::vector<SubstringSearch> glued_search;  // parallel to set.glued_spans
};

// The rules compiled from the embedded cleaning.yaml; built once, on first use.
std::shared_ptr<const CleanRules> default_clean_rules();

// Parses `yaml_text` (the cleaning.yaml schema) and applies it on top of `base` (nullptr: no
// base). `origin` names the text in errors. Throws RuleError.
std::shared_ptr<const CleanRules> compile_clean_rules(std::string_view yaml_text,
                                                      std::string_view origin,
                                                      const CleanRules* base);

// The default rules plus the newsroom file at `path` ("" = the defaults). Throws RuleError when
// the file cannot be read or is invalid.
std::shared_ptr<const CleanRules> load_clean_rules(const std::filesystem::path& path);

// The embedded cleaning.yaml text (generated at build time).
std::string_view embedded_cleaning_yaml();

// ASCII lower-case plus Latin-1 capitals (UTF-8 C3 80..9E) folded to small letters.
std::string fold_case(std::string_view s);

}  // namespace wirefeed::pipeline
