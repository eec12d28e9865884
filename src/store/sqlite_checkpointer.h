#pragma once
// Private to src/store: WAL checkpoints on a thread and a connection of their own, for a
// connection that commits small transactions often (the server's group-commit writer).
//
// SQLite checkpoints from the committing connection by default: the commit that finds the WAL
// past its threshold copies the WAL into the database file and syncs both before it returns, and
// every write queued behind it waits (bench/server/floor.sh: on this machine the checkpoints' syncs
// made 16-row commits 3-4× slower in wall-clock time than their CPU). SQLite lets another connection
// run the same PASSIVE checkpoint beside the writer, without blocking it; this class does that. The
// writer's commits still go to the WAL exactly as before, so what a commit guarantees is unchanged.
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/error.h"

struct sqlite3;

namespace frugal::store {

class BackgroundCheckpointer {
 public:
  // Opens a second connection to `path` and takes over `writer`'s WAL hook (which replaces its
  // automatic checkpoints). `writer` must outlive this object.
  static Result<std::unique_ptr<BackgroundCheckpointer>> start(const std::string& path, sqlite3* writer);
  ~BackgroundCheckpointer();  // gives `writer` its automatic checkpoints back, stops the thread
  BackgroundCheckpointer(const BackgroundCheckpointer&) = delete;
  BackgroundCheckpointer& operator=(const BackgroundCheckpointer&) = delete;

 private:
  BackgroundCheckpointer(sqlite3* writer, sqlite3* own) : m_writer(writer), m_own(own) {}
  static int on_commit(void* self, sqlite3* db, const char* schema, int frames);
  void loop();

  sqlite3* m_writer;
  sqlite3* m_own;  // used only by m_thread
  std::mutex m_mutex;
  std::condition_variable m_wake, m_done;
  // Checkpoint requests, counted: the thread takes all those asked for so far as one checkpoint
  // (m_started), and says when it has finished them (m_finished). A writer that needs one starting
  // after its commit waits until m_finished reaches the number its request was given.
  std::uint64_t m_requested = 0, m_started = 0, m_finished = 0;
  bool m_stopping = false;
  std::thread m_thread;
};

}  // namespace frugal::store
