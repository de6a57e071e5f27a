// Fingerprint stage. See fingerprint.hpp for the invariants.
//
// Implementation invariants (speed, issue 7): one pass over the text; the normalised tokens are
// written once into a single buffer (one allocation per story), each token is hashed in place
// (a string_view into that buffer), the content hash is one XXH3-128 call over the whole buffer
// (byte-identical to hashing token by token), and the SimHash bit counts are accumulated eight
// bits at a time in byte lanes (flushed every 255 shingles), so no per-token allocation and no
// per-bit loop.
#include "pipeline/fingerprint.hpp"

#define XXH_INLINE_ALL  // header-only xxHash: inlined
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>

namespace wirefeed::pipeline {
namespace {

// ASCII byte -> its normalised form: lowered letter or digit, 0 = separator.
constexpr std::array<char, 128> kAsciiNorm = [] {
  std::array<char, 128> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = static_cast<char>(c);
  for (int c = 'A'; c <= 'Z'; ++c)
    t[static_cast<std::size_t>(c)] = static_cast<char>(c - 'A' + 'a');
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = static_cast<char>(c);
  return t;
}();

// Writes the normalised tokens of `text` to `out` (which must have room for text.size() + 1
// bytes), each followed by one space, and calls `emit(token, has_digit)` for each token (a view
// into `out`). Tokens are runs of ASCII alphanumerics (lowered) and non-ASCII letters; ASCII
// punctuation, U+00A0 and General Punctuation (U+2000..U+207F: typographic quotes, dashes,
// spaces) separate tokens. Returns the end of what was written.
template <typename Emit>
char* normalize_into(std::string_view text, char* out, Emit&& emit) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  char* tok = out;
  bool digit = false;
  auto flush = [&] {
    if (out != tok) {
      emit(std::string_view(tok, static_cast<std::size_t>(out - tok)), digit);
      *out++ = ' ';
    }
    tok = out;
    digit = false;
  };
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      const char m = kAsciiNorm[c];
      if (m != 0) {
        *out++ = m;
        digit |= c <= '9';
      } else {
        flush();
      }
      ++i;
      continue;
    }
    std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (i + len > n) len = n - i;
    const bool separator = (len == 2 && c == 0xC2 && p[i + 1] == 0xA0) ||  // NBSP
                           (len == 3 && c == 0xE2 && (p[i + 1] == 0x80 || p[i + 1] == 0x81));
    if (separator) {
      flush();
    } else {
      for (std::size_t k = 0; k < len; ++k) *out++ = static_cast<char>(p[i + k]);
    }
    i += len;
  }
  flush();
  return out;
}

constexpr uint16_t kEmptySlot = 0xFFFF;

// kSpread[v] has byte k = bit k of v: adds 8 SimHash bit counts at once in byte lanes.
constexpr std::array<uint64_t, 256> kSpread = [] {
  std::array<uint64_t, 256> t{};
  for (unsigned v = 0; v < 256; ++v) {
    for (unsigned k = 0; k < 8; ++k) {
      if ((v >> k) & 1U) t[v] |= uint64_t{1} << (8 * k);
    }
  }
  return t;
}();

// SimHash accumulator: per-bit counts of 1s over all shingles, in byte lanes (8 x 8 bits).
struct SimhashCounts {
  std::array<uint64_t, 8> lanes{};
  std::array<uint32_t, 64> ones{};
  uint32_t pending = 0;  // shingles in `lanes` (a lane byte holds at most 255)
  uint32_t total = 0;

  void add(uint64_t shingle) {
    for (std::size_t j = 0; j < 8; ++j) lanes[j] += kSpread[(shingle >> (8 * j)) & 0xFF];
    ++total;
    if (++pending == 255) flush();
  }
  void flush() {
    for (std::size_t j = 0; j < 8; ++j) {
      for (std::size_t k = 0; k < 8; ++k) ones[8 * j + k] += (lanes[j] >> (8 * k)) & 0xFF;
      lanes[j] = 0;
    }
    pending = 0;
  }
  // Bit b is set when more shingles have it set than clear.
  uint64_t value() {
    flush();
    uint64_t v = 0;
    for (std::size_t b = 0; b < 64; ++b) {
      if (2 * ones[b] > total) v |= uint64_t{1} << b;
    }
    return v;
  }
};

// Fills empty slots from the next non-empty slot (rotation densification, Shrivastava 2017),
// so sparse texts still compare slot by slot.
void densify(MinHash& mh) {
  std::size_t filled = 0;
  for (uint16_t v : mh) filled += v != kEmptySlot ? 1 : 0;
  if (filled == 0 || filled == mh.size()) return;
  const MinHash original = mh;
  for (std::size_t i = 0; i < mh.size(); ++i) {
    if (original[i] != kEmptySlot) continue;
    std::size_t j = (i + 1) % mh.size();
    unsigned offset = 1;
    while (original[j] == kEmptySlot) {
      j = (j + 1) % mh.size();
      ++offset;
    }
    mh[i] = static_cast<uint16_t>((original[j] ^ (offset * 0x9E37u)) % kEmptySlot);
  }
}

// Size of the intersection of two sorted, duplicate-free vectors.
std::size_t count_common(std::span<const uint32_t> a, std::span<const uint32_t> b) {
  std::size_t i = 0, j = 0, both = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j]) {
      ++both;
      ++i;
      ++j;
    } else if (a[i] < b[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return both;
}

}  // namespace

std::string ContentHash::hex() const {
  std::array<char, 33> buf{};
  std::snprintf(buf.data(), buf.size(), "%016llx%016llx", static_cast<unsigned long long>(hi),
                static_cast<unsigned long long>(lo));
  return std::string(buf.data(), 32);
}

double minhash_similarity(const MinHash& a, const MinHash& b) {
  std::size_t same = 0, counted = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const bool both_empty = a[i] == kEmptySlot && b[i] == kEmptySlot;
    counted += both_empty ? 0 : 1;
    same += (!both_empty && a[i] == b[i]) ? 1 : 0;
  }
  return counted == 0 ? 0.0 : static_cast<double>(same) / static_cast<double>(counted);
}

double numbers_similarity(std::span<const uint32_t> a, std::span<const uint32_t> b) {
  if (a.empty() && b.empty()) return 1.0;
  const std::size_t both = count_common(a, b);
  const std::size_t uni = a.size() + b.size() - both;
  return static_cast<double>(both) / static_cast<double>(uni);
}

double numbers_containment(std::span<const uint32_t> a, std::span<const uint32_t> b) {
  if (a.empty() || b.empty()) return 1.0;
  const std::size_t both = count_common(a, b);
  return static_cast<double>(both) / static_cast<double>(std::min(a.size(), b.size()));
}

uint64_t normalized_text_hash(std::string_view text) {
  std::string buf(text.size() + 1, '\0');
  char* end = normalize_into(text, buf.data(), [](std::string_view, bool) {});
  const auto len = static_cast<std::size_t>(end - buf.data());
  return len == 0 ? 0 : XXH3_64bits(buf.data(), len);
}

StoryFingerprint fingerprint(const CleanStory& story) {
  StoryFingerprint fp;
  fp.minhash.fill(kEmptySlot);
  std::size_t cap = story.headline.size() + 2;
  for (const auto& para : story.paragraphs) cap += para.size() + 1;
  std::string norm(cap, '\0');  // the normalised text: tokens separated by ' ', '\n' after headline

  SimhashCounts simhash;
  std::array<uint32_t, 256> numbers{};
  std::size_t n_numbers = 0;
  uint64_t prev = 0;
  bool have_prev = false;
  bool in_body = false;
  auto on_token = [&](std::string_view tok, bool digit) {
    ++fp.tokens;
    // Word 2-shingles (a unigram for the first token of the headline and of the body).
    const uint64_t h = XXH3_64bits(tok.data(), tok.size());
    const uint64_t shingle = have_prev ? XXH3_64bits_withSeed(&h, sizeof h, prev) : h;
    prev = h;
    have_prev = true;
    simhash.add(shingle);
    if (!in_body) return;
    // One permutation hashing: the shingle hash picks a slot and competes for its minimum.
    const uint64_t mixed = XXH3_64bits_withSeed(&shingle, sizeof shingle, 0x5EEDULL);
    const std::size_t slot = static_cast<std::size_t>((mixed >> 32) % kMinHashSlots);
    const auto value = static_cast<uint16_t>(std::min<uint64_t>(mixed & 0xFFFF, kEmptySlot - 1));
    fp.minhash[slot] = std::min(fp.minhash[slot], value);
    if (digit && n_numbers < numbers.size()) numbers[n_numbers++] = static_cast<uint32_t>(h);
  };
  char* out = normalize_into(story.headline, norm.data(), on_token);
  *out++ = '\n';  // headline/body boundary
  in_body = true;
  have_prev = false;
  for (const auto& para : story.paragraphs) out = normalize_into(para, out, on_token);
  norm.resize(static_cast<std::size_t>(out - norm.data()));

  densify(fp.minhash);
  uint32_t* const first = numbers.data();
  std::sort(first, first + n_numbers);
  fp.numbers.assign(first, std::unique(first, first + n_numbers));
  const XXH128_hash_t digest = XXH3_128bits(norm.data(), norm.size());
  fp.content = ContentHash{digest.high64, digest.low64};
  fp.simhash = simhash.value();
  return fp;
}

}  // namespace wirefeed::pipeline
