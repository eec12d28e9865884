#pragma once
// CheckpointWatcher: finds the checkpoints a job writes under --checkpoint-dir and decides when one
// is complete, so a half-written checkpoint is never handed to the next attempt. An entry (file or
// folder) is complete at once when
//   - it was renamed into the folder (inotify IN_MOVED_TO) and not written since: the way
//     Transformers, Orbax and careful scripts publish a checkpoint, or
//   - a marker NAME.done sits beside it.
// Otherwise it must prove itself over two trustworthy looks:
//   - a file unchanged (size, modification time, inode) between them, and no process of the job
//     had it open (/proc/PID/fd) at either, or
//   - a folder that satisfies the same and the job has since started a newer checkpoint (a
//     folder filled in place looks whole between two of its files).
// A look is trustworthy only while the job's leader and every process that held a file here open
// at the previous look are still alive after it: a process that exited shows no open files even
// before it is reaped, so a look that catches one dead says nothing about what it was writing.
// At a look that is not trustworthy (and when the job has ended) whatever changed since the last
// trustworthy look, or was open at it, is suspect: never complete until it changes again or is
// marked. A job killed in the middle of writing leaves a closed but half-written file.
// A name that changes after it was complete is judged again (Lightning rewrites last.ckpt).
// Not caught: a process other than the leader that opens a file, writes part of it and is killed
// between two looks, while the leader lives on. The rename or the marker close that gap.
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
  ~CheckpointWatcher();  // stops the copier (after its current copy) and the inotify watch
  CheckpointWatcher(const CheckpointWatcher&) = delete;
  CheckpointWatcher& operator=(const CheckpointWatcher&) = delete;

  // Looks again; returns the checkpoints that became complete since the last look (stored first).
  // `leader` is the job's first process (its process group's id), `job_pids` all of them now.
  // JobState::ended: the job has exited, so what it held open, or what nobody saw while it ran,
  // is suspect for good (until it changes, or gets a .done marker).
  enum class JobState { running, ended };
  std::vector<Checkpoint> scan(pid_t leader, const std::set<pid_t>& job_pids, JobState job = JobState::running);
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
  // Whether the look just taken can be believed (see the top of this file); remembers who wrote.
  bool trustworthy(pid_t leader, const std::set<pid_t>& job_pids, JobState job,
                   const std::map<pid_t, std::set<std::string>>& open);
  void read_renames();  // drains inotify: names renamed in, and names written since
  Result<void> keep_copy(const Checkpoint& c, std::string& stored);
  Result<void> keep_copy_s3(const Checkpoint& c, std::string& stored);
  void copy_loop();
  std::string m_folder, m_store;
  int m_keep;
  std::map<std::string, Seen> m_pending;  // candidates, as the last trustworthy look saw them
  std::map<std::string, Seen> m_done;     // names complete, as they were then
  std::int64_t m_looks = 0;
  std::map<std::string, Seen> m_suspect;  // left half-written by a job that died, as it was then
  std::optional<Checkpoint> m_newest;
  int m_inotify = -1;                    // -1: none (then only markers and looks decide)
  int m_watch = -1;                      // on the folder, once it exists
  std::set<std::string> m_renamed_in;    // renamed into the folder and not written since
  std::set<pid_t> m_writers;             // processes that held a file here open at the last look
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
