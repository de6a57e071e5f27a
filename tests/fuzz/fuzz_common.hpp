// Helpers shared by the libFuzzer targets: invariant checks that trap (a crash libFuzzer
// records, with the message on stderr) instead of asserting, so they hold in release builds.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/clean.hpp"
#include "pipeline/decode.hpp"

namespace wirefeed::fuzz {

[[noreturn]] inline void violated(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "\n*** fuzz invariant violated: %s", what);
  if (!detail.empty()) {
    // Printable ASCII as is, everything else as \xNN; at most 300 bytes.
    std::string shown;
    for (std::size_t i = 0; i < detail.size() && i < 300; ++i) {
      const auto c = static_cast<unsigned char>(detail[i]);
      if (c >= 0x20 && c < 0x7f && c != '\\') {
        shown += static_cast<char>(c);
      } else {
        char buf[5];
        std::snprintf(buf, sizeof buf, "\\x%02x", c);
        shown += buf;
      }
    }
    std::fprintf(stderr, " [%s%s]", shown.c_str(), detail.size() > 300 ? "..." : "");
  }
  std::fprintf(stderr, "\n");
  __builtin_trap();
}

inline void check(bool ok, const char* what, std::string_view detail = {}) {
  if (!ok) violated(what, detail);
}

// Valid UTF-8 (what protobuf `string` fields and JSON output require).
inline void check_utf8(std::string_view s, const char* what) {
  check(pipeline::find_invalid_utf8(s) == std::string_view::npos, what, s);
}

// Valid UTF-8 without NUL bytes.
inline void check_text(std::string_view s, const char* what) {
  check_utf8(s, what);
  check(s.find('\0') == std::string_view::npos, what, s);
}

// Invariants of a CleanStory (see pipeline/clean.hpp).
inline void check_story(const pipeline::CleanStory& s) {
  check_text(s.headline, "headline is valid UTF-8 without NUL");
  check(s.headline.find('\n') == std::string::npos, "headline is one line", s.headline);
  check(!s.headline_all_caps || !s.headline.empty(), "all-caps headline is not empty");
  for (const auto& t : s.version_tags) check_text(t, "version tag is valid UTF-8");
  if (s.version_number != 0) {
    bool tagged = false;
    for (const auto& t : s.version_tags) tagged = tagged || t.rfind("UPDATE ", 0) == 0;
    check(tagged, "version_number comes from an UPDATE n tag");
  }
  check_text(s.dateline.location, "dateline location is valid UTF-8");
  check_text(s.dateline.agency, "dateline agency is valid UTF-8");
  const std::string& d = s.dateline.date;
  if (!d.empty()) {
    bool shape = d.size() == 10 && d[4] == '-' && d[7] == '-';
    for (std::size_t i = 0; shape && i < d.size(); ++i) {
      shape = i == 4 || i == 7 || (d[i] >= '0' && d[i] <= '9');
    }
    check(shape, "dateline date is YYYY-MM-DD", d);
  }
  for (const auto& c : s.contributors) {
    check_text(c.name, "contributor name is valid UTF-8");
    check(!c.name.empty(), "contributor name is not empty");
    check_text(c.location, "contributor location is valid UTF-8");
  }
  std::size_t tokens = 0;  // blank-separated tokens: an upper bound for word_count
  for (const auto& p : s.paragraphs) {
    check_text(p, "paragraph is valid UTF-8 without NUL");
    check(!p.empty(), "paragraphs are not empty");
    bool in_token = false;
    for (char c : p) {
      const bool blank = c == ' ' || c == '\t';
      if (!blank && !in_token) ++tokens;
      in_token = !blank;
    }
  }
  check(s.word_count <= tokens, "word_count is at most the number of tokens in paragraphs");
  for (const auto& c : s.captions) {
    check_text(c.text, "caption text is valid UTF-8");
    check_text(c.credit, "caption credit is valid UTF-8");
  }
  for (const auto& n : s.editor_notes) check_text(n, "editor note is valid UTF-8");
  for (const auto& q : s.quotes) {
    check_text(q.text, "quote text is valid UTF-8");
    check_text(q.speaker, "quote speaker is valid UTF-8");
    check(!q.text.empty() && !q.speaker.empty(), "a quote has text and a speaker");
    check(q.paragraph < s.paragraphs.size(), "a quote points at a paragraph");
  }
  check_text(s.language, "language is valid UTF-8");
  check(s.language.empty() || s.language.size() == 2, "language is ISO 639-1 or empty", s.language);
}

inline bool same_story(const pipeline::CleanStory& a, const pipeline::CleanStory& b) {
  return a.headline == b.headline && a.version_tags == b.version_tags &&
         a.version_number == b.version_number && a.headline_all_caps == b.headline_all_caps &&
         a.dateline == b.dateline && a.contributors == b.contributors &&
         a.paragraphs == b.paragraphs && a.captions == b.captions &&
         a.editor_notes == b.editor_notes && a.quotes == b.quotes && a.language == b.language &&
         a.word_count == b.word_count && a.boilerplate_removed == b.boilerplate_removed;
}

}  // namespace wirefeed::fuzz
