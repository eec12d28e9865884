#pragma once
// Whether an object still holds the bytes its name (their SHA-256) says. Hashing a large object on
// every hit would cost more than the hit saves (650 ms a GB here, twice what `cp` takes), so a
// check trusts a stamp written beside the object when it was last hashed: its inode, size, link
// count, mtime and ctime then. Any write to the object, through any of its links, moves its mtime
// and its ctime; the ctime no user can set back, but a link made or removed moves it too, so when
// the link count has changed the mtime alone is the witness. A stamp taken within two seconds of
// the times it saw is not trusted (a write in the same clock tick would leave them as they were),
// as Git treats a "racily clean" index. What a stat cannot see (a bit flipped in storage, or a
// write whose mtime was set back while the link count changed) `frugal cache verify` finds.
#include <string>

#include "core/error.h"

namespace frugal::cache {

enum class ObjectState { sound, damaged, missing };

// `force`: hash even when the stamp vouches for the object. A sound object hashed gets a fresh
// stamp; writing it is best effort (a read-only cache is checked by hashing every time).
Result<ObjectState> check_object(const std::string& object_path, const std::string& sha256, bool force);

// After a restore linked a checked object (or removed stale links to it): the stamp follows the
// ctime and link count that changed, provided the content's size and mtime did not.
void restamp_after_restore(const std::string& object_path);

// Stamps an object the caller has just written and hashed itself, then renamed into place.
void stamp_written_object(const std::string& object_path);

// The stamp beside an object (deleted with it; its mtime counts as the object's last use).
std::string stamp_path(const std::string& object_path);

}  // namespace frugal::cache
