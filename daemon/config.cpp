// Typed daemon configuration: YAML -> Tree (with provenance) -> overrides -> Config -> validate.
//
// Invariants:
// - The YAML document is first copied into a small owned Tree in which every node carries the
//   "where" used in error messages ("file:line", 1-based, or "--set key=value"). Overrides edit
//   that Tree, never yaml-cpp nodes (whose assignment semantics alias), so provenance is exact.
// - Map entries are located at their key's line; sequence elements at their own line.
// - Unknown keys are rejected before any value of the same mapping is read, in document order.
// - ${VAR} interpolation happens only when a scalar is read as a typed value, so the error can
//   name the key; keys are never interpolated.
// - No global mutable state: the only inputs are the arguments (and ::getenv in the overloads
//   that do not take a GetEnv).
#include "daemon/config.hpp"

#include "pipeline/clean_rules.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <sstream>
#include <system_error>
#include <utility>

#include "pipeline/dedup.hpp"

namespace wirefeed::daemon {
namespace {

// ---- small helpers ----------------------------------------------------------------------------

std::string join_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string out(parent);
  out += '.';
  out += key;
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

bool all_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

std::optional<std::uint64_t> parse_u64(std::string_view s) {
  if (!all_digits(s)) return std::nullopt;
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string where_of(std::string_view origin, const YAML::Mark& mark) {
  std::string out(origin);
  if (!mark.is_null() && mark.line >= 0) {
    out += ':';
    out += std::to_string(mark.line + 1);
  }
  return out;
}

[[noreturn]] void fail(std::string_view where, std::string_view path, std::string_view msg) {
  std::string out(where);
  out += ": ";
  if (!path.empty()) {
    out += path;
    out += ": ";
  }
  out += msg;
  throw ConfigError(out);
}

// yaml-cpp 0.7's LoadAll never returns, allocating without bound, when a document starts with a
// token its parser cannot place, e.g. a stray ',' (jbeder/yaml-cpp#1040, fixed upstream by #1319):
// HandleNextDocument reports an empty document without consuming the token, again and again.
// Found by tests/fuzz/fuzz_config. load_all walks the documents first and fails on one that
// starts where the previous one did (no progress), then loads them with LoadAll.
class DocumentStarts : public YAML::EventHandler {
 public:
  YAML::Mark start = YAML::Mark::null_mark();
  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

std::vector<YAML::Node> load_all(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts doc;
  int prev_pos = -1;
  while (parser.HandleNextDocument(doc)) {
    if (doc.start.pos <= prev_pos) throw YAML::ParserException(doc.start, "unexpected token");
    prev_pos = doc.start.pos;
  }
  return YAML::LoadAll(text);
}

// ---- owned tree with provenance --------------------------------------------------------------

struct Entry;

struct Tree {
  enum class Kind { kNull, kScalar, kSeq, kMap };
  Kind kind = Kind::kNull;
  std::string scalar;
  std::vector<Tree> seq;
  std::vector<Entry> map;  // document order, unique keys
  std::string where;

  Tree* find(std::string_view key);
  const Tree* find(std::string_view key) const;
};

struct Entry {
  std::string key;
  Tree value;
};

Tree* Tree::find(std::string_view key) {
  for (Entry& e : map)
    if (e.key == key) return &e.value;
  return nullptr;
}

const Tree* Tree::find(std::string_view key) const {
  for (const Entry& e : map)
    if (e.key == key) return &e.value;
  return nullptr;
}

Tree from_yaml(const YAML::Node& node, std::string where, std::string_view origin,
               const std::string& path) {
  Tree t;
  t.where = std::move(where);
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      t.kind = Tree::Kind::kNull;
      break;
    case YAML::NodeType::Scalar:
      t.kind = Tree::Kind::kScalar;
      t.scalar = node.Scalar();
      break;
    case YAML::NodeType::Sequence: {
      t.kind = Tree::Kind::kSeq;
      std::size_t i = 0;
      for (const YAML::Node& elem : node) {
        std::string elem_where = elem.Mark().is_null() ? t.where : where_of(origin, elem.Mark());
        t.seq.push_back(
            from_yaml(elem, std::move(elem_where), origin, path + "[" + std::to_string(i) + "]"));
        ++i;
      }
      break;
    }
    case YAML::NodeType::Map: {
      t.kind = Tree::Kind::kMap;
      for (const auto& kv : node) {
        const YAML::Node key_node = kv.first;  // copies: iterator values are proxies
        std::string key_where =
            key_node.Mark().is_null() ? t.where : where_of(origin, key_node.Mark());
        if (!key_node.IsScalar()) fail(key_where, path, "mapping keys must be strings");
        const std::string& key = key_node.Scalar();
        std::string key_path = join_path(path, key);
        if (const Tree* prev = t.find(key))
          fail(key_where, key_path, "duplicate key (first at " + prev->where + ")");
        t.map.push_back(Entry{key, from_yaml(kv.second, key_where, origin, key_path)});
      }
      break;
    }
  }
  return t;
}

void set_where_recursive(Tree& t, const std::string& where) {
  t.where = where;
  for (Tree& child : t.seq) set_where_recursive(child, where);
  for (Entry& e : t.map) set_where_recursive(e.value, where);
}

// ---- overrides --------------------------------------------------------------------------------

// Keys whose values are free-form string maps: in an override, everything after them is one key.
constexpr std::array<std::string_view, 3> kFreeFormMaps = {
    "kafka.properties", "kafka.consumer_properties", "kafka.producer_properties"};

bool is_free_form_map(std::string_view path) {
  return std::find(kFreeFormMaps.begin(), kFreeFormMaps.end(), path) != kFreeFormMaps.end();
}

void apply_override(Tree& root, const std::string& text) {
  const std::size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError("--set " + text + ": expected dotted.key=value");
  const std::string key = text.substr(0, eq);
  const std::string value_text = text.substr(eq + 1);
  const std::string where =
      "--set " + key + "=" +
      (is_secret_property(key) || is_secret_property(value_text) ? std::string("***") : value_text);

  // Split the dotted key; the remainder after a free-form map key is a single property name.
  std::vector<std::string> parts;
  std::string prefix;
  std::size_t pos = 0;
  while (true) {
    if (is_free_form_map(prefix)) {
      parts.push_back(key.substr(pos));
      break;
    }
    const std::size_t dot = key.find('.', pos);
    parts.push_back(key.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos));
    prefix = join_path(prefix, parts.back());
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  for (const std::string& p : parts)
    if (p.empty()) fail(where, key, "empty key component");

  YAML::Node parsed;
  try {
    std::vector<YAML::Node> docs = load_all(value_text);
    if (docs.size() > 1) fail(where, key, "value must be a single YAML value");
    if (!docs.empty()) parsed = docs.front();
  } catch (const YAML::Exception& e) {
    fail(where, key, "invalid YAML value: " + e.msg);
  }
  Tree value = from_yaml(parsed, where, where, key);
  set_where_recursive(value, where);

  Tree* cur = &root;
  std::string path;
  for (const std::string& part : parts) {
    if (cur->kind == Tree::Kind::kNull) cur->kind = Tree::Kind::kMap;
    if (cur->kind != Tree::Kind::kMap)
      fail(where, key,
           (path.empty() ? std::string("the top level") : path) + " is not a mapping (at " +
               cur->where + ")");
    Tree* child = cur->find(part);
    if (child == nullptr) {
      Tree fresh;
      fresh.where = where;
      cur->map.push_back(Entry{part, std::move(fresh)});
      child = &cur->map.back().value;
    }
    path = join_path(path, part);
    cur = child;
  }
  *cur = std::move(value);
}

// ---- typed reading ----------------------------------------------------------------------------

struct Ctx {
  std::string origin;
  const GetEnv& getenv;
  std::map<std::string, std::string> locations;  // dotted path -> where it was set
};

bool valid_env_name(std::string_view name) {
  if (name.empty()) return false;
  if (std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  return std::all_of(name.begin(), name.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
  });
}

std::string interpolate(const Ctx& ctx, const Tree& node, const std::string& path) {
  const std::string& s = node.scalar;
  if (s.find('$') == std::string::npos) return s;
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    if (s.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (s.compare(i, 2, "${") != 0) {
      out += s[i++];
      continue;
    }
    const std::size_t close = s.find('}', i + 2);
    if (close == std::string::npos) fail(node.where, path, "unterminated ${ in value");
    const std::string inner = s.substr(i + 2, close - i - 2);
    if (inner.rfind("file:", 0) == 0) {
      // ${file:/run/secrets/kafka-password}: a secret kept in a file (systemd credentials,
      // Kubernetes secrets). One trailing newline is dropped; the content is never logged.
      const std::string file = inner.substr(5);
      std::ifstream in(file, std::ios::binary);
      std::ostringstream content;
      if (file.empty() || !in || !(content << in.rdbuf())) {
        fail(node.where, path, "cannot read secret file '" + file + "'");
      }
      std::string v = content.str();
      if (!v.empty() && v.back() == '\n') v.pop_back();
      if (!v.empty() && v.back() == '\r') v.pop_back();
      out += v;
      i = close + 1;
      continue;
    }
    const std::size_t sep = inner.find(":-");
    const std::string name = inner.substr(0, sep);
    if (!valid_env_name(name))
      fail(node.where, path, "invalid environment variable name in ${" + inner + "}");
    std::optional<std::string> value = ctx.getenv ? ctx.getenv(name) : std::nullopt;
    if (sep != std::string::npos) {
      if (!value || value->empty()) value = inner.substr(sep + 2);
    } else if (!value) {
      fail(node.where, path,
           "environment variable " + name + " is not set (write ${" + name +
               ":-default} to give a default)");
    }
    out += *value;
    i = close + 1;
  }
  return out;
}

std::string scalar_text(const Ctx& ctx, const Tree& node, const std::string& path,
                        std::string_view expected) {
  if (node.kind != Tree::Kind::kScalar) fail(node.where, path, "expected " + std::string(expected));
  return interpolate(ctx, node, path);
}

std::string read_string(Ctx& ctx, const Tree& node, const std::string& path) {
  return scalar_text(ctx, node, path, "a string");
}

template <class U>
U read_unsigned(Ctx& ctx, const Tree& node, const std::string& path) {
  const std::string text = scalar_text(ctx, node, path, "an unsigned integer");
  std::optional<std::uint64_t> v = parse_u64(text);
  if (!v) fail(node.where, path, "expected an unsigned integer");
  if (*v > std::numeric_limits<U>::max()) fail(node.where, path, "value out of range: " + text);
  return static_cast<U>(*v);
}

int read_int(Ctx& ctx, const Tree& node, const std::string& path) {
  const std::string text = scalar_text(ctx, node, path, "an integer");
  int v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec == std::errc::result_out_of_range)
    fail(node.where, path, "expected an integer");
  if (ec != std::errc() || ptr != text.data() + text.size())
    fail(node.where, path, "expected an integer");
  return v;
}

bool read_bool(Ctx& ctx, const Tree& node, const std::string& path) {
  const std::string text = lower(scalar_text(ctx, node, path, "a boolean (true or false)"));
  if (text == "true" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "no" || text == "off") return false;
  fail(node.where, path, "expected a boolean (true or false)");
}

double read_fraction(Ctx& ctx, const Tree& node, const std::string& path) {
  const std::string text = scalar_text(ctx, node, path, "a number between 0 and 1");
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !(v >= 0.0 && v <= 1.0)) {
    fail(node.where, path, "expected a number between 0 and 1");
  }
  return v;
}

std::size_t read_size(Ctx& ctx, const Tree& node, const std::string& path) {
  constexpr std::string_view kExpected = "a size (bytes, or e.g. 64KiB, 10MiB, 1GiB, 10MB)";
  std::optional<std::size_t> v = parse_size(scalar_text(ctx, node, path, kExpected));
  if (!v) fail(node.where, path, "expected " + std::string(kExpected));
  return *v;
}

std::chrono::milliseconds read_millis(Ctx& ctx, const Tree& node, const std::string& path) {
  constexpr std::string_view kExpected =
      "a duration (e.g. 500ms, 10s, 1m30s, or an integer number of milliseconds)";
  auto v = parse_duration(scalar_text(ctx, node, path, kExpected), std::chrono::milliseconds(1));
  if (!v) fail(node.where, path, "expected " + std::string(kExpected));
  return *v;
}

std::chrono::seconds read_seconds(Ctx& ctx, const Tree& node, const std::string& path) {
  constexpr std::string_view kExpected =
      "a duration (e.g. 72h, 30m, 1h30m, or an integer number of seconds)";
  auto v = parse_duration(scalar_text(ctx, node, path, kExpected), std::chrono::seconds(1));
  if (!v) fail(node.where, path, "expected " + std::string(kExpected));
  if (v->count() % 1000 != 0) fail(node.where, path, "expected a whole number of seconds");
  return std::chrono::duration_cast<std::chrono::seconds>(*v);
}

DeliveryMode read_delivery_mode(Ctx& ctx, const Tree& node, const std::string& path) {
  const std::string text = scalar_text(ctx, node, path, "at_least_once or exactly_once");
  if (text == "at_least_once") return DeliveryMode::kAtLeastOnce;
  if (text == "exactly_once") return DeliveryMode::kExactlyOnce;
  fail(node.where, path, "must be one of at_least_once, exactly_once; got '" + text + "'");
}

std::vector<std::string> read_string_list(Ctx& ctx, const Tree& node, const std::string& path) {
  if (node.kind != Tree::Kind::kSeq) fail(node.where, path, "expected a list of strings");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < node.seq.size(); ++i) {
    const std::string elem_path = path + "[" + std::to_string(i) + "]";
    ctx.locations[elem_path] = node.seq[i].where;
    out.push_back(read_string(ctx, node.seq[i], elem_path));
  }
  return out;
}

std::map<std::string, std::string> read_string_map(Ctx& ctx, const Tree& node,
                                                   const std::string& path) {
  std::map<std::string, std::string> out;
  if (node.kind == Tree::Kind::kNull) return out;  // all entries commented out
  if (node.kind != Tree::Kind::kMap) fail(node.where, path, "expected a mapping");
  for (const Entry& e : node.map) {
    const std::string key_path = join_path(path, e.key);
    if (e.key.empty()) fail(e.value.where, path, "empty property name");
    // librdkafka property names are ASCII words joined by dots; anything else is a typo or junk
    // (and could not be rendered back by --print-config).
    for (const char ch : e.key) {
      const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
      if (!ok) fail(e.value.where, path, "property name may hold only A-Z a-z 0-9 . _ -");
    }
    ctx.locations[key_path] = e.value.where;
    out[e.key] = scalar_text(ctx, e.value, key_path, "a scalar value");
  }
  return out;
}

// One YAML mapping with a fixed set of known keys.
class Section {
 public:
  Section(Ctx& ctx, const Tree& node, std::string path,
          std::initializer_list<std::string_view> known)
      : ctx_(ctx), node_(node), path_(std::move(path)) {
    ctx_.locations[path_] = node.where;
    if (node.kind == Tree::Kind::kNull) return;  // "section:" with nothing under it
    if (node.kind != Tree::Kind::kMap) fail(node.where, path_, "expected a mapping");
    for (const Entry& e : node.map) {
      if (std::find(known.begin(), known.end(), e.key) != known.end()) continue;
      std::string list;
      for (std::string_view k : known) {
        if (!list.empty()) list += ", ";
        list += k;
      }
      fail(e.value.where, join_path(path_, e.key), "unknown key (known: " + list + ")");
    }
  }

  const Tree* find(std::string_view key) const {
    return node_.kind == Tree::Kind::kMap ? node_.find(key) : nullptr;
  }
  std::string path_of(std::string_view key) const { return join_path(path_, key); }

  template <class T, class Reader>
  void read(std::string_view key, T& out, Reader reader) {
    if (const Tree* n = find(key)) {
      const std::string path = path_of(key);
      ctx_.locations[path] = n->where;
      out = reader(ctx_, *n, path);
    }
  }

 private:
  Ctx& ctx_;
  const Tree& node_;
  std::string path_;
};

// A string or a list of strings (route match fields).
std::vector<std::string> read_patterns(Ctx& ctx, const Tree& node, const std::string& path) {
  if (node.kind == Tree::Kind::kSeq) return read_string_list(ctx, node, path);
  return {read_string(ctx, node, path)};
}

// "2", "1-2" (an urgency range within 1..9).
std::pair<uint32_t, uint32_t> read_urgency(Ctx& ctx, const Tree& node, const std::string& path) {
  const std::string text = scalar_text(ctx, node, path, "an urgency 1..9 or a range like 1-2");
  const std::size_t dash = text.find('-');
  const auto lo = parse_u64(text.substr(0, dash));
  const auto hi = dash == std::string::npos ? lo : parse_u64(text.substr(dash + 1));
  if (!lo || !hi || *lo < 1 || *hi > 9 || *lo > *hi) {
    fail(node.where, path, "expected an urgency 1..9 or a range like 1-2, got '" + text + "'");
  }
  return {static_cast<uint32_t>(*lo), static_cast<uint32_t>(*hi)};
}

// Where `path` was read from, else `fallback`.
std::string locate_where(const Ctx& ctx, const std::string& path, const std::string& fallback) {
  const auto it = ctx.locations.find(path);
  return it != ctx.locations.end() ? it->second : fallback;
}

std::vector<pipeline::Route> read_routes(Ctx& ctx, const Tree& node, const std::string& path) {
  std::vector<pipeline::Route> out;
  if (node.kind == Tree::Kind::kNull) return out;
  if (node.kind != Tree::Kind::kSeq) fail(node.where, path, "expected a list of routes");
  for (std::size_t i = 0; i < node.seq.size(); ++i) {
    const std::string rp = path + "[" + std::to_string(i) + "]";
    Section s(ctx, node.seq[i], rp,
              {"name", "match", "topics", "encoding", "ninjs_version", "continue"});
    pipeline::Route r;
    r.name = "route" + std::to_string(i);
    s.read("name", r.name, read_string);
    s.read("topics", r.topics, read_patterns);
    s.read("continue", r.continue_, read_bool);
    std::string encoding = "protobuf", version = "3";
    s.read("encoding", encoding, read_string);
    s.read("ninjs_version", version, read_string);
    pipeline::NinjsVersion nv{};
    if (!pipeline::parse_ninjs_version(version, nv)) {
      fail(locate_where(ctx, s.path_of("ninjs_version"), node.seq[i].where),
           s.path_of("ninjs_version"), "must be 2 or 3 (2.x, 3.x), got '" + version + "'");
    }
    if (encoding == "protobuf") {
      r.encoding = pipeline::Encoding::kProtobuf;
    } else if (encoding == "ninjs") {
      r.encoding = nv == pipeline::NinjsVersion::k2 ? pipeline::Encoding::kNinjs2
                                                    : pipeline::Encoding::kNinjs3;
    } else {
      fail(locate_where(ctx, s.path_of("encoding"), node.seq[i].where), s.path_of("encoding"),
           "must be protobuf or ninjs, got '" + encoding + "'");
    }
    if (const Tree* m = s.find("match")) {
      const std::string mp = s.path_of("match");
      Section ms(ctx, *m, mp,
                 {"agency", "input_topic", "format", "language", "subject", "urgency", "slugline",
                  "version", "record"});
      ms.read("agency", r.match.agency, read_patterns);
      ms.read("input_topic", r.match.input_topic, read_patterns);
      ms.read("format", r.match.format, read_patterns);
      ms.read("language", r.match.language, read_patterns);
      ms.read("subject", r.match.subject, read_patterns);
      ms.read("slugline", r.match.slugline, read_patterns);
      std::pair<uint32_t, uint32_t> urgency{0, 9};
      ms.read("urgency", urgency, read_urgency);
      r.match.urgency_min = urgency.first;
      r.match.urgency_max = urgency.second;
      std::vector<std::string> kinds;
      ms.read("version", kinds, read_patterns);
      for (const auto& k : kinds) {
        pipeline::VersionKind v{};
        if (!pipeline::parse_version_kind(k, v)) {
          fail(m->where, join_path(mp, "version"),
               "must be new, update, correction or cancel, got '" + k + "'");
        }
        r.match.version.push_back(v);
      }
      kinds.clear();
      ms.read("record", kinds, read_patterns);
      for (const auto& k : kinds) {
        pipeline::RecordKind v{};
        if (!pipeline::parse_record_kind(k, v)) {
          fail(m->where, join_path(mp, "record"),
               "must be story, duplicate or dead_letter, got '" + k + "'");
        }
        r.match.record.push_back(v);
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

Config typed_config(Ctx& ctx, const Tree& root) {
  Config c;
  Section top(ctx, root, "",
              {"kafka", "input", "output", "metrics", "pipeline", "dedup", "delivery", "embedded",
               "clean", "log", "routes"});
  top.read("routes", c.routes, read_routes);
  if (const Tree* n = top.find("kafka")) {
    Section s(ctx, *n, "kafka",
              {"brokers", "group_id", "properties", "consumer_properties", "producer_properties"});
    s.read("brokers", c.kafka.brokers, read_string);
    s.read("group_id", c.kafka.group_id, read_string);
    s.read("properties", c.kafka.properties, read_string_map);
    s.read("consumer_properties", c.kafka.consumer_properties, read_string_map);
    s.read("producer_properties", c.kafka.producer_properties, read_string_map);
  }
  if (const Tree* n = top.find("input")) {
    Section s(ctx, *n, "input", {"topics", "max_bytes"});
    s.read("topics", c.input.topics, read_string_list);
    s.read("max_bytes", c.input.max_bytes, read_size);
  }
  if (const Tree* n = top.find("output")) {
    Section s(ctx, *n, "output",
              {"stories_topic", "duplicates_topic", "dead_letter_topic", "dead_letter_max_bytes"});
    s.read("stories_topic", c.output.stories_topic, read_string);
    s.read("duplicates_topic", c.output.duplicates_topic, read_string);
    s.read("dead_letter_topic", c.output.dead_letter_topic, read_string);
    s.read("dead_letter_max_bytes", c.output.dead_letter_max_bytes, read_size);
  }
  if (const Tree* n = top.find("metrics")) {
    Section s(ctx, *n, "metrics", {"listen"});
    s.read("listen", c.metrics.listen, read_string);
  }
  if (const Tree* n = top.find("pipeline")) {
    Section s(ctx, *n, "pipeline",
              {"workers", "partition_high_water", "partition_low_water", "max_inflight_bytes",
               "drain_timeout"});
    s.read("workers", c.pipeline.workers, read_unsigned<unsigned>);
    s.read("partition_high_water", c.pipeline.partition_high_water, read_unsigned<std::size_t>);
    s.read("partition_low_water", c.pipeline.partition_low_water, read_unsigned<std::size_t>);
    s.read("max_inflight_bytes", c.pipeline.max_inflight_bytes, read_size);
    s.read("drain_timeout", c.pipeline.drain_timeout, read_millis);
  }
  if (const Tree* n = top.find("dedup")) {
    Section s(ctx, *n, "dedup",
              {"window", "max_entries", "state_topic", "near_enabled", "near_threshold",
               "version_threshold", "numbers_threshold", "restore_timeout", "near_window",
               "near_max_entries", "near_containment", "start_without_state"});
    s.read("window", c.dedup.index.window, read_seconds);
    s.read("max_entries", c.dedup.index.max_entries, read_unsigned<std::size_t>);
    s.read("state_topic", c.dedup.state_topic, read_string);
    s.read("near_enabled", c.dedup.index.near_enabled, read_bool);
    s.read("near_threshold", c.dedup.index.near_threshold, read_fraction);
    s.read("version_threshold", c.dedup.index.version_threshold, read_fraction);
    s.read("numbers_threshold", c.dedup.index.numbers_threshold, read_fraction);
    s.read("near_containment", c.dedup.index.near_containment, read_fraction);
    s.read("restore_timeout", c.dedup.restore_timeout, read_millis);
    s.read("start_without_state", c.dedup.start_without_state, read_bool);
    s.read("near_window", c.dedup.index.near_window, read_seconds);
    s.read("near_max_entries", c.dedup.index.near_max_entries, read_unsigned<std::size_t>);
  }
  if (const Tree* n = top.find("delivery")) {
    Section s(ctx, *n, "delivery",
              {"mode", "transactional_id", "transaction_max_messages", "transaction_max_bytes",
               "transaction_interval", "transaction_timeout"});
    s.read("mode", c.delivery.mode, read_delivery_mode);
    s.read("transactional_id", c.delivery.transactional_id, read_string);
    s.read("transaction_max_messages", c.delivery.transaction_max_messages,
           read_unsigned<std::size_t>);
    s.read("transaction_max_bytes", c.delivery.transaction_max_bytes, read_size);
    s.read("transaction_interval", c.delivery.transaction_interval, read_millis);
    s.read("transaction_timeout", c.delivery.transaction_timeout, read_millis);
  }
  if (const Tree* n = top.find("embedded")) {
    Section s(ctx, *n, "embedded", {"seed_dir", "echo", "partitions"});
    s.read("seed_dir", c.embedded.seed_dir, read_string);
    s.read("echo", c.embedded.echo, read_bool);
    s.read("partitions", c.embedded.partitions, read_int);
  }
  if (const Tree* n = top.find("clean")) {
    Section s(ctx, *n, "clean", {"rules_file", "chrome_state_topic", "chrome_restore_timeout"});
    s.read("rules_file", c.clean.rules_file, read_string);
    s.read("chrome_state_topic", c.clean.chrome_state_topic, read_string);
    s.read("chrome_restore_timeout", c.clean.chrome_restore_timeout, read_millis);
  }
  if (const Tree* n = top.find("log")) {
    Section s(ctx, *n, "log", {"level", "format"});
    s.read("level", c.log.level, read_string);
    s.read("format", c.log.format, read_string);
  }
  return c;
}

// ---- validation -------------------------------------------------------------------------------

constexpr std::array<std::string_view, 7> kLogLevels = {"trace", "debug",    "info", "warn",
                                                        "error", "critical", "off"};

// Where `path` (or, if it was defaulted, its nearest configured ancestor) came from.
std::string locate(const Ctx& ctx, std::string path) {
  while (true) {
    if (auto it = ctx.locations.find(path); it != ctx.locations.end() && !it->second.empty())
      return it->second;
    if (path.empty()) return ctx.origin;
    const std::size_t cut = path.find_last_of(".[");
    path = cut == std::string::npos ? std::string() : path.substr(0, cut);
  }
}

void validate(const Ctx& ctx, const Config& c) {
  auto bad = [&](const std::string& path, const std::string& msg) {
    fail(locate(ctx, path), path, msg);
  };
  auto quoted = [](const std::string& s) { return "'" + s + "'"; };
  // Cross-field rules blame the side the user wrote (the first one when both or neither were).
  auto is_set = [&](const std::string& path) { return ctx.locations.count(path) != 0; };
  auto blame_first = [&](const std::string& first, const std::string& second) {
    return is_set(first) || !is_set(second);
  };
  constexpr std::string_view kTopicRule = " (1..249 characters of A-Za-z0-9._-)";

  // kafka
  if (c.kafka.brokers.find_first_not_of(" \t") == std::string::npos)
    bad("kafka.brokers", "must not be empty (\"embedded\" or host:port,host:port)");
  if (!c.embedded_mode()) {
    std::string_view rest = c.kafka.brokers;
    while (true) {
      const std::size_t comma = rest.find(',');
      std::string_view one = rest.substr(0, comma);
      if (one.find_first_not_of(" \t") == std::string_view::npos)
        bad("kafka.brokers", "empty entry in broker list " + quoted(c.kafka.brokers));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (c.kafka.group_id.empty()) bad("kafka.group_id", "must not be empty");

  // input
  if (c.input.topics.empty()) bad("input.topics", "must list at least one topic");
  for (std::size_t i = 0; i < c.input.topics.size(); ++i) {
    const std::string path = "input.topics[" + std::to_string(i) + "]";
    const std::string& t = c.input.topics[i];
    if (!is_valid_topic_name(t))
      bad(path, "invalid Kafka topic name " + quoted(t) + std::string(kTopicRule));
    for (std::size_t j = 0; j < i; ++j)
      if (c.input.topics[j] == t)
        bad(path,
            "duplicate topic " + quoted(t) + " (also input.topics[" + std::to_string(j) + "])");
  }
  if (c.input.max_bytes == 0) bad("input.max_bytes", "must be greater than 0");

  // output
  const std::array<std::pair<std::string, const std::string*>, 3> outs = {{
      {"output.stories_topic", &c.output.stories_topic},
      {"output.duplicates_topic", &c.output.duplicates_topic},
      {"output.dead_letter_topic", &c.output.dead_letter_topic},
  }};
  for (std::size_t i = 0; i < outs.size(); ++i) {
    const auto& [path, topic] = outs[i];
    if (!is_valid_topic_name(*topic))
      bad(path, "invalid Kafka topic name " + quoted(*topic) + std::string(kTopicRule));
    for (std::size_t j = 0; j < i; ++j)
      if (*outs[j].second == *topic)
        bad(path, "topic " + quoted(*topic) + " is also " + outs[j].first);
    for (std::size_t j = 0; j < c.input.topics.size(); ++j) {
      if (c.input.topics[j] != *topic) continue;
      const std::string in_path = "input.topics[" + std::to_string(j) + "]";
      if (blame_first(path, in_path))
        bad(path, "topic " + quoted(*topic) + " is also an input topic (" + in_path + ")");
      bad(in_path, "topic " + quoted(*topic) + " is also " + path);
    }
  }
  // routes
  for (std::size_t i = 0; i < c.routes.size(); ++i) {
    const pipeline::Route& r = c.routes[i];
    const std::string path = "routes[" + std::to_string(i) + "]";
    if (r.topics.empty()) bad(path + ".topics", "must list at least one topic");
    for (std::size_t k = 0; k < r.topics.size(); ++k) {
      const std::string tp = path + ".topics[" + std::to_string(k) + "]";
      if (!is_valid_topic_name(r.topics[k]))
        bad(tp, "invalid Kafka topic name " + quoted(r.topics[k]) + std::string(kTopicRule));
      for (const auto& in : c.input.topics)
        if (in == r.topics[k]) bad(tp, "topic " + quoted(in) + " is also an input topic");
    }
    for (std::size_t j = 0; j < i; ++j)
      if (c.routes[j].name == r.name)
        bad(path + ".name",
            "duplicate route name " + quoted(r.name) + " (also routes[" + std::to_string(j) + "])");
    if (const int j = pipeline::shadowing_route(c.routes, i); j >= 0)
      bad(path, "route " + quoted(r.name) + " can never match: routes[" + std::to_string(j) +
                    "] (" + quoted(c.routes[static_cast<std::size_t>(j)].name) +
                    ") before it matches every such record and has no continue");
  }
  if (c.output.dead_letter_max_bytes > c.input.max_bytes) {
    if (blame_first("output.dead_letter_max_bytes", "input.max_bytes"))
      bad("output.dead_letter_max_bytes",
          "must not exceed input.max_bytes (" + format_size(c.input.max_bytes) + ")");
    bad("input.max_bytes", "must be at least output.dead_letter_max_bytes (" +
                               format_size(c.output.dead_letter_max_bytes) + ")");
  }

  // metrics
  if (!parse_host_port(c.metrics.listen))
    bad("metrics.listen", "expected host:port with port 0..65535 (e.g. 127.0.0.1:9464), got " +
                              quoted(c.metrics.listen));

  // pipeline
  if (c.pipeline.workers < 1 || c.pipeline.workers > 256)
    bad("pipeline.workers", "must be in 1..256, got " + std::to_string(c.pipeline.workers));
  if (c.pipeline.partition_low_water >= c.pipeline.partition_high_water) {
    if (blame_first("pipeline.partition_low_water", "pipeline.partition_high_water"))
      bad("pipeline.partition_low_water", "must be less than pipeline.partition_high_water (" +
                                              std::to_string(c.pipeline.partition_high_water) +
                                              "), got " +
                                              std::to_string(c.pipeline.partition_low_water));
    bad("pipeline.partition_high_water", "must be greater than pipeline.partition_low_water (" +
                                             std::to_string(c.pipeline.partition_low_water) +
                                             "), got " +
                                             std::to_string(c.pipeline.partition_high_water));
  }
  if (c.pipeline.max_inflight_bytes == 0)
    bad("pipeline.max_inflight_bytes", "must be greater than 0");

  // dedup
  if (c.dedup.index.window.count() <= 0) bad("dedup.window", "must be greater than 0");
  if (c.dedup.index.max_entries == 0) bad("dedup.max_entries", "must be greater than 0");
  if (c.dedup.index.max_entries > pipeline::kMaxDedupEntries)
    bad("dedup.max_entries", "at most " + std::to_string(pipeline::kMaxDedupEntries) +
                                 " (the index addresses entries with 24 bits), got " +
                                 std::to_string(c.dedup.index.max_entries));
  if (c.dedup.index.near_threshold <= 0.0) bad("dedup.near_threshold", "must be greater than 0");
  if (c.dedup.index.near_window.count() <= 0) bad("dedup.near_window", "must be greater than 0");
  if (c.dedup.index.near_max_entries == 0) bad("dedup.near_max_entries", "must be greater than 0");
  if (!c.dedup.state_topic.empty()) {
    if (!is_valid_topic_name(c.dedup.state_topic)) {
      bad("dedup.state_topic", "not a valid Kafka topic name");
    }
    for (const auto* t :
         {&c.output.stories_topic, &c.output.duplicates_topic, &c.output.dead_letter_topic}) {
      if (*t == c.dedup.state_topic) bad("dedup.state_topic", "must differ from the output topics");
    }
    for (const auto& t : c.input.topics) {
      if (t == c.dedup.state_topic) bad("dedup.state_topic", "must differ from the input topics");
    }
  }

  if (const std::string& t = c.clean.chrome_state_topic; !t.empty()) {
    if (!is_valid_topic_name(t)) bad("clean.chrome_state_topic", "not a valid Kafka topic name");
    for (const auto* o :
         {&c.output.stories_topic, &c.output.duplicates_topic, &c.output.dead_letter_topic}) {
      if (*o == t) bad("clean.chrome_state_topic", "must differ from the output topics");
    }
    for (const auto& i : c.input.topics) {
      if (i == t) bad("clean.chrome_state_topic", "must differ from the input topics");
    }
    if (t == c.dedup.state_topic)
      bad("clean.chrome_state_topic", "must differ from dedup.state_topic");
  }
  if (c.clean.chrome_restore_timeout.count() <= 0)
    bad("clean.chrome_restore_timeout", "must be greater than 0");

  // delivery
  if (c.delivery.transactional_id.size() > 200 ||
      (!c.delivery.transactional_id.empty() &&
       c.delivery.transactional_id.find_first_not_of(
           "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
           std::string::npos))
    bad("delivery.transactional_id",
        "must be 1..200 characters of A-Za-z0-9._- (or empty for "
        "the default <group_id>.<host>), got " +
            quoted(c.delivery.transactional_id));
  if (c.delivery.transaction_max_messages < 1 || c.delivery.transaction_max_messages > 1'000'000)
    bad("delivery.transaction_max_messages",
        "must be in 1..1000000, got " + std::to_string(c.delivery.transaction_max_messages));
  if (c.delivery.transaction_max_bytes < 1024)
    bad("delivery.transaction_max_bytes",
        "must be at least 1KiB, got " + format_size(c.delivery.transaction_max_bytes));
  if (c.delivery.transaction_interval < std::chrono::milliseconds(1) ||
      c.delivery.transaction_interval > std::chrono::minutes(5))
    bad("delivery.transaction_interval",
        "must be in 1ms..5m, got " + format_duration(c.delivery.transaction_interval));
  if (c.delivery.transaction_timeout < std::chrono::seconds(1) ||
      c.delivery.transaction_timeout > std::chrono::minutes(15))
    bad("delivery.transaction_timeout",
        "must be in 1s..15m, got " + format_duration(c.delivery.transaction_timeout));

  // embedded
  if (c.embedded.seed_dir.empty()) bad("embedded.seed_dir", "must not be empty");
  if (c.embedded.partitions < 1 || c.embedded.partitions > 1000)
    bad("embedded.partitions", "must be in 1..1000, got " + std::to_string(c.embedded.partitions));

  // log
  if (std::find(kLogLevels.begin(), kLogLevels.end(), c.log.level) == kLogLevels.end())
    bad("log.level", "must be one of trace, debug, info, warn, error, critical, off; got " +
                         quoted(c.log.level));
  if (c.log.format != "text" && c.log.format != "json")
    bad("log.format", "must be one of text, json; got " + quoted(c.log.format));
}

std::optional<std::string> process_getenv(const std::string& name) {
  const char* v = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): read-only use
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

// Escape so that interpolation on re-parse yields `s` again.
std::string escape_dollar(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 2, "${") == 0) out += '$';
    out += s[i];
  }
  return out;
}

}  // namespace

// ---- public helpers ---------------------------------------------------------------------------

bool is_secret_property(std::string_view key) {
  static constexpr std::array<std::string_view, 6> kMarkers = {
      "password", "secret", "sasl.jaas", "key.password", "ssl.key.pem", "token"};
  const std::string k = lower(key);
  return std::any_of(kMarkers.begin(), kMarkers.end(),
                     [&](std::string_view m) { return k.find(m) != std::string::npos; });
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text,
                                                        std::chrono::milliseconds plain_unit) {
  using Rep = std::chrono::milliseconds::rep;
  constexpr Rep kMax = std::numeric_limits<Rep>::max();
  if (all_digits(text)) {
    std::optional<std::uint64_t> n = parse_u64(text);
    if (!n || plain_unit.count() <= 0) return std::nullopt;
    if (*n > static_cast<std::uint64_t>(kMax / plain_unit.count())) return std::nullopt;
    return std::chrono::milliseconds(static_cast<Rep>(*n) * plain_unit.count());
  }
  if (text.empty()) return std::nullopt;
  Rep total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t j = i;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
    std::optional<std::uint64_t> n = parse_u64(text.substr(i, j - i));
    if (!n) return std::nullopt;
    std::size_t k = j;
    while (k < text.size() && std::isalpha(static_cast<unsigned char>(text[k]))) ++k;
    const std::string_view unit = text.substr(j, k - j);
    Rep mult = 0;
    if (unit == "ms") {
      mult = 1;
    } else if (unit == "s") {
      mult = 1000;
    } else if (unit == "m") {
      mult = 60 * 1000;
    } else if (unit == "h") {
      mult = 3600 * 1000;
    } else {
      return std::nullopt;
    }
    if (*n > static_cast<std::uint64_t>(kMax / mult)) return std::nullopt;
    const Rep part = static_cast<Rep>(*n) * mult;
    if (part > kMax - total) return std::nullopt;
    total += part;
    i = k;
  }
  return std::chrono::milliseconds(total);
}

std::string format_duration(std::chrono::milliseconds d) {
  if (d.count() == 0) return "0s";
  std::string out;
  if (d.count() < 0) {
    // Not produced by parse_duration; spell it plainly (will not re-parse, by design).
    return std::to_string(d.count()) + "ms";
  }
  auto ms = d.count();
  const std::pair<std::chrono::milliseconds::rep, const char*> units[] = {
      {3600 * 1000, "h"}, {60 * 1000, "m"}, {1000, "s"}, {1, "ms"}};
  for (const auto& [mult, name] : units) {
    if (ms >= mult) {
      out += std::to_string(ms / mult);
      out += name;
      ms %= mult;
    }
  }
  return out;
}

std::optional<std::size_t> parse_size(std::string_view text) {
  std::size_t j = 0;
  while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
  std::optional<std::uint64_t> n = parse_u64(text.substr(0, j));
  if (!n) return std::nullopt;
  std::size_t k = j;
  while (k < text.size() && text[k] == ' ') ++k;
  const std::string unit = lower(text.substr(k));
  if (k > j && unit.empty()) return std::nullopt;  // trailing space only
  std::uint64_t mult = 0;
  if (unit.empty() || unit == "b") {
    mult = 1;
  } else if (unit == "kib") {
    mult = 1ull << 10;
  } else if (unit == "mib") {
    mult = 1ull << 20;
  } else if (unit == "gib") {
    mult = 1ull << 30;
  } else if (unit == "tib") {
    mult = 1ull << 40;
  } else if (unit == "kb") {
    mult = 1000ull;
  } else if (unit == "mb") {
    mult = 1000ull * 1000;
  } else if (unit == "gb") {
    mult = 1000ull * 1000 * 1000;
  } else if (unit == "tb") {
    mult = 1000ull * 1000 * 1000 * 1000;
  } else {
    return std::nullopt;
  }
  constexpr std::uint64_t kMax = std::numeric_limits<std::size_t>::max();
  if (*n > kMax / mult) return std::nullopt;
  return static_cast<std::size_t>(*n * mult);
}

std::string format_size(std::size_t bytes) {
  const std::pair<std::uint64_t, const char*> units[] = {
      {1ull << 40, "TiB"}, {1ull << 30, "GiB"}, {1ull << 20, "MiB"}, {1ull << 10, "KiB"}};
  if (bytes != 0) {
    for (const auto& [mult, name] : units)
      if (bytes % mult == 0) return std::to_string(bytes / mult) + name;
  }
  return std::to_string(bytes);
}

std::optional<HostPort> parse_host_port(std::string_view text) {
  HostPort hp;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::nullopt;
    const std::string_view host = text.substr(1, close - 1);
    if (host.empty() || host.find(':') == std::string_view::npos) return std::nullopt;
    for (char ch : host)
      if (!std::isxdigit(static_cast<unsigned char>(ch)) && ch != ':' && ch != '.')
        return std::nullopt;
    hp.host = std::string(host);
    port = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    const std::string_view host = text.substr(0, colon);
    for (char ch : host)
      if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '-' && ch != '_')
        return std::nullopt;
    hp.host = std::string(host);
    port = text.substr(colon + 1);
  }
  if (port.size() > 5) return std::nullopt;
  std::optional<std::uint64_t> p = parse_u64(port);
  if (!p || *p > 65535) return std::nullopt;
  hp.port = static_cast<std::uint16_t>(*p);
  return hp;
}

bool is_valid_topic_name(std::string_view name) {
  if (name.empty() || name.size() > 249 || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '.' || ch == '_' || ch == '-';
  });
}

// ---- parse / load -----------------------------------------------------------------------------

Config parse_config(std::string_view yaml_text, std::string_view origin,
                    const std::vector<std::string>& overrides,
                    const std::filesystem::path& base_dir) {
  return parse_config(yaml_text, origin, overrides, base_dir, process_getenv);
}

Config parse_config(std::string_view yaml_text, std::string_view origin,
                    const std::vector<std::string>& overrides,
                    const std::filesystem::path& base_dir, const GetEnv& getenv) {
  std::vector<YAML::Node> docs;
  try {
    docs = load_all(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    throw ConfigError(where_of(origin, e.mark) + ": invalid YAML: " + e.msg);
  }
  if (docs.size() > 1)
    throw ConfigError(where_of(origin, docs[1].Mark()) +
                      ": expected a single YAML document, found " + std::to_string(docs.size()));

  Tree root;
  if (!docs.empty()) {
    const YAML::Node& doc = docs.front();
    root = from_yaml(doc, doc.Mark().is_null() ? std::string(origin) : where_of(origin, doc.Mark()),
                     origin, "");
  } else {
    root.where = std::string(origin);
  }
  if (root.kind != Tree::Kind::kNull && root.kind != Tree::Kind::kMap)
    fail(root.where, "", "expected a mapping at the top level");

  for (const std::string& o : overrides) apply_override(root, o);

  Ctx ctx{std::string(origin), getenv, {}};
  Config c = typed_config(ctx, root);
  validate(ctx, c);

  std::filesystem::path seed(c.embedded.seed_dir);
  if (!base_dir.empty() && seed.is_relative())
    c.embedded.seed_dir = (base_dir / seed).lexically_normal().string();

  // The cleaning rules are compiled here, so --check-config and a SIGHUP reload reject a bad
  // rules file like any other bad value.
  std::filesystem::path rules(c.clean.rules_file);
  if (!base_dir.empty() && !rules.empty() && rules.is_relative())
    c.clean.rules_file = (base_dir / rules).lexically_normal().string();
  if (c.clean.rules_file.empty()) {
    c.clean.rules = pipeline::default_clean_rules();
  } else {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(c.clean.rules_file, ec))
      fail(locate(ctx, "clean.rules_file"), "clean.rules_file",
           "not a readable regular file: \"" + c.clean.rules_file + "\"");
    if (std::filesystem::file_size(c.clean.rules_file, ec) > (1u << 20))
      fail(locate(ctx, "clean.rules_file"), "clean.rules_file", "rules file over 1 MiB");
    try {
      c.clean.rules = pipeline::load_clean_rules(c.clean.rules_file);
    } catch (const pipeline::RuleError& e) {
      fail(locate(ctx, "clean.rules_file"), "clean.rules_file", e.what());
    }
  }
  return c;
}

Config load_config(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  return load_config(file, overrides, process_getenv);
}

Config load_config(const std::filesystem::path& file, const std::vector<std::string>& overrides,
                   const GetEnv& getenv) {
  const std::string name = file.string();
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    throw ConfigError(name + ": cannot read config file: is a directory");
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    const int err = errno;
    throw ConfigError(name + ": cannot read config file: " +
                      (err != 0 ? std::generic_category().message(err) : "open failed"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ConfigError(name + ": cannot read config file: read error");

  std::filesystem::path dir = std::filesystem::absolute(file, ec).parent_path();
  if (ec) dir = file.parent_path();
  Config c = parse_config(text.str(), name, overrides, dir, getenv);
  c.source_path = name;
  return c;
}

// ---- render -----------------------------------------------------------------------------------

std::string render_config(const Config& c) {
  YAML::Emitter e;
  e.SetIndent(2);
  auto str = [&](const std::string& s) { e << YAML::DoubleQuoted << escape_dollar(s); };
  auto props = [&](const char* key, const std::map<std::string, std::string>& m) {
    e << YAML::Key << key << YAML::Value;
    if (m.empty()) {
      e << YAML::Flow << YAML::BeginMap << YAML::EndMap;
      return;
    }
    e << YAML::BeginMap;
    for (const auto& [k, v] : m) {
      e << YAML::Key << k << YAML::Value;
      str(is_secret_property(k) ? std::string("***") : v);
    }
    e << YAML::EndMap;
  };

  e << YAML::BeginMap;
  e << YAML::Key << "kafka" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "brokers" << YAML::Value;
  str(c.kafka.brokers);
  e << YAML::Key << "group_id" << YAML::Value;
  str(c.kafka.group_id);
  props("properties", c.kafka.properties);
  props("consumer_properties", c.kafka.consumer_properties);
  props("producer_properties", c.kafka.producer_properties);
  e << YAML::EndMap;

  e << YAML::Key << "input" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "topics" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const std::string& t : c.input.topics) str(t);
  e << YAML::EndSeq;
  e << YAML::Key << "max_bytes" << YAML::Value << format_size(c.input.max_bytes);
  e << YAML::EndMap;

  e << YAML::Key << "output" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "stories_topic" << YAML::Value;
  str(c.output.stories_topic);
  e << YAML::Key << "duplicates_topic" << YAML::Value;
  str(c.output.duplicates_topic);
  e << YAML::Key << "dead_letter_topic" << YAML::Value;
  str(c.output.dead_letter_topic);
  e << YAML::Key << "dead_letter_max_bytes" << YAML::Value
    << format_size(c.output.dead_letter_max_bytes);
  e << YAML::EndMap;

  e << YAML::Key << "metrics" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "listen" << YAML::Value;
  str(c.metrics.listen);
  e << YAML::EndMap;

  e << YAML::Key << "pipeline" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "workers" << YAML::Value << c.pipeline.workers;
  e << YAML::Key << "partition_high_water" << YAML::Value << c.pipeline.partition_high_water;
  e << YAML::Key << "partition_low_water" << YAML::Value << c.pipeline.partition_low_water;
  e << YAML::Key << "max_inflight_bytes" << YAML::Value
    << format_size(c.pipeline.max_inflight_bytes);
  e << YAML::Key << "drain_timeout" << YAML::Value << format_duration(c.pipeline.drain_timeout);
  e << YAML::EndMap;

  e << YAML::Key << "dedup" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "window" << YAML::Value
    << format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(c.dedup.index.window));
  e << YAML::Key << "max_entries" << YAML::Value << c.dedup.index.max_entries;
  e << YAML::Key << "state_topic" << YAML::Value;
  str(c.dedup.state_topic);
  e << YAML::Key << "near_enabled" << YAML::Value << c.dedup.index.near_enabled;
  e << YAML::Key << "near_threshold" << YAML::Value << c.dedup.index.near_threshold;
  e << YAML::Key << "version_threshold" << YAML::Value << c.dedup.index.version_threshold;
  e << YAML::Key << "numbers_threshold" << YAML::Value << c.dedup.index.numbers_threshold;
  e << YAML::Key << "near_containment" << YAML::Value << c.dedup.index.near_containment;
  e << YAML::Key << "restore_timeout" << YAML::Value << format_duration(c.dedup.restore_timeout);
  e << YAML::Key << "start_without_state" << YAML::Value << c.dedup.start_without_state;
  e << YAML::Key << "near_window" << YAML::Value
    << format_duration(
           std::chrono::duration_cast<std::chrono::milliseconds>(c.dedup.index.near_window));
  e << YAML::Key << "near_max_entries" << YAML::Value << c.dedup.index.near_max_entries;
  e << YAML::EndMap;

  e << YAML::Key << "delivery" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "mode" << YAML::Value << std::string(delivery_mode_name(c.delivery.mode));
  e << YAML::Key << "transactional_id" << YAML::Value;
  str(c.delivery.transactional_id);
  e << YAML::Key << "transaction_max_messages" << YAML::Value
    << c.delivery.transaction_max_messages;
  e << YAML::Key << "transaction_max_bytes" << YAML::Value
    << format_size(c.delivery.transaction_max_bytes);
  e << YAML::Key << "transaction_interval" << YAML::Value
    << format_duration(c.delivery.transaction_interval);
  e << YAML::Key << "transaction_timeout" << YAML::Value
    << format_duration(c.delivery.transaction_timeout);
  e << YAML::EndMap;

  e << YAML::Key << "embedded" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "seed_dir" << YAML::Value;
  str(c.embedded.seed_dir);
  e << YAML::Key << "echo" << YAML::Value << c.embedded.echo;
  e << YAML::Key << "partitions" << YAML::Value << c.embedded.partitions;
  e << YAML::EndMap;

  e << YAML::Key << "clean" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "rules_file" << YAML::Value;
  str(c.clean.rules_file);
  e << YAML::Key << "chrome_state_topic" << YAML::Value;
  str(c.clean.chrome_state_topic);
  e << YAML::Key << "chrome_restore_timeout" << YAML::Value
    << format_duration(c.clean.chrome_restore_timeout);
  e << YAML::EndMap;

  e << YAML::Key << "log" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "level" << YAML::Value;
  str(c.log.level);
  e << YAML::Key << "format" << YAML::Value;
  str(c.log.format);
  e << YAML::EndMap;

  if (!c.routes.empty()) e << YAML::Key << "routes" << YAML::Value << YAML::BeginSeq;
  auto list = [&](const char* key, const std::vector<std::string>& v) {
    if (v.empty()) return;
    e << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const auto& x : v) str(x);
    e << YAML::EndSeq;
  };
  for (const pipeline::Route& r : c.routes) {
    e << YAML::BeginMap;
    e << YAML::Key << "name" << YAML::Value;
    str(r.name);
    e << YAML::Key << "match" << YAML::Value << YAML::BeginMap;
    list("agency", r.match.agency);
    list("input_topic", r.match.input_topic);
    list("format", r.match.format);
    list("language", r.match.language);
    list("subject", r.match.subject);
    if (r.match.urgency_min > 0 || r.match.urgency_max < 9) {
      e << YAML::Key << "urgency" << YAML::Value
        << std::to_string(std::max<uint32_t>(r.match.urgency_min, 1)) + "-" +
               std::to_string(r.match.urgency_max);
    }
    list("slugline", r.match.slugline);
    std::vector<std::string> kinds;
    for (auto k : r.match.version) kinds.emplace_back(pipeline::version_kind_name(k));
    list("version", kinds);
    kinds.clear();
    for (auto k : r.match.record) kinds.emplace_back(pipeline::record_kind_name(k));
    list("record", kinds);
    e << YAML::EndMap;
    list("topics", r.topics);
    e << YAML::Key << "encoding" << YAML::Value
      << (r.encoding == pipeline::Encoding::kProtobuf ? "protobuf" : "ninjs");
    if (r.encoding != pipeline::Encoding::kProtobuf) {
      e << YAML::Key << "ninjs_version" << YAML::Value
        << (r.encoding == pipeline::Encoding::kNinjs2 ? "2" : "3");
    }
    e << YAML::Key << "continue" << YAML::Value << r.continue_;
    e << YAML::EndMap;
  }
  if (!c.routes.empty()) e << YAML::EndSeq;
  e << YAML::EndMap;

  std::string out = "# wirefeed effective configuration";
  if (!c.source_path.empty()) out += " (loaded from " + c.source_path + ")";
  out += "; secret values shown as ***\n";
  out += e.c_str();
  out += '\n';
  return out;
}

pipeline::PipelineSettings pipeline_settings(const Config& c) {
  pipeline::PipelineSettings s;
  s.processor.decode.max_bytes = c.input.max_bytes;
  s.processor.dead_letter_max_bytes = c.output.dead_letter_max_bytes;
  s.dedup = c.dedup.index;
  s.clean_rules = c.clean.rules;
  return s;
}

std::string_view delivery_mode_name(DeliveryMode m) {
  return m == DeliveryMode::kExactlyOnce ? "exactly_once" : "at_least_once";
}

std::string effective_transactional_id(const Config& c, std::string_view host) {
  if (!c.delivery.transactional_id.empty()) return c.delivery.transactional_id;
  std::string h;
  for (char ch : host) {  // keep the id within the validated alphabet
    const bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
    h.push_back(ok ? ch : '_');
  }
  return c.kafka.group_id + "." + (h.empty() ? std::string("localhost") : h);
}

std::string summarize_config(const Config& c) {
  std::string s = "config OK: ";
  s += c.source_path.empty() ? std::string("<string>") : c.source_path;
  s += ": brokers=" + c.kafka.brokers;
  if (c.embedded_mode()) {
    s += " (embedded: " + std::to_string(c.embedded.partitions) +
         " partitions, seed_dir=" + c.embedded.seed_dir +
         ", echo=" + (c.embedded.echo ? "on" : "off") + ")";
  }
  s += ", group_id=" + c.kafka.group_id;
  s += ", input=[";
  for (std::size_t i = 0; i < c.input.topics.size(); ++i) s += (i ? "," : "") + c.input.topics[i];
  s += "] (max " + format_size(c.input.max_bytes) + ")";
  s += ", output=" + c.output.stories_topic + "/" + c.output.duplicates_topic + "/" +
       c.output.dead_letter_topic;
  s += ", workers=" + std::to_string(c.pipeline.workers);
  s += ", partition water=" + std::to_string(c.pipeline.partition_low_water) + "/" +
       std::to_string(c.pipeline.partition_high_water);
  s += ", max in-flight=" + format_size(c.pipeline.max_inflight_bytes);
  s +=
      ", dedup=" +
      format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(c.dedup.index.window)) +
      "/" + std::to_string(c.dedup.index.max_entries) + " entries";
  s += ", delivery=" + std::string(delivery_mode_name(c.delivery.mode));
  if (c.delivery.mode == DeliveryMode::kExactlyOnce) {
    s += " (transactional_id=" +
         (c.delivery.transactional_id.empty() ? "<group_id>.<host>" : c.delivery.transactional_id) +
         ", per transaction " + std::to_string(c.delivery.transaction_max_messages) + " messages/" +
         format_size(c.delivery.transaction_max_bytes) + "/" +
         format_duration(c.delivery.transaction_interval) + ")";
  }
  s += ", metrics=" + c.metrics.listen;
  if (!c.clean.rules_file.empty()) s += ", clean rules=" + c.clean.rules_file;
  s += ", log=" + c.log.level + "/" + c.log.format;
  const std::size_t nprops = c.kafka.properties.size() + c.kafka.consumer_properties.size() +
                             c.kafka.producer_properties.size();
  s += ", kafka properties=" + std::to_string(nprops);
  return s;
}

}  // namespace wirefeed::daemon
