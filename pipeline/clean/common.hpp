// Shared by the cleaning modules (pipeline/clean/*): what a pass needs besides the text (Env),
// short lists of views, and the shapes of names and places that several extractors test.
// Internal to the clean stage; the public entry point is clean_story (pipeline/clean.hpp).
//
// Invariants:
// - Every function is pure (Env::note only appends to the explain sink the caller passed) and
//   linear in its input; none throws on any input.
// - ViewList and the lists returned here hold views into the caller's text: valid only while
//   that text lives and is not modified.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/clean.hpp"
#include "pipeline/clean_rules.hpp"
#include "pipeline/text/ascii.hpp"

namespace wirefeed::pipeline::cleaning {

using std::size_t;
using std::string_view;
inline constexpr size_t npos = string_view::npos;

using text::iends_with;
using text::iequals;
using text::is_alnum;
using text::is_alpha;
using text::is_blank;
using text::is_digit;
using text::is_lower;
using text::is_non_ascii;
using text::is_upper;
using text::istarts_with;
using text::to_lower;
using text::trim_blanks;

// Everything a cleaning pass needs besides the text: rules, reception time, explain sink.
struct Env {
  const CleanRules& rules;
  const CleanContext& ctx;
  std::vector<ExplainEntry>* explain;
  void note(std::string_view rule, std::string_view field, std::string_view text) const {
    if (explain != nullptr)
      explain->push_back({std::string(rule), std::string(field), std::string(text)});
  }
};

// A list of views into one text (words, names, segments): the first 16 live inline, so the
// short lists the extractors build cost no heap allocation.
class ViewList {
 public:
  void push_back(string_view v) {
    if (size_ < inline_.size()) {
      inline_[size_] = v;
    } else {
      if (size_ == inline_.size()) spill_.assign(inline_.begin(), inline_.end());
      spill_.push_back(v);
    }
    ++size_;
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const string_view* begin() const {
    return size_ <= inline_.size() ? inline_.data() : spill_.data();
  }
  const string_view* end() const { return begin() + size_; }
  const string_view& operator[](size_t i) const { return begin()[i]; }
  const string_view& back() const { return begin()[size_ - 1]; }

 private:
  std::array<string_view, 16> inline_{};
  size_t size_ = 0;
  std::vector<string_view> spill_;  // all entries, once there are more than 16
};

// Whitespace-separated words of a short string (used only on bounded inputs).
ViewList split_words(string_view s);

// Splits a list of names on ',', ';'-free text: "A, B and C" / "A & B", calling `on_piece`
// with each trimmed, non-empty piece in order until it returns false (then returns false).
template <typename OnPiece>
bool for_each_name_piece(string_view s, OnPiece&& on_piece) {
  size_t start = 0;
  size_t i = 0;
  auto push = [&](size_t end) {
    const string_view piece = trim_blanks(s.substr(start, end - start));
    return piece.empty() || on_piece(piece);
  };
  while (i < s.size()) {
    if (s[i] == ',') {
      if (!push(i)) return false;
      start = ++i;
      continue;
    }
    if (s[i] == ' ') {
      size_t skip = 0;
      if (i + 5 <= s.size() && s[i + 4] == ' ' &&
          ((s[i + 1] == 'a' && s[i + 2] == 'n' && s[i + 3] == 'd') ||
           (s[i + 1] == 'A' && s[i + 2] == 'N' && s[i + 3] == 'D'))) {
        skip = 5;  // " and ", " AND "
      } else if (i + 3 <= s.size() && s[i + 1] == '&' && s[i + 2] == ' ') {
        skip = 3;  // " & "
      }
      if (skip != 0) {
        if (!push(i)) return false;
        i += skip;
        start = i;
        continue;
      }
    }
    ++i;
  }
  return push(s.size());
}

// The pieces of a name list ("A, B and C", "A & B"), trimmed, non-empty, in order.
ViewList split_name_list(string_view s);

// A word of a name: capitalised ("Olsen", "O'Neill", "al-Mughrabi") or a lower-case particle
// ("de", "von", "bin").
bool is_name_word(string_view w);

// A person's name as sent: 1..5 capitalised words, no digits or sentence punctuation.
bool is_person_name(string_view s);

// A place as written in a dateline or after "in": capitalised name words, at most two commas,
// no digits or sentence punctuation ("PORTLAND, Ore.", "GAZA/JERUSALEM").
bool looks_like_place(string_view loc);

// Index of the ')' matching the '(' at `open`, or npos.
size_t matching_paren(string_view s, size_t open);

// True when `s` has an upper-case letter and no lower-case one (Latin, Greek, Cyrillic).
bool all_caps(string_view s);

}  // namespace wirefeed::pipeline::cleaning
