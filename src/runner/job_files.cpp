#include "runner/job_files.h"

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <string_view>

namespace frugal::runner {
namespace fs = std::filesystem;

std::map<pid_t, std::set<std::string>> open_under(const std::string& folder, const std::set<pid_t>& pids) {
  std::map<pid_t, std::set<std::string>> out;
  for (pid_t pid : pids) {
    std::error_code ec;
    for (auto it = fs::directory_iterator(fmt::format("/proc/{}/fd", pid), ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
      std::error_code link_ec;
      std::string target = fs::read_symlink(it->path(), link_ec).string();
      if (!link_ec && (target == folder || target.starts_with(folder + "/"))) out[pid].insert(std::move(target));
    }
  }
  return out;
}

bool exited_by_stat(std::string_view stat) {
  // "PID (COMM) S PPID PGRP SESSION TTY TPGID FLAGS ...": the fields follow the last ')' (COMM
  // may hold parentheses and spaces).
  auto close = stat.rfind(')');
  if (close == std::string_view::npos || close + 2 >= stat.size()) return true;
  std::string_view rest = stat.substr(close + 2);
  char state = rest[0];
  if (state == 'Z' || state == 'X' || state == 'x') return true;
  // A process killed is not a zombie at once: it closes its files first and only then becomes one.
  // The kernel marks it PF_EXITING before it closes anything, so a look that found its files
  // closed and it still "running" is caught here (include/linux/sched.h; 0x4 since Linux 2.6).
  constexpr unsigned long k_pf_exiting = 0x00000004;
  for (int field = 0; field < 6; ++field) {
    auto space = rest.find(' ');
    if (space == std::string_view::npos) return false;
    rest.remove_prefix(space + 1);
  }
  unsigned long flags = 0;
  auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), flags);
  (void)end;
  return error == std::errc{} && (flags & k_pf_exiting) != 0;
}

bool has_exited(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  std::FILE* f = std::fopen(path, "r");
  if (!f) return true;
  char buffer[1024] = {};
  std::size_t got = std::fread(buffer, 1, sizeof buffer - 1, f);
  std::fclose(f);
  return exited_by_stat(std::string_view(buffer, got));
}

}  // namespace frugal::runner
