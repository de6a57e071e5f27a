// Decode stage. See decode.hpp for the invariants.
//
// Implementation invariants (speed): a JSON envelope is read by scan_envelope in one
// pass straight into the fields (no DOM, escapes decoded while copying); only what it declines
// goes through protobuf's JSON parser, so results and error messages are the library's. The
// binary check skips eight plain ASCII bytes at a time (the UTF-8 check, in pipeline/text/, too).
#include "pipeline/decode.hpp"

#include <google/protobuf/util/json_util.h>
#define XXH_INLINE_ALL  // header-only xxHash: inlined, and exposes XXH3_state_t
#include <xxhash.h>

#include "pipeline/swar.hpp"
#include "pipeline/text/ascii.hpp"
#include "pipeline/text/utf8.hpp"

#include <array>
#include <bit>
#include <cstdio>
#include <cstring>

namespace wirefeed::pipeline {
namespace {

using namespace swar;

std::string hex16(uint64_t v) {
  std::string out(16, '0');
  for (std::size_t i = 16; i-- > 0; v >>= 4) out[i] = text::kHexDigits[v & 0xF];
  return out;
}

// Hash of NUL-separated parts: unambiguous for any part contents.
uint64_t hash_parts(std::initializer_list<std::string_view> parts) {
  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  for (std::string_view p : parts) {
    XXH3_64bits_update(&state, p.data(), p.size());
    XXH3_64bits_update(&state, "\0", 1);
  }
  return XXH3_64bits_digest(&state);
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim_left(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && is_space(s[i])) ++i;
  return s.substr(i);
}

// Share of C0 control bytes that no text format uses; wire formats (ANPA/IPTC 7901) legitimately
// carry SOH, STX, ETX, SYN, US, RS, so those are not counted. Eight bytes at a time while none is
// a control byte or DEL.
bool looks_binary(std::string_view s, std::size_t& nul_at) {
  nul_at = s.find('\0');
  if (nul_at != std::string_view::npos) return true;
  std::size_t odd = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    if (i + 8 <= n) {
      const uint64_t w = load8(p + i);
      if ((has_below(w, 0x20) | has_byte(w, 0x7f)) == 0) {
        i += 8;
        continue;
      }
    }
    const unsigned char c = p[i++];
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != 0x01 && c != 0x02 && c != 0x03 &&
        c != 0x16 && c != 0x1e && c != 0x1f && c != 0x0c) {
      ++odd;
    } else if (c == 0x7f) {
      ++odd;
    }
  }
  return odd * 20 > s.size();  // more than 5% junk control bytes
}

std::string header_value(const InputMessage& msg, std::string_view name) {
  for (const auto& h : msg.headers) {
    if (h.key.size() != name.size()) continue;
    bool eq = true;
    for (std::size_t i = 0; i < name.size() && eq; ++i) {
      eq = std::tolower(static_cast<unsigned char>(h.key[i])) ==
           std::tolower(static_cast<unsigned char>(name[i]));
    }
    if (eq && h.value) return *h.value;
  }
  return {};
}

// At most ~200 bytes of `s` for an error message, as valid UTF-8 (DeadLetter.message is a proto3
// string): the cut does not split a character and invalid bytes become U+FFFD. protobuf's JSON
// errors quote the input cut at a byte offset (found by tests/fuzz/fuzz_decode).
std::string clip_for_message(std::string_view s) {
  constexpr std::size_t kMax = 200;
  std::string_view head = s.substr(0, kMax);
  for (int k = 0; k < 3 && !head.empty() && head.size() < s.size() &&
                  (static_cast<unsigned char>(s[head.size()]) & 0xC0) == 0x80;
       ++k) {
    head.remove_suffix(1);
  }
  std::string out;
  out.reserve(head.size() + 3);
  while (!head.empty()) {
    const std::size_t bad = find_invalid_utf8(head);
    out.append(head.substr(0, bad));
    if (bad == std::string_view::npos) break;
    out.append("\xEF\xBF\xBD");  // U+FFFD
    head.remove_prefix(bad + 1);
  }
  if (s.size() > kMax) out.append("...");
  return out;
}

// A structured document -> the item's text, doc, format and id; or the decode error.
std::optional<DecodeError> decode_structured(formats::DocFormat f, std::string_view bytes,
                                             const formats::FormatLimits& limits,
                                             std::string_view format_prefix, DecodedItem& item) {
  formats::FormatResult r = formats::decode_document(f, bytes, limits);
  if (auto* err = std::get_if<formats::FormatError>(&r)) {
    return DecodeError{
        err->unsupported ? v1::DEAD_LETTER_REASON_UNSUPPORTED_DOCUMENT
                         : v1::DEAD_LETTER_REASON_MALFORMED_DOCUMENT,
        std::string(formats::format_name(err->format)) + ": " + clip_for_message(err->message)};
  }
  auto& doc = std::get<formats::StructuredDoc>(r);
  item.source.set_format(std::string(format_prefix) +
                         std::string(formats::format_name(doc.format)));
  if (!doc.item_id.empty()) {
    item.source.set_item_id(doc.item_id);  // uri/guid: the dedup family key
    // One Story id per version of the item: redeliveries of a version get the same id.
    item.id = "wf-" + hex16(hash_parts({"doc", item.source.agency(), doc.item_id,
                                        doc.source_version, doc.version_created}));
  }
  item.text = formats::compose_text(doc);
  item.doc = std::move(doc);
  return std::nullopt;
}

}  // namespace

namespace {
// The longest valid UTF-8 prefix of `s`.
std::string_view valid_utf8_prefix(std::string_view s) {
  const std::size_t bad = find_invalid_utf8(s);
  return bad == std::string_view::npos ? s : s.substr(0, bad);
}
}  // namespace

v1::SourceRef source_ref(const InputMessage& msg) {
  v1::SourceRef ref;
  ref.set_topic(msg.topic);
  ref.set_partition(msg.partition);
  ref.set_offset(msg.offset);
  if (msg.key) {
    // Keys are usually text; a binary key is kept as its valid prefix only.
    ref.set_key(std::string(valid_utf8_prefix(*msg.key)));
  }
  if (msg.timestamp) {
    ref.set_received_at(format_rfc3339(std::chrono::floor<std::chrono::seconds>(*msg.timestamp)));
  }
  // Header values are arbitrary bytes; SourceRef fields are proto3 strings (valid UTF-8 only).
  ref.set_content_type(std::string(valid_utf8_prefix(header_value(msg, "content-type"))));
  return ref;
}

std::string fallback_id(const InputMessage& msg) {
  if (msg.key && !msg.key->empty()) return "wf-" + hex16(hash_parts({"key", *msg.key}));
  return "wf-" + hex16(hash_parts({"tpo", msg.topic, std::to_string(msg.partition),
                                   std::to_string(msg.offset)}));
}

namespace {

// --- scan_envelope: the JSON envelope without a DOM ---------------------------------------------

bool json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool read_hex4(std::string_view s, std::size_t at, uint32_t& out) {
  if (at + 4 > s.size()) return false;
  out = 0;
  for (std::size_t k = 0; k < 4; ++k) {
    const int d = text::hex_value(s[at + k]);
    if (d < 0) return false;
    out = (out << 4) | static_cast<uint32_t>(d);
  }
  return true;
}

// Reads the JSON string starting at s[i] == '"' into `out` (when not null) and moves `i` past the
// closing quote. False for anything the fast path leaves to protobuf: raw control bytes, escapes
// other than the eight standard ones and \uXXXX, \u0000, surrogates that are not a valid pair.
bool read_string(std::string_view s, std::size_t& i, std::string* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t run = ++i;  // start of the bytes not yet copied
  while (true) {
    // Skip plain bytes eight at a time: no '"', '\\' or control byte in the word; in a word
    // with one, the lowest flagged byte is the first stop (the SWAR test only over-flags bytes
    // above a real hit).
    bool found = false;
    while (i + 8 <= n) {
      const uint64_t w = load8(p + i);
      const uint64_t stops = has_byte(w, '"') | has_byte(w, '\\') | has_below(w, 0x20);
      if (stops != 0) {
        i += static_cast<std::size_t>(std::countr_zero(stops)) / 8;
        found = true;
        break;
      }
      i += 8;
    }
    if (!found) {
      while (i < n && p[i] != '"' && p[i] != '\\' && p[i] >= 0x20) ++i;
    }
    if (i >= n || p[i] < 0x20) return false;
    if (out != nullptr) out->append(s.data() + run, i - run);
    if (p[i] == '"') {
      ++i;
      return true;
    }
    if (i + 1 >= n) return false;  // a backslash at the end
    const char e = s[i + 1];
    i += 2;
    char plain = 0;
    switch (e) {
      case '"':
      case '\\':
      case '/':
        plain = e;
        break;
      case 'b':
        plain = '\b';
        break;
      case 'f':
        plain = '\f';
        break;
      case 'n':
        plain = '\n';
        break;
      case 'r':
        plain = '\r';
        break;
      case 't':
        plain = '\t';
        break;
      case 'u': {
        uint32_t cp = 0;
        if (!read_hex4(s, i, cp) || cp == 0) return false;
        i += 4;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a lone low surrogate
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t lo = 0;
          if (i + 6 > n || s[i] != '\\' || s[i + 1] != 'u' || !read_hex4(s, i + 2, lo) ||
              lo < 0xDC00 || lo > 0xDFFF) {
            return false;
          }
          i += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        if (out != nullptr) text::append_utf8(*out, cp);
        run = i;
        continue;
      }
      default:
        return false;
    }
    if (out != nullptr) *out += plain;
    run = i;
  }
}

void skip_space(std::string_view s, std::size_t& i) {
  while (i < s.size() && json_space(s[i])) ++i;
}

// Lower-cased with '_' dropped: "Received_At" and "receivedat" both give "receivedat".
bool loose_equal(std::string_view key, std::string_view folded) {
  std::size_t k = 0;
  for (char c : key) {
    if (c == '_') continue;
    const char l = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    if (k >= folded.size() || folded[k] != l) return false;
    ++k;
  }
  return k == folded.size();
}

}  // namespace

bool scan_envelope(std::string_view json, EnvelopeFields& out) {
  out = EnvelopeFields{};
  std::size_t i = 0;
  skip_space(json, i);
  if (i >= json.size() || json[i] != '{') return false;
  ++i;
  unsigned seen = 0;  // bit per known field: a repeated key is left to protobuf
  skip_space(json, i);
  if (i < json.size() && json[i] == '}') {
    ++i;
  } else {
    while (true) {
      skip_space(json, i);
      if (i >= json.size() || json[i] != '"') return false;
      const std::size_t key_start = i + 1;
      if (!read_string(json, i, nullptr)) return false;
      const std::string_view key = json.substr(key_start, i - 1 - key_start);
      // An escaped key is protobuf's call; so is an empty one (its parser rejects "": found by
      // fuzz_decode's differential check).
      if (key.empty() || key.find('\\') != std::string_view::npos) return false;
      skip_space(json, i);
      if (i >= json.size() || json[i] != ':') return false;
      ++i;
      skip_space(json, i);
      if (i >= json.size() || json[i] != '"') return false;  // only string values here
      std::string* field = nullptr;
      unsigned bit = 0;
      if (key == "id") {
        field = &out.id, bit = 1;
      } else if (key == "source") {
        field = &out.source, bit = 2;
      } else if (key == "received_at" || key == "receivedAt") {
        field = &out.received_at, bit = 4;
      } else if (key == "content_type" || key == "contentType") {
        field = &out.content_type, bit = 8;
      } else if (key == "body") {
        field = &out.body, bit = 16;
      } else {
        for (std::string_view known : {"id", "source", "receivedat", "contenttype", "body"}) {
          if (loose_equal(key, known)) return false;  // a near miss: protobuf decides
        }
      }
      if ((seen & bit) != 0) return false;
      seen |= bit;
      if (!read_string(json, i, field)) return false;
      skip_space(json, i);
      if (i >= json.size()) return false;
      if (json[i] == ',') {
        ++i;
        continue;
      }
      if (json[i] != '}') return false;
      ++i;
      break;
    }
  }
  skip_space(json, i);
  return i == json.size();
}

DecodeResult decode(const InputMessage& msg, const DecodeConfig& cfg) {
  const std::string_view value = msg.value;
  if (value.size() > cfg.max_bytes) {
    return DecodeError{v1::DEAD_LETTER_REASON_TOO_LARGE,
                       "value is " + std::to_string(value.size()) +
                           " bytes, over input.max_bytes (" + std::to_string(cfg.max_bytes) + ")"};
  }
  if (trim_left(value).empty()) {
    return DecodeError{v1::DEAD_LETTER_REASON_EMPTY,
                       value.empty() ? "value is empty" : "value is only whitespace"};
  }
  const std::optional<formats::DocFormat> by_header =
      formats::format_from_content_type(header_value(msg, "content-type"));
  const formats::DocFormat format = by_header ? *by_header : formats::sniff_format(value);
  // XML and HTML documents declare their charset and ANPA copy is often 8-bit: their decoders
  // transcode.
  const bool own_charset =
      format == formats::DocFormat::kNitf || format == formats::DocFormat::kNewsMLG2 ||
      format == formats::DocFormat::kNewsML1 || format == formats::DocFormat::kAnpa ||
      format == formats::DocFormat::kHtml;
  std::size_t nul_at = 0;
  if (looks_binary(value, nul_at)) {
    return DecodeError{v1::DEAD_LETTER_REASON_BINARY,
                       nul_at != std::string_view::npos
                           ? "value contains a NUL byte at offset " + std::to_string(nul_at)
                           : std::string("value is mostly non-text control bytes")};
  }
  if (std::size_t bad = own_charset ? std::string_view::npos : find_invalid_utf8(value);
      bad != std::string_view::npos) {
    return DecodeError{
        v1::DEAD_LETTER_REASON_INVALID_UTF8,
        "value is not valid UTF-8 (first bad byte at offset " + std::to_string(bad) + ")"};
  }

  DecodedItem item;
  item.source = source_ref(msg);
  using std::chrono::floor;
  using std::chrono::seconds;
  item.received_at = msg.timestamp ? floor<seconds>(*msg.timestamp) : cfg.fallback_received_at;

  if (format != formats::DocFormat::kText) {
    item.id = fallback_id(msg);
    if (auto err = decode_structured(format, value, cfg.formats, "", item)) return *err;
  } else if (trim_left(value).front() == '{') {
    EnvelopeFields env;
    if (!scan_envelope(value, env)) {
      v1::Envelope parsed;
      google::protobuf::util::JsonParseOptions opts;
      opts.ignore_unknown_fields = true;  // forward compatible: newer producers may add fields
      auto status = google::protobuf::util::JsonStringToMessage(
          google::protobuf::stringpiece_internal::StringPiece(value.data(), value.size()), &parsed,
          opts);
      if (!status.ok()) {
        return DecodeError{
            v1::DEAD_LETTER_REASON_MALFORMED_ENVELOPE,
            "JSON envelope does not parse: " + clip_for_message(std::string(status.message()))};
      }
      env = EnvelopeFields{std::move(*parsed.mutable_id()), std::move(*parsed.mutable_source()),
                           std::move(*parsed.mutable_received_at()),
                           std::move(*parsed.mutable_content_type()),
                           std::move(*parsed.mutable_body())};
    }
    if (trim_left(env.body).empty()) {
      return DecodeError{v1::DEAD_LETTER_REASON_MALFORMED_ENVELOPE,
                         "JSON envelope has no \"body\" (or it is empty)"};
    }
    if (env.body.find('\0') != std::string::npos) {
      return DecodeError{v1::DEAD_LETTER_REASON_BINARY, "envelope body contains a NUL character"};
    }
    if (!env.received_at.empty()) {
      std::chrono::sys_seconds t{};
      if (!parse_rfc3339(env.received_at, t)) {
        return DecodeError{
            v1::DEAD_LETTER_REASON_MALFORMED_ENVELOPE,
            "envelope \"received_at\" is not RFC 3339: " + clip_for_message(env.received_at)};
      }
      item.received_at = t;
    }
    item.source.set_agency(env.source);
    item.source.set_item_id(env.id);
    if (!env.content_type.empty()) item.source.set_content_type(env.content_type);
    item.source.set_format("envelope+text");
    item.id =
        env.id.empty() ? fallback_id(msg) : "wf-" + hex16(hash_parts({"item", env.source, env.id}));
    const std::optional<formats::DocFormat> body_ct =
        formats::format_from_content_type(env.content_type);
    const formats::DocFormat body_format = body_ct ? *body_ct : formats::sniff_format(env.body);
    if (body_format != formats::DocFormat::kText) {
      formats::FormatLimits limits = cfg.formats;
      limits.xml_utf8 = true;  // a JSON string is UTF-8 whatever an XML declaration says
      if (auto err = decode_structured(body_format, env.body, limits, "envelope+", item)) {
        return *err;
      }
    } else {
      item.text = std::move(env.body);
    }
  } else {
    item.source.set_format("text");
    item.id = fallback_id(msg);
    item.text.assign(value);
  }
  item.source.set_received_at(format_rfc3339(item.received_at));
  return item;
}

}  // namespace wirefeed::pipeline
