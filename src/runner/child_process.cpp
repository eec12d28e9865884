#include <atomic>
#include <pthread.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/runner.h"

extern char** environ;

namespace frugal::runner {
namespace {

constexpr int k_forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

std::atomic<pid_t> g_child_group{0};

void forward_signal(int sig) {
  pid_t group = g_child_group.load();
  if (group > 0) kill(-group, sig);
}

// Installs the forwarding handlers for the child's lifetime and restores the old ones after.
class SignalForwarding {
 public:
  explicit SignalForwarding(pid_t group) {
    g_child_group = group;
    struct sigaction sa {};
    sa.sa_handler = forward_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (std::size_t i = 0; i < std::size(k_forwarded); ++i) sigaction(k_forwarded[i], &sa, &m_old[i]);
  }
  ~SignalForwarding() {
    for (std::size_t i = 0; i < std::size(k_forwarded); ++i) sigaction(k_forwarded[i], &m_old[i], nullptr);
    g_child_group = 0;
  }
  SignalForwarding(const SignalForwarding&) = delete;
  SignalForwarding& operator=(const SignalForwarding&) = delete;

 private:
  struct sigaction m_old[std::size(k_forwarded)] {};
};

// True when an interactive shell started us as a job of our own (we lead the terminal's foreground
// group): then the child takes the terminal, as a shell would give it. Under a script without job
// control we share the script's group, which must keep the terminal so Ctrl-C reaches the script too.
bool we_own_the_terminal() {
  return isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp() && getpgrp() == getpid();
}

void take_terminal_back() {
  // tcsetpgrp from a background group raises SIGTTOU; ignore it for the call.
  struct sigaction ignore {}, old {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGTTOU, &ignore, &old);
  tcsetpgrp(STDIN_FILENO, getpgrp());
  sigaction(SIGTTOU, &old, nullptr);
}

}  // namespace

sigset_t forwarded_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : k_forwarded) sigaddset(&set, sig);
  return set;
}

SignalBlock::SignalBlock() {
  sigset_t set = forwarded_signals();
  pthread_sigmask(SIG_BLOCK, &set, &m_previous);
}

SignalBlock::~SignalBlock() { pthread_sigmask(SIG_SETMASK, &m_previous, nullptr); }

Result<ChildOutcome> run_child(const std::vector<std::string>& argv, const Clock& clock) {
  if (argv.empty()) return fail(ErrorCode::invalid, "no command to run (put it after --)");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  sigset_t defaults, empty;
  sigemptyset(&defaults);
  for (int sig : k_forwarded) sigaddset(&defaults, sig);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGTTOU);
  sigemptyset(&empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setpgroup(&attr, 0);
  short flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
  bool give_terminal = we_own_the_terminal();
  if (give_terminal) posix_spawn_file_actions_addtcsetpgrp_np(&actions, STDIN_FILENO);
  posix_spawnattr_setflags(&attr, flags);

  ChildOutcome outcome;
  outcome.started = clock.now();
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    if (give_terminal) take_terminal_back();
    ErrorCode code = rc == ENOENT ? ErrorCode::not_found : ErrorCode::io;
    return fail(code, fmt::format("cannot run '{}': {}", argv.front(), std::strerror(rc)));
  }
  int status = 0;
  {
    SignalForwarding forwarding(pid);
    // Signals held back by the caller (see SignalBlock) may arrive now: they reach the job.
    sigset_t forwarded = forwarded_signals(), previous;
    pthread_sigmask(SIG_UNBLOCK, &forwarded, &previous);
    for (;;) {
      if (waitpid(pid, &status, WUNTRACED) < 0) {
        if (errno == EINTR) continue;
        pthread_sigmask(SIG_SETMASK, &previous, nullptr);
        return fail(ErrorCode::io, fmt::format("waitpid: {}", std::strerror(errno)));
      }
      if (!WIFSTOPPED(status)) break;
      // Ctrl-Z (or a background read/write) stopped the job: stop with it, as a shell expects of
      // the program it started, and carry on together when continued.
      int stop = WSTOPSIG(status);
      if (stop != SIGTSTP && stop != SIGTTIN && stop != SIGTTOU) continue;  // SIGSTOP from a debugger
      if (give_terminal) take_terminal_back();
      kill(getpid(), SIGSTOP);
      if (give_terminal) tcsetpgrp(STDIN_FILENO, pid);
      kill(-pid, SIGCONT);
    }
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  }
  outcome.ended = clock.now();
  if (give_terminal) take_terminal_back();
  if (WIFEXITED(status)) {
    outcome.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    outcome.signal = WTERMSIG(status);
    outcome.exit_code = 128 + WTERMSIG(status);
  }
  return outcome;
}

}  // namespace frugal::runner
