// Layout: from normalised text to raw paragraphs. Boilerplate lines (rules), link lists,
// column-aligned tables, editor-note and sign-off line starts, hard-wrap joining; whitespace
// normalisation of a paragraph and the inline boilerplate spans (glued link hints, tail tokens).
//
// Invariants:
// - Boilerplate is matched on whole trimmed lines or anchored spans only, never inside a
//   sentence; every removal is counted in CleanStory::boilerplate_removed and noted in explain.
// - A table row is kept as sent (minus the block's common indentation and trailing blanks);
//   other lines are joined into paragraphs, never re-flowed inside a line.
// - RawParagraph::ws_normal is true only when normalize_ws(text) == text.
// - Linear in the input: each line is read once (plus one look-ahead line for a table heading).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/clean/chrome_lines.hpp"
#include "pipeline/clean/common.hpp"

namespace wirefeed::pipeline::cleaning {

// Collapses blank runs, trims, removes the space before . , ) and after (. A space before
// ; : ? ! stays: that is French typography ("SNCF : le trafic", "pourquoi ?"), spacing as sent.
std::string normalize_ws(string_view s);

// Removes link hints glued to the link text ("statementopens a new tab"). Returns spans removed.
uint32_t strip_glued_link_hints(const Env& env, std::string& p);

// Removes an agency sign-off token closing the paragraph after its last sentence ("... al
// governo. (ANSA)."). Returns tokens removed (0 or 1).
uint32_t strip_tail_token(const Env& env, std::string& p);

// The line rule matching the whole trimmed line `t`, or nullptr.
const LineRule* match_boilerplate(const CleanRules& R, string_view t);

// "(Adds ...)", "(Corrects ...)", "(In ...", "(This ...": an editor's advisory opening `p`.
bool starts_with_advisory(const CleanRules& R, string_view p);

// The note rule whose prefix opens `p` ("Eds: ...", "This story has been corrected ..."), or
// nullptr. The prefix must end at a word end.
const NoteRule* match_note(const CleanRules& R, string_view p);

struct RawParagraph {
  std::string text;
  bool table = false;
  bool ws_normal = false;  // ws_normal(text), known from its lines and joins
};

// Iterates the '\n'-separated lines of a text without materialising them.
class LineReader {
 public:
  explicit LineReader(string_view s, size_t pos = 0) : s_(s), pos_(pos) {}
  // Offset of the line the next call returns.
  size_t position() const { return pos_; }
  bool next(string_view& line) {
    if (pos_ > s_.size()) return false;
    size_t nl = s_.find('\n', pos_);
    if (nl == npos) nl = s_.size();
    line = s_.substr(pos_, nl - pos_);
    pos_ = nl + 1;
    return true;
  }

 private:
  string_view s_;
  size_t pos_;
};

// The paragraphs of `text` from offset `body_start` (after the headline), in order: boilerplate
// lines and link lists dropped (counted in out.boilerplate_removed), wrapped lines joined,
// table rows kept one per paragraph.
// Page chrome by shape or learned (chrome_lines.hpp) on the standalone short line `t` whose
// next line starts at `next_line`: counts and explains it and returns true when it is removed.
// `record`: a body line, offered to the learner (false for the line a headline may stand on).
bool remove_chrome(const Env& env, ChromeLinePass& chrome, string_view text, size_t next_line,
                   string_view t, bool record, CleanStory& out);

std::vector<RawParagraph> assemble_paragraphs(const Env& env, string_view text, size_t body_start,
                                              CleanStory& out);

}  // namespace wirefeed::pipeline::cleaning
