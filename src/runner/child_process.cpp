#include <algorithm>
#include <functional>
#include <poll.h>
#include <string>
#include <vector>
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

extern char** environ;


namespace frugal::runner {
namespace {

constexpr int k_metrics_fd = 3;
constexpr int k_forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

std::atomic<pid_t> g_child_group{0};
std::atomic<bool> g_interrupted{false};

void forward_signal(int sig) {
  // The caller asked frugal itself to stop: the attempt ends, and no retry follows.
  if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT) g_interrupted = true;
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



namespace {

// What the child sets up between vfork and exec.
struct ChildSetup {
  char* const* args;
  char* const* envp;
  bool give_terminal;
  pid_t parent;
  int report_fd;       // errno goes here if exec fails
  int metrics_fd = -1; // keep open across exec (the job's FRUGAL_METRICS_FD)
  int out_fd = -1;     // becomes stdout when output is captured
  int err_fd = -1;     // becomes stderr
};

// In the child between vfork and exec: system calls only.
[[noreturn]] void exec_child(const ChildSetup& c) {
  setpgid(0, 0);
  if (c.give_terminal) {
    // tcsetpgrp from what is still a background group raises SIGTTOU: hold it for the call.
    sigset_t ttou, old;
    sigemptyset(&ttou);
    sigaddset(&ttou, SIGTTOU);
    sigprocmask(SIG_BLOCK, &ttou, &old);
    tcsetpgrp(STDIN_FILENO, getpid());
    sigprocmask(SIG_SETMASK, &old, nullptr);
  }
  // If frugal dies (kill -9), the job must not run on unwatched and unmetered.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != c.parent) _exit(127);
  if (c.out_fd >= 0) dup2(c.out_fd, STDOUT_FILENO);
  if (c.err_fd >= 0) dup2(c.err_fd, STDERR_FILENO);
  // The metrics channel is always fd 3: shells (dash) cannot redirect to fds above 9.
  if (c.metrics_fd == k_metrics_fd) fcntl(k_metrics_fd, F_SETFD, 0);
  else if (c.metrics_fd >= 0) dup2(c.metrics_fd, k_metrics_fd);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int sig : k_forwarded) sigaction(sig, &dfl, nullptr);
  for (int sig : {SIGPIPE, SIGTTOU, SIGTTIN, SIGTSTP, SIGCHLD}) sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execvpe(c.args[0], c.args, c.envp);
  int error = errno;
  ssize_t ignored = write(c.report_fd, &error, sizeof error);
  (void)ignored;
  _exit(127);
}

// vfork: the parent waits until exec, and no page tables are copied (fork cost ~1.5 ms more per
// run here). The child only makes system calls (exec_child), as glibc's own posix_spawn does
// after its clone. In a function of its own so that no local of the caller lives across vfork.
__attribute__((noinline)) pid_t spawn_child(const ChildSetup* setup) {
  pid_t pid = vfork();  // NOLINT(bugprone-unsafe-functions): chosen for its cost, as said above
  if (pid == 0) exec_child(*setup);  // NOLINT(clang-analyzer-unix.Vfork): exec_child makes system calls only
  return pid;
}

void on_sigchld(int) {}  // only to interrupt ppoll

// SIGTERM to the group now (the job may save a checkpoint), SIGKILL when the grace is over.
void request_stop(ChildOutcome& outcome, StopRequest stop, pid_t pid, const Supervision* supervision, bool& killing,
                  std::chrono::steady_clock::time_point& kill_at) {
  outcome.stopped = std::move(stop);
  kill(-pid, SIGTERM);
  killing = true;
  kill_at = std::chrono::steady_clock::now() + supervision->grace;
}

// Splits a stream into lines for a callback; bytes pass through untouched before that.
struct LineStream {
  int fd = -1;
  int echo_fd = -1;  // where the bytes go on (our stdout/stderr); -1 for the metrics channel
  std::string partial;
  std::function<void(std::string_view)>* on_line = nullptr;

  // Reads what is there; false at end of stream.
  bool pump() {
    char buffer[65536];
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
    if (n <= 0) {
      if (!partial.empty() && on_line && *on_line) (*on_line)(partial);
      partial.clear();
      return false;
    }
    if (echo_fd >= 0) {
      for (ssize_t off = 0; off < n;) {  // unbuffered: the job's output appears as it writes it
        ssize_t w = write(echo_fd, buffer + off, static_cast<std::size_t>(n - off));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EPIPE) {
          echo_fd = -1;  // our reader went away (| head): keep supervising, stop echoing
          break;
        }
        if (w <= 0) break;
        off += w;
      }
    }
    if (!on_line || !*on_line) return true;
    std::string_view data(buffer, static_cast<std::size_t>(n));
    for (;;) {
      auto nl = data.find('\n');
      if (nl == std::string_view::npos) {
        partial.append(data);
        if (partial.size() > (1 << 20)) partial.clear();  // a 1 MiB "line" is no metric
        break;
      }
      if (partial.empty()) {
        (*on_line)(data.substr(0, nl));
      } else {
        partial.append(data.substr(0, nl));
        (*on_line)(partial);
        partial.clear();
      }
      data.remove_prefix(nl + 1);
    }
    return true;
  }
};

using Ms = std::chrono::milliseconds;

}  // namespace

bool interrupted_by_caller() { return g_interrupted.load(); }

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

Result<ChildOutcome> run_child(const std::vector<std::string>& argv, const Clock& clock, const Supervision* supervision) {
  if (argv.empty()) return fail(ErrorCode::invalid, "no command to run (put it after --)");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  // Pipes: the exec report (CLOEXEC: a successful exec closes it), the metrics channel, and the
  // job's stdout/stderr when its output is read for metrics.
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) return fail(ErrorCode::io, fmt::format("pipe: {}", std::strerror(errno)));
  int metrics[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  bool want_metrics = supervision && supervision->on_metrics_line;
  bool capture = supervision && supervision->on_output_line;
  auto close_all = [&] {
    for (int fd : {report[0], report[1], metrics[0], metrics[1], out[0], out[1], err[0], err[1]})
      if (fd >= 0) close(fd);
  };
  if ((want_metrics && pipe2(metrics, O_CLOEXEC) != 0) ||
      (capture && (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0))) {
    close_all();
    return fail(ErrorCode::io, fmt::format("pipe: {}", std::strerror(errno)));
  }
  std::vector<std::string> env_storage;
  for (char** e = environ; *e; ++e) env_storage.emplace_back(*e);
  if (want_metrics) {
    env_storage.push_back(fmt::format("FRUGAL_METRICS_FD={}", k_metrics_fd));
    env_storage.push_back(fmt::format("FRUGAL_METRICS_FILE=/dev/fd/{}", k_metrics_fd));
  }
  if (supervision)
    for (const auto& extra : supervision->environment) env_storage.push_back(extra);
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);

  // SIGCHLD stays blocked but for ppoll below, where its (empty) handler wakes us.
  sigset_t chld, before;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  pthread_sigmask(SIG_BLOCK, &chld, &before);
  struct sigaction wake {}, old_chld {}, ignore {}, old_pipe {};
  wake.sa_handler = on_sigchld;
  sigemptyset(&wake.sa_mask);
  sigaction(SIGCHLD, &wake, &old_chld);
  // A closed reader of our output (frugal run ... | head) must not kill the supervisor.
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGPIPE, &ignore, &old_pipe);
  struct Restore {
    sigset_t mask;
    struct sigaction chld, pipe;
    ~Restore() {
      sigaction(SIGCHLD, &chld, nullptr);
      sigaction(SIGPIPE, &pipe, nullptr);
      pthread_sigmask(SIG_SETMASK, &mask, nullptr);
    }
  } restore{before, old_chld, old_pipe};

  bool give_terminal = we_own_the_terminal();
  ChildOutcome outcome;
  outcome.started = clock.now();
  ChildSetup setup{args.data(), envp.data(), give_terminal, getpid(), report[1], metrics[1], out[1], err[1]};
  pid_t pid = spawn_child(&setup);
  for (int fd : {report[1], metrics[1], out[1], err[1]})
    if (fd >= 0) close(fd);
  if (pid < 0) {
    for (int fd : {report[0], metrics[0], out[0], err[0]})
      if (fd >= 0) close(fd);
    return fail(ErrorCode::io, fmt::format("vfork: {}", std::strerror(errno)));
  }
  setpgid(pid, pid);  // also here, so the group exists before we signal it
  int exec_error = 0;
  ssize_t got = read(report[0], &exec_error, sizeof exec_error);
  close(report[0]);
  if (got == static_cast<ssize_t>(sizeof exec_error)) {
    waitpid(pid, nullptr, 0);
    for (int fd : {metrics[0], out[0], err[0]})
      if (fd >= 0) close(fd);
    if (give_terminal) take_terminal_back();
    ErrorCode code = exec_error == ENOENT ? ErrorCode::not_found : ErrorCode::io;
    return fail(code, fmt::format("cannot run '{}': {}", argv.front(), std::strerror(exec_error)));
  }

  if (supervision && supervision->on_started) supervision->on_started(pid);
  std::function<void(std::string_view)> metrics_cb = want_metrics ? supervision->on_metrics_line : nullptr;
  std::function<void(std::string_view)> output_cb = capture ? supervision->on_output_line : nullptr;
  std::vector<LineStream> streams;
  if (want_metrics) streams.push_back({metrics[0], -1, {}, &metrics_cb});
  if (capture) {
    streams.push_back({out[0], STDOUT_FILENO, {}, &output_cb});
    streams.push_back({err[0], STDERR_FILENO, {}, &output_cb});
  }
  for (auto& s : streams) fcntl(s.fd, F_SETFL, fcntl(s.fd, F_GETFL) | O_NONBLOCK);

  int status = 0;
  {
    SignalForwarding forwarding(pid);
    // Signals held back by the caller (see SignalBlock) may arrive now: they reach the job.
    sigset_t forwarded = forwarded_signals(), previous;
    pthread_sigmask(SIG_UNBLOCK, &forwarded, &previous);
    sigset_t wait_mask;
    pthread_sigmask(SIG_SETMASK, nullptr, &wait_mask);
    sigdelset(&wait_mask, SIGCHLD);
    auto next_tick = std::chrono::steady_clock::now() + (supervision ? supervision->every : Ms(0));
    // When the grace after SIGTERM ends (a plain time point: GCC warns on the optional).
    bool killing = false;
    std::chrono::steady_clock::time_point kill_at{};
    for (;;) {
      pid_t r = waitpid(pid, &status, WNOHANG | WUNTRACED);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        pthread_sigmask(SIG_SETMASK, &previous, nullptr);
        for (auto& st : streams)
          if (st.fd >= 0) close(st.fd);
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
      auto now = std::chrono::steady_clock::now();
      if (supervision && now >= next_tick) {
        next_tick = now + supervision->every;
        if (!outcome.stopped && supervision->on_tick) {
          if (auto stop = supervision->on_tick(pid)) request_stop(outcome, std::move(*stop), pid, supervision, killing, kill_at);
        }
      }
      if (supervision && !outcome.stopped && supervision->stop_requested) {
        if (auto stop = supervision->stop_requested()) request_stop(outcome, std::move(*stop), pid, supervision, killing, kill_at);
      }
      if (killing && now >= kill_at) {
        kill(-pid, SIGKILL);
        killing = false;
      }
      // Sleep until output, a state change of the job (SIGCHLD), or the next tick.
      auto wake_at = supervision ? next_tick : now + Ms(60'000);
      if (killing) wake_at = std::min(wake_at, kill_at);
      auto wait = std::max(std::chrono::duration_cast<std::chrono::nanoseconds>(wake_at - now), std::chrono::nanoseconds(1'000'000));
      timespec timeout{static_cast<time_t>(wait.count() / 1'000'000'000), static_cast<long>(wait.count() % 1'000'000'000)};
      std::vector<pollfd> fds;
      for (const auto& s : streams)
        if (s.fd >= 0) fds.push_back({s.fd, POLLIN, 0});
      int ready = ppoll(fds.data(), fds.size(), &timeout, &wait_mask);
      if (ready > 0) {
        for (std::size_t i = 0, k = 0; i < streams.size(); ++i) {
          if (streams[i].fd < 0) continue;
          if (fds[k++].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (!streams[i].pump()) {
              close(streams[i].fd);
              streams[i].fd = -1;
            }
          }
        }
      }
    }
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  }
  // What the job wrote just before it ended; a grandchild holding the pipe open is not waited for.
  for (auto& s : streams) {
    if (s.fd < 0) continue;
    while (s.pump()) {
      pollfd p{s.fd, POLLIN, 0};
      if (poll(&p, 1, 0) <= 0) break;
    }
    if (!s.partial.empty() && s.on_line && *s.on_line) (*s.on_line)(s.partial);
    close(s.fd);
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
