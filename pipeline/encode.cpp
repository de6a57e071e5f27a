// Encode stage. See encode.hpp for the invariants.
#include "pipeline/encode.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace wirefeed::pipeline {
namespace {

std::string serialize(const google::protobuf::Message& m) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream sos(&out);
    google::protobuf::io::CodedOutputStream cos(&sos);
    cos.SetSerializationDeterministic(true);
    m.SerializeWithCachedSizes(&cos);  // ByteSizeLong() below primes the cached sizes
  }
  return out;
}

std::string serialize_message(const google::protobuf::Message& m) {
  (void)m.ByteSizeLong();
  return serialize(m);
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

EncodedOutput encode_state(const v1::DedupState& state, const std::string& topic) {
  EncodedOutput out;
  out.kind = OutputKind::kDedupState;
  out.topic = topic;
  out.key = state.content_hash();
  out.payload = serialize_message(state);
  out.schema = "wirefeed.v1.DedupState";
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

// The JSON writer below reproduces protobuf's JSON mapping as printed by
// util::MessageToJsonString with preserve_proto_field_names + always_print_primitive_fields
// (proto field names; primitive and repeated fields always, unset messages and oneof members
// never; 64-bit integers as strings; enums by name; bytes as base64; doubles as protobuf's
// SimpleDtoa). It walks the message by reflection in one pass and appends to one string: the
// library's converter builds an object tree per record and was ~20 % of `wirefeed process`.
// tests/unit/encode_test.cpp checks it byte for byte against the library on varied records.

void append_escaped(std::string& out, const std::string& s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c < 0x7f) {
      const auto* run = p;
      while (p < end && *p >= 0x20 && *p != '"' && *p != '\\' && *p != '<' && *p != '>' &&
             *p < 0x7f)
        ++p;
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
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
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

}  // namespace

std::string record_to_json(const v1::Record& record) {
  std::string json;
  json.reserve(static_cast<std::size_t>(record.ByteSizeLong()) * 5 / 4 + 256);
  append_message(json, record);
  return json;
}

}  // namespace wirefeed::pipeline
