// SystemdNotifier: the daemon's side of the systemd service protocol (sd_notify(3)) over
// libsystemd.
//
// Invariants:
// - No global mutable state: the notifier captures NOTIFY_SOCKET / WATCHDOG_USEC / WATCHDOG_PID
//   once at construction and never unsets them (sd_notify is called with unset_environment=0).
// - Every method is a cheap no-op when the process was not started with NOTIFY_SOCKET (a plain
//   shell, a container, a test): enabled() is false and nothing is sent.
// - Send errors are reported by the return value only; nothing here logs or throws.
// - Thread-safe: sd_notify opens a fresh datagram per call; the object is immutable after
//   construction.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace wirefeed::daemon {

class SystemdNotifier {
 public:
  // Reads the environment once (NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID).
  SystemdNotifier();

  // True when NOTIFY_SOCKET was set (the service manager listens for notifications).
  bool enabled() const noexcept { return enabled_; }

  // Each returns true when the message was sent, false when disabled or sending failed.
  bool ready() const;                        // READY=1
  bool status(std::string_view text) const;  // STATUS=<text> (newlines replaced by spaces)
  bool stopping() const;                     // STOPPING=1
  // RELOADING=1 plus MONOTONIC_USEC=<now> (systemd >= 253 wants it; older ones ignore it).
  // Follow with ready() once the reload is done.
  bool reloading() const;
  bool watchdog() const;  // WATCHDOG=1

  // The watchdog interval systemd expects keep-alives within (sd_watchdog_enabled: WATCHDOG_USEC,
  // honouring WATCHDOG_PID), or std::nullopt when the watchdog is off. Send at half of it.
  std::optional<std::chrono::microseconds> watchdog_interval() const noexcept { return watchdog_; }

 private:
  bool send(std::string_view message) const;

  bool enabled_ = false;
  std::optional<std::chrono::microseconds> watchdog_;
};

}  // namespace wirefeed::daemon
