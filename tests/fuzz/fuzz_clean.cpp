// libFuzzer target: pipeline::clean_story on arbitrary bytes.
//
// clean_story's contract asks for valid UTF-8 (decode guarantees it), but its character pass
// replaces invalid sequences with U+FFFD, so the whole byte space is fed: it must never crash,
// hang or overflow, and its output must satisfy the invariants checked in check_story().
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pipeline/clean.hpp"
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
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const wirefeed::pipeline::CleanContext ctx{received_at(size)};
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
