#include "store/sqlite_checkpointer.h"

#include <fmt/format.h>
#include <sqlite3.h>

namespace frugal::store {
namespace {
// WAL frames (pages) after which the thread checkpoints: 2 MB with the store's 64 KiB pages. Small,
// so each checkpoint is short.
constexpr int k_background_frames = 32;
// SQLite starts the WAL over (reuses it from its first frame) only when a write transaction begins
// with every frame already copied, which a checkpoint running beside a busy writer never quite
// reaches: the WAL would grow for as long as writes keep coming. Past this many frames (16 MB) the
// writer waits, once, for a checkpoint of everything it has written, so its next transaction starts
// the WAL over. A checkpoint never waits for readers, so neither does this.
constexpr int k_catch_up_frames = 256;
}  // namespace

Result<std::unique_ptr<BackgroundCheckpointer>> BackgroundCheckpointer::start(const std::string& path, sqlite3* writer) {
  sqlite3* own = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &own, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    auto error = fail(ErrorCode::io, fmt::format("{}: a connection for checkpoints: {}", path, sqlite3_errmsg(own)));
    sqlite3_close_v2(own);
    return error;
  }
  // A read makes the connection find the WAL now, rather than inside its first checkpoint.
  if (rc = sqlite3_exec(own, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr); rc != SQLITE_OK) {
    auto error = fail(ErrorCode::io, fmt::format("{}: a connection for checkpoints: {}", path, sqlite3_errmsg(own)));
    sqlite3_close_v2(own);
    return error;
  }
  std::unique_ptr<BackgroundCheckpointer> self(new BackgroundCheckpointer(writer, own));
  self->m_thread = std::thread([s = self.get()] { s->loop(); });
  sqlite3_wal_hook(writer, &BackgroundCheckpointer::on_commit, self.get());
  return self;
}

BackgroundCheckpointer::~BackgroundCheckpointer() {
  sqlite3_wal_autocheckpoint(m_writer, 1000);  // SQLite's default, and removes this object's hook
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_one();
  m_done.notify_all();
  m_thread.join();
  sqlite3_close_v2(m_own);
}

// Called by SQLite on the writer's thread after each commit (its write lock already released), with
// the frames now in the WAL.
int BackgroundCheckpointer::on_commit(void* opaque, sqlite3*, const char*, int frames) {
  auto* self = static_cast<BackgroundCheckpointer*>(opaque);
  if (frames < k_background_frames) return SQLITE_OK;
  std::unique_lock lock(self->m_mutex);
  if (frames < k_catch_up_frames) {
    if (self->m_requested == self->m_started) {  // else one not yet started will see these frames
      ++self->m_requested;
      self->m_wake.notify_one();
    }
    return SQLITE_OK;
  }
  const std::uint64_t mine = ++self->m_requested;  // starts after this commit: it copies all of it
  self->m_wake.notify_one();
  self->m_done.wait(lock, [&] { return self->m_finished >= mine || self->m_stopping; });
  return SQLITE_OK;
}

void BackgroundCheckpointer::loop() {
  for (;;) {
    std::uint64_t target = 0;
    {
      std::unique_lock lock(m_mutex);
      m_wake.wait(lock, [&] { return m_requested > m_started || m_stopping; });
      if (m_stopping) return;
      target = m_started = m_requested;
    }
    // PASSIVE copies what no reader still needs and never waits; what it leaves is copied next
    // time. A failure (the disk full, say) leaves the frames in the WAL, where they are safe.
    (void)sqlite3_wal_checkpoint_v2(m_own, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    {
      std::lock_guard lock(m_mutex);
      m_finished = target;
    }
    m_done.notify_all();
  }
}

}  // namespace frugal::store
