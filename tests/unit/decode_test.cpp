// Decode stage: validation reasons, envelope parsing, deterministic ids, RFC 3339.
#include "pipeline/decode.hpp"

#include <gtest/gtest.h>

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

TEST(Rfc3339, ParsesAndFormats) {
  std::chrono::sys_seconds t{};
  ASSERT_TRUE(parse_rfc3339("2023-11-12T18:00:00Z", t));
  EXPECT_EQ(format_rfc3339(t), "2023-11-12T18:00:00Z");
  ASSERT_TRUE(parse_rfc3339("2023-11-12T18:00:00.123-05:30", t));
  EXPECT_EQ(format_rfc3339(t), "2023-11-12T23:30:00Z");
  EXPECT_FALSE(parse_rfc3339("2023-02-30T00:00:00Z", t));
  EXPECT_FALSE(parse_rfc3339("2023-11-12 18:00", t));
  EXPECT_FALSE(parse_rfc3339("2023-11-12T18:00:00", t));
}

}  // namespace
}  // namespace wirefeed::pipeline
