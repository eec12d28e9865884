#include "runner/checkpoints.h"
#include "runner/job_files.h"

#include <filesystem>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/inotify.h>
#include <unistd.h>
#include <utility>

namespace frugal::runner {
namespace fs = std::filesystem;
namespace {

// Renames in, and whatever undoes one: a write, a rename away, a deletion.
constexpr std::uint32_t k_watched = IN_MOVED_TO | IN_MOVED_FROM | IN_MODIFY | IN_DELETE | IN_CLOSE_WRITE;

bool ignored(const std::string& name) {
  return name.empty() || name[0] == '.' || name.ends_with(".tmp") || name.ends_with(".partial") ||
         name.ends_with(".done");
}

// Size and newest modification time of a file or of every file in a folder, with the entry's inode
// folded in: file systems with coarse timestamps show a rewrite (rename into place) only by it.
std::pair<std::uint64_t, std::int64_t> measure(const fs::path& p) {
  struct stat st {};
  std::int64_t inode = ::stat(p.c_str(), &st) == 0 ? static_cast<std::int64_t>(st.st_ino) : 0;
  std::error_code ec;
  std::uint64_t bytes = 0;
  std::int64_t newest = 0;
  auto note = [&](const fs::path& f) {
    auto size = fs::file_size(f, ec);
    if (!ec) bytes += size;
    auto t = fs::last_write_time(f, ec);
    if (!ec) newest = std::max<std::int64_t>(newest, t.time_since_epoch().count());
  };
  if (fs::is_directory(p, ec)) {
    for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      if (it->is_regular_file(ec)) note(it->path());
    newest = std::max<std::int64_t>(newest, fs::last_write_time(p, ec).time_since_epoch().count());
  } else {
    note(p);
  }
  return {bytes, newest ^ (inode << 20)};
}

// Whether any process holds `path`, or a file under it, open.
bool held_open(const fs::path& path, const std::map<pid_t, std::set<std::string>>& open) {
  std::string prefix = path.string();
  for (const auto& [pid, paths] : open)
    for (auto it = paths.lower_bound(prefix); it != paths.end() && it->starts_with(prefix); ++it)
      if (*it == prefix || (*it)[prefix.size()] == '/') return true;
  return false;
}

// /proc/PID/fd shows absolute, resolved paths: compare with the folder resolved the same way.
std::string absolute_folder(const std::string& folder) {
  std::error_code ec;
  auto resolved = fs::weakly_canonical(fs::absolute(folder, ec), ec);
  return ec ? folder : resolved.string();
}

bool marked_done(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p.string() + ".done", ec);
}

}  // namespace

std::optional<std::int64_t> step_of(const std::string& name) {
  std::optional<std::int64_t> last;
  for (std::size_t i = 0; i < name.size();) {
    if (std::isdigit(static_cast<unsigned char>(name[i]))) {
      std::size_t j = i;
      while (j < name.size() && std::isdigit(static_cast<unsigned char>(name[j]))) ++j;
      if (j - i <= 18) last = std::stoll(name.substr(i, j - i));
      i = j;
    } else {
      ++i;
    }
  }
  return last;
}

bool CheckpointWatcher::trustworthy(pid_t leader, const std::set<pid_t>& job_pids, JobState job,
                                    const std::map<pid_t, std::set<std::string>>& open) {
  // Checked after the look: a process alive now was alive while its open files were listed.
  bool lost_one = job == JobState::ended || (leader > 0 && has_exited(leader));
  for (pid_t writer : m_writers)
    if (!job_pids.contains(writer) || has_exited(writer)) lost_one = true;
  m_writers.clear();
  for (const auto& [pid, paths] : open) m_writers.insert(pid);
  return !lost_one;
}

void CheckpointWatcher::read_renames() {
  if (m_inotify < 0) return;
  alignas(inotify_event) char buffer[16384];
  for (;;) {
    ssize_t got = ::read(m_inotify, buffer, sizeof buffer);
    if (got <= 0) return;  // EAGAIN: nothing more
    for (ssize_t at = 0; at < got;) {
      const auto* e = reinterpret_cast<const inotify_event*>(buffer + at);
      at += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
      if (e->mask & IN_Q_OVERFLOW) {
        m_renamed_in.clear();  // events lost: the looks decide
        continue;
      }
      if (e->len == 0) continue;
      std::string name(e->name);
      if (e->mask & IN_MOVED_TO) m_renamed_in.insert(name);
      else m_renamed_in.erase(name);  // written, opened for writing, moved away or deleted since
    }
  }
}

std::vector<Checkpoint> CheckpointWatcher::scan(pid_t leader, const std::set<pid_t>& job_pids, JobState job) {
  std::vector<Checkpoint> complete;
  std::error_code ec;
  if (!fs::is_directory(m_folder, ec)) return complete;
  if (m_inotify >= 0 && m_watch < 0)
    m_watch = ::inotify_add_watch(m_inotify, m_folder.c_str(), k_watched);
  read_renames();
  std::vector<fs::path> entries;
  for (auto it = fs::directory_iterator(m_folder, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    entries.push_back(it->path());
  ++m_looks;
  auto open = open_under(m_folder, job_pids);
  const bool trusted = trustworthy(leader, job_pids, job, open);
  for (const auto& p : entries) {
    std::string name = p.filename().string();
    if (ignored(name)) continue;
    auto [bytes, mtime] = measure(p);
    bool open_now = held_open(p, open);
    // Renamed in and closed: published whole (a writer still holding it open has not finished).
    bool marked = marked_done(p) || (m_renamed_in.contains(name) && !open_now);
    if (marked) m_renamed_in.erase(name);
    // A name seen complete before is judged again once it changes (Lightning rewrites last.ckpt).
    if (auto done = m_done.find(name); done != m_done.end()) {
      if (done->second.bytes == bytes && done->second.mtime_ns == mtime) continue;
      m_done.erase(done);
    }
    if (auto suspect = m_suspect.find(name); suspect != m_suspect.end()) {
      if (!marked && suspect->second.bytes == bytes && suspect->second.mtime_ns == mtime) continue;
      m_suspect.erase(suspect);  // rewritten since (or marked): judge it afresh
    }
    auto seen = m_pending.find(name);
    // As the last trustworthy look saw it, and closed then.
    bool quiet = seen != m_pending.end() && seen->second.bytes == bytes && seen->second.mtime_ns == mtime && !seen->second.open;
    // A folder filled in place looks whole between two of its files: without a marker, it counts
    // only once the job has moved on to a newer checkpoint.
    bool folder = fs::is_directory(p, ec);
    bool moved_on = seen != m_pending.end() && newer_than(seen->second.first_look);
    bool complete_now = marked || (quiet && !open_now && (!folder || moved_on));
    if (!complete_now) {
      if (trusted) {
        m_pending[name] = {bytes, mtime, open_now, seen == m_pending.end() ? m_looks : seen->second.first_look};
      } else if (!(quiet && open_now)) {  // read by a live process: wait for the next look
        // Changed since the last look that could be believed, or open then, or never seen: a
        // process that died may have left it half-written.
        m_suspect[name] = {bytes, mtime, true, m_looks};
        m_pending.erase(name);
      }
      continue;
    }
    m_done[name] = {bytes, mtime, false, seen != m_pending.end() ? seen->second.first_look : m_looks};
    m_pending.erase(name);
    Checkpoint c{p.string(), "", step_of(name), bytes};
    if (!m_store.empty()) {
      std::lock_guard lock(m_mutex);
      m_queue.push_back(c);
      m_changed.notify_all();
    }
    bool newer = !m_newest || (c.step && (!m_newest->step || *c.step >= *m_newest->step)) || (!c.step && !m_newest->step);
    if (newer) m_newest = c;
    complete.push_back(std::move(c));
  }
  return complete;
}

bool CheckpointWatcher::newer_than(std::int64_t look) const {
  for (const auto& [name, seen] : m_pending)
    if (seen.first_look > look) return true;
  for (const auto& [name, seen] : m_done)
    if (seen.first_look > look) return true;
  return false;
}

CheckpointWatcher::CheckpointWatcher(const std::string& folder, std::string store, int keep)
    : m_folder(absolute_folder(folder)), m_store(std::move(store)), m_keep(keep) {
  // Watched from before the job starts, so a checkpoint renamed in at once is seen as such; the
  // folder is made for that (the job would make it anyway). Without inotify (its limits reached)
  // a rename counts as any write: two quiet looks.
  std::error_code ec;
  fs::create_directories(m_folder, ec);
  m_inotify = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (m_inotify >= 0) m_watch = ::inotify_add_watch(m_inotify, m_folder.c_str(), k_watched);
  if (!m_store.empty()) m_copier = std::thread([this] { copy_loop(); });
}

CheckpointWatcher::~CheckpointWatcher() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
    m_changed.notify_all();
  }
  if (m_copier.joinable()) m_copier.join();
  if (m_inotify >= 0) ::close(m_inotify);
}

}  // namespace frugal::runner
