#pragma once
// What a job's processes hold open under a folder, and whether they are still alive: the evidence
// CheckpointWatcher weighs. A process that has exited shows no open files even before it is
// reaped, so "nobody has it open" means something only about processes alive after the look.
// Private to runner/.
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace frugal::runner {

// For each process of `pids` holding any, the paths at or under `folder` (absolute and resolved,
// as /proc/PID/fd shows them) it has open.
std::map<pid_t, std::set<std::string>> open_under(const std::string& folder, const std::set<pid_t>& pids);

// Whether `pid` has exited: gone, or a zombie waiting to be reaped (its files already closed).
bool has_exited(pid_t pid);

// The same judged from the text of /proc/PID/stat: a zombie, or dying (PF_EXITING), counts as exited.
bool exited_by_stat(std::string_view stat);

}  // namespace frugal::runner
