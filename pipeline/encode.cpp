// Encode stage. See encode.hpp for the invariants.
#include "pipeline/encode.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <array>
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "pipeline/swar.hpp"
#include "pipeline/text/ascii.hpp"

namespace wirefeed::pipeline {
namespace {

// Serialised straight into a string of the exact size (no growing output stream), with
// deterministic serialisation.
std::string serialize_message(const google::protobuf::Message& m) {
  const std::size_t size = m.ByteSizeLong();  // also primes the cached sizes used below
  std::string out(size, '\0');
  google::protobuf::io::ArrayOutputStream aos(out.data(), static_cast<int>(size));
  google::protobuf::io::CodedOutputStream cos(&aos);
  cos.SetSerializationDeterministic(true);
  m.SerializeWithCachedSizes(&cos);
  return out;
}

}  // namespace

const char* output_kind_name(OutputKind k) {
  switch (k) {
    case OutputKind::kStory:
      return "story";
    case OutputKind::kDuplicate:
      return "duplicate";
    case OutputKind::kDeadLetter:
      return "dead_letter";
    case OutputKind::kDedupState:
      return "dedup_state";
  }
  return "unknown";
}

EncodedOutput encode(const v1::Record& record, const OutputTopics& topics) {
  EncodedOutput out;
  switch (record.kind_case()) {
    case v1::Record::kStory:
      out.kind = OutputKind::kStory;
      out.topic = topics.stories;
      out.key = record.story().id();
      out.payload = serialize_message(record.story());
      out.schema = "wirefeed.v1.Story";
      break;
    case v1::Record::kDuplicate:
      out.kind = OutputKind::kDuplicate;
      out.topic = topics.duplicates;
      out.key = record.duplicate().duplicate_of();
      out.payload = serialize_message(record.duplicate());
      out.schema = "wirefeed.v1.DuplicateNotice";
      break;
    case v1::Record::kDeadLetter:
    case v1::Record::KIND_NOT_SET:
      out.kind = OutputKind::kDeadLetter;
      out.topic = topics.dead_letters;
      out.key = record.dead_letter().id();
      out.payload = serialize_message(record.dead_letter());
      out.schema = "wirefeed.v1.DeadLetter";
      break;
  }
  return out;
}

const char* encoding_name(Encoding e) {
  switch (e) {
    case Encoding::kProtobuf:
      return "protobuf";
    case Encoding::kNinjs2:
      return "ninjs-2";
    case Encoding::kNinjs3:
      return "ninjs-3";
  }
  return "unknown";
}

OutputKind output_kind(const v1::Record& record) {
  switch (record.kind_case()) {
    case v1::Record::kStory:
      return OutputKind::kStory;
    case v1::Record::kDuplicate:
      return OutputKind::kDuplicate;
    default:
      return OutputKind::kDeadLetter;
  }
}

EncodedOutput encode(const v1::Record& record, const std::string& topic, Encoding encoding) {
  if (encoding == Encoding::kProtobuf) {
    EncodedOutput out = encode(record, OutputTopics{topic, topic, topic});
    return out;
  }
  const NinjsVersion v = encoding == Encoding::kNinjs2 ? NinjsVersion::k2 : NinjsVersion::k3;
  EncodedOutput out;
  out.kind = output_kind(record);
  out.topic = topic;
  out.key = out.kind == OutputKind::kStory       ? record.story().id()
            : out.kind == OutputKind::kDuplicate ? record.duplicate().duplicate_of()
                                                 : record.dead_letter().id();
  out.payload = encode_ninjs(record, v);
  out.schema = ninjs_schema_uri(v);
  out.content_type = kContentTypeNinjs;
  return out;
}

bool decode_output(OutputKind kind, const void* data, std::size_t size, v1::Record& out) {
  const int n = static_cast<int>(size);
  switch (kind) {
    case OutputKind::kStory:
      return out.mutable_story()->ParseFromArray(data, n);
    case OutputKind::kDuplicate:
      return out.mutable_duplicate()->ParseFromArray(data, n);
    case OutputKind::kDeadLetter:
      return out.mutable_dead_letter()->ParseFromArray(data, n);
    case OutputKind::kDedupState:
      return false;  // not a Record
  }
  return false;
}

namespace {

namespace pb = google::protobuf;
using namespace swar;

// The JSON writer below reproduces protobuf's JSON mapping as printed by
// util::MessageToJsonString with preserve_proto_field_names + always_print_primitive_fields
// (proto field names; primitive and repeated fields always, unset messages and oneof members
// never; 64-bit integers as strings; enums by name; bytes as base64; doubles as protobuf's
// SimpleDtoa). It walks the message by reflection in one pass and appends to one string: the
// library's converter builds an object tree per record, a cost this writer avoids.
// tests/unit/encode_test.cpp checks it byte for byte against the library on varied records.

// True for the ASCII bytes copied as they are (printable, not '"', '\\', '<', '>').
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> t{};
  for (unsigned c = 0x20; c < 0x7f; ++c) t[c] = c != '"' && c != '\\' && c != '<' && c != '>';
  return t;
}();

void append_escaped(std::string& out, const std::string& s) {
  out += '"';
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (kPlain[c]) {
      // A run of plain bytes: eight at a time while no byte needs escaping or is non-ASCII.
      const auto* run = p;
      // In a word with a stop, its lowest flagged byte is the first one (the SWAR test only
      // over-flags bytes above a real hit).
      bool found = false;
      while (end - p >= 8) {
        const uint64_t w = load8(p);
        const uint64_t stops = (w & kHighBits) | has_below(w, 0x20) | has_byte(w, '"') |
                               has_byte(w, '\\') | has_byte(w, '<') | has_byte(w, '>') |
                               has_byte(w, 0x7f);
        if (stops != 0) {
          p += std::countr_zero(stops) / 8;
          found = true;
          break;
        }
        p += 8;
      }
      if (!found) {
        while (p < end && kPlain[*p]) ++p;
      }
      out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == '<' || c == '>' || c == 0x7f) {
          out += "\\u00";
          out += text::kHexDigits[c >> 4];
          out += text::kHexDigits[c & 0xf];
        } else {
          // Multi-byte UTF-8: copied as is, except U+2028/U+2029 (escaped by protobuf) and
          // the invisible format characters protobuf escapes (U+00AD, U+0600-0603, U+06DD,
          // U+070F, U+17B4-17B5, U+200B-200F, U+202A-202E, U+2060-2064, U+206A-206F, U+FEFF,
          // U+FFF9-FFFB) -- handled by decoding the code point.
          std::size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
          if (static_cast<std::size_t>(end - p) < len) len = static_cast<std::size_t>(end - p);
          uint32_t cp = len == 1 ? c : c & (0x7fu >> len);
          for (std::size_t i = 1; i < len; ++i) cp = (cp << 6) | (p[i] & 0x3fu);
          const bool escape = cp == 0xad || (cp >= 0x600 && cp <= 0x603) || cp == 0x6dd ||
                              cp == 0x70f || cp == 0x17b4 || cp == 0x17b5 ||
                              (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
                              (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x206a && cp <= 0x206f) ||
                              cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb);
          if (escape && len > 1) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", cp);
            out += buf;
          } else {
            out.append(reinterpret_cast<const char*>(p), len);
          }
          p += len;
          continue;
        }
    }
    ++p;
  }
  out += '"';
}

void append_base64(std::string& out, const std::string& s) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  out += '"';
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t i = 0;
  for (; i + 3 <= s.size(); i += 3) {
    const uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8) | p[i + 2];
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (const std::size_t rest = s.size() - i; rest > 0) {
    const uint32_t v = (uint32_t{p[i]} << 16) | (rest == 2 ? uint32_t{p[i + 1]} << 8 : 0u);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  out += '"';
}

// protobuf's SimpleDtoa: %.15g when it round-trips, else %.17g; NaN/Infinity as strings.
void append_double(std::string& out, double v) {
  if (v != v) {
    out += "\"NaN\"";
    return;
  }
  if (v > 1.7976931348623157e308 || v < -1.7976931348623157e308) {
    out += v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
    return;
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  if (std::strtod(buf, nullptr) != v) std::snprintf(buf, sizeof buf, "%.17g", v);
  out += buf;
}

void append_message(std::string& out, const pb::Message& m);

void append_enum(std::string& out, const pb::EnumDescriptor* type, int v) {
  if (const pb::EnumValueDescriptor* e = type->FindValueByNumber(v)) {
    out += '"';
    out += e->name();
    out += '"';
  } else {
    out += std::to_string(v);
  }
}

void append_value(std::string& out, const pb::Message& m, const pb::FieldDescriptor* f, int index) {
  const pb::Reflection* r = m.GetReflection();
  const bool rep = index >= 0;
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
      out += std::to_string(rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f));
      break;
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      out += std::to_string(rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f));
      break;
    case pb::FieldDescriptor::CPPTYPE_INT64:
      out += '"';
      out += std::to_string(rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f));
      out += '"';
      break;
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      out += '"';
      out += std::to_string(rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f));
      out += '"';
      break;
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      append_double(out, rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f));
      break;
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
      append_double(
          out, static_cast<double>(rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f)));
      break;
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      out += (rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f)) ? "true" : "false";
      break;
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      const int v = rep ? r->GetRepeatedEnumValue(m, f, index) : r->GetEnumValue(m, f);
      if (const pb::EnumValueDescriptor* e = f->enum_type()->FindValueByNumber(v)) {
        out += '"';
        out += e->name();
        out += '"';
      } else {
        out += std::to_string(v);
      }
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& v = rep ? r->GetRepeatedStringReference(m, f, index, &scratch)
                                 : r->GetStringReference(m, f, &scratch);
      if (f->type() == pb::FieldDescriptor::TYPE_BYTES)
        append_base64(out, v);
      else
        append_escaped(out, v);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      append_message(out, rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f));
      break;
  }
}

void append_message(std::string& out, const pb::Message& m) {
  const pb::Descriptor* d = m.GetDescriptor();
  const pb::Reflection* r = m.GetReflection();
  out += '{';
  bool first = true;
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    if (!f->is_repeated() && (f->real_containing_oneof() || f->has_presence()) &&
        !r->HasField(m, f))
      continue;
    if (!first) out += ',';
    first = false;
    out += '"';
    out += f->name();
    out += "\":";
    if (f->is_repeated()) {
      const int n = r->FieldSize(m, f);
      out += '[';
      for (int k = 0; k < n; ++k) {
        if (k) out += ',';
        append_value(out, m, f, k);
      }
      out += ']';
    } else {
      append_value(out, m, f, -1);
    }
  }
  out += '}';
}

// --- Direct writer for Story records (the common output) -----------------------------------------
// The same JSON as append_message, through the generated accessors instead of reflection (the
// larger part of the reflection writer's cost). Used only while each message type has the field
// count it was written for (story_writer_matches_schema): a field added to the .proto falls back to
// the reflection writer until this one is extended, and tests/unit/encode_test.cpp fills every
// field of a Story and compares the two.

void append_uint(std::string& out, uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

void append_int(std::string& out, int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

void append_bool(std::string& out, bool v) { out += v ? "true" : "false"; }

void append_strings(std::string& out, const pb::RepeatedPtrField<std::string>& v) {
  out += '[';
  for (int i = 0; i < v.size(); ++i) {
    if (i > 0) out += ',';
    append_escaped(out, v.Get(i));
  }
  out += ']';
}

template <typename T, typename Fn>
void append_list(std::string& out, const pb::RepeatedPtrField<T>& v, Fn&& each) {
  out += '[';
  for (int i = 0; i < v.size(); ++i) {
    if (i > 0) out += ',';
    each(out, v.Get(i));
  }
  out += ']';
}

void append_source(std::string& out, const v1::SourceRef& m) {
  out += "{\"agency\":";
  append_escaped(out, m.agency());
  out += ",\"topic\":";
  append_escaped(out, m.topic());
  out += ",\"partition\":";
  append_int(out, m.partition());
  out += ",\"offset\":\"";
  append_int(out, m.offset());
  out += "\",\"key\":";
  append_escaped(out, m.key());
  out += ",\"received_at\":";
  append_escaped(out, m.received_at());
  out += ",\"item_id\":";
  append_escaped(out, m.item_id());
  out += ",\"content_type\":";
  append_escaped(out, m.content_type());
  out += ",\"format\":";
  append_escaped(out, m.format());
  out += ",\"url\":";
  append_escaped(out, m.url());
  out += '}';
}

void append_story(std::string& out, const v1::Story& m) {
  out += "{\"id\":";
  append_escaped(out, m.id());
  if (m.has_source()) {
    out += ",\"source\":";
    append_source(out, m.source());
  }
  out += ",\"headline\":";
  append_escaped(out, m.headline());
  if (m.has_version()) {
    const v1::StoryVersion& v = m.version();
    out += ",\"version\":{\"tags\":";
    append_strings(out, v.tags());
    out += ",\"number\":";
    append_uint(out, v.number());
    out += ",\"supersedes\":";
    append_escaped(out, v.supersedes());
    out += ",\"family\":";
    append_escaped(out, v.family());
    out += ",\"canceled\":";
    append_bool(out, v.canceled());
    out += ",\"source_version\":";
    append_escaped(out, v.source_version());
    out += ",\"version_created\":";
    append_escaped(out, v.version_created());
    out += ",\"first_created\":";
    append_escaped(out, v.first_created());
    out += '}';
  }
  if (m.has_dateline()) {
    out += ",\"dateline\":{\"location\":";
    append_escaped(out, m.dateline().location());
    out += ",\"date\":";
    append_escaped(out, m.dateline().date());
    out += ",\"agency\":";
    append_escaped(out, m.dateline().agency());
    out += '}';
  }
  out += ",\"contributors\":";
  append_list(out, m.contributors(), [](std::string& o, const v1::Contributor& c) {
    o += "{\"name\":";
    append_escaped(o, c.name());
    o += ",\"role\":";
    append_enum(o, v1::ContributorRole_descriptor(), c.role());
    o += ",\"location\":";
    append_escaped(o, c.location());
    o += ",\"title\":";
    append_escaped(o, c.title());
    o += '}';
  });
  out += ",\"paragraphs\":";
  append_strings(out, m.paragraphs());
  out += ",\"captions\":";
  append_list(out, m.captions(), [](std::string& o, const v1::Caption& c) {
    o += "{\"text\":";
    append_escaped(o, c.text());
    o += ",\"credit\":";
    append_escaped(o, c.credit());
    o += '}';
  });
  out += ",\"language\":";
  append_escaped(out, m.language());
  out += ",\"word_count\":";
  append_uint(out, m.word_count());
  if (m.has_fingerprint()) {
    out += ",\"fingerprint\":{\"content_hash\":";
    append_escaped(out, m.fingerprint().content_hash());
    out += ",\"simhash\":\"";
    append_uint(out, m.fingerprint().simhash());
    out += "\"}";
  }
  out += ",\"editor_notes\":";
  append_strings(out, m.editor_notes());
  out += ",\"headline_all_caps\":";
  append_bool(out, m.headline_all_caps());
  out += ",\"boilerplate_removed\":";
  append_uint(out, m.boilerplate_removed());
  out += ",\"slugline\":";
  append_escaped(out, m.slugline());
  out += ",\"urgency\":";
  append_uint(out, m.urgency());
  out += ",\"subjects\":";
  append_list(out, m.subjects(), [](std::string& o, const v1::Subject& c) {
    o += "{\"code\":";
    append_escaped(o, c.code());
    o += ",\"name\":";
    append_escaped(o, c.name());
    o += ",\"scheme\":";
    append_escaped(o, c.scheme());
    o += '}';
  });
  out += ",\"quotes\":";
  append_list(out, m.quotes(), [](std::string& o, const v1::Quote& c) {
    o += "{\"text\":";
    append_escaped(o, c.text());
    o += ",\"speaker\":";
    append_escaped(o, c.speaker());
    o += ",\"paragraph\":";
    append_uint(o, c.paragraph());
    o += '}';
  });
  out += ",\"media\":";
  append_list(out, m.media(), [](std::string& o, const v1::MediaRef& c) {
    o += "{\"uri\":";
    append_escaped(o, c.uri());
    o += ",\"type\":";
    append_escaped(o, c.type());
    o += ",\"caption\":";
    append_escaped(o, c.caption());
    o += ",\"credit\":";
    append_escaped(o, c.credit());
    o += '}';
  });
  out += ",\"pub_status\":";
  append_escaped(out, m.pub_status());
  out += ",\"related\":";  // rare and small: by reflection
  append_list(out, m.related(),
              [](std::string& o, const v1::RelatedStory& r) { append_message(o, r); });
  out += '}';
}

// The field counts append_story was written for.
bool story_writer_matches_schema() {
  static const bool matches = [] {
    const std::pair<const pb::Descriptor*, int> expected[] = {
        {v1::Story::descriptor(), 21},       {v1::SourceRef::descriptor(), 9},
        {v1::StoryVersion::descriptor(), 8}, {v1::Dateline::descriptor(), 3},
        {v1::Contributor::descriptor(), 3},  {v1::Caption::descriptor(), 2},
        {v1::Fingerprint::descriptor(), 2},  {v1::Subject::descriptor(), 3},
        {v1::Quote::descriptor(), 3},        {v1::MediaRef::descriptor(), 4},
        {v1::Record::descriptor(), 3}};
    for (const auto& [d, n] : expected) {
      if (d->field_count() != n) return false;
    }
    return true;
  }();
  return matches;
}

}  // namespace

std::string record_to_json(const v1::Record& record) {
  std::string json;
  json.reserve(static_cast<std::size_t>(record.ByteSizeLong()) * 5 / 4 + 256);
  append_record_json(json, record);
  return json;
}

void append_record_json(std::string& out, const v1::Record& record) {
  if (record.has_story() && story_writer_matches_schema()) {
    out += "{\"story\":";
    append_story(out, record.story());
    out += '}';
    return;
  }
  append_message(out, record);
}

std::string record_to_json_by_reflection(const v1::Record& record) {
  std::string json;
  append_message(json, record);
  return json;
}

}  // namespace wirefeed::pipeline
