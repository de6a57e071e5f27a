// Processor. See processor.hpp for the invariants.
#include "daemon/processor.hpp"

#include <chrono>
#include <exception>

#include "pipeline/clean.hpp"
#include "pipeline/fingerprint.hpp"

namespace wirefeed::daemon {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point& t) {
  const auto now = Clock::now();
  const double s = std::chrono::duration<double>(now - t).count();
  t = now;
  return s;
}

v1::ContributorRole to_proto(pipeline::ContributorRole r) {
  switch (r) {
    case pipeline::ContributorRole::kReporter:
      return v1::CONTRIBUTOR_ROLE_REPORTER;
    case pipeline::ContributorRole::kWriter:
      return v1::CONTRIBUTOR_ROLE_WRITER;
    case pipeline::ContributorRole::kEditor:
      return v1::CONTRIBUTOR_ROLE_EDITOR;
    case pipeline::ContributorRole::kAdditionalReporting:
      return v1::CONTRIBUTOR_ROLE_ADDITIONAL_REPORTING;
    case pipeline::ContributorRole::kPhotographer:
      return v1::CONTRIBUTOR_ROLE_PHOTOGRAPHER;
  }
  return v1::CONTRIBUTOR_ROLE_UNSPECIFIED;
}

void fill_story(v1::Story& s, pipeline::DecodedItem& item, pipeline::CleanStory& c,
                const pipeline::StoryFingerprint& fp) {
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
  }
  for (auto& p : c.paragraphs) s.add_paragraphs(std::move(p));
  for (auto& cap : c.captions) {
    auto* pc = s.add_captions();
    pc->set_text(std::move(cap.text));
    pc->set_credit(std::move(cap.credit));
  }
  for (auto& n : c.editor_notes) s.add_editor_notes(std::move(n));
  s.set_language(std::move(c.language));
  s.set_word_count(c.word_count);
  s.set_headline_all_caps(c.headline_all_caps);
  s.set_boilerplate_removed(c.boilerplate_removed);
  s.mutable_fingerprint()->set_content_hash(fp.content.hex());
  s.mutable_fingerprint()->set_simhash(fp.simhash);
}

}  // namespace

v1::Record Processor::dead_letter(const pipeline::InputMessage& msg, v1::DeadLetterReason reason,
                                  const std::string& message) const {
  v1::Record rec;
  auto* dl = rec.mutable_dead_letter();
  dl->set_id(pipeline::fallback_id(msg));
  *dl->mutable_source() = pipeline::source_ref(msg);
  dl->set_reason(reason);
  dl->set_message(message);
  const bool truncate = msg.value.size() > cfg_.dead_letter_max_bytes;
  dl->set_original(truncate ? msg.value.substr(0, cfg_.dead_letter_max_bytes) : msg.value);
  dl->set_original_size(msg.value.size());
  dl->set_original_truncated(truncate);
  return rec;
}

ProcessResult Processor::process(const pipeline::InputMessage& msg) const {
  ProcessResult result;
  try {
    auto t = Clock::now();
    auto decoded = pipeline::decode(msg, cfg_.decode);
    result.timings.decode = seconds_since(t);
    if (auto* err = std::get_if<pipeline::DecodeError>(&decoded)) {
      result.records.push_back(dead_letter(msg, err->reason, err->message));
      return result;
    }
    auto& item = std::get<pipeline::DecodedItem>(decoded);

    pipeline::CleanStory clean = pipeline::clean_story(item.text, {item.received_at});
    result.timings.clean = seconds_since(t);
    result.boilerplate_removed = clean.boilerplate_removed;
    if (clean.headline.empty() && clean.paragraphs.empty()) {
      result.records.push_back(dead_letter(msg, v1::DEAD_LETTER_REASON_NO_CONTENT,
                                           "cleaning left no headline and no body text"));
      return result;
    }

    const pipeline::StoryFingerprint fp = pipeline::fingerprint(clean);
    result.timings.fingerprint = seconds_since(t);

    auto first = index_.check_and_insert(fp.content, item.id, item.received_at);
    result.timings.dedup = seconds_since(t);

    v1::Record rec;
    if (first) {
      auto* notice = rec.mutable_duplicate();
      notice->set_id(item.id);
      notice->set_duplicate_of(*first);
      notice->set_kind(v1::DUPLICATE_KIND_EXACT);
      notice->set_similarity(1.0);
      notice->set_headline(clean.headline);
      *notice->mutable_source() = std::move(item.source);
    } else {
      fill_story(*rec.mutable_story(), item, clean, fp);
    }
    result.records.push_back(std::move(rec));
  } catch (const std::exception& e) {
    result.records.clear();
    result.records.push_back(dead_letter(msg, v1::DEAD_LETTER_REASON_INTERNAL_ERROR,
                                         std::string("internal error: ") + e.what()));
  }
  return result;
}

}  // namespace wirefeed::daemon
