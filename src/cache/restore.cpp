#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <linux/fs.h>
#include <set>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/cache.h"
#include "cache/object_check.h"

namespace frugal::cache {
namespace fs = std::filesystem;
namespace {

enum class Clone { done, unsupported, failed };

// A copy-on-write clone (FICLONE: Btrfs, XFS, bcachefs) of `from` at `to` with `mode`: no data
// copied, yet its own inode, so writing to it leaves the object alone.
Clone reflink(const std::string& from, const std::string& to, unsigned mode) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return Clone::failed;
  int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 0777);
  Clone result = Clone::failed;
  if (out >= 0) {
    if (::ioctl(out, FICLONE, in) == 0) result = ::fchmod(out, mode & 0777) == 0 ? Clone::done : Clone::failed;
    else if (errno == EOPNOTSUPP || errno == EXDEV || errno == EINVAL || errno == ENOTTY) result = Clone::unsupported;
    ::close(out);
  }
  ::close(in);
  if (result != Clone::done && out >= 0) ::unlink(to.c_str());
  return result;
}

std::unexpected<Error> io_error(const std::string& path, const std::error_code& ec) {
  return std::unexpected(Error{ErrorCode::io, fmt::format("{}: {}", path, ec.message())});
}

}  // namespace

Result<Restore> ObjectStore::restore(const Entry& entry, RestoreMode mode) const {
  auto damage = FRUGAL_TRY(check(entry));
  if (!damage.empty())
    return fail(ErrorCode::io, fmt::format("cache entry {}: {} does not match its hash (the cache object is damaged)",
                                           entry.key.substr(0, 12), damage.paths.front()));
  std::set<std::string> checked;  // every object, just checked: links now move their ctimes
  for (const auto& f : entry.files) checked.insert(f.sha256);
  Restore how = Restore::hard_link;
  std::error_code ec;
  for (const auto& out : entry.outputs) {
    fs::remove_all(out, ec);  // stale outputs go first (remove_all never follows a link)
    if (ec) return io_error(out, ec);
  }
  for (const auto& d : entry.folders) {
    fs::create_directories(d.path, ec);
    if (ec) return io_error(d.path, ec);
  }
  bool can_clone = true;  // until the file system says it cannot (ext4): then no more tries
  for (const auto& f : entry.files) {
    fs::path target(f.path);
    if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
    std::string object = object_path(f.sha256);
    if (can_clone) {
      Clone cloned = reflink(object, f.path, f.mode);
      if (cloned == Clone::done) {
        how = std::max(how, Restore::reflink);
        continue;
      }
      can_clone = cloned != Clone::unsupported;
    }
    // A hard link costs nothing whatever the size, and carries the object's read-only mode (as
    // DVC's and ccache's link modes do). An executable needs its own mode, hence a copy; the
    // object it copies was checked above.
    if (mode == RestoreMode::link && (f.mode & 0111) == 0 && ::link(object.c_str(), f.path.c_str()) == 0) continue;
    fs::copy_file(object, target, fs::copy_options::overwrite_existing, ec);
    if (ec) return io_error(f.path, ec);
    fs::permissions(target, static_cast<fs::perms>(f.mode & 0777), ec);
    how = Restore::copy;
  }
  for (const auto& l : entry.links) {
    fs::path link(l.path);
    if (link.has_parent_path()) fs::create_directories(link.parent_path(), ec);
    fs::create_symlink(l.target, link, ec);
    if (ec) return io_error(l.path, ec);
  }
  for (const auto& sha : checked) restamp_after_restore(object_path(sha));
  // Folder modes last, deepest first: a read-only folder must still take its files above.
  for (auto d = entry.folders.rbegin(); d != entry.folders.rend(); ++d) {
    fs::permissions(d->path, static_cast<fs::perms>(d->mode & 0777), ec);
    if (ec) return io_error(d->path, ec);
  }
  return how;
}

}  // namespace frugal::cache
