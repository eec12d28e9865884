#pragma once
// An entry's manifest: a small text file under entries/, one record a line, tab-separated, ending
// in the SHA-256 of everything above it so a damaged manifest is a miss, never a wrong restore.
//
//   frugal-cache 2
//   key       KEY
//   compute_ms MS
//   out       PATH                       (each --out)
//   dir       MODE PATH                  (octal mode)
//   file      SHA256 BYTES MODE PATH
//   link      TARGET PATH
//   sum       SHA256                     (of the lines above, newlines included)
//
// Version 1 (no folders, links or sum) reads as a miss, so old entries are stored again.
#include <optional>
#include <string>

#include "cache/cache.h"

namespace frugal::cache {

std::string format_manifest(const Entry& entry);

// The entry, or none when the text is not a whole version-2 manifest for `key` whose paths all lie
// within its outputs.
std::optional<Entry> parse_manifest(const std::string& key, const std::string& text);

}  // namespace frugal::cache
