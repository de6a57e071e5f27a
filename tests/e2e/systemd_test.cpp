// wirefeedd under the systemd service protocol, without systemd: the real binary on the
// embedded broker with NOTIFY_SOCKET pointing at a datagram socket this test listens on; and the
// shipped unit checked with systemd-analyze (security score, verify) and its sysusers/tmpfiles
// snippets applied to a scratch root.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <regex>
#include <sstream>

#include "daemon/config.hpp"
#include "tests/support/harness.hpp"
#include "tests/support/notify_socket.hpp"

namespace wirefeed::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = WIREFEED_SOURCE_DIR;

// The repository config.yaml copied into `dir`, so the daemon runs exactly the shipped default.
fs::path copy_repo_config(const fs::path& dir) {
  const fs::path cfg = dir / "config.yaml";
  fs::copy_file(kSource / "config.yaml", cfg);
  return cfg;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty()) out.push_back(l);
  }
  return out;
}

TEST(SystemdNotify, ReadyWatchdogStatusReloadStopping) {
  TempDir tmp;
  NotifySocket sock(tmp.path() / "notify.sock");
  const uint16_t port = free_port();
  ASSERT_NE(port, 0);
  ChildProcess d(
      tmp.path(),
      {bin("wirefeedd"), "--config", copy_repo_config(tmp.path()).string(), "--set",
       "metrics.listen=127.0.0.1:" + std::to_string(port), "--set",
       "embedded.seed_dir=" + (kSource / "samples").string(), "--set", "log.format=json"},
      {{"NOTIFY_SOCKET", sock.path().string()}, {"WATCHDOG_USEC", "2000000"}},
      /*set_watchdog_pid=*/true);

  const auto ready = sock.wait_for("READY=1", 60s);
  ASSERT_TRUE(ready) << "no READY=1; got:\n" << sock.dump() << d.stderr_text();
  // READY=1 means consuming: /readyz agrees at that moment.
  const auto readyz = http_get(port, "/readyz");
  ASSERT_TRUE(readyz);
  EXPECT_EQ(readyz->status, 200) << readyz->body;
  EXPECT_EQ(sock.count("READY=1"), 1u) << sock.dump();

  // A throughput STATUS= follows READY=1; keep-alives every WATCHDOG_USEC/2 while progressing.
  const std::size_t after_ready = sock.messages().size();
  const auto status = sock.wait_for("STATUS=", 10s, after_ready - 1);
  ASSERT_TRUE(status) << sock.dump();
  EXPECT_NE(status->find("STATUS=consuming: "), std::string::npos) << *status;
  EXPECT_NE(status->find("published"), std::string::npos) << *status;
  ASSERT_TRUE(sock.wait_for("WATCHDOG=1", 5s, after_ready)) << sock.dump();
  ASSERT_TRUE(sock.wait_for("WATCHDOG=1", 5s, sock.messages().size()))
      << "keep-alives must keep coming while the pipeline is idle but polling:\n"
      << sock.dump();
  // Every seeded story yields exactly one output record (story, duplicate or dead letter); the
  // STATUS= totals count those, not internal records such as dedup state.
  std::size_t seeds = 0;
  for (const auto& e : fs::directory_iterator(kSource / "samples")) seeds += e.is_regular_file();
  const std::string totals =
      std::to_string(seeds) + " in, " + std::to_string(seeds) + " published total";
  std::optional<std::string> settled;
  for (auto deadline = std::chrono::steady_clock::now() + 20s;
       !settled && std::chrono::steady_clock::now() < deadline;) {
    const auto next = sock.wait_for("STATUS=", 6s, sock.messages().size());
    if (next && next->find(totals) != std::string::npos) settled = next;
  }
  ASSERT_TRUE(settled) << "no STATUS= with '" << totals << "':\n" << sock.dump();
  EXPECT_NE(settled->find(" stories/s in, "), std::string::npos) << *settled;

  // SIGHUP sent the way the unit's ExecReload= does (`wirefeedd --reload $MAINPID`):
  // RELOADING=1 then READY=1 again (the reload itself is a logged no-op).
  const std::size_t before_hup = sock.messages().size();
  const auto [reload_rc, reload_out] =
      run_command({bin("wirefeedd"), "--reload", std::to_string(d.pid())});
  ASSERT_EQ(reload_rc, 0) << reload_out;
  ASSERT_TRUE(sock.wait_for("RELOADING=1", 10s, before_hup)) << sock.dump();
  ASSERT_TRUE(sock.wait_for("READY=1", 10s, before_hup)) << sock.dump();
  EXPECT_TRUE(notify_has_line(*sock.wait_for("RELOADING=1", 0s, before_hup), "MONOTONIC_USEC="));

  // SIGTERM: STOPPING=1 at once, then a graceful exit 0.
  const std::size_t before_term = sock.messages().size();
  d.signal(SIGTERM);
  ASSERT_TRUE(sock.wait_for("STOPPING=1", 10s, before_term)) << sock.dump();
  const auto code = d.wait(30s);
  ASSERT_TRUE(code) << "did not exit after SIGTERM";
  EXPECT_EQ(*code, 0) << d.stderr_text();

  // log.format=json: every stderr line is one JSON object with time, level and msg.
  const auto log_lines = lines_of(d.stderr_text());
  ASSERT_FALSE(log_lines.empty());
  const std::regex json_line(
      R"re(^\{"time":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[^"]+","level":"[a-z]+","logger":"wirefeedd","pid":[0-9]+,"msg":"([^"\\]|\\.)*"\}$)re");
  for (const auto& l : log_lines) EXPECT_TRUE(std::regex_match(l, json_line)) << l;
}

TEST(SystemdNotify, NoNotifySocketMeansNoNotifications) {
  // Without NOTIFY_SOCKET the daemon runs as before and never touches the socket.
  TempDir tmp;
  NotifySocket sock(tmp.path() / "notify.sock");
  const uint16_t port = free_port();
  ChildProcess d(
      tmp.path(),
      {bin("wirefeedd"), "--config", copy_repo_config(tmp.path()).string(), "--set",
       "metrics.listen=127.0.0.1:" + std::to_string(port), "--set",
       "embedded.seed_dir=" + (kSource / "samples").string(), "--set", "embedded.echo=false"},
      {{"WATCHDOG_USEC", "2000000"}}, /*set_watchdog_pid=*/true);
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  bool ready = false;
  while (!ready && d.running() && std::chrono::steady_clock::now() < deadline) {
    const auto r = http_get(port, "/readyz");
    ready = r && r->status == 200;
    if (!ready) sock.drain(100ms);
  }
  ASSERT_TRUE(ready) << d.stderr_text();
  sock.drain(1500ms);  // longer than a keep-alive period
  d.signal(SIGTERM);
  const auto code = d.wait(30s);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0) << d.stderr_text();
  EXPECT_TRUE(sock.messages().empty()) << sock.dump();
}

// ---- the unit file and its snippets --------------------------------------------------------

const fs::path kUnit = kSource / "systemd" / "wirefeedd.service";

TEST(SystemdUnit, SecurityExposureAtMostTwo) {
  const auto analyze = find_program("systemd-analyze");
  if (!analyze) GTEST_SKIP() << "systemd-analyze not installed (Debian package systemd)";
  // --threshold is on the internal 0..100 scale: 20 is the displayed 2.0.
  const auto [rc, out] =
      run_command({*analyze, "security", "--offline=true", "--threshold=20", kUnit.string()});
  std::smatch m;
  const std::regex overall(R"(Overall exposure level for wirefeedd\.service: ([0-9.]+))");
  ASSERT_TRUE(std::regex_search(out, m, overall)) << out;
  const double score = std::stod(m[1].str());
  RecordProperty("exposure", m[1].str());
  std::cout << "systemd-analyze security: " << score << '\n';
  EXPECT_LE(score, 2.0) << out;
  EXPECT_EQ(rc, 0) << out;
}

TEST(SystemdUnit, VerifyPasses) {
  const auto analyze = find_program("systemd-analyze");
  if (!analyze) GTEST_SKIP() << "systemd-analyze not installed (Debian package systemd)";
  // verify checks that ExecStart= binaries exist: a copy of the unit runs the built binary.
  TempDir tmp;
  std::string unit = read_file(kUnit);
  ASSERT_NE(unit.find("/usr/bin/wirefeedd"), std::string::npos);
  unit = std::regex_replace(unit, std::regex("/usr/bin/wirefeedd"), bin("wirefeedd"));
  const fs::path copy = tmp.path() / "wirefeedd.service";
  std::ofstream(copy) << unit;
  const auto [rc, out] = run_command({*analyze, "verify", "--man=no", copy.string()});
  EXPECT_EQ(rc, 0) << out;
  // verify exits 0 on ignored (misspelled, unknown) settings; it must say nothing at all.
  EXPECT_EQ(out, "") << out;
}

TEST(SystemdUnit, ReloadCommandRejectsBadProcessIds) {
  // ExecReload= runs `wirefeedd --reload $MAINPID`: a missing or non-positive id must not reach
  // kill(2) (0 or -1 would signal a process group), and a dead process is an error, not a no-op.
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--reload", ""},
                                               {"--reload", "0"},
                                               {"--reload", "-1"},
                                               {"--reload", "12x"},
                                               {"--reload"}}) {
    std::vector<std::string> argv{bin("wirefeedd")};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto [rc, out] = run_command(argv);
    EXPECT_EQ(rc, 2) << out;
  }
  const auto [zero_rc, zero_out] = run_command({bin("wirefeedd"), "--reload", "0"});
  EXPECT_NE(zero_out.find("--reload needs a process id"), std::string::npos) << zero_out;

  const pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  ASSERT_GT(gone, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(gone, &status, 0), gone);
  const auto [rc, out] = run_command({bin("wirefeedd"), "--reload", std::to_string(gone)});
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("cannot send SIGHUP to process " + std::to_string(gone)), std::string::npos)
      << out;
}

TEST(SystemdUnit, UnitIsConsistentWithTheConfig) {
  const std::string unit = read_file(kUnit);
  for (const char* line :
       {"Type=notify\n", "NotifyAccess=main\n", "WatchdogSec=30s\n", "Restart=on-failure\n",
        "ExecReload=/usr/bin/wirefeedd --reload $MAINPID\n", "User=wirefeed\n",
        "StateDirectory=wirefeed\n",
        "ExecStartPre=/usr/bin/wirefeedd --config /etc/wirefeed/config.yaml --check-config\n",
        "ExecStart=/usr/bin/wirefeedd --config /etc/wirefeed/config.yaml\n"}) {
    EXPECT_NE(unit.find(line), std::string::npos) << "missing " << line;
  }
  // The ExecStartPre check passes on the shipped production config (/etc/wirefeed/config.yaml).
  const fs::path prod = kSource / "deploy" / "wirefeed.prod.yaml";
  const auto [rc, out] =
      run_command({bin("wirefeedd"), "--config", prod.string(), "--check-config"});
  EXPECT_EQ(rc, 0) << out;
  // TimeoutStopSec must leave room for its pipeline.drain_timeout plus flush and commit.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(unit, m, std::regex(R"(\nTimeoutStopSec=([0-9]+)s\n)")));
  const daemon::Config cfg = daemon::load_config(
      prod, {}, [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
  EXPECT_GE(std::chrono::seconds(std::stoi(m[1].str())), cfg.pipeline.drain_timeout + 10s);
}

TEST(SystemdUnit, SysusersAndTmpfilesApplyToAScratchRoot) {
  const auto sysusers = find_program("systemd-sysusers");
  const auto tmpfiles = find_program("systemd-tmpfiles");
  if (!sysusers || !tmpfiles) GTEST_SKIP() << "systemd-sysusers/systemd-tmpfiles not installed";
  const fs::path users = kSource / "systemd" / "wirefeed.sysusers";
  TempDir dry_root;
  const auto [dry_rc, dry] =
      run_command({*sysusers, "--dry-run", "--root=" + dry_root.path().string(), users.string()});
  EXPECT_EQ(dry_rc, 0) << dry;
  EXPECT_NE(dry.find("Creating user 'wirefeed'"), std::string::npos) << dry;
  if (::geteuid() != 0) GTEST_SKIP() << "applying the snippets (chown) needs root";
  TempDir root;
  fs::create_directories(root.path() / "etc");
  const auto [rc, out] = run_command({*sysusers, "--root=" + root.path().string(), users.string()});
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(read_file(root.path() / "etc" / "passwd").find("wirefeed:x:"), std::string::npos);
  const auto [trc, tout] = run_command({*tmpfiles, "--root=" + root.path().string(), "--create",
                                        (kSource / "systemd" / "wirefeed.tmpfiles").string()});
  ASSERT_EQ(trc, 0) << tout;
  const auto perms = fs::status(root.path() / "etc" / "wirefeed").permissions();
  EXPECT_EQ(perms, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
}

}  // namespace
}  // namespace wirefeed::testing
