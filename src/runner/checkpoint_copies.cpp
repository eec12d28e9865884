// The copier half of CheckpointWatcher: complete checkpoints go to --checkpoint-store (a folder or
// s3://) on a thread of their own, the newest `keep` kept there.
#include <csignal>
#include <filesystem>
#include <fmt/format.h>
#include <pthread.h>
#include <utility>

#include "runner/checkpoints.h"

namespace frugal::runner {
namespace fs = std::filesystem;

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
