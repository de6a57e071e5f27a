// Unit tests for `wirefeedd --reload PID` (daemon/reload_signal.hpp): which process ids are
// accepted, and that one SIGHUP reaches the target or kill(2)'s error comes back.
//
// Invariants checked:
// - Only plain positive decimal ids parse; empty, zero, signs, spaces, hex and overflow do not
//   (a 0 or negative id would signal a whole process group).
// - A child process blocking SIGHUP receives exactly the signal sent; a reaped child's id
//   gives ESRCH.
#include "daemon/reload_signal.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <ctime>

namespace wirefeed::daemon {
namespace {

TEST(ReloadSignal, ParsesOnlyPositiveDecimalIds) {
  EXPECT_EQ(parse_pid("1"), 1);
  EXPECT_EQ(parse_pid("4242"), 4242);
  EXPECT_EQ(parse_pid("2147483647"), 2147483647);
  for (const char* bad : {"", "0", "00", "-1", "+5", " 12", "12 ", "0x10", "12a", "1.5",
                          "2147483648", "99999999999999999999", "$MAINPID"}) {
    EXPECT_EQ(parse_pid(bad), std::nullopt) << "'" << bad << "'";
  }
}

TEST(ReloadSignal, DeliversSighupToTheProcess) {
  // The child inherits a mask blocking SIGHUP and waits for it synchronously: exit 0 when it
  // arrives, 1 on another signal, 2 after 20 s without one.
  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  sigset_t old;
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &hup, &old), 0);
  const pid_t child = fork();
  if (child == 0) {
    const timespec limit{20, 0};
    const int sig = sigtimedwait(&hup, nullptr, &limit);
    _exit(sig == SIGHUP ? 0 : sig < 0 ? 2 : 1);
  }
  ASSERT_EQ(pthread_sigmask(SIG_SETMASK, &old, nullptr), 0);
  ASSERT_GT(child, 0);
  EXPECT_FALSE(send_reload_signal(child));
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "child ended by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child did not receive SIGHUP";
}

TEST(ReloadSignal, ReportsAProcessThatIsGone) {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  const std::error_code ec = send_reload_signal(child);
  EXPECT_EQ(ec, std::errc::no_such_process) << ec.message();
  EXPECT_EQ(send_reload_signal(0), std::errc::invalid_argument);
  EXPECT_EQ(send_reload_signal(-1), std::errc::invalid_argument);
}

}  // namespace
}  // namespace wirefeed::daemon
