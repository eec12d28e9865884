#pragma once
// ByteSource: the text of a file as CsvReader reads it, whatever the file is stored as. Plain
// files are read as they are; gzip (zlib, concatenated members too), zstd (libzstd, several
// frames too) and a ZIP of one file (AWS CUR 1.0's "ZIP": Deflate through zlib, or stored; its
// CRC-32 checked) are decompressed while reading, chosen by the file's first bytes, not its name.
// A Parquet file (by magic "PAR1" or a .parquet name) is refused with a message saying which
// exports to ask for as CSV: Debian 12 packages no Parquet library.
//
// The observer sees the file's bytes as stored (compressed, when it is), so a hash of them
// identifies the file as it lies on disk or in S3. Compressed files are decompressed on a thread
// of their own, a few MiB ahead of the reader; the observer is called on that thread.
// Not thread-safe otherwise: one reader per source.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"

namespace frugal {

enum class StoredAs { plain, gzip, zstd, zip };

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Sees every stored byte once, in order. Set before the first read().
  virtual void observe(std::function<void(std::string_view)> observer) = 0;
  // Up to `capacity` bytes of text into `out`; 0 at the end. A damaged or cut compressed file
  // fails with io naming the file.
  virtual Result<std::size_t> read(char* out, std::size_t capacity) = 0;
  // Bytes of the file as stored consumed so far (for progress against the file's size).
  virtual std::uint64_t stored_bytes() const = 0;
  virtual StoredAs stored_as() const = 0;
};

// Opens `path`. io when it cannot be opened; invalid for a Parquet file.
Result<std::unique_ptr<ByteSource>> open_byte_source(const std::string& path);

// What the first bytes of a file say it is ("" when they say nothing: text).
std::string_view compression_of(std::string_view first_bytes);

}  // namespace frugal
