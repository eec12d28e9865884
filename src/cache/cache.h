#pragma once
// Cache: never compute a pipeline stage twice. A stage's key is the SHA-256 of a canonical record
// of everything that decides its outputs — the command, the content of each input (folders
// recursively: relative names, modes and contents, sorted), parameters, named environment variables,
// an optional user key, and the cache format version. Outputs live in a content-addressed object
// store under the cache folder (objects/ab/cdef…, one copy per distinct file), each entry a small
// manifest written atomically (temp + fsync + rename) and checksummed: a crash mid-store leaves no
// entry. Symbolic links and folders in the outputs are recorded as such, never followed.
//
// Nothing damaged is handed back. An object is named by the SHA-256 of the bytes written into it,
// and checked against that name before every restore: re-hashed unless its stamp (inode, size,
// mtime and ctime when it was last hashed, objects/ab/cdef….stamp) shows nothing has touched it
// since; a write through any path changes its ctime, which no user can set back. A damaged object
// and the entry are removed, and the stage runs again. A hit restores outputs by reflink where
// the file system has it, by hard link otherwise (read-only, so only root or a chmod can write
// through one, and the stamp catches that at the next hit), by copy for executables or when the
// `cache_restore` setting says `copy`. docs/benchmarks.md measures the three.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/money.h"

namespace frugal::store {
class Store;
}

namespace frugal::cache {

struct StageInputs {
  std::vector<std::string> command;                            // argv
  std::vector<std::string> inputs;                             // --in paths (files or folders)
  std::vector<std::pair<std::string, std::string>> params;    // --param k=v
  std::vector<std::string> env;                                // --env VAR (their values are read)
  std::string user_key;                                        // --key
};

struct Key {
  std::string hex;                  // the SHA-256, hex
  std::vector<std::string> record;  // what went into it, one line each (--explain)
};

// Errors: an input that does not exist, or cannot be read, names it.
Result<Key> stage_key(const StageInputs& inputs);

// A hit deletes each --out before restoring it, so an --out may not be the working folder or one
// above it, hold an --in, or hold the cache itself. The error names the flag and the path.
Result<void> check_outputs(const std::vector<std::string>& outputs, const std::vector<std::string>& inputs,
                           const std::string& cache_folder);

struct OutputFile {
  std::string path;     // as restored (under one of the --out paths)
  std::string sha256;
  std::uint64_t bytes = 0;
  unsigned mode = 0644;
};

struct OutputLink {     // a symbolic link, restored as one with the same target text
  std::string path;
  std::string target;
};

struct OutputFolder {   // every folder, so empty ones and their modes come back too
  std::string path;
  unsigned mode = 0755;
};

struct Entry {
  std::string key;
  std::vector<std::string> outputs;  // the --out paths
  std::vector<OutputFile> files;     // regular files, each an object
  std::int64_t compute_ms = 0;       // how long the stage took when it ran
  std::int64_t bytes = 0;            // sum of its files
  std::int64_t last_used = 0;        // Unix seconds: stored, or last hit (the manifest's mtime)
  std::vector<OutputLink> links{};
  std::vector<OutputFolder> folders{};  // parents before children
};

struct GcResult {
  std::size_t entries_evicted = 0;
  std::size_t entries_kept = 0;
  std::size_t entries_in_use = 0;    // over the bound but locked by a running stage: kept
  std::uint64_t bytes_freed = 0;
  std::uint64_t bytes_used = 0;      // objects on disk afterwards
};

struct Stats {
  std::size_t entries = 0;
  std::size_t objects = 0;
  std::uint64_t bytes_on_disk = 0;   // distinct objects
  std::uint64_t bytes_referenced = 0; // what entries would take without dedupe
  std::int64_t compute_ms = 0;       // one hit on each entry saves this much
};

enum class Restore { hard_link, reflink, copy };  // the costliest used for any file

// How a hit may put files back: `link` takes the cheapest the file system offers (a reflink, else
// a hard link); `copy` gives every output its own blocks (a reflink, else a full copy), for jobs
// that edit their restored outputs in place.
enum class RestoreMode { link, copy };
Result<RestoreMode> parse_restore_mode(std::string_view text, std::string_view setting);

// How hard `check` looks: `when_changed` trusts an object's stamp; `always` re-hashes every byte
// (`frugal cache verify`, for damage beneath the file system that leaves no trace in a stat).
enum class Verify { when_changed, always };

// What `check` found: the entry's objects that no longer hold what their name says.
struct Damage {
  std::vector<std::string> objects;  // SHA-256 names
  std::vector<std::string> paths;    // the outputs they held
  bool empty() const { return objects.empty(); }
};

class ObjectStore {
 public:
  explicit ObjectStore(std::string folder) : m_folder(std::move(folder)) {}

  // Stores the files under `outputs` as entry `key` (objects first, manifest last).
  Result<Entry> put(const std::string& key, const std::vector<std::string>& outputs, std::int64_t compute_ms);
  // The entry, if there is one and its manifest is whole (a manifest that fails its checksum, or
  // names a path outside its outputs, is a miss).
  Result<std::optional<Entry>> get(const std::string& key) const;
  // Checks each of the entry's objects against its name (see the top of this file).
  Result<Damage> check(const Entry& entry, Verify how = Verify::when_changed) const;
  // Removes a damaged entry and its damaged objects (entries sharing one then miss too).
  Result<void> discard(const Entry& entry, const Damage& damage);
  // Puts an entry back exactly as the miss left it: stale outputs removed, folders, files, then
  // links. Checks first, and refuses (touching nothing) if any object is damaged.
  Result<Restore> restore(const Entry& entry, RestoreMode mode = RestoreMode::link) const;
  Result<void> remove(const std::string& key);
  Result<std::vector<Entry>> list() const;
  // A hit refreshes the entry's last use, so LRU eviction keeps what is used (as ccache does).
  Result<void> touch(const std::string& key);
  // Evicts least recently used entries until the objects take at most `max_bytes`, skipping
  // entries whose key lock is held (a stage restoring or storing them); then deletes objects no
  // entry refers to (those younger than an hour are left: they may belong to a store under way).
  Result<GcResult> gc(std::uint64_t max_bytes);
  Result<Stats> stats() const;
  const std::string& folder() const { return m_folder; }

 private:
  std::string object_path(const std::string& sha256) const;
  // Copies `file` in as an object (unless a sound one holds its content already) and describes it.
  Result<void> store_object(const std::string& file, OutputFile& out);
  std::string m_folder;
};

// A lock per key (flock on locks/KEY, released by the kernel if its holder dies): of two processes
// missing the same key, one runs the stage, the other waits and hits; gc skips locked entries.
class KeyLock {
 public:
  static Result<KeyLock> acquire(const std::string& folder, const std::string& key);
  // Empty when another process holds it.
  static Result<std::optional<KeyLock>> try_acquire(const std::string& folder, const std::string& key);
  // Deletes the lock files nobody holds (they carry nothing; acquiring makes one again), so
  // locks/ does not grow with every key ever used. Safe against a process opening one at the same
  // moment: acquiring re-checks that the file it locked is still the one at locks/KEY.
  static std::size_t remove_stale(const std::string& folder);
  KeyLock(KeyLock&& other) noexcept;
  KeyLock(const KeyLock&) = delete;
  KeyLock& operator=(const KeyLock&) = delete;
  KeyLock& operator=(KeyLock&&) = delete;
  ~KeyLock();

 private:
  explicit KeyLock(int fd) : m_fd(fd) {}
  int m_fd;
};

// "50G", "512Mi", "1T", "1000": K/M/G/T are powers of 1000, Ki/Mi/Gi/Ti of 1024; a trailing B is
// allowed. The error names `flag`.
Result<std::uint64_t> parse_size(const std::string& text, std::string_view flag);

// Who a stage runs for and what its machine costs, so hits can be counted as money saved.
struct EventContext {
  std::string user, team, project;
  std::string instance_type, region, provider;  // priced from the catalog when given
  std::optional<Money> hourly;                  // --hourly-usd: wins over the catalog
};

// The hourly price `context` names: its own, or the catalog's on-demand price of its instance
// type; none when neither is given. An unknown instance type is an error naming close matches.
Result<std::optional<Money>> hourly_price(store::Store& store, const EventContext& context);

enum class EventKind { store, hit, damaged };

// Records a store, a hit or a damaged entry found in `cache_events`; a hit's saving is compute_ms
// at `hourly`. Returns it.
Result<std::optional<Money>> record_event(store::Store& store, EventKind kind, const Entry& entry, TimePoint at,
                                          const EventContext& context, std::optional<Money> hourly);

// Writes `data` to `target` all or nothing: a temporary beside it, fsynced, renamed over it, and
// the folder fsynced. A crash leaves the old file or the new one, never half of either.
Result<void> write_atomically(const std::string& target, const std::string& data);

// SHA-256 of a string, hex.
std::string sha256_hex(std::string_view text);

// SHA-256 of a file's content, hex.
Result<std::string> hash_file(const std::string& path);

}  // namespace frugal::cache
