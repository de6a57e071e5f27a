// libFuzzer target: pipeline::clean_story on arbitrary bytes, and the cleaning-rules compiler.
//
// An input "#rules\n<yaml>\n#story\n<text>" compiles <yaml> as a newsroom rules file on top of
// the embedded packs (a RuleError is a clean rejection; anything else is a finding) and cleans
// <text> with the result, with --explain collection on.
//
// clean_story's contract asks for valid UTF-8 (decode guarantees it), but its character pass
// replaces invalid sequences with U+FFFD, so the whole byte space is fed: it must never crash,
// hang or overflow, and its output must satisfy the invariants checked in check_story().
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "pipeline/clean.hpp"
#include "pipeline/clean_rules.hpp"
#include "tests/fuzz/fuzz_common.hpp"

namespace {

using std::chrono::sys_days;
using std::chrono::sys_seconds;

// Reception times, picked by input size: ordinary, around New Year (year rollover of
// datelines) and the extremes clean.cpp clamps.
sys_seconds received_at(std::size_t size) {
  using namespace std::chrono;
  static const sys_seconds kTimes[] = {
      sys_seconds{sys_days{2023y / November / 12}} + hours{18},
      sys_seconds{sys_days{2024y / January / 1}} + minutes{5},
      sys_seconds{sys_days{2023y / December / 31}} + hours{23},
      sys_seconds{},
      sys_seconds{sys_days{year{1} / January / 1}},
      sys_seconds{sys_days{year{9999} / December / 31}},
      sys_seconds::min(),
      sys_seconds::max(),
  };
  return kTimes[size % (sizeof(kTimes) / sizeof(kTimes[0]))];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::shared_ptr<const wirefeed::pipeline::CleanRules> rules;
  std::vector<wirefeed::pipeline::ExplainEntry> explain;
  if (text.substr(0, 7) == "#rules\n") {
    const std::size_t split = text.find("\n#story\n");
    const std::string_view yaml = text.substr(7, split == std::string_view::npos ? 0 : split - 7);
    text = split == std::string_view::npos ? std::string_view() : text.substr(split + 8);
    try {
      rules = wirefeed::pipeline::compile_clean_rules(
          yaml, "fuzz.yaml", wirefeed::pipeline::default_clean_rules().get());
    } catch (const wirefeed::pipeline::RuleError&) {
      return 0;
    }
  }
  const wirefeed::pipeline::CleanContext ctx{received_at(size), rules.get(),
                                             rules != nullptr ? &explain : nullptr};
  const wirefeed::pipeline::CleanStory story = wirefeed::pipeline::clean_story(text, ctx);
  wirefeed::fuzz::check_story(story);
  // Pure and deterministic: a second run gives the same story (small inputs only, for speed).
  if (size <= 4096) {
    wirefeed::fuzz::check(
        wirefeed::fuzz::same_story(wirefeed::pipeline::clean_story(text, ctx), story),
        "clean_story is not deterministic");
  }
  return 0;
}
