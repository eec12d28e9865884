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

  // Queues `job` and returns at once; `then` is called on the writer's thread with the outcome once
  // the group is committed (or failed). No thread waits for the commit, so a server answering
  // writes this way wakes one thread per group rather than one per write (docs/benchmarks.md).
  // Keep `then` short: the next group waits for it.
  void submit(Job job, std::function<void(Result<void>)> then);

 private:
  struct Pending {
    const Job* job;
    Result<void> result = {};
    bool done = false;
    Job owned{};                                   // submit(): the job, kept here
    std::function<void(Result<void>)> then{};      // submit(): called instead of waking a waiter
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
