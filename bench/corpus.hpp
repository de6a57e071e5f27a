// Deterministic generator of realistic wire stories for the benchmarks and the dedup evaluation.
//
// Invariants:
// - Deterministic: the output depends only on the injected Rng's seed and the calls made (no
//   clock, no globals, no std::*_distribution whose results differ between standard libraries).
// - All text is written here from word lists and sentence templates (no downloaded text).
// - A Story is kept structured (paragraphs of sentences) so the evaluation can derive repeats,
//   versions and rewrites from it; render() turns it into the raw text an agency would send.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wirefeed::bench {

// xoshiro256** seeded through splitmix64: fast, and the same sequence on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t next();
  std::size_t below(std::size_t n);  // uniform in [0, n), n > 0
  int between(int lo, int hi);       // uniform in [lo, hi]
  double uniform();                  // [0, 1)
  bool chance(double p) { return uniform() < p; }
  template <typename C>
  const auto& pick(const C& c) {
    return c[below(c.size())];
  }

 private:
  uint64_t s_[4];
};

enum class Shape : uint8_t { kReuters, kAp, kEarnings, kCommodity, kSports };
inline constexpr Shape kAllShapes[] = {Shape::kReuters, Shape::kAp, Shape::kEarnings,
                                       Shape::kCommodity, Shape::kSports};
const char* shape_name(Shape s);
bool is_templated(Shape s);

struct Story {
  Shape shape = Shape::kReuters;
  int template_id = -1;           // templated shapes: the template variant (same text skeleton)
  std::vector<std::string> tags;  // Reuters headline prefixes, outermost first: "UPDATE 1"
  std::string headline;
  std::string location;  // dateline location as sent: "ROTTERDAM", "PORTLAND, Ore."
  std::chrono::sys_seconds date{};
  std::string byline;                                // AP: "CHARLES ODUM"
  std::string advisory;                              // "(Adds union comment in paragraph 4)"
  std::vector<std::vector<std::string>> paragraphs;  // sentences per paragraph
  std::string caption;                               // caption text (no credit)
  std::string photographer;                          // credit name
  std::vector<std::string> reporters;
  std::string reporter_city;
  std::vector<std::string> editors;
  std::string topic;
  std::size_t sentence_count() const;
};

// How a story is laid out on the wire: what an exact repeat may change without changing content.
struct RenderStyle {
  int wrap = 0;  // hard-wrap column; 0 = one line per paragraph
  bool curly_quotes = false;
  bool crlf = false;
  unsigned chrome = 0;  // bit set of page-chrome lines (see render)
  bool extra_blank_lines = false;
  bool trailing_spaces = false;
  bool signoff = true;
  bool caption = true;
  bool repeat_tag = false;  // Reuters "REPEAT-" prefix
};

class CorpusGenerator {
 public:
  explicit CorpusGenerator(Rng& rng) : rng_(rng) {}

  // A story of `shape` whose rendering is about `target_bytes` long (templated shapes: the
  // template decides, `target_bytes` only adds market/background paragraphs).
  Story make(Shape shape, std::size_t target_bytes, std::chrono::sys_seconds when);
  // A templated item of `template_id` (same skeleton as every other item of that id).
  Story make_templated(Shape shape, int template_id, std::chrono::sys_seconds when);
  // Any shape (weighted like a general news feed), size uniform-log in [min_bytes, max_bytes].
  Story random(std::size_t min_bytes, std::size_t max_bytes, std::chrono::sys_seconds when);

  std::string render(const Story& s, const RenderStyle& style) const;
  RenderStyle random_style();

  // Building blocks for derived items (rewrites, updates).
  std::string sentence(const std::string& topic);
  std::vector<std::string> paragraph(const std::string& topic);
  std::string headline(const std::string& topic);
  std::string advisory();
  std::string person();

  Rng& rng() { return rng_; }

 private:
  std::string expand(std::string_view tmpl, const std::string& topic);
  void fill_news_meta(Story& s, bool ap);
  Rng& rng_;
};

// One JSON envelope line ({"id","source","received_at","content_type","body"}).
std::string envelope_json(const std::string& id, const std::string& source,
                          std::chrono::sys_seconds received_at, const std::string& body);

}  // namespace wirefeed::bench
