#include "runner/process_tree.h"

#include <charconv>
#include <cstdlib>
#include <cstdio>
#include <dirent.h>
#include <fcntl.h>
#include <string_view>
#include <csignal>
#include <unistd.h>

namespace frugal::runner {
namespace {

// The fields after the command name of /proc/<pid>/stat ("(name)" may hold spaces and parentheses).
bool read_stat(pid_t pid, char* buffer, std::size_t size, std::string_view& after_name) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = read(fd, buffer, size - 1);
  close(fd);
  if (n <= 0) return false;
  std::string_view text(buffer, static_cast<std::size_t>(n));
  auto close_paren = text.rfind(')');
  if (close_paren == std::string_view::npos || close_paren + 2 > text.size()) return false;
  after_name = text.substr(close_paren + 2);
  return true;
}

// Field k (1-based, as proc(5) numbers them) of the stat line; field 3 is the first after the name.
std::uint64_t field(std::string_view after_name, int k) {
  int index = 3;
  std::size_t start = 0;
  while (index < k) {
    start = after_name.find(' ', start);
    if (start == std::string_view::npos) return 0;
    ++start;
    ++index;
  }
  std::uint64_t value = 0;
  std::from_chars(after_name.data() + start, after_name.data() + after_name.size(), value);
  return value;
}

}  // namespace

long ticks_per_second() {
  static const long ticks = sysconf(_SC_CLK_TCK);
  return ticks;
}

GroupUsage group_usage(pid_t pgid) {
  GroupUsage usage;
  static const long page = sysconf(_SC_PAGESIZE);
  DIR* proc = opendir("/proc");
  if (!proc) return usage;
  char buffer[1024];
  while (dirent* entry = readdir(proc)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
    std::string_view stat;
    if (!read_stat(pid, buffer, sizeof buffer, stat)) continue;  // gone meanwhile
    if (static_cast<pid_t>(field(stat, 5)) != pgid) continue;
    usage.cpu_ticks += field(stat, 14) + field(stat, 15);
    usage.rss_bytes += field(stat, 24) * static_cast<std::uint64_t>(page);
    usage.pids.insert(pid);
  }
  closedir(proc);
  return usage;
}

std::string runner_boot() {
  std::string boot;
  if (std::FILE* f = std::fopen("/proc/sys/kernel/random/boot_id", "r")) {
    char line[64] = {};
    if (std::fgets(line, sizeof line, f)) boot = line;
    std::fclose(f);
  }
  while (!boot.empty() && (boot.back() == '\n' || boot.back() == ' ')) boot.pop_back();
  char ns[64] = {};
  ssize_t n = readlink("/proc/self/ns/pid", ns, sizeof ns - 1);
  return boot + ":" + (n > 0 ? std::string(ns, static_cast<std::size_t>(n)) : std::string());
}

int kill_leftovers(pid_t pgid, std::int64_t start_ticks) {
  int killed = 0;
  DIR* proc = opendir("/proc");
  if (!proc) return 0;
  char buffer[1024];
  while (dirent* entry = readdir(proc)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
    std::string_view stat;
    if (!read_stat(pid, buffer, sizeof buffer, stat)) continue;
    if (static_cast<pid_t>(field(stat, 5)) != pgid) continue;
    if (static_cast<std::int64_t>(field(stat, 22)) < start_ticks) continue;
    if (kill(pid, SIGKILL) == 0) ++killed;
  }
  closedir(proc);
  return killed;
}

std::int64_t process_start_ticks(pid_t pid) {
  char buffer[1024];
  std::string_view stat;
  if (!read_stat(pid, buffer, sizeof buffer, stat)) return -1;
  return static_cast<std::int64_t>(field(stat, 22));
}

}  // namespace frugal::runner
