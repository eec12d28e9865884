#include <cerrno>
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>
#include <string_view>
#include <vector>

#include "cache/object_check.h"
#include "cache/sha256.h"

namespace frugal::cache {
namespace {

constexpr std::int64_t k_racy_ns = 2'000'000'000;  // see object_check.h

std::int64_t nanos(const timespec& t) { return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec; }

std::int64_t now_ns() {
  timespec t{};
  ::clock_gettime(CLOCK_REALTIME, &t);
  return nanos(t);
}

// `hashed`: a check read the object and found its name's hash; `written`: the store wrote those
// bytes itself into a temporary only it knew, then renamed it into place; `linked`: a restore
// linked or unlinked it (changing its ctime and link count, not its content) right after a check.
struct Stamp {
  std::string how;
  std::uint64_t inode = 0, size = 0, links = 0;
  std::int64_t mtime_ns = 0, ctime_ns = 0, at_ns = 0;
};

std::string stamp_text(std::string_view how, const struct stat& st, std::int64_t at_ns) {
  return fmt::format("frugal-stamp 2 {} {} {} {} {} {} {}\n", how, static_cast<std::uint64_t>(st.st_ino),
                     static_cast<std::uint64_t>(st.st_size), static_cast<std::uint64_t>(st.st_nlink), nanos(st.st_mtim),
                     nanos(st.st_ctim), at_ns);
}

bool read_stamp(const std::string& path, Stamp& s) {
  std::ifstream in(path);
  std::string magic, version;
  return static_cast<bool>(in >> magic >> version >> s.how >> s.inode >> s.size >> s.links >> s.mtime_ns >> s.ctime_ns >> s.at_ns) &&
         magic == "frugal-stamp" && version == "2" && (s.how == "hashed" || s.how == "written" || s.how == "linked");
}

bool same_content_times(const Stamp& s, const struct stat& st) {
  return s.inode == static_cast<std::uint64_t>(st.st_ino) && s.size == static_cast<std::uint64_t>(st.st_size) &&
         s.mtime_ns == nanos(st.st_mtim);
}

// Whether the stamp vouches for the object as `st` shows it now.
bool stamp_vouches(const std::string& object, const struct stat& st) {
  Stamp s;
  if (!read_stamp(stamp_path(object), s) || !same_content_times(s, st)) return false;
  // A write moves the ctime even when the mtime is set back. So does a link made or removed, which
  // restored outputs and their deletion do all the time: then the ctime cannot tell, and the
  // mtime is the witness.
  bool ctime_agrees = s.ctime_ns == nanos(st.st_ctim) || s.links != static_cast<std::uint64_t>(st.st_nlink);
  // A stamp the store or a restore wrote needs no margin: they changed the object's times
  // themselves, with nobody else writing to it then.
  return ctime_agrees && (s.how != "hashed" || s.at_ns - std::max(s.mtime_ns, s.ctime_ns) >= k_racy_ns);
}

// Best effort: a stamp that is not written only costs a hash at the next check.
void write_stamp(const std::string& object, std::string_view how, const struct stat& st, std::int64_t at_ns) {
  std::string target = stamp_path(object);
  std::string tmp = fmt::format("{}.{}.tmp", target, ::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << stamp_text(how, st, at_ns);
    if (!out.flush()) {
      ::unlink(tmp.c_str());
      return;
    }
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) ::unlink(tmp.c_str());
}

Result<std::string> hash_fd(int fd, const std::string& path) {
  Sha256 sha;
  std::vector<char> buffer(1 << 20);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  for (;;) {
    ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got == 0) break;
    if (got < 0) {
      if (errno == EINTR) continue;
      return fail(ErrorCode::io, fmt::format("{}: {}", path, std::strerror(errno)));
    }
    sha.update(buffer.data(), static_cast<std::size_t>(got));
  }
  return sha.hex();
}

}  // namespace

std::string stamp_path(const std::string& object_path) { return object_path + ".stamp"; }

Result<ObjectState> check_object(const std::string& object, const std::string& sha256, bool force) {
  int fd = ::open(object.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return ObjectState::missing;
    if (errno == ELOOP) return ObjectState::damaged;  // a symbolic link put in an object's place
    return fail(ErrorCode::io, fmt::format("{}: {}", object, std::strerror(errno)));
  }
  // The time before the stat: the stamp may only vouch for writes after it (see k_racy_ns).
  std::int64_t hashed_ns = now_ns();
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return ObjectState::damaged;
  }
  if (!force && stamp_vouches(object, st)) {
    ::close(fd);
    return ObjectState::sound;
  }
  auto hex = hash_fd(fd, object);
  ::close(fd);
  if (!hex) return std::unexpected(hex.error());
  if (*hex != sha256) return ObjectState::damaged;
  write_stamp(object, "hashed", st, hashed_ns);
  return ObjectState::sound;
}

void restamp_after_restore(const std::string& object) {
  Stamp s;
  struct stat st {};
  if (!read_stamp(stamp_path(object), s) || ::lstat(object.c_str(), &st) != 0 || !same_content_times(s, st)) return;
  write_stamp(object, "linked", st, now_ns());
}

void stamp_written_object(const std::string& object) {
  struct stat st {};
  if (::lstat(object.c_str(), &st) == 0) write_stamp(object, "written", st, now_ns());
}

}  // namespace frugal::cache
