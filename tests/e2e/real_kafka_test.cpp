// What only a real Apache Kafka cluster can show (deploy/test.sh kafka starts one and names it in
// WIREFEED_TEST_KAFKA; every test here skips on the mock, which writes no transaction markers,
// stores no transactional offsets, looks up no offsets by time and never compacts):
// exactly-once delivery across SIGKILLs inside open transactions and a stall past the
// transaction timeout, seen by a read_committed reader, and the same kills in at-least-once mode
// for comparison; the dedup-state replay starting at the window's edge of a compacted
// compact,delete state topic. Every test names its own topics and group
// (unique_name), so these tests may run in parallel on one cluster.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "pipeline/processor.hpp"
#include "tests/e2e/fault_support.hpp"
#include "tests/support/harness.hpp"
#include "wirefeed/v1/story.pb.h"

namespace wirefeed::testing {
namespace {

constexpr int kParts = 3;

struct Topics {
  std::string raw, stories, duplicates, dead_letter, state;
};

Topics make_topics(const std::string& bootstrap) {
  Topics t{unique_name("raw"), unique_name("stories"), unique_name("duplicates"),
           unique_name("deadletter"), unique_name("state")};
  for (const auto* name : {&t.raw, &t.stories, &t.duplicates, &t.dead_letter, &t.state}) {
    EXPECT_TRUE(recreate_topic(bootstrap, *name, kParts));
  }
  return t;
}

// `delivery`: a whole `delivery:` section, or empty for at-least-once. `producer_extra`: more
// lines under kafka.producer_properties (4-space indented); `dedup_extra`: more lines under
// dedup (2-space indented).
std::string config(const std::string& bootstrap, const std::string& group, uint16_t port,
                   const Topics& t, const std::string& delivery = "",
                   const std::string& producer_extra = "", const std::string& dedup_extra = "") {
  return "kafka:\n  brokers: \"" + bootstrap + "\"\n  group_id: " + group +
         "\n  consumer_properties:\n    fetch.wait.max.ms: \"20\"\n    session.timeout.ms: "
         "\"6000\"\n" +
         (producer_extra.empty() ? "" : "  producer_properties:\n" + producer_extra) +
         "input:\n  topics: [" + t.raw + "]\noutput:\n  stories_topic: " + t.stories +
         "\n  duplicates_topic: " + t.duplicates + "\n  dead_letter_topic: " + t.dead_letter +
         "\ndedup:\n  state_topic: " + t.state + "\n" + dedup_extra +
         "metrics:\n  listen: \"127.0.0.1:" + std::to_string(port) +
         "\"\npipeline:\n  drain_timeout: 20s\n"
         // Learned chrome is not what these tests are about (it has its own mock tests).
         "clean:\n  chrome_state_topic: \"\"\n" +
         delivery;
}

std::string eos_delivery(const std::string& transactional_id) {
  return "delivery:\n  mode: exactly_once\n  transactional_id: " + transactional_id +
         "\n  transaction_interval: 2s\n  transaction_max_messages: 1000\n"
         "  transaction_timeout: 20s\n";
}

// Every output of inputs k0..k(n-1) on the three output topics, per input id.
struct Outputs {
  std::map<std::string, int> stories, duplicates, dead_letters;
  int lost = 0;      // inputs with no output at all
  int repeated = 0;  // outputs beyond the first of an input
};

Outputs outputs(const std::string& bootstrap, const Topics& t, int n, bool read_committed) {
  Outputs o;
  for (const auto& c : read_topic(bootstrap, t.stories, kParts, static_cast<std::size_t>(n), 5s,
                                  300ms, read_committed)) {
    v1::Story s;
    if (s.ParseFromString(c.value)) ++o.stories[s.id()];
  }
  for (const auto& c : read_topic(bootstrap, t.duplicates, kParts, 0, 3s, 300ms, read_committed)) {
    v1::DuplicateNotice d;
    if (d.ParseFromString(c.value)) ++o.duplicates[d.id()];
  }
  for (const auto& c : read_topic(bootstrap, t.dead_letter, kParts, 0, 3s, 300ms, read_committed)) {
    v1::DeadLetter d;
    if (d.ParseFromString(c.value)) ++o.dead_letters[d.id()];
  }
  for (int i = 0; i < n; ++i) {
    const std::string id = id_for_key("k" + std::to_string(i));
    const int total = o.stories[id] + o.duplicates[id] + o.dead_letters[id];
    if (total == 0) ++o.lost;
    if (total > 1) o.repeated += total - 1;
  }
  return o;
}

// Waits until every input has an output (or `bound` passes); returns the last reading.
Outputs wait_outputs(const std::string& bootstrap, const Topics& t, int n,
                     std::chrono::seconds bound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  Outputs o;
  do {
    o = outputs(bootstrap, t, n, true);
  } while (o.lost > 0 && std::chrono::steady_clock::now() < deadline);
  return o;
}

int count_of(const std::map<std::string, int>& m) {
  int n = 0;
  for (const auto& [id, c] : m) n += c;
  return n;
}

// Produces inputs k`from`..k`from`+200 in 10 chunks over about a second, so that a daemon
// consuming them has a transaction open for most of that second.
void trickle(const std::string& bootstrap, const std::string& topic, int from) {
  for (int chunk = 0; chunk < 10; ++chunk) {
    produce_all(bootstrap, topic, faults::batch(from + 20 * chunk, from + 20 * (chunk + 1)));
    std::this_thread::sleep_for(100ms);
  }
}

struct KillRun {
  int produced = 0;
  int kills = 0;
  int kills_in_open_transaction = 0;
  double committed = 0, aborted = 0;  // transactions of the last daemon
  Outputs committed_view;             // read_committed
  Outputs uncommitted_view;           // read_uncommitted: aborted records too
  std::map<int32_t, int64_t> group_offset, input_end;
  std::string last_log;
};

// Five SIGKILLs of the daemon while a producer writes (at random points inside the second the
// producer trickles its inputs, so inside open transactions in exactly-once mode), then a SIGSTOP
// longer than the session and transaction timeouts (the group evicts the member, the broker aborts
// its open transaction), then a last daemon that must account for every input.
KillRun kill_run(bool exactly_once) {
  const std::string bootstrap = *real_kafka_bootstrap();
  KillRun r;
  TempDir dir;
  const Topics t = make_topics(bootstrap);
  const std::string group = unique_name(exactly_once ? "eos" : "alo");
  const uint16_t port = free_port();
  const std::string cfg =
      config(bootstrap, group, port, t, exactly_once ? eos_delivery(group + "-instance") : "",
             exactly_once ? "    transaction.timeout.ms: \"5000\"\n" : "");
  constexpr int kCycles = 5;
  constexpr int kPerCycle = 200;  // trickle()
  std::mt19937 rng(20261205);     // deterministic kill points
  std::uniform_int_distribution<int> kill_after_ms(300, 1500);
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    DaemonProcess d(dir.path(), cfg);
    EXPECT_TRUE(d.wait_ready(port, 60s)) << "cycle " << cycle << ": " << d.stderr_text();
    std::thread producer([&, from = r.produced] { trickle(bootstrap, t.raw, from); });
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms(rng)));
    if (faults::metric_value(port, "wirefeed_transaction_open_inputs") > 0) {
      ++r.kills_in_open_transaction;
    }
    EXPECT_EQ(d.stop(SIGKILL), 128 + SIGKILL);
    ++r.kills;
    producer.join();
    r.produced += kPerCycle;
  }
  DaemonProcess last(dir.path(), cfg);
  EXPECT_TRUE(last.wait_ready(port, 60s)) << last.stderr_text();
  // A stall: stopped past session.timeout.ms (6 s) and transaction.timeout.ms (5 s) while input
  // arrives, so the group moves on without it and the broker aborts its open transaction.
  std::thread producer([&, from = r.produced] { trickle(bootstrap, t.raw, from); });
  std::this_thread::sleep_for(700ms);
  last.signal(SIGSTOP);
  std::this_thread::sleep_for(9s);
  last.signal(SIGCONT);
  producer.join();
  r.produced += kPerCycle;

  r.committed_view = wait_outputs(bootstrap, t, r.produced, 150s);
  r.committed = faults::metric_value(port, "wirefeed_transactions_committed_total");
  {
    const auto m = http_get(port, "/metrics");
    std::istringstream in(m ? m->body : "");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("wirefeed_transactions_aborted_total", 0) == 0) {
        r.aborted += std::stod(line.substr(line.rfind(' ') + 1));
      }
    }
  }
  EXPECT_EQ(last.stop(SIGTERM, 60s), 0) << last.stderr_text();
  r.last_log = last.stderr_text();
  r.uncommitted_view = outputs(bootstrap, t, r.produced, false);
  for (const auto& c :
       read_topic(bootstrap, t.raw, kParts, static_cast<std::size_t>(r.produced), 10s, 100ms)) {
    r.input_end[c.partition] = std::max(r.input_end[c.partition], c.offset + 1);
  }
  for (int p = 0; p < kParts; ++p) r.group_offset[p] = committed_offset(bootstrap, group, t.raw, p);
  return r;
}

void print(const char* mode, const KillRun& r) {
  std::cout << "[ figures ] " << mode << " on Apache Kafka, " << r.kills
            << " SIGKILLs + 1 stall past the session/transaction timeouts: produced " << r.produced
            << ", kills inside an open transaction " << r.kills_in_open_transaction
            << "; read_committed reader: lost " << r.committed_view.lost << ", repeated "
            << r.committed_view.repeated << " (stories " << count_of(r.committed_view.stories)
            << ", duplicate notices " << count_of(r.committed_view.duplicates) << ", dead letters "
            << count_of(r.committed_view.dead_letters) << "); read_uncommitted reader: lost "
            << r.uncommitted_view.lost << ", repeated " << r.uncommitted_view.repeated
            << "; last daemon: transactions committed " << r.committed << ", aborted " << r.aborted
            << "\n";
}

TEST(RealKafka, ExactlyOnceSurvivesSigkillsAndAStallWithNoLossAndNoRepeat) {
  if (!on_real_kafka()) GTEST_SKIP() << "needs a real Kafka broker (WIREFEED_TEST_KAFKA)";
  const KillRun r = kill_run(true);
  print("exactly_once", r);
  EXPECT_EQ(r.committed_view.lost, 0) << r.last_log;
  EXPECT_EQ(r.committed_view.repeated, 0) << r.last_log;
  // Distinct inputs: each is one story; a duplicate notice would be a story lost to the dedup
  // state of its own aborted publication.
  EXPECT_EQ(count_of(r.committed_view.stories), r.produced);
  EXPECT_EQ(count_of(r.committed_view.duplicates), 0);
  EXPECT_EQ(count_of(r.committed_view.dead_letters), 0);
  EXPECT_GE(r.kills_in_open_transaction, 3) << "the kills must land inside transactions";
  EXPECT_GT(r.committed, 0);
  // The consumed offsets went with the transactions: the group ends at the end of the input.
  for (int p = 0; p < kParts; ++p) {
    EXPECT_EQ(r.group_offset.at(p), r.input_end.at(p)) << "partition " << p;
  }
}

TEST(RealKafka, AtLeastOnceUnderTheSameKillsLosesNothingAndCountsRepeats) {
  if (!on_real_kafka()) GTEST_SKIP() << "needs a real Kafka broker (WIREFEED_TEST_KAFKA)";
  const KillRun r = kill_run(false);
  print("at_least_once", r);
  EXPECT_EQ(r.committed_view.lost, 0) << r.last_log;
  // Repeats are allowed here (that is the difference): a kill between a story's delivery and
  // its offset commit republishes it, unless the dedup state already reached the state topic
  // (then the replay becomes a duplicate notice, which is also counted as a repeat).
  for (int p = 0; p < kParts; ++p) {
    EXPECT_EQ(r.group_offset.at(p), r.input_end.at(p)) << "partition " << p;
  }
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The number after `key` in the daemon's log (e.g. "replayed 12 record(s)"), or -1.
int64_t logged_number(const std::string& log, const std::string& key) {
  const auto at = log.rfind(key);
  return at == std::string::npos ? -1 : std::atoll(log.c_str() + at + key.size());
}

// The state topic configured as the README asks — cleanup.policy compact,delete, time retention
// just above dedup.window — holding states older than the window (still retained) followed by
// states inside it, each of the latter written twice under one key and compacted by the log
// cleaner. A restarted daemon starts its replay at the window's edge (offsets_for_times): it
// reads exactly the records inside the window, none before, and catches their copies.
TEST(RealKafka, StateReplayStartsAtTheWindowEdgeOfACompactedStateTopic) {
  if (!on_real_kafka()) GTEST_SKIP() << "needs a real Kafka broker (WIREFEED_TEST_KAFKA)";
  const std::string bootstrap = *real_kafka_bootstrap();
  TempDir dir;
  Topics t = make_topics(bootstrap);
  constexpr auto kWindow = std::chrono::hours(1);
  const int64_t window_ms = std::chrono::duration_cast<std::chrono::milliseconds>(kWindow).count();
  ASSERT_TRUE(recreate_topic(bootstrap, t.state, kParts, -1,
                             {{"cleanup.policy", "compact,delete"},
                              {"retention.ms", std::to_string(window_ms + 600000)},
                              {"segment.ms", "1000"},
                              {"min.cleanable.dirty.ratio", "0.01"},
                              {"min.compaction.lag.ms", "0"},
                              {"delete.retention.ms", "1000"}}));

  // States of stories 0..29 written as if 5 minutes past the window's edge (inside retention),
  // then states of stories 30..59, each twice under its key, written now.
  pipeline::DedupIndex scratch{pipeline::DedupConfig{}};
  pipeline::Processor processor{pipeline::ProcessorConfig{}, scratch};
  auto state_of = [&](int i, int64_t ts) {
    pipeline::InputMessage in;
    in.topic = t.raw;
    in.key = "k" + std::to_string(i);
    in.timestamp = pipeline::Millis{std::chrono::milliseconds(ts)};
    in.value = faults::story(i);
    const auto st = processor.process(in).state;
    EXPECT_TRUE(st) << i;
    return st ? st->SerializeAsString() : std::string();
  };
  constexpr int kOld = 30, kRecent = 30;
  const int64_t old_ts = now_ms() - window_ms - 300000;
  std::vector<Produced> old_states, recent_states;
  for (int i = 0; i < kOld; ++i) {
    old_states.push_back({"s" + std::to_string(i), state_of(i, old_ts), i % kParts, old_ts});
  }
  for (int i = kOld; i < kOld + kRecent; ++i) {
    const std::string v = state_of(i, now_ms());
    recent_states.push_back({"s" + std::to_string(i), v, i % kParts});
    recent_states.push_back({"s" + std::to_string(i), v, i % kParts});
  }
  ASSERT_NO_FATAL_FAILURE(produce_all(bootstrap, t.state, old_states));
  ASSERT_NO_FATAL_FAILURE(produce_all(bootstrap, t.state, recent_states));

  // The cleaner compacts closed segments only: roll them (segment.ms) with one more record per
  // partition until each recent key is left once.
  std::vector<Consumed> records;
  int recent_left = 2 * kRecent;
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (recent_left > kRecent && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1100ms);
    std::vector<Produced> roll;
    for (int p = 0; p < kParts; ++p) {
      roll.push_back({"roll-" + std::to_string(p), recent_states[0].value, p});
    }
    ASSERT_NO_FATAL_FAILURE(produce_all(bootstrap, t.state, roll));
    records = read_topic(bootstrap, t.state, kParts, 0, 10s, 100ms, false);
    recent_left = 0;
    for (const auto& r : records) {
      const int i = r.key.rfind("s", 0) == 0 ? std::atoi(r.key.c_str() + 1) : -1;
      recent_left += i >= kOld ? 1 : 0;
    }
  }
  ASSERT_EQ(recent_left, kRecent) << "the log cleaner did not compact the state topic";
  int in_window = 0, before = 0;
  const int64_t edge = now_ms() - window_ms;
  for (const auto& r : records) (r.timestamp_ms >= edge ? in_window : before)++;
  ASSERT_EQ(before, kOld);

  const uint16_t port = free_port();
  const std::string group = unique_name("state");
  DaemonProcess d(dir.path(), config(bootstrap, group, port, t, "", "", "  window: 1h\n"));
  ASSERT_TRUE(d.wait_ready(port, 60s)) << d.stderr_text();
  const std::string log = d.stderr_text();
  const int64_t replayed = logged_number(log, "dedup state: replayed ");
  const int64_t skipped = logged_number(log, "s, skipped ");
  // Copies of the stories inside the window are duplicates of their restored states.
  std::vector<Produced> copies;
  for (int i = kOld; i < kOld + kRecent; ++i) {
    copies.push_back({"copy" + std::to_string(i), faults::story(i)});  // another id, same text
  }
  ASSERT_NO_FATAL_FAILURE(produce_all(bootstrap, t.raw, copies));
  const auto dups = read_topic(bootstrap, t.duplicates, kParts, kRecent, 30s);
  std::cout << "[ figures ] state topic compact,delete (retention window+10min), after the log "
               "cleaner ran: "
            << records.size() << " records (" << before << " older than the window, " << in_window
            << " inside); the restarted daemon replayed " << replayed << ", skipped " << skipped
            << " offset(s) before the window's edge; copies of the " << kRecent
            << " in-window stories became " << dups.size() << " duplicate notices\n";
  EXPECT_EQ(replayed, in_window) << log;
  EXPECT_GE(skipped, kOld) << log;
  EXPECT_EQ(dups.size(), static_cast<std::size_t>(kRecent)) << d.stderr_text();
  EXPECT_EQ(d.stop(SIGTERM), 0) << d.stderr_text();
}

// Restore time of many states from the window's edge: `WIREFEED_TEST_RESTORE_STATES` states
// (100,000 unless set) inside the window in DedupStateBatch records of 512, behind a fifth as many
// older than the window, on the state topic as the README asks it to be configured. The daemon
// must restore exactly the in-window states and skip the older ones by offset.
TEST(RealKafka, RestoreOfManyStatesFromTheWindowEdge) {
  if (!on_real_kafka()) GTEST_SKIP() << "needs a real Kafka broker (WIREFEED_TEST_KAFKA)";
  const std::string bootstrap = *real_kafka_bootstrap();
  const char* env = std::getenv("WIREFEED_TEST_RESTORE_STATES");
  const int n = env != nullptr && std::atoi(env) > 0 ? std::atoi(env) : 100000;
  const int n_old = n / 5;
  TempDir dir;
  Topics t = make_topics(bootstrap);
  const int64_t window_ms = 3600 * 1000;
  ASSERT_TRUE(recreate_topic(bootstrap, t.state, kParts, -1,
                             {{"cleanup.policy", "compact,delete"},
                              {"retention.ms", std::to_string(window_ms + 600000)}}));
  // A real state as the template; each copy gets its own id, content hash, family and MinHash.
  pipeline::DedupIndex scratch{pipeline::DedupConfig{}};
  pipeline::Processor processor{pipeline::ProcessorConfig{}, scratch};
  pipeline::InputMessage in;
  in.topic = t.raw;
  in.key = "template";
  in.value = faults::story(1);
  const auto tmpl = processor.process(in).state;
  ASSERT_TRUE(tmpl);
  std::mt19937_64 rng(20261205);
  auto batch_of = [&](int from, int to, int64_t event_time_s) {
    v1::DedupStateBatch b;
    for (int i = from; i < to; ++i) {
      v1::DedupState* s = b.add_states();
      *s = *tmpl;
      s->set_story_id("restore-" + std::to_string(i));
      char hex[33];
      std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(rng()),
                    static_cast<unsigned long long>(i));
      s->set_content_hash(hex);
      s->set_family(rng());
      s->set_event_time(event_time_s);
      std::string mh = s->minhash();
      for (char& c : mh) c = static_cast<char>(rng());
      s->set_minhash(mh);
    }
    return b.SerializeAsString();
  };
  const int64_t old_ts = now_ms() - window_ms - 300000;
  auto write = [&](int total, int64_t ts) {
    constexpr int kPerRecord = 512, kRecordsPerCall = 64;
    for (int from = 0; from < total; from += kPerRecord * kRecordsPerCall) {
      std::vector<Produced> records;
      for (int r = from; r < std::min(total, from + kPerRecord * kRecordsPerCall);
           r += kPerRecord) {
        records.push_back({"batch-" + std::to_string(ts) + "-" + std::to_string(r),
                           batch_of(r, std::min(total, r + kPerRecord), ts / 1000),
                           static_cast<int32_t>((r / kPerRecord) % kParts), ts});
      }
      produce_all(bootstrap, t.state, records);
    }
  };
  const auto write_started = std::chrono::steady_clock::now();
  ASSERT_NO_FATAL_FAILURE(write(n_old, old_ts));
  ASSERT_NO_FATAL_FAILURE(write(n, now_ms()));
  const double write_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - write_started).count();

  const uint16_t port = free_port();
  DaemonProcess d(dir.path(), config(bootstrap, unique_name("restore"), port, t, "", "",
                                     "  window: 1h\n  restore_timeout: 300s\n"));
  ASSERT_TRUE(d.wait_ready(port, 330s)) << d.stderr_text();
  const std::string log = d.stderr_text();
  const int64_t restored = faults::metric_value(port, "wirefeed_dedup_state_restored_total");
  const auto at = log.rfind("dedup state: replayed ");
  const double secs =
      at == std::string::npos ? -1 : std::atof(log.c_str() + log.find(" in ", at) + 4);
  std::cout << "[ figures ] restore from the window's edge: " << n << " states in the window ("
            << (n + 511) / 512 << " batch records) behind " << n_old << " older ones (written in "
            << write_s << " s): restored " << restored << " in " << secs << " s ("
            << (secs > 0 ? static_cast<double>(restored) / secs : 0) << " states/s), skipped "
            << logged_number(log, "s, skipped ") << " offset(s)\n";
  EXPECT_EQ(restored, n) << log;
  EXPECT_EQ(d.stop(SIGTERM, 60s), 0) << d.stderr_text();
}

// A three-node cluster started by deploy/kafka.sh (deploy/test.sh kafka): its bootstrap list and
// the folder kafka.sh keeps it in, so a test can SIGKILL and restart one node's JVM.
struct ThreeNodes {
  std::string bootstrap, dir;
};
std::optional<ThreeNodes> three_nodes() {
  const char* b = std::getenv("WIREFEED_TEST_KAFKA3");
  const char* d = std::getenv("WIREFEED_TEST_KAFKA3_DIR");
  if (b == nullptr || d == nullptr || *b == '\0' || *d == '\0') return std::nullopt;
  return ThreeNodes{b, d};
}

std::pair<int, std::string> kafka_sh(const ThreeNodes& c, const std::string& cmd, int node) {
  return run_command({"/bin/bash", std::string(WIREFEED_SOURCE_DIR) + "/deploy/kafka.sh", cmd,
                      std::to_string(node), "--dir", c.dir});
}

// Replication factor 3, min.insync.replicas 2, acks=all (the daemon's idempotent producer): the
// JVM of the broker leading most partitions is SIGKILLed while input streams in and restarted 10 s
// later. Every input comes out; repeats are counted.
TEST(RealKafka3, LeaderSigkilledMidStreamLosesNothing) {
  const auto cluster = three_nodes();
  if (!cluster) GTEST_SKIP() << "needs a 3-node Kafka cluster (WIREFEED_TEST_KAFKA3[_DIR])";
  const std::string& bootstrap = cluster->bootstrap;
  TempDir dir;
  Topics t{unique_name("raw"), unique_name("stories"), unique_name("duplicates"),
           unique_name("deadletter"), unique_name("state")};
  for (const auto* name : {&t.raw, &t.stories, &t.duplicates, &t.dead_letter, &t.state}) {
    ASSERT_TRUE(recreate_topic(bootstrap, *name, kParts, 3, {{"min.insync.replicas", "2"}}));
  }
  const uint16_t port = free_port();
  const std::string group = unique_name("rf3");
  DaemonProcess d(dir.path(), config(bootstrap, group, port, t, "",
                                     "    acks: all\n    message.timeout.ms: \"120000\"\n"));
  ASSERT_TRUE(d.wait_ready(port, 60s)) << d.stderr_text();

  constexpr int kChunks = 40, kPerChunk = 50;  // ~4 s of input
  std::thread producer([&] {
    for (int c = 0; c < kChunks; ++c) {
      produce_all(bootstrap, t.raw, faults::batch(c * kPerChunk, (c + 1) * kPerChunk));
      std::this_thread::sleep_for(100ms);
    }
  });
  std::this_thread::sleep_for(1500ms);
  std::map<int32_t, int> led;
  for (const auto* name : {&t.raw, &t.stories, &t.state}) {
    for (int32_t leader : partition_leaders(bootstrap, *name)) ++led[leader];
  }
  int32_t victim = 1;
  for (const auto& [broker, n] : led) {
    if (n > led[victim]) victim = broker;
  }
  const auto killed = kafka_sh(*cluster, "kill-node", victim);
  EXPECT_EQ(killed.first, 0) << killed.second;
  const auto killed_at = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(10s);
  const auto restarted = kafka_sh(*cluster, "start-node", victim);
  EXPECT_EQ(restarted.first, 0) << restarted.second;
  const double down_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_at).count();
  producer.join();
  constexpr int kInputs = kChunks * kPerChunk;
  const Outputs o = wait_outputs(bootstrap, t, kInputs, 120s);
  std::cout << "[ figures ] 3 brokers, RF 3, min.insync.replicas 2, acks=all: broker " << victim
            << " (leader of " << led[victim] << " of " << 3 * kParts
            << " partitions of input/stories/state) SIGKILLed mid-stream, back after " << down_s
            << " s: produced " << kInputs << ", lost " << o.lost << ", repeated " << o.repeated
            << " (stories " << count_of(o.stories) << ", duplicate notices "
            << count_of(o.duplicates) << ", dead letters " << count_of(o.dead_letters) << ")\n";
  EXPECT_EQ(o.lost, 0) << d.stderr_text();
  EXPECT_EQ(count_of(o.dead_letters), 0) << d.stderr_text();
  EXPECT_EQ(d.stop(SIGTERM, 60s), 0) << d.stderr_text();
}

}  // namespace
}  // namespace wirefeed::testing
