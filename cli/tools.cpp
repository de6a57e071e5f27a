// The CLI's Kafka tools. See tools.hpp for the invariants.
#include "cli/tools.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>
#include <tuple>

#include "daemon/config.hpp"
#include "kafka/client.hpp"
#include "kafka/headers.hpp"
#include "pipeline/text/time.hpp"
#include "wirefeed/v1/story.pb.h"

namespace wirefeed::cli {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr int kMetadataTimeoutMs = 10000;

std::string lossy_utf8(const void* data, std::size_t size) {
  std::string s(static_cast<const char*>(data), data != nullptr ? size : 0);
  return json(s).dump(-1, ' ', false, json::error_handler_t::replace);  // a JSON string literal
}

std::string time_ms_rfc3339(int64_t ms) {
  const auto secs = std::chrono::sys_seconds(std::chrono::seconds(ms / 1000));
  std::string t = pipeline::text::format_rfc3339(secs);  // "...Z"
  if (!t.empty() && t.back() == 'Z') {
    std::array<char, 8> frac{};
    std::snprintf(frac.data(), frac.size(), ".%03d", static_cast<int>(ms % 1000));
    t.insert(t.size() - 1, frac.data());
  }
  return t;
}

using PartitionOffsets = std::map<std::pair<std::string, int32_t>, int64_t>;

// Reads `topics` from `start` and calls `on` for each message (false from `on` stops). Without
// `follow` it stops at the end each partition had when the read started. `floors`: partitions
// that must be read from no later than the given offset whatever `start` resolves to.
void scan(const kafka::Properties& props, const std::vector<std::string>& topics,
          StartPosition start, bool follow,
          const std::function<bool(const rd_kafka_message_t&)>& on,
          const PartitionOffsets& floors = {}) {
  kafka::Properties p = props;
  p["group.id"] = "wirefeed-cli";  // never subscribes, never commits
  p["enable.auto.commit"] = "false";
  p["enable.auto.offset.store"] = "false";
  p["enable.partition.eof"] = "true";
  p["auto.offset.reset"] = "earliest";
  const kafka::KafkaHandle rk = kafka::make_client(RD_KAFKA_CONSUMER, kafka::make_conf(p));

  kafka::PartitionListHandle list(rd_kafka_topic_partition_list_new(8));
  for (const std::string& topic : topics) {
    const rd_kafka_metadata_t* raw = nullptr;
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk.get(), topic.c_str(), nullptr);
    const rd_kafka_resp_err_t err = rd_kafka_metadata(rk.get(), 0, rkt, &raw, kMetadataTimeoutMs);
    rd_kafka_topic_destroy(rkt);
    const kafka::MetadataHandle md(raw);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw std::runtime_error("cannot read metadata of '" + topic + "': " + rd_kafka_err2str(err));
    }
    if (md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR ||
        md->topics[0].partition_cnt == 0) {
      throw std::runtime_error("topic '" + topic + "' does not exist");
    }
    for (int i = 0; i < md->topics[0].partition_cnt; ++i) {
      rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), md->topics[0].partitions[i].id)
          ->offset = start.value;
    }
  }
  if (start.is_time) {
    const rd_kafka_resp_err_t err =
        rd_kafka_offsets_for_times(rk.get(), list.get(), kMetadataTimeoutMs);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw std::runtime_error(std::string("cannot find offsets for --from time: ") +
                               rd_kafka_err2str(err));
    }
    for (int i = 0; i < list->cnt; ++i) {
      if (list->elems[i].offset < 0) list->elems[i].offset = RD_KAFKA_OFFSET_END;  // none newer
    }
  }
  for (int i = 0; i < list->cnt; ++i) {
    auto& e = list->elems[i];
    const auto f = floors.find({e.topic, e.partition});
    if (f != floors.end() && (e.offset < 0 || f->second < e.offset)) e.offset = f->second;
  }
  // Without --follow: the partitions that still have something to read, and where they end.
  std::map<std::pair<std::string, int32_t>, int64_t> open;
  for (int i = 0; i < list->cnt; ++i) {
    const auto& e = list->elems[i];
    int64_t lo = 0, hi = 0;
    if (rd_kafka_query_watermark_offsets(rk.get(), e.topic, e.partition, &lo, &hi,
                                         kMetadataTimeoutMs) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw std::runtime_error(std::string("cannot read the offsets of ") + e.topic);
    }
    const int64_t from = e.offset == RD_KAFKA_OFFSET_BEGINNING ? lo
                         : e.offset == RD_KAFKA_OFFSET_END     ? hi
                                                               : e.offset;
    if (from < hi) open[{e.topic, e.partition}] = hi;
  }
  if (!follow && open.empty()) return;
  if (const rd_kafka_resp_err_t err = rd_kafka_assign(rk.get(), list.get()); err) {
    throw std::runtime_error(std::string("assign: ") + rd_kafka_err2str(err));
  }
  auto last_progress = Clock::now();
  while (follow || !open.empty()) {
    const kafka::MessageHandle m(rd_kafka_consumer_poll(rk.get(), 200));
    if (!m) {
      if (!follow && Clock::now() - last_progress > std::chrono::seconds(15)) {
        spdlog::warn("no progress for 15 s; stopping before the end of {} partition(s)",
                     open.size());
        break;
      }
      continue;
    }
    last_progress = Clock::now();
    const std::pair<std::string, int32_t> key{rd_kafka_topic_name(m->rkt), m->partition};
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      open.erase(key);
      continue;
    }
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      spdlog::warn("{}[{}]: {}", key.first, key.second, rd_kafka_message_errstr(m.get()));
      continue;
    }
    if (!follow) {
      const auto it = open.find(key);
      if (it == open.end()) continue;  // already at its end
      const int64_t end = it->second;  // read before erase() invalidates `it`
      if (m->offset >= end - 1) open.erase(it);
      if (m->offset >= end) continue;
    }
    if (!on(*m)) break;
  }
  rd_kafka_consumer_close(rk.get());
}

// The dead letters read from the dead-letter topic.
struct DeadLetterEntry {
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = 0;
  v1::DeadLetter letter;
  std::string name;  // "<topic>/<partition>/<offset>", the redrive mark
};

// What earlier redrives left on the input topics: the dead letters they re-produced (the
// kRedriveHeader values) and where the re-produced copies landed (a dead letter of such a copy
// failed again after a redrive).
struct RedriveMarks {
  std::set<std::string> redriven;                              // dead letter names
  std::set<std::tuple<std::string, int32_t, int64_t>> copies;  // topic, partition, offset
};

// A redriven copy is produced after its dead letter and dead-lettered again within processing
// time; the scan of the input topics starts this long before the oldest dead letter considered
// and, in each partition, no later than the oldest original considered there (a copy keeps its
// original's key, so it lands in the same partition after it; this bound also holds where the
// broker cannot look offsets up by time).
constexpr int64_t kRedriveScanMarginMs = 10 * 60 * 1000;

RedriveMarks redrive_marks(const kafka::Properties& props, const std::set<std::string>& topics,
                           int64_t since_ms, const PartitionOffsets& originals) {
  RedriveMarks marks;
  if (topics.empty()) return marks;
  scan(
      props, {topics.begin(), topics.end()},
      StartPosition{true, std::max<int64_t>(since_ms - kRedriveScanMarginMs, 0)}, false,
      [&](const rd_kafka_message_t& m) {
        if (const auto v = kafka::last_header(&m, kRedriveHeader)) {
          marks.redriven.emplace(*v);
          marks.copies.emplace(rd_kafka_topic_name(m.rkt), m.partition, m.offset);
        }
        return true;
      },
      originals);
  return marks;
}

std::string truncate_text(std::string s, std::size_t n) {
  if (s.size() <= n) return s;
  std::size_t cut = n - 3;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0u) == 0x80u) --cut;
  return s.substr(0, cut) + "...";
}

}  // namespace

bool common_option(const std::vector<std::string>& args, std::size_t& i, CommonArgs& c) {
  if (args[i] == "--config" && i + 1 < args.size()) {
    c.config_file = args[++i];
    return true;
  }
  if (args[i] == "--brokers" && i + 1 < args.size()) {
    c.brokers = args[++i];
    return true;
  }
  return false;
}

Connection connect_settings(const CommonArgs& c) {
  Connection conn;
  if (!c.config_file.empty()) conn.config = daemon::load_config(c.config_file);
  if (!c.brokers.empty()) conn.config.kafka.brokers = c.brokers;
  if (conn.config.kafka.brokers == "embedded" || conn.config.kafka.brokers.empty()) {
    throw std::runtime_error(
        "no brokers: pass --brokers HOST:PORT or --config FILE naming kafka.brokers (the "
        "embedded broker lives inside a running daemon and prints its address at start)");
  }
  const kafka::Properties base{{"bootstrap.servers", conn.config.kafka.brokers},
                               {"client.id", "wirefeed-cli"}};
  conn.props = kafka::merge({&base, &conn.config.kafka.properties});
  return conn;
}

std::optional<StartPosition> parse_start(std::string_view text,
                                         std::chrono::system_clock::time_point now) {
  if (text == "beginning") return StartPosition{false, RD_KAFKA_OFFSET_BEGINNING};
  if (text == "end") return StartPosition{false, RD_KAFKA_OFFSET_END};
  std::chrono::sys_seconds t;
  if (pipeline::text::parse_rfc3339(text, t)) {
    return StartPosition{
        true, std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count()};
  }
  if (const auto ago = daemon::parse_duration(text, std::chrono::seconds(1))) {
    const auto at =
        std::chrono::duration_cast<std::chrono::milliseconds>((now - *ago).time_since_epoch());
    return StartPosition{true, std::max<int64_t>(at.count(), 0)};
  }
  return std::nullopt;
}

std::string kind_of_schema(std::optional<std::string_view> schema) {
  if (!schema) return "raw";
  if (*schema == "wirefeed.v1.Story") return "story";
  if (*schema == "wirefeed.v1.DuplicateNotice") return "duplicate";
  if (*schema == "wirefeed.v1.DeadLetter") return "dead_letter";
  if (*schema == "wirefeed.v1.DedupState" || *schema == "wirefeed.v1.DedupStateBatch") {
    return "dedup_state";
  }
  if (*schema == "wirefeed.v1.ChromeSightingBatch") return "chrome_state";
  return "unknown";
}

std::optional<std::string> parse_reason(std::string_view text) {
  std::string up;
  for (const char c : text)
    up.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  if (up.rfind("DEAD_LETTER_REASON_", 0) != 0) up = "DEAD_LETTER_REASON_" + up;
  v1::DeadLetterReason r{};
  if (!v1::DeadLetterReason_Parse(up, &r)) return std::nullopt;
  return up;
}

std::string message_json(const rd_kafka_message_t& m) {
  json j;
  j["topic"] = rd_kafka_topic_name(m.rkt);
  j["partition"] = m.partition;
  j["offset"] = m.offset;
  rd_kafka_timestamp_type_t tstype{};
  const int64_t ts = rd_kafka_message_timestamp(&m, &tstype);
  if (ts >= 0) j["timestamp"] = time_ms_rfc3339(ts);
  j["key"] = json::parse(lossy_utf8(m.key, m.key_len));
  json headers = json::object();
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(&m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0;
         rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      headers[name] = json::parse(lossy_utf8(value, size));
    }
  }
  j["headers"] = headers;
  const std::optional<std::string_view> schema = kafka::last_header(&m, kafka::kSchemaHeader);
  const std::string kind = kind_of_schema(schema);
  j["kind"] = kind;
  if (kind == "raw" || kind == "unknown") {
    j["value"] = json::parse(lossy_utf8(m.payload, m.len));
  } else {
    v1::Record anchor;  // links the generated descriptors into the pool
    const auto* desc = google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
        std::string(*schema));
    if (desc == nullptr) throw std::runtime_error("unknown schema " + std::string(*schema));
    google::protobuf::DynamicMessageFactory factory;
    std::unique_ptr<google::protobuf::Message> msg(factory.GetPrototype(desc)->New());
    if (!msg->ParseFromArray(m.payload, static_cast<int>(m.len))) {
      throw std::runtime_error(std::string(rd_kafka_topic_name(m.rkt)) + "[" +
                               std::to_string(m.partition) + "]@" + std::to_string(m.offset) +
                               ": not a valid " + std::string(*schema));
    }
    std::string text;
    google::protobuf::util::JsonPrintOptions opts;
    opts.preserve_proto_field_names = true;
    (void)google::protobuf::util::MessageToJsonString(*msg, &text, opts);
    j["value"] = json::parse(text);
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool matches_filters(const std::string& line, const std::vector<std::string>& filters) {
  if (filters.empty()) return true;
  const json j = json::parse(line);
  for (const std::string& f : filters) {
    const auto eq = f.find('=');
    const std::string path = f.substr(0, eq);
    const std::string want = eq == std::string::npos ? "" : f.substr(eq + 1);
    const json* at = &j;
    std::size_t from = 0;
    while (at != nullptr && from <= path.size()) {
      const auto dot = path.find('.', from);
      const std::string part = path.substr(from, dot == std::string::npos ? dot : dot - from);
      at = at->is_object() && at->contains(part) ? &(*at)[part] : nullptr;
      if (dot == std::string::npos) break;
      from = dot + 1;
    }
    if (at == nullptr) return false;
    const std::string have = at->is_string() ? at->get<std::string>() : at->dump();
    if (have != want) return false;
  }
  return true;
}

constexpr const char* kTailUsage =
    "usage: wirefeed tail TOPIC... [--config FILE | --brokers HOST:PORT] [--from "
    "beginning|end|TIME]\n"
    "                     [--follow] [--filter PATH=VALUE]... [--max N]\n"
    "  Print each record of the topics as one JSON line, decoded by its wirefeed-schema header\n"
    "  (raw inputs as a string). --from: beginning (default), end, an RFC 3339 time or a\n"
    "  duration ago (15m). Without --follow it stops at the end the topics had at start.\n"
    "  --filter kind=story|duplicate|dead_letter|dedup_state|chrome_state|raw, or any dotted\n"
    "  path of the line, e.g. value.kind=DUPLICATE_KIND_NEAR; several filters must all match.\n";

int cmd_tail(const std::vector<std::string>& args) {
  CommonArgs common;
  std::vector<std::string> topics, filters;
  std::string from = "beginning";
  bool follow = false;
  std::optional<std::size_t> max;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (common_option(args, i, common)) continue;
    if (a == "--help" || a == "-h") {
      std::cout << kTailUsage;
      return 0;
    } else if (a == "--follow" || a == "-f") {
      follow = true;
    } else if (a == "--from" && i + 1 < args.size()) {
      from = args[++i];
    } else if (a == "--filter" && i + 1 < args.size()) {
      filters.push_back(args[++i]);
    } else if (a == "--max" && i + 1 < args.size()) {
      max = std::stoull(args[++i]);
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "wirefeed tail: unknown option " << a << '\n' << kTailUsage;
      return 2;
    } else {
      topics.push_back(a);
    }
  }
  if (topics.empty()) {
    std::cerr << "wirefeed tail: name at least one topic\n" << kTailUsage;
    return 2;
  }
  const auto start = parse_start(from, std::chrono::system_clock::now());
  if (!start) {
    std::cerr << "wirefeed tail: --from: not beginning, end, an RFC 3339 time or a duration: "
              << from << '\n';
    return 2;
  }
  const Connection conn = connect_settings(common);
  std::size_t printed = 0;
  int bad = 0;
  scan(conn.props, topics, *start, follow, [&](const rd_kafka_message_t& m) {
    std::string line;
    try {
      line = message_json(m);
    } catch (const std::exception& e) {
      std::cerr << "wirefeed tail: " << e.what() << '\n';
      ++bad;
      return true;
    }
    if (!matches_filters(line, filters)) return true;
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);  // a pipe reader (jq, grep) sees each record as it arrives
    return !max || ++printed < *max;
  });
  return bad > 0 ? 1 : 0;
}

constexpr const char* kDlqUsage =
    "usage: wirefeed dlq list    [--config FILE | --brokers HOST:PORT] [--topic T] [--reason R]\n"
    "                            [--since TIME]\n"
    "       wirefeed dlq redrive [--config FILE | --brokers HOST:PORT] [--topic T] [--reason R]\n"
    "                            [--since TIME] [--rate N] [--dry-run]\n"
    "  list: dead letters grouped by reason, with counts, times and samples.\n"
    "  redrive: re-produce each dead letter's original to its input topic with its key and\n"
    "  content-type, marked with the header wirefeed-redrive-of; a dead letter redriven before\n"
    "  is skipped, as are one whose original was truncated and the dead letter of a redriven\n"
    "  copy (it failed again). --rate: messages per second.\n"
    "  The topic is output.dead_letter_topic of --config (default wire.deadletter). --reason:\n"
    "  e.g. TOO_LARGE; --since: an RFC 3339 time or a duration ago (24h).\n";

int cmd_dlq(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    (args.empty() ? std::cerr : std::cout) << kDlqUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string action = args[0];
  if (action != "list" && action != "redrive") {
    std::cerr << "wirefeed dlq: unknown action " << action << '\n' << kDlqUsage;
    return 2;
  }
  CommonArgs common;
  std::string topic, since = "beginning";
  std::optional<std::string> reason;
  double rate = 0;
  bool dry_run = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (common_option(args, i, common)) continue;
    if (a == "--help" || a == "-h") {
      std::cout << kDlqUsage;
      return 0;
    } else if (a == "--topic" && i + 1 < args.size()) {
      topic = args[++i];
    } else if (a == "--reason" && i + 1 < args.size()) {
      reason = parse_reason(args[++i]);
      if (!reason) {
        std::cerr << "wirefeed dlq: --reason: no such dead-letter reason: " << args[i] << '\n';
        return 2;
      }
    } else if (a == "--since" && i + 1 < args.size()) {
      since = args[++i];
    } else if (a == "--rate" && i + 1 < args.size()) {
      rate = std::stod(args[++i]);
    } else if (a == "--dry-run" && action == "redrive") {
      dry_run = true;
    } else {
      std::cerr << "wirefeed dlq " << action << ": unknown argument " << a << '\n' << kDlqUsage;
      return 2;
    }
  }
  const auto start = parse_start(since, std::chrono::system_clock::now());
  if (!start) {
    std::cerr << "wirefeed dlq: --since: not an RFC 3339 time or a duration: " << since << '\n';
    return 2;
  }
  const Connection conn = connect_settings(common);
  if (topic.empty()) topic = conn.config.output.dead_letter_topic;

  std::vector<DeadLetterEntry> entries;
  scan(conn.props, {topic}, *start, false, [&](const rd_kafka_message_t& m) {
    DeadLetterEntry e;
    e.partition = m.partition;
    e.offset = m.offset;
    rd_kafka_timestamp_type_t tstype{};
    e.timestamp_ms = rd_kafka_message_timestamp(&m, &tstype);
    if (!e.letter.ParseFromArray(m.payload, static_cast<int>(m.len))) {
      spdlog::warn("{}[{}]@{}: not a DeadLetter; skipped", topic, m.partition, m.offset);
      return true;
    }
    if (reason && v1::DeadLetterReason_Name(e.letter.reason()) != *reason) return true;
    e.name = topic + "/" + std::to_string(m.partition) + "/" + std::to_string(m.offset);
    entries.push_back(std::move(e));
    return true;
  });
  std::set<std::string> inputs;
  PartitionOffsets originals;  // per input partition, the oldest original considered
  int64_t oldest = std::numeric_limits<int64_t>::max();
  for (const auto& e : entries) {
    const v1::SourceRef& s = e.letter.source();
    if (!s.topic().empty()) {
      inputs.insert(s.topic());
      const auto [it, added] = originals.try_emplace({s.topic(), s.partition()}, s.offset());
      if (!added) it->second = std::min(it->second, s.offset());
    }
    oldest = std::min(oldest, e.timestamp_ms);
  }
  const RedriveMarks marks =
      entries.empty() ? RedriveMarks{} : redrive_marks(conn.props, inputs, oldest, originals);
  // A dead letter of a message an earlier redrive produced: it failed again.
  auto failed_again = [&](const DeadLetterEntry& e) {
    const v1::SourceRef& s = e.letter.source();
    return marks.copies.count({s.topic(), s.partition(), s.offset()}) != 0;
  };

  if (action == "list") {
    struct Group {
      std::size_t count = 0, redriven = 0, again = 0;
      int64_t first = 0, last = 0;
      std::vector<const DeadLetterEntry*> samples;
    };
    std::map<std::string, Group> groups;
    for (const auto& e : entries) {
      Group& g = groups[v1::DeadLetterReason_Name(e.letter.reason())];
      if (g.count++ == 0) g.first = e.timestamp_ms;
      g.last = e.timestamp_ms;
      g.redriven += marks.redriven.count(e.name);
      g.again += failed_again(e) ? 1 : 0;
      if (g.samples.size() < 3) g.samples.push_back(&e);
    }
    std::cout << entries.size() << " dead letter(s) on " << topic << '\n';
    for (const auto& [name, g] : groups) {
      std::cout << name << ": " << g.count << " (" << g.redriven << " redriven, " << g.again
                << " failed again after a redrive), " << time_ms_rfc3339(g.first) << " .. "
                << time_ms_rfc3339(g.last) << '\n';
      for (const DeadLetterEntry* e : g.samples) {
        const v1::SourceRef& s = e->letter.source();
        std::cout << "  " << e->name << "  from " << (s.topic().empty() ? "?" : s.topic()) << "["
                  << s.partition() << "]@" << s.offset() << " key=" << s.key() << "  "
                  << truncate_text(e->letter.message(), 120) << '\n';
      }
    }
    return 0;
  }

  // redrive
  kafka::Properties pprops = conn.props;
  pprops["enable.idempotence"] = "true";
  kafka::ConfHandle pconf = kafka::make_conf(pprops);
  std::atomic<int> failed{0};
  rd_kafka_conf_set_opaque(pconf.get(), &failed);
  rd_kafka_conf_set_dr_msg_cb(
      pconf.get(), [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
        if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
          static_cast<std::atomic<int>*>(opaque)->fetch_add(1);
          spdlog::error("redrive to {}: {}", rd_kafka_topic_name(m->rkt), rd_kafka_err2str(m->err));
        }
      });
  kafka::KafkaHandle producer;
  if (!dry_run) producer = kafka::make_client(RD_KAFKA_PRODUCER, std::move(pconf));
  std::size_t sent = 0, already = 0, again = 0, truncated = 0, no_topic = 0;
  const auto t0 = Clock::now();
  for (const auto& e : entries) {
    const v1::DeadLetter& dl = e.letter;
    if (marks.redriven.count(e.name) != 0) {
      ++already;
      continue;
    }
    if (failed_again(e)) {  // redriving it again would loop; the operator looks at it instead
      ++again;
      std::cerr << "skip " << e.name << ": failed again after a redrive (" << dl.message() << ")\n";
      continue;
    }
    if (dl.source().topic().empty()) {
      ++no_topic;
      std::cerr << "skip " << e.name << ": no input topic recorded\n";
      continue;
    }
    if (dl.original_truncated()) {
      ++truncated;
      std::cerr << "skip " << e.name << ": original truncated to " << dl.original().size() << " of "
                << dl.original_size() << " bytes (raise output.dead_letter_max_bytes)\n";
      continue;
    }
    std::cout << (dry_run ? "would redrive " : "redrive ") << e.name << " -> "
              << dl.source().topic() << " key=" << dl.source().key() << " ("
              << v1::DeadLetterReason_Name(dl.reason()) << ", " << dl.original().size()
              << " bytes)\n";
    if (dry_run) {
      ++sent;
      continue;
    }
    if (rate > 0) {
      const auto due = t0 + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(static_cast<double>(sent) / rate));
      std::this_thread::sleep_until(due);
    }
    rd_kafka_headers_t* hdrs = rd_kafka_headers_new(2);
    if (!dl.source().content_type().empty()) {
      rd_kafka_header_add(hdrs, "content-type", -1, dl.source().content_type().data(),
                          static_cast<ssize_t>(dl.source().content_type().size()));
    }
    rd_kafka_header_add(hdrs, kRedriveHeader, -1, e.name.data(),
                        static_cast<ssize_t>(e.name.size()));
    const std::string& key = dl.source().key();
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    for (;;) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"  // RD_KAFKA_V_* macros
#pragma GCC diagnostic ignored "-Wpedantic"        // clang: their GNU statement expressions
      err = rd_kafka_producev(
          producer.get(), RD_KAFKA_V_TOPIC(dl.source().topic().c_str()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_VALUE(const_cast<char*>(dl.original().data()), dl.original().size()),
          RD_KAFKA_V_KEY(key.empty() ? nullptr : key.data(), key.size()), RD_KAFKA_V_HEADERS(hdrs),
          RD_KAFKA_V_END);
#pragma GCC diagnostic pop
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
      rd_kafka_poll(producer.get(), 100);
    }
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_headers_destroy(hdrs);  // not owned by a message
      ++failed;
      spdlog::error("redrive {}: {}", e.name, rd_kafka_err2str(err));
      continue;
    }
    ++sent;
    rd_kafka_poll(producer.get(), 0);
  }
  if (producer) {
    const rd_kafka_resp_err_t err = rd_kafka_flush(producer.get(), 30000);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      spdlog::error("redrive: flush: {}", rd_kafka_err2str(err));
      ++failed;
    }
  }
  std::cout << (dry_run ? "would redrive " : "redriven ") << sent << " of " << entries.size()
            << " dead letter(s); skipped " << already << " already redriven, " << again
            << " failed again after a redrive, " << truncated << " truncated, " << no_topic
            << " without input topic";
  if (failed.load() > 0) std::cout << "; " << failed.load() << " FAILED";
  std::cout << '\n';
  return failed.load() > 0 ? 1 : 0;
}

namespace {

std::string kind_name(v1::DuplicateKind k) {
  std::string n = v1::DuplicateKind_Name(k);  // DUPLICATE_KIND_EXACT -> EXACT
  return n.rfind("DUPLICATE_KIND_", 0) == 0 ? n.substr(15) : n;
}

std::string related_name(v1::RelatedWhy w) {
  std::string n = v1::RelatedWhy_Name(w);  // RELATED_WHY_SAME_EVENT -> SAME_EVENT
  return n.rfind("RELATED_WHY_", 0) == 0 ? n.substr(12) : n;
}

std::string fixed2(double v) {
  std::array<char, 32> b{};
  std::snprintf(b.data(), b.size(), "%.2f", v);
  return b.data();
}

// A story's doubt link to `other`, as "related" from either side.
WhyLink related_link(const v1::RelatedStory& r, const std::string& other, const std::string& text) {
  WhyLink l;
  l.relation = "related";
  l.other_id = other;
  l.similarity = r.similarity();
  l.decision = text + " (" + related_name(r.why()) + ", similarity " + fixed2(r.similarity()) + ")";
  if (r.has_evidence()) l.evidence = r.evidence();
  return l;
}

}  // namespace

std::string evidence_text(const v1::DedupEvidence& e) {
  std::string out = "rule " + (e.rule().empty() ? std::string("?") : e.rule()) + ", similarity " +
                    fixed2(e.similarity());
  const std::array<std::pair<const char*, uint32_t>, 9> counts{{
      {"tickers matched", e.tickers_matched()},
      {"tickers only this", e.tickers_only_this()},
      {"tickers only other", e.tickers_only_other()},
      {"names matched", e.names_matched()},
      {"names only this", e.names_only_this()},
      {"names only other", e.names_only_other()},
      {"facts matched", e.facts_matched()},
      {"facts only this", e.facts_only_this()},
      {"facts only other", e.facts_only_other()},
  }};
  for (const auto& [name, n] : counts) {
    if (n != 0) out.append(", ").append(name).append(" ").append(std::to_string(n));
  }
  return out;
}

std::vector<WhyLink> why_links(const v1::Record& record, std::string_view id) {
  std::vector<WhyLink> links;
  if (id.empty()) return links;
  if (record.has_story()) {
    const v1::Story& s = record.story();
    const v1::StoryVersion& v = s.version();
    if (s.id() == id) {
      WhyLink l;
      l.relation = "story";
      l.decision = "published";
      if (v.canceled()) {
        l.decision += " as a kill of " + (v.supersedes().empty() ? "its family" : v.supersedes());
        l.other_id = v.supersedes();
      } else if (!v.supersedes().empty()) {
        l.decision +=
            " as version " + std::to_string(v.number()) + ", superseding " + v.supersedes();
        l.other_id = v.supersedes();
      }
      links.push_back(std::move(l));
      for (const v1::RelatedStory& r : s.related()) {
        links.push_back(
            related_link(r, r.story_id(), "published, linked as related to " + r.story_id()));
      }
      return links;
    }
    if (!v.supersedes().empty() && v.supersedes() == id) {
      WhyLink l;
      l.relation = "newer_version";
      l.other_id = s.id();
      l.decision = v.canceled() ? "published " + s.id() + ", a kill withdrawing it"
                                : "published " + s.id() + " as version " +
                                      std::to_string(v.number()) + ", superseding it";
      links.push_back(std::move(l));
    }
    for (const v1::RelatedStory& r : s.related()) {
      if (r.story_id() == id) {
        links.push_back(
            related_link(r, s.id(), "published " + s.id() + ", linked to it as related"));
      }
    }
    return links;
  }
  if (record.has_duplicate()) {
    const v1::DuplicateNotice& d = record.duplicate();
    const auto evidence = [&](WhyLink& l) {
      l.similarity = d.similarity();
      if (d.has_evidence()) l.evidence = d.evidence();
    };
    if (d.id() == id) {
      WhyLink l;
      l.relation = "suppressed";
      l.other_id = d.duplicate_of();
      l.decision = "suppressed as " + kind_name(d.kind()) + " duplicate of " + d.duplicate_of();
      evidence(l);
      links.push_back(std::move(l));
    } else if (d.duplicate_of() == id) {
      WhyLink l;
      l.relation = "copy";
      l.other_id = d.id();
      l.decision = "suppressed " + d.id() + " as " + kind_name(d.kind()) + " duplicate of it";
      evidence(l);
      links.push_back(std::move(l));
    }
  }
  return links;
}

constexpr const char* kWhyUsage =
    "usage: wirefeed why STORY_ID [--config FILE | --brokers HOST:PORT] [--since TIME] [--json]\n"
    "  The story's family: every record on the stories and duplicates topics (output.* of\n"
    "  --config) whose id is STORY_ID, every duplicate notice naming it, every story superseding\n"
    "  it or linking to it as related, each with the dedup decision and its evidence. Reads from\n"
    "  the beginning (or --since: an RFC 3339 time or a duration ago, 24h) to the current end.\n"
    "  --json prints one JSON document. Exit 1 when STORY_ID appears nowhere.\n";

int cmd_why(const std::vector<std::string>& args) {
  CommonArgs common;
  std::string id, since = "beginning";
  bool as_json = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (common_option(args, i, common)) continue;
    if (a == "--help" || a == "-h") {
      std::cout << kWhyUsage;
      return 0;
    } else if (a == "--since" && i + 1 < args.size()) {
      since = args[++i];
    } else if (a == "--json") {
      as_json = true;
    } else if ((!a.empty() && a[0] == '-') || !id.empty()) {
      std::cerr << "wirefeed why: unexpected argument " << a << '\n' << kWhyUsage;
      return 2;
    } else {
      id = a;
    }
  }
  if (id.empty()) {
    std::cerr << "wirefeed why: name a story id (wf-...)\n" << kWhyUsage;
    return 2;
  }
  const auto start = parse_start(since, std::chrono::system_clock::now());
  if (!start) {
    std::cerr << "wirefeed why: --since: not beginning, an RFC 3339 time or a duration: " << since
              << '\n';
    return 2;
  }
  const Connection conn = connect_settings(common);
  const std::vector<std::string> topics{conn.config.output.stories_topic,
                                        conn.config.output.duplicates_topic};

  // Only the records that relate to `id` are kept: the topics may be large.
  struct Found {
    std::string topic;
    int32_t partition = 0;
    int64_t offset = 0;
    int64_t timestamp_ms = -1;
    v1::Record record;
    std::vector<WhyLink> links;
  };
  std::vector<Found> found;
  std::size_t read = 0, undecodable = 0;
  v1::Record rec;
  scan(conn.props, topics, *start, false, [&](const rd_kafka_message_t& m) {
    ++read;
    const std::string kind = kind_of_schema(kafka::last_header(&m, kafka::kSchemaHeader));
    rec.Clear();
    bool ok = false;
    if (kind == "story") {
      ok = rec.mutable_story()->ParseFromArray(m.payload, static_cast<int>(m.len));
    } else if (kind == "duplicate") {
      ok = rec.mutable_duplicate()->ParseFromArray(m.payload, static_cast<int>(m.len));
    } else {
      return true;  // another encoding (a route's JSON or ninjs) or another kind: not decoded
    }
    if (!ok) {
      ++undecodable;
      return true;
    }
    std::vector<WhyLink> links = why_links(rec, id);
    if (links.empty()) return true;
    Found f;
    f.topic = rd_kafka_topic_name(m.rkt);
    f.partition = m.partition;
    f.offset = m.offset;
    rd_kafka_timestamp_type_t tstype{};
    f.timestamp_ms = rd_kafka_message_timestamp(&m, &tstype);
    f.record = rec;
    f.links = std::move(links);
    found.push_back(std::move(f));
    return true;
  });
  if (undecodable > 0) {
    std::cerr << "wirefeed why: " << undecodable << " record(s) did not parse as their schema\n";
  }
  // Oldest first across both topics: the order the decisions were made in.
  std::stable_sort(found.begin(), found.end(),
                   [](const Found& a, const Found& b) { return a.timestamp_ms < b.timestamp_ms; });
  const std::string where = topics[0] + " and " + topics[1];
  if (found.empty()) {
    if (as_json) {
      std::cout
          << json{{"id", id}, {"found", false}, {"topics", topics}, {"records_read", read}}.dump()
          << '\n';
    }
    std::cerr << "wirefeed why: " << id << " appears nowhere on " << where << " (" << read
              << " record(s) read"
              << (since == "beginning" ? " from the beginning" : " since " + since)
              << "); older records may have expired (retention), or the id is mistyped\n";
    return 1;
  }

  auto evidence_json = [](const v1::DedupEvidence& e) {
    std::string text;
    google::protobuf::util::JsonPrintOptions opts;
    opts.preserve_proto_field_names = true;
    opts.always_print_primitive_fields = true;  // every count, zero included: a stable shape
    (void)google::protobuf::util::MessageToJsonString(e, &text, opts);
    return json::parse(text);
  };
  if (as_json) {
    json records = json::array();
    for (const Found& f : found) {
      json r;
      r["topic"] = f.topic;
      r["partition"] = f.partition;
      r["offset"] = f.offset;
      if (f.timestamp_ms >= 0) r["timestamp"] = time_ms_rfc3339(f.timestamp_ms);
      if (f.record.has_story()) {
        const v1::Story& s = f.record.story();
        r["kind"] = "story";
        r["id"] = s.id();
        r["headline"] = s.headline();
        r["agency"] = s.source().agency();
        if (!s.version().family().empty()) r["family"] = s.version().family();
      } else {
        const v1::DuplicateNotice& d = f.record.duplicate();
        r["kind"] = "duplicate";
        r["id"] = d.id();
        r["duplicate_of"] = d.duplicate_of();
        r["duplicate_kind"] = kind_name(d.kind());
        r["headline"] = d.headline();
        r["agency"] = d.source().agency();
      }
      json links = json::array();
      for (const WhyLink& l : f.links) {
        json lj{{"relation", l.relation}, {"decision", l.decision}};
        if (!l.other_id.empty()) lj["other_id"] = l.other_id;
        if (l.similarity != 0) lj["similarity"] = l.similarity;
        if (l.evidence) lj["evidence"] = evidence_json(*l.evidence);
        links.push_back(std::move(lj));
      }
      r["links"] = std::move(links);
      records.push_back(std::move(r));
    }
    const json doc{{"id", id}, {"found", true}, {"topics", topics}, {"records", records}};
    std::cout << doc.dump(2, ' ', false, json::error_handler_t::replace) << '\n';
    return 0;
  }
  std::cout << id << ": " << found.size() << " record(s) on " << where << '\n';
  for (const Found& f : found) {
    const bool story = f.record.has_story();
    const std::string& rid = story ? f.record.story().id() : f.record.duplicate().id();
    const std::string& headline =
        story ? f.record.story().headline() : f.record.duplicate().headline();
    std::cout << '\n'
              << (f.timestamp_ms >= 0 ? time_ms_rfc3339(f.timestamp_ms) : std::string("-")) << "  "
              << f.topic << '[' << f.partition << "]@" << f.offset << "  "
              << (story ? "story " : "duplicate ") << rid << "  \"" << truncate_text(headline, 80)
              << "\"\n";
    for (const WhyLink& l : f.links) {
      std::cout << "  " << l.decision << '\n';
      if (l.evidence) std::cout << "    evidence: " << evidence_text(*l.evidence) << '\n';
    }
  }
  return 0;
}

}  // namespace wirefeed::cli
