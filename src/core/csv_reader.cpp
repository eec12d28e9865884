#include "core/csv_reader.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <utility>
#include <fmt/format.h>

namespace frugal {

namespace {
constexpr std::size_t k_chunk = 1 << 20;
// The bytes that end an unquoted field, or break it (a quote): one table load a byte instead of
// four compares in the loop every unquoted byte of a bill goes through.
constexpr std::array<bool, 256> k_ends_unquoted = [] {
  std::array<bool, 256> ends{};
  for (unsigned char c : {',', '\n', '\r', '"'}) ends[c] = true;
  return ends;
}();
}

Result<CsvReader> CsvReader::open(const std::string& path) {
  CsvReader r;
  r.m_name = path;
  r.m_source = FRUGAL_TRY(open_byte_source(path));
  return r;
}

CsvReader CsvReader::from_string(std::string text, std::string name) {
  CsvReader r;
  r.m_name = std::move(name);
  r.m_buffer = std::move(text);
  r.m_eof = true;
  return r;
}

CsvReader::CsvReader(CsvReader&& o) noexcept { *this = std::move(o); }

CsvReader& CsvReader::operator=(CsvReader&& o) noexcept {
  if (this != &o) {
    m_name = std::move(o.m_name);
    m_source = std::move(o.m_source);
    m_buffer = std::move(o.m_buffer);
    m_pos = o.m_pos;
    m_eof = o.m_eof;
    m_line = o.m_line;
    m_record_line = o.m_record_line;
    m_consumed = o.m_consumed;
    m_bom_checked = o.m_bom_checked;
  }
  return *this;
}

CsvReader::~CsvReader() = default;

std::string CsvReader::where() const { return fmt::format("{}:{}: ", m_name, m_record_line); }

Result<bool> CsvReader::fill() {
  if (m_eof || !m_source) return false;
  m_buffer.erase(0, m_pos);
  m_pos = 0;
  std::size_t old = m_buffer.size();
  m_buffer.resize(old + k_chunk);
  auto got = m_source->read(m_buffer.data() + old, k_chunk);
  m_buffer.resize(old + (got ? *got : 0));
  if (!got) return std::unexpected(got.error());
  if (*got == 0) m_eof = true;
  return *got > 0;
}

Result<bool> CsvReader::next() {
  m_storage.clear();
  m_spans.clear();
  m_fields.clear();
  if (m_pos >= m_buffer.size() && !FRUGAL_TRY(fill())) return false;
  if (!m_bom_checked) {
    m_bom_checked = true;
    if (m_buffer.compare(m_pos, 3, "\xEF\xBB\xBF") == 0) m_pos += 3;
  }
  m_record_line = m_line;
  // Parse the record in place; if the buffer ends inside it, read more and parse it again from
  // its start (records are tiny next to the 1 MiB chunks, so the repeat is rare and cheap).
  for (;;) {
    auto parsed = parse_record();
    if (!parsed) return std::unexpected(parsed.error());
    if (*parsed) break;
    if (!FRUGAL_TRY(fill())) {
      auto last = parse_record(/*at_eof=*/true);
      if (!last) return std::unexpected(last.error());
      break;
    }
  }
  m_fields.reserve(m_spans.size());
  for (const auto& s : m_spans)
    m_fields.emplace_back((s.in_storage ? m_storage.data() : m_buffer.data()) + s.begin, s.length);
  return true;
}

Result<bool> CsvReader::parse_record(bool at_eof) {
  m_storage.clear();
  m_spans.clear();
  const char* data = m_buffer.data();
  const std::size_t size = m_buffer.size();
  std::size_t i = m_pos;
  std::size_t lines = 0;
  for (;;) {
    // One field starts at i.
    if (i < size && data[i] == '"') {
      std::size_t start = ++i;
      bool escaped = false;
      for (;;) {
        const void* q = std::memchr(data + i, '"', size - i);
        if (!q) {
          if (at_eof) return fail(ErrorCode::invalid, where() + "unterminated quoted field at end of file");
          return false;
        }
        std::size_t at = static_cast<std::size_t>(static_cast<const char*>(q) - data);
        if (at + 1 >= size && !at_eof) return false;  // can't tell "" from the closing quote yet
        if (at + 1 < size && data[at + 1] == '"') {
          escaped = true;
          i = at + 2;
          continue;
        }
        i = at + 1;
        break;
      }
      std::size_t end = i - 1;
      for (std::size_t k = start; k < end; ++k) lines += data[k] == '\n';
      if (!escaped) {
        m_spans.push_back({start, end - start, false});
      } else {
        std::size_t begin = m_storage.size();
        for (std::size_t k = start; k < end; ++k) {
          m_storage.push_back(data[k]);
          if (data[k] == '"') ++k;  // the second of a doubled quote
        }
        m_spans.push_back({begin, m_storage.size() - begin, true});
      }
      if (i < size && data[i] != ',' && data[i] != '\n' && data[i] != '\r')
        return fail(ErrorCode::invalid, fmt::format("{}field {}: text after a closing quote", where(), m_spans.size()));
    } else {
      std::size_t start = i;
      while (i < size && !k_ends_unquoted[static_cast<unsigned char>(data[i])]) ++i;
      if (i < size && data[i] == '"')
        return fail(ErrorCode::invalid, fmt::format("{}field {}: quote inside an unquoted field", where(), m_spans.size() + 1));
      m_spans.push_back({start, i - start, false});
    }
    if (i >= size) {
      if (!at_eof) return false;
      break;  // last record without a trailing newline
    }
    char c = data[i++];
    if (c == ',') continue;
    if (c == '\r') {
      if (i >= size && !at_eof) return false;
      if (i < size && data[i] == '\n') ++i;
    }
    break;
  }
  m_consumed += i - m_pos;
  m_pos = i;
  m_line += lines + 1;
  return true;
}

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace frugal
