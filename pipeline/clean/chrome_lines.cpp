// Chrome recognition in the line pass. See chrome_lines.hpp for the contract.
#include "pipeline/clean/chrome_lines.hpp"

namespace wirefeed::pipeline {

bool chrome_candidate(std::string_view t) {
  if (t.empty() || t.size() > kChromeCandidateMaxBytes) return false;
  const char last = t.back();
  if (last == '.' || last == '!' || last == '?' || last == ':' || last == '"' || last == ',' ||
      last == ';') {
    return false;
  }
  // ” ’ » closing the line: a quotation.
  if (t.size() >= 2 && static_cast<unsigned char>(t[t.size() - 2]) == 0xC2 &&
      static_cast<unsigned char>(last) == 0xBB) {
    return false;
  }
  if (t.size() >= 3 && static_cast<unsigned char>(t[t.size() - 3]) == 0xE2 &&
      static_cast<unsigned char>(t[t.size() - 2]) == 0x80 &&
      (static_cast<unsigned char>(last) == 0x9D || static_cast<unsigned char>(last) == 0x99)) {
    return false;
  }
  if (t.find(". ") != std::string_view::npos) return false;
  for (char c : t) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  }
  return false;
}

void ChromeLinePass::see(std::string_view t) {
  if (sighting_ == nullptr) return;
  ++lines_;
  for (char c : t) {
    if (c >= '0' && c <= '9') {
      ++figure_lines_;
      break;
    }
  }
  if (t.size() > longest_.size()) longest_ = t;
}

std::optional<ChromeVerdict> ChromeLinePass::judge(std::string_view t, bool structural,
                                                   bool record) {
  if (const ChromeShape s = chrome_shape(t, !record); s != ChromeShape::kNone)
    return ChromeVerdict{s, 0};
  if (structural || !chrome_candidate(t)) return std::nullopt;
  if (record && sighting_ != nullptr) sighting_->lines.emplace_back(t);
  if (learned_ != nullptr) {
    if (const uint32_t n = learned_->count(t); n > 0) {
      return ChromeVerdict{ChromeShape::kNone, n};
    }
  }
  return std::nullopt;
}

void ChromeLinePass::finish() {
  if (sighting_ == nullptr) return;
  sighting_->story = chrome_line_hash(longest_);
  // Templated copy (earnings, dividends, tables): most of its lines carry figures.
  sighting_->templated = lines_ >= 3 && figure_lines_ * 2 >= lines_;
}

std::string ChromeLinePass::rule(const ChromeVerdict& v) const {
  if (v.shape != ChromeShape::kNone) return "shape:" + std::string(chrome_shape_name(v.shape));
  return "learned:" + (learned_ != nullptr ? learned_->source() : std::string());
}

}  // namespace wirefeed::pipeline
