// SWAR helpers shared by the byte scans of the pipeline stages: eight bytes tested at once in a
// 64-bit word read little-endian.
//
// Invariants:
// - Pure constexpr/inline functions, no state; loads go through memcpy (no aliasing, any
//   alignment).
// - `any_zero_byte` / `has_below` / `has_byte` are exact for "is there any" (never miss a hit; may
//   flag a byte next to a real one); `zero_byte_mask` and `byte_range_mask` are exact per byte.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace wirefeed::pipeline::swar {

static_assert(std::endian::native == std::endian::little, "SWAR scans read words little-endian");

inline constexpr uint64_t kOneBytes = 0x0101010101010101ULL;
inline constexpr uint64_t kHighBits = 0x8080808080808080ULL;

inline uint64_t load8(const char* p) {
  uint64_t x = 0;
  std::memcpy(&x, p, sizeof x);
  return x;
}
inline uint64_t load8(const unsigned char* p) {
  uint64_t x = 0;
  std::memcpy(&x, p, sizeof x);
  return x;
}

// Non-zero when some byte of `v` is zero.
constexpr uint64_t any_zero_byte(uint64_t v) { return (v - kOneBytes) & ~v & kHighBits; }

// Non-zero when some byte of `w` is below `n` (n <= 0x80).
constexpr uint64_t has_below(uint64_t w, unsigned n) {
  return (w - kOneBytes * n) & ~w & kHighBits;
}

// Non-zero when some byte of `w` equals `b`.
constexpr uint64_t has_byte(uint64_t w, unsigned char b) {
  return any_zero_byte(w ^ (kOneBytes * b));
}

// 0x80 in exactly the bytes of `v` that are zero.
constexpr uint64_t zero_byte_mask(uint64_t v) {
  return ~(((v & ~kHighBits) + ~kHighBits) | v) & kHighBits;
}

// 0x80 in exactly the bytes of `v` in lo..hi (ASCII bounds, lo <= hi < 0x80).
constexpr uint64_t byte_range_mask(uint64_t v, unsigned char lo, unsigned char hi) {
  const uint64_t low7 = v & ~kHighBits;
  const uint64_t at_least_lo = low7 + (0x80u - lo) * kOneBytes;  // high bit: byte >= lo
  const uint64_t above_hi = low7 + (0x7Fu - hi) * kOneBytes;     // high bit: byte > hi
  return at_least_lo & ~above_hi & ~v & kHighBits;
}

}  // namespace wirefeed::pipeline::swar
