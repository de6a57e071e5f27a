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
#include "pipeline/formats/document.hpp"
#include "pipeline/formats/text_util.hpp"
#include "pipeline/text/ascii.hpp"
#include "pipeline/text/utf8.hpp"

namespace wirefeed::pipeline::formats {
namespace {

constexpr char kSoh = 0x01, kStx = 0x02, kEtx = 0x03, kEot = 0x04, kSyn = 0x16;

struct Header {
  char service_level = 0;
  std::string selector;
  char priority = 0;
  char category = 0;
  std::string slug;
  std::string version;
  std::string word_count;
  std::string date;
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

Header parse_header(std::string_view h) {
  Header out;
  std::vector<std::string_view> toks = split_ws(h);
  std::size_t t = 0;
  if (t < toks.size() && toks[t].size() >= 2 && is_alpha(toks[t][0]) &&
      is_digits(toks[t].substr(1))) {
    out.service_level = toks[t][0];
    out.selector = std::string(toks[t].substr(1));
    ++t;
  }
  if (t < toks.size() && toks[t].size() == 1 && (is_alpha(toks[t][0]) || is_digits(toks[t]))) {
    out.priority = toks[t++][0];
  }
  if (t < toks.size() && toks[t].size() == 1 && is_alpha(toks[t][0])) out.category = toks[t++][0];
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
      if (seg.header.service_level == 0) {
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

// An unmarked keyword line echoing the header's slug: "BC-Idaho Wildfire,0301" (slug, then
// comma-separated word count/version fields or nothing).
bool is_unmarked_slug_echo(std::string_view l, const Header& h) {
  if (h.slug.empty() || l.size() > 120) return false;
  const std::string key = slug_key(h.slug);
  return !key.empty() && slug_key(l.substr(0, l.find(','))) == key;
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
  std::string cur;
  bool byline_done = false;
  bool text_seen = false;      // any line kept or dropped after the header
  bool headline_next = false;  // after an unmarked slug echo: the next line is the headline
  std::string table;           // column rows as sent, '\n'-separated (never re-flowed)

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
        is_unmarked_slug_echo(l, header)) {
      ++doc.furniture_removed;  // AP's keyword line, sent without the '^' mark
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
        return;
      }
    }
    flush_table();
    if (l[0] == '^') {
      flush();
      std::string_view h = l.substr(1);
      while (!h.empty() && (h.back() == '<' || h.back() == '^')) h.remove_suffix(1);
      h = text::trim_space(h);
      const std::string base = slug_base(header.slug);
      std::string hl = text::lower_ascii(h);
      // The echo is the slug itself, with or without its cycle, then "," fields or nothing.
      auto starts_field = [](std::string_view line, std::string_view prefix) {
        return !prefix.empty() && line.substr(0, prefix.size()) == prefix &&
               (line.size() == prefix.size() || line[prefix.size()] == ',');
      };
      const bool echo = !header.slug.empty() && (starts_field(hl, text::lower_ascii(header.slug)) ||
                                                 starts_field(slug_base(hl), base));
      if (echo) {
        ++doc.furniture_removed;
      } else if (doc.headline.empty()) {
        doc.headline = collapse_space(h);
      } else {
        cur.append(h);
        flush();
      }
      return;
    }
    if (l.back() == '=' && !byline_done && doc.paragraphs.empty()) {
      flush();
      std::string_view b = l;
      while (!b.empty() && b.back() == '=') b.remove_suffix(1);
      if (doc.byline.empty()) {
        doc.byline = collapse_space(b);
      }
      return;  // "Associated Press Writer=" and the like: the byline's title
    }
    if (!doc.byline.empty()) byline_done = true;
    if (indented) flush();
    const bool ends = l.back() == '<';
    if (ends) l.remove_suffix(1);
    cur.append(l);
    cur.push_back(' ');
    if (ends) flush();
  }
};

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
  if (head.category != 0) {
    const char c = static_cast<char>(head.category | 0x20);
    doc.subjects.push_back(
        DocSubject{std::string(1, c), std::string(category_name(c)), "anpa-category"});
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
  for (const Segment& s : segs) {
    TextState st{doc,
                 s.header.slug.empty() ? head : s.header,
                 limits.max_paragraphs,
                 {},
                 false,
                 false,
                 false,
                 {}};
    std::size_t pos = 0;
    while (pos <= s.text.size()) {
      std::size_t nl = s.text.find('\n', pos);
      if (nl == std::string_view::npos) nl = s.text.size();
      std::string_view line = s.text.substr(pos, nl - pos);
      std::string clean;
      for (char c : line) {
        if (c == kSyn || c == kEot || c == '\r' || c == kSoh || c == kStx) continue;
        clean.push_back(c);
      }
      st.line(clean);
      pos = nl + 1;
    }
    st.flush();
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
