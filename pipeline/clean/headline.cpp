// Headline: the first headline line, its version tags and take marker. See headline.hpp for the
// contract.
#include "pipeline/clean/headline.hpp"

#include <algorithm>
#include <string>

#include "pipeline/clean/contributors.hpp"
#include "pipeline/clean/dateline.hpp"
#include "pipeline/clean/layout.hpp"

namespace wirefeed::pipeline::cleaning {

namespace {

// Consumes "UPDATE 2-" style tags at the start of `h`.
void split_headline_tags(const Env& env, std::string_view& h, CleanStory& out) {
  const CleanRules& R = env.rules;
  for (;;) {
    if (h.empty()) return;
    bool matched = false;
    for (uint32_t k : R.tag_by_byte[static_cast<unsigned char>(h[0])]) {
      const HeadlineTagRule& rule = R.set.headline_tags[k];
      const string_view tag = rule.tag;
      if (h.substr(0, std::min(h.size(), tag.size())) != tag) continue;
      size_t i = tag.size();
      size_t num_start = npos;
      size_t num_end = npos;
      size_t j = i;
      while (j < h.size() && h[j] == ' ') ++j;
      if (j < h.size() && is_digit(h[j])) {
        num_start = j;
        while (j < h.size() && is_digit(h[j]) && j - num_start < 6) ++j;
        num_end = j;
        i = j;
      }
      while (i < h.size() && h[i] == ' ') ++i;
      if (i >= h.size() || h[i] != '-') continue;
      if (i + 1 < h.size() && h[i + 1] == '-') continue;  // "--" is not a tag separator
      ++i;
      while (i < h.size() && h[i] == ' ') ++i;
      if (i >= h.size()) continue;  // nothing left after the tag: keep as headline text
      std::string norm(tag);
      if (num_start != npos) {
        const string_view num = h.substr(num_start, num_end - num_start);
        norm += ' ';
        norm.append(num);
        if (rule.number_is_version) {
          uint32_t v = 0;
          for (char c : num) v = v * 10 + static_cast<uint32_t>(c - '0');
          out.version_number = v;
        }
      }
      env.note(rule.id, "headline.tags", trim_blanks(h.substr(0, i)));
      out.version_tags.push_back(std::move(norm));
      h.remove_prefix(i);
      matched = true;
      break;
    }
    if (!matched) return;
  }
}

// Trailing take marker "=2".
void split_take_marker(std::string_view& h, CleanStory& out) {
  size_t e = h.size();
  size_t d = e;
  while (d > 0 && is_digit(h[d - 1]) && e - d < 3) --d;
  if (d == e || d == 0 || h[d - 1] != '=') return;
  if (d >= 2 && h[d - 2] == '=') return;
  std::string tag = "TAKE ";
  tag.append(h.substr(d, e - d));
  out.version_tags.push_back(std::move(tag));
  h = trim_blanks(h.substr(0, d - 1));
}

// A first line longer than this is a body paragraph of a story sent without a headline.
constexpr size_t kMaxHeadlineBytes = 400;

}  // namespace

size_t read_headline(const Env& env, string_view text, CleanStory& out) {
  const CleanRules& R = env.rules;
  const CleanContext& ctx = env.ctx;
  size_t body_start = text.size() + 1;
  string_view line;
  // Chrome before the headline: judged strictly by shape, or learned; never offered to learning.
  ChromeLinePass chrome(ctx.learned, nullptr);
  for (LineReader lr(text);;) {
    const size_t line_start = lr.position();
    if (!lr.next(line)) break;
    const string_view t = trim_blanks(line);
    if (t.empty()) continue;
    if (const LineRule* r = match_boilerplate(R, t)) {
      ++out.boilerplate_removed;
      env.note(r->id, "removed", t);
      continue;
    }
    if (remove_chrome(env, chrome, text, lr.position(), t, false, out)) continue;
    const std::string h = normalize_ws(t);
    if (h.size() > kMaxHeadlineBytes || parse_dateline(R, h, ctx) || parse_byline(h, nullptr) ||
        starts_with_advisory(R, h)) {
      body_start = line_start;  // no headline: the story opens with its body
      break;
    }
    string_view hv = h;
    split_headline_tags(env, hv, out);
    split_take_marker(hv, out);
    out.headline = std::string(trim_blanks(hv));
    out.headline_all_caps = all_caps(out.headline);
    body_start = lr.position();
    break;
  }
  return body_start;
}

}  // namespace wirefeed::pipeline::cleaning
