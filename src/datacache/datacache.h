#pragma once
// Datacache: remote data (s3://, http(s)://, file://) kept on local disk, so training reads the
// same shards from object storage once. Each object is a file under objects/ab/cdef… (the SHA-256 of
// its URL) with a small .meta beside it: URL, ETag, size and the file's mtime. A
// download lands in a temporary file and is renamed in only once complete and its size checked;
// the .meta is written last, so a crash leaves a miss, never a half file served as whole.
// A hit costs a stat and no hashing: a file whose size or mtime changed since it was stored
// (a flipped byte, a truncation) is fetched again. A download cut short stays as .part (with the
// ETag it belongs to) and goes on from where it stopped, in the same call or the next.
// The disk stays bounded twice: --max-size, and a floor of free space on the file system (5 % by
// default, as mountpoint-s3 keeps); least recently used objects go first, pinned ones never.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/money.h"
#include "core/time.h"

namespace frugal::store {
class Store;
}

namespace frugal::datacache {

enum class Outcome { hit, miss, refetched };  // refetched: stale (--revalidate) or corrupt

struct GetResult {
  std::string path;   // the local file
  Outcome outcome = Outcome::miss;
  std::uint64_t bytes = 0;
};

// How full the cache may get. Eviction runs after each download and in gc.
struct Limits {
  std::optional<std::uint64_t> max_bytes{};  // the objects together; none = unbounded
  double min_free_fraction = 0.05;   // of the file system, kept free; 0 = no floor
};

struct GetOptions {
  bool revalidate = false;  // ask the server (HEAD) whether the ETag or size changed
  bool pin = false;         // pin the object: never evicted until unpinned
  Limits limits{};
  int attempts = 3;         // tries of a download cut short, each going on from the last
  std::string s3_endpoint{}, s3_region{};  // override the environment's (objects/objects.h)
  // Called as a download's body arrives (http, https and s3 URLs; a hit downloads nothing): the
  // bytes held so far and the object's size (0 while unknown). For a progress line.
  std::function<void(std::uint64_t held, std::uint64_t total)> on_progress{};
};

struct Stats {
  std::size_t objects = 0;
  std::uint64_t bytes = 0;
  std::size_t pinned = 0;
  std::uint64_t pinned_bytes = 0;
  std::uint64_t partial_bytes = 0;  // downloads cut short, kept to resume
};

struct GcResult {
  std::size_t evicted = 0;
  std::size_t in_use = 0;  // locked by a download in progress: kept
  std::size_t pinned = 0;  // kept
  std::uint64_t bytes_freed = 0;
  std::uint64_t bytes_used = 0;
};

// The file system's size and free space; a test stands in a full disk here.
struct DiskSpace {
  std::uint64_t total = 0, available = 0;
};
using DiskProbe = std::function<Result<DiskSpace>(const std::string& folder)>;
Result<DiskSpace> statvfs_probe(const std::string& folder);

class DataCache {
 public:
  explicit DataCache(std::string folder, DiskProbe probe = statvfs_probe)
      : m_folder(std::move(folder)), m_probe(std::move(probe)) {}

  // The local copy of `url`, downloading it on a miss. Of N processes asking for the same URL at
  // once, one downloads and the others wait and hit. Errors name the URL.
  Result<GetResult> get(const std::string& url, const GetOptions& options = {});
  Result<Stats> stats() const;
  // Pins `url` (whether or not it is held yet): a pinned object is never evicted. Unpinning lets
  // it go by LRU again.
  Result<void> pin(const std::string& url);
  Result<void> unpin(const std::string& url);
  // Evicts least recently used objects (a hit refreshes one) until the rest fit `limits`, and
  // removes partial downloads nobody is resuming when the floor needs the space. An object being
  // downloaded or pinned is never evicted.
  Result<GcResult> gc(const Limits& limits);

 private:
  std::string m_folder;
  DiskProbe m_probe;
};

// ---- Egress avoided ------------------------------------------------------------------------

// Who serves `url`, for its egress price: aws (s3:// on AWS, *.amazonaws.com), gcp
// (storage.googleapis.com), azure (*.blob.core.windows.net), cloudflare (R2), local (file://),
// other. An s3:// URL read through a custom endpoint is "other".
std::string egress_provider(const std::string& url, bool custom_s3_endpoint);

// $ per GB (10^9 bytes) of egress by provider, from "aws=0.09,gcp=0.12,azure=0.087": the
// `egress_usd_per_gb` setting. Unnamed providers cost 0 (local always does).
class EgressPrices {
 public:
  static Result<EgressPrices> parse(const std::string& text);  // errors name the entry
  Money per_gb(const std::string& provider) const;

 private:
  std::vector<std::pair<std::string, Money>> m_prices;
};

struct Requester {
  std::string user, team, project;
};

// Records what `get` served in `data_events`, a hit with the egress it avoided. Returns that.
Result<Money> record_get(store::Store& store, const std::string& url, const GetResult& got, TimePoint at,
                         const std::string& provider, const EgressPrices& prices, const Requester& who);

// A hit is not written to the store at once: a commit would double the cost of a hit (2 ms of a
// 3.5 ms `frugal data get`, bench/data) and wait behind any long write (a bill import). It is
// appended, one line, to `folder`/hits.journal instead, and fold_journal moves the lines into
// data_events later. Returns the egress the hit avoided.
Result<Money> journal_hit(const std::string& folder, const std::string& url, const GetResult& got, TimePoint at,
                          const std::string& provider, const EgressPrices& prices, const Requester& who);
// Moves journaled hits into data_events in one transaction; a line folded twice (a crash between
// the commit and the journal's removal) is counted once. Returns the hits folded.
Result<std::size_t> fold_journal(const std::string& folder, store::Store& store);
// Whether there is anything to fold (a stat).
bool journal_pending(const std::string& folder);

}  // namespace frugal::datacache
