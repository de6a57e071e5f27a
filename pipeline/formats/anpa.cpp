// ANPA-1312 / IPTC 7901 decoder. See document.hpp for the invariants.
//
// A message is one or more transmissions: [SYN SYN] SOH header STX text ETX [trailer]. The
// header carries service level + selector/story number ("a0452"), priority ("r"), category
// ("i") and then, comma separated, the slug/keyword ("BC-Storms-Georgia"), a version
// ("1st Ld-Writethru", "Correction", "Kill"), the word count ("0420") and a date ("11-14").
// In the text: "^" lines are the slug echo and the headline, "=" ending lines are the byline
// block, tab- or space-indented lines start paragraphs, "<" ends one, and trailing
// "AP-WF-11-14-13 1712GMT" transmission tags, "MORE" and "xxx" take markers are dropped (and
// counted in furniture_removed). AP copy may send the keyword line unmarked
// ("BC-Idaho Wildfire,0301", matched against the header slug): it is dropped and the line after
// it is the headline. Column-aligned rows (agate, tables) are kept as sent, one paragraph per
// block with '\n' between rows, never re-flowed.
// Several takes of one slug inside one message are joined in order; a message holding two
// different slugs is refused (one story per message). Text that is not UTF-8 is read as
// Windows-1252/Latin-1, the usual 8-bit wire charset.
#include <optional>

#include "pipeline/formats/document.hpp"
#include "pipeline/formats/text_util.hpp"
#include "pipeline/text/ascii.hpp"
#include "pipeline/text/utf8.hpp"

namespace wirefeed::pipeline::formats {
namespace {

constexpr char kSoh = 0x01, kStx = 0x02, kEtx = 0x03, kEot = 0x04, kSyn = 0x16;

struct Header {
  std::string service;   // service identification: "a" (ANPA service level), "eca" (7901)
  std::string selector;  // message/sequence number: "0452", "062"
  char priority = 0;
  std::string category;  // "i", "rs"
  std::string slug;
  std::string version;
  std::string word_count;
  std::string date;
  // IPTC 7901 layout: the word count follows the category on the header line, the keyword
  // lines ("Germany-politics/") sit between the header and STX, and the text opens with a
  // heading block (take key, headline and byline ending " =").
  bool iptc7901 = false;
  std::string agency;  // 7901: the source code at the end of the header line ("dpa")
  std::string raw;     // the header line(s) as sent, whitespace collapsed (for --explain)
};

struct Segment {
  Header header;
  std::string_view text;
};

bool is_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool is_date(std::string_view s) {  // "11-14" or "11-14-13"
  std::size_t groups = 0, i = 0;
  while (i < s.size()) {
    std::size_t j = i;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    if (j - i < 1 || j - i > 4) return false;
    ++groups;
    if (j == s.size()) break;
    if (s[j] != '-' && s[j] != '/') return false;
    i = j + 1;
    if (i == s.size()) return false;
  }
  return groups >= 2 && groups <= 3;
}

std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && static_cast<unsigned char>(s[i]) <= 0x20) ++i;
    std::size_t j = i;
    while (j < s.size() && static_cast<unsigned char>(s[j]) > 0x20) ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// "a0452", "z6715", "eca062": service identification letters, then the message number.
bool is_service_token(std::string_view t) {
  std::size_t i = 0;
  while (i < t.size() && is_alpha(t[i])) ++i;
  return i >= 1 && i <= 4 && t.size() - i >= 1 && t.size() - i <= 6 && is_digits(t.substr(i));
}

bool is_letters(std::string_view t) {
  if (t.empty()) return false;
  for (char c : t) {
    if (!is_alpha(c)) return false;
  }
  return true;
}

// Priority (one letter or digit) then category (one to three letters) at toks[t].
bool priority_category_at(const std::vector<std::string_view>& toks, std::size_t t) {
  return t + 1 < toks.size() && toks[t].size() == 1 &&
         (is_alpha(toks[t][0]) || is_digits(toks[t])) && toks[t + 1].size() <= 3 &&
         is_letters(toks[t + 1]);
}

std::vector<std::string_view> header_lines(std::string_view h) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos <= h.size()) {
    std::size_t nl = h.find('\n', pos);
    if (nl == std::string_view::npos) nl = h.size();
    std::string_view l = text::trim_space(h.substr(pos, nl - pos));
    bool printable = false;
    for (char c : l) printable = printable || static_cast<unsigned char>(c) > 0x20;
    if (printable) out.push_back(l);
    pos = nl + 1;
  }
  return out;
}

// The ANPA / IPTC 7901 header between SOH and STX. Its first token is the service
// identification and message number ("a0452", "eca062"); priority and category follow on the
// same line, or (AP) on the next line when the first carries routing codes ("z6715 US -----").
// Then either the IPTC 7901 word count, keywords and source ("211 ccccb dpa 061"), with the
// keyword lines ending in '/' before STX, or the ANPA slug fields ("BC-Storms-Georgia,1st
// Ld-Writethru,0420,11-14").
Header parse_header(std::string_view h) {
  Header out;
  const std::vector<std::string_view> lines = header_lines(h);
  if (lines.empty()) return out;
  std::vector<std::string_view> toks = split_ws(lines[0]);
  if (toks.empty() || !is_service_token(toks[0])) return out;
  std::size_t letters = 0;
  while (is_alpha(toks[0][letters])) ++letters;
  out.service = std::string(toks[0].substr(0, letters));
  out.selector = std::string(toks[0].substr(letters));
  std::size_t next_line = 1, t = 1;
  if (!priority_category_at(toks, 1) && lines.size() > 1 &&
      priority_category_at(split_ws(lines[1]), 0)) {
    toks = split_ws(lines[1]);  // line 1 holds routing codes only
    next_line = 2;
    t = 0;
  }
  out.raw = collapse_space(lines[0]);
  if (next_line == 2) out.raw += " " + collapse_space(lines[1]);
  if (t < toks.size() && toks[t].size() == 1 && (is_alpha(toks[t][0]) || is_digits(toks[t]))) {
    out.priority = toks[t++][0];
  }
  if (t < toks.size() && toks[t].size() <= 3 && is_letters(toks[t])) {
    out.category = std::string(toks[t++]);
  }
  if (t < toks.size() && is_digits(toks[t]) && toks[t].size() <= 6) {
    out.iptc7901 = true;
    out.word_count = std::string(toks[t++]);
    for (; t < toks.size(); ++t) {
      if (is_alpha(toks[t][0])) out.agency = std::string(toks[t]);
    }
    std::string slug;
    for (std::size_t i = next_line; i < lines.size(); ++i) {
      std::string_view k = lines[i];
      if (k.back() != '/') continue;
      while (!k.empty() && k.back() == '/') k.remove_suffix(1);
      k = text::trim_space(k);
      if (k.empty()) continue;
      if (!slug.empty()) slug += "/";
      slug.append(k);
    }
    out.slug = collapse_space(slug);
    return out;
  }
  std::string rest;
  for (; t < toks.size(); ++t) {
    if (!rest.empty()) rest.push_back(' ');
    rest.append(toks[t]);
  }
  // Fields are comma separated; the slug is the first word; the word count and date may also
  // follow without commas.
  std::size_t pos = 0;
  bool first = true;
  std::string version;
  while (pos <= rest.size()) {
    std::size_t comma = rest.find(',', pos);
    if (comma == std::string::npos) comma = rest.size();
    std::string_view field = text::trim_space(std::string_view(rest).substr(pos, comma - pos));
    pos = comma + 1;
    std::vector<std::string_view> words = split_ws(field);
    std::size_t w = 0;
    if (first && !words.empty()) {
      out.slug = std::string(words[w++]);
      first = false;
    }
    std::string kept;
    for (; w < words.size(); ++w) {
      if (is_digits(words[w]) && words[w].size() >= 3 && words[w].size() <= 5 &&
          out.word_count.empty()) {
        out.word_count = std::string(words[w]);
      } else if (is_date(words[w]) && out.date.empty()) {
        out.date = std::string(words[w]);
      } else {
        if (!kept.empty()) kept.push_back(' ');
        kept.append(words[w]);
      }
    }
    if (!kept.empty()) {
      if (!version.empty()) version += ", ";
      version += kept;
    }
  }
  out.version = version;
  return out;
}

std::vector<Segment> segments(std::string_view s) {
  std::vector<Segment> out;
  std::size_t pos = 0;
  while (pos < s.size()) {
    const std::size_t soh = s.find(kSoh, pos);
    const std::size_t stx_any = s.find(kStx, pos);
    if (soh == std::string_view::npos && stx_any == std::string_view::npos) break;
    Segment seg;
    std::size_t text_start = 0;
    if (soh != std::string_view::npos && (stx_any == std::string_view::npos || soh < stx_any)) {
      std::size_t stx = s.find(kStx, soh + 1);
      const std::size_t next_soh = s.find(kSoh, soh + 1);
      if (stx == std::string_view::npos || (next_soh != std::string_view::npos && next_soh < stx)) {
        // No STX: the header is the first line.
        std::size_t nl = s.find('\n', soh + 1);
        if (nl == std::string_view::npos) nl = s.size();
        seg.header = parse_header(s.substr(soh + 1, nl - soh - 1));
        text_start = nl;
      } else {
        seg.header = parse_header(s.substr(soh + 1, stx - soh - 1));
        text_start = stx + 1;
      }
      if (seg.header.service.empty()) {
        // Every IPTC 7901 / ANPA header opens with the service level and sequence number
        // ("a0452"). Without it the SOH only frames plain copy: what follows is story text
        // (usually the headline), not a header to be parsed away.
        seg.header = Header{};
        text_start = soh + 1;
      }
    } else {
      text_start = stx_any + 1;
    }
    std::size_t end = s.find(kEtx, text_start);
    const std::size_t next_soh = s.find(kSoh, text_start);
    if (end == std::string_view::npos || (next_soh != std::string_view::npos && next_soh < end)) {
      end = next_soh == std::string_view::npos ? s.size() : next_soh;
      pos = end;
    } else {
      pos = end + 1;
    }
    seg.text = s.substr(std::min(text_start, s.size()), end - std::min(text_start, end));
    out.push_back(seg);
  }
  return out;
}

// "AP-WF-11-14-13 1712GMT", "APW-11-14-13 1712EST": a transmission tag line.
bool is_transmission_tag(std::string_view line) {
  std::vector<std::string_view> w = split_ws(line);
  if (w.empty() || w.size() > 2) return false;
  std::string_view a = w[0];
  std::size_t i = 0;
  while (i < a.size() && ((a[i] >= 'A' && a[i] <= 'Z') || a[i] == '-')) ++i;
  if (i < 3 || a.find('-') == std::string_view::npos) return false;
  if (!is_date(a.substr(i))) return false;
  if (w.size() == 2) {
    std::string_view b = w[1];
    if (b.size() < 4 || !is_digits(b.substr(0, 4))) return false;
  }
  return true;
}

bool is_take_marker(std::string_view line) {
  const std::string l = text::lower_ascii(text::trim_space(line));
  return l == "more" || l == "(more)" || l == "xxx" || l == "-more-" || l == "=" || l == "end" ||
         l == "-0-" || l == "(end)";
}

std::string slug_base(std::string_view slug) {
  std::string s = text::lower_ascii(slug);
  for (std::string_view cycle : {"bc-", "am-", "pm-"}) {
    if (s.rfind(cycle, 0) == 0) return s.substr(cycle.size());
  }
  return s;
}

// Letters and digits of `s`, lower-cased: "BC-Idaho Wildfire" and "BC-Idaho-Wildfire" agree.
std::string slug_key(std::string_view s) {
  std::string k;
  for (char c : s) {
    if (is_alpha(c) || (c >= '0' && c <= '9')) k.push_back(static_cast<char>(c | 0x20));
  }
  return k;
}

// A keyword line echoing the header's slug: "BC-Idaho Wildfire,0301", "BC-US--Ethanol-Losing
// Grassland, 1st Ld-Writethru,1140" (slug, then comma-separated version and word count fields).
// The header may carry the slug truncated to its field width ("BC-US--Ethanol-LosingGra"), so
// one key may extend the other; with or without the cycle ("BC-").
bool echoes_slug(std::string_view l, const Header& h) {
  if (h.slug.empty() || l.size() > 160) return false;
  const std::string_view first = l.substr(0, l.find(','));
  for (const auto& [a, b] : {std::pair{slug_key(h.slug), slug_key(first)},
                             std::pair{slug_key(slug_base(h.slug)), slug_key(slug_base(first))}}) {
    if (a.size() < 3 || b.size() < 3) continue;
    if (a == b) return true;
    const std::size_t n = std::min(a.size(), b.size());
    // A truncated header slug: long enough to name the story on its own.
    if (n >= 12 && a.compare(0, n, b, 0, n) == 0) return true;
  }
  return false;
}

// The fields of a keyword line: slug (first field), version (fields that are not a word count
// or date), word count.
void read_keyword_line(std::string_view l, std::string& slug, std::string& version) {
  std::size_t pos = 0;
  bool first = true;
  while (pos <= l.size()) {
    std::size_t comma = l.find(',', pos);
    if (comma == std::string_view::npos) comma = l.size();
    const std::string f = collapse_space(l.substr(pos, comma - pos));
    pos = comma + 1;
    if (f.empty()) continue;
    if (first) {
      slug = f;
      first = false;
    } else if (!is_digits(f) && !is_date(f)) {
      if (!version.empty()) version += ", ";
      version += f;
    }
  }
}

bool istarts(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && text::iequals(s.substr(0, prefix.size()), prefix);
}

// "Eds: ...", "(Eds: ...)", "EDITOR'S NOTE _ ...": an advisory to editors, not story text.
// Returns the note without its label, or nullopt.
std::optional<std::string> editor_note(std::string_view l) {
  l = text::trim_space(l);
  if (l.size() > 2 && l.front() == '(' && l.back() == ')') l = l.substr(1, l.size() - 2);
  std::size_t skip = 0;
  if (istarts(l, "eds:") || istarts(l, "ed's:")) {
    skip = l.find(':') + 1;
  } else {
    for (std::string_view label : {"editor's note", "editors' note", "editors note",
                                   "editor\xE2\x80\x99s note", "note to editors"}) {
      if (istarts(l, label)) {
        skip = label.size();
        break;
      }
    }
    if (skip == 0) return std::nullopt;
  }
  std::string_view rest = text::trim_space(l.substr(skip));
  while (!rest.empty() && (rest.front() == ':' || rest.front() == '_' || rest.front() == '-')) {
    rest = text::trim_space(rest.substr(1));
  }
  if (rest.empty()) return std::nullopt;
  return collapse_space(rest);
}

// "AP Photo GATK105, GATK106", "AP Photos XNP101": the agency's references to the pictures
// (videos, graphics) sent with the story: a short name, the media word, then only codes
// (capital letters and digits).
bool media_refs(std::string_view l, std::string& type, std::vector<std::string>& codes) {
  std::vector<std::string> words;
  {
    std::string cur;
    for (char c : l) {
      if (c == ',' || c == ';' || static_cast<unsigned char>(c) <= 0x20) {
        if (!cur.empty()) words.push_back(std::move(cur));
        cur.clear();
      } else {
        cur.push_back(c);
      }
    }
    if (!cur.empty()) words.push_back(std::move(cur));
  }
  std::size_t k = 0;
  for (; k < words.size() && k <= 3; ++k) {
    const std::string w = text::lower_ascii(words[k]);
    if (w == "photo" || w == "photos") type = "picture";
    if (w == "video" || w == "videos") type = "video";
    if (w == "graphic" || w == "graphics") type = "graphic";
    if (!type.empty()) break;
    if (!is_alpha(words[k][0]) || words[k][0] < 'A' || words[k][0] > 'Z') return false;
  }
  if (type.empty() || k == 0 || k + 1 >= words.size()) return false;
  for (std::size_t i = k + 1; i < words.size(); ++i) {
    const std::string& w = words[i];
    bool digit = false, upper = false;
    for (char c : w) {
      if (c >= '0' && c <= '9') {
        digit = true;
      } else if (c >= 'A' && c <= 'Z') {
        upper = true;
      } else {
        return false;
      }
    }
    if (!digit || !upper || w.size() < 3 || w.size() > 16) return false;
    codes.push_back(w);
  }
  return true;
}

// "By CHARLES ODUM=", "By PAUL BYRNE and ALMUDENA CALATRAVA=": a byline ended by '='.
bool is_byline_line(std::string_view l) { return istarts(l, "by ") && l.size() > 3; }

std::string_view strip_equals(std::string_view l) {
  while (!l.empty() && (l.back() == '=' || l.back() == ' ')) l.remove_suffix(1);
  return l;
}

// Cells separated by runs of 2+ blanks or a tab, at least three of them: an agate/table row
// ("Boston            56  35  .615     _"). Gaps after sentence punctuation do not count
// (two spaces after a full stop are prose).
bool is_column_row(std::string_view l) {
  int gaps = 0;
  for (std::size_t i = 1; i < l.size(); ++i) {
    if ((l[i] != ' ' && l[i] != '\t') || l[i - 1] == ' ' || l[i - 1] == '\t') continue;
    std::size_t j = i;
    while (j < l.size() && (l[j] == ' ' || l[j] == '\t')) ++j;
    const char before = l[i - 1];
    const bool sentence = before == '.' || before == ',' || before == ';' || before == ':' ||
                          before == '?' || before == '!' || before == '"';
    if (j < l.size() && (j - i >= 2 || l[i] == '\t') && !sentence) ++gaps;
    i = j - 1;
  }
  return gaps >= 2;
}

struct TextState {
  StructuredDoc& doc;
  const Header& header;
  std::size_t max_paragraphs;
  std::string cur{};
  bool byline_done = false;
  bool text_seen = false;      // any line kept or dropped after the header
  bool headline_next = false;  // after an unmarked slug echo: the next line is the headline
  bool body_started = false;   // a story paragraph (not a display or byline line) was read
  bool after_byline = false;   // the previous line was the byline: a '=' line is its title
  std::string table{};         // column rows as sent, '\n'-separated (never re-flowed)
  std::vector<std::size_t>* display = nullptr;  // paragraphs from '^' lines read before the body

  void note(std::string rule, std::string field, std::string_view text) {
    doc.framing.push_back(FramingNote{std::move(rule), std::move(field), collapse_space(text)});
  }

  void flush() {
    flush_table();
    std::string p = collapse_space(cur);
    cur.clear();
    if (!p.empty() && doc.paragraphs.size() < max_paragraphs)
      doc.paragraphs.push_back(std::move(p));
  }

  void flush_table() {
    if (!table.empty() && doc.paragraphs.size() < max_paragraphs)
      doc.paragraphs.push_back(std::move(table));
    table.clear();
  }

  void keyword_line(std::string_view l) {
    std::string slug, version;
    read_keyword_line(l, slug, version);
    if (!doc.headline.empty()) {  // a later take's keyword line ("Take 2"): not the story's
      ++doc.furniture_removed;
      note("anpa.keyword-line", "removed", l);
      return;
    }
    // The keyword line carries the slug at full length and the version as edited ("1st
    // Ld-Writethru"); the header may truncate or compress both.
    if (slug_key(slug).size() > slug_key(doc.slugline).size()) doc.slugline = slug;
    if (!version.empty()) doc.source_version = version;
    ++doc.furniture_removed;
    note("anpa.keyword-line", "slugline", l);
  }

  // Lines before the story text that are framing, not text: editor's notes, media references,
  // the byline and its title. Returns true when `l` was one of them.
  bool front_matter(std::string_view l, bool marked) {
    if (body_started) return false;
    if (auto n = editor_note(l)) {
      flush();
      doc.ednotes.push_back(std::move(*n));
      ++doc.furniture_removed;
      note("anpa.eds-note", "editor_notes", l);
      after_byline = false;
      return true;
    }
    std::string type;
    std::vector<std::string> codes;
    if (media_refs(l, type, codes)) {
      flush();
      for (std::string& c : codes) {
        doc.media.push_back(DocMedia{std::move(c), type, {}, {}});
      }
      ++doc.furniture_removed;
      note("anpa.media-refs", "media", l);
      after_byline = false;
      return true;
    }
    if (l.back() == '=' && (!marked || is_byline_line(l) || after_byline)) {
      flush();
      const std::string b = collapse_space(strip_equals(l));
      if (after_byline && doc.byline_title.empty() && !is_byline_line(l)) {
        doc.byline_title = b;  // "AP Sports Writer=": the byline's title
        note("anpa.byline-title", "contributors.title", l);
        after_byline = false;
      } else if (doc.byline.empty()) {
        doc.byline = b;
        note("anpa.byline", "contributors", l);
        after_byline = true;
      }
      return true;
    }
    return false;
  }

  void line(std::string_view raw) {
    const bool indented =
        !raw.empty() && (raw[0] == '\t' || (raw.size() > 1 && raw[0] == ' ' && raw[1] == ' '));
    std::string_view l = text::trim_space(raw);
    if (l.empty()) {
      flush();
      return;
    }
    if (is_transmission_tag(l) || is_take_marker(l)) {
      flush();
      ++doc.furniture_removed;
      return;
    }
    const bool first = !text_seen;
    text_seen = true;
    if (first && l[0] != '^' && doc.headline.empty() && doc.paragraphs.empty() &&
        echoes_slug(l, header)) {
      keyword_line(l);  // AP's keyword line, sent without the '^' mark
      headline_next = true;
      return;
    }
    if (headline_next) {
      headline_next = false;
      if (!indented && l[0] != '^' && l.back() != '=' && doc.headline.empty()) {
        doc.headline = collapse_space(l);
        return;
      }
    }
    if (l[0] != '^' && is_column_row(raw)) {
      // Kept as sent, minus control characters (fill, NUL) and trailing blanks.
      std::string row;
      for (char ch : raw) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == 0x7f || (c < 0x20 && c != '\t')) continue;
        row.push_back(ch);
      }
      row.erase(row.find_last_not_of(" \t") + 1);
      if (is_column_row(row)) {
        std::string keep = collapse_space(cur);
        cur.clear();
        if (!keep.empty() && doc.paragraphs.size() < max_paragraphs) {
          doc.paragraphs.push_back(std::move(keep));
        }
        if (!table.empty()) table.push_back('\n');
        table.append(row);
        body_started = true;
        return;
      }
    }
    flush_table();
    if (l[0] == '^') {
      flush();
      std::string_view h = l.substr(1);
      while (!h.empty() && (h.back() == '<' || h.back() == '^' || h.back() == ' ')) {
        h.remove_suffix(1);
      }
      h = text::trim_space(h);
      if (h.empty()) return;
      // The echo is the slug itself, with or without its cycle, then "," fields or nothing.
      if (!body_started && echoes_slug(h, header)) {
        keyword_line(h);
        return;
      }
      if (front_matter(h, true)) return;
      after_byline = false;
      if (doc.headline.empty()) {
        doc.headline = collapse_space(h);
        note("anpa.headline", "headline", h);
      } else {
        cur.append(strip_equals(h));
        flush();
        if (!body_started && display != nullptr && !doc.paragraphs.empty()) {
          display->push_back(doc.paragraphs.size() - 1);
        }
      }
      return;
    }
    if (!byline_done && doc.paragraphs.empty() && front_matter(l, false)) return;
    after_byline = false;
    if (!doc.byline.empty()) byline_done = true;
    body_started = true;
    if (indented) flush();
    const bool ends = l.back() == '<';
    if (ends) l.remove_suffix(1);
    cur.append(l);
    cur.push_back(' ');
    if (ends) flush();
  }
};

// The IPTC 7901 heading block: the lines after STX up to the first blank line. A line ending
// " =" is the headline (or, when it starts with "By ", the byline); without one, the last line
// that is not the byline is the headline; lines before it are the take key ("REFILE", "1ST
// LEAD"); a line ending '/' is a keyword line. Returns the index of the first line after it.
std::size_t heading_block(const std::vector<std::string>& lines, StructuredDoc& doc,
                          std::size_t max_paragraphs) {
  std::size_t i = 0;
  while (i < lines.size() && text::trim_space(lines[i]).empty()) ++i;
  const std::size_t start = i;
  while (i < lines.size() && !text::trim_space(lines[i]).empty()) ++i;
  if (i == start || i - start > 8) return start;
  std::vector<std::string_view> block;
  for (std::size_t k = start; k < i; ++k) block.push_back(text::trim_space(lines[k]));
  std::size_t headline = block.size(), byline = block.size();
  for (std::size_t k = 0; k < block.size(); ++k) {
    if (block[k].back() == '/' && headline == block.size()) {
      std::string_view kw = block[k];
      while (!kw.empty() && kw.back() == '/') kw.remove_suffix(1);
      if (doc.slugline.empty()) doc.slugline = collapse_space(kw);
      doc.framing.push_back(FramingNote{"iptc7901.keyword-line", "slugline", collapse_space(kw)});
      continue;
    }
    if (is_byline_line(block[k]) && byline == block.size()) {
      byline = k;
    } else if (block[k].back() == '=' && headline == block.size()) {
      headline = k;
    }
  }
  if (headline == block.size()) {
    for (std::size_t k = block.size(); k-- > 0;) {
      if (k != byline && block[k].back() != '/') {
        headline = k;
        break;
      }
    }
  }
  if (headline == block.size()) return start;
  std::string take;
  for (std::size_t k = 0; k < headline; ++k) {
    if (block[k].back() == '/' || k == byline) continue;
    if (!take.empty()) take.push_back(' ');
    take.append(collapse_space(block[k]));
  }
  if (!take.empty()) {
    if (doc.source_version.empty()) doc.source_version = take;
    doc.framing.push_back(FramingNote{"iptc7901.take-key", "version", take});
  }
  doc.headline = collapse_space(strip_equals(block[headline]));
  doc.framing.push_back(FramingNote{"iptc7901.headline", "headline", doc.headline});
  if (byline != block.size()) {
    doc.byline = collapse_space(strip_equals(block[byline]));
    doc.framing.push_back(FramingNote{"iptc7901.byline", "contributors", doc.byline});
  }
  for (std::size_t k = headline + 1; k < block.size(); ++k) {
    if (k == byline || doc.paragraphs.size() >= max_paragraphs) continue;
    // A line of only '=' or of control fill (DEL rubouts) is not blank to trim_space but has
    // no text once collapsed: it is not a paragraph (paragraphs are never empty).
    std::string p = collapse_space(strip_equals(block[k]));
    if (!p.empty()) doc.paragraphs.push_back(std::move(p));
  }
  return i;
}

// A service block at the end of the text, not for publication: a notebook heading ("# dpa
// NOTEBOOK", "## Editorial contacts") or a "not (intended) for publication" line, with the
// separator line ("* * * *") before it. Returns its first line, or lines.size().
std::size_t service_block(const std::vector<std::string>& lines, std::size_t from) {
  bool text_seen = false;
  for (std::size_t i = from; i < lines.size(); ++i) {
    const std::string_view l = text::trim_space(lines[i]);
    if (l.empty()) continue;
    const bool heading = !lines[i].empty() && lines[i][0] == '#' &&
                         (istarts(l, "# ") || istarts(l, "## ") || istarts(l, "### ")) &&
                         l.size() > 3;
    const std::string low = text::lower_ascii(l);
    const bool not_for_publication = low.find("not for publication") != std::string::npos ||
                                     low.find("not intended for publication") != std::string::npos;
    if (text_seen && (heading || not_for_publication)) {
      std::size_t s = i;
      // The separator before it belongs to the block.
      for (std::size_t k = i; k-- > from;) {
        const std::string_view p = text::trim_space(lines[k]);
        if (p.empty()) continue;
        if (p.find_first_not_of("*-_= ") == std::string_view::npos && p.size() >= 3) s = k;
        break;
      }
      return s;
    }
    text_seen = true;
  }
  return lines.size();
}

// The desk's sign-off at the end of the text: the agency code then editors' initials
// ("dpa wsz jln npr").
bool is_signoff(std::string_view l, std::string_view agency) {
  if (agency.empty()) return false;
  const std::vector<std::string_view> w = split_ws(l);
  if (w.size() < 2 || w.size() > 10) return false;
  const std::string base = text::lower_ascii(agency.substr(0, agency.find('-')));
  if (text::lower_ascii(w[0]) != base) return false;
  for (std::size_t i = 1; i < w.size(); ++i) {
    if (w[i].size() < 2 || w[i].size() > 4) return false;
    for (char c : w[i]) {
      if (c < 'a' || c > 'z') return false;
    }
  }
  return true;
}

uint32_t urgency_of(char priority) {
  switch (priority) {
    case 'f':
    case 'F':
      return 1;  // flash
    case 'b':
    case 'B':
      return 2;  // bulletin
    case 'u':
    case 'U':
      return 3;  // urgent
    case 'r':
    case 'R':
      return 5;  // regular
    case 's':
    case 'S':
      return 5;  // (some services) regular/standard
    case 'd':
    case 'D':
      return 7;  // deferred
    case 'a':
    case 'A':
      return 6;  // advisory
    default:
      return priority >= '1' && priority <= '9' ? static_cast<uint32_t>(priority - '0') : 0;
  }
}

std::string_view category_name(char c) {
  switch (c) {
    case 'a':
      return "domestic news";
    case 'b':
      return "special events";
    case 'd':
      return "food";
    case 'e':
      return "entertainment";
    case 'f':
      return "financial";
    case 'i':
      return "international";
    case 'j':
      return "lottery";
    case 'k':
      return "commentary";
    case 'l':
      return "lifestyle";
    case 'n':
      return "state and regional";
    case 'o':
      return "weather";
    case 'p':
      return "politics";
    case 'q':
      return "sports results";
    case 's':
      return "sports";
    case 't':
      return "travel";
    case 'v':
      return "advisories";
    case 'w':
      return "Washington";
    default:
      return "";
  }
}

bool has_word(std::string_view s, std::string_view w) {
  const std::string l = text::lower_ascii(s);
  std::size_t pos = 0;
  while ((pos = l.find(w, pos)) != std::string::npos) {
    const bool left = pos == 0 || !is_alpha(l[pos - 1]);
    const bool right = pos + w.size() == l.size() || !is_alpha(l[pos + w.size()]);
    if (left && right) return true;
    pos += w.size();
  }
  return false;
}

}  // namespace

FormatResult decode_anpa(std::string_view bytes, const FormatLimits& limits) {
  std::string converted;
  if (text::find_invalid_utf8(bytes) != std::string_view::npos) {
    converted = text::latin1_to_utf8(bytes);
    bytes = converted;
  }
  std::vector<Segment> segs = segments(bytes);
  if (segs.empty()) {
    return FormatError{DocFormat::kAnpa, false, "no SOH or STX framing found"};
  }
  const Header& head = segs.front().header;
  for (const Segment& s : segs) {
    if (!s.header.slug.empty() && !head.slug.empty() &&
        slug_base(s.header.slug) != slug_base(head.slug)) {
      return FormatError{DocFormat::kAnpa, false,
                         "message holds more than one story (slugs \"" + collapse_space(head.slug) +
                             "\" and \"" + collapse_space(s.header.slug) +
                             "\"); send one story per message"};
    }
  }
  StructuredDoc doc;
  doc.format = DocFormat::kAnpa;
  doc.slugline = collapse_space(head.slug);
  doc.source_version = collapse_space(head.version);
  doc.urgency = urgency_of(head.priority);
  if (!head.category.empty()) {
    const std::string c = text::lower_ascii(head.category);
    doc.subjects.push_back(DocSubject{
        c, std::string(c.size() == 1 ? category_name(c[0]) : std::string_view{}), "anpa-category"});
  }
  if (head.iptc7901) {
    doc.provider = head.agency.substr(0, head.agency.find('-'));
    doc.framing.push_back(FramingNote{"iptc7901.header", "header", head.raw});
    if (!doc.slugline.empty()) {
      doc.framing.push_back(FramingNote{"iptc7901.keyword-line", "slugline", doc.slugline});
    }
  } else if (!head.raw.empty()) {
    doc.framing.push_back(FramingNote{"anpa.header", "header", head.raw});
  }
  // The slug and date name the story across its leads, writethrus, corrections and kills. A
  // continuation sent alone ("Take 2", "2nd Add", "Insert", "Sub") is not a new version of the
  // story, so it gets no item id (it must neither supersede take 1 nor be suppressed by it).
  const std::string& hv = head.version;
  const bool continuation =
      has_word(hv, "take") || has_word(hv, "add") || has_word(hv, "insert") || has_word(hv, "sub");
  if (!doc.slugline.empty() && !head.date.empty() && !continuation) {
    doc.item_id = "anpa:" + slug_base(doc.slugline) + ":" + head.date;
  }
  std::vector<std::size_t> display;
  for (const Segment& s : segs) {
    const Header& h = s.header.service.empty() ? head : s.header;
    std::vector<std::string> lines;
    std::size_t pos = 0;
    while (pos <= s.text.size()) {
      std::size_t nl = s.text.find('\n', pos);
      if (nl == std::string_view::npos) nl = s.text.size();
      std::string clean;
      for (char c : s.text.substr(pos, nl - pos)) {
        if (c == kSyn || c == kEot || c == '\r' || c == kSoh || c == kStx) continue;
        clean.push_back(c);
      }
      lines.push_back(std::move(clean));
      pos = nl + 1;
    }
    std::size_t from = 0;
    if (h.iptc7901 && doc.headline.empty()) from = heading_block(lines, doc, limits.max_paragraphs);
    std::size_t to = service_block(lines, from);
    if (to < lines.size()) {
      std::string block;
      bool editors = false;
      for (std::size_t i = to; i < lines.size(); ++i) {
        const std::string_view l = text::trim_space(lines[i]);
        if (l.empty()) continue;
        if (!block.empty()) block += " / ";
        block.append(l);
        // The notebook's note to editors is an editor's note; contacts and links are dropped.
        if (l[0] == '#') {
          const std::string low = text::lower_ascii(l);
          editors =
              low.find("note") != std::string::npos && low.find("editor") != std::string::npos;
        } else if (editors && l[0] == '-' && l.size() > 2) {
          doc.ednotes.push_back(collapse_space(l.substr(1)));
        }
        ++doc.furniture_removed;
      }
      doc.framing.push_back(
          FramingNote{"iptc7901.service-block", "removed", collapse_space(block)});
    }
    for (std::size_t i = to; i-- > from;) {
      const std::string_view l = text::trim_space(lines[i]);
      if (l.empty()) continue;
      if (is_signoff(l, h.agency)) {
        doc.framing.push_back(FramingNote{"iptc7901.signoff", "removed", collapse_space(l)});
        ++doc.furniture_removed;
        to = i;
      }
      break;
    }
    TextState st{doc, h, limits.max_paragraphs};
    st.display = &display;
    for (std::size_t i = from; i < to; ++i) st.line(lines[i]);
    st.flush();
  }
  // AP repeats the lede as a display line before the byline (a summary): when a body paragraph
  // holds the same words, the display copy is dropped.
  for (std::size_t k = display.size(); k-- > 0;) {
    const std::size_t idx = display[k];
    if (idx >= doc.paragraphs.size()) continue;
    const std::string& p = doc.paragraphs[idx];
    if (p.size() < 40) continue;
    const std::string probe = p.substr(0, 60);
    bool repeated = false;
    for (std::size_t j = idx + 1; j < doc.paragraphs.size() && !repeated; ++j) {
      repeated = doc.paragraphs[j].find(probe) != std::string::npos;
    }
    if (!repeated) continue;
    doc.framing.push_back(FramingNote{"anpa.summary-line", "removed", p});
    doc.paragraphs.erase(doc.paragraphs.begin() + static_cast<std::ptrdiff_t>(idx));
    ++doc.furniture_removed;
  }
  const std::string& v = doc.source_version;
  doc.kill = has_word(v, "kill") || has_word(v, "elimination") || has_word(v, "withdrawn") ||
             has_word(doc.slugline, "kill") ||
             text::lower_ascii(doc.headline).rfind("kill", 0) == 0 ||
             text::lower_ascii(doc.headline).rfind("elimination", 0) == 0;
  doc.correction = has_word(v, "correction") || has_word(v, "corrected") || has_word(v, "corrects");
  if (doc.kill) doc.pub_status = "canceled";
  if (doc.headline.empty() && doc.paragraphs.empty() && !doc.kill) {
    return FormatError{DocFormat::kAnpa, false, "framing found but no text between STX and ETX"};
  }
  return doc;
}

}  // namespace wirefeed::pipeline::formats
