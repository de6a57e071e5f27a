// libFuzzer target: pipeline::decode (raw text or JSON envelope) on an InputMessage whose value
// is the fuzz input, then pipeline::clean_story on the decoded text.
//
// Each input is decoded twice: once as a plain message (no key, headers or timestamp) and once
// with metadata derived from the input itself (a key cut from its first bytes — possibly not
// UTF-8 —, junk headers including a content-type, a Kafka timestamp anywhere in int64 range,
// max_bytes below or above the size), so hostile Kafka metadata is covered as well as the value.
// The envelope fast path (scan_envelope) is checked against protobuf's JSON parser on every
// input it accepts: same fields, and protobuf must accept it too.
#include <google/protobuf/util/json_util.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <variant>

#include "pipeline/clean.hpp"
#include "pipeline/decode.hpp"
#include "tests/fuzz/fuzz_common.hpp"

namespace {

namespace pl = wirefeed::pipeline;
using wirefeed::fuzz::check;
using wirefeed::fuzz::check_text;
using wirefeed::fuzz::check_utf8;

// FNV-1a over the input: the source of the metadata choices.
uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

bool is_hex_id(std::string_view id) {
  if (id.size() != 19 || id.substr(0, 3) != "wf-") return false;
  for (char c : id.substr(3)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

void check_source(const wirefeed::v1::SourceRef& s) {
  check_text(s.agency(), "source.agency is valid UTF-8");
  check_text(s.topic(), "source.topic is valid UTF-8");
  check_utf8(s.key(), "source.key is valid UTF-8");
  check_utf8(s.received_at(), "source.received_at is valid UTF-8");
  check_utf8(s.item_id(), "source.item_id is valid UTF-8");
  check_utf8(s.content_type(), "source.content_type is valid UTF-8");
  check_utf8(s.format(), "source.format is valid UTF-8");
}

void run(const pl::InputMessage& msg, const pl::DecodeConfig& cfg) {
  const pl::DecodeResult r = pl::decode(msg, cfg);
  // Also used for dead letters: must hold for any message.
  check_source(pl::source_ref(msg));
  check(is_hex_id(pl::fallback_id(msg)), "fallback_id is wf- + 16 hex digits");

  if (const auto* err = std::get_if<pl::DecodeError>(&r)) {
    check(err->reason != wirefeed::v1::DEAD_LETTER_REASON_UNSPECIFIED,
          "DecodeError has a reason code");
    check(!err->message.empty(), "DecodeError has a message");
    check_utf8(err->message, "DecodeError message is valid UTF-8 (protobuf string field)");
    check(err->reason != wirefeed::v1::DEAD_LETTER_REASON_TOO_LARGE ||
              msg.value.size() > cfg.max_bytes,
          "TOO_LARGE only above max_bytes");
    return;
  }
  const auto& item = std::get<pl::DecodedItem>(r);
  check(msg.value.size() <= cfg.max_bytes, "a decoded value is within max_bytes");
  check(is_hex_id(item.id), "story id is wf- + 16 hex digits", item.id);
  check_text(item.text, "decoded text is valid UTF-8 without NUL");
  check(item.text.find_first_not_of(" \t\r\n") != std::string::npos || (item.doc && item.doc->kill),
        "decoded text is not blank (a structured cancel may carry none)");
  check_source(item.source);
  {
    std::string_view f = item.source.format();
    if (f.substr(0, 9) == "envelope+") f.remove_prefix(9);
    check(f == "text" || f == "ninjs" || f == "nitf" || f == "newsml-g2" || f == "newsml-1" ||
              f == "anpa" || f == "html",
          "source.format is known", item.source.format());
    check((f == "text") != item.doc.has_value(), "a structured doc exactly for structured formats");
  }
  // received_at round-trips through RFC 3339 when the year is representable.
  using namespace std::chrono;
  const auto lo = sys_seconds{sys_days{year{0} / January / 1}};
  const auto hi = sys_seconds{sys_days{year{9999} / December / 31}};
  if (item.received_at >= lo && item.received_at <= hi) {
    sys_seconds back{};
    check(pl::parse_rfc3339(item.source.received_at(), back) && back == item.received_at,
          "source.received_at round-trips", item.source.received_at());
  }

  const pl::CleanStory story = pl::clean_story(item.text, pl::CleanContext{item.received_at});
  wirefeed::fuzz::check_story(story);
}

// Differential: whatever scan_envelope accepts, protobuf's JSON mapping parses to the same fields.
void check_envelope_scan(std::string_view in) {
  if (pl::find_invalid_utf8(in) != std::string_view::npos) return;  // decode rejects it first
  pl::EnvelopeFields f;
  if (!pl::scan_envelope(in, f)) return;
  wirefeed::v1::Envelope env;
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::stringpiece_internal::StringPiece(in.data(), in.size()), &env, opts);
  check(status.ok(), "scan_envelope accepted what protobuf rejects", in);
  check(env.id() == f.id && env.source() == f.source && env.received_at() == f.received_at &&
            env.content_type() == f.content_type && env.body() == f.body,
        "scan_envelope and protobuf read different fields", in);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  check_envelope_scan(in);

  // 1. The value alone, as an offline file would be decoded.
  pl::InputMessage plain;
  plain.value.assign(in);
  run(plain, pl::DecodeConfig{});

  // 2. The same value with Kafka metadata derived from the input.
  const uint64_t h = fnv1a(in);
  pl::InputMessage msg;
  msg.topic = "wire.raw";
  msg.partition = static_cast<int32_t>(h % 64) - 1;  // -1 = offline
  msg.offset = static_cast<int64_t>(h >> 8) - (h & 1 ? static_cast<int64_t>(h >> 1) : 0);
  if (h & 2) msg.key = std::string(in.substr(0, (h >> 4) % 24));  // may be empty or not UTF-8
  if (h & 4) {
    int64_t ms = 0;
    std::memcpy(&ms, data + (size >= 8 ? size - 8 : 0), size >= 8 ? 8 : 0);
    msg.timestamp = pl::Millis{std::chrono::milliseconds{ms}};  // any int64: hostile producers
  }
  if (h & 8) {
    // Junk headers: a content-type cut from the input, a null-valued one, a duplicate.
    msg.headers.push_back({"Content-Type", std::string(in.substr(size / 2, (h >> 12) % 40))});
    msg.headers.push_back({"content-type", std::nullopt});
    msg.headers.push_back(
        {std::string(in.substr(0, (h >> 20) % 8)), std::string(in.substr(size > 0 ? 1 : 0))});
  }
  pl::DecodeConfig cfg;
  cfg.max_bytes = (h & 16) ? size - size / 4 : cfg.max_bytes;  // below size when size >= 4
  cfg.fallback_received_at =
      std::chrono::sys_seconds{std::chrono::seconds{static_cast<int64_t>(h >> 30)}};
  run(msg, cfg);
  return 0;
}
