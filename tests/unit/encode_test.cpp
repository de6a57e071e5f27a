// record_to_json: our one-pass writer must print exactly what protobuf's JSON printer prints
// (preserve_proto_field_names + always_print_primitive_fields) for every kind of record and
// every awkward value: control characters, quotes, HTML-sensitive and invisible code points,
// 64-bit integers, doubles that do and do not round-trip at 15 digits, bytes of every length.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <limits>
#include <string>

#include "pipeline/encode.hpp"
#include "pipeline/processor.hpp"
#include "tests/support/harness.hpp"

namespace wirefeed::pipeline {
namespace {

std::string library_json(const v1::Record& r) {
  std::string json;
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  opts.always_print_primitive_fields = true;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(r, &json, opts).ok());
  return json;
}

std::string all_ascii() {
  std::string s;
  for (int c = 1; c < 128; ++c) s += static_cast<char>(c);
  return s;
}

TEST(RecordToJson, MatchesTheLibraryOnEveryProcessedSample) {
  DedupIndex idx({});
  pipeline::Processor p({}, idx);
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(
           std::filesystem::path(WIREFEED_SOURCE_DIR) / "samples")) {
    InputMessage m;
    m.topic = "wire.raw";
    m.offset = n;
    m.key = e.path().filename().string();
    m.value = testing::read_file(e.path());
    for (const auto& rec : p.process(m).records) {
      EXPECT_EQ(record_to_json(rec), library_json(rec)) << e.path();
      ++n;
    }
  }
  EXPECT_GE(n, 5);
}

TEST(RecordToJson, MatchesTheLibraryOnAwkwardStrings) {
  const std::string strings[] = {
      "",
      all_ascii(),
      "caf\xc3\xa9 \xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x80\x94 dash",
      "line\xe2\x80\xa8sep\xe2\x80\xa9para",                       // U+2028 U+2029
      "soft\xc2\xadhyphen zero\xe2\x80\x8bwidth bom\xef\xbb\xbf",  // U+00AD U+200B U+FEFF
      "emoji \xf0\x9f\x93\xb0 and cjk \xe6\x96\xb0\xe9\x97\xbb",
      "<script>alert('x')</script> & \"amp\" \\ back",
      "\xd8\x80\xdb\x9d\xdc\x8f\xe1\x9e\xb4\xe2\x80\xaa\xe2\x81\xa0\xe2\x81\xaa\xef\xbf\xb9",
  };
  for (const auto& s : strings) {
    v1::Record r;
    auto* story = r.mutable_story();
    story->set_id(s);
    story->set_headline(s);
    story->add_paragraphs(s);
    story->add_paragraphs("second");
    story->mutable_dateline()->set_location(s);
    auto* c = story->add_contributors();
    c->set_name(s);
    c->set_role(v1::CONTRIBUTOR_ROLE_EDITOR);
    story->mutable_fingerprint()->set_simhash(std::numeric_limits<uint64_t>::max());
    story->mutable_source()->set_offset(-42);
    story->mutable_source()->set_partition(-1);
    EXPECT_EQ(record_to_json(r), library_json(r)) << s;
  }
}

TEST(RecordToJson, MatchesTheLibraryOnNumbersAndBytes) {
  const double doubles[] = {0.0,
                            1.0,
                            0.5,
                            1.0 / 3.0,
                            2.0 / 3.0,
                            0.1 + 0.2,
                            0.95,
                            1e-7,
                            1e21,
                            -2.5,
                            123456789.125,
                            0.8333333333333334,
                            std::numeric_limits<double>::min(),
                            std::numeric_limits<double>::max(),
                            std::numeric_limits<double>::infinity(),
                            std::numeric_limits<double>::quiet_NaN()};
  for (double d : doubles) {
    v1::Record r;
    r.mutable_duplicate()->set_similarity(d);
    r.mutable_duplicate()->set_kind(v1::DUPLICATE_KIND_NEAR);
    EXPECT_EQ(record_to_json(r), library_json(r)) << d;
  }
  std::string bytes;
  for (int len = 0; len < 8; ++len) {
    v1::Record r;
    auto* dl = r.mutable_dead_letter();
    dl->set_original(bytes);
    dl->set_original_size(std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(len));
    dl->set_reason(v1::DEAD_LETTER_REASON_BINARY);
    EXPECT_EQ(record_to_json(r), library_json(r)) << len;
    bytes += static_cast<char>(0xff - len * 37);
  }
  v1::Record unknown_enum;
  unknown_enum.mutable_dead_letter()->set_reason(static_cast<v1::DeadLetterReason>(999));
  EXPECT_EQ(record_to_json(unknown_enum), library_json(unknown_enum));
  EXPECT_EQ(record_to_json(v1::Record{}), library_json(v1::Record{}));
}

namespace pb = google::protobuf;

// Sets every field of `m` (recursively; two entries per repeated field) to a value that is not
// the default, so a field the direct Story writer misses or misnames shows in the comparison.
void fill_every_field(pb::Message& m, const std::string& text, int seed) {
  const pb::Descriptor* d = m.GetDescriptor();
  const pb::Reflection* r = m.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    if (f->real_containing_oneof() != nullptr) continue;  // Record's kind: set by the caller
    const int n = f->is_repeated() ? 2 : 1;
    for (int k = 0; k < n; ++k) {
      const int v = seed + i * 7 + k + 1;
      const std::string s = text + " " + std::string(f->name()) + std::to_string(k);
      switch (f->cpp_type()) {
        case pb::FieldDescriptor::CPPTYPE_STRING:
          f->is_repeated() ? r->AddString(&m, f, s) : r->SetString(&m, f, s);
          break;
        case pb::FieldDescriptor::CPPTYPE_INT32:
          f->is_repeated() ? r->AddInt32(&m, f, -v) : r->SetInt32(&m, f, -v);
          break;
        case pb::FieldDescriptor::CPPTYPE_INT64:
          f->is_repeated() ? r->AddInt64(&m, f, -(int64_t{1} << 40) - v)
                           : r->SetInt64(&m, f, -(int64_t{1} << 40) - v);
          break;
        case pb::FieldDescriptor::CPPTYPE_UINT32:
          f->is_repeated() ? r->AddUInt32(&m, f, 4'000'000'000u + static_cast<uint32_t>(v))
                           : r->SetUInt32(&m, f, 4'000'000'000u + static_cast<uint32_t>(v));
          break;
        case pb::FieldDescriptor::CPPTYPE_UINT64:
          f->is_repeated() ? r->AddUInt64(&m, f, ~uint64_t{0} - static_cast<uint64_t>(v))
                           : r->SetUInt64(&m, f, ~uint64_t{0} - static_cast<uint64_t>(v));
          break;
        case pb::FieldDescriptor::CPPTYPE_DOUBLE:
          f->is_repeated() ? r->AddDouble(&m, f, 0.125 * v) : r->SetDouble(&m, f, 0.125 * v);
          break;
        case pb::FieldDescriptor::CPPTYPE_BOOL:
          f->is_repeated() ? r->AddBool(&m, f, true) : r->SetBool(&m, f, true);
          break;
        case pb::FieldDescriptor::CPPTYPE_ENUM: {
          const int value = f->enum_type()->value(f->enum_type()->value_count() - 1)->number();
          f->is_repeated() ? r->AddEnumValue(&m, f, value) : r->SetEnumValue(&m, f, value);
          break;
        }
        case pb::FieldDescriptor::CPPTYPE_MESSAGE:
          fill_every_field(f->is_repeated() ? *r->AddMessage(&m, f) : *r->MutableMessage(&m, f),
                           text, v);
          break;
        default:
          ADD_FAILURE() << "no test value for " << f->full_name();
      }
    }
  }
}

TEST(RecordToJson, DirectStoryWriterPrintsEveryFieldLikeTheLibrary) {
  for (const std::string& text : {std::string("plain"), all_ascii(),
                                  std::string("caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x93\xb0")}) {
    v1::Record r;
    fill_every_field(*r.mutable_story(), text, 3);
    const std::string direct = record_to_json(r);
    EXPECT_EQ(direct, library_json(r)) << text;
    EXPECT_EQ(direct, record_to_json_by_reflection(r));
    std::string appended = "prefix";
    append_record_json(appended, r);
    EXPECT_EQ(appended, "prefix" + direct);
  }
  // Unset sub-messages are left out; an unknown enum value prints as its number.
  v1::Record sparse;
  sparse.mutable_story()->set_id("wf-1");
  sparse.mutable_story()->add_contributors()->set_role(static_cast<v1::ContributorRole>(77));
  EXPECT_EQ(record_to_json(sparse), library_json(sparse));
  v1::Record empty_story;
  empty_story.mutable_story();
  EXPECT_EQ(record_to_json(empty_story), library_json(empty_story));
}

}  // namespace
}  // namespace wirefeed::pipeline
