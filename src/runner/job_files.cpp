#include "runner/job_files.h"

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

bool has_exited(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  std::FILE* f = std::fopen(path, "r");
  if (!f) return true;
  char buffer[512] = {};
  std::size_t got = std::fread(buffer, 1, sizeof buffer - 1, f);
  std::fclose(f);
  // "PID (COMM) S ...": the state follows the last ')' (COMM may hold parentheses and spaces).
  std::string_view stat(buffer, got);
  auto close = stat.rfind(')');
  if (close == std::string_view::npos || close + 2 >= stat.size()) return true;
  char state = stat[close + 2];
  return state == 'Z' || state == 'X' || state == 'x';
}

}  // namespace frugal::runner
