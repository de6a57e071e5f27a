// Helpers shared by the clean_story tests (tests/unit/clean/*_test.cpp): a clean() shorthand
// with a fixed reception time, golden-file rendering, and checks on a CleanStory.
//
// Invariants:
// - Helpers only build inputs and read results; no expectation is hidden in them.
// - Everything is inline: each test file includes this header on its own.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/clean.hpp"
#include "tests/support/harness.hpp"

namespace wirefeed::pipeline::clean_test {

using std::chrono::sys_days;
using std::chrono::sys_seconds;

inline constexpr std::string_view kSamplePath =
    WIREFEED_SOURCE_DIR "/samples/reuters-biden-china-military-ties.txt";
inline constexpr std::string_view kGoldenPath =
    WIREFEED_SOURCE_DIR "/tests/data/golden/reuters-biden-china-military-ties.clean.txt";

// 2023-11-12T18:00:00Z
inline sys_seconds at(int y, unsigned m, unsigned d, int hour = 12) {
  return sys_seconds{sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}}} +
         std::chrono::hours{hour};
}

inline CleanStory clean(std::string_view text, sys_seconds received = at(2023, 11, 12, 18)) {
  return clean_story(text, CleanContext{received});
}

inline std::string read_file(std::string_view path) {
  std::ifstream f{std::string(path), std::ios::binary};
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Stable textual rendering of a CleanStory for golden files: one field per line.
inline std::string render(const CleanStory& s) {
  std::ostringstream o;
  o << "headline: " << s.headline << "\n";
  for (const auto& t : s.version_tags) o << "version_tag: " << t << "\n";
  o << "version_number: " << s.version_number << "\n";
  o << "headline_all_caps: " << (s.headline_all_caps ? "true" : "false") << "\n";
  o << "dateline.location: " << s.dateline.location << "\n";
  o << "dateline.date: " << s.dateline.date << "\n";
  o << "dateline.agency: " << s.dateline.agency << "\n";
  for (const auto& c : s.contributors) {
    o << "contributor: " << testing::role_name(c.role) << " | " << c.name;
    if (!c.location.empty()) o << " | " << c.location;
    o << "\n";
  }
  for (const auto& c : s.captions) o << "caption: " << c.credit << " | " << c.text << "\n";
  for (const auto& n : s.editor_notes) o << "editor_note: " << n << "\n";
  o << "language: " << s.language << "\n";
  o << "word_count: " << s.word_count << "\n";
  o << "boilerplate_removed: " << s.boilerplate_removed << "\n";
  for (size_t i = 0; i < s.paragraphs.size(); ++i) {
    o << "paragraph " << i << ": " << s.paragraphs[i] << "\n";
  }
  return o.str();
}

inline bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (b < 0x80) {
      ++i;
      continue;
    }
    if (b >= 0xC2 && b <= 0xDF) {
      n = 1, cp = b & 0x1Fu;
    } else if (b >= 0xE0 && b <= 0xEF) {
      n = 2, cp = b & 0x0Fu;
    } else if (b >= 0xF0 && b <= 0xF4) {
      n = 3, cp = b & 0x07u;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0u) != 0x80u) return false;
      cp = (cp << 6) | (c & 0x3Fu);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

inline bool all_valid_utf8(const CleanStory& s) {
  if (!valid_utf8(s.headline) || !valid_utf8(s.dateline.location)) return false;
  for (const auto& p : s.paragraphs) {
    if (!valid_utf8(p)) return false;
  }
  for (const auto& c : s.captions) {
    if (!valid_utf8(c.text) || !valid_utf8(c.credit)) return false;
  }
  for (const auto& c : s.contributors) {
    if (!valid_utf8(c.name)) return false;
  }
  for (const auto& n : s.editor_notes) {
    if (!valid_utf8(n)) return false;
  }
  return true;
}

inline std::vector<Contributor> with_role(const CleanStory& s, ContributorRole r) {
  std::vector<Contributor> out;
  for (const auto& c : s.contributors) {
    if (c.role == r) out.push_back(c);
  }
  return out;
}

inline std::vector<std::string> names(const std::vector<Contributor>& cs) {
  std::vector<std::string> out;
  for (const auto& c : cs) out.push_back(c.name);
  return out;
}

using Names = std::vector<std::string>;

}  // namespace wirefeed::pipeline::clean_test
