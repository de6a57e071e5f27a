#include "daemon/notify.hpp"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace wirefeed::daemon {

SystemdNotifier::SystemdNotifier() {
  const char* socket = std::getenv("NOTIFY_SOCKET");  // NOLINT(concurrency-mt-unsafe): read once
  enabled_ = socket != nullptr && *socket != '\0';
  std::uint64_t usec = 0;
  // 0: keep WATCHDOG_USEC/WATCHDOG_PID in the environment (no global mutation).
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    watchdog_ = std::chrono::microseconds(static_cast<std::chrono::microseconds::rep>(usec));
  }
}

bool SystemdNotifier::send(std::string_view message) const {
  if (!enabled_) return false;
  const std::string text(message);
  return sd_notify(0, text.c_str()) > 0;
}

bool SystemdNotifier::ready() const { return send("READY=1"); }

bool SystemdNotifier::status(std::string_view text) const {
  std::string line = "STATUS=";
  for (char ch : text) line += (ch == '\n' || ch == '\r') ? ' ' : ch;
  return send(line);
}

bool SystemdNotifier::stopping() const { return send("STOPPING=1"); }

bool SystemdNotifier::reloading() const {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const auto usec = static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000u +
                    static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
  return send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

bool SystemdNotifier::watchdog() const { return send("WATCHDOG=1"); }

}  // namespace wirefeed::daemon
