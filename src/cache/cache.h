#pragma once
// Cache: never compute a pipeline stage twice. A stage's key is the SHA-256 of a canonical record
// of everything that decides its outputs — the command, the content of each input (folders
// recursively: relative names, modes and contents, sorted), parameters, named environment variables,
// an optional user key, and the cache format version. Outputs live in a content-addressed object
// store under the cache folder (objects/ab/cdef…, one copy per distinct file), each entry a small
// manifest written atomically (temp + fsync + rename): a crash mid-store leaves no entry.
// A hit restores outputs by hard link where the file system allows, by copy (verified) otherwise.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

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

struct OutputFile {
  std::string path;     // as restored (under one of the --out paths)
  std::string sha256;
  std::uint64_t bytes = 0;
  unsigned mode = 0644;
};

struct Entry {
  std::string key;
  std::vector<std::string> outputs;  // the --out paths
  std::vector<OutputFile> files;
  std::int64_t compute_ms = 0;       // how long the stage took when it ran
  std::int64_t bytes = 0;            // sum of its files
};

enum class Restore { hard_link, copy };

class ObjectStore {
 public:
  explicit ObjectStore(std::string folder) : m_folder(std::move(folder)) {}

  // Stores the files under `outputs` as entry `key` (objects first, manifest last).
  Result<Entry> put(const std::string& key, const std::vector<std::string>& outputs, std::int64_t compute_ms);
  // The entry, if there is one (and whole).
  Result<std::optional<Entry>> get(const std::string& key) const;
  // Puts an entry's files back in place; a copy is checked against its hash.
  Result<Restore> restore(const Entry& entry) const;
  Result<void> remove(const std::string& key);
  Result<std::vector<Entry>> list() const;
  const std::string& folder() const { return m_folder; }

 private:
  std::string object_path(const std::string& sha256) const;
  std::string m_folder;
};

// SHA-256 of a file's content, hex.
Result<std::string> hash_file(const std::string& path);

}  // namespace frugal::cache
