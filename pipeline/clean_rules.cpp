// Cleaning rules: YAML -> RuleSet -> compiled CleanRules. See clean_rules.hpp for the contract.
#include "pipeline/clean_rules.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

namespace wirefeed::pipeline {
namespace {

[[noreturn]] void fail(std::string_view origin, const YAML::Node& n, const std::string& what) {
  std::string where(origin);
  if (n.IsDefined() && n.Mark().line >= 0) {
    where.push_back(':');
    where.append(std::to_string(n.Mark().line + 1));
  }
  where.append(": ");
  where.append(what);
  throw RuleError(where);
}

std::string scalar(std::string_view origin, const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) fail(origin, n, key + ": expected a string");
  return n.Scalar();
}

std::vector<std::string> string_list(std::string_view origin, const YAML::Node& n,
                                     const std::string& key) {
  if (!n.IsSequence()) fail(origin, n, key + ": expected a list of strings");
  std::vector<std::string> out;
  for (const auto& e : n) {
    std::string s = scalar(origin, e, key);
    if (s.empty()) fail(origin, e, key + ": empty string");
    out.push_back(std::move(s));
  }
  return out;
}

bool boolean(std::string_view origin, const YAML::Node& n, const std::string& key) {
  const std::string s = scalar(origin, n, key);
  if (s == "true") return true;
  if (s == "false") return false;
  fail(origin, n, key + ": expected true or false");
}

std::size_t count(std::string_view origin, const YAML::Node& n, const std::string& key,
                  std::size_t lo, std::size_t hi) {
  const std::string s = scalar(origin, n, key);
  std::size_t v = 0;
  if (s.empty() || s.size() > 6) fail(origin, n, key + ": expected an integer");
  for (char c : s) {
    if (c < '0' || c > '9') fail(origin, n, key + ": expected an integer");
    v = v * 10 + static_cast<std::size_t>(c - '0');
  }
  if (v < lo || v > hi) {
    fail(origin, n, key + ": must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  }
  return v;
}

// Checks that `m` only has keys from `allowed`.
void check_keys(std::string_view origin, const YAML::Node& m, const std::string& what,
                std::initializer_list<std::string_view> allowed) {
  if (!m.IsMap()) fail(origin, m, what + ": expected a mapping");
  for (const auto& kv : m) {
    const std::string k = kv.first.as<std::string>();
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
      fail(origin, kv.first, what + ": unknown key '" + k + "'");
    }
  }
}

std::string rule_id(std::string_view origin, const YAML::Node& r, const std::string& what) {
  if (!r["id"]) fail(origin, r, what + ": every rule needs an id");
  std::string id = scalar(origin, r["id"], what + ".id");
  if (id.empty() || id.size() > 100) fail(origin, r["id"], what + ": id must be 1..100 bytes");
  return id;
}

// Replaces the rule with the same id or appends.
template <typename Rule>
void upsert(std::vector<Rule>& v, Rule r) {
  for (auto& e : v) {
    if (e.id == r.id) {
      e = std::move(r);
      return;
    }
  }
  v.push_back(std::move(r));
}

void add_unique(std::vector<std::string>& v, std::string s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(std::move(s));
}

ContributorRole parse_role(std::string_view origin, const YAML::Node& n) {
  const std::string s = scalar(origin, n, "role");
  if (s == "reporter") return ContributorRole::kReporter;
  if (s == "writer") return ContributorRole::kWriter;
  if (s == "editor") return ContributorRole::kEditor;
  if (s == "additional_reporting") return ContributorRole::kAdditionalReporting;
  if (s == "photographer") return ContributorRole::kPhotographer;
  fail(origin, n,
       "role: expected reporter, writer, editor, additional_reporting or photographer, got '" + s +
           "'");
}

void read_pack(std::string_view origin, const YAML::Node& pack, RuleSet& set) {
  check_keys(origin, pack, "pack",
             {"name", "lines", "glued_spans", "tail_tokens", "caption_credits", "caption_chrome",
              "headline_tags", "advisory_verbs", "note_lines", "roles", "speech_verbs", "months",
              "regions"});
  if (!pack["name"]) fail(origin, pack, "pack: needs a name");
  const std::string name = scalar(origin, pack["name"], "pack.name");
  const std::string where = "pack '" + name + "'";
  if (const auto lines = pack["lines"]) {
    if (!lines.IsSequence()) fail(origin, lines, where + ".lines: expected a list");
    for (const auto& r : lines) {
      check_keys(origin, r, where + ".lines",
                 {"id", "exact", "prefix", "suffix", "wrapped", "contains", "initials", "max_len",
                  "drops_list"});
      LineRule lr;
      lr.id = rule_id(origin, r, where + ".lines");
      const std::string w = "rule '" + lr.id + "'";
      int kinds = 0;
      if (r["exact"])
        lr.match = LineMatch::kExact, lr.text = scalar(origin, r["exact"], w), ++kinds;
      if (r["prefix"]) {
        lr.match = LineMatch::kPrefix, lr.text = scalar(origin, r["prefix"], w), ++kinds;
      }
      if (r["suffix"]) {
        lr.match = LineMatch::kSuffix, lr.text = scalar(origin, r["suffix"], w), ++kinds;
      }
      if (r["wrapped"]) {
        const auto pair = string_list(origin, r["wrapped"], w + ".wrapped");
        if (pair.size() != 2) fail(origin, r["wrapped"], w + ": wrapped needs [opener, closer]");
        lr.match = LineMatch::kWrapped, lr.text = pair[0], lr.closer = pair[1], ++kinds;
      }
      if (r["contains"]) {
        lr.match = LineMatch::kContains, lr.text = scalar(origin, r["contains"], w), ++kinds;
        if (lr.text.size() < 4) fail(origin, r, w + ": contains needs at least 4 bytes");
      }
      if (r["initials"]) {
        if (!boolean(origin, r["initials"], w + ".initials"))
          fail(origin, r, w + ": initials: true");
        lr.match = LineMatch::kInitials, lr.text = "/", ++kinds;
      }
      if (kinds != 1) {
        fail(origin, r,
             w + ": needs exactly one of exact, prefix, suffix, wrapped, contains, initials");
      }
      if (lr.text.empty() || lr.text.size() > 200)
        fail(origin, r, w + ": text must be 1..200 bytes");
      if (lr.text.find('\n') != std::string::npos) fail(origin, r, w + ": text spans lines");
      if (r["max_len"]) lr.max_len = count(origin, r["max_len"], w + ".max_len", 1, 100000);
      if (lr.max_len < lr.text.size() + lr.closer.size()) {
        fail(origin, r, w + ": max_len is shorter than its text");
      }
      if (r["drops_list"]) lr.drops_list = boolean(origin, r["drops_list"], w + ".drops_list");
      upsert(set.lines, std::move(lr));
    }
  }
  if (const auto spans = pack["glued_spans"]) {
    if (!spans.IsSequence()) fail(origin, spans, where + ".glued_spans: expected a list");
    for (const auto& r : spans) {
      check_keys(origin, r, where + ".glued_spans", {"id", "text"});
      SpanRule s{rule_id(origin, r, where + ".glued_spans"), {}};
      if (!r["text"]) fail(origin, r, "rule '" + s.id + "': needs text");
      s.text = scalar(origin, r["text"], s.id);
      if (s.text.size() < 4 || s.text.size() > 100 || s.text[0] == ' ') {
        fail(origin, r, "rule '" + s.id + "': text must be 4..100 bytes, not starting blank");
      }
      upsert(set.glued_spans, std::move(s));
    }
  }
  if (const auto tails = pack["tail_tokens"]) {
    if (!tails.IsSequence()) fail(origin, tails, where + ".tail_tokens: expected a list");
    for (const auto& r : tails) {
      check_keys(origin, r, where + ".tail_tokens", {"id", "text"});
      SpanRule t{rule_id(origin, r, where + ".tail_tokens"), {}};
      if (!r["text"]) fail(origin, r, "rule '" + t.id + "': needs text");
      t.text = scalar(origin, r["text"], t.id);
      if (t.text.size() < 3 || t.text.size() > 40 || t.text[0] == ' ' || t.text.back() == ' ') {
        fail(origin, r, "rule '" + t.id + "': text must be 3..40 bytes, no outer blanks");
      }
      upsert(set.tail_tokens, std::move(t));
    }
  }
  if (const auto credits = pack["caption_credits"]) {
    if (!credits.IsSequence()) fail(origin, credits, where + ".caption_credits: expected a list");
    for (const auto& r : credits) {
      check_keys(origin, r, where + ".caption_credits", {"id", "marker", "distinctive"});
      CreditRule c;
      c.id = rule_id(origin, r, where + ".caption_credits");
      if (!r["marker"]) fail(origin, r, "rule '" + c.id + "': needs a marker");
      c.marker = scalar(origin, r["marker"], c.id);
      if (c.marker.size() < 3 || c.marker.size() > 40 || c.marker[0] == ' ') {
        fail(origin, r, "rule '" + c.id + "': marker must be 3..40 bytes, not starting blank");
      }
      if (r["distinctive"]) c.distinctive = boolean(origin, r["distinctive"], c.id);
      upsert(set.caption_credits, std::move(c));
    }
  }
  if (const auto chrome = pack["caption_chrome"]) {
    for (auto& s : string_list(origin, chrome, where + ".caption_chrome")) {
      add_unique(set.caption_chrome, std::move(s));
    }
  }
  if (const auto tags = pack["headline_tags"]) {
    if (!tags.IsSequence()) fail(origin, tags, where + ".headline_tags: expected a list");
    for (const auto& r : tags) {
      check_keys(origin, r, where + ".headline_tags", {"id", "tag", "number_is_version"});
      HeadlineTagRule t;
      t.id = rule_id(origin, r, where + ".headline_tags");
      if (!r["tag"]) fail(origin, r, "rule '" + t.id + "': needs a tag");
      t.tag = scalar(origin, r["tag"], t.id);
      if (t.tag.empty() || t.tag.size() > 40 || t.tag[0] == ' ' || t.tag.back() == ' ' ||
          t.tag.find('-') != std::string::npos) {
        fail(origin, r, "rule '" + t.id + "': tag must be 1..40 bytes, no '-', no outer blanks");
      }
      if (r["number_is_version"]) {
        t.number_is_version = boolean(origin, r["number_is_version"], t.id);
      }
      upsert(set.headline_tags, std::move(t));
    }
  }
  if (const auto verbs = pack["advisory_verbs"]) {
    for (auto& s : string_list(origin, verbs, where + ".advisory_verbs")) {
      add_unique(set.advisory_verbs, std::move(s));
    }
  }
  if (const auto notes = pack["note_lines"]) {
    if (!notes.IsSequence()) fail(origin, notes, where + ".note_lines: expected a list");
    for (const auto& r : notes) {
      check_keys(origin, r, where + ".note_lines", {"id", "prefix", "keep_label"});
      NoteRule nr;
      nr.id = rule_id(origin, r, where + ".note_lines");
      if (!r["prefix"]) fail(origin, r, "rule '" + nr.id + "': needs a prefix");
      nr.prefix = scalar(origin, r["prefix"], nr.id);
      if (nr.prefix.size() < 3 || nr.prefix.size() > 80 || nr.prefix[0] == ' ' ||
          nr.prefix.find('\n') != std::string::npos) {
        fail(origin, r, "rule '" + nr.id + "': prefix must be 3..80 bytes on one line");
      }
      if (r["keep_label"]) nr.keep_label = boolean(origin, r["keep_label"], nr.id);
      upsert(set.note_lines, std::move(nr));
    }
  }
  if (const auto roles = pack["roles"]) {
    if (!roles.IsSequence()) fail(origin, roles, where + ".roles: expected a list");
    for (const auto& r : roles) {
      check_keys(origin, r, where + ".roles", {"id", "phrase", "role"});
      RoleRule rr;
      rr.id = rule_id(origin, r, where + ".roles");
      if (!r["phrase"] || !r["role"]) fail(origin, r, "rule '" + rr.id + "': needs phrase, role");
      rr.phrase = scalar(origin, r["phrase"], rr.id);
      if (rr.phrase.size() < 3 || rr.phrase.size() > 60 || rr.phrase[0] == ' ') {
        fail(origin, r, "rule '" + rr.id + "': phrase must be 3..60 bytes");
      }
      rr.role = parse_role(origin, r["role"]);
      upsert(set.roles, std::move(rr));
    }
  }
  if (const auto verbs = pack["speech_verbs"]) {
    for (auto& s : string_list(origin, verbs, where + ".speech_verbs")) {
      add_unique(set.speech_verbs, std::move(s));
    }
  }
  if (const auto regions = pack["regions"]) {
    for (auto& s : string_list(origin, regions, where + ".regions")) {
      if (s.empty() || s.size() > 40) fail(origin, regions, "region '" + s + "': 1..40 bytes");
      add_unique(set.regions, std::move(s));
    }
  }
  if (const auto months = pack["months"]) {
    if (!months.IsSequence()) fail(origin, months, where + ".months: expected a list");
    for (const auto& m : months) {
      check_keys(origin, m, where + ".months", {"month", "names"});
      if (!m["month"] || !m["names"]) fail(origin, m, where + ".months: needs month and names");
      const auto month = static_cast<unsigned>(count(origin, m["month"], "month", 1, 12));
      for (const auto& n : string_list(origin, m["names"], "months.names")) {
        if (n.size() < 3 || n.size() > 20) fail(origin, m, "month name '" + n + "': 3..20 bytes");
        set.months.emplace_back(fold_case(n), month);
      }
    }
  }
}

void compile(CleanRules& r) {
  const RuleSet& s = r.set;
  for (uint32_t i = 0; i < s.lines.size(); ++i) {
    const LineRule& l = s.lines[i];
    const auto first = static_cast<unsigned char>(l.text[0]);
    switch (l.match) {
      case LineMatch::kExact: {
        // Blank runs collapse to one space; the match is ASCII case-insensitive.
        std::string key;
        for (char c : l.text) {
          if (c == ' ' || c == '\t') {
            if (!key.empty() && key.back() != ' ') key += ' ';
          } else {
            key += c;
          }
        }
        while (!key.empty() && key.back() == ' ') key.pop_back();
        key = fold_case(key);
        r.exact.emplace(key, i);  // first rule with this text wins
        r.exact_max_len = std::max(r.exact_max_len, l.max_len);
        r.exact_key_max = std::max(r.exact_key_max, key.size());
        break;
      }
      case LineMatch::kPrefix:
        r.prefix_by_byte[first].push_back(i);
        break;
      case LineMatch::kSuffix: {
        const std::string folded = fold_case(l.text);
        r.suffix_by_byte[static_cast<unsigned char>(folded.back())].push_back(i);
        break;
      }
      case LineMatch::kWrapped:
        r.wrapped_by_byte[first].push_back(i);
        break;
      case LineMatch::kInitials:
        r.initials.push_back(i);
        break;
      case LineMatch::kContains:
        r.contains.push_back(i);
        r.contains_search.emplace_back(l.text);
        r.contains_max_len = std::max(r.contains_max_len, l.max_len);
        break;
    }
  }
  for (uint32_t i = 0; i < s.note_lines.size(); ++i) {
    r.note_by_byte[static_cast<unsigned char>(s.note_lines[i].prefix[0])].push_back(i);
  }
  for (uint32_t i = 0; i < s.caption_credits.size(); ++i) {
    r.credit_by_byte[static_cast<unsigned char>(s.caption_credits[i].marker[0])].push_back(i);
  }
  // Longer tags first within a byte bucket ("STORY WITHDRAWN" before a hypothetical "STORY").
  for (uint32_t i = 0; i < s.headline_tags.size(); ++i) {
    r.tag_by_byte[static_cast<unsigned char>(s.headline_tags[i].tag[0])].push_back(i);
  }
  for (auto& bucket : r.tag_by_byte) {
    std::stable_sort(bucket.begin(), bucket.end(), [&](uint32_t a, uint32_t b) {
      return s.headline_tags[a].tag.size() > s.headline_tags[b].tag.size();
    });
  }
  // Longest phrase first: "Additional reporting by" wins over "reporting by".
  for (uint32_t i = 0; i < s.roles.size(); ++i) {
    const auto b = static_cast<unsigned char>(fold_case(s.roles[i].phrase)[0]);
    r.role_by_byte[b].push_back(i);
    if (b >= 'a' && b <= 'z') r.role_by_byte[b - 'a' + 'A'].push_back(i);
  }
  for (auto& bucket : r.role_by_byte) {
    std::stable_sort(bucket.begin(), bucket.end(), [&](uint32_t a, uint32_t b) {
      return s.roles[a].phrase.size() > s.roles[b].phrase.size();
    });
  }
  for (const auto& [name, month] : s.months) {
    r.month_by_name.emplace(name, month);
    r.month_max_len = std::max(r.month_max_len, name.size());
  }
  r.speech_verbs = s.speech_verbs;
  std::sort(r.speech_verbs.begin(), r.speech_verbs.end());
  r.regions = s.regions;
  std::sort(r.regions.begin(), r.regions.end());
  r.advisory_verbs = s.advisory_verbs;
  for (const auto& g : s.glued_spans) r.glued_search.emplace_back(g.text);
}

}  // namespace

SubstringSearch::SubstringSearch(std::string text) : needle(std::move(text)) {
  const std::size_t m = needle.size();
  skip.fill(static_cast<uint8_t>(std::min<std::size_t>(m, 255)));
  // A byte at needle[j] (j < m - 1) under the window's end: shift so that it lines up.
  for (std::size_t j = 0; j + 1 < m; ++j) {
    skip[static_cast<unsigned char>(needle[j])] =
        static_cast<uint8_t>(std::min<std::size_t>(m - 1 - j, 255));
  }
}

bool SubstringSearch::found_in(std::string_view s) const {
  const std::size_t m = needle.size();
  const char last = needle[m - 1];
  for (std::size_t pos = 0; pos + m <= s.size();) {
    const char c = s[pos + m - 1];
    if (c == last && s.compare(pos, m - 1, std::string_view(needle).substr(0, m - 1)) == 0) {
      return true;
    }
    pos += skip[static_cast<unsigned char>(c)];
  }
  return false;
}

std::string fold_case(std::string_view s) {
  std::string out(s);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto c = static_cast<unsigned char>(out[i]);
    if (c >= 'A' && c <= 'Z') {
      out[i] = static_cast<char>(c - 'A' + 'a');
    } else if (c == 0xC3 && i + 1 < out.size()) {
      const auto d = static_cast<unsigned char>(out[i + 1]);
      if (d >= 0x80 && d <= 0x9E && d != 0x97) out[i + 1] = static_cast<char>(d + 0x20);
      ++i;
    }
  }
  return out;
}

std::shared_ptr<const CleanRules> compile_clean_rules(std::string_view yaml_text,
                                                      std::string_view origin,
                                                      const CleanRules* base) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    throw RuleError(std::string(origin) + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  auto rules = std::make_shared<CleanRules>();
  if (base != nullptr) {
    rules->set = base->set;
    rules->origin = base->origin + " + ";
  }
  rules->origin += origin;
  try {
    if (!root.IsDefined() || root.IsNull()) {
      // An empty file changes nothing.
    } else {
      check_keys(origin, root, "rules file", {"version", "packs", "disable"});
      if (root["version"] && scalar(origin, root["version"], "version") != "1") {
        fail(origin, root["version"], "version: only version 1 is supported");
      }
      if (const auto packs = root["packs"]) {
        if (!packs.IsSequence()) fail(origin, packs, "packs: expected a list of packs");
        for (const auto& p : packs) read_pack(origin, p, rules->set);
      }
      if (const auto disable = root["disable"]) {
        RuleSet& s = rules->set;
        for (const auto& id : string_list(origin, disable, "disable")) {
          const std::size_t before = s.lines.size() + s.glued_spans.size() +
                                     s.caption_credits.size() + s.headline_tags.size() +
                                     s.roles.size() + s.note_lines.size() + s.tail_tokens.size();
          auto drop = [&](auto& v) {
            v.erase(std::remove_if(v.begin(), v.end(), [&](const auto& r) { return r.id == id; }),
                    v.end());
          };
          drop(s.lines), drop(s.glued_spans), drop(s.caption_credits), drop(s.headline_tags),
              drop(s.roles), drop(s.note_lines), drop(s.tail_tokens);
          const std::size_t after = s.lines.size() + s.glued_spans.size() +
                                    s.caption_credits.size() + s.headline_tags.size() +
                                    s.roles.size() + s.note_lines.size() + s.tail_tokens.size();
          if (before == after) fail(origin, disable, "disable: no rule with id '" + id + "'");
        }
      }
    }
    // Ids are unique across kinds (they name spans in --explain).
    std::set<std::string> ids;
    auto unique = [&](const std::string& id) {
      if (!ids.insert(id).second) {
        throw RuleError(std::string(origin) + ": rule id '" + id + "' is used twice");
      }
    };
    for (const auto& r : rules->set.lines) unique(r.id);
    for (const auto& r : rules->set.glued_spans) unique(r.id);
    for (const auto& r : rules->set.caption_credits) unique(r.id);
    for (const auto& r : rules->set.headline_tags) unique(r.id);
    for (const auto& r : rules->set.roles) unique(r.id);
    for (const auto& r : rules->set.note_lines) unique(r.id);
    for (const auto& r : rules->set.tail_tokens) unique(r.id);
  } catch (const YAML::Exception& e) {
    throw RuleError(std::string(origin) + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  compile(*rules);
  return rules;
}

std::shared_ptr<const CleanRules> default_clean_rules() {
  // Immutable after its thread-safe one-time initialisation.
  static const std::shared_ptr<const CleanRules> rules =
      compile_clean_rules(embedded_cleaning_yaml(), "embedded", nullptr);
  return rules;
}

std::shared_ptr<const CleanRules> load_clean_rules(const std::filesystem::path& path) {
  if (path.empty()) return default_clean_rules();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RuleError(path.string() + ": cannot read the rules file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw RuleError(path.string() + ": cannot read the rules file");
  return compile_clean_rules(text.str(), path.string(), default_clean_rules().get());
}

}  // namespace wirefeed::pipeline
