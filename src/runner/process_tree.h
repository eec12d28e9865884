#pragma once
// Reads what a job's processes use from procfs: CPU time and resident memory of every process in
// its process group (the job, its workers, their children). Private to runner/.
#include <cstdint>
#include <set>
#include <string>
#include <sys/types.h>

namespace frugal::runner {

struct GroupUsage {
  std::uint64_t cpu_ticks = 0;  // user + system time of the live processes, clock ticks
  std::uint64_t rss_bytes = 0;  // resident memory, bytes
  std::set<pid_t> pids;         // the processes (to find the job's GPU contexts)
};

// Sums /proc/<pid>/stat over the processes whose process group is `pgid`.
GroupUsage group_usage(pid_t pgid);

// This process's start time in clock ticks after boot (field 22 of /proc/self/stat): with the pid,
// it names a process uniquely, even after the pid is reused.
std::int64_t process_start_ticks(pid_t pid);

// Clock ticks per second (sysconf(_SC_CLK_TCK)).
long ticks_per_second();

// "BOOT_ID:PIDNS": this machine's boot and this process's pid namespace. A recorded pid is only
// checkable where both match.
std::string runner_boot();

// SIGKILL to every process of group `pgid` that started at or after `start_ticks` (so not to a
// later, unrelated group that reuses the number): what a dead runner's job left behind.
int kill_leftovers(pid_t pgid, std::int64_t start_ticks);

}  // namespace frugal::runner
