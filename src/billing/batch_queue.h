#pragma once
// BatchQueue: hands converted batches from the parsing thread to the thread that owns the store,
// holding at most `capacity` in flight so memory stays flat whatever the file size. Spent batches
// travel back for reuse. Private to billing/.
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

#include "billing/charge_writer.h"

namespace frugal::billing {

class BatchQueue {
 public:
  explicit BatchQueue(std::size_t capacity) : m_capacity(capacity) {}

  // Producer: an empty batch to fill (a recycled one when there is one). Waits while the queue is full.
  std::unique_ptr<PreparedBatch> take_empty() {
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [&] { return m_full.size() < m_capacity || m_cancelled; });
    if (!m_empty.empty()) {
      auto b = std::move(m_empty.back());
      m_empty.pop_back();
      b->clear();
      return b;
    }
    return std::make_unique<PreparedBatch>();
  }
  void push(std::unique_ptr<PreparedBatch> batch) {
    std::lock_guard lock(m_mutex);
    m_full.push_back(std::move(batch));
    m_changed.notify_all();
  }
  // Producer: no more batches.
  void close() {
    std::lock_guard lock(m_mutex);
    m_closed = true;
    m_changed.notify_all();
  }
  // Consumer: the next batch, or nullptr once closed and drained.
  std::unique_ptr<PreparedBatch> pop() {
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [&] { return !m_full.empty() || m_closed; });
    if (m_full.empty()) return nullptr;
    auto b = std::move(m_full.front());
    m_full.pop_front();
    m_changed.notify_all();
    return b;
  }
  void recycle(std::unique_ptr<PreparedBatch> batch) {
    std::lock_guard lock(m_mutex);
    m_empty.push_back(std::move(batch));
  }
  // Consumer: stop the producer (the import failed).
  void cancel() {
    std::lock_guard lock(m_mutex);
    m_cancelled = true;
    m_changed.notify_all();
  }
  bool cancelled() {
    std::lock_guard lock(m_mutex);
    return m_cancelled;
  }

 private:
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<std::unique_ptr<PreparedBatch>> m_full;
  std::deque<std::unique_ptr<PreparedBatch>> m_empty;
  std::size_t m_capacity;
  bool m_closed = false;
  bool m_cancelled = false;
};

}  // namespace frugal::billing
