#pragma once
// CheckpointWatcher: finds the checkpoints a job writes under --checkpoint-dir and decides when one
// is complete, so a half-written checkpoint is never handed to the next attempt. An entry (file or
// folder) is complete when
//   - a marker NAME.done sits beside it, or
//   - it is a file unchanged (size and modification time) since the previous look, and no process
//     of the job had it open (/proc/PID/fd) at either look — written and closed. An atomic rename
//     into place satisfies this two looks after it appears.
//   - it is a folder that satisfies the same and the job has since started a newer checkpoint (a
//     folder filled in place looks whole between two of its files).
// A name that changes after it was complete is judged again (Lightning rewrites last.ckpt).
// After the job ended, an entry it still had open (or that nobody saw before) is never complete:
// a job killed in the middle of writing leaves a closed but half-written file.
// Names starting with '.' or ending in .tmp, .partial or .done are never checkpoints themselves.
// Complete checkpoints are copied to --checkpoint-store (the newest `keep` kept there) on a
// thread of their own, so a big checkpoint never holds up the watching of the job.
// Private to runner/.
#include <cstdint>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <optional>
#include <set>
#include <string>
#include <sys/types.h>
#include <vector>

#include "core/error.h"
#include "objects/objects.h"

namespace frugal::runner {

struct Checkpoint {
  std::string path;                // under the checkpoint folder
  std::string stored_path;         // its copy, "" when there is no store
  std::optional<std::int64_t> step;
  std::uint64_t bytes = 0;
};

class CheckpointWatcher {
 public:
  CheckpointWatcher(const std::string& folder, std::string store, int keep);
  ~CheckpointWatcher();
  CheckpointWatcher(const CheckpointWatcher&) = delete;
  CheckpointWatcher& operator=(const CheckpointWatcher&) = delete;

  // Looks again; returns the checkpoints that became complete since the last look (stored first).
  // JobState::ended: the job has exited, so what it held open, or what nobody saw while it ran,
  // is suspect for good (until it changes, or gets a .done marker).
  enum class JobState { running, ended };
  std::vector<Checkpoint> scan(const std::set<pid_t>& job_pids, JobState job = JobState::running);
  // The newest complete checkpoint (by step, then by when it was seen).
  const std::optional<Checkpoint>& newest() const { return m_newest; }
  // Where to resume from: the newest checkpoint's stored copy once it is there, else its own path.
  std::string resume_path();
  // Copies finished since the last call: (checkpoint path, stored path), for the record.
  std::vector<std::pair<std::string, std::string>> take_stored();
  // Blocks until every queued copy is done (between attempts, so the next resumes from the store).
  void wait_for_copies();

 private:
  struct Seen {
    std::uint64_t bytes;
    std::int64_t mtime_ns;
    bool open;               // a job process had it open at that look
    std::int64_t first_look; // the look that first saw it
  };
  bool newer_than(std::int64_t look) const;  // has an entry first seen after that look?
  Result<void> keep_copy(const Checkpoint& c, std::string& stored);
  Result<void> keep_copy_s3(const Checkpoint& c, std::string& stored);
  void copy_loop();
  std::string m_folder, m_store;
  int m_keep;
  std::map<std::string, Seen> m_pending;  // candidates seen once, by name
  std::map<std::string, Seen> m_done;     // names complete, as they were then
  std::int64_t m_looks = 0;
  std::map<std::string, Seen> m_suspect;  // left half-written by a job that died, as it was then
  std::optional<Checkpoint> m_newest;
  // The copier thread and what it shares with the watching thread (under m_mutex).
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<Checkpoint> m_queue;
  bool m_copying = false, m_stopping = false;
  std::map<std::string, std::string> m_stored_by_path;        // checkpoint path → stored copy
  std::vector<std::pair<std::string, std::string>> m_just_stored;
  std::vector<std::string> m_stored;  // stored copies, oldest first (copier thread only)
  std::unique_ptr<objects::S3Client> m_s3;  // copier thread only
  std::thread m_copier;
};

// The digits in a checkpoint's name, as its step: "ckpt-1200.pt" → 1200.
std::optional<std::int64_t> step_of(const std::string& name);

}  // namespace frugal::runner
