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
                fmt::format("{}: a Parquet file; frugal reads CSV only (plain, .csv.gz or .csv.zst), since Debian 12 "
                            "packages no Parquet library. Export it as CSV instead: AWS Data Exports (CUR 2.0, FOCUS) "
                            "with the \"gzip - text/csv\" format, CUR 1.0 with \"GZIP\" compression, Azure cost "
                            "exports with the \"CSV\" file format (docs/bill_exports.md)",
                            path));
  if (kind == "gzip") return std::make_unique<DecodingSource>(std::make_unique<GzipDecoder>(std::move(file)), StoredAs::gzip);
  if (kind == "zstd") return std::make_unique<DecodingSource>(std::make_unique<ZstdDecoder>(std::move(file)), StoredAs::zstd);
  return std::make_unique<PlainSource>(std::move(file));
}

}  // namespace frugal
