// Asks a running wirefeedd to reload (`wirefeedd --reload PID`, the unit's ExecReload=): sends
// SIGHUP from the package's own binary, so the unit executes nothing the package does not ship.
//
// Invariants:
// - Only a positive decimal process id is accepted (what systemd puts in $MAINPID): an empty,
//   zero or negative value would make kill(2) signal a whole process group.
// - send_reload_signal sends exactly one SIGHUP and reports kill(2)'s error, never retries.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string_view>
#include <system_error>

namespace wirefeed::daemon {

// The process id in `text`, or nullopt unless it is 1..INT_MAX in plain decimal digits.
std::optional<pid_t> parse_pid(std::string_view text);

// kill(pid, SIGHUP): an empty error_code on success, otherwise errno (ESRCH: no such process,
// EPERM: another user's process).
std::error_code send_reload_signal(pid_t pid);

}  // namespace wirefeed::daemon
