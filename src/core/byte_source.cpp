#include "core/byte_source.h"

#include <zlib.h>
#include <zstd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>
#include <fmt/format.h>

namespace frugal {
namespace {

constexpr std::size_t k_stored_block = 256 << 10;  // compressed bytes read at a time
constexpr std::size_t k_text_chunk = 1 << 20;      // decompressed bytes handed over at a time
constexpr std::size_t k_chunks_ahead = 3;

// The file as stored: what open() peeked at first, then the rest; every byte seen by the observer
// once and counted.
class StoredFile {
 public:
  StoredFile(std::string path, std::FILE* file, std::string head)
      : m_path(std::move(path)), m_file(file), m_head(std::move(head)) {}
  ~StoredFile() { std::fclose(m_file); }
  StoredFile(const StoredFile&) = delete;
  StoredFile& operator=(const StoredFile&) = delete;

  void observe(std::function<void(std::string_view)> observer) { m_observer = std::move(observer); }
  // Up to `capacity` stored bytes; 0 at the end of the file.
  Result<std::size_t> read(char* out, std::size_t capacity) {
    std::size_t got = 0;
    if (m_head_pos < m_head.size()) {
      got = std::min(capacity, m_head.size() - m_head_pos);
      std::memcpy(out, m_head.data() + m_head_pos, got);
      m_head_pos += got;
    } else {
      got = std::fread(out, 1, capacity, m_file);
      if (got == 0 && std::ferror(m_file))
        return fail(ErrorCode::io, fmt::format("{}: read failed: {}", m_path, std::strerror(errno)));
    }
    if (m_observer && got > 0) m_observer(std::string_view(out, got));
    m_stored.fetch_add(got, std::memory_order_relaxed);
    return got;
  }
  std::uint64_t stored() const { return m_stored.load(std::memory_order_relaxed); }
  const std::string& path() const { return m_path; }

 private:
  std::string m_path;
  std::FILE* m_file;
  std::string m_head;
  std::size_t m_head_pos = 0;
  std::function<void(std::string_view)> m_observer;
  std::atomic<std::uint64_t> m_stored{0};
};

class PlainSource final : public ByteSource {
 public:
  explicit PlainSource(std::unique_ptr<StoredFile> file) : m_file(std::move(file)) {}
  void observe(std::function<void(std::string_view)> observer) override { m_file->observe(std::move(observer)); }
  Result<std::size_t> read(char* out, std::size_t capacity) override { return m_file->read(out, capacity); }
  std::uint64_t stored_bytes() const override { return m_file->stored(); }
  StoredAs stored_as() const override { return StoredAs::plain; }

 private:
  std::unique_ptr<StoredFile> m_file;
};

// Turns stored bytes into text, one call at a time; 0 at the end of the last stream.
class Decoder {
 public:
  explicit Decoder(std::unique_ptr<StoredFile> file) : m_file(std::move(file)), m_in(k_stored_block, '\0') {}
  virtual ~Decoder() = default;
  virtual Result<std::size_t> decode(char* out, std::size_t capacity) = 0;
  StoredFile& file() { return *m_file; }

 protected:
  // Reads the next block of stored bytes into m_in; false at the end of the file.
  Result<bool> refill() {
    if (m_eof) return false;
    std::size_t got = FRUGAL_TRY(m_file->read(m_in.data(), m_in.size()));
    m_in_size = got;
    if (got == 0) m_eof = true;
    return got > 0;
  }
  std::unique_ptr<StoredFile> m_file;
  std::string m_in;
  std::size_t m_in_size = 0;
  bool m_eof = false;
};

class GzipDecoder final : public Decoder {
 public:
  explicit GzipDecoder(std::unique_ptr<StoredFile> file) : Decoder(std::move(file)) {
    // 15 + 32: the largest window, and a gzip or zlib header, whichever comes.
    if (inflateInit2(&m_z, 15 + 32) != Z_OK) throw std::runtime_error("zlib: inflateInit2 failed (out of memory)");
  }
  ~GzipDecoder() override { inflateEnd(&m_z); }

  Result<std::size_t> decode(char* out, std::size_t capacity) override {
    m_z.next_out = reinterpret_cast<Bytef*>(out);
    m_z.avail_out = static_cast<uInt>(capacity);
    while (m_z.avail_out > 0) {
      if (m_z.avail_in == 0 && !m_eof) {
        FRUGAL_TRY(refill());
        m_z.next_in = reinterpret_cast<Bytef*>(m_in.data());
        m_z.avail_in = static_cast<uInt>(m_in_size);
      }
      if (m_member_done) {
        if (m_z.avail_in == 0 && m_eof) break;
        inflateReset(&m_z);  // `cat a.gz b.gz` is one valid gzip file: the next member follows
        m_member_done = false;
      }
      uInt before = m_z.avail_out;
      int rc = inflate(&m_z, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        m_member_done = true;
        continue;
      }
      if (rc != Z_OK && rc != Z_BUF_ERROR)
        return fail(ErrorCode::io, fmt::format("{}: damaged gzip data at stored byte {}: {}", file().path(),
                                               file().stored() - m_z.avail_in, m_z.msg ? m_z.msg : "inflate failed"));
      if (m_z.avail_in == 0 && m_eof && m_z.avail_out == before)
        return fail(ErrorCode::io, fmt::format("{}: cut short: the gzip data ends before its end ({} bytes stored)",
                                               file().path(), file().stored()));
    }
    return capacity - m_z.avail_out;
  }

 private:
  z_stream m_z{};
  bool m_member_done = false;
};

class ZstdDecoder final : public Decoder {
 public:
  explicit ZstdDecoder(std::unique_ptr<StoredFile> file) : Decoder(std::move(file)), m_ctx(ZSTD_createDCtx()) {
    if (!m_ctx) throw std::runtime_error("zstd: ZSTD_createDCtx failed (out of memory)");
  }
  ~ZstdDecoder() override { ZSTD_freeDCtx(m_ctx); }

  Result<std::size_t> decode(char* out, std::size_t capacity) override {
    ZSTD_outBuffer o{out, capacity, 0};
    while (o.pos < o.size) {
      if (m_buf.pos == m_buf.size && !m_eof) {
        FRUGAL_TRY(refill());
        m_buf = {m_in.data(), m_in_size, 0};
      }
      std::size_t before = o.pos, consumed = m_buf.pos;
      std::size_t rest = ZSTD_decompressStream(m_ctx, &o, &m_buf);
      if (ZSTD_isError(rest))
        return fail(ErrorCode::io, fmt::format("{}: damaged zstd data near stored byte {}: {}", file().path(),
                                               file().stored(), ZSTD_getErrorName(rest)));
      bool progress = o.pos > before || m_buf.pos > consumed;
      if (progress) m_frame_done = rest == 0;  // 0: a frame just ended (another may follow)
      if (m_buf.pos == m_buf.size && m_eof && !progress) {
        if (!m_frame_done)
          return fail(ErrorCode::io, fmt::format("{}: cut short: the zstd data ends inside a frame ({} bytes stored)",
                                                 file().path(), file().stored()));
        break;
      }
    }
    return o.pos;
  }

 private:
  ZSTD_DCtx* m_ctx;
  ZSTD_inBuffer m_buf{nullptr, 0, 0};
  bool m_frame_done = false;
};

// A ZIP archive of one file, as AWS CUR 1.0 writes it with "ZIP" compression, read front to back
// by its local header: zlib's raw Deflate (or a stored entry), the CRC-32 checked at its end. Written
// here rather than with libzip, which reads the central directory at the end of the file: a
// stream read once, its stored bytes hashed as they pass, has no end to seek to first.
class ZipDecoder final : public Decoder {
 public:
  explicit ZipDecoder(std::unique_ptr<StoredFile> file) : Decoder(std::move(file)) {}
  ~ZipDecoder() override {
    if (m_inflating) inflateEnd(&m_z);
  }

  Result<std::size_t> decode(char* out, std::size_t capacity) override {
    std::size_t produced = 0;
    while (produced < capacity) {
      if (m_state == State::header) {
        FRUGAL_CHECK(read_header());
        continue;
      }
      if (m_state == State::after) {
        // A second local header: another file in the archive, which no bill export writes.
        std::uint32_t next = 0;
        if (FRUGAL_TRY(take_up_to(&next, 4)) == 4 && le32(&next) == k_local_header)
          return fail(ErrorCode::invalid, fmt::format("{}: a ZIP holding more than one file; frugal reads a ZIP of one CSV, "
                                                      "as AWS CUR 1.0 writes it",
                                                      file().path()));
        m_state = State::done;
      }
      if (m_state == State::done) {
        // The central directory and the rest: read, so every stored byte is seen (and hashed).
        while (FRUGAL_TRY(refill())) m_at = m_in_size;
        m_at = m_in_size;
        return produced;
      }
      std::size_t got = FRUGAL_TRY(inflate_some(out + produced, capacity - produced));
      m_crc = crc32(m_crc, reinterpret_cast<const Bytef*>(out + produced), static_cast<uInt>(got));
      produced += got;
      if (m_state == State::after) FRUGAL_CHECK(check_end());
    }
    return produced;
  }

 private:
  enum class State { header, data, after, done };
  static constexpr std::uint32_t k_local_header = 0x04034b50, k_descriptor = 0x08074b50;
  static std::uint32_t le32(const void* p) {
    const auto* b = static_cast<const unsigned char*>(p);
    return b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
  }
  static std::uint16_t le16(const unsigned char* b) { return static_cast<std::uint16_t>(b[0] | (b[1] << 8)); }
  static std::uint64_t le64(const unsigned char* b) { return le32(b) | (static_cast<std::uint64_t>(le32(b + 4)) << 32); }

  Error cut_short() const {
    return Error{ErrorCode::io, fmt::format("{}: cut short: the ZIP data ends before its end ({} bytes stored)",
                                            m_file->path(), m_file->stored())};
  }
  // Copies up to n stored bytes into dst; fewer only at the end of the file.
  Result<std::size_t> take_up_to(void* dst, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
      if (m_at == m_in_size) {
        if (!FRUGAL_TRY(refill())) break;
        m_at = 0;
      }
      std::size_t step = std::min(n - got, m_in_size - m_at);
      std::memcpy(static_cast<char*>(dst) + got, m_in.data() + m_at, step);
      m_at += step;
      got += step;
    }
    return got;
  }
  Result<void> take(void* dst, std::size_t n) {
    if (FRUGAL_TRY(take_up_to(dst, n)) < n) return std::unexpected(cut_short());
    return {};
  }

  Result<void> read_header() {
    unsigned char h[30];
    std::size_t got = FRUGAL_TRY(take_up_to(h, 4));
    if (got < 4 || le32(h) != k_local_header)
      return fail(ErrorCode::invalid, fmt::format("{}: a ZIP with no file in it", file().path()));
    FRUGAL_CHECK(take(h + 4, 26));
    m_flags = le16(h + 6);
    m_method = le16(h + 8);
    m_expected_crc = le32(h + 14);
    std::uint64_t compressed = le32(h + 18);
    std::string name_and_extra(le16(h + 26) + static_cast<std::size_t>(le16(h + 28)), '\0');
    FRUGAL_CHECK(take(name_and_extra.data(), name_and_extra.size()));
    // ZIP64: the sizes are in an extra field (id 1) when the header says 0xFFFFFFFF.
    std::string_view extra = std::string_view(name_and_extra).substr(le16(h + 26));
    for (std::size_t at = 0; at + 4 <= extra.size();) {
      const auto* e = reinterpret_cast<const unsigned char*>(extra.data() + at);
      std::size_t size = le16(e + 2);
      if (le16(e) == 1) {
        m_zip64 = true;
        if (compressed == 0xFFFFFFFF && size >= 16) compressed = le64(e + 12);
      }
      at += 4 + size;
    }
    if (m_flags & 1) return fail(ErrorCode::invalid, fmt::format("{}: an encrypted ZIP; frugal reads plain ones", file().path()));
    if (m_method == 0) {
      if (m_flags & 8)
        return fail(ErrorCode::invalid, fmt::format("{}: a stored ZIP entry of unknown length; frugal reads it when its "
                                                    "header gives the size",
                                                    file().path()));
      m_stored_left = compressed;
    } else if (m_method == 8) {
      m_z = z_stream{};
      if (inflateInit2(&m_z, -15) != Z_OK) throw std::runtime_error("zlib: inflateInit2 failed (out of memory)");
      m_inflating = true;
    } else {
      return fail(ErrorCode::invalid, fmt::format("{}: a ZIP entry compressed with method {}; frugal reads Deflate (8) "
                                                  "and stored (0) entries",
                                                  file().path(), m_method));
    }
    m_crc = crc32(0, nullptr, 0);
    m_state = State::data;
    return {};
  }

  // Up to `capacity` bytes of the entry; moves to State::after at its end.
  Result<std::size_t> inflate_some(char* out, std::size_t capacity) {
    if (m_at == m_in_size) {
      if (!FRUGAL_TRY(refill())) return std::unexpected(cut_short());
      m_at = 0;
    }
    std::size_t available = m_in_size - m_at;
    if (m_method == 0) {
      std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>({m_stored_left, capacity, available}));
      std::memcpy(out, m_in.data() + m_at, n);
      m_at += n;
      m_stored_left -= n;
      if (m_stored_left == 0) m_state = State::after;
      return n;
    }
    m_z.next_in = reinterpret_cast<Bytef*>(m_in.data() + m_at);
    m_z.avail_in = static_cast<uInt>(available);
    m_z.next_out = reinterpret_cast<Bytef*>(out);
    m_z.avail_out = static_cast<uInt>(std::min<std::size_t>(capacity, 1U << 30));
    uInt out_before = m_z.avail_out;
    int rc = inflate(&m_z, Z_NO_FLUSH);
    m_at += available - m_z.avail_in;
    if (rc == Z_STREAM_END) {
      inflateEnd(&m_z);
      m_inflating = false;
      m_state = State::after;
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return fail(ErrorCode::io, fmt::format("{}: damaged ZIP data at stored byte {}: {}", file().path(), file().stored(),
                                             m_z.msg ? m_z.msg : "inflate failed"));
    }
    return out_before - m_z.avail_out;
  }

  // The entry's end: its CRC-32 (from the data descriptor when the header could not know it).
  Result<void> check_end() {
    if (m_flags & 8) {
      unsigned char d[4];
      FRUGAL_CHECK(take(d, 4));
      if (le32(d) == k_descriptor) FRUGAL_CHECK(take(d, 4));
      m_expected_crc = le32(d);
      unsigned char sizes[16];
      FRUGAL_CHECK(take(sizes, m_zip64 ? 16 : 8));
    }
    if (m_crc != m_expected_crc)
      return fail(ErrorCode::io, fmt::format("{}: damaged: the ZIP's CRC-32 does not match its data", file().path()));
    return {};
  }

  State m_state = State::header;
  std::size_t m_at = 0;  // the next unused byte of m_in
  z_stream m_z{};
  bool m_inflating = false;
  std::uint16_t m_flags = 0, m_method = 0;
  bool m_zip64 = false;
  std::uint64_t m_stored_left = 0;
  uLong m_crc = 0;
  std::uint32_t m_expected_crc = 0;
};

// Decodes on a thread of its own, up to k_chunks_ahead chunks ahead of read(), so that
// decompression and parsing overlap.
class DecodingSource final : public ByteSource {
 public:
  DecodingSource(std::unique_ptr<Decoder> decoder, StoredAs kind) : m_decoder(std::move(decoder)), m_kind(kind) {}
  ~DecodingSource() override {
    {
      std::lock_guard lock(m_mutex);
      m_stop = true;
    }
    m_changed.notify_all();
    if (m_thread.joinable()) m_thread.join();
  }

  void observe(std::function<void(std::string_view)> observer) override {
    m_decoder->file().observe(std::move(observer));
  }

  Result<std::size_t> read(char* out, std::size_t capacity) override {
    if (!m_thread.joinable() && !m_finished) m_thread = std::thread([this] { produce(); });
    while (m_pos == m_current.size()) {
      std::unique_lock lock(m_mutex);
      if (!m_current.empty()) m_free.push_back(std::move(m_current));
      m_current.clear();
      m_pos = 0;
      m_changed.notify_all();
      m_changed.wait(lock, [&] { return !m_ready.empty() || m_done; });
      if (!m_ready.empty()) {
        m_current = std::move(m_ready.front());
        m_ready.pop_front();
      } else {
        m_finished = true;
        if (m_error) return std::unexpected(*m_error);
        return 0;
      }
    }
    std::size_t n = std::min(capacity, m_current.size() - m_pos);
    std::memcpy(out, m_current.data() + m_pos, n);
    m_pos += n;
    return n;
  }

  std::uint64_t stored_bytes() const override { return m_decoder->file().stored(); }
  StoredAs stored_as() const override { return m_kind; }

 private:
  void produce() {
    for (;;) {
      std::string chunk;
      {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [&] { return m_stop || m_ready.size() < k_chunks_ahead; });
        if (m_stop) return;
        if (!m_free.empty()) {
          chunk = std::move(m_free.back());
          m_free.pop_back();
        }
      }
      chunk.resize(k_text_chunk);
      auto got = m_decoder->decode(chunk.data(), chunk.size());
      std::lock_guard lock(m_mutex);
      if (!got || *got == 0) {
        if (!got) m_error = got.error();
        m_done = true;
        m_changed.notify_all();
        return;
      }
      chunk.resize(*got);
      m_ready.push_back(std::move(chunk));
      m_changed.notify_all();
    }
  }

  std::unique_ptr<Decoder> m_decoder;
  StoredAs m_kind;
  std::thread m_thread;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<std::string> m_ready;  // decoded, in order
  std::vector<std::string> m_free;  // handed back, for reuse
  bool m_done = false;              // the producer ended (end of data, or m_error)
  bool m_stop = false;
  std::optional<Error> m_error;
  // Reader's side only.
  std::string m_current;
  std::size_t m_pos = 0;
  bool m_finished = false;
};

bool ends_with(std::string_view s, std::string_view tail) { return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail; }

}  // namespace

std::string_view compression_of(std::string_view first_bytes) {
  if (first_bytes.starts_with("\x1f\x8b")) return "gzip";
  if (first_bytes.starts_with("\x28\xb5\x2f\xfd")) return "zstd";
  if (first_bytes.starts_with("PAR1")) return "parquet";
  if (first_bytes.starts_with("PK\x03\x04") || first_bytes.starts_with("PK\x05\x06")) return "zip";
  return "";
}

Result<std::unique_ptr<ByteSource>> open_byte_source(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return fail(ErrorCode::io, fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  std::string head(4, '\0');
  head.resize(std::fread(head.data(), 1, head.size(), f));
  auto file = std::make_unique<StoredFile>(path, f, head);
  std::string_view kind = compression_of(head);
  if (kind == "parquet" || ends_with(path, ".parquet"))
    return fail(ErrorCode::invalid,
                fmt::format("{}: a Parquet file; frugal reads CSV only (plain, .csv.gz, .csv.zst or .csv.zip), since Debian 12 "
                            "packages no Parquet library. Export it as CSV instead: AWS Data Exports (CUR 2.0, FOCUS) "
                            "with the \"gzip - text/csv\" format, CUR 1.0 with \"GZIP\" or \"ZIP\" compression, Azure cost "
                            "exports with the \"CSV\" file format (docs/bill_exports.md)",
                            path));
  if (kind == "gzip") return std::make_unique<DecodingSource>(std::make_unique<GzipDecoder>(std::move(file)), StoredAs::gzip);
  if (kind == "zstd") return std::make_unique<DecodingSource>(std::make_unique<ZstdDecoder>(std::move(file)), StoredAs::zstd);
  if (kind == "zip") return std::make_unique<DecodingSource>(std::make_unique<ZipDecoder>(std::move(file)), StoredAs::zip);
  return std::make_unique<PlainSource>(std::move(file));
}

}  // namespace frugal
