// Fingerprint stage. See fingerprint.hpp for the invariants.
#include "pipeline/fingerprint.hpp"

#define XXH_INLINE_ALL  // header-only xxHash: inlined, and exposes XXH3_state_t
#include <xxhash.h>

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

StoryFingerprint fingerprint(const CleanStory& story) {
  StoryFingerprint fp;
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
    for (int b = 0; b < 64; ++b)
      weights[static_cast<std::size_t>(b)] += ((shingle >> b) & 1U) ? 1 : -1;
  };
  for_each_token(story.headline, scratch, on_token);
  XXH3_128bits_update(&state, "\n", 1);  // headline/body boundary
  for (const auto& para : story.paragraphs) for_each_token(para, scratch, on_token);
  const XXH128_hash_t digest = XXH3_128bits_digest(&state);
  fp.content = ContentHash{digest.high64, digest.low64};
  for (int b = 0; b < 64; ++b) {
    if (weights[static_cast<std::size_t>(b)] > 0) fp.simhash |= (uint64_t{1} << b);
  }
  return fp;
}

}  // namespace wirefeed::pipeline
