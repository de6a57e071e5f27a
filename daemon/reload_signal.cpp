// See reload_signal.hpp.
#include "daemon/reload_signal.hpp"

#include <cerrno>
#include <charconv>
#include <csignal>

namespace wirefeed::daemon {

std::optional<pid_t> parse_pid(std::string_view text) {
  if (text.empty()) return std::nullopt;
  for (const char ch : text) {
    if (ch < '0' || ch > '9') return std::nullopt;  // no sign, space or hex
  }
  pid_t pid = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), pid);
  if (ec != std::errc() || end != text.data() + text.size() || pid <= 0) return std::nullopt;
  return pid;
}

std::error_code send_reload_signal(pid_t pid) {
  if (pid <= 0) return std::make_error_code(std::errc::invalid_argument);
  if (::kill(pid, SIGHUP) != 0) return {errno, std::generic_category()};
  return {};
}

}  // namespace wirefeed::daemon
