#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <optional>
#include <vector>

#include "cache/cache.h"
#include "datacache/datacache.h"
#include "objects/objects.h"

namespace frugal::datacache {
namespace fs = std::filesystem;
namespace {

struct Meta {
  std::string url, etag;
  std::uint64_t bytes = 0;
  std::int64_t mtime_ns = 0;  // of the data file when it was stored or last verified
};

std::int64_t mtime_ns_of(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

std::optional<Meta> read_meta(const std::string& path) {
  std::ifstream in(path);
  std::string magic;
  Meta m;
  if (!std::getline(in, magic) || magic != "frugal-data 1") return std::nullopt;
  if (!std::getline(in, m.url) || !std::getline(in, m.etag) || !(in >> m.bytes >> m.mtime_ns))
    return std::nullopt;
  return m;
}

Result<void> write_meta(const std::string& path, const Meta& m) {
  return cache::write_atomically(path, fmt::format("frugal-data 1\n{}\n{}\n{} {}\n", m.url, m.etag, m.bytes, m.mtime_ns));
}

bool is_remote_url(const std::string& url) {
  return url.starts_with("s3://") || url.starts_with("http://") || url.starts_with("https://") || url.starts_with("file://");
}

Result<objects::ObjectInfo> file_info(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return fail(ErrorCode::not_found, fmt::format("file://{}: no such file", path));
  return objects::ObjectInfo{static_cast<std::uint64_t>(st.st_size), fmt::format("{}-{}", st.st_size, mtime_ns_of(st))};
}

// GET (into `local`) or, when `local` is empty, HEAD of any supported URL.
Result<objects::ObjectInfo> transfer(const std::string& url, const std::string& local) {
  if (url.starts_with("file://")) {
    std::string path = url.substr(7);
    auto info = FRUGAL_TRY(file_info(path));
    if (!local.empty()) {
      std::error_code ec;
      fs::copy_file(path, local, fs::copy_options::overwrite_existing, ec);
      if (ec) return fail(ErrorCode::io, fmt::format("{}: {}", url, ec.message()));
    }
    return info;
  }
  if (url.starts_with("s3://")) {
    auto where = FRUGAL_TRY(objects::parse_s3_url(url));
    auto client = FRUGAL_TRY(objects::S3Client::from_environment());
    auto signing = client.signing();
    auto result = local.empty() ? objects::http_head(client.url_for(where), &signing)
                                : objects::http_download(client.url_for(where), local, &signing);
    if (!result) return std::unexpected(result.error().wrap(url));
    return result;
  }
  return local.empty() ? objects::http_head(url) : objects::http_download(url, local);
}

}  // namespace

Result<GetResult> DataCache::get(const std::string& url, const GetOptions& options) {
  if (!is_remote_url(url))
    return fail(ErrorCode::invalid, fmt::format("'{}': expected an s3://, https://, http:// or file:// URL", url));
  // The .meta holds the URL on a line of its own, and no real URL has control characters.
  if (std::any_of(url.begin(), url.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
    return fail(ErrorCode::invalid, "URL with a control character (newline, tab, ...): refused");
  std::string key = cache::sha256_hex(url);
  fs::path data = fs::path(m_folder) / "objects" / key.substr(0, 2) / key.substr(2);
  std::string meta_path = data.string() + ".meta";

  // The stored copy if it is as stored: same size and mtime (a stat, no hashing). Anything that
  // wrote to it since changed its mtime, so it is fetched again. Hashing each download instead
  // cost half the download speed on loopback (bench/data) and would catch only what a write
  // that restored the mtime hid.
  auto stored_copy = [&]() -> Result<std::optional<Meta>> {
    auto meta = read_meta(meta_path);
    struct stat st {};
    if (!meta || meta->url != url || ::stat(data.c_str(), &st) != 0) return std::optional<Meta>{};
    if (static_cast<std::uint64_t>(st.st_size) != meta->bytes || mtime_ns_of(st) != meta->mtime_ns)
      return std::optional<Meta>{};  // changed under us: corrupt
    return meta;
  };
  auto hit = [&](const Meta& m) -> Result<GetResult> {
    ::utimensat(AT_FDCWD, meta_path.c_str(), nullptr, 0);  // last use, for LRU
    return GetResult{data.string(), Outcome::hit, m.bytes};
  };

  if (!options.revalidate)
    if (auto m = FRUGAL_TRY(stored_copy())) return hit(*m);
  auto lock = FRUGAL_TRY(cache::KeyLock::try_acquire(m_folder, key));
  std::optional<cache::KeyLock> held;
  if (lock) held.emplace(std::move(*lock));
  else held.emplace(FRUGAL_TRY(cache::KeyLock::acquire(m_folder, key)));  // another process downloads it: wait
  bool had_copy = fs::exists(meta_path);
  if (auto m = FRUGAL_TRY(stored_copy())) {
    if (!options.revalidate) return hit(*m);
    auto now = FRUGAL_TRY(transfer(url, ""));
    if (now.etag == m->etag && now.bytes == m->bytes) return hit(*m);
  }

  std::error_code ec;
  fs::create_directories(data.parent_path(), ec);
  if (ec) return fail(ErrorCode::io, fmt::format("{}: {}", data.parent_path().string(), ec.message()));
  std::string tmp = fmt::format("{}/.{}.{}.tmp", data.parent_path().string(), key.substr(2), ::getpid());
  auto fetched = transfer(url, tmp);
  if (!fetched) {
    fs::remove(tmp, ec);
    return std::unexpected(fetched.error());
  }
  Meta meta{url, fetched->etag, fetched->bytes, 0};
  fs::remove(meta_path, ec);  // the old description goes before the old file is replaced
  if (::rename(tmp.c_str(), data.c_str()) != 0)
    return fail(ErrorCode::io, fmt::format("{}: {}", data.string(), std::strerror(errno)));
  struct stat st {};
  ::stat(data.c_str(), &st);
  meta.mtime_ns = mtime_ns_of(st);
  meta.bytes = static_cast<std::uint64_t>(st.st_size);
  FRUGAL_CHECK(write_meta(meta_path, meta));
  GetResult result{data.string(), had_copy ? Outcome::refetched : Outcome::miss, meta.bytes};
  // Still holding our lock, so gc counts this object as in use: the path returned must exist.
  if (options.max_bytes) FRUGAL_CHECK(gc(options.max_bytes));
  return result;
}

namespace {

struct StoredObject {
  std::string key, data, meta;
  std::uint64_t bytes = 0;
  std::int64_t last_used = 0;
};

std::vector<StoredObject> stored_objects(const std::string& folder) {
  std::vector<StoredObject> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(fs::path(folder) / "objects", ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!name.ends_with(".meta") || name.starts_with(".") || name.size() != 62 + 5) continue;
    std::string data = it->path().string().substr(0, it->path().string().size() - 5);
    struct stat meta_stat {}, data_stat {};
    if (::stat(it->path().c_str(), &meta_stat) != 0 || ::stat(data.c_str(), &data_stat) != 0) continue;
    out.push_back({it->path().parent_path().filename().string() + name.substr(0, 62), data, it->path().string(),
                   static_cast<std::uint64_t>(data_stat.st_size), static_cast<std::int64_t>(meta_stat.st_mtime)});
  }
  return out;
}

}  // namespace

Result<Stats> DataCache::stats() const {
  Stats s;
  for (const auto& o : stored_objects(m_folder)) {
    ++s.objects;
    s.bytes += o.bytes;
  }
  return s;
}

Result<GcResult> DataCache::gc(std::uint64_t max_bytes) {
  GcResult r;
  auto objects = stored_objects(m_folder);
  std::sort(objects.begin(), objects.end(), [](const auto& a, const auto& b) { return a.last_used < b.last_used; });
  std::uint64_t used = 0;
  for (const auto& o : objects) used += o.bytes;
  std::error_code ec;
  for (const auto& o : objects) {
    if (used <= max_bytes) break;
    auto lock = FRUGAL_TRY(cache::KeyLock::try_acquire(m_folder, o.key));
    if (!lock) {
      ++r.in_use;
      continue;
    }
    fs::remove(o.meta, ec);  // the description first: a half-evicted object is a miss
    fs::remove(o.data, ec);
    used -= o.bytes;
    r.bytes_freed += o.bytes;
    ++r.evicted;
  }
  r.bytes_used = used;
  return r;
}

}  // namespace frugal::datacache
