// Test helpers for the systemd side of wirefeedd: a NOTIFY_SOCKET listener, a child process
// started with extra environment variables (NOTIFY_SOCKET, WATCHDOG_USEC, its own WATCHDOG_PID),
// and a PATH lookup for optional tools.
//
// Invariants:
// - RAII like harness.hpp: the socket file and fd are removed/closed, the child is killed and
//   reaped; waits have deadlines, nothing sleeps a fixed time.
// - The parent's environment is never modified (the child's is built before fork; after fork
//   the child only does async-signal-safe work before execve).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace wirefeed::testing {

// An AF_UNIX SOCK_DGRAM socket bound at `path`, collecting sd_notify datagrams.
class NotifySocket {
 public:
  explicit NotifySocket(std::filesystem::path path);
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Receives until a datagram has a line equal to `line` ("READY=1") or starting with it when
  // it ends in '=' ("STATUS="), or until `timeout`. Returns that datagram. Every datagram
  // received is kept in messages(); a line already seen (since `from`, an index into messages())
  // counts without waiting.
  std::optional<std::string> wait_for(const std::string& line, std::chrono::milliseconds timeout,
                                      std::size_t from = 0);
  // Receives whatever arrives within `duration`.
  void drain(std::chrono::milliseconds duration);
  const std::vector<std::string>& messages() const { return messages_; }
  // Number of datagrams (from index `from`) with a line matching `line` (as in wait_for).
  std::size_t count(const std::string& line, std::size_t from = 0) const;
  std::string dump() const;  // all datagrams, for failure messages

 private:
  bool receive_one(std::chrono::milliseconds timeout);
  std::filesystem::path path_;
  int fd_ = -1;
  std::vector<std::string> messages_;
};

// True when some line of `datagram` matches `line` (see NotifySocket::wait_for).
bool notify_has_line(const std::string& datagram, const std::string& line);

// A child process: argv[0] must be a path. stdout/stderr go to files in `dir`. `env` is added to
// (and overrides) the parent's environment; with `set_watchdog_pid` the child also gets
// WATCHDOG_PID=<its own pid>, as systemd sets it.
class ChildProcess {
 public:
  ChildProcess(const std::filesystem::path& dir, std::vector<std::string> argv,
               const std::map<std::string, std::string>& env, bool set_watchdog_pid);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Waits for the exit; returns the exit code (128+signal if killed), nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  std::string stdout_text() const;
  std::string stderr_text() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::filesystem::path out_, err_;
};

// Absolute path of `name` found on $PATH (plus /usr/sbin, /sbin), or nullopt.
std::optional<std::string> find_program(const std::string& name);

}  // namespace wirefeed::testing
