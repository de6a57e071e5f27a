// systemd test helpers. See notify_socket.hpp for the invariants.
#include "tests/support/notify_socket.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/harness.hpp"

extern char** environ;  // NOLINT: POSIX

namespace wirefeed::testing {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

bool notify_has_line(const std::string& datagram, const std::string& line) {
  const bool prefix = !line.empty() && line.back() == '=';
  std::istringstream in(datagram);
  for (std::string l; std::getline(in, l);) {
    if (prefix ? l.rfind(line, 0) == 0 : l == line) return true;
  }
  return false;
}

NotifySocket::NotifySocket(fs::path path) : path_(std::move(path)) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string p = path_.string();
  if (p.size() >= sizeof addr.sun_path) throw std::runtime_error("socket path too long: " + p);
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket(AF_UNIX) failed");
  if (::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    throw std::runtime_error("bind " + p + ": " + std::strerror(errno));
  }
}

NotifySocket::~NotifySocket() {
  ::close(fd_);
  std::error_code ec;
  fs::remove(path_, ec);
}

bool NotifySocket::receive_one(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(timeout.count(), 0))) <= 0)
    return false;
  std::array<char, 4096> buf{};
  const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
  if (n <= 0) return false;
  messages_.emplace_back(buf.data(), static_cast<std::size_t>(n));
  return true;
}

std::optional<std::string> NotifySocket::wait_for(const std::string& line,
                                                  std::chrono::milliseconds timeout,
                                                  std::size_t from) {
  for (std::size_t i = from; i < messages_.size(); ++i) {
    if (notify_has_line(messages_[i], line)) return messages_[i];
  }
  const auto deadline = Clock::now() + timeout;
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    if (receive_one(left) && notify_has_line(messages_.back(), line)) return messages_.back();
  }
}

void NotifySocket::drain(std::chrono::milliseconds duration) {
  const auto deadline = Clock::now() + duration;
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return;
    receive_one(left);
  }
}

std::size_t NotifySocket::count(const std::string& line, std::size_t from) const {
  std::size_t n = 0;
  for (std::size_t i = from; i < messages_.size(); ++i) n += notify_has_line(messages_[i], line);
  return n;
}

std::string NotifySocket::dump() const {
  std::string out;
  for (const auto& m : messages_) {
    out += "  [";
    for (char ch : m) out += ch == '\n' ? std::string("\\n") : std::string(1, ch);
    out += "]\n";
  }
  return out;
}

ChildProcess::ChildProcess(const fs::path& dir, std::vector<std::string> argv,
                           const std::map<std::string, std::string>& env, bool set_watchdog_pid) {
  static int counter = 0;  // distinct file names per process within one test
  const std::string tag = std::to_string(::getpid()) + "-" + std::to_string(++counter);
  out_ = dir / ("child-stdout-" + tag + ".txt");
  err_ = dir / ("child-stderr-" + tag + ".txt");

  // Everything the child needs is allocated here, before fork.
  std::vector<std::string> envs;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string kv = *e;
    const std::string key = kv.substr(0, kv.find('='));
    if (env.count(key) != 0 || key == "WATCHDOG_PID") continue;
    envs.push_back(kv);
  }
  for (const auto& [k, v] : env) envs.push_back(k + "=" + v);
  std::string watchdog_pid = "WATCHDOG_PID=" + std::string(20, '\0');
  std::vector<char*> envp;
  for (auto& e : envs) envp.push_back(e.data());
  if (set_watchdog_pid) envp.push_back(watchdog_pid.data());
  envp.push_back(nullptr);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const std::string out_path = out_.string();
  const std::string err_path = err_.string();

  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // Async-signal-safe only from here on.
    if (set_watchdog_pid) {
      char digits[20];
      int n = 0;
      for (auto v = static_cast<unsigned long>(::getpid()); v != 0 || n == 0; v /= 10)
        digits[n++] = static_cast<char>('0' + v % 10);
      char* p = watchdog_pid.data() + std::strlen("WATCHDOG_PID=");
      while (n > 0) *p++ = digits[--n];
      *p = '\0';
    }
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
}

ChildProcess::~ChildProcess() {
  if (running()) {
    signal(SIGKILL);
    wait(std::chrono::seconds(10));
  }
}

bool ChildProcess::running() {
  if (pid_ <= 0 || exit_code_) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == 0) return true;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return false;
}

void ChildProcess::signal(int sig) {
  if (running()) ::kill(pid_, sig);
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (running()) {
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return exit_code_;
}

std::string ChildProcess::stdout_text() const { return read_file(out_); }
std::string ChildProcess::stderr_text() const { return read_file(err_); }

std::optional<std::string> find_program(const std::string& name) {
  const char* path_env = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): read-only
  std::string path = path_env != nullptr ? path_env : "/usr/bin:/bin";
  path += ":/usr/sbin:/sbin";
  std::istringstream in(path);
  for (std::string dir; std::getline(in, dir, ':');) {
    if (dir.empty()) continue;
    const fs::path candidate = fs::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return std::nullopt;
}

}  // namespace wirefeed::testing
