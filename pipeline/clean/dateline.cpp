// Dateline: "LOCATION, Mon DD (Agency) -" at the start of the body. See dateline.hpp for the
// contract.
#include "pipeline/clean/dateline.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

namespace wirefeed::pipeline::cleaning {

namespace {

// A month name from the rules (any language, any case; "Sept.", "März", "déc.") at s[i].
// `capital`: the name must start with a capital (month-first English dates).
std::optional<unsigned> parse_month(const CleanRules& R, string_view s, size_t& i, bool capital) {
  size_t j = i;
  while (j < s.size() && (is_alpha(s[j]) || is_non_ascii(s[j])) && j - i <= R.month_max_len) ++j;
  const string_view word = s.substr(i, j - i);
  if (word.size() < 3 || word.size() > R.month_max_len) return std::nullopt;
  if (capital && !is_upper(word[0])) return std::nullopt;
  const auto it = R.month_by_name.find(fold_case(word));
  if (it == R.month_by_name.end()) return std::nullopt;
  if (j < s.size() && s[j] == '.') ++j;
  i = j;
  return it->second;
}

// Day of month at s[i]: "12", "3." (German), "1er" (French). Advances i.
std::optional<unsigned> parse_day(string_view s, size_t& i, bool day_first) {
  size_t j = i;
  while (j < s.size() && is_digit(s[j]) && j - i < 3) ++j;
  if (j == i || j - i > 2) return std::nullopt;
  unsigned v = 0;
  for (size_t k = i; k < j; ++k) v = v * 10 + static_cast<unsigned>(s[k] - '0');
  if (v < 1 || v > 31) return std::nullopt;
  if (day_first && v == 1 && s.substr(j, 2) == "er") j += 2;
  if (j < s.size() && is_alnum(s[j])) return std::nullopt;
  if (day_first && j < s.size() && s[j] == '.') ++j;
  i = j;
  return v;
}

// Optional year after a date: ", 2023", " 2023", " de 2023". Advances i when present.
unsigned parse_year(string_view s, size_t& i) {
  size_t j = i;
  if (j < s.size() && s[j] == ',') ++j;
  if (j >= s.size() || s[j] != ' ') return 0;
  ++j;
  if (s.substr(j, 3) == "de ") j += 3;
  if (j + 4 > s.size()) return 0;
  unsigned y = 0;
  for (size_t k = j; k < j + 4; ++k) {
    if (!is_digit(s[k])) return 0;
    y = y * 10 + static_cast<unsigned>(s[k] - '0');
  }
  if ((j + 4 < s.size() && is_alnum(s[j + 4])) || y < 1900 || y > 2199) return 0;
  i = j + 4;
  return y;
}

// Wire noise around an all-caps location ("****SANTO DOMINGO", "c    CHICAGO", "ME}LBOURNE"):
// the place is what remains without the noise bytes and a stray lower-case letter before it.
bool looks_like_noisy_place(string_view loc) {
  if (loc.size() > 60) return false;
  std::string kept;
  for (char c : loc) {
    if (c != '*' && c != '{' && c != '}' && c != '|' && c != '~' && c != '^' && c != '#') kept += c;
  }
  string_view k = trim_blanks(kept);
  if (k.size() >= 3 && is_lower(k[0]) && is_blank(k[1])) k = trim_blanks(k.substr(2));
  if (k.size() == trim_blanks(loc).size() || k.empty() || !all_caps(k)) return false;
  return looks_like_place(k);
}

// "Nov 12", "Sept. 3", "November 12" or "12 November" at s[i]. Sets month/day, advances i.
// "Nov 12", "Sept. 3", "November 12", "12 November", "27 novembre", "3. März",
// "5 de diciembre", "1er décembre", each with an optional year. Sets month/day/year (0 if
// absent), advances i.
bool parse_date(const CleanRules& R, string_view s, size_t& i, unsigned& month, unsigned& day,
                unsigned& year, bool capital_month = true) {
  size_t j = i;
  if (auto m = parse_month(R, s, j, capital_month)) {
    if (j >= s.size() || s[j] != ' ') return false;
    ++j;
    if (auto d = parse_day(s, j, false)) {
      month = *m, day = *d;
      year = parse_year(s, j);
      i = j;
      return true;
    }
    return false;
  }
  j = i;
  if (auto d = parse_day(s, j, true)) {
    if (j >= s.size() || s[j] != ' ') return false;
    ++j;
    if (s.substr(j, 3) == "de ") j += 3;
    if (auto m = parse_month(R, s, j, false)) {
      month = *m, day = *d;
      year = parse_year(s, j);
      i = j;
      return true;
    }
  }
  return false;
}

// "(Reuters)" at s[i]: returns the normalised agency and advances past ')'.
std::optional<std::string> parse_agency(string_view s, size_t& i) {
  if (i >= s.size() || s[i] != '(') return std::nullopt;
  const size_t close = s.find(')', i);
  if (close == npos || close - i > 40) return std::nullopt;
  const string_view a = trim_blanks(s.substr(i + 1, close - i - 1));
  if (a.empty()) return std::nullopt;
  const auto words = split_words(a);
  if (words.size() > 4) return std::nullopt;
  for (char c : a) {
    if (!is_alpha(c) && !is_non_ascii(c) && c != ' ' && c != '-' && c != '&' && c != '.' &&
        c != '/') {
      return std::nullopt;
    }
  }
  // "dpa", "AP", and agencies credited together, "tca/dpa" (each part short).
  bool one_short_word = words.size() == 1;
  for (size_t b = 0; one_short_word && b <= a.size();) {
    size_t e = a.find('/', b);
    if (e == npos) e = a.size();
    one_short_word = e > b && e - b <= 6;
    b = e + 1;
  }
  if (!one_short_word) {
    for (string_view w : words) {
      if (!is_upper(w[0]) && !is_non_ascii(w[0])) return std::nullopt;
    }
  }
  i = close + 1;
  if (istarts_with(a, "Reuters")) return std::string("Reuters");
  if (a == "AP" || iequals(a, "Associated Press") || iequals(a, "The Associated Press")) {
    return std::string("AP");
  }
  if (a == "AFP" || istarts_with(a, "Agence France")) return std::string("AFP");
  return std::string(a);
}

// A dash after the dateline: - – — -- _ ― .- (EFE). Advances past it and following blanks.
bool parse_dash(string_view s, size_t& i) {
  size_t j = i;
  while (j < s.size() && s[j] == ' ') ++j;
  const string_view r = s.substr(j);
  size_t len = 0;
  bool needs_space = false;
  if (r.substr(0, std::min<size_t>(r.size(), 2)) == "--" ||
      r.substr(0, std::min<size_t>(r.size(), 2)) == ".-") {  // EFE: "(EFE).- El Gobierno"
    len = 2;
  } else if (!r.empty() && (r[0] == '-' || r[0] == '_')) {
    len = 1, needs_space = true;
  } else if (r.size() >= 3 && r[0] == '\xE2' && r[1] == '\x80' &&
             (r[2] == '\x93' || r[2] == '\x94' || r[2] == '\x95')) {
    len = 3;
  } else {
    return false;
  }
  j += len;
  if (needs_space && j < s.size() && s[j] != ' ') return false;
  while (j < s.size() && s[j] == ' ') ++j;
  i = j;
  return true;
}

std::chrono::year_month_day clamp_received(std::chrono::sys_seconds t) {
  using namespace std::chrono;
  const sys_days lo = sys_days{year{1} / January / 1};
  const sys_days hi = sys_days{year{9999} / December / 31};
  const auto secs = t.time_since_epoch().count();
  const auto lo_s = duration_cast<seconds>(lo.time_since_epoch()).count();
  const auto hi_s = duration_cast<seconds>(hi.time_since_epoch()).count();
  if (secs < lo_s) return year_month_day{lo};
  if (secs > hi_s) return year_month_day{hi};
  return year_month_day{floor<days>(t)};
}

// The year as sent, else the received year or the one before/after, whichever puts the date
// nearest to reception.
std::string resolve_date(unsigned month, unsigned day, unsigned sent_year,
                         std::chrono::sys_seconds received) {
  using namespace std::chrono;
  const year_month_day r = clamp_received(received);
  const sys_days rd{r};
  bool found = false;
  year_month_day best{};
  long long best_diff = 0;
  if (sent_year != 0) {
    best = year_month_day{std::chrono::year{static_cast<int>(sent_year)}, std::chrono::month{month},
                          std::chrono::day{day}};
    found = best.ok();
    if (!found) return {};
  }
  for (int dy = -1; dy <= 1 && sent_year == 0; ++dy) {
    const year_month_day c{r.year() + years{dy}, std::chrono::month{month}, std::chrono::day{day}};
    if (!c.ok()) continue;
    long long diff = (sys_days{c} - rd).count();
    if (diff < 0) diff = -diff;
    if (!found || diff < best_diff) found = true, best = c, best_diff = diff;
  }
  if (!found) return {};
  const int y = static_cast<int>(best.year());
  const unsigned m = static_cast<unsigned>(best.month());
  const unsigned d = static_cast<unsigned>(best.day());
  std::string out(10, '0');
  out[0] = static_cast<char>('0' + (y / 1000) % 10);
  out[1] = static_cast<char>('0' + (y / 100) % 10);
  out[2] = static_cast<char>('0' + (y / 10) % 10);
  out[3] = static_cast<char>('0' + y % 10);
  out[4] = '-';
  out[5] = static_cast<char>('0' + m / 10);
  out[6] = static_cast<char>('0' + m % 10);
  out[7] = '-';
  out[8] = static_cast<char>('0' + d / 10);
  out[9] = static_cast<char>('0' + d % 10);
  return out;
}

// Agency first: "(ANSA) - Rome, October 11 - " or "(Agency) - LOCATION - ". The location is
// at most four words that look like a place; the date, when present, is a full day and month.
std::optional<DatelineMatch> agency_first(const CleanRules& R, string_view p, size_t window,
                                          const CleanContext& ctx) {
  size_t i = 0;
  auto agency = parse_agency(p, i);
  if (!agency || !parse_dash(p, i)) return std::nullopt;
  const size_t start = i;
  for (size_t k = start; k < window; ++k) {
    if (p[k] != ',' && p[k] != ' ') continue;
    const string_view loc = trim_blanks(p.substr(start, k - start));
    if (loc.empty() || split_words(loc).size() > 4) return std::nullopt;
    size_t j = k;
    unsigned month = 0, day = 0, year = 0;
    bool dated = false;
    if (p[k] == ',' && k + 1 < p.size() && p[k + 1] == ' ') {
      j = k + 2;
      dated = parse_date(R, p, j, month, day, year, true);
      if (!dated) continue;  // "Rome, Italy, Oct 11 -": the comma is inside the location
    } else if (p[k] != ' ') {
      continue;
    }
    if (!parse_dash(p, j) || !looks_like_place(loc)) continue;
    return DatelineMatch{
        {std::string(loc), dated ? resolve_date(month, day, year, ctx.received_at) : std::string(),
         std::move(*agency)},
        j};
  }
  return std::nullopt;
}

}  // namespace

// "LOCATION, Mon DD (Agency) - ", "LOCATION (Agency) - ", "LOCATION, Mon DD - " or agency first,
// "(Agency) - Location, Month DD - ", at the start of `p` (whitespace-normalised). Only the
// first ~120 bytes are examined.
std::optional<DatelineMatch> parse_dateline(const CleanRules& R, string_view p,
                                            const CleanContext& ctx) {
  const size_t window = std::min<size_t>(p.size(), 120);
  if (!p.empty() && p[0] == '(') {
    if (auto m = agency_first(R, p, window, ctx)) return m;
  }
  // Form 1: location, date [(agency)] dash.
  for (size_t c = p.find(','); c != npos && c < window; c = p.find(',', c + 1)) {
    if (c + 1 >= p.size() || p[c + 1] != ' ') continue;
    size_t i = c + 2;
    unsigned month = 0;
    unsigned day = 0;
    unsigned year = 0;
    // An all-caps location may be followed by a lower-case month ("NEW YORK, march 2 -").
    if (!parse_date(R, p, i, month, day, year, true)) {
      if (i >= p.size() || !is_lower(p[i]) || !all_caps(p.substr(0, c)) ||
          !parse_date(R, p, i, month, day, year, false)) {
        continue;
      }
    }
    std::string agency;
    size_t j = i;
    while (j < p.size() && p[j] == ' ') ++j;
    if (auto a = parse_agency(p, j)) {
      agency = std::move(*a);
      i = j;
    }
    if (!parse_dash(p, i)) continue;
    const string_view loc = trim_blanks(p.substr(0, c));
    if (!looks_like_place(loc) && !looks_like_noisy_place(loc)) return std::nullopt;
    return DatelineMatch{
        {std::string(loc), resolve_date(month, day, year, ctx.received_at), agency}, i};
  }
  // Form 3 (briefs, no location): date (agency) dash, "Nov 12 (Reuters) - Acme Corp:".
  {
    size_t i = 0;
    unsigned month = 0, day = 0, year = 0;
    if (parse_date(R, p, i, month, day, year)) {
      size_t j = i;
      while (j < p.size() && p[j] == ' ') ++j;
      if (auto a = parse_agency(p, j); a && parse_dash(p, j)) {
        return DatelineMatch{{{}, resolve_date(month, day, year, ctx.received_at), std::move(*a)},
                             j};
      }
    }
  }
  // Form 2: location (agency) dash.
  const size_t open = p.find(" (");
  if (open == npos || open >= window) return std::nullopt;
  size_t i = open + 1;
  auto agency = parse_agency(p, i);
  if (!agency || !parse_dash(p, i)) return std::nullopt;
  const string_view loc = trim_blanks(p.substr(0, open));
  if (!looks_like_place(loc)) return std::nullopt;
  return DatelineMatch{{std::string(loc), {}, std::move(*agency)}, i};
}

}  // namespace wirefeed::pipeline::cleaning
