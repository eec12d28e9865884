#pragma once
// ProgressLine: "what, how far, how fast, how long still" on a terminal, rewritten in place at most
// four times a second; nothing when stderr is no terminal (a log or a pipe gets no control codes).
// Shared by `bill import` (rows of bills) and `data get` (bytes of objects). Private to cli/.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace frugal::cli {

class ProgressLine {
 public:
  ProgressLine();
  bool on() const { return m_on; }
  // Before each file or object: its label, where it starts within the whole, and the whole (0 when
  // unknown). The rate and ETA count from the start of the whole (bytes_before 0).
  void start(std::string label, std::uint64_t bytes_before, std::uint64_t bytes_total);
  // The bytes done within the current item, and the rows read so far in it when there are rows.
  void update(std::uint64_t bytes, std::optional<std::uint64_t> rows = std::nullopt);
  // The whole, once known (a download learns its size from the first answer).
  void total(std::uint64_t bytes_total) { m_total = bytes_total; }
  void clear();

 private:
  bool m_on;
  bool m_shown = false;
  std::chrono::steady_clock::time_point m_start, m_last;
  std::string m_label;
  std::uint64_t m_bytes_before = 0, m_total = 0, m_rows_before = 0, m_rows = 0;
};

}  // namespace frugal::cli
