#include "core/csv_reader.h"

#include <cerrno>
#include <cstring>
#include <fmt/format.h>

namespace frugal {

namespace {
constexpr std::size_t k_chunk = 1 << 20;
}

Result<CsvReader> CsvReader::open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return fail(ErrorCode::io, fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  CsvReader r;
  r.m_name = path;
  r.m_file = f;
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
    if (m_file) std::fclose(m_file);
    m_name = std::move(o.m_name);
    m_file = std::exchange(o.m_file, nullptr);
    m_buffer = std::move(o.m_buffer);
    m_pos = o.m_pos;
    m_eof = o.m_eof;
    m_line = o.m_line;
    m_record_line = o.m_record_line;
    m_consumed = o.m_consumed;
  }
  return *this;
}

CsvReader::~CsvReader() {
  if (m_file) std::fclose(m_file);
}

std::string CsvReader::where() const { return fmt::format("{}:{}: ", m_name, m_record_line); }

bool CsvReader::fill() {
  if (m_eof) return false;
  m_buffer.erase(0, m_pos);
  m_pos = 0;
  std::size_t old = m_buffer.size();
  m_buffer.resize(old + k_chunk);
  std::size_t got = std::fread(m_buffer.data() + old, 1, k_chunk, m_file);
  m_buffer.resize(old + got);
  if (got == 0) m_eof = true;
  return got > 0;
}

Result<bool> CsvReader::next() {
  m_storage.clear();
  m_spans.clear();
  m_fields.clear();
  if (m_pos >= m_buffer.size() && !fill()) return false;
  if (m_consumed == 0 && m_pos == 0 && m_buffer.starts_with("\xEF\xBB\xBF")) m_pos = 3;
  m_record_line = m_line;
  std::size_t field_start = 0;
  bool in_quotes = false;
  bool was_quoted = false;
  bool after_quote = false;  // just closed a quoted field: only a separator may follow
  for (;;) {
    if (m_pos >= m_buffer.size()) {
      if (!fill()) {
        if (in_quotes)
          return fail(ErrorCode::invalid, where() + "unterminated quoted field at end of file");
        break;  // last record without a trailing newline
      }
    }
    char c = m_buffer[m_pos++];
    ++m_consumed;
    if (in_quotes) {
      if (c == '"') {
        if (m_pos >= m_buffer.size()) fill();
        if (m_pos < m_buffer.size() && m_buffer[m_pos] == '"') {
          m_storage.push_back('"');
          ++m_pos;
          ++m_consumed;
        } else {
          in_quotes = false;
          after_quote = true;
        }
      } else {
        if (c == '\n') ++m_line;
        m_storage.push_back(c);
      }
      continue;
    }
    if (c == ',') {
      m_spans.emplace_back(field_start, m_storage.size());
      field_start = m_storage.size();
      was_quoted = after_quote = false;
      continue;
    }
    if (c == '\n' || c == '\r') {
      if (c == '\r') {
        if (m_pos >= m_buffer.size()) fill();
        if (m_pos < m_buffer.size() && m_buffer[m_pos] == '\n') { ++m_pos; ++m_consumed; }
      }
      ++m_line;
      break;
    }
    if (after_quote)
      return fail(ErrorCode::invalid,
                  fmt::format("{}field {}: text after a closing quote", where(), m_spans.size() + 1));
    if (c == '"') {
      if (m_storage.size() != field_start || was_quoted)
        return fail(ErrorCode::invalid,
                    fmt::format("{}field {}: quote inside an unquoted field", where(), m_spans.size() + 1));
      in_quotes = was_quoted = true;
      continue;
    }
    m_storage.push_back(c);
  }
  m_spans.emplace_back(field_start, m_storage.size());
  m_fields.reserve(m_spans.size());
  for (auto [b, e] : m_spans) m_fields.emplace_back(m_storage.data() + b, e - b);
  return true;
}

}  // namespace frugal
