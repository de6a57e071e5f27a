// Decode stage: validation reasons, envelope parsing, deterministic ids, RFC 3339.
#include "pipeline/decode.hpp"
#include "pipeline/text/utf8.hpp"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace wirefeed::pipeline {
namespace {

InputMessage msg(std::string value, std::optional<std::string> key = "k1") {
  InputMessage m;
  m.topic = "wire.raw";
  m.partition = 2;
  m.offset = 17;
  m.key = std::move(key);
  m.timestamp = Millis{std::chrono::milliseconds{1'700'000'000'123}};
  m.value = std::move(value);
  return m;
}

v1::DeadLetterReason reason_of(const DecodeResult& r) {
  const auto* e = std::get_if<DecodeError>(&r);
  return e ? e->reason : v1::DEAD_LETTER_REASON_UNSPECIFIED;
}

TEST(Decode, RawTextUsesKafkaKeyAndTimestamp) {
  auto r = decode(msg("Headline\n\nBody text."), DecodeConfig{});
  ASSERT_TRUE(std::holds_alternative<DecodedItem>(r));
  const auto& item = std::get<DecodedItem>(r);
  EXPECT_EQ(item.text, "Headline\n\nBody text.");
  EXPECT_EQ(item.id, fallback_id(msg("", "k1")));
  EXPECT_EQ(item.id.size(), 19u);
  EXPECT_EQ(item.id.rfind("wf-", 0), 0u);
  EXPECT_EQ(item.source.received_at(), "2023-11-14T22:13:20Z");
  EXPECT_EQ(item.source.topic(), "wire.raw");
  EXPECT_EQ(item.source.partition(), 2);
  EXPECT_EQ(item.source.offset(), 17);
  EXPECT_EQ(item.source.format(), "text");
}

TEST(Decode, IdWithoutKeyComesFromCoordinatesAndDiffersPerOffset) {
  auto a = msg("x", std::nullopt);
  auto b = a;
  b.offset = 18;
  EXPECT_NE(fallback_id(a), fallback_id(b));
  EXPECT_EQ(fallback_id(a), fallback_id(msg("other", std::nullopt)));
}

// protobuf's reading of an envelope: the reference scan_envelope must agree with.
std::optional<EnvelopeFields> library_envelope(std::string_view json) {
  v1::Envelope env;
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(
           google::protobuf::stringpiece_internal::StringPiece(json.data(), json.size()), &env,
           opts)
           .ok()) {
    return std::nullopt;
  }
  return EnvelopeFields{env.id(), env.source(), env.received_at(), env.content_type(), env.body()};
}

bool same(const EnvelopeFields& a, const EnvelopeFields& b) {
  return a.id == b.id && a.source == b.source && a.received_at == b.received_at &&
         a.content_type == b.content_type && a.body == b.body;
}

TEST(Decode, ScanEnvelopeReadsCommonEnvelopesLikeProtobuf) {
  // Each of these must take the fast path and read exactly what protobuf reads.
  const std::vector<std::string> common = {
      R"({"id":"a1","source":"ap","received_at":"2026-03-02T00:00:01Z","body":"Head\n\nBody."})",
      R"( { "id" : "x" , "body" : "t\"q\" \\ \/ \b\f\r\t end" } )",
      R"({"receivedAt":"2026-03-02T00:00:01Z","contentType":"text/plain","body":"b"})",
      R"({"body":"caf\u00e9 \u2019 \ud83d\ude00 \u00E9","extra":"ignored","n2":""})",
      R"({"body":"non-ASCII as is: café — “quoted” 日本"})",
      R"({})",
      "{\"body\":\"" + std::string(5000, 'x') + "\\n" + std::string(17, 'y') + "\"}\n",
  };
  for (const std::string& json : common) {
    EnvelopeFields fast;
    ASSERT_TRUE(scan_envelope(json, fast)) << json;
    const auto lib = library_envelope(json);
    ASSERT_TRUE(lib.has_value()) << json;
    EXPECT_TRUE(same(fast, *lib)) << json << "\nfast body: " << fast.body
                                  << "\nlib body: " << lib->body;
  }
}

TEST(Decode, ScanEnvelopeLeavesUnusualJsonToProtobuf) {
  // Not taken by the fast path (protobuf decides, error message included).
  const std::vector<std::string> unusual = {
      R"({"id":1,"body":"b"})",                                // non-string value
      R"({"body":"b","extra":{"x":1}})",                       // nested unknown value
      R"({"body":"b","extra":null})",                          // null
      R"({"body":"a","body":"b"})",                            // repeated key
      R"({"body":"a","contentType":"x","content_type":"y"})",  // one field, two names
      R"({"Body":"b"})",                                       // near-miss key
      R"({"body":"\ud800"})",                                  // lone surrogate
      R"({"body":"\u0000x"})",                                 // NUL
      R"({"body":"\x41"})",                                    // non-JSON escape
      "{\"body\":\"a\tb\"}",                                   // raw control byte
      R"({'body':'b'})",                                       // single quotes
      R"({"body":"b"} x)",                                     // trailing bytes
      R"({"body":"b",})",                                      // trailing comma
      R"({"body":"b")",                                        // unterminated
      R"({"b\u006fdy":"b"})",                                  // escaped key
      R"({"":"x","body":"b"})",                                // empty key (protobuf rejects it)
      R"([{"body":"b"}])",                                     // not an object
  };
  for (const std::string& json : unusual) {
    EnvelopeFields fast;
    EXPECT_FALSE(scan_envelope(json, fast)) << json;
  }
}

TEST(Decode, EnvelopeFastPathAndFallbackGiveTheSameItem) {
  // An unknown nested field forces protobuf's parser; the item must not depend on the path.
  const auto a =
      decode(msg(R"({"id":"q","source":"afp","body":"Headline\n\nText."})"), DecodeConfig{});
  const auto b = decode(msg(R"({"id":"q","source":"afp","body":"Headline\n\nText.","x":[1]})"),
                        DecodeConfig{});
  ASSERT_TRUE(std::holds_alternative<DecodedItem>(a));
  ASSERT_TRUE(std::holds_alternative<DecodedItem>(b));
  EXPECT_EQ(std::get<DecodedItem>(a).text, std::get<DecodedItem>(b).text);
  EXPECT_EQ(std::get<DecodedItem>(a).id, std::get<DecodedItem>(b).id);
  EXPECT_EQ(std::get<DecodedItem>(a).source.SerializeAsString(),
            std::get<DecodedItem>(b).source.SerializeAsString());
}

TEST(Decode, EnvelopeFieldsWin) {
  auto r = decode(msg(R"( {"id":"abc","source":"reuters","received_at":"2024-01-02T03:04:05+01:00",
                         "content_type":"text/plain","body":"Hello\n\nWorld","extra":1})"),
                  DecodeConfig{});
  ASSERT_TRUE(std::holds_alternative<DecodedItem>(r)) << std::get<DecodeError>(r).message;
  const auto& item = std::get<DecodedItem>(r);
  EXPECT_EQ(item.text, "Hello\n\nWorld");
  EXPECT_EQ(item.source.agency(), "reuters");
  EXPECT_EQ(item.source.item_id(), "abc");
  EXPECT_EQ(item.source.received_at(), "2024-01-02T02:04:05Z");
  EXPECT_EQ(item.source.format(), "envelope+text");
  // Same (source, id) from another key or topic: same story id.
  auto other = msg(R"({"id":"abc","source":"reuters","body":"Hello"})", "zzz");
  EXPECT_EQ(std::get<DecodedItem>(decode(other, DecodeConfig{})).id, item.id);
}

TEST(Decode, RejectsBadInputWithReasons) {
  DecodeConfig cfg;
  cfg.max_bytes = 100;
  EXPECT_EQ(reason_of(decode(msg(""), cfg)), v1::DEAD_LETTER_REASON_EMPTY);
  EXPECT_EQ(reason_of(decode(msg(" \n\t "), cfg)), v1::DEAD_LETTER_REASON_EMPTY);
  EXPECT_EQ(reason_of(decode(msg(std::string(101, 'a')), cfg)), v1::DEAD_LETTER_REASON_TOO_LARGE);
  EXPECT_EQ(reason_of(decode(msg(std::string("ab\0cd", 5)), cfg)), v1::DEAD_LETTER_REASON_BINARY);
  EXPECT_EQ(reason_of(decode(msg("caf\xE9 au lait"), cfg)), v1::DEAD_LETTER_REASON_INVALID_UTF8);
  EXPECT_EQ(reason_of(decode(msg("{\"body\": 3}"), cfg)),
            v1::DEAD_LETTER_REASON_MALFORMED_ENVELOPE);
  EXPECT_EQ(reason_of(decode(msg("{\"id\": \"x\"}"), cfg)),
            v1::DEAD_LETTER_REASON_MALFORMED_ENVELOPE);
  EXPECT_EQ(reason_of(decode(msg("{not json"), cfg)), v1::DEAD_LETTER_REASON_MALFORMED_ENVELOPE);
  EXPECT_EQ(reason_of(decode(msg(R"({"body":"x","received_at":"yesterday"})"), cfg)),
            v1::DEAD_LETTER_REASON_MALFORMED_ENVELOPE);
  std::string binary(64, '\x05');
  EXPECT_EQ(reason_of(decode(msg(binary), cfg)), v1::DEAD_LETTER_REASON_BINARY);
}

TEST(Decode, DeeplyNestedJsonIsRejectedNotCrashing) {
  std::string deep = "{\"x\":";
  for (int i = 0; i < 100000; ++i) deep += "[";
  auto r = decode(msg(deep), DecodeConfig{});
  EXPECT_EQ(reason_of(r), v1::DEAD_LETTER_REASON_MALFORMED_ENVELOPE);
}

TEST(Decode, AnpaControlCharactersAreText) {
  auto r = decode(msg("\x16\x16\x01"
                      "a0001 r BC-Story\x02"
                      "Body text here\x03"),
                  DecodeConfig{});
  EXPECT_TRUE(std::holds_alternative<DecodedItem>(r));
}

// Found by fuzz_decode: a junk content-type header (Kafka header values are arbitrary bytes) was
// copied into SourceRef.content_type, a proto3 string that must be valid UTF-8 (the Story or
// dead letter would not parse downstream). Like the key, only its valid prefix is kept.
TEST(Decode, JunkContentTypeHeaderKeepsOnlyItsValidUtf8Prefix) {
  auto m = msg("Headline\n\nBody text.");
  m.headers.push_back({"Content-Type", std::string("text/pl\xA1\x00ain", 10)});
  EXPECT_EQ(source_ref(m).content_type(), "text/pl");
  auto r = decode(m, DecodeConfig{});
  ASSERT_TRUE(std::holds_alternative<DecodedItem>(r));
  EXPECT_EQ(std::get<DecodedItem>(r).source.content_type(), "text/pl");
  m.headers.front().value = "text/plain; charset=utf-8";
  EXPECT_EQ(source_ref(m).content_type(), "text/plain; charset=utf-8");
}

// Found by fuzz_decode: protobuf's JSON error quotes the input cut at a byte offset, which can
// split a multi-byte character; the DecodeError message (DeadLetter.message, a proto3 string)
// must stay valid UTF-8. Same for the 200-byte clip of a long bad "received_at".
TEST(Decode, ErrorMessagesAreValidUtf8WhenQuotingCutInput) {
  for (std::string pre : {"", "x"}) {
    std::string value = "{\"body\": \"" + pre + "ab\\u00zz ";
    for (int i = 0; i < 40; ++i) value += "\xC3\xA9";  // é
    value += "\"}";
    auto r = decode(msg(value), DecodeConfig{});
    ASSERT_EQ(reason_of(r), v1::DEAD_LETTER_REASON_MALFORMED_ENVELOPE);
    const std::string& m = std::get<DecodeError>(r).message;
    EXPECT_EQ(find_invalid_utf8(m), std::string_view::npos) << m;
    EXPECT_NE(m.find("Invalid escape"), std::string::npos) << m;
  }
  for (std::string pre : {"", "x"}) {
    std::string when = pre;
    for (int i = 0; i < 150; ++i) when += "\xC3\xA9";
    auto r = decode(msg("{\"body\": \"x\", \"received_at\": \"" + when + "\"}"), DecodeConfig{});
    ASSERT_EQ(reason_of(r), v1::DEAD_LETTER_REASON_MALFORMED_ENVELOPE);
    const std::string& m = std::get<DecodeError>(r).message;
    EXPECT_EQ(find_invalid_utf8(m), std::string_view::npos) << m;
    EXPECT_EQ(m.substr(m.size() - 3), "...");
    EXPECT_LT(m.size(), 300u);
  }
}

TEST(Utf8, ValidatesStrictly) {
  EXPECT_EQ(find_invalid_utf8("plain ascii"), std::string_view::npos);
  EXPECT_EQ(find_invalid_utf8("“quotes” – dash € 😀"), std::string_view::npos);
  EXPECT_EQ(find_invalid_utf8("ab\xC0\xAF"), 2u);         // overlong
  EXPECT_EQ(find_invalid_utf8("\xED\xA0\x80"), 0u);       // surrogate
  EXPECT_EQ(find_invalid_utf8("x\xF4\x90\x80\x80"), 1u);  // > U+10FFFF
  EXPECT_EQ(find_invalid_utf8("abc\xE2\x80"), 3u);        // truncated
}

TEST(Utf8, PrefixNeverEndsInsideACharacter) {
  const std::string s =
      "ab\xE2\x82\xAC"
      "cd";  // a, b, euro sign, c, d
  EXPECT_EQ(text::utf8_prefix(s, 100), s);
  EXPECT_EQ(text::utf8_prefix(s, 2), "ab");
  EXPECT_EQ(text::utf8_prefix(s, 3), "ab");
  EXPECT_EQ(text::utf8_prefix(s, 4), "ab");
  EXPECT_EQ(text::utf8_prefix(s, 5), "ab\xE2\x82\xAC");
  EXPECT_EQ(text::utf8_prefix("\xE2\x82\xAC", 1), "");
}

TEST(Rfc3339, ParsesAndFormats) {
  std::chrono::sys_seconds t{};
  ASSERT_TRUE(parse_rfc3339("2023-11-12T18:00:00Z", t));
  EXPECT_EQ(format_rfc3339(t), "2023-11-12T18:00:00Z");
  ASSERT_TRUE(parse_rfc3339("2023-11-12T18:00:00.123-05:30", t));
  EXPECT_EQ(format_rfc3339(t), "2023-11-12T23:30:00Z");
  EXPECT_FALSE(parse_rfc3339("2023-02-30T00:00:00Z", t));
  EXPECT_FALSE(parse_rfc3339("2023-11-12 18:00", t));
  EXPECT_FALSE(parse_rfc3339("2023-11-12T18:00:00", t));
  using namespace std::chrono;
  EXPECT_EQ(format_rfc3339(sys_days{year{0} / 1 / 1}), "0000-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(sys_days{year{987} / 6 / 5} + hours{9} + minutes{8} + seconds{7}),
            "0987-06-05T09:08:07Z");
  EXPECT_EQ(format_rfc3339(sys_days{year{9999} / 12 / 31} + hours{23} + minutes{59} + seconds{59}),
            "9999-12-31T23:59:59Z");
  EXPECT_EQ(format_rfc3339(sys_days{year{-1} / 1 / 1}), "-001-01-01T00:00:00Z");  // via snprintf
  EXPECT_EQ(format_rfc3339(sys_days{year{10000} / 1 / 1}), "10000-01-01T00:00:00Z");
}

}  // namespace
}  // namespace wirefeed::pipeline
