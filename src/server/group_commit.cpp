#include "server/group_commit.h"

#include <cstdio>
#include <fmt/format.h>
#include <vector>

namespace frugal::server {

namespace {
constexpr std::size_t k_max_group = 256;  // jobs in one transaction: bounds how long one commit holds the lock
}

GroupCommit::GroupCommit(std::unique_ptr<store::Store> store) : m_store(std::move(store)) {
  // A commit that had to checkpoint the WAL would hold up every write queued behind it.
  if (auto moved = m_store->checkpoint_in_background(); !moved)
    fmt::print(stderr, "frugal: serve: checkpoints stay on the writer: {}\n", moved.error().message);
  m_thread = std::thread([this] { loop(); });
}

GroupCommit::~GroupCommit() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  m_thread.join();
}

Result<void> GroupCommit::run(const Job& job) {
  Pending pending{&job};
  std::unique_lock lock(m_mutex);
  m_queue.push_back(&pending);
  m_wake.notify_one();
  m_finished.wait(lock, [&] { return pending.done; });
  return pending.result;
}

void GroupCommit::submit(Job job, std::function<void(Result<void>)> then) {
  auto* pending = new Pending{nullptr};  // owned by the queue, then by loop(), which deletes it
  pending->owned = std::move(job);
  pending->job = &pending->owned;
  pending->then = std::move(then);
  {
    std::lock_guard lock(m_mutex);
    m_queue.push_back(pending);
  }
  m_wake.notify_one();
}

void GroupCommit::loop() {
  std::vector<Pending*> group;
  for (;;) {
    {
      std::unique_lock lock(m_mutex);
      m_wake.wait(lock, [&] { return m_stopping || !m_queue.empty(); });
      if (m_queue.empty()) return;  // stopping, and nothing left to write
      while (!m_queue.empty() && group.size() < k_max_group) {
        group.push_back(m_queue.front());
        m_queue.pop_front();
      }
    }
    auto committed = m_store->transaction([&]() -> Result<void> {
      for (Pending* p : group) {
        p->result = m_store->transaction([&]() -> Result<void> {  // a savepoint each
          try {
            return (*p->job)(*m_store);
          } catch (const std::exception& e) {  // a bug in one request fails that request, not the server
            return fail(ErrorCode::io, fmt::format("internal error: {}", e.what()));
          }
        });
        // An error the engine could not keep to the savepoint rolled back the whole group: stop,
        // so no later job commits on its own while the group is reported failed.
        if (!m_store->in_transaction()) return fail(ErrorCode::unavailable, "the store rolled the writes back; retry");
      }
      return {};
    });
    // A waiter's Pending lives on its stack and may be gone once `done` is set: the submitted ones
    // are set apart first.
    std::vector<std::unique_ptr<Pending>> submitted;
    bool waiters = false;
    {
      std::lock_guard lock(m_mutex);
      for (Pending* p : group) {
        if (!committed) p->result = std::unexpected(committed.error());
        if (p->then) {
          submitted.emplace_back(p);
          continue;
        }
        p->done = true;
        waiters = true;
      }
    }
    if (waiters) m_finished.notify_all();
    for (auto& p : submitted) {
      try {
        p->then(std::move(p->result));
      } catch (const std::exception& e) {  // a bug in an answer must not stop the writer
        fmt::print(stderr, "frugal: serve: answering a write: {}\n", e.what());
      }
    }
    group.clear();
  }
}

}  // namespace frugal::server
