// Decode stage: InputMessage bytes -> validated UTF-8 story text plus source metadata.
//
// Invariants:
// - Pure: output depends only on the message and DecodeConfig (no clock: a message with no
//   envelope time and no Kafka timestamp gets received_at = DecodeConfig::fallback_received_at).
// - Every input yields exactly one result: a DecodedItem or a DecodeError with a reason code
//   and a message that says what is wrong and where (byte offset, JSON field).
// - The story id is deterministic for the same source item: envelope (source, id) when given,
//   else the Kafka key, else topic/partition/offset.
// - Bounded work: size is checked before any parsing; scanners are linear.
// - The format is chosen by the Kafka content-type header (for the value) or the envelope's
//   content_type (for its body), else by sniffing (formats::sniff_format); SourceRef.format
//   names the decoder that ran ("text", "envelope+text", "ninjs", "envelope+nitf", ...). A
//   structured document that does not decode is a MALFORMED_DOCUMENT (or UNSUPPORTED_DOCUMENT)
//   error whose message starts with the format name.
// - XML and ANPA bytes may be in any declared/8-bit charset (the decoders transcode to UTF-8);
//   text, envelopes and ninjs must be UTF-8.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "pipeline/formats/document.hpp"
#include "pipeline/input.hpp"
#include "pipeline/text/time.hpp"
#include "pipeline/text/utf8.hpp"
#include "wirefeed/v1/story.pb.h"

namespace wirefeed::pipeline {

struct DecodeConfig {
  std::size_t max_bytes = 10u << 20;
  std::chrono::sys_seconds fallback_received_at{};
  formats::FormatLimits formats{};
};

struct DecodedItem {
  std::string id;  // "wf-" + 16 lowercase hex digits
  v1::SourceRef source;
  std::chrono::sys_seconds received_at{};
  std::string text;  // valid UTF-8, no NUL bytes (for a structured doc: headline + body)
  // Set when a structured format (ninjs, NITF, NewsML, ANPA) was decoded: its metadata wins over
  // what the cleaner guesses from `text`.
  std::optional<formats::StructuredDoc> doc;
};

struct DecodeError {
  v1::DeadLetterReason reason = v1::DEAD_LETTER_REASON_UNSPECIFIED;
  std::string message;
};

using DecodeResult = std::variant<DecodedItem, DecodeError>;

DecodeResult decode(const InputMessage& msg, const DecodeConfig& cfg);

// Source coordinates of a message before any decoding (for dead letters).
v1::SourceRef source_ref(const InputMessage& msg);

// Deterministic story id for an input that could not be decoded.
std::string fallback_id(const InputMessage& msg);

// The fields of a JSON envelope (proto wirefeed.v1.Envelope), read by scan_envelope.
struct EnvelopeFields {
  std::string id, source, received_at, content_type, body;
};

// Single-pass reader for the common envelope: a flat JSON object whose known fields are strings
// (double-quoted, standard escapes) and whose unknown fields hold strings. Returns false when the
// input is anything else (or merely unusual: lone surrogates, \u0000, raw control bytes,
// duplicate or near-miss keys, non-string values, trailing bytes); the caller then parses it with
// protobuf's JSON mapping, whose result (or error message) is authoritative. When it returns
// true, `out` holds exactly what protobuf's parser gives (checked by tests/unit/decode_test.cpp
// and by tests/fuzz/fuzz_decode on every input). `json` must be valid UTF-8.
bool scan_envelope(std::string_view json, EnvelopeFields& out);

// The UTF-8 check and the RFC 3339 helpers decode applies (pipeline/text/), under the names its
// callers use.
using text::find_invalid_utf8;
using text::format_rfc3339;
using text::parse_rfc3339;

}  // namespace wirefeed::pipeline
