#include "cli/child_output.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace frugal::cli {
namespace {

struct Pipe {
  int fd[2] = {-1, -1};
  ~Pipe() {
    for (int f : fd)
      if (f >= 0) ::close(f);
  }
  void close_end(int i) {
    if (fd[i] >= 0) ::close(fd[i]);
    fd[i] = -1;
  }
};

}  // namespace

Result<ChildOutput> run_capture(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                                std::chrono::milliseconds timeout) {
  if (argv.empty()) return fail(ErrorCode::invalid, "run_capture: no program");
  Pipe out, err;
  if (::pipe2(out.fd, O_CLOEXEC) != 0 || ::pipe2(err.fd, O_CLOEXEC) != 0)
    return fail(ErrorCode::io, fmt::format("cannot run {}: {}", argv[0], std::strerror(errno)));
  // The environment: frugal's own, with `env` replacing variables of the same name.
  std::vector<std::string> vars;
  for (char** e = environ; *e; ++e) {
    std::string_view var(*e);
    bool replaced = false;
    for (const auto& add : env)
      if (var.substr(0, var.find('=') + 1) == std::string_view(add).substr(0, add.find('=') + 1)) replaced = true;
    if (!replaced) vars.emplace_back(var);
  }
  vars.insert(vars.end(), env.begin(), env.end());
  std::vector<char*> envp, args;
  for (auto& v : vars) envp.push_back(v.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.fd[1], STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  pid_t pid = 0;
  int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned == ENOENT) return fail(ErrorCode::not_found, fmt::format("{} is not installed here (not on PATH)", argv[0]));
  if (spawned != 0) return fail(ErrorCode::io, fmt::format("cannot run {}: {}", argv[0], std::strerror(spawned)));
  out.close_end(1);
  err.close_end(1);

  // Both pipes drained together, so a child that fills one while frugal waits on the other never stalls.
  ChildOutput result;
  pollfd fds[2] = {{out.fd[0], POLLIN, 0}, {err.fd[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  char buffer[65536];
  int open_pipes = 2;
  bool timed_out = false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (open_pipes > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    int ready = ::poll(fds, 2, static_cast<int>(std::min<std::int64_t>(left.count(), 60'000)));
    if (ready < 0) {
      if (errno == EINTR) continue;
      ::kill(pid, SIGKILL);  // cannot drain its output: stop it rather than wait on a child blocked writing
      break;
    }
    if (ready == 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) sinks[i]->append(buffer, static_cast<std::size_t>(n));
      else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open_pipes;
      }
    }
  }
  int status = 0;
  pid_t waited = 0;
  while ((waited = ::waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
  }
  if (waited < 0) return fail(ErrorCode::io, fmt::format("{}: cannot wait for it: {}", argv[0], std::strerror(errno)));
  if (timed_out)
    return fail(ErrorCode::unavailable, fmt::format("{} did not finish within {} s; stopped", argv[0],
                                                    std::chrono::duration_cast<std::chrono::seconds>(timeout).count()));
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace frugal::cli
