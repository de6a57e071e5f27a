// Headline: the first non-empty, non-boilerplate line of a story, with its version tags
// ("UPDATE 2-", "REFILE-", "CORRECTED-", from the rules) and take marker ("=2") split off.
//
// Invariants:
// - A first line that reads as body (a dateline, a byline, an advisory, or longer than a
//   headline can be) is not taken: the story then has no headline.
// - Tags are taken only when headline text follows them; "--" is never a tag separator.
#pragma once

#include <string_view>

#include "pipeline/clean/common.hpp"

namespace wirefeed::pipeline::cleaning {

// Sets out.headline, version_tags, version_number and headline_all_caps from the first
// headline line of `text`, counts boilerplate lines before it; returns the offset where the
// body starts (the headline line's start when the story has no headline).
size_t read_headline(const Env& env, string_view text, CleanStory& out);

}  // namespace wirefeed::pipeline::cleaning
