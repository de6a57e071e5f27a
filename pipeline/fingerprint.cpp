// Fingerprint stage. See fingerprint.hpp for the invariants.
#include "pipeline/fingerprint.hpp"

#define XXH_INLINE_ALL  // header-only xxHash: inlined, and exposes XXH3_state_t
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>

namespace wirefeed::pipeline {
namespace {

// Calls `emit(token)` for each normalised token of `text`. Tokens are runs of ASCII alphanumerics
// (lowered) and non-ASCII letters; ASCII punctuation, U+00A0 and General Punctuation
// (U+2000..U+206F: typographic quotes, dashes, spaces) separate tokens.
template <typename Emit>
void for_each_token(std::string_view text, std::string& scratch, Emit&& emit) {
  scratch.clear();
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  auto flush = [&] {
    if (!scratch.empty()) {
      emit(std::string_view(scratch));
      scratch.clear();
    }
  };
  std::size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        scratch.push_back(static_cast<char>(c));
      } else if (c >= 'A' && c <= 'Z') {
        scratch.push_back(static_cast<char>(c - 'A' + 'a'));
      } else {
        flush();
      }
      ++i;
      continue;
    }
    std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (i + len > n) len = n - i;
    bool separator = false;
    if (len == 2 && c == 0xC2 && p[i + 1] == 0xA0) separator = true;  // NBSP
    if (len == 3 && c == 0xE2 && (p[i + 1] == 0x80 || p[i + 1] == 0x81))
      separator = true;  // U+2000..U+207F
    if (separator) {
      flush();
    } else {
      scratch.append(text.substr(i, len));
    }
    i += len;
  }
  flush();
}

}  // namespace

std::string ContentHash::hex() const {
  std::array<char, 33> buf{};
  std::snprintf(buf.data(), buf.size(), "%016llx%016llx", static_cast<unsigned long long>(hi),
                static_cast<unsigned long long>(lo));
  return std::string(buf.data(), 32);
}

namespace {

constexpr uint16_t kEmptySlot = 0xFFFF;

bool has_digit(std::string_view tok) {
  for (char c : tok) {
    if (c >= '0' && c <= '9') return true;
  }
  return false;
}

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

}  // namespace

double minhash_similarity(const MinHash& a, const MinHash& b) {
  std::size_t same = 0, counted = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] == kEmptySlot && b[i] == kEmptySlot) continue;
    ++counted;
    same += a[i] == b[i] ? 1 : 0;
  }
  return counted == 0 ? 0.0 : static_cast<double>(same) / static_cast<double>(counted);
}

namespace {
// Size of the intersection of two sorted, duplicate-free vectors.
std::size_t count_common(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
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

double numbers_similarity(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  if (a.empty() && b.empty()) return 1.0;
  const std::size_t both = count_common(a, b);
  const std::size_t uni = a.size() + b.size() - both;
  return static_cast<double>(both) / static_cast<double>(uni);
}

double numbers_containment(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  if (a.empty() || b.empty()) return 1.0;
  const std::size_t both = count_common(a, b);
  return static_cast<double>(both) / static_cast<double>(std::min(a.size(), b.size()));
}

uint64_t normalized_text_hash(std::string_view text) {
  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  std::string scratch;
  bool any = false;
  for_each_token(text, scratch, [&](std::string_view tok) {
    XXH3_64bits_update(&state, tok.data(), tok.size());
    XXH3_64bits_update(&state, " ", 1);
    any = true;
  });
  return any ? XXH3_64bits_digest(&state) : 0;
}

StoryFingerprint fingerprint(const CleanStory& story) {
  StoryFingerprint fp;
  fp.minhash.fill(kEmptySlot);
  bool in_body = false;
  XXH3_state_t state;
  XXH3_128bits_reset(&state);
  std::array<int32_t, 64> weights{};
  uint64_t prev = 0;
  bool have_prev = false;
  std::string scratch;
  auto on_token = [&](std::string_view tok) {
    XXH3_128bits_update(&state, tok.data(), tok.size());
    XXH3_128bits_update(&state, " ", 1);
    ++fp.tokens;
    // SimHash over word 2-shingles (unigram for the first token).
    const uint64_t h = XXH3_64bits(tok.data(), tok.size());
    const uint64_t shingle = have_prev ? XXH3_64bits_withSeed(&h, sizeof h, prev) : h;
    prev = h;
    have_prev = true;
    if (in_body) {
      // One permutation hashing: the shingle hash picks a slot and competes for its minimum.
      const uint64_t mixed = XXH3_64bits_withSeed(&shingle, sizeof shingle, 0x5EEDULL);
      const std::size_t slot = static_cast<std::size_t>((mixed >> 32) % kMinHashSlots);
      const auto value = static_cast<uint16_t>(std::min<uint64_t>(mixed & 0xFFFF, kEmptySlot - 1));
      if (value < fp.minhash[slot]) fp.minhash[slot] = value;
      if (has_digit(tok) && fp.numbers.size() < 256) {
        fp.numbers.push_back(static_cast<uint32_t>(h));
      }
    }
    for (int b = 0; b < 64; ++b)
      weights[static_cast<std::size_t>(b)] += ((shingle >> b) & 1U) ? 1 : -1;
  };
  for_each_token(story.headline, scratch, on_token);
  XXH3_128bits_update(&state, "\n", 1);  // headline/body boundary
  in_body = true;
  have_prev = false;
  for (const auto& para : story.paragraphs) for_each_token(para, scratch, on_token);
  densify(fp.minhash);
  std::sort(fp.numbers.begin(), fp.numbers.end());
  fp.numbers.erase(std::unique(fp.numbers.begin(), fp.numbers.end()), fp.numbers.end());
  const XXH128_hash_t digest = XXH3_128bits_digest(&state);
  fp.content = ContentHash{digest.high64, digest.low64};
  for (int b = 0; b < 64; ++b) {
    if (weights[static_cast<std::size_t>(b)] > 0) fp.simhash |= (uint64_t{1} << b);
  }
  return fp;
}

}  // namespace wirefeed::pipeline
