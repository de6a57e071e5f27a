// Processor. See processor.hpp for the invariants.
#include "pipeline/processor.hpp"

#include <algorithm>
#include <chrono>
#include <exception>

#include "pipeline/clean.hpp"
#include "pipeline/dedup_explain.hpp"
#include "pipeline/fingerprint.hpp"
#include "pipeline/story_evidence.hpp"
#include "pipeline/structured.hpp"

namespace wirefeed::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point& t) {
  const auto now = Clock::now();
  const double s = std::chrono::duration<double>(now - t).count();
  t = now;
  return s;
}

v1::ContributorRole to_proto(ContributorRole r) {
  switch (r) {
    case ContributorRole::kReporter:
      return v1::CONTRIBUTOR_ROLE_REPORTER;
    case ContributorRole::kWriter:
      return v1::CONTRIBUTOR_ROLE_WRITER;
    case ContributorRole::kEditor:
      return v1::CONTRIBUTOR_ROLE_EDITOR;
    case ContributorRole::kAdditionalReporting:
      return v1::CONTRIBUTOR_ROLE_ADDITIONAL_REPORTING;
    case ContributorRole::kPhotographer:
      return v1::CONTRIBUTOR_ROLE_PHOTOGRAPHER;
  }
  return v1::CONTRIBUTOR_ROLE_UNSPECIFIED;
}

// ContentHash::hex() without snprintf (same text: hi then lo, 16 lower-case hex digits each).
std::string content_hex(const ContentHash& h) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(32, '0');
  uint64_t hi = h.hi;
  uint64_t lo = h.lo;
  for (std::size_t i = 16; i-- > 0; hi >>= 4, lo >>= 4) {
    out[i] = kDigits[hi & 0xF];
    out[16 + i] = kDigits[lo & 0xF];
  }
  return out;
}

void fill_story(v1::Story& s, DecodedItem& item, CleanStory& c, const StoryFingerprint& fp) {
  s.set_id(item.id);
  if (item.source.agency().empty() && !c.dateline.agency.empty()) {
    item.source.set_agency(c.dateline.agency);
  }
  *s.mutable_source() = std::move(item.source);
  s.set_headline(std::move(c.headline));
  auto* version = s.mutable_version();
  for (auto& t : c.version_tags) version->add_tags(std::move(t));
  version->set_number(c.version_number);
  auto* dl = s.mutable_dateline();
  dl->set_location(std::move(c.dateline.location));
  dl->set_date(std::move(c.dateline.date));
  dl->set_agency(std::move(c.dateline.agency));
  for (auto& ct : c.contributors) {
    auto* pc = s.add_contributors();
    pc->set_name(std::move(ct.name));
    pc->set_role(to_proto(ct.role));
    pc->set_location(std::move(ct.location));
    pc->set_title(std::move(ct.title));
  }
  for (auto& p : c.paragraphs) s.add_paragraphs(std::move(p));
  for (auto& cap : c.captions) {
    auto* pc = s.add_captions();
    pc->set_text(std::move(cap.text));
    pc->set_credit(std::move(cap.credit));
  }
  for (auto& n : c.editor_notes) s.add_editor_notes(std::move(n));
  for (auto& q : c.quotes) {
    auto* pq = s.add_quotes();
    pq->set_text(std::move(q.text));
    pq->set_speaker(std::move(q.speaker));
    pq->set_paragraph(q.paragraph);
  }
  s.set_language(std::move(c.language));
  s.set_word_count(c.word_count);
  s.set_headline_all_caps(c.headline_all_caps);
  s.set_boilerplate_removed(c.boilerplate_removed);
  s.mutable_fingerprint()->set_content_hash(content_hex(fp.content));
  s.mutable_fingerprint()->set_simhash(fp.simhash);
}

bool has_tag(const CleanStory& c, std::string_view prefix) {
  return std::any_of(c.version_tags.begin(), c.version_tags.end(),
                     [&](const std::string& t) { return t.rfind(prefix, 0) == 0; });
}

bool starts_with_word(std::string_view s, std::string_view w) {
  return s.size() >= w.size() && s.substr(0, w.size()) == w &&
         (s.size() == w.size() || s[w.size()] == ' ' || s[w.size()] == '-' || s[w.size()] == ':');
}

// Kills and withdrawals: "STORY WITHDRAWN", "WITHDRAWN-...", AP "KILL"/"ELIMINATION" advisories.
bool is_kill(const CleanStory& c) {
  for (const std::string& t : c.version_tags) {
    if (t.find("WITHDRAWN") != std::string::npos || t.rfind("KILL", 0) == 0) return true;
  }
  for (std::string_view w :
       {"STORY WITHDRAWN", "WITHDRAWN", "KILL", "KILLED", "MANDATORY KILL", "ELIMINATION"}) {
    if (starts_with_word(c.headline, w)) return true;
  }
  return false;
}

std::string hex16(uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[static_cast<std::size_t>(i)] = kDigits[v & 0xF];
  return out;
}

// How far an envelope's received_at may run ahead of the Kafka timestamp of its message before
// the dedup clock stops trusting it (clock skew between hosts is minutes, not days).
constexpr std::chrono::hours kMaxEnvelopeLead{24};

// The dedup clock of one input: its received_at, but never more than kMaxEnvelopeLead after the
// Kafka timestamp. The index expires entries relative to the newest event time it has seen, so a
// single envelope dated decades ahead would otherwise expire every entry (dedup off).
std::chrono::sys_seconds dedup_event_time(const DecodedItem& item, const InputMessage& msg) {
  if (!msg.timestamp) return item.received_at;
  const auto limit = std::chrono::floor<std::chrono::seconds>(*msg.timestamp) + kMaxEnvelopeLead;
  return std::min(item.received_at, std::chrono::sys_seconds(limit));
}

// The source a story's page chrome is learned for: its agency or feed, else its topic.
std::string chrome_source(const DecodedItem& item) {
  if (!item.source.agency().empty()) return item.source.agency();
  if (!item.source.topic().empty()) return item.source.topic();
  return "default";
}

DedupCandidate dedup_candidate(const DecodedItem& item, const InputMessage& msg,
                               const CleanStory& c, const StoryFingerprint& fp) {
  DedupCandidate d;
  d.story_id = item.id;
  d.content = fp.content;
  d.minhash = fp.minhash;
  d.numbers = story_evidence(c);
  d.tokens = fp.tokens;
  d.location = normalized_text_hash(c.dateline.location);
  if (!item.source.item_id().empty()) {
    // The source's own item id is the family (ninjs uri / NewsML guid semantics).
    d.family = normalized_text_hash("item " + item.source.agency() + " " + item.source.item_id());
    d.family_from_item = true;
  } else if (const uint64_t h = normalized_text_hash(c.headline); h != 0) {
    d.family = h ^ (d.location * 0x9E3779B97F4A7C15ULL) ^ normalized_text_hash(c.dateline.agency);
  }
  d.version_number = c.version_number;
  d.version_tagged = has_tag(c, "UPDATE") || has_tag(c, "CORRECTED") || has_tag(c, "REFILE") ||
                     has_tag(c, "CORRECTION");
  d.correction = has_tag(c, "CORRECTED") || has_tag(c, "REFILE") || has_tag(c, "CORRECTION");
  d.kill = is_kill(c);
  d.event_time = dedup_event_time(item, msg);
  return d;
}

}  // namespace

v1::DedupState dedup_state(const DedupCandidate& c, const Decision& d) {
  v1::DedupState s;
  s.set_story_id(c.story_id);
  s.set_content_hash(content_hex(c.content));
  s.set_event_time(c.event_time.time_since_epoch().count());
  s.set_family(d.family);
  s.set_version_number(c.version_number);
  std::string mh(c.minhash.size() * 2, '\0');
  for (std::size_t i = 0; i < c.minhash.size(); ++i) {
    mh[2 * i] = static_cast<char>(c.minhash[i] & 0xFF);
    mh[2 * i + 1] = static_cast<char>(c.minhash[i] >> 8);
  }
  s.set_minhash(std::move(mh));
  for (uint32_t n : c.numbers) s.add_numbers(n);
  s.set_canceled(d.verdict == Verdict::kCancel);
  s.set_location(c.location);
  s.set_tokens(static_cast<uint32_t>(std::min<std::size_t>(c.tokens, UINT32_MAX)));
  return s;
}

std::string family_id(uint64_t family) {
  return family == 0 ? std::string() : "wf-" + hex16(family);
}

bool restore_state(DedupIndex& index, const v1::DedupState& s) {
  DedupCandidate c;
  c.story_id = s.story_id();
  const std::string& hex = s.content_hash();
  if (hex.size() != 32 || s.minhash().size() != kMinHashSlots * 2) return false;
  auto parse = [](std::string_view h, uint64_t& out) {
    out = 0;
    for (char ch : h) {
      const int v = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
      if (v < 0) return false;
      out = (out << 4) | static_cast<uint64_t>(v);
    }
    return true;
  };
  if (!parse(std::string_view(hex).substr(0, 16), c.content.hi) ||
      !parse(std::string_view(hex).substr(16), c.content.lo)) {
    return false;
  }
  for (std::size_t i = 0; i < kMinHashSlots; ++i) {
    c.minhash[i] = static_cast<uint16_t>(static_cast<unsigned char>(s.minhash()[2 * i]) |
                                         (static_cast<unsigned char>(s.minhash()[2 * i + 1]) << 8));
  }
  c.numbers.assign(s.numbers().begin(), s.numbers().end());
  c.family = s.family();
  c.location = s.location();
  c.tokens = s.tokens();
  c.version_number = s.version_number();
  c.event_time = std::chrono::sys_seconds{std::chrono::seconds{s.event_time()}};
  index.restore(c, s.canceled());
  return true;
}

v1::Record Processor::dead_letter(const InputMessage& msg, v1::DeadLetterReason reason,
                                  const std::string& message) const {
  v1::Record rec;
  auto* dl = rec.mutable_dead_letter();
  dl->set_id(fallback_id(msg));
  *dl->mutable_source() = source_ref(msg);
  dl->set_reason(reason);
  dl->set_message(message);
  const bool truncate = msg.value.size() > cfg_.dead_letter_max_bytes;
  dl->set_original(truncate ? msg.value.substr(0, cfg_.dead_letter_max_bytes) : msg.value);
  dl->set_original_size(msg.value.size());
  dl->set_original_truncated(truncate);
  return rec;
}

Pipeline::Pipeline(const PipelineSettings& s)
    : index(s.dedup), chrome(s.chrome), processor(s.processor, index) {
  processor.set_clean_rules(s.clean_rules);
  if (s.learn_chrome) processor.set_chrome_learner(&chrome);
}

std::unique_ptr<Pipeline> make_pipeline(const PipelineSettings& s) {
  return std::make_unique<Pipeline>(s);
}

ProcessResult Processor::process(const InputMessage& msg) const { return process(msg, nullptr); }

ProcessResult Processor::process(const InputMessage& msg,
                                 std::vector<ExplainEntry>* explain) const {
  ProcessResult result;
  try {
    auto t = Clock::now();
    auto decoded = decode(msg, cfg_.decode);
    result.timings.decode = seconds_since(t);
    if (auto* err = std::get_if<DecodeError>(&decoded)) {
      result.records.push_back(dead_letter(msg, err->reason, err->message));
      return result;
    }
    auto& item = std::get<DecodedItem>(decoded);

    const std::shared_ptr<const CleanRules> rules = clean_rules_.load();
    // The framing conventions the decoder applied come first in --explain, in input order.
    if (explain != nullptr && item.doc) {
      for (const formats::FramingNote& n : item.doc->framing) {
        explain->push_back(ExplainEntry{n.rule, n.field, n.text, 0});
      }
    }
    CleanStory clean;
    if (learner_ == nullptr) {
      clean = clean_story(item.text, {reference_time(item), rules.get(), explain});
    } else {
      // Clean with what the source has learned, then let the story teach; when it completes a
      // line, clean it again so the line goes from this story too.
      const std::string source = chrome_source(item);
      const std::size_t explained = explain != nullptr ? explain->size() : 0;  // after framing
      ChromeSighting sighting;
      auto learned = learner_->learned(source);
      clean = clean_story(item.text,
                          {reference_time(item), rules.get(), explain, learned.get(), &sighting});
      if (learner_->observe(source, sighting, dedup_event_time(item, msg))) {
        if (explain != nullptr) explain->resize(explained);
        learned = learner_->learned(source);
        clean = clean_story(item.text,
                            {reference_time(item), rules.get(), explain, learned.get(), nullptr});
      }
      result.chrome_source = source;
    }
    if (item.doc) apply_structured(*item.doc, clean);  // structured metadata wins (formats)
    result.timings.clean = seconds_since(t);
    result.boilerplate_removed = clean.boilerplate_removed;
    result.learned_chrome_removed = clean.learned_chrome_removed;
    const bool structured_kill = item.doc && item.doc->kill;  // a cancel may carry no text
    if (clean.headline.empty() && clean.paragraphs.empty() && !structured_kill) {
      result.records.push_back(dead_letter(msg, v1::DEAD_LETTER_REASON_NO_CONTENT,
                                           "cleaning left no headline and no body text"));
      return result;
    }

    const StoryFingerprint fp = fingerprint(clean);
    result.timings.fingerprint = seconds_since(t);

    DedupCandidate cand = dedup_candidate(item, msg, clean, fp);
    if (item.doc) apply_structured(*item.doc, cand);
    Decision d = index_.decide(cand);
    result.timings.dedup = seconds_since(t);
    result.verdict = d.verdict;

    v1::Record rec;
    if (d.verdict == Verdict::kExact || d.verdict == Verdict::kNear ||
        d.verdict == Verdict::kVersionStale) {
      auto* notice = rec.mutable_duplicate();
      notice->set_id(item.id);
      notice->set_duplicate_of(d.ref_id);
      notice->set_kind(d.verdict == Verdict::kExact  ? v1::DUPLICATE_KIND_EXACT
                       : d.verdict == Verdict::kNear ? v1::DUPLICATE_KIND_NEAR
                                                     : v1::DUPLICATE_KIND_VERSION);
      notice->set_similarity(d.similarity);
      notice->set_headline(clean.headline);
      *notice->mutable_source() = std::move(item.source);
      add_dedup_evidence(d, *notice);
    } else {
      fill_story(*rec.mutable_story(), item, clean, fp);
      if (item.doc) apply_structured(*item.doc, *rec.mutable_story());
      auto* version = rec.mutable_story()->mutable_version();
      version->set_family(family_id(d.family));
      version->set_supersedes(d.ref_id);
      version->set_canceled(d.verdict == Verdict::kCancel);
      add_related(d, *rec.mutable_story());
      result.state = dedup_state(cand, d);
      result.published = ProcessResult::Published{cand.content, cand.story_id};
    }
    result.records.push_back(std::move(rec));
    result.decision = std::move(d);
  } catch (const std::exception& e) {
    result.records.clear();
    result.records.push_back(dead_letter(msg, v1::DEAD_LETTER_REASON_INTERNAL_ERROR,
                                         std::string("internal error: ") + e.what()));
  }
  return result;
}

}  // namespace wirefeed::pipeline
