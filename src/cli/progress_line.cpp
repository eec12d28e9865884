#include "cli/progress_line.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "util/display.h"

namespace frugal::cli {

ProgressLine::ProgressLine() : m_on(isatty(STDERR_FILENO) != 0), m_start(std::chrono::steady_clock::now()) {}

void ProgressLine::start(std::string label, std::uint64_t bytes_before, std::uint64_t bytes_total) {
  m_label = std::move(label);
  if (bytes_before == 0) m_start = std::chrono::steady_clock::now();  // a new whole: its own rate
  m_bytes_before = bytes_before;
  m_total = bytes_total;
  m_rows_before = m_rows;
}

void ProgressLine::update(std::uint64_t bytes, std::optional<std::uint64_t> rows) {
  if (!m_on) return;
  namespace display = util::display;
  bytes += m_bytes_before;
  if (rows) m_rows = m_rows_before + *rows;
  auto now = std::chrono::steady_clock::now();
  if (m_shown && now - m_last < std::chrono::milliseconds(250)) return;
  m_last = now;
  m_shown = true;
  double seconds = std::chrono::duration<double>(now - m_start).count();
  double rate = seconds > 0 ? static_cast<double>(bytes) / seconds : 0;
  std::string line = m_label;
  if (rows) line += display::count(static_cast<long long>(m_rows), "row") + ", ";
  line += m_total > 0 ? fmt::format("{} of {}", display::bytes(bytes), display::bytes(m_total)) : display::bytes(bytes);
  line += fmt::format(", {}/s", display::bytes(static_cast<std::uint64_t>(rate)));
  if (m_total > 0) {
    line += ", " + display::percent(static_cast<double>(std::min(bytes, m_total)) / static_cast<double>(m_total));
    if (rate > 0) line += ", ETA " + display::duration(static_cast<double>(m_total - std::min(bytes, m_total)) / rate);
  }
  fmt::print(stderr, "\r\033[K{}", line);
  std::fflush(stderr);
}

void ProgressLine::clear() {
  if (m_shown) fmt::print(stderr, "\r\033[K");
  m_shown = false;
}

}  // namespace frugal::cli
