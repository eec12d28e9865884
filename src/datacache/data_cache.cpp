#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <optional>
#include <thread>
#include <vector>

#include "cache/cache.h"
#include "datacache/datacache.h"
#include "datacache/file_url.h"
#include "objects/objects.h"

namespace frugal::datacache {
namespace fs = std::filesystem;
namespace {

struct Meta {
  std::string url, etag;
  std::uint64_t bytes = 0;
  std::int64_t mtime_ns = 0;  // of the data file when it was stored or last verified
};

// Where one URL's files live: objects/ab/cdef… (data), …​.meta, …​.pin, and .cdef….part(.etag)
// for a download cut short.
struct Paths {
  std::string key, data, meta, pin, part, part_etag;
  Paths(const std::string& folder, std::string k) : key(std::move(k)) {
    fs::path dir = fs::path(folder) / "objects" / key.substr(0, 2);
    data = (dir / key.substr(2)).string();
    meta = data + ".meta";
    pin = data + ".pin";
    part = (dir / ("." + key.substr(2) + ".part")).string();
    part_etag = part + ".etag";
  }
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

// What a partial download belongs to, so the rest is asked of the same object version.
std::optional<objects::Resume> read_partial(const Paths& p, const std::string& url) {
  std::ifstream in(p.part_etag);
  std::string magic, part_url, etag;
  if (!std::getline(in, magic) || magic != "frugal-part 1" || !std::getline(in, part_url) || part_url != url ||
      !std::getline(in, etag) || etag.empty())
    return std::nullopt;
  struct stat st {};
  if (::stat(p.part.c_str(), &st) != 0 || st.st_size == 0) return std::nullopt;
  return objects::Resume{static_cast<std::uint64_t>(st.st_size), etag};
}

void forget_partial(const Paths& p) {
  std::error_code ec;
  fs::remove(p.part_etag, ec);
  fs::remove(p.part, ec);
}

// Hex of a base64 text (x-amz-checksum-sha256 is base64 of the digest); "" when not base64.
std::string base64_to_hex(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
  };
  std::string hex;
  unsigned bits = 0;
  int count = 0;
  for (char c : text) {
    if (c == '=') break;
    int v = value(c);
    if (v < 0) return "";
    bits = (bits << 6) | static_cast<unsigned>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      hex += fmt::format("{:02x}", (bits >> count) & 0xff);
    }
  }
  return hex;
}

// The download against the SHA-256 the server sent, when it sent one. A multipart object's
// composite checksum (info.sha256_composite) is a hash of its parts' hashes, not of its bytes: that
// download rests, as botocore's does, on its length and ETag, which objects::http_download checks.
Result<void> check_checksum(const std::string& url, const std::string& path, const objects::ObjectInfo& info) {
  if (info.sha256_base64.empty()) return {};
  std::string expected = base64_to_hex(info.sha256_base64);
  std::string got = FRUGAL_TRY(cache::hash_file(path));
  if (got != expected)
    return fail(ErrorCode::io, fmt::format("{}: the download does not match the server's x-amz-checksum-sha256 ({} ≠ {})",
                                           url, got, info.sha256_base64));
  return {};
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

// One GET into `local` (going on from `resume` when given) or, when `local` is empty, a HEAD.
Result<objects::ObjectInfo> transfer(const std::string& url, const std::string& local, const GetOptions& options,
                                     const objects::Resume* resume = nullptr, std::string* etag_seen = nullptr) {
  if (url.starts_with("file://")) {
    std::string path = FRUGAL_TRY(file_url_path(url));
    FRUGAL_CHECK(check_cacheable_file(path, url));
    auto info = FRUGAL_TRY(file_info(path));
    if (!local.empty()) {
      std::error_code ec;
      fs::copy_file(path, local, fs::copy_options::overwrite_existing, ec);
      if (ec) return fail(ErrorCode::io, fmt::format("{}: {}", url, ec.message()));
      // A file written while it was copied is not what its size and mtime describe.
      if (fs::file_size(local, ec) != info.bytes || ec)
        return fail(ErrorCode::io, fmt::format("{}: it changed while it was copied; try again", url));
    }
    return info;
  }
  if (url.starts_with("s3://")) {
    auto where = FRUGAL_TRY(objects::parse_s3_url(url));
    auto client = FRUGAL_TRY(objects::S3Client::from_environment(options.s3_endpoint, options.s3_region));
    auto signing = client.signing();
    if (!local.empty()) signing.headers.push_back("x-amz-checksum-mode: ENABLED");  // the SHA-256, when stored with one
    auto result = local.empty() ? objects::http_head(client.url_for(where), &signing)
                                : objects::http_download(client.url_for(where), local, &signing, resume, etag_seen,
                                                         &options.on_progress);
    if (!result) return std::unexpected(result.error().wrap(url));
    return result;
  }
  return local.empty() ? objects::http_head(url)
                       : objects::http_download(url, local, nullptr, resume, etag_seen, &options.on_progress);
}

// Downloads `url` into p.part, trying `attempts` times; each try after a cut connection asks only
// for the rest. A download that still fails keeps its part (and ETag) for the next call.
Result<objects::ObjectInfo> download(const std::string& url, const Paths& p, const GetOptions& options) {
  std::optional<objects::Resume> resume = read_partial(p, url);
  if (!resume) forget_partial(p);
  Result<objects::ObjectInfo> fetched = fail(ErrorCode::io, url);
  for (int attempt = 1; attempt <= std::max(options.attempts, 1); ++attempt) {
    std::string etag_seen;
    fetched = transfer(url, p.part, options, resume ? &*resume : nullptr, &etag_seen);
    if (fetched) {
      auto checked = check_checksum(url, p.part, *fetched);
      if (checked) break;
      fetched = std::unexpected(checked.error());
      forget_partial(p);  // corrupt on the way: the whole object again
      resume.reset();
      continue;
    }
    if (fetched.error().code == ErrorCode::not_found || fetched.error().code == ErrorCode::invalid) break;
    struct stat st {};
    if (etag_seen.empty() || ::stat(p.part.c_str(), &st) != 0 || st.st_size == 0) {
      forget_partial(p);  // nothing to go on from
      resume.reset();
    } else {
      auto saved = cache::write_atomically(p.part_etag, fmt::format("frugal-part 1\n{}\n{}\n", url, etag_seen));
      if (!saved) return std::unexpected(saved.error());
      resume = objects::Resume{static_cast<std::uint64_t>(st.st_size), etag_seen};
    }
    if (attempt < options.attempts) std::this_thread::sleep_for(std::chrono::milliseconds(100 * attempt));
  }
  if (!fetched) {
    if (fetched.error().code == ErrorCode::not_found) forget_partial(p);
    return fetched;
  }
  std::error_code ec;
  fs::remove(p.part_etag, ec);
  return fetched;
}

}  // namespace

Result<DiskSpace> statvfs_probe(const std::string& folder) {
  struct statvfs vfs {};
  if (::statvfs(folder.c_str(), &vfs) != 0) return fail(ErrorCode::io, fmt::format("{}: {}", folder, std::strerror(errno)));
  return DiskSpace{static_cast<std::uint64_t>(vfs.f_blocks) * vfs.f_frsize, static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize};
}

Result<GetResult> DataCache::get(const std::string& url, const GetOptions& options) {
  if (!is_remote_url(url))
    return fail(ErrorCode::invalid, fmt::format("'{}': expected an s3://, https://, http:// or file:// URL", url));
  // The .meta holds the URL on a line of its own, and no real URL has control characters.
  if (std::any_of(url.begin(), url.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
    return fail(ErrorCode::invalid, "URL with a control character (newline, tab, ...): refused");
  Paths p(m_folder, cache::sha256_hex(url));
  if (options.pin) FRUGAL_CHECK(pin(url));

  // The stored copy if it is as stored: same size and mtime (a stat, no hashing). Anything that
  // wrote to it since changed its mtime, so it is fetched again. Hashing each download instead
  // cost half the download speed on loopback (bench/data) and would catch only what a write
  // that restored the mtime hid.
  auto stored_copy = [&]() -> std::optional<Meta> {
    auto meta = read_meta(p.meta);
    struct stat st {};
    if (!meta || meta->url != url || ::stat(p.data.c_str(), &st) != 0) return std::nullopt;
    if (static_cast<std::uint64_t>(st.st_size) != meta->bytes || mtime_ns_of(st) != meta->mtime_ns)
      return std::nullopt;  // changed under us: corrupt
    return meta;
  };
  auto hit = [&](const Meta& m) -> Result<GetResult> {
    ::utimensat(AT_FDCWD, p.meta.c_str(), nullptr, 0);  // last use, for LRU
    return GetResult{p.data, Outcome::hit, m.bytes};
  };

  if (!options.revalidate)
    if (auto m = stored_copy()) return hit(*m);
  auto lock = FRUGAL_TRY(cache::KeyLock::try_acquire(m_folder, p.key));
  std::optional<cache::KeyLock> held;
  if (lock) held.emplace(std::move(*lock));
  else held.emplace(FRUGAL_TRY(cache::KeyLock::acquire(m_folder, p.key)));  // another process downloads it: wait
  bool had_copy = fs::exists(p.meta);
  if (auto m = stored_copy()) {
    if (!options.revalidate) return hit(*m);
    auto now = FRUGAL_TRY(transfer(url, "", options));
    if (now.etag == m->etag && now.bytes == m->bytes) return hit(*m);
  }

  std::error_code ec;
  fs::create_directories(fs::path(p.data).parent_path(), ec);
  if (ec) return fail(ErrorCode::io, fmt::format("{}: {}", fs::path(p.data).parent_path().string(), ec.message()));
  auto fetched = FRUGAL_TRY(download(url, p, options));
  Meta meta{url, fetched.etag, fetched.bytes, 0};
  fs::remove(p.meta, ec);  // the old description goes before the old file is replaced
  if (::rename(p.part.c_str(), p.data.c_str()) != 0)
    return fail(ErrorCode::io, fmt::format("{}: {}", p.data, std::strerror(errno)));
  struct stat st {};
  ::stat(p.data.c_str(), &st);
  meta.mtime_ns = mtime_ns_of(st);
  meta.bytes = static_cast<std::uint64_t>(st.st_size);
  FRUGAL_CHECK(write_meta(p.meta, meta));
  GetResult result{p.data, had_copy ? Outcome::refetched : Outcome::miss, meta.bytes};
  // Still holding our lock, so gc counts this object as in use: the path returned must exist.
  FRUGAL_CHECK(gc(options.limits));
  return result;
}

namespace {

Result<void> check_remote(const std::string& url) {
  if (!is_remote_url(url))
    return fail(ErrorCode::invalid, fmt::format("'{}': expected an s3://, https://, http:// or file:// URL", url));
  return {};
}

}  // namespace

Result<void> DataCache::unpin(const std::string& url) {
  FRUGAL_CHECK(check_remote(url));
  Paths p(m_folder, cache::sha256_hex(url));
  std::error_code ec;
  fs::remove(p.pin, ec);
  if (ec) return fail(ErrorCode::io, fmt::format("{}: {}", p.pin, ec.message()));
  return {};
}

Result<void> DataCache::pin(const std::string& url) {
  FRUGAL_CHECK(check_remote(url));
  Paths p(m_folder, cache::sha256_hex(url));
  std::error_code ec;
  fs::create_directories(fs::path(p.pin).parent_path(), ec);
  if (ec) return fail(ErrorCode::io, fmt::format("{}: {}", p.pin, ec.message()));
  return cache::write_atomically(p.pin, url + "\n");
}

namespace {

struct StoredObject {
  std::string key, data, meta;
  std::uint64_t bytes = 0;
  std::int64_t last_used = 0;
  bool pinned = false;
};

struct Holdings {
  std::vector<StoredObject> objects;
  std::vector<std::pair<std::string, std::uint64_t>> partials;  // path, bytes
};

Holdings holdings(const std::string& folder) {
  Holdings out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(fs::path(folder) / "objects", ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    std::string name = it->path().filename().string(), path = it->path().string();
    if (name.starts_with(".") && name.ends_with(".part")) {
      struct stat st {};
      if (::stat(path.c_str(), &st) == 0) out.partials.emplace_back(path, static_cast<std::uint64_t>(st.st_size));
      continue;
    }
    if (!name.ends_with(".meta") || name.starts_with(".") || name.size() != 62 + 5) continue;
    std::string data = path.substr(0, path.size() - 5);
    struct stat meta_stat {}, data_stat {};
    if (::stat(path.c_str(), &meta_stat) != 0 || ::stat(data.c_str(), &data_stat) != 0) continue;
    out.objects.push_back({it->path().parent_path().filename().string() + name.substr(0, 62), data, path,
                           static_cast<std::uint64_t>(data_stat.st_size), mtime_ns_of(meta_stat),
                           fs::exists(data + ".pin")});
  }
  return out;
}

}  // namespace

Result<Stats> DataCache::stats() const {
  Stats s;
  auto held = holdings(m_folder);
  for (const auto& o : held.objects) {
    ++s.objects;
    s.bytes += o.bytes;
    if (o.pinned) {
      ++s.pinned;
      s.pinned_bytes += o.bytes;
    }
  }
  for (const auto& [path, bytes] : held.partials) s.partial_bytes += bytes;
  return s;
}

Result<GcResult> DataCache::gc(const Limits& limits) {
  GcResult r;
  auto held = holdings(m_folder);
  std::uint64_t used = 0;
  for (const auto& o : held.objects) used += o.bytes;
  // The floor: how many bytes must go for the file system to keep its share free.
  std::uint64_t must_free = 0;
  if (limits.min_free_fraction > 0) {
    std::error_code ec;
    fs::create_directories(m_folder, ec);
    auto disk = FRUGAL_TRY(m_probe(m_folder));
    auto floor = static_cast<std::uint64_t>(static_cast<double>(disk.total) * limits.min_free_fraction);
    if (disk.available < floor) must_free = floor - disk.available;
  }
  std::error_code ec;
  // Partial downloads go first when the floor needs room (a lock means one is being resumed now).
  for (const auto& [path, bytes] : held.partials) {
    if (r.bytes_freed >= must_free) break;
    std::string name = fs::path(path).filename().string();
    std::string key = fs::path(path).parent_path().filename().string() + name.substr(1, name.size() - 6);
    auto lock = FRUGAL_TRY(cache::KeyLock::try_acquire(m_folder, key));
    if (!lock) continue;
    fs::remove(path + ".etag", ec);
    fs::remove(path, ec);
    r.bytes_freed += bytes;
  }
  std::sort(held.objects.begin(), held.objects.end(), [](const auto& a, const auto& b) { return a.last_used < b.last_used; });
  for (const auto& o : held.objects) {
    bool over_size = limits.max_bytes && used > *limits.max_bytes;
    if (!over_size && r.bytes_freed >= must_free) break;
    if (o.pinned) {
      ++r.pinned;
      continue;
    }
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
  cache::KeyLock::remove_stale(m_folder);
  return r;
}

}  // namespace frugal::datacache
