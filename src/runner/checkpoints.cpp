#include "runner/checkpoints.h"

#include <filesystem>
#include <fmt/format.h>
#include <csignal>
#include <sys/stat.h>
#include <pthread.h>
#include <unistd.h>
#include <utility>

namespace frugal::runner {
namespace fs = std::filesystem;
namespace {

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

// Whether any of the job's processes holds a file at or under `path` open.
bool open_by_job(const fs::path& path, const std::set<pid_t>& job_pids) {
  std::string prefix = path.string();
  for (pid_t pid : job_pids) {
    std::error_code ec;
    for (auto it = fs::directory_iterator(fmt::format("/proc/{}/fd", pid), ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
      auto target = fs::read_symlink(it->path(), ec);
      if (ec) {
        ec.clear();
        continue;
      }
      std::string t = target.string();
      if (t == prefix || t.starts_with(prefix + "/")) return true;
    }
  }
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

std::vector<Checkpoint> CheckpointWatcher::scan(const std::set<pid_t>& job_pids, JobState job) {
  const bool job_ended = job == JobState::ended;
  std::vector<Checkpoint> complete;
  std::error_code ec;
  if (!fs::is_directory(m_folder, ec)) return complete;
  std::vector<fs::path> entries;
  for (auto it = fs::directory_iterator(m_folder, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    entries.push_back(it->path());
  ++m_looks;
  for (const auto& p : entries) {
    std::string name = p.filename().string();
    if (ignored(name)) continue;
    auto [bytes, mtime] = measure(p);
    // A name seen complete before is judged again once it changes (Lightning rewrites last.ckpt).
    if (auto done = m_done.find(name); done != m_done.end()) {
      if (done->second.bytes == bytes && done->second.mtime_ns == mtime) continue;
      m_done.erase(done);
    }
    bool marked = marked_done(p);
    if (auto suspect = m_suspect.find(name); suspect != m_suspect.end()) {
      if (!marked && suspect->second.bytes == bytes && suspect->second.mtime_ns == mtime) continue;
      m_suspect.erase(suspect);  // rewritten since (or marked): judge it afresh
    }
    auto seen = m_pending.find(name);
    bool open_now = open_by_job(p, job_pids);
    bool stable = seen != m_pending.end() && seen->second.bytes == bytes && seen->second.mtime_ns == mtime &&
                  !seen->second.open;
    // A folder filled in place looks whole between two of its files: without a marker, it counts
    // only once the job has moved on to a newer checkpoint.
    bool folder = fs::is_directory(p, ec);
    bool moved_on = seen != m_pending.end() && newer_than(seen->second.first_look);
    bool complete_now = marked || (stable && !open_now && (!folder || moved_on));
    if (!complete_now) {
      if (job_ended && (seen == m_pending.end() || seen->second.open || folder)) {
        m_suspect[name] = {bytes, mtime, true, m_looks};
        m_pending.erase(name);
      } else {
        m_pending[name] = {bytes, mtime, open_now, seen == m_pending.end() ? m_looks : seen->second.first_look};
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
  if (!m_store.empty()) m_copier = std::thread([this] { copy_loop(); });
}

CheckpointWatcher::~CheckpointWatcher() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
    m_changed.notify_all();
  }
  if (m_copier.joinable()) m_copier.join();
}

void CheckpointWatcher::copy_loop() {
  // Signals are the supervising thread's business (forwarding, SIGCHLD waking its ppoll).
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  std::unique_lock lock(m_mutex);
  for (;;) {
    m_changed.wait(lock, [&] { return !m_queue.empty() || m_stopping; });
    if (m_queue.empty()) return;  // stopping, nothing left
    Checkpoint c = m_queue.front();
    m_queue.pop_front();
    m_copying = true;
    lock.unlock();
    std::string stored;
    auto kept = keep_copy(c, stored);
    if (!kept) fmt::print(stderr, "frugal: warning: checkpoint {} not copied to {}: {}\n", c.path, m_store, kept.error().message);
    lock.lock();
    m_copying = false;
    if (kept) {
      m_stored_by_path[c.path] = stored;
      m_just_stored.emplace_back(c.path, stored);
    }
    m_changed.notify_all();
  }
}

std::string CheckpointWatcher::resume_path() {
  if (!m_newest) return "";
  std::lock_guard lock(m_mutex);
  auto it = m_stored_by_path.find(m_newest->path);
  // The job needs a local path: an s3:// copy is for resuming on another machine.
  if (it == m_stored_by_path.end() || it->second.starts_with("s3://")) return m_newest->path;
  return it->second;
}

std::vector<std::pair<std::string, std::string>> CheckpointWatcher::take_stored() {
  std::lock_guard lock(m_mutex);
  return std::exchange(m_just_stored, {});
}

void CheckpointWatcher::wait_for_copies() {
  std::unique_lock lock(m_mutex);
  m_changed.wait(lock, [&] { return m_queue.empty() && !m_copying; });
}

Result<void> CheckpointWatcher::keep_copy(const Checkpoint& c, std::string& stored) {
  if (m_store.starts_with("s3://")) return keep_copy_s3(c, stored);
  std::error_code ec;
  fs::create_directories(m_store, ec);
  if (ec) return fail(ErrorCode::io, ec.message());
  fs::path source(c.path);
  fs::path target = fs::path(m_store) / source.filename();
  // Copy under a temporary name, then rename: the store never shows half a checkpoint either.
  fs::path partial = fs::path(m_store) / ("." + source.filename().string() + ".partial");
  fs::remove_all(partial, ec);
  fs::copy(source, partial, fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
  if (ec) return fail(ErrorCode::io, ec.message());
  fs::remove_all(target, ec);
  fs::rename(partial, target, ec);
  if (ec) return fail(ErrorCode::io, ec.message());
  stored = target.string();
  // The same name again (last.ckpt) replaces its copy: it is not a second one to keep.
  std::erase(m_stored, target.string());
  m_stored.push_back(target.string());
  while (m_keep > 0 && static_cast<int>(m_stored.size()) > m_keep) {
    fs::remove_all(m_stored.front(), ec);
    m_stored.erase(m_stored.begin());
  }
  return {};
}

Result<void> CheckpointWatcher::keep_copy_s3(const Checkpoint& c, std::string& stored) {
  if (!m_s3) m_s3 = std::make_unique<objects::S3Client>(FRUGAL_TRY(objects::S3Client::from_environment()));
  auto base = FRUGAL_TRY(objects::parse_s3_url(m_store));
  fs::path source(c.path);
  std::string name = source.filename().string();
  std::string prefix = base.key.empty() ? name : base.key + "/" + name;
  std::error_code ec;
  if (fs::is_directory(source, ec)) {
    for (auto it = fs::recursive_directory_iterator(source, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      std::string rel = fs::relative(it->path(), source, ec).generic_string();
      FRUGAL_CHECK(m_s3->put_file({base.bucket, fmt::format("{}/{}", prefix, rel)}, it->path().string()));
    }
  } else {
    FRUGAL_CHECK(m_s3->put_file({base.bucket, prefix}, source.string()));
  }
  // Objects land one by one: the marker, written last, says the checkpoint is whole.
  FRUGAL_CHECK(m_s3->put_file({base.bucket, prefix + ".done"}, "/dev/null"));
  stored = fmt::format("s3://{}/{}", base.bucket, prefix);
  std::erase(m_stored, prefix);
  m_stored.push_back(prefix);
  while (m_keep > 0 && static_cast<int>(m_stored.size()) > m_keep) {
    const std::string old = m_stored.front();
    m_stored.erase(m_stored.begin());
    FRUGAL_CHECK(m_s3->remove({base.bucket, old + ".done"}));  // first: never a marker without its data
    for (const auto& key : FRUGAL_TRY(m_s3->list({base.bucket, old})))
      if (key == old || key.starts_with(old + "/")) FRUGAL_CHECK(m_s3->remove({base.bucket, key}));
  }
  return {};
}

}  // namespace frugal::runner
