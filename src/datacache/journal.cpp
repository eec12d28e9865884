#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <random>

#include "datacache/datacache.h"
#include "store/store.h"
#include "util/strings.h"

namespace frugal::datacache {
namespace {

// hits.journal holds one line per hit, tab-separated:
//   id, at (unix ms), provider, bytes, egress nano-USD per GB, user, team, project, url
// The id (random) makes folding idempotent. Appenders hold a shared flock while writing; fold
// renames the journal aside and takes the exclusive lock on it, so it reads only whole lines and
// no line is written into a journal already read.
constexpr const char* k_journal = "hits.journal";
constexpr const char* k_folding = "hits.journal.folding";

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

bool same_file(int fd, const std::string& path) {
  struct stat a {}, b {};
  return ::fstat(fd, &a) == 0 && ::stat(path.c_str(), &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

std::string clean(std::string_view s) {  // fields never hold the separators
  std::string out(s);
  for (char& c : out)
    if (c == '\t' || c == '\n') c = ' ';
  return out;
}

std::string random_id() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return fmt::format("{:016x}{:016x}", engine(), engine());
}

}  // namespace

Result<Money> journal_hit(const std::string& folder, const std::string& url, const GetResult& got, TimePoint at,
                          const std::string& provider, const EgressPrices& prices, const Requester& who) {
  Money per_gb = prices.per_gb(provider);
  Money avoided = per_gb.scaled(static_cast<std::int64_t>(got.bytes), 1'000'000'000);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
  std::string line = fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n", random_id(), ms, clean(provider), got.bytes,
                                 per_gb.nanos(), clean(who.user), clean(who.team), clean(who.project), clean(url));
  std::string path = folder + "/" + k_journal;
  for (int tries = 0; tries < 10; ++tries) {
    Fd f{::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)};
    if (f.fd < 0) return fail(ErrorCode::io, fmt::format("{}: {}", path, std::strerror(errno)));
    if (::flock(f.fd, LOCK_SH) != 0) return fail(ErrorCode::io, fmt::format("{}: lock: {}", path, std::strerror(errno)));
    if (!same_file(f.fd, path)) continue;  // renamed aside for folding since we opened it
    if (::write(f.fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
      return fail(ErrorCode::io, fmt::format("{}: {}", path, std::strerror(errno)));
    return avoided;
  }
  return fail(ErrorCode::unavailable, fmt::format("{}: kept being folded", path));
}

bool journal_pending(const std::string& folder) {
  struct stat st {};
  return (::stat((folder + "/" + k_journal).c_str(), &st) == 0 && st.st_size > 0) ||
         ::stat((folder + "/" + k_folding).c_str(), &st) == 0;
}

Result<std::size_t> fold_journal(const std::string& folder, store::Store& store) {
  std::string journal = folder + "/" + k_journal, folding = folder + "/" + k_folding;
  // One folder at a time; a crash leaves hits.journal.folding, folded again (idempotently) next time.
  Fd guard{::open((folder + "/hits.fold.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)};
  if (guard.fd < 0 || ::flock(guard.fd, LOCK_EX) != 0)
    return fail(ErrorCode::io, fmt::format("{}/hits.fold.lock: {}", folder, std::strerror(errno)));
  struct stat st {};
  if (::stat(folding.c_str(), &st) != 0) {
    if (::rename(journal.c_str(), folding.c_str()) != 0) {
      if (errno == ENOENT) return std::size_t{0};
      return fail(ErrorCode::io, fmt::format("{}: {}", journal, std::strerror(errno)));
    }
  }
  Fd f{::open(folding.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0 || ::flock(f.fd, LOCK_EX) != 0)  // waits for appenders still writing to it
    return fail(ErrorCode::io, fmt::format("{}: {}", folding, std::strerror(errno)));
  std::ifstream in(folding);
  std::string line;
  std::size_t folded = 0, line_no = 0;
  auto ok = store.transaction([&]() -> Result<void> {
    while (std::getline(in, line)) {
      ++line_no;
      auto fields = util::split(line, '\t');
      if (fields.size() != 9) continue;  // a torn line (disk full mid-write): nothing to count
      auto as_int = [](std::string_view s) { return std::strtoll(std::string(s).c_str(), nullptr, 10); };
      std::int64_t bytes = as_int(fields[3]), per_gb = as_int(fields[4]);
      Money avoided = Money::from_nanos(per_gb).scaled(bytes, 1'000'000'000);
      store::Value params[] = {format_utc(TimePoint{std::chrono::milliseconds(as_int(fields[1]))}), std::string(fields[8]),
                               std::string(fields[2]), bytes, store::text_or_null(fields[5]), store::text_or_null(fields[6]),
                               store::text_or_null(fields[7]), per_gb, avoided.nanos(), std::string(fields[0])};
      auto inserted = FRUGAL_TRY(store.execute(
          "INSERT INTO data_events (at, kind, url, provider, bytes, username, team, project, "
          "egress_nanos_per_gb, avoided_nanos, journal_id) VALUES (?, 'hit', ?, ?, ?, ?, ?, ?, ?, ?, ?) "
          "ON CONFLICT (journal_id) DO NOTHING",
          params));
      folded += static_cast<std::size_t>(inserted);
    }
    return {};
  });
  if (!ok) return std::unexpected(ok.error().wrap(folding));
  if (::unlink(folding.c_str()) != 0) return fail(ErrorCode::io, fmt::format("{}: {}", folding, std::strerror(errno)));
  return folded;
}

}  // namespace frugal::datacache
