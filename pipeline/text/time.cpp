// RFC 3339 date-times. See time.hpp for the invariants.
#include "pipeline/text/time.hpp"

#include <array>
#include <cstdio>

namespace wirefeed::pipeline::text {

bool parse_rfc3339(std::string_view s, std::chrono::sys_seconds& out) {
  using namespace std::chrono;
  auto digits = [&](std::size_t pos, std::size_t len, int& v) {
    if (pos + len > s.size()) return false;
    v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    return true;
  };
  int Y = 0, M = 0, D = 0, h = 0, m = 0, sec = 0;
  if (!digits(0, 4, Y) || s.size() < 20 || s[4] != '-' || !digits(5, 2, M) || s[7] != '-' ||
      !digits(8, 2, D) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(11, 2, h) ||
      s[13] != ':' || !digits(14, 2, m) || s[16] != ':' || !digits(17, 2, sec)) {
    return false;
  }
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return false;
  }
  if (i >= s.size()) return false;
  int offset_min = 0;
  if (s[i] == 'Z' || s[i] == 'z') {
    ++i;
  } else if (s[i] == '+' || s[i] == '-') {
    int oh = 0, om = 0;
    if (!digits(i + 1, 2, oh) || i + 3 >= s.size() || s[i + 3] != ':' || !digits(i + 4, 2, om) ||
        oh > 23 || om > 59) {
      return false;
    }
    offset_min = (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return false;
  }
  if (i != s.size() || h > 23 || m > 59 || sec > 60) return false;
  year_month_day ymd{year{Y}, month{static_cast<unsigned>(M)}, day{static_cast<unsigned>(D)}};
  if (!ymd.ok()) return false;
  out = sys_days{ymd} + hours{h} + minutes{m} + seconds{sec} - minutes{offset_min};
  return true;
}

std::string format_rfc3339(std::chrono::sys_seconds t) {
  using namespace std::chrono;
  const auto day_point = floor<days>(t);
  const year_month_day ymd{day_point};
  const hh_mm_ss hms{t - day_point};
  const int year = int{ymd.year()};
  if (year >= 0 && year <= 9999) {  // the usual case, without snprintf
    std::string out = "0000-00-00T00:00:00Z";
    auto put2 = [&](std::size_t at, long v) {
      out[at] = static_cast<char>('0' + v / 10);
      out[at + 1] = static_cast<char>('0' + v % 10);
    };
    put2(0, year / 100);
    put2(2, year % 100);
    put2(5, static_cast<long>(unsigned{ymd.month()}));
    put2(8, static_cast<long>(unsigned{ymd.day()}));
    put2(11, static_cast<long>(hms.hours().count()));
    put2(14, static_cast<long>(hms.minutes().count()));
    put2(17, static_cast<long>(hms.seconds().count()));
    return out;
  }
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%04d-%02u-%02uT%02d:%02d:%02dZ", int{ymd.year()},
                unsigned{ymd.month()}, unsigned{ymd.day()}, static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return buf.data();
}

}  // namespace wirefeed::pipeline::text
