#pragma once
// Datacache: remote data (s3://, http(s)://, file://) kept on local disk, so training reads the
// same shards from object storage once. Each object is a file under objects/ab/cdef… (the SHA-256 of
// its URL) with a small .meta beside it: URL, ETag, size and the file's mtime. A
// download lands in a temporary file and is renamed in only once complete and its size checked;
// the .meta is written last, so a crash leaves a miss, never a half file served as whole.
// A hit costs a stat and no hashing: a file whose size or mtime changed since it was stored
// (a flipped byte, a truncation) is fetched again.
#include <cstdint>
#include <string>

#include "core/error.h"

namespace frugal::datacache {

enum class Outcome { hit, miss, refetched };  // refetched: stale (--revalidate) or corrupt

struct GetResult {
  std::string path;   // the local file
  Outcome outcome = Outcome::miss;
  std::uint64_t bytes = 0;
};

struct GetOptions {
  bool revalidate = false;     // ask the server (HEAD) whether the ETag or size changed
  std::uint64_t max_bytes = 0; // after a download, evict least recently used objects down to this; 0 = unbounded
};

struct Stats {
  std::size_t objects = 0;
  std::uint64_t bytes = 0;
};

struct GcResult {
  std::size_t evicted = 0;
  std::size_t in_use = 0;  // locked by a download or a pin: kept
  std::uint64_t bytes_freed = 0;
  std::uint64_t bytes_used = 0;
};

class DataCache {
 public:
  explicit DataCache(std::string folder) : m_folder(std::move(folder)) {}

  // The local copy of `url`, downloading it on a miss. Of N processes asking for the same URL at
  // once, one downloads and the others wait and hit. Errors name the URL.
  Result<GetResult> get(const std::string& url, const GetOptions& options = {});
  Result<Stats> stats() const;
  // Evicts least recently used objects (a hit refreshes one) until the rest take at most
  // `max_bytes`; an object being downloaded is never evicted.
  Result<GcResult> gc(std::uint64_t max_bytes);

 private:
  std::string m_folder;
};

}  // namespace frugal::datacache
