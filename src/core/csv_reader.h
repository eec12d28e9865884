#pragma once
// CsvReader: a streaming RFC 4180 reader for bills and catalogs. Quoted fields may hold commas,
// doubled quotes and newlines; a UTF-8 BOM and CRLF endings are accepted. Memory stays flat
// whatever the file size. Errors name the file and the line where the record starts.
// A gzip or zstd file is decompressed as it is read (core/byte_source.h: by its first bytes, not
// its name); a Parquet file is refused with a message saying which exports to take as CSV.
// Not thread-safe; one reader per file.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/byte_source.h"
#include "core/error.h"

namespace frugal {

// The other direction: `text` as one CSV field, quoted (quotes doubled) only when it must be.
std::string csv_field(std::string_view text);

class CsvReader {
 public:
  static Result<CsvReader> open(const std::string& path);
  // Reads from an in-memory text (tests); `name` stands in for the path in messages.
  static CsvReader from_string(std::string text, std::string name = "<input>");

  CsvReader(CsvReader&&) noexcept;
  CsvReader& operator=(CsvReader&&) noexcept;
  ~CsvReader();

  // Reads the next record into fields(). Returns false at end of input.
  Result<bool> next();
  // The fields of the last record; valid until the next call of next().
  const std::vector<std::string_view>& fields() const { return m_fields; }
  // 1-based line on which the last record started.
  std::size_t line() const { return m_record_line; }
  const std::string& name() const { return m_name; }
  // Bytes of text consumed so far (decompressed).
  std::size_t bytes_read() const { return m_consumed; }
  // Bytes of the file as stored read so far (compressed, when it is): progress against its size.
  std::uint64_t stored_bytes_read() const { return m_source ? m_source->stored_bytes() : m_consumed; }
  StoredAs stored_as() const { return m_source ? m_source->stored_as() : StoredAs::plain; }
  // "FILE:LINE: " for the last record: the prefix of every row-level error.
  std::string where() const;
  // Sees every byte of the file as stored, compressed when it is, as it is read: a hash of them
  // identifies the file as it lies on disk or in S3. Called on the decompressing thread for a
  // compressed file (done by the time next() returns false). Set before next().
  void observe_bytes(std::function<void(std::string_view)> observer) {
    if (m_source) m_source->observe(std::move(observer));
  }

 private:
  CsvReader() = default;
  Result<bool> fill();  // reads more input into m_buffer; false at end of file
  // Parses the record at m_pos into m_spans. false: the buffer ends inside it (nothing consumed).
  Result<bool> parse_record(bool at_eof = false);

  struct Span {
    std::size_t begin;
    std::size_t length;
    bool in_storage;  // unescaped copy in m_storage; else a view of m_buffer
  };

  std::string m_name;
  std::unique_ptr<ByteSource> m_source;
  std::string m_buffer;
  std::size_t m_pos = 0;
  bool m_eof = false;
  std::size_t m_line = 1;
  std::size_t m_record_line = 0;
  std::size_t m_consumed = 0;
  bool m_bom_checked = false;
  std::string m_storage;  // unescaped bytes of quoted fields holding doubled quotes
  std::vector<std::string_view> m_fields;
  std::vector<Span> m_spans;
};

}  // namespace frugal
