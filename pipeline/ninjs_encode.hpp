// ninjs encoding: a Record -> one IPTC ninjs 2.x or 3.x JSON object (the second output encoding
// beside Protobuf, for content systems that ingest ninjs).
//
// Invariants:
// - Pure and deterministic: the same Record and version give the same bytes (properties in a
//   fixed order, no clock).
// - Every object is valid against the IPTC schema of its version (2.x: lowercase property names,
//   3.x: camelCase); only properties the schema defines are written, empty ones are left out.
// - uri is stable across the versions of one story: "urn:wirefeed:story:" + the story family
//   (else the story id), so an update, a correction or a cancel is a new `version` of the same
//   news object, as the IPTC guidance describes; the wirefeed story id is an altid.
// - A cancel is pubstatus "canceled" (with a link to the story it withdraws); a duplicate notice
//   is pubstatus "withheld" with a "duplicate-of" link; a dead letter is "withheld" with the
//   reason in the ednote. Links are associations of type "text" (3.x adds `rel`).
// - pipeline/formats/ninjs.cpp reads the object back into the same headline, paragraphs,
//   byline, dateline, language, urgency, slugline, subjects, media captions, status and times.
#pragma once

#include <string>
#include <string_view>

#include "wirefeed/v1/story.pb.h"

namespace wirefeed::pipeline {

enum class NinjsVersion { k2, k3 };

// The standard version written ("2.1", "3.0") and the schema address it names.
const char* ninjs_version_name(NinjsVersion v);
const char* ninjs_schema_uri(NinjsVersion v);

// "2", "2.x", "2.1" -> k2; "3", "3.x", "3.0" -> k3; false otherwise.
bool parse_ninjs_version(std::string_view s, NinjsVersion& out);

inline constexpr const char* kContentTypeNinjs = "application/json";

std::string encode_ninjs(const v1::Record& record, NinjsVersion version);

// "urn:wirefeed:story:" + id: the uri of a story id or family in ninjs links.
std::string ninjs_story_uri(std::string_view id);

}  // namespace wirefeed::pipeline
