// Text helpers for the format decoders. See text_util.hpp for the invariants.
#include "pipeline/formats/text_util.hpp"

#include <array>
#include <chrono>

#include "pipeline/text/ascii.hpp"
#include "pipeline/text/time.hpp"

namespace wirefeed::pipeline::formats {

std::string collapse_space(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    // Control characters other than white space (BEL, ESC, SYN, DEL used as fill/rubout) are
    // dropped, not turned into spaces: "reve<DEL>nue" is "revenue", as the text cleaner does.
    if (c == 0x7f || (c < 0x20 && (c < '\t' || c > '\r'))) continue;
    bool space = c <= 0x20;
    std::size_t skip = 0;
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xA0) {
      space = true;  // U+00A0 no-break space
      skip = 1;
    }
    if (space) {
      pending = !out.empty();
      i += skip;
      continue;
    }
    if (pending) out.push_back(' ');
    pending = false;
    out.push_back(s[i]);
  }
  return out;
}

namespace {

bool indented_line(std::string_view l) {
  return !l.empty() && (l[0] == '\t' || (l.size() > 1 && l[0] == ' ' && l[1] == ' '));
}

// Hard-wrapped copy whose paragraphs open with an indent: some line after the first is
// indented, and some unindented line continues a line that did not end a sentence.
bool indent_paragraphs(std::string_view text) {
  bool first = true, indented = false, wrapped = false;
  char prev_end = '.';
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    const std::string_view t = text::trim_space(line);
    if (t.empty()) continue;
    if (!first) {
      if (indented_line(line)) {
        indented = true;
      } else if (prev_end != '.' && prev_end != '?' && prev_end != '!' && prev_end != '"' &&
                 prev_end != ':') {
        wrapped = true;
      }
    }
    first = false;
    prev_end = t.back();
  }
  return indented && wrapped;
}

}  // namespace

std::vector<std::string> plain_paragraphs(std::string_view text, std::size_t max_paragraphs) {
  bool blank_lines = false;
  {
    std::size_t pos = 0;
    // A blank line between two lines of text (blank lines before or after all text do not
    // separate paragraphs).
    bool content = false, gap = false;
    while (pos <= text.size() && !blank_lines) {
      std::size_t nl = text.find('\n', pos);
      if (nl == std::string_view::npos) nl = text.size();
      const bool blank = text::trim_space(text.substr(pos, nl - pos)).empty();
      if (blank) {
        gap = content;
      } else {
        blank_lines = gap;
        content = true;
      }
      pos = nl + 1;
    }
  }
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    std::string p = collapse_space(cur);
    cur.clear();
    if (!p.empty() && out.size() < max_paragraphs) out.push_back(std::move(p));
  };
  const bool by_indent = !blank_lines && indent_paragraphs(text);
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view line = text.substr(pos, nl - pos);
    if (by_indent) {
      if (indented_line(line)) flush();
      cur.append(line);
      cur.push_back(' ');
    } else if (!blank_lines || text::trim_space(line).empty()) {
      if (!blank_lines) cur.append(line);
      flush();
    } else {
      cur.append(line);
      cur.push_back(' ');
    }
    pos = nl + 1;
  }
  flush();
  return out;
}

bool looks_like_markup(std::string_view text) {
  const std::string_view t = text::trim_space(text);
  if (t.size() < 4 || t[0] != '<') return false;
  const char c = t[1];
  if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
  return t.find("</") != std::string_view::npos || t.find("/>") != std::string_view::npos;
}

std::string normalize_datetime(std::string_view s) {
  s = text::trim_space(s);
  std::chrono::sys_seconds t{};
  if (text::parse_rfc3339(s, t)) return text::format_rfc3339(t);
  std::string ext;
  auto digits = [&](std::size_t pos, std::size_t n) {
    if (pos + n > s.size()) return false;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
    }
    return true;
  };
  if (digits(0, 8) && s.size() >= 15 && s[8] == 'T' && digits(9, 6)) {
    // Basic format: YYYYMMDDTHHMMSS[Z|+hhmm|+hh:mm]
    ext = std::string(s.substr(0, 4)) + "-" + std::string(s.substr(4, 2)) + "-" +
          std::string(s.substr(6, 2)) + "T" + std::string(s.substr(9, 2)) + ":" +
          std::string(s.substr(11, 2)) + ":" + std::string(s.substr(13, 2));
    std::string_view zone = s.substr(15);
    if (zone.empty()) {
      ext += "Z";
    } else if ((zone[0] == '+' || zone[0] == '-') && zone.size() == 5) {
      ext += std::string(zone.substr(0, 3)) + ":" + std::string(zone.substr(3));
    } else {
      ext += zone;
    }
  } else if (s.size() == 10 && digits(0, 4) && s[4] == '-' && digits(5, 2) && s[7] == '-' &&
             digits(8, 2)) {
    ext = std::string(s) + "T00:00:00Z";
  } else if (s.size() == 19 && digits(0, 4) && s[10] == 'T') {
    ext = std::string(s) + "Z";  // no zone: taken as UTC
  } else if (s.size() == 24 && digits(0, 4) && s[10] == 'T' && (s[19] == '+' || s[19] == '-') &&
             digits(20, 4)) {
    // Extended date-time with a basic offset, "2017-08-24T04:38:34+0000" (as newsroom
    // systems write it).
    ext = std::string(s.substr(0, 22)) + ":" + std::string(s.substr(22));
  } else if (s.size() == 8 && digits(0, 8)) {
    ext = std::string(s.substr(0, 4)) + "-" + std::string(s.substr(4, 2)) + "-" +
          std::string(s.substr(6, 2)) + "T00:00:00Z";
  } else {
    return {};
  }
  if (text::parse_rfc3339(ext, t)) return text::format_rfc3339(t);
  return {};
}

long parse_uint(std::string_view s) {
  s = text::trim_space(s);
  if (s.empty()) return -1;
  long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    if (v < 999999999) v = v * 10 + (c - '0');
  }
  return v > 999999999 ? 999999999 : v;
}

}  // namespace wirefeed::pipeline::formats
