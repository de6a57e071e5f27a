// Layout: whitespace, boilerplate lines, tables, editor notes, line joining. See layout.hpp for the
// contract.
#include "pipeline/clean/layout.hpp"

#include "pipeline/clean/captions.hpp"

#include <algorithm>
#include <bit>
#include <string>

#include "pipeline/clean/contributors.hpp"
#include "pipeline/swar.hpp"

namespace wirefeed::pipeline::cleaning {

using namespace swar;

namespace {
constexpr bool is_tight_punct(char c) {
  return c == '.' || c == ',' || c == ';' || c == ':' || c == '?' || c == '!';
}

// True when normalize_ws(s) returns `s` unchanged: no tab, no blank at either end, no blank
// run, and no single blank that normalize_ws drops (after '(', before ')' or before '.' or ','
// not followed by a letter or digit).
bool ws_normal(string_view s) {
  const size_t n = s.size();
  if (n == 0) return true;
  if (is_blank(s[0]) || is_blank(s[n - 1])) return false;
  auto space_kept = [&](size_t i) {  // s[i] == ' ', 0 < i < n - 1
    const char next = s[i + 1];
    if (is_blank(next) || next == ')' || s[i - 1] == '(') return false;
    return !((next == '.' || next == ',') && (i + 2 >= n || !is_alnum(s[i + 2])) &&
             !(next == '.' && i + 2 < n && s[i + 2] == '.'));  // an ellipsis keeps its space
  };
  size_t i = 1;
  for (; i + 9 <= n; i += 8) {  // eight bytes at a time, all inside [1, n - 1)
    const uint64_t x = load8(s.data() + i);
    if (any_zero_byte(x ^ ('\t' * kOneBytes)) != 0) return false;
    // Only a space before one of 0x20..0x2E (which holds ' ' ')' ',' '.') or after '(' needs
    // the byte-wise test.
    const uint64_t spaces = zero_byte_mask(x ^ (' ' * kOneBytes));
    const uint64_t next = byte_range_mask(load8(s.data() + i + 1), ' ', '.');
    const uint64_t after_paren = zero_byte_mask(load8(s.data() + i - 1) ^ ('(' * kOneBytes));
    for (uint64_t c = spaces & (next | after_paren); c != 0; c &= c - 1) {
      if (!space_kept(i + static_cast<size_t>(std::countr_zero(c)) / 8)) return false;
    }
  }
  for (; i + 1 < n; ++i) {
    if (s[i] == '\t') return false;
    if (s[i] == ' ' && !space_kept(i)) return false;
  }
  return true;
}

// "mb-ldf/abl/dch": lower-case letter groups (1..5) joined by '/' or '-', at least one '/'.
bool is_desk_initials(string_view t) {
  size_t group = 0;
  bool slash = false;
  for (char c : t) {
    if (is_lower(c)) {
      if (++group > 5) return false;
    } else if ((c == '/' || c == '-') && group > 0) {
      slash = slash || c == '/';
      group = 0;
    } else {
      return false;
    }
  }
  return slash && group > 0;
}

// True when `t` holds at most `n` non-blank bytes. Blank-collapsing keeps every non-blank
// byte, so a line with more than the longest exact key cannot match an exact rule.
bool nonblank_at_most(string_view t, size_t n) {
  size_t count = 0;
  for (char c : t) {
    if (!is_blank(c) && ++count > n) return false;
  }
  return true;
}

// A scraped page drops the space between two page elements ("...professionalsLearn more
// about"): a multi-word prefix running straight into a capital is that prefix, glued to the next
// element's link text. (A one-word prefix must end at a word boundary: "Reuter" is not
// "Reuters".)
bool glued_element(string_view prefix, char next) {
  return is_upper(next) && prefix.find(' ') != npos && is_lower(prefix.back());
}

// A link-list entry after a "Related Articles" style header: short, no sentence ending.
bool looks_like_list_item(string_view t) {
  if (t.size() > 160) return false;
  const char last = t.back();
  if (last == '.' || last == '?' || last == '!' || last == ':' || last == '"') return false;
  if (t.size() >= 3 && (t.substr(t.size() - 3) == "\xE2\x80\x9D" ||   // ”
                        t.substr(t.size() - 3) == "\xE2\x80\x99")) {  // ’
    return false;
  }
  return true;
}

// True when `t` holds a tab or two spaces in a row. Eight bytes at a time, stepping by seven so
// that a pair straddling two blocks is seen too.
bool has_tab_or_double_space(string_view t) {
  size_t i = 0;
  for (; i + 8 <= t.size(); i += 7) {
    const uint64_t x = load8(t.data() + i);
    if (any_zero_byte(x ^ ('\t' * kOneBytes)) != 0) return true;
    const uint64_t spaces = zero_byte_mask(x ^ (' ' * kOneBytes));
    if ((spaces & (spaces >> 8)) != 0) return true;
  }
  for (; i < t.size(); ++i) {
    if (t[i] == '\t' || (t[i] == ' ' && i + 1 < t.size() && t[i + 1] == ' ')) return true;
  }
  return false;
}

// Column gaps of a line (2+ spaces or a tab between two cells, not after sentence punctuation).
int column_gaps(string_view t, bool& digit) {
  digit = false;
  if (!has_tab_or_double_space(t)) return 0;  // a column gap needs a tab or two blanks
  int gaps = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if (is_digit(c)) digit = true;
    if (i > 0 && is_blank(c) && !is_blank(t[i - 1])) {
      size_t j = i;
      while (j < t.size() && is_blank(t[j])) ++j;
      const bool wide = j - i >= 2 || c == '\t';
      const char before = t[i - 1];
      const bool sentence_end = before == '.' || before == '?' || before == '!' || before == ':' ||
                                before == ';' || before == ',' || before == '"' || before == ')' ||
                                is_non_ascii(before);
      if (wide && j < t.size() && !sentence_end) ++gaps;
      i = j - 1;
    }
  }
  return gaps;
}

// How a line's columns look: a row of column-aligned figures (at least two column gaps and at
// least one digit), or a table's heading row ("Metal     Last    Change", "   Wk ended    Prev
// wk": column gaps but no figures; one gap is enough, the label column's heading is often blank;
// only a heading when a row of figures follows it).
struct ColumnShape {
  bool table_row = false;
  bool heading = false;
};

ColumnShape column_shape(string_view t) {
  bool digit = false;
  const int gaps = column_gaps(t, digit);  // one scan for both tests
  return {gaps >= 2 && digit, t.size() <= 200 && gaps >= 1};
}

bool is_table_line(string_view t) { return column_shape(t).table_row; }

size_t leading_blanks(string_view s) {
  size_t n = 0;
  while (n < s.size() && is_blank(s[n])) ++n;
  return n;
}

// A preformatted row as sent, minus trailing blanks.
std::string table_row(string_view row) {
  while (!row.empty() && is_blank(row.back())) row.remove_suffix(1);
  return std::string(row);
}

// How a body line relates to the paragraph being assembled.
enum class LineKind : uint8_t { kJoin, kBreakBefore, kStandalone };

// `byline_possible`: near the top of the body and not inside a wrapped paragraph.
LineKind classify_line(const CleanRules& R, string_view t, bool byline_possible) {
  if (starts_with_advisory(R, t)) {
    // "(In 2019 it was ...)" inside a wrapped paragraph is prose, not an advisory.
    const bool weak = t[1] == 'I' || t[1] == 'T';
    if (!weak || t.find("story") != npos) {
      return t.back() == ')' ? LineKind::kStandalone : LineKind::kBreakBefore;
    }
  }
  if (match_note(R, t) != nullptr) return LineKind::kBreakBefore;
  // A sign-off starts a line with a capital ("...the paper's\nreporting by" is prose).
  const string_view u = t[0] == '(' ? t.substr(1) : t;
  size_t len = 0;
  if (!u.empty() && is_upper(u[0]) && match_role(R, u, len)) return LineKind::kBreakBefore;
  if (byline_possible && parse_byline(t, nullptr)) return LineKind::kStandalone;
  return LineKind::kJoin;
}

// Appends the trimmed, non-empty line `t` to the paragraph `cur`. Returns false when the space
// put between them is one normalize_ws would drop (after '(', before ')', or before '.' or ','
// not followed by a letter or digit): with ws_normal lines, the paragraph stays ws_normal
// exactly when every join returns true.
bool join_line(std::string& cur, string_view t) {
  if (cur.empty()) {
    cur.assign(t);
    return true;
  }
  // "military-to-\nmilitary": keep the hyphen, no space.
  const bool hyphen =
      cur.size() >= 2 && cur.back() == '-' && is_alpha(cur[cur.size() - 2]) && is_alpha(t[0]);
  if (hyphen) {
    cur.append(t);
    return true;
  }
  const bool kept = cur.back() != '(' && t[0] != ')' &&
                    !((t[0] == '.' || t[0] == ',') && (t.size() < 2 || !is_alnum(t[1])) &&
                      !(t[0] == '.' && t.size() >= 2 && t[1] == '.'));
  cur += ' ';
  cur.append(t);
  return kept;
}

}  // namespace

// Collapses blank runs, trims, removes the space before . , ) and after (. A space before
// ; : ? ! stays: that is French typography ("SNCF : le trafic", "pourquoi ?"), spacing as sent.
std::string normalize_ws(string_view s) {
  if (ws_normal(s)) return std::string(s);
  // The output is never longer than the input: written in place, then cut to size.
  std::string out(s.size(), '\0');
  char* const begin = out.data();
  char* o = begin;
  bool pending = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (is_blank(c)) {
      pending = o != begin;
      continue;
    }
    if (pending) {
      bool drop = o[-1] == '(' || c == ')';
      if (!drop && is_tight_punct(c)) {
        // "meet ." -> "meet." but keep "Microsoft .NET" and ", 000" style tokens.
        drop = (c == '.' || c == ',') && (i + 1 >= s.size() || !is_alnum(s[i + 1])) &&
               !(c == '.' && i + 1 < s.size() && s[i + 1] == '.');  // "shares ... but"
      }
      if (!drop) *o++ = ' ';
      pending = false;
    }
    *o++ = c;
  }
  out.resize(static_cast<size_t>(o - begin));
  return out;
}

// Removes link hints glued to the link text ("statementopens a new tab"). Returns spans removed.
uint32_t strip_glued_link_hints(const Env& env, std::string& p) {
  uint32_t removed = 0;
  const auto& spans = env.rules.set.glued_spans;
  for (size_t g = 0; g < spans.size(); ++g) {
    const SpanRule& rule = spans[g];
    const string_view hint = rule.text;
    if (!env.rules.glued_search[g].found_in(p)) continue;
    std::string out;
    out.reserve(p.size());
    size_t i = 0;
    bool changed = false;
    while (i < p.size()) {
      const size_t f = p.find(hint, i);
      if (f == npos) {
        out.append(p, i, npos);
        break;
      }
      const bool glued = f > 0 && !is_blank(p[f - 1]);
      out.append(p, i, f - i);
      if (glued) {
        ++removed;
        changed = true;
        env.note(rule.id, "removed", hint);
      } else {
        out.append(hint);
      }
      i = f + hint.size();
    }
    if (changed) p = normalize_ws(out);
  }
  return removed;
}

// Removes an agency sign-off token closing the paragraph after its last sentence ("... al
// governo. (ANSA)."). Returns tokens removed (0 or 1).
uint32_t strip_tail_token(const Env& env, std::string& p) {
  for (const SpanRule& rule : env.rules.set.tail_tokens) {
    string_view t = p;
    if (!t.empty() && t.back() == '.') t.remove_suffix(1);
    if (!t.ends_with(rule.text)) continue;
    string_view before = t.substr(0, t.size() - rule.text.size());
    if (!before.empty() && !is_blank(before.back())) continue;
    before = trim_blanks(before);
    const bool sentence_end = before.empty() || before.back() == '.' || before.back() == '!' ||
                              before.back() == '?' || before.back() == '"' ||
                              before.ends_with("\xE2\x80\x9D") || before.ends_with("\xC2\xBB");
    if (!sentence_end) continue;
    env.note(rule.id, "removed", string_view(p).substr(before.size()));
    p.resize(before.size());
    return 1;
  }
  return 0;
}

// The line rule matching the whole trimmed line `t`, or nullptr. Exact rules first (one hash
// lookup), then prefix, suffix and wrapped rules dispatched on the first/last byte.
const LineRule* match_boilerplate(const CleanRules& R, string_view t) {
  if (t.empty()) return nullptr;
  const auto& lines = R.set.lines;
  if (t.size() <= R.exact_max_len && nonblank_at_most(t, R.exact_key_max)) {
    std::string key = fold_case(normalize_ws(t));
    auto it = R.exact.find(key);
    if (it != R.exact.end() && t.size() <= lines[it->second].max_len) return &lines[it->second];
  }
  for (uint32_t k : R.prefix_by_byte[static_cast<unsigned char>(t[0])]) {
    const LineRule& r = lines[k];
    if (t.size() > r.max_len) continue;
    if (t.substr(0, std::min(t.size(), r.text.size())) == r.text &&
        (t.size() == r.text.size() || !is_alnum(t[r.text.size()]) || !is_alnum(r.text.back()) ||
         glued_element(r.text, t[r.text.size()]))) {
      return &r;
    }
  }
  for (uint32_t k : R.suffix_by_byte[static_cast<unsigned char>(to_lower(t.back()))]) {
    const LineRule& r = lines[k];
    // Link text only: a line holding a sentence (a caption, a paragraph) is not chrome.
    if (t.size() <= r.max_len && iends_with(t, r.text) && t.find(". ") == npos) return &r;
  }
  if (t.size() <= R.contains_max_len) {
    for (size_t c = 0; c < R.contains.size(); ++c) {
      const LineRule& r = lines[R.contains[c]];
      if (t.size() <= r.max_len && R.contains_search[c].found_in(t)) return &r;
    }
  }
  if (!R.initials.empty() && is_lower(t[0]) && is_desk_initials(t)) {
    for (uint32_t k : R.initials) {
      if (t.size() <= lines[k].max_len) return &lines[k];
    }
  }
  for (uint32_t k : R.wrapped_by_byte[static_cast<unsigned char>(t[0])]) {
    const LineRule& r = lines[k];
    if (t.size() <= r.max_len && t.size() >= r.text.size() + r.closer.size() &&
        t.substr(0, r.text.size()) == r.text && t.substr(t.size() - r.closer.size()) == r.closer) {
      return &r;
    }
  }
  return nullptr;
}

bool starts_with_advisory(const CleanRules& R, string_view p) {
  if (p.size() < 3 || p[0] != '(') return false;
  string_view rest = p.substr(1);
  for (const std::string& v : R.advisory_verbs) {
    if (rest.substr(0, std::min(rest.size(), v.size())) == v &&
        (rest.size() == v.size() || !is_alpha(rest[v.size()]))) {
      return true;
    }
  }
  return rest.substr(0, std::min<size_t>(rest.size(), 3)) == "In " ||
         rest.substr(0, std::min<size_t>(rest.size(), 5)) == "This ";
}

// The note rule whose prefix opens `p` ("Eds: ...", "This story has been corrected ..."), or
// nullptr. The prefix must end at a word end.
const NoteRule* match_note(const CleanRules& R, string_view p) {
  if (p.empty()) return nullptr;
  for (uint32_t k : R.note_by_byte[static_cast<unsigned char>(p[0])]) {
    const NoteRule& r = R.set.note_lines[k];
    if (p.starts_with(r.prefix) && (p.size() == r.prefix.size() || !is_alnum(r.prefix.back()) ||
                                    !is_alnum(p[r.prefix.size()]))) {
      return &r;
    }
  }
  return nullptr;
}

bool remove_chrome(const Env& env, ChromeLinePass& chrome, string_view text, size_t next_line,
                   string_view t, bool record, CleanStory& out) {
  if (t.size() > kChromeCandidateMaxBytes) return false;
  // Standalone: the next line is blank or there is none (its blanks only are read).
  size_t q = next_line;
  while (q < text.size() && is_blank(text[q])) ++q;
  if (q < text.size() && text[q] != '\n') return false;
  const bool learning = env.ctx.learned != nullptr || env.ctx.sighting != nullptr;
  // A byline, sign-off or editor's note is never learned chrome.
  const bool structural =
      record && learning && classify_line(env.rules, t, true) != LineKind::kJoin;
  const auto v = chrome.judge(t, structural, record);
  if (!v) return false;
  ++out.boilerplate_removed;
  if (v->shape == ChromeShape::kNone) ++out.learned_chrome_removed;  // per-source metric
  if (env.explain != nullptr) {
    env.explain->push_back({chrome.rule(*v), "removed", std::string(t), v->stories});
  }
  return true;
}

std::vector<RawParagraph> assemble_paragraphs(const Env& env, string_view text, size_t body_start,
                                              CleanStory& out) {
  const CleanRules& R = env.rules;
  string_view line;
  std::vector<RawParagraph> raw;
  std::string cur;
  bool cur_ws_normal = true;  // ws_normal(cur): every line and every join so far
  const LineRule* dropping_list = nullptr;
  auto flush = [&] {
    if (!cur.empty()) raw.push_back({std::move(cur), false, cur_ws_normal});
    cur.clear();
    cur_ws_normal = true;
  };
  // Rows of the column-aligned block being read: each row is kept as sent (never re-flowed),
  // minus the indentation common to the whole block.
  std::vector<string_view> table;
  auto flush_table = [&] {
    if (table.empty()) return;
    size_t indent = npos;
    for (string_view row : table) indent = std::min(indent, leading_blanks(row));
    for (string_view row : table) raw.push_back({table_row(row.substr(indent)), true, false});
    table.clear();
  };
  ChromeLinePass chrome(env.ctx.learned, env.ctx.sighting);
  for (LineReader lr(text, body_start); lr.next(line);) {
    const string_view t = trim_blanks(line);
    if (t.empty()) {
      flush();
      flush_table();
      // A link list may be sent with blank lines between its header and entries: the list ends
      // at the first line that is not a link entry, not at a blank line.
      continue;
    }
    // A photo caption after a list header is the next page element, not a link entry.
    if (dropping_list != nullptr && looks_like_list_item(t) && !parse_caption(R, t)) {
      ++out.boilerplate_removed;
      env.note(dropping_list->id, "removed", t);
      continue;
    }
    dropping_list = nullptr;
    if (const LineRule* r = match_boilerplate(R, t)) {
      flush();
      ++out.boilerplate_removed;
      env.note(r->id, "removed", t);
      if (r->drops_list) dropping_list = r;
      continue;
    }
    chrome.see(t);
    if (cur.empty() && table.empty() &&
        remove_chrome(env, chrome, text, lr.position(), t, true, out)) {
      continue;
    }
    // One scan of the line for the paragraph's blank check; column gaps need a tab or two
    // blanks, which a ws_normal line does not hold.
    const bool line_ws_normal = ws_normal(t);
    const ColumnShape shape = line_ws_normal ? ColumnShape{} : column_shape(t);
    if (shape.table_row || (table.empty() && shape.heading && [&] {
          LineReader peek = lr;
          string_view next;
          return peek.next(next) && is_table_line(trim_blanks(next));
        }())) {
      flush();
      table.push_back(line);
      continue;
    }
    flush_table();
    const LineKind kind = classify_line(R, t, raw.size() <= 3 && cur.empty());
    if (kind != LineKind::kJoin || is_blank(line[0])) flush();
    const bool join_ws_normal = join_line(cur, t);
    cur_ws_normal = cur_ws_normal && line_ws_normal && join_ws_normal;
    if (kind == LineKind::kStandalone) flush();
  }
  flush();
  flush_table();
  chrome.finish();
  return raw;
}

}  // namespace wirefeed::pipeline::cleaning
