// The clean/extract stage: clean_story runs the modules of pipeline/clean/ in order. See
// pipeline/clean.hpp for the contract.
//
// Passes (each a single left-to-right scan; no regex, no backtracking):
//   1. chars       HTML entities -> UTF-8; UTF-8 sanitising (invalid bytes -> U+FFFD),
//                  Windows-1252 mojibake repair, control characters, CR/LF and exotic spaces,
//                  NFC composition.
//   2. headline    the first non-boilerplate line, its version tags and take marker.
//   3. layout      boilerplate lines, paragraph assembly (blank lines, indents, hard-wrap
//                  joining, table rows); each line's blank check is done there, so a paragraph is
//                  known to need no whitespace normalisation without a second scan.
//   4. roles       per paragraph (below): glued link hints and tail tokens (layout), editor
//                  notes, bylines and sign-offs (contributors), captions, the dateline.
//   5. quotes      attributed quotations.
//   6. language    language guess and word count, one scan per paragraph.
//
// Fast paths never change a result: scans for rare bytes test eight bytes at a time and fall
// back to the byte-wise rule where a block holds a candidate; text that is already normal is
// moved or copied, not rebuilt; a costly test runs only after a cheap necessary condition holds.
#include "pipeline/clean.hpp"

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pipeline/clean/captions.hpp"
#include "pipeline/clean/chars.hpp"
#include "pipeline/clean/common.hpp"
#include "pipeline/clean/contributors.hpp"
#include "pipeline/clean/dateline.hpp"
#include "pipeline/clean/headline.hpp"
#include "pipeline/clean/language.hpp"
#include "pipeline/clean/layout.hpp"
#include "pipeline/clean/quotes.hpp"
#include "pipeline/clean_rules.hpp"

namespace wirefeed::pipeline {

using namespace cleaning;

CleanStory clean_story(string_view utf8_text, const CleanContext& ctx) {
  const std::shared_ptr<const CleanRules> defaults =
      ctx.rules == nullptr ? default_clean_rules() : nullptr;
  const Env env{ctx.rules != nullptr ? *ctx.rules : *defaults, ctx, ctx.explain};
  const CleanRules& R = env.rules;
  CleanStory out;
  std::string entities;  // decoded copy, only when the text holds an '&'
  string_view raw_text = utf8_text;
  if (raw_text.find('&') != npos) {
    entities = decode_entities(raw_text);
    raw_text = entities;
  }
  const std::string text = normalize_chars(raw_text);

  const size_t body_start = read_headline(env, text, out);
  std::vector<RawParagraph> raw = assemble_paragraphs(env, text, body_start, out);

  // ---- paragraph roles ---------------------------------------------------------------------
  bool content_seen = false;
  bool dateline_done = false;
  for (auto& rp : raw) {
    if (rp.table) {
      out.paragraphs.push_back(std::move(rp.text));
      content_seen = true;
      continue;
    }
    std::string p = rp.ws_normal ? std::move(rp.text) : normalize_ws(rp.text);
    out.boilerplate_removed += strip_glued_link_hints(env, p);
    if (!env.rules.set.tail_tokens.empty()) out.boilerplate_removed += strip_tail_token(env, p);
    // Editor's notes, possibly followed by the story text on the same line.
    string_view rest = p;
    while (starts_with_advisory(R, rest)) {
      const size_t close = matching_paren(rest, 0);
      if (close == npos) break;
      const string_view inner = trim_blanks(rest.substr(1, close - 1));
      if (inner.substr(0, std::min<size_t>(inner.size(), 3)) == "In " ||
          inner.substr(0, std::min<size_t>(inner.size(), 5)) == "This ") {
        if (inner.find("story") == npos && inner.find("version") == npos) break;
      }
      env.note("advisory", "editor_notes", rest.substr(0, close + 1));
      out.editor_notes.emplace_back(inner);
      rest = trim_blanks(rest.substr(close + 1));
    }
    if (rest.size() != p.size()) p = std::string(rest);
    if (p.empty()) continue;
    if (const NoteRule* nr = match_note(R, p)) {
      const string_view note =
          nr->keep_label ? string_view(p) : trim_blanks(string_view(p).substr(nr->prefix.size()));
      if (!note.empty()) {
        env.note(nr->id, "editor_notes", p);
        out.editor_notes.emplace_back(note);
        continue;
      }
    }
    if (!content_seen && parse_byline(p, &out.contributors)) {
      env.note("byline", "contributors", p);
      continue;
    }
    if (auto cap = parse_caption(R, p)) {
      out.boilerplate_removed += cap->chrome_removed;
      const std::string photographer = photographer_from_credit(cap->caption.credit);
      if (!photographer.empty()) {
        add_contributor(out.contributors, {photographer, ContributorRole::kPhotographer, {}});
      }
      env.note(cap->rule, "captions", p);
      out.captions.push_back(std::move(cap->caption));
      continue;
    }
    if (!content_seen && !dateline_done) {
      if (auto d = parse_dateline(R, p, ctx)) {
        env.note("dateline", "dateline", trim_blanks(string_view(p).substr(0, d->body_offset)));
        out.dateline = std::move(d->dateline);
        p.erase(0, d->body_offset);
        dateline_done = true;
        if (p.empty()) continue;
      }
    }
    const RoleRule* role = nullptr;
    if (parse_signoff(R, p, out.contributors, &role)) {
      ++out.boilerplate_removed;
      env.note(role != nullptr ? "signoff:" + role->id : std::string("signoff"), "contributors", p);
      continue;
    }
    if (parse_ap_contributed(R, p, out.contributors)) {
      ++out.boilerplate_removed;
      env.note("ap.contributed", "contributors", p);
      continue;
    }
    content_seen = true;
    out.paragraphs.push_back(std::move(p));
  }

  extract_quotes(env, out);
  LanguageHits hits{};
  for (const auto& p : out.paragraphs) out.word_count += scan_words(p, hits);
  out.language = pick_language(hits);
  if (out.language.empty() && !out.headline.empty()) {
    // Too little body to tell (a brief, an alert): the headline counts too.
    scan_words(out.headline, hits);
    out.language = pick_language(hits);
  }
  return out;
}

}  // namespace wirefeed::pipeline
