// Story corpus tests: every tests/data/stories/NAME.txt is cleaned with clean_story() and compared
// field by field with its hand-written NAME.golden.json (format: tests/data/stories/README.md),
// plus property tests over the whole corpus and a per-field accuracy report.
//
// Invariants:
// - Goldens are written by hand from the spec; nothing here ever writes a golden.
// - A field mismatch fails the test unless "STORY FIELD" is listed in
//   tests/data/stories/KNOWN_FAILURES; a listed pair that now matches also fails (the list only
//   shrinks), and so does a listed story or field that does not exist.
// - Property tests (idempotence, no lost sentence, no empty paragraph) need no golden.
// - Accuracy report: `wirefeed_unit_tests --gtest_filter='CorpusAccuracy.*'` prints
//   "field: matched/total" for every field over the corpus.
//
// QUOTES HOOK: CleanStory has no `quotes` member yet. quotes_of() below is the ONE place that
// reads it: it detects `CleanStory::quotes` (elements with text, speaker, paragraph) at compile
// time, so this file compiles against today's clean.hpp, the "quotes" field is reported as
// skipped, and the comparison (goldens, idempotence, accuracy) switches on by itself once the
// engine adds `std::vector<Quote> quotes` to CleanStory. Nothing else needs to change.
#include <gtest/gtest.h>

#include <cctype>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pipeline/clean.hpp"
#include "pipeline/decode.hpp"
#include "pipeline/structured.hpp"
#include "tests/support/harness.hpp"

namespace wirefeed::pipeline {
namespace {

namespace fs = std::filesystem;
// Goldens are read with nlohmann::json (protobuf's Struct map crashes under TSan when the
// library itself is not instrumented).
using Value = nlohmann::json;

const fs::path kCorpusDir = fs::path(WIREFEED_SOURCE_DIR) / "tests" / "data" / "stories";

std::string slurp(const fs::path& p) {
  std::ifstream f{p, std::ios::binary};
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// ---- golden model --------------------------------------------------------------------------

struct GoldenQuote {
  std::string text;
  std::string speaker;
  uint32_t paragraph = 0;
  bool operator==(const GoldenQuote&) const = default;
};

struct Golden {
  std::chrono::sys_seconds received_at{};
  std::string headline;
  std::vector<std::string> version_tags;
  uint32_t version_number = 0;
  bool headline_all_caps = false;
  Dateline dateline;
  std::vector<Contributor> contributors;
  std::vector<Caption> captions;
  std::vector<std::string> editor_notes;
  std::vector<std::string> paragraphs;
  std::vector<GoldenQuote> quotes;
  std::string language;
  std::optional<uint32_t> boilerplate_exact;
  uint32_t boilerplate_min = 0;
};

// Every field the corpus reports on, in report order. KNOWN_FAILURES uses these names.
constexpr std::array<std::string_view, 14> kFields{
    "headline",      "version_tags",    "version_number", "headline_all_caps",  "dateline.location",
    "dateline.date", "dateline.agency", "contributors",   "captions",           "editor_notes",
    "paragraphs",    "quotes",          "language",       "boilerplate_removed"};

std::optional<ContributorRole> role_from(std::string_view s) {
  for (ContributorRole r :
       {ContributorRole::kReporter, ContributorRole::kWriter, ContributorRole::kEditor,
        ContributorRole::kAdditionalReporting, ContributorRole::kPhotographer}) {
    if (s == testing::role_name(r)) return r;
  }
  return std::nullopt;
}

// "2023-11-12T18:00:00Z" (UTC only; the corpus uses no offsets).
std::optional<std::chrono::sys_seconds> parse_rfc3339(std::string_view s) {
  int y = 0;
  unsigned mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (s.size() != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
      s[16] != ':' || s[19] != 'Z') {
    return std::nullopt;
  }
  auto num = [&](size_t pos, size_t len) {
    unsigned v = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return ~0u;
      v = v * 10 + static_cast<unsigned>(s[i] - '0');
    }
    return v;
  };
  y = static_cast<int>(num(0, 4));
  mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2), se = num(17, 2);
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{mo},
                                        std::chrono::day{d}};
  if (!ymd.ok() || h > 23 || mi > 59 || se > 59) return std::nullopt;
  return std::chrono::sys_seconds{std::chrono::sys_days{ymd}} + std::chrono::hours{h} +
         std::chrono::minutes{mi} + std::chrono::seconds{se};
}

// Parses a golden file; returns an error message (empty on success).
std::string parse_golden(const std::string& json, Golden& g) {
  const Value root = Value::parse(json, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return "JSON does not parse";
  if (!root.is_object()) return "top level is not an object";
  const Value& f = root;
  static const std::set<std::string> kKnown{"received_at",
                                            "headline",
                                            "version_tags",
                                            "version_number",
                                            "headline_all_caps",
                                            "dateline",
                                            "contributors",
                                            "captions",
                                            "editor_notes",
                                            "paragraphs",
                                            "quotes",
                                            "language",
                                            "boilerplate_removed",
                                            "boilerplate_removed_min",
                                            "comment"};
  for (const auto& [k, v] : f.items()) {
    if (!kKnown.contains(k)) return "unknown key \"" + k + "\"";
  }
  for (const char* k : {"received_at", "headline", "version_tags", "version_number",
                        "headline_all_caps", "dateline", "contributors", "captions", "editor_notes",
                        "paragraphs", "quotes", "language"}) {
    if (!f.contains(k)) return std::string("missing key \"") + k + "\"";
  }
  if (f.contains("boilerplate_removed") == f.contains("boilerplate_removed_min")) {
    return "exactly one of boilerplate_removed / boilerplate_removed_min is required";
  }
  auto str = [&](const Value& v, std::string& out, const char* what) -> std::string {
    if (!v.is_string()) return std::string(what) + " is not a string";
    out = v.get<std::string>();
    return "";
  };
  auto uint = [&](const Value& v, uint32_t& out, const char* what) -> std::string {
    if (!v.is_number() || v.get<double>() < 0 ||
        v.get<double>() != static_cast<double>(static_cast<uint32_t>(v.get<double>()))) {
      return std::string(what) + " is not a non-negative integer";
    }
    out = static_cast<uint32_t>(v.get<double>());
    return "";
  };
  auto str_list = [&](const Value& v, std::vector<std::string>& out,
                      const char* what) -> std::string {
    if (!v.is_array()) return std::string(what) + " is not a list";
    for (const auto& e : v) {
      std::string s;
      if (auto e2 = str(e, s, what); !e2.empty()) return e2;
      out.push_back(std::move(s));
    }
    return "";
  };
  auto obj = [](const Value& v) -> const Value* { return v.is_object() ? &v : nullptr; };
  std::string err;
  std::string received;
  if (err = str(f.at("received_at"), received, "received_at"); !err.empty()) return err;
  const auto at = parse_rfc3339(received);
  if (!at) return "received_at is not YYYY-MM-DDTHH:MM:SSZ";
  g.received_at = *at;
  if (err = str(f.at("headline"), g.headline, "headline"); !err.empty()) return err;
  if (err = str_list(f.at("version_tags"), g.version_tags, "version_tags"); !err.empty()) {
    return err;
  }
  if (err = uint(f.at("version_number"), g.version_number, "version_number"); !err.empty()) {
    return err;
  }
  if (!f.at("headline_all_caps").is_boolean()) return "headline_all_caps is not a bool";
  g.headline_all_caps = f.at("headline_all_caps").get<bool>();
  const auto* dl = obj(f.at("dateline"));
  if (dl == nullptr || dl->size() != 3 || !dl->contains("location") || !dl->contains("date") ||
      !dl->contains("agency")) {
    return "dateline must be {location, date, agency}";
  }
  if (err = str(dl->at("location"), g.dateline.location, "dateline.location"); !err.empty()) {
    return err;
  }
  if (err = str(dl->at("date"), g.dateline.date, "dateline.date"); !err.empty()) return err;
  if (err = str(dl->at("agency"), g.dateline.agency, "dateline.agency"); !err.empty()) return err;
  if (!f.at("contributors").is_array()) return "contributors is not a list";
  for (const auto& e : f.at("contributors")) {
    const auto* c = obj(e);
    if (c == nullptr || c->size() != 3 + (c->contains("title") ? 1u : 0u) || !c->contains("name") ||
        !c->contains("role") || !c->contains("location")) {
      return "contributor must be {name, role, location[, title]}";
    }
    Contributor out;
    std::string role;
    if (err = str(c->at("name"), out.name, "contributor.name"); !err.empty()) return err;
    if (err = str(c->at("role"), role, "contributor.role"); !err.empty()) return err;
    if (err = str(c->at("location"), out.location, "contributor.location"); !err.empty()) {
      return err;
    }
    if (c->contains("title")) {
      if (err = str(c->at("title"), out.title, "contributor.title"); !err.empty()) return err;
    }
    const auto r = role_from(role);
    if (!r) return "unknown contributor role \"" + role + "\"";
    out.role = *r;
    g.contributors.push_back(std::move(out));
  }
  if (!f.at("captions").is_array()) return "captions is not a list";
  for (const auto& e : f.at("captions")) {
    const auto* c = obj(e);
    if (c == nullptr || c->size() != 2 || !c->contains("text") || !c->contains("credit")) {
      return "caption must be {text, credit}";
    }
    Caption out;
    if (err = str(c->at("text"), out.text, "caption.text"); !err.empty()) return err;
    if (err = str(c->at("credit"), out.credit, "caption.credit"); !err.empty()) return err;
    g.captions.push_back(std::move(out));
  }
  if (err = str_list(f.at("editor_notes"), g.editor_notes, "editor_notes"); !err.empty()) {
    return err;
  }
  if (err = str_list(f.at("paragraphs"), g.paragraphs, "paragraphs"); !err.empty()) return err;
  if (!f.at("quotes").is_array()) return "quotes is not a list";
  for (const auto& e : f.at("quotes")) {
    const auto* q = obj(e);
    if (q == nullptr || q->size() != 3 || !q->contains("text") || !q->contains("speaker") ||
        !q->contains("paragraph")) {
      return "quote must be {text, speaker, paragraph}";
    }
    GoldenQuote out;
    if (err = str(q->at("text"), out.text, "quote.text"); !err.empty()) return err;
    if (err = str(q->at("speaker"), out.speaker, "quote.speaker"); !err.empty()) return err;
    if (err = uint(q->at("paragraph"), out.paragraph, "quote.paragraph"); !err.empty()) {
      return err;
    }
    if (out.paragraph >= g.paragraphs.size()) return "quote.paragraph out of range";
    if (g.paragraphs[out.paragraph].find(out.text) == std::string::npos) {
      return "quote text not found in its paragraph: " + out.text;
    }
    g.quotes.push_back(std::move(out));
  }
  if (err = str(f.at("language"), g.language, "language"); !err.empty()) return err;
  if (f.contains("boilerplate_removed")) {
    uint32_t n = 0;
    if (err = uint(f.at("boilerplate_removed"), n, "boilerplate_removed"); !err.empty()) {
      return err;
    }
    g.boilerplate_exact = n;
  } else if (err = uint(f.at("boilerplate_removed_min"), g.boilerplate_min,
                        "boilerplate_removed_min");
             !err.empty()) {
    return err;
  }
  return "";
}

// ---- QUOTES HOOK (see the top of the file) -------------------------------------------------
// The only function that touches CleanStory::quotes. nullopt while the member does not exist.
template <typename Story>
std::optional<std::vector<GoldenQuote>> quotes_of(const Story& s) {
  if constexpr (requires { s.quotes; }) {
    std::vector<GoldenQuote> out;
    for (const auto& q : s.quotes) {
      out.push_back(GoldenQuote{std::string(q.text), std::string(q.speaker),
                                static_cast<uint32_t>(q.paragraph)});
    }
    return out;
  } else {
    return std::nullopt;
  }
}

// ---- corpus and known failures -------------------------------------------------------------

struct StoryFiles {
  std::string name;  // file stem, e.g. "reuters-web-biden-china"
  fs::path raw;
  fs::path golden;
};

// gtest prints the parameter of a failing test with this (not as raw bytes).
void PrintTo(const StoryFiles& s, std::ostream* os) { *os << s.name; }

std::vector<StoryFiles> list_corpus() {
  std::vector<StoryFiles> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(kCorpusDir, ec)) {
    const std::string file = e.path().filename().string();
    constexpr std::string_view kSuffix = ".golden.json";
    if (!file.ends_with(kSuffix)) continue;
    const std::string name = file.substr(0, file.size() - kSuffix.size());
    out.push_back({name, kCorpusDir / (name + ".txt"), e.path()});
  }
  std::sort(out.begin(), out.end(),
            [](const StoryFiles& a, const StoryFiles& b) { return a.name < b.name; });
  return out;
}

using KnownFailures = std::set<std::pair<std::string, std::string>>;

// One "STORY FIELD" pair per line; '#' starts a comment. `errors` collects malformed lines.
KnownFailures load_known_failures(std::vector<std::string>* errors = nullptr) {
  KnownFailures out;
  std::istringstream in{slurp(kCorpusDir / "KNOWN_FAILURES")};
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream ls{line};
    std::string story, field, extra;
    if (!(ls >> story)) continue;
    if (!(ls >> field) || (ls >> extra)) {
      if (errors != nullptr) errors->push_back("line " + std::to_string(n) + ": " + line);
      continue;
    }
    if (!out.emplace(story, field).second && errors != nullptr) {
      errors->push_back("line " + std::to_string(n) + " is a duplicate: " + line);
    }
  }
  return out;
}

// ---- field comparison ----------------------------------------------------------------------

enum class Outcome { kMatch, kMismatch, kSkipped };

struct FieldResult {
  Outcome outcome = Outcome::kMatch;
  std::string diff;  // human-readable, empty on match
};

std::string show(std::string_view s) { return "\"" + std::string(s) + "\""; }

FieldResult cmp_string(std::string_view want, std::string_view got) {
  if (want == got) return {};
  size_t i = 0;
  while (i < want.size() && i < got.size() && want[i] == got[i]) ++i;
  return {Outcome::kMismatch, "\n    want " + show(want) + "\n    got  " + show(got) +
                                  "\n    (first difference at byte " + std::to_string(i) + ")"};
}

template <typename T>
FieldResult cmp_value(const T& want, const T& got) {
  if (want == got) return {};
  std::ostringstream o;
  o << "want " << want << ", got " << got;
  return {Outcome::kMismatch, o.str()};
}

template <typename T, typename Show>
FieldResult cmp_list(const std::vector<T>& want, const std::vector<T>& got, Show show_item) {
  if (want == got) return {};
  std::ostringstream o;
  o << "want " << want.size() << " items, got " << got.size();
  const size_t n = std::max(want.size(), got.size());
  int shown = 0;
  for (size_t i = 0; i < n && shown < 8; ++i) {
    const bool has_w = i < want.size(), has_g = i < got.size();
    if (has_w && has_g && want[i] == got[i]) continue;
    ++shown;
    o << "\n    [" << i << "] want " << (has_w ? show_item(want[i]) : std::string("(none)"))
      << "\n    [" << i << "] got  " << (has_g ? show_item(got[i]) : std::string("(none)"));
  }
  return {Outcome::kMismatch, o.str()};
}

std::string show_contributor(const Contributor& c) {
  return std::string(testing::role_name(c.role)) + " | " + show(c.name) + " | " + show(c.location) +
         (c.title.empty() ? "" : " | " + show(c.title));
}

std::string show_caption(const Caption& c) { return show(c.credit) + " | " + show(c.text); }

std::string show_quote(const GoldenQuote& q) {
  return show(q.speaker) + " (paragraph " + std::to_string(q.paragraph) + ") | " + show(q.text);
}

// Contributors are compared as a multiset: the order of a byline, a caption credit and a
// sign-off naming the same people is not part of the spec.
std::vector<Contributor> sorted(std::vector<Contributor> v) {
  std::sort(v.begin(), v.end(), [](const Contributor& a, const Contributor& b) {
    return std::tuple(static_cast<int>(a.role), a.name, a.location) <
           std::tuple(static_cast<int>(b.role), b.name, b.location);
  });
  return v;
}

std::map<std::string, FieldResult, std::less<>> compare(const Golden& g, const CleanStory& s) {
  std::map<std::string, FieldResult, std::less<>> r;
  r["headline"] = cmp_string(g.headline, s.headline);
  r["version_tags"] = cmp_list(g.version_tags, s.version_tags, show);
  r["version_number"] = cmp_value(g.version_number, s.version_number);
  r["headline_all_caps"] = cmp_value(g.headline_all_caps, s.headline_all_caps);
  r["dateline.location"] = cmp_string(g.dateline.location, s.dateline.location);
  r["dateline.date"] = cmp_string(g.dateline.date, s.dateline.date);
  r["dateline.agency"] = cmp_string(g.dateline.agency, s.dateline.agency);
  r["contributors"] = cmp_list(sorted(g.contributors), sorted(s.contributors), show_contributor);
  r["captions"] = cmp_list(g.captions, s.captions, show_caption);
  r["editor_notes"] = cmp_list(g.editor_notes, s.editor_notes, show);
  r["paragraphs"] = cmp_list(g.paragraphs, s.paragraphs, show);
  if (const auto got = quotes_of(s)) {
    r["quotes"] = cmp_list(g.quotes, *got, show_quote);
  } else {
    r["quotes"] = {Outcome::kSkipped, "CleanStory has no quotes member yet"};
  }
  r["language"] = cmp_string(g.language, s.language);
  if (g.boilerplate_exact) {
    r["boilerplate_removed"] = cmp_value(*g.boilerplate_exact, s.boilerplate_removed);
  } else if (s.boilerplate_removed < g.boilerplate_min) {
    r["boilerplate_removed"] = {Outcome::kMismatch,
                                "want at least " + std::to_string(g.boilerplate_min) + ", got " +
                                    std::to_string(s.boilerplate_removed)};
  } else {
    r["boilerplate_removed"] = {};
  }
  return r;
}

// ---- rendering a clean story back to wire text (idempotence property) ----------------------

constexpr std::array<std::string_view, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::string join_names(const std::vector<const Contributor*>& cs) {
  std::string out;
  for (size_t i = 0; i < cs.size(); ++i) {
    if (i > 0) out += (i + 1 == cs.size()) ? " and " : ", ";
    out += cs[i]->name;
    if (!cs[i]->location.empty()) {
      out += cs[i]->location.starts_with("the ") ? " at " : " in ";
      out += cs[i]->location;
    }
  }
  return out;
}

// A paragraph with a run of two spaces can only be a preformatted (table) row: clean prose has
// its whitespace normalised. Consecutive rows are rendered as one block of adjacent lines.
bool is_preformatted(std::string_view p) { return p.find("  ") != std::string_view::npos; }

std::string render_as_wire(const CleanStory& s) {
  std::string out;
  std::string head;
  for (const auto& t : s.version_tags) {
    if (!t.starts_with("TAKE ")) head += t + "-";
  }
  head += s.headline;
  for (const auto& t : s.version_tags) {
    if (t.starts_with("TAKE ")) head += " =" + t.substr(5);
  }
  if (!head.empty()) out += head + "\n\n";
  for (const auto& n : s.editor_notes) out += "(" + n + ")\n\n";
  std::string dl;
  // A brief's dateline has no location: "Nov 12 (Reuters) - ".
  if (!s.dateline.location.empty() ||
      (s.dateline.date.size() == 10 && !s.dateline.agency.empty())) {
    dl = s.dateline.location;
    if (s.dateline.date.size() == 10) {
      const int month = std::stoi(s.dateline.date.substr(5, 2));
      const int day = std::stoi(s.dateline.date.substr(8, 2));
      dl += (dl.empty() ? "" : ", ") + std::string(kMonths.at(static_cast<size_t>(month - 1))) +
            " " + std::to_string(day);
    }
    if (!s.dateline.agency.empty()) dl += " (" + s.dateline.agency + ")";
    dl += " - ";
  }
  for (size_t i = 0; i < s.paragraphs.size(); ++i) {
    if (i == 0) out += dl;
    out += s.paragraphs[i];
    const bool block = is_preformatted(s.paragraphs[i]) && i + 1 < s.paragraphs.size() &&
                       is_preformatted(s.paragraphs[i + 1]);
    out += block ? "\n" : "\n\n";
  }
  if (s.paragraphs.empty() && !dl.empty()) out += dl + "\n\n";
  for (const auto& c : s.captions) out += c.text + " " + c.credit + "\n\n";
  std::vector<std::string> parts;
  for (const auto& [role, label] : std::initializer_list<std::pair<ContributorRole, const char*>>{
           {ContributorRole::kReporter, "Reporting by "},
           {ContributorRole::kAdditionalReporting, "Additional reporting by "},
           {ContributorRole::kWriter, "Writing by "},
           {ContributorRole::kEditor, "Editing by "}}) {
    std::vector<const Contributor*> cs;
    for (const auto& c : s.contributors) {
      if (c.role == role) cs.push_back(&c);
    }
    if (!cs.empty()) parts.push_back(label + join_names(cs));
  }
  for (size_t i = 0; i < parts.size(); ++i) out += (i == 0 ? "" : "; ") + parts[i];
  if (!parts.empty()) out += "\n";
  return out;
}

// ---- sentence accounting (no lost sentence property) ---------------------------------------

// Lower-case ASCII words; every other byte (punctuation, any non-ASCII character, so also
// mojibake and its repair) separates words, HTML entities (&amp; &#8212;) are separators and
// control bytes other than whitespace are ignored.
std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) out.push_back(std::move(cur));
    cur.clear();
  };
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '&') {
      size_t j = i + 1;
      while (j < s.size() && j - i <= 10 &&
             ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z') ||
              (s[j] >= '0' && s[j] <= '9') || s[j] == '#')) {
        ++j;
      }
      if (j < s.size() && s[j] == ';' && j > i + 1) {
        flush();
        i = j;
        continue;
      }
    }
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t' && c != '\n' && c != '\v' && c != '\f' && c != '\r') || u == 0x7F) {
      continue;  // a stray control byte inside a word does not split it ("reve<DEL>nue")
    }
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      cur += c;
    } else if (c >= 'A' && c <= 'Z') {
      cur += static_cast<char>(c - 'A' + 'a');
    } else {
      flush();
    }
  }
  flush();
  return out;
}

std::string word_key(const std::vector<std::string>& ws) {
  std::string out = " ";
  for (const auto& w : ws) out += w + " ";
  return out;
}

// Sentence-like units of the raw text: pieces of one line ending in . ? ! (optionally followed
// by closing quotes or brackets), of at least kMinWords words. Pieces of hard-wrapped sentences
// are substrings of the joined output sentence, so they are checked the same way (the head of a
// wrapped sentence, up to its line end, is not checked: lines are never joined here, because a
// header block of separate fields would then read as one sentence).
constexpr size_t kMinWords = 6;

bool is_terminal(std::string_view line, size_t i) {
  const char c = line[i];
  return c == '.' || c == '?' || c == '!';
}

std::vector<std::string> sentence_units(std::string_view raw) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= raw.size()) {
    size_t end = raw.find('\n', start);
    if (end == std::string_view::npos) end = raw.size();
    const std::string_view line = raw.substr(start, end - start);
    size_t piece = 0;
    for (size_t i = 0; i < line.size(); ++i) {
      if (!is_terminal(line, i)) continue;
      size_t j = i + 1;
      // closing quotes/brackets after the terminal: " ' ) ” ’ »
      while (j < line.size()) {
        if (line[j] == '"' || line[j] == '\'' || line[j] == ')') {
          ++j;
        } else if (line.substr(j, 3) == "\xE2\x80\x9D" || line.substr(j, 3) == "\xE2\x80\x99") {
          j += 3;
        } else if (line.substr(j, 2) == "\xC2\xBB") {
          j += 2;
        } else {
          break;
        }
      }
      const bool at_end = j >= line.size() || line[j] == ' ' || line[j] == '\t' ||
                          line[j] == '\r' || static_cast<unsigned char>(line[j]) < 0x20;
      if (!at_end) continue;
      out.emplace_back(line.substr(piece, j - piece));
      piece = j;
      i = j > 0 ? j - 1 : 0;
    }
    if (end == raw.size()) break;
    start = end + 1;
  }
  return out;
}

// Where a dateline precedes the first sentence on its line (any dash, entity or mojibake), the
// sentence proper starts a few words in: the unit's suffixes after dropping 1..kMaxDatelineWords
// words, longest first.
constexpr size_t kMaxDatelineWords = 12;

std::vector<std::vector<std::string>> dateline_suffixes(const std::vector<std::string>& ws) {
  std::vector<std::vector<std::string>> out;
  for (size_t k = 1; k <= kMaxDatelineWords && k < ws.size(); ++k) {
    out.emplace_back(ws.begin() + static_cast<std::ptrdiff_t>(k), ws.end());
  }
  return out;
}

// A dateline and too short a start of the first sentence to check ("WASHINGTON, Nov 12
// (Reuters) - U.S."): a dateline dash (also as entity or mojibake) early in the unit, followed
// by fewer than kMinWords words.
bool dateline_with_short_start(std::string_view unit) {
  size_t best = std::string_view::npos, len = 0;
  for (std::string_view dash :
       {" - ", " \xE2\x80\x93 ", " \xE2\x80\x94 ", " -- ", " _ ", " -\xC2\xA0", " &#8212; ",
        " &#8211; ", " \xC3\xA2\xE2\x82\xAC\xE2\x80\x9C ", " \xC3\xA2\xE2\x82\xAC\xE2\x80\x9D "}) {
    const size_t p = unit.find(dash);
    if (p < best) best = p, len = dash.size();
  }
  return best < 120 && words(unit.substr(best + len)).size() < kMinWords;
}

// Link hints glued to the previous word ("statementopens a new tab") are chrome inside a line.
std::string without_link_hints(std::string unit) {
  for (std::string_view hint : {"opens a new tab", "opens new tab"}) {
    for (size_t p = unit.find(hint); p != std::string::npos; p = unit.find(hint, p)) {
      unit.erase(p, hint.size());
    }
  }
  return unit;
}

// Sign-off and chrome sentences the corpus may carry: they are boilerplate by the spec
// ("Reporting by …" once extracted, trust trailers, registration prompts), so they may vanish.
bool is_boilerplate_unit(const std::vector<std::string>& ws) {
  static const std::vector<std::vector<std::string>> kStarts{{"reporting", "by"},
                                                             {"additional", "reporting"},
                                                             {"writing", "by"},
                                                             {"editing", "by"},
                                                             {"compiled", "by"},
                                                             // non-English desks' sign-offs
                                                             // and contact trailers (spec);
                                                             // words are ASCII runs here
                                                             {"bericht", "von"},
                                                             {"bei", "r", "ckfragen"},
                                                             {"informaci", "n", "de"},
                                                             {"reportagem", "de"},
                                                             {"reportage"},
                                                             {"our", "standards"},
                                                             {"register", "now"},
                                                             {"sign", "up"},
                                                             {"associated", "press"},
                                                             {"read", "more"},
                                                             {"copyright"},
                                                             {"all", "rights", "reserved"},
                                                             {"this", "material", "may", "not"}};
  for (const auto& st : kStarts) {
    if (ws.size() >= st.size() && std::equal(st.begin(), st.end(), ws.begin())) return true;
  }
  return false;
}

// ---- the tests -----------------------------------------------------------------------------

struct Loaded {
  std::string raw;
  Golden golden;
  std::string error;
};

Loaded load(const StoryFiles& sf) {
  Loaded l;
  l.raw = slurp(sf.raw);
  if (l.raw.empty()) {
    l.error = "missing or empty raw story " + sf.raw.string();
    return l;
  }
  l.error = parse_golden(slurp(sf.golden), l.golden);
  if (!l.error.empty()) l.error = sf.golden.string() + ": " + l.error;
  return l;
}

std::string param_name(const ::testing::TestParamInfo<StoryFiles>& info) {
  std::string out;
  for (char c : info.param.name) {
    out += ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) ? c : '_';
  }
  return out;
}

class CorpusStory : public ::testing::TestWithParam<StoryFiles> {};

// What the daemon does with the bytes: a structured format (the ANPA-framed stories here) is
// decoded first and its own fields win over the cleaner's guesses; anything else is cleaned as
// text. The goldens describe the story, not one stage, so they are checked on that path.
CleanStory as_daemon_cleans(const Loaded& l) {
  InputMessage m;
  m.topic = "corpus";
  m.value = l.raw;
  DecodeConfig cfg;
  cfg.fallback_received_at = l.golden.received_at;
  const DecodeResult d = decode(m, cfg);
  if (const auto* item = std::get_if<DecodedItem>(&d); item != nullptr && item->doc) {
    CleanStory c = clean_story(item->text, CleanContext{pipeline::reference_time(*item)});
    pipeline::apply_structured(*item->doc, c);
    return c;
  }
  return clean_story(l.raw, CleanContext{l.golden.received_at});
}

TEST_P(CorpusStory, MatchesGolden) {
  const StoryFiles& sf = GetParam();
  const Loaded l = load(sf);
  ASSERT_TRUE(l.error.empty()) << l.error;
  const CleanStory s = as_daemon_cleans(l);
  const KnownFailures known = load_known_failures();
  for (const auto& [field, res] : compare(l.golden, s)) {
    const bool listed = known.contains({sf.name, field});
    if (res.outcome == Outcome::kMismatch && !listed) {
      ADD_FAILURE() << sf.name << ": field " << field << " differs from the golden: " << res.diff;
    } else if (res.outcome == Outcome::kMismatch) {
      std::cout << "[ KNOWN    ] " << sf.name << " " << field << ": " << res.diff << "\n";
    } else if (res.outcome == Outcome::kMatch && listed) {
      ADD_FAILURE() << sf.name << ": field " << field << " now matches its golden; remove \""
                    << sf.name << " " << field << "\" from tests/data/stories/KNOWN_FAILURES";
    }
  }
}

// No empty paragraph, caption, note, name or quote; quotes point into the body.
TEST_P(CorpusStory, NoEmptyOutput) {
  const Loaded l = load(GetParam());
  ASSERT_TRUE(l.error.empty()) << l.error;
  const CleanStory s = clean_story(l.raw, CleanContext{l.golden.received_at});
  auto blank = [](std::string_view t) {
    return t.find_first_not_of(" \t\r\n") == std::string_view::npos;
  };
  for (size_t i = 0; i < s.paragraphs.size(); ++i) {
    EXPECT_FALSE(blank(s.paragraphs[i])) << "paragraph " << i << " is empty";
    EXPECT_EQ(s.paragraphs[i].find('\n'), std::string::npos) << "paragraph " << i;
  }
  for (const auto& c : s.captions) EXPECT_FALSE(blank(c.text)) << "empty caption text";
  for (const auto& n : s.editor_notes) EXPECT_FALSE(blank(n)) << "empty editor note";
  for (const auto& c : s.contributors) EXPECT_FALSE(blank(c.name)) << "contributor without name";
  // Every extracted quote is non-empty and is found in the paragraph it points at.
  if (const auto quotes = quotes_of(s)) {
    for (const auto& q : *quotes) {
      EXPECT_FALSE(blank(q.text)) << "empty quote";
      EXPECT_FALSE(blank(q.speaker)) << "quote without speaker: " << q.text;
      ASSERT_LT(q.paragraph, s.paragraphs.size()) << "quote points past the body: " << q.text;
      EXPECT_NE(s.paragraphs[q.paragraph].find(q.text), std::string::npos)
          << "quote not in its paragraph " << q.paragraph << ": " << q.text;
    }
  }
  // The golden itself obeys the same rule (a golden with an empty paragraph is a typo).
  for (const auto& p : l.golden.paragraphs) EXPECT_FALSE(blank(p)) << "golden has empty paragraph";
}

// Cleaning the story rendered back as plain wire text yields the same fields.
TEST_P(CorpusStory, IdempotentOnItsOwnOutput) {
  const Loaded l = load(GetParam());
  ASSERT_TRUE(l.error.empty()) << l.error;
  const CleanContext ctx{l.golden.received_at};
  const CleanStory once = clean_story(l.raw, ctx);
  const std::string text = render_as_wire(once);
  const CleanStory twice = clean_story(text, ctx);
  SCOPED_TRACE("re-rendered text:\n" + text);
  EXPECT_EQ(twice.headline, once.headline);
  EXPECT_EQ(twice.version_tags, once.version_tags);
  EXPECT_EQ(twice.version_number, once.version_number);
  EXPECT_EQ(twice.headline_all_caps, once.headline_all_caps);
  EXPECT_EQ(twice.dateline, once.dateline);
  EXPECT_EQ(sorted(twice.contributors), sorted(once.contributors));
  EXPECT_EQ(twice.captions, once.captions);
  EXPECT_EQ(twice.editor_notes, once.editor_notes);
  EXPECT_EQ(twice.paragraphs, once.paragraphs);
  EXPECT_EQ(twice.language, once.language);
  EXPECT_EQ(twice.word_count, once.word_count);
  EXPECT_EQ(quotes_of(twice), quotes_of(once));
}

// Every sentence of the input that is not boilerplate is found in exactly one output field
// (headline, an editor note, a paragraph or a caption), compared as lower-case ASCII words.
// Returns one message per violation.
std::vector<std::string> sentence_problems(std::string_view raw, const CleanStory& s) {
  std::vector<std::string> fields;
  fields.push_back(word_key(words(s.headline)));
  for (const auto& n : s.editor_notes) fields.push_back(word_key(words(n)));
  for (const auto& p : s.paragraphs) fields.push_back(word_key(words(p)));
  for (const auto& c : s.captions) fields.push_back(word_key(words(c.text)));
  auto count_in = [&](const std::string& key) {
    size_t n = 0;
    for (const auto& f : fields) n += f.find(key) != std::string::npos ? 1 : 0;
    return n;
  };
  std::vector<std::string> problems;
  std::map<std::string, size_t> seen;  // a sentence sent twice may be in two fields
  for (const auto& unit : sentence_units(raw)) {
    const std::vector<std::string> ws = words(without_link_hints(unit));
    if (ws.size() < kMinWords || is_boilerplate_unit(ws)) continue;
    std::string key = word_key(ws);
    size_t n = count_in(key);
    for (const auto& rest : dateline_suffixes(ws)) {
      if (n > 0 || rest.size() < kMinWords) break;
      if (const size_t m = count_in(word_key(rest)); m > 0) key = word_key(rest), n = m;
    }
    if (n == 0 && dateline_with_short_start(unit)) continue;
    const size_t sent = ++seen[key];
    if (n == 0) problems.push_back("input sentence lost: " + unit);
    if (n > sent) {
      problems.push_back("input sentence in " + std::to_string(n) + " output fields: " + unit);
    }
  }
  return problems;
}

TEST_P(CorpusStory, NoSentenceLost) {
  const Loaded l = load(GetParam());
  ASSERT_TRUE(l.error.empty()) << l.error;
  const CleanStory s = clean_story(l.raw, CleanContext{l.golden.received_at});
  for (const auto& p : sentence_problems(l.raw, s)) ADD_FAILURE() << p;
}

// The input with every blank run and line break collapsed to one space, and a line broken after
// a hyphen inside a word joined ("military-to-\nmilitary"): the text as sent, as a paragraph
// may quote it.
std::string as_sent(std::string_view raw) {
  std::string out;
  bool blank = false;
  for (size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      blank = !out.empty();
      continue;
    }
    if (blank && !(out.size() >= 2 && out.back() == '-' &&
                   std::isalpha(static_cast<unsigned char>(out[out.size() - 2])) &&
                   raw[i - 1] == '\n' && std::isalpha(static_cast<unsigned char>(c)))) {
      out += ' ';
    }
    blank = false;
    out += c;
  }
  return out;
}

// Paragraphs of a story sent as plain ASCII text (no entities, no characters to repair) are
// its text as sent: each sentence of a paragraph is found verbatim in the input, blanks
// collapsed. Returns one message per altered sentence.
std::vector<std::string> altered_sentences(std::string_view raw, const CleanStory& s) {
  std::vector<std::string> problems;
  for (char c : raw) {
    const auto u = static_cast<unsigned char>(c);
    const bool control = u < 0x20 && c != '\n' && c != '\t' && c != '\r';
    if (c == '&' || u >= 0x80 || control) return problems;  // repairs apply
  }
  // Link hints glued to link text ("statementopens a new tab") are removed by rule.
  const std::string sent = as_sent(without_link_hints(std::string(raw)));
  for (const auto& p : s.paragraphs) {
    if (p.find("  ") != std::string::npos) continue;  // a table row, kept with its columns
    size_t b = 0;
    while (b < p.size()) {
      size_t e = p.find(". ", b);
      e = e == std::string::npos ? p.size() : e + 1;
      const std::string sentence = p.substr(b, e - b);
      if (sentence.size() >= 20 && sent.find(sentence) == std::string::npos) {
        problems.push_back("body sentence altered: " + sentence);
      }
      b = e + 1;
    }
  }
  return problems;
}

TEST_P(CorpusStory, NoSentenceAltered) {
  const Loaded l = load(GetParam());
  ASSERT_TRUE(l.error.empty()) << l.error;
  const CleanStory s = clean_story(l.raw, CleanContext{l.golden.received_at});
  for (const auto& p : altered_sentences(l.raw, s)) ADD_FAILURE() << p;
}

TEST(CorpusProperties, AlteredSentenceCheckerDetectsAnEdit) {
  const std::string raw =
      "Vote\n\nThe fund will abstain with your shares ... but it reserves the right to act on "
      "the\nmerger-\nrelated items.\n";
  CleanStory good;
  good.paragraphs = {
      "The fund will abstain with your shares ... but it reserves the right to act on the "
      "merger-related items."};
  EXPECT_TRUE(altered_sentences(raw, good).empty());
  CleanStory edited = good;
  edited.paragraphs = {
      "The fund will abstain with your shares... but it reserves the right to act on the "
      "merger-related items."};
  ASSERT_EQ(altered_sentences(raw, edited).size(), 1u);
  EXPECT_TRUE(altered_sentences(raw, edited)[0].starts_with("body sentence altered: "));
}

INSTANTIATE_TEST_SUITE_P(Stories, CorpusStory, ::testing::ValuesIn(list_corpus()), param_name);

TEST(Corpus, HasEnoughStoriesEachWithRawAndGolden) {
  const auto corpus = list_corpus();
  EXPECT_GE(corpus.size(), 45u);
  for (const auto& sf : corpus) EXPECT_TRUE(fs::exists(sf.raw)) << sf.raw;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(kCorpusDir, ec)) {
    const std::string file = e.path().filename().string();
    if (!file.ends_with(".txt")) continue;
    const std::string stem = file.substr(0, file.size() - 4);
    EXPECT_TRUE(fs::exists(kCorpusDir / (stem + ".golden.json"))) << "no golden for " << file;
  }
}

TEST(Corpus, KnownFailuresNameRealStoriesAndFields) {
  std::vector<std::string> errors;
  const KnownFailures known = load_known_failures(&errors);
  for (const auto& e : errors) ADD_FAILURE() << "KNOWN_FAILURES " << e;
  std::set<std::string> names;
  for (const auto& sf : list_corpus()) names.insert(sf.name);
  for (const auto& [story, field] : known) {
    EXPECT_TRUE(names.contains(story)) << "KNOWN_FAILURES names no story: " << story;
    EXPECT_NE(std::find(kFields.begin(), kFields.end(), field), kFields.end())
        << "KNOWN_FAILURES names no field: " << field;
  }
}

// The property checkers themselves must be able to fail.
TEST(CorpusProperties, SentenceCheckerDetectsLossAndDuplication) {
  const std::string raw =
      "Headline here\n\nLONDON, Nov 12 (Reuters) - The first sentence has enough words "
      "in it.\n\nThe second paragraph is hard wrapped\nover two lines of old wire "
      "copy.\n\nReporting by A "
      "Person; Editing by Another Person and Someone Else\n";
  CleanStory good;
  good.headline = "Headline here";
  good.paragraphs = {"The first sentence has enough words in it.",
                     "The second paragraph is hard wrapped over two lines of old wire copy."};
  EXPECT_TRUE(sentence_problems(raw, good).empty());
  CleanStory lost = good;
  lost.paragraphs.pop_back();
  ASSERT_EQ(sentence_problems(raw, lost).size(), 1u);
  EXPECT_TRUE(sentence_problems(raw, lost)[0].starts_with("input sentence lost: "));
  CleanStory twice = good;
  twice.captions.push_back({"The first sentence has enough words in it.", "REUTERS/X"});
  ASSERT_EQ(sentence_problems(raw, twice).size(), 1u);
  EXPECT_TRUE(sentence_problems(raw, twice)[0].starts_with("input sentence in 2 output fields"));
}

TEST(CorpusProperties, RendererWritesWireText) {
  CleanStory s;
  s.headline = "Fed holds";
  s.version_tags = {"REFILE", "UPDATE 1", "TAKE 2"};
  s.editor_notes = {"Adds quote"};
  s.dateline = {"PORTLAND, Ore.", "2026-02-06", "Reuters"};
  s.paragraphs = {"First.", "Metal   Last", "Gold    4,215", "Last."};
  s.captions = {{"A trader works.", "REUTERS/Jane Doe"}};
  s.contributors = {{"Jane Doe", ContributorRole::kPhotographer, ""},
                    {"A B", ContributorRole::kReporter, "Paris"},
                    {"C D", ContributorRole::kReporter, ""},
                    {"E F", ContributorRole::kReporter, "the United Nations"},
                    {"G H", ContributorRole::kEditor, ""}};
  EXPECT_EQ(render_as_wire(s),
            "REFILE-UPDATE 1-Fed holds =2\n\n(Adds quote)\n\nPORTLAND, Ore., Feb 6 (Reuters) - "
            "First.\n\nMetal   Last\nGold    4,215\n\nLast.\n\nA trader works. REUTERS/Jane "
            "Doe\n\nReporting by A B in Paris, C D and E F at the United Nations; Editing by G "
            "H\n");
}

// Prints "field: matched/total" over the corpus (quote it in release notes). Fails only if a
// story cannot be loaded; accuracy gates are MatchesGolden + KNOWN_FAILURES.
TEST(CorpusAccuracy, PerFieldReport) {
  std::map<std::string, std::pair<int, int>, std::less<>> tally;  // field -> matched, total
  int stories = 0, perfect = 0;
  for (const auto& sf : list_corpus()) {
    const Loaded l = load(sf);
    ASSERT_TRUE(l.error.empty()) << l.error;
    ++stories;
    bool all = true;
    for (const auto& [field, res] : compare(l.golden, as_daemon_cleans(l))) {
      if (res.outcome == Outcome::kSkipped) continue;
      auto& t = tally[field];
      ++t.second;
      if (res.outcome == Outcome::kMatch) {
        ++t.first;
      } else {
        all = false;
      }
    }
    perfect += all ? 1 : 0;
  }
  std::ostringstream o;
  o << "corpus accuracy over " << stories << " stories (field: matched/total)\n";
  for (std::string_view f : kFields) {
    const auto it = tally.find(f);
    if (it == tally.end()) {
      o << "  " << f << ": skipped (not extracted yet)\n";
      continue;
    }
    const auto [m, t] = it->second;
    o << "  " << f << ": " << m << "/" << t << " (" << (t > 0 ? (100.0 * m / t) : 0.0) << "%)\n";
  }
  o << "  stories matching every compared field: " << perfect << "/" << stories << "\n";
  std::cout << o.str();
  EXPECT_GT(stories, 0);
}

}  // namespace
}  // namespace wirefeed::pipeline
