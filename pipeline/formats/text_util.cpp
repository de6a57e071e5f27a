// Text helpers for the format decoders. See text_util.hpp for the invariants.
#include "pipeline/formats/text_util.hpp"

#include <array>
#include <chrono>

#include "pipeline/decode.hpp"

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

std::string_view trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && static_cast<unsigned char>(s[b]) <= 0x20) ++b;
  while (e > b && static_cast<unsigned char>(s[e - 1]) <= 0x20) --e;
  return s.substr(b, e - b);
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool icontains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    if (iequals(hay.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    const std::size_t bad = find_invalid_utf8(s);
    out.append(s.substr(0, bad));
    if (bad == std::string_view::npos) break;
    out.append("\xEF\xBF\xBD");  // U+FFFD
    s.remove_prefix(bad + 1);
  }
  return out;
}

std::string latin1_to_utf8(std::string_view s) {
  // Windows-1252 0x80..0x9F; 0 = unassigned (dropped).
  static constexpr std::array<char16_t, 32> kCp1252 = {
      0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
      0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
      0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (unsigned char c : s) {
    char32_t cp = c;
    if (c >= 0x80 && c < 0xA0) cp = kCp1252[c - 0x80];
    if (cp == 0) continue;
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  return out;
}

std::vector<std::string> plain_paragraphs(std::string_view text, std::size_t max_paragraphs) {
  bool blank_lines = false;
  {
    std::size_t pos = 0;
    bool prev_blank = true;
    int lines = 0;
    while (pos <= text.size() && !blank_lines) {
      std::size_t nl = text.find('\n', pos);
      if (nl == std::string_view::npos) nl = text.size();
      const bool blank = trim(text.substr(pos, nl - pos)).empty();
      if (blank && !prev_blank && lines > 0) blank_lines = true;
      prev_blank = blank;
      ++lines;
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
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view line = text.substr(pos, nl - pos);
    if (!blank_lines || trim(line).empty()) {
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

std::string normalize_datetime(std::string_view s) {
  s = trim(s);
  std::chrono::sys_seconds t{};
  if (parse_rfc3339(s, t)) return format_rfc3339(t);
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
  } else if (s.size() == 8 && digits(0, 8)) {
    ext = std::string(s.substr(0, 4)) + "-" + std::string(s.substr(4, 2)) + "-" +
          std::string(s.substr(6, 2)) + "T00:00:00Z";
  } else {
    return {};
  }
  if (parse_rfc3339(ext, t)) return format_rfc3339(t);
  return {};
}

long parse_uint(std::string_view s) {
  s = trim(s);
  if (s.empty()) return -1;
  long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    if (v < 999999999) v = v * 10 + (c - '0');
  }
  return v > 999999999 ? 999999999 : v;
}

}  // namespace wirefeed::pipeline::formats
