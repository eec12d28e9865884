#pragma once
// Private to src/server: every write of the server goes through one connection on one thread,
// which commits whatever has queued up as one transaction (group commit). A commit costs the same
// for one write as for a hundred, so under load the server commits far less often than it
// answers, and still answers a write only once it is committed. Each job runs in a savepoint of
// the group, so a failing job is rolled back alone.
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "store/store.h"

namespace frugal::server {

class GroupCommit {
 public:
  using Job = std::function<Result<void>(store::Store&)>;

  explicit GroupCommit(std::unique_ptr<store::Store> store);
  ~GroupCommit();  // finishes what is queued, then stops
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Runs `job` on the writer's connection and returns once it is committed (or failed).
  Result<void> run(const Job& job);

 private:
  struct Pending {
    const Job* job;
    Result<void> result = {};
    bool done = false;
  };
  void loop();

  std::unique_ptr<store::Store> m_store;
  std::mutex m_mutex;
  std::condition_variable m_wake, m_finished;
  std::deque<Pending*> m_queue;
  bool m_stopping = false;
  std::thread m_thread;
};

}  // namespace frugal::server
