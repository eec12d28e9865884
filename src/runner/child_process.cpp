#include <algorithm>
#include <atomic>
#include <chrono>
#include <pthread.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/runner.h"


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

namespace {

// In the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void exec_child(char* const* args, bool give_terminal, pid_t parent, int report_fd) {
  setpgid(0, 0);
  if (give_terminal) {
    // tcsetpgrp from what is still a background group raises SIGTTOU: hold it for the call.
    sigset_t ttou, old;
    sigemptyset(&ttou);
    sigaddset(&ttou, SIGTTOU);
    sigprocmask(SIG_BLOCK, &ttou, &old);
    tcsetpgrp(STDIN_FILENO, getpid());
    sigprocmask(SIG_SETMASK, &old, nullptr);
  }
  // If frugal dies (kill -9), the job must not run on unwatched and unmetered. (The report pipe's
  // read end is the parent's: closing it here would close nothing of ours, it is CLOEXEC anyway.)
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int sig : k_forwarded) sigaction(sig, &dfl, nullptr);
  for (int sig : {SIGPIPE, SIGTTOU, SIGTTIN, SIGTSTP, SIGCHLD}) sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execvp(args[0], args);
  int error = errno;
  ssize_t ignored = write(report_fd, &error, sizeof error);
  (void)ignored;
  _exit(127);
}

// vfork: the parent waits until exec, and no page tables are copied (fork cost ~2 ms more per run
// here). The child only makes system calls (exec_child), as glibc's own posix_spawn does after its
// clone. In a function of its own so that no local of the caller lives across the vfork.
__attribute__((noinline)) pid_t spawn_child(char* const* args, bool give_terminal, pid_t parent, const int* report) {
  pid_t pid = vfork();
  if (pid == 0) exec_child(args, give_terminal, parent, report[1]);
  return pid;
}

using Ms = std::chrono::milliseconds;

}  // namespace

Result<ChildOutcome> run_child(const std::vector<std::string>& argv, const Clock& clock, const Supervision* supervision) {
  if (argv.empty()) return fail(ErrorCode::invalid, "no command to run (put it after --)");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  // The child writes errno here if exec fails; a successful exec closes it (O_CLOEXEC).
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) return fail(ErrorCode::io, fmt::format("pipe: {}", std::strerror(errno)));
  // SIGCHLD stays blocked while we wait: sigtimedwait below takes it (and the sampling ticks).
  sigset_t chld, before;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  pthread_sigmask(SIG_BLOCK, &chld, &before);
  struct Restore {
    sigset_t mask;
    ~Restore() { pthread_sigmask(SIG_SETMASK, &mask, nullptr); }
  } restore{before};

  bool give_terminal = we_own_the_terminal();
  ChildOutcome outcome;
  outcome.started = clock.now();
  pid_t parent = getpid();
  pid_t pid = spawn_child(args.data(), give_terminal, parent, report);
  if (pid < 0) {
    close(report[0]);
    close(report[1]);
    return fail(ErrorCode::io, fmt::format("vfork: {}", std::strerror(errno)));
  }
  close(report[1]);
  setpgid(pid, pid);  // also here, so the group exists before we signal it
  int exec_error = 0;
  ssize_t got = read(report[0], &exec_error, sizeof exec_error);
  close(report[0]);
  if (got == static_cast<ssize_t>(sizeof exec_error)) {
    waitpid(pid, nullptr, 0);
    if (give_terminal) take_terminal_back();
    ErrorCode code = exec_error == ENOENT ? ErrorCode::not_found : ErrorCode::io;
    return fail(code, fmt::format("cannot run '{}': {}", argv.front(), std::strerror(exec_error)));
  }

  int status = 0;
  {
    SignalForwarding forwarding(pid);
    // Signals held back by the caller (see SignalBlock) may arrive now: they reach the job.
    sigset_t forwarded = forwarded_signals(), previous;
    pthread_sigmask(SIG_UNBLOCK, &forwarded, &previous);
    auto next_tick = std::chrono::steady_clock::now() + (supervision ? supervision->every : Ms(0));
    // When the grace after SIGTERM ends (a plain time point: GCC warns on the optional).
    bool killing = false;
    std::chrono::steady_clock::time_point kill_at{};
    for (;;) {
      pid_t r = waitpid(pid, &status, WNOHANG | WUNTRACED);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        pthread_sigmask(SIG_SETMASK, &previous, nullptr);
        return fail(ErrorCode::io, fmt::format("waitpid: {}", std::strerror(errno)));
      }
      if (r == pid) {
        if (!WIFSTOPPED(status)) break;
        // Ctrl-Z (or a background read/write) stopped the job: stop with it, as a shell expects of
        // the program it started, and carry on together when continued.
        int stop = WSTOPSIG(status);
        if (stop != SIGTSTP && stop != SIGTTIN && stop != SIGTTOU) continue;  // SIGSTOP from a debugger
        if (give_terminal) take_terminal_back();
        kill(getpid(), SIGSTOP);
        if (give_terminal) tcsetpgrp(STDIN_FILENO, pid);
        kill(-pid, SIGCONT);
        continue;
      }
      // Still running: sleep until it changes state or the next tick is due.
      auto now = std::chrono::steady_clock::now();
      if (supervision && now >= next_tick) {
        next_tick = now + supervision->every;
        if (!outcome.stopped && supervision->on_tick) {
          if (auto stop = supervision->on_tick(pid)) {
            outcome.stopped = std::move(*stop);
            kill(-pid, SIGTERM);  // the job may save a checkpoint
            killing = true;
            kill_at = now + supervision->grace;
          }
        }
      }
      if (killing && now >= kill_at) {
        kill(-pid, SIGKILL);
        killing = false;
      }
      auto wake = supervision ? next_tick : now + Ms(60'000);
      if (killing) wake = std::min(wake, kill_at);
      auto wait = std::max(std::chrono::duration_cast<std::chrono::nanoseconds>(wake - now), std::chrono::nanoseconds(1'000'000));
      timespec timeout{static_cast<time_t>(wait.count() / 1'000'000'000), static_cast<long>(wait.count() % 1'000'000'000)};
      sigtimedwait(&chld, nullptr, &timeout);
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
