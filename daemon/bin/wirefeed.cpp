// wirefeed: the command-line tool. `process` runs the daemon's pipeline offline (files in,
// JSON records out, no Kafka); `decode` turns one binary record from a topic into JSON; `tail`,
// `dlq` and `why` read (and redrive) records on Kafka (cli/tools.hpp); `topics plan` lists (and
// creates) the topics a config needs (cli/topics.hpp).
//
// Invariants:
// - `process` builds its pipeline as the daemon does (pipeline::make_pipeline); with
//   `--config FILE` from the same settings (daemon pipeline_settings: input.max_bytes,
//   output.dead_letter_max_bytes, dedup.*, clean.rules_file), so the same input gives the same
//   records as a daemon running with that file (I-7).
// - Inputs are read in a deterministic order (arguments in order; directories sorted by name).
// - `process` reads with large stdio blocks and writes every record into one reused buffer
//   flushed in large blocks (no iostream on the per-story path); a line is handed to the
//   Processor in one reused InputMessage.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/tools.hpp"
#include "cli/topics.hpp"
#include "daemon/config.hpp"
#include "pipeline/clean_rules.hpp"
#include "pipeline/decode.hpp"
#include "pipeline/dedup_explain.hpp"
#include "pipeline/encode.hpp"
#include "pipeline/ninjs_encode.hpp"
#include "pipeline/processor.hpp"
#include "pipeline/router.hpp"
#include "wirefeed/v1/story.pb.h"

namespace {

namespace fs = std::filesystem;
using namespace wirefeed;

constexpr const char* kUsage =
    "usage:\n"
    "  wirefeed process [--config FILE] [--jsonl] [--received-at RFC3339] [--max-bytes N]\n"
    "                   [--rules FILE] [--explain] [--no-learn] [--encoding ninjs[-2|-3]]\n"
    "                   [FILE|DIR|-]...\n"
    "      Clean and deduplicate stories offline; print one Record per input as JSON.\n"
    "      --encoding ninjs prints each record as one IPTC ninjs object instead (3.x; ninjs-2\n"
    "      for 2.x), as a route with that encoding publishes it.\n"
    "      A FILE is one story (raw text or a JSON envelope); with --jsonl each line is one.\n"
    "      --config reads the daemon's config.yaml and uses its input.max_bytes,\n"
    "      output.dead_letter_max_bytes, dedup and clean settings (the daemon's records);\n"
    "      --max-bytes and --rules override it.\n"
    "      --received-at sets the receive time used when an input has none (default: now).\n"
    "      --rules applies a newsroom cleaning-rules file on top of the embedded packs.\n"
    "      --explain follows each record with '#' lines: every span a rule removed or\n"
    "      extracted (field, rule id, text; a learned line with its story count), and the\n"
    "      routes (--config routes:) each record goes to, with topic and encoding.\n"
    "      Page chrome is learned per source from the inputs in order (--no-learn: off).\n"
    "  wirefeed chrome SOURCE [process options] [FILE|DIR|-]...\n"
    "      Learn page chrome from the inputs in order, as `process` does, and list the lines\n"
    "      tracked for SOURCE (the envelope source or agency): learned, seen, or blocked\n"
    "      (figures vary: templated copy), with the number of distinct stories.\n"
    "  wirefeed decode --type Story|DuplicateNotice|DeadLetter|Record < bytes\n"
    "      Print one binary wirefeed.v1 record (as published on a topic) as JSON; input that is\n"
    "      not exactly one record (e.g. several concatenated) is an error.\n"
    "  wirefeed tail TOPIC... [--config FILE | --brokers HOST:PORT] [--from beginning|end|TIME]\n"
    "                [--follow] [--filter PATH=VALUE]... [--max N]\n"
    "      Print each record of the topics as one JSON line (see wirefeed tail --help).\n"
    "  wirefeed dlq list|redrive [--config FILE | --brokers HOST:PORT] [--reason R] [--since T]\n"
    "                [--rate N] [--dry-run]\n"
    "      Dead letters by reason; re-produce their originals (see wirefeed dlq --help).\n"
    "  wirefeed --version | --help\n";

std::string read_all(std::istream& in) {
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f != nullptr && f != stdin) std::fclose(f);
  }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

constexpr std::size_t kBlock = 1u << 20;  // read and write block size

std::string read_all(std::FILE* in) {
  std::string data(64u << 10, '\0');
  std::size_t got = 0;
  while (true) {
    got += std::fread(data.data() + got, 1, data.size() - got, in);
    if (got < data.size()) break;  // end of file (or an error, checked by the caller)
    data.resize(data.size() * 2);
  }
  data.resize(got);
  return data;
}

// Calls `on_line(line)` for each '\n'-terminated line of `in` (and a last unterminated one), as
// std::getline would split it; the view is valid during the call only.
template <typename OnLine>
void for_each_line(std::FILE* in, OnLine&& on_line) {
  std::string buf(kBlock, '\0');
  std::size_t begin = 0, end = 0;  // unread bytes are buf[begin, end)
  bool eof = false;
  while (true) {
    const char* nl =
        begin < end ? static_cast<const char*>(std::memchr(buf.data() + begin, '\n', end - begin))
                    : nullptr;
    if (nl != nullptr) {
      const auto at = static_cast<std::size_t>(nl - buf.data());
      on_line(std::string_view(buf.data() + begin, at - begin));
      begin = at + 1;
      continue;
    }
    if (eof) {
      if (begin < end) on_line(std::string_view(buf.data() + begin, end - begin));
      return;
    }
    // Keep the partial line, grow for a line longer than the buffer, read more.
    if (begin > 0) {
      std::memmove(buf.data(), buf.data() + begin, end - begin);
      end -= begin;
      begin = 0;
    }
    if (end == buf.size()) buf.resize(buf.size() * 2);
    const std::size_t got = std::fread(buf.data() + end, 1, buf.size() - end, in);
    end += got;
    eof = got == 0;
  }
}

// Output buffer written to stdout in large blocks.
struct Output {
  std::string buf;
  void flush_if_full() {
    if (buf.size() >= kBlock) flush();
  }
  void flush() {
    if (!buf.empty() && std::fwrite(buf.data(), 1, buf.size(), stdout) != buf.size()) {
      throw std::runtime_error("cannot write to stdout");
    }
    buf.clear();
  }
};

void collect(const fs::path& p, std::vector<fs::path>& out) {
  if (fs::is_directory(p)) {
    std::vector<fs::path> entries;
    for (const auto& e : fs::recursive_directory_iterator(p)) {
      if (e.is_regular_file()) entries.push_back(e.path());
    }
    std::sort(entries.begin(), entries.end());
    out.insert(out.end(), entries.begin(), entries.end());
  } else {
    out.push_back(p);
  }
}

// `list_chrome`: the source whose learned page chrome `wirefeed chrome` lists instead of printing
// records ("" for `process`).
int cmd_process(const std::vector<std::string>& args, const std::string& list_chrome = {}) {
  bool jsonl = false;
  std::optional<std::size_t> max_bytes;
  std::string config_file;
  auto received_at = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  std::vector<fs::path> inputs;
  bool use_stdin = false;
  bool paths_given = false;  // FILE or DIR arguments (which may hold no file at all)
  bool explain = false;
  bool learn = true;
  std::string rules_file;
  std::optional<pipeline::NinjsVersion> ninjs;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--encoding" && i + 1 < args.size()) {
      const std::string e = args[++i];
      pipeline::NinjsVersion v{};
      if (e == "ninjs" ||
          (e.rfind("ninjs-", 0) == 0 && pipeline::parse_ninjs_version(e.substr(6), v))) {
        ninjs = e == "ninjs" ? pipeline::NinjsVersion::k3 : v;
      } else if (e != "json") {
        std::cerr << "wirefeed process: --encoding: json, ninjs, ninjs-2 or ninjs-3, not " << e
                  << '\n';
        return 2;
      }
    } else if (a == "--jsonl") {
      jsonl = true;
    } else if (a == "--received-at" && i + 1 < args.size()) {
      if (!pipeline::parse_rfc3339(args[++i], received_at)) {
        std::cerr << "wirefeed: --received-at: not an RFC 3339 time: " << args[i] << '\n';
        return 2;
      }
    } else if (a == "--max-bytes" && i + 1 < args.size()) {
      max_bytes = std::stoull(args[++i]);
    } else if (a == "--config" && i + 1 < args.size()) {
      config_file = args[++i];
    } else if (a == "--explain") {
      explain = true;
    } else if (a == "--no-learn") {
      learn = false;
    } else if (a == "--rules" && i + 1 < args.size()) {
      rules_file = args[++i];
    } else if (a == "-") {
      use_stdin = true;
    } else if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "wirefeed process: unknown option " << a << '\n' << kUsage;
      return 2;
    } else {
      paths_given = true;
      if (!fs::exists(a)) {
        std::cerr << "wirefeed process: no such file or directory: " << a << '\n';
        return 1;
      }
      collect(a, inputs);
    }
  }
  if (inputs.empty() && paths_given && !use_stdin) {
    // A directory without files (or only empty ones) is a mistake, not a request to read stdin.
    std::cerr << "wirefeed process: no input files found in the given paths\n";
    return 1;
  }
  if (inputs.empty()) use_stdin = true;

  // The daemon's settings from --config, else the defaults; then the command-line overrides.
  pipeline::PipelineSettings settings;
  // The routes of --config (named by --explain), else today's topics.
  daemon::OutputConfig default_out;
  pipeline::Router router(
      {}, {default_out.stories_topic, default_out.duplicates_topic, default_out.dead_letter_topic});
  if (!config_file.empty()) {
    try {
      const daemon::Config cfg = daemon::load_config(config_file);
      settings = daemon::pipeline_settings(cfg);
      router = pipeline::Router(cfg.routes, {cfg.output.stories_topic, cfg.output.duplicates_topic,
                                             cfg.output.dead_letter_topic});
    } catch (const daemon::ConfigError& e) {
      std::cerr << "wirefeed process: --config: " << e.what() << '\n';
      return 2;
    }
  }
  if (max_bytes) settings.processor.decode.max_bytes = *max_bytes;
  settings.processor.decode.fallback_received_at = received_at;
  // Learns page chrome from the inputs in order, as the daemon does from its stream.
  settings.learn_chrome = learn;
  if (!rules_file.empty()) {
    try {
      settings.clean_rules = pipeline::load_clean_rules(rules_file);
    } catch (const pipeline::RuleError& e) {
      std::cerr << "wirefeed process: --rules: " << e.what() << '\n';
      return 2;
    }
  }
  const std::unique_ptr<pipeline::Pipeline> pipe = pipeline::make_pipeline(settings);
  const pipeline::Processor& processor = pipe->processor;

  std::vector<pipeline::ExplainEntry> spans;
  Output out;
  out.buf.reserve(2 * kBlock);
  auto emit = [&](const pipeline::InputMessage& msg) {
    spans.clear();
    const pipeline::ProcessResult result = processor.process(msg, explain ? &spans : nullptr);
    for (const v1::Record& rec : result.records) {
      if (!list_chrome.empty()) continue;
      if (ninjs) {
        out.buf += pipeline::encode_ninjs(rec, *ninjs);
      } else {
        pipeline::append_record_json(out.buf, rec);
      }
      out.buf += '\n';
    }
    if (explain) {
      std::string name = msg.topic;  // appended: GCC 12 -O3 misreports ":" + string (restrict)
      if (msg.offset > 0) name.append(1, ':').append(std::to_string(msg.offset));
      out.buf.append("# explain ").append(name).append(": ").append(std::to_string(spans.size()));
      out.buf.append(" span").append(spans.size() == 1 ? "" : "s").append(1, '\n');
      for (const auto& e : spans) {
        std::string text = e.text;
        if (text.size() > 160) {
          std::size_t cut = 157;
          while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0u) == 0x80u) --cut;
          text = text.substr(0, cut) + "...";
        }
        out.buf.append("#   ").append(e.field);
        out.buf.append(e.field.size() < 14 ? 14 - e.field.size() : 1, ' ').append(e.rule);
        out.buf.append(e.rule.size() < 34 ? 34 - e.rule.size() : 1, ' ');
        out.buf.append(1, '"').append(text).append(1, '"');
        if (e.count > 0) out.buf.append(" (").append(std::to_string(e.count)).append(" stories)");
        out.buf.append(1, '\n');
      }
      if (result.decision) pipeline::append_dedup_explain(out.buf, *result.decision);
      std::vector<pipeline::RouteTarget> targets;
      for (const v1::Record& rec : result.records) {
        if (router.routes().empty()) break;  // no routes: every record to its usual topic
        router.route(rec, targets);
        for (const auto& t : targets) {
          out.buf.append("# route ")
              .append(t.route < 0 ? std::string("(default)")
                                  : router.routes()[static_cast<std::size_t>(t.route)].name)
              .append(" -> ")
              .append(t.topic)
              .append(" (")
              .append(pipeline::encoding_name(t.encoding))
              .append(")\n");
        }
      }
    }
    out.flush_if_full();
  };
  auto feed = [&](const std::string& name, std::FILE* in) {
    pipeline::InputMessage msg;
    msg.topic = name;
    if (!jsonl) {
      msg.key = fs::path(name).filename().string();
      msg.value = read_all(in);
      emit(msg);
      return;
    }
    int64_t n = 0;
    for_each_line(in, [&](std::string_view line) {
      ++n;
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;
      msg.offset = n;  // line number: a stable id for envelopes without "id"
      msg.value.assign(line);
      emit(msg);
    });
  };
  if (use_stdin) feed("-", stdin);
  for (const auto& p : inputs) {
    File in(std::fopen(p.c_str(), "rb"));
    if (!in) {
      out.flush();
      std::cerr << "wirefeed process: cannot read " << p << '\n';
      return 1;
    }
    feed(p.string(), in.get());
    if (std::ferror(in.get())) {
      out.flush();
      std::cerr << "wirefeed process: cannot read " << p << '\n';
      return 1;
    }
  }
  if (!list_chrome.empty()) {
    // One line per tracked line: state, distinct stories, text. An operator promotes a learned
    // line into the rules file (or vetoes one there) from this list.
    for (const pipeline::ChromeLine& l : pipe->chrome.lines(list_chrome)) {
      out.buf.append(l.learned ? "learned  " : l.blocked ? "blocked  " : "seen     ");
      out.buf.append(std::to_string(l.stories)).append(1, '\t').append(l.text).append(1, '\n');
    }
  }
  out.flush();
  std::fflush(stdout);
  return 0;
}

int cmd_decode(const std::vector<std::string>& args) {
  std::string type = "Record";
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--type" && i + 1 < args.size()) {
      type = args[++i];
    } else if (args[i] == "--help" || args[i] == "-h") {
      std::cout << kUsage;
      return 0;
    } else {
      std::cerr << "wirefeed decode: unknown argument " << args[i] << '\n' << kUsage;
      return 2;
    }
  }
  v1::Record anchor;  // links the generated descriptors into the pool
  const auto* desc = google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
      "wirefeed.v1." + type);
  if (desc == nullptr) {
    std::cerr << "wirefeed decode: unknown type " << type
              << " (Story, DuplicateNotice, DeadLetter, Record)\n";
    return 2;
  }
  google::protobuf::DynamicMessageFactory factory;
  std::unique_ptr<google::protobuf::Message> msg(factory.GetPrototype(desc)->New());
  const std::string bytes = read_all(std::cin);
  if (bytes.empty()) {
    std::cerr << "wirefeed decode: no input on stdin (expected one binary record)\n";
    return 1;
  }
  if (!msg->ParseFromString(bytes)) {
    std::cerr << "wirefeed decode: input is not a valid wirefeed.v1." << type << '\n';
    return 1;
  }
  // Protobuf parses concatenated records as one merged message (later fields win, repeated ones
  // append). The daemon writes each record canonically, so one record re-encodes to exactly its
  // input size; anything else is several records (or not ours) and must not print as one.
  if (msg->ByteSizeLong() != bytes.size()) {
    std::cerr << "wirefeed decode: input is not exactly one wirefeed.v1." << type << " ("
              << bytes.size() << " bytes in, " << msg->ByteSizeLong()
              << " bytes as one record): several records concatenated? Read a topic with "
                 "`wirefeed tail TOPIC`\n";
    return 1;
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  opts.always_print_primitive_fields = true;  // a stable shape for jq and other consumers
  (void)google::protobuf::util::MessageToJsonString(*msg, &json, opts);
  std::cout << json << '\n';
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  // Diagnostics (and librdkafka's log lines) on stderr; stdout is the command's output.
  spdlog::set_default_logger(spdlog::stderr_color_mt("wirefeed"));
  spdlog::set_level(spdlog::level::warn);
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string cmd = argv[1];
  const std::vector<std::string> rest(argv + 2, argv + argc);
  try {
    if (cmd == "process") return cmd_process(rest);
    if (cmd == "decode") return cmd_decode(rest);
    if (cmd == "tail") return cli::cmd_tail(rest);
    if (cmd == "dlq") return cli::cmd_dlq(rest);
    if (cmd == "why") return cli::cmd_why(rest);
    if (cmd == "topics") return cli::cmd_topics(rest);
    if (cmd == "chrome" && !rest.empty() && (rest.front() == "--help" || rest.front() == "-h")) {
      std::cout << kUsage;
      return 0;
    }
    if (cmd == "chrome" && !rest.empty()) {
      return cmd_process({rest.begin() + 1, rest.end()}, rest.front());
    }
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      std::cout << kUsage;
      return 0;
    }
    if (cmd == "--version" || cmd == "version") {
      std::cout << "wirefeed " << WIREFEED_VERSION << " (" << WIREFEED_GIT_COMMIT << ")\n";
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "wirefeed " << cmd << ": " << e.what() << '\n';
    return 1;
  }
  std::cerr << "wirefeed: unknown command " << cmd << '\n' << kUsage;
  return 2;
}
