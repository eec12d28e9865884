#pragma once
// PrintfGuard: printf() and format() for a connection whose queries have a memory limit.
//
// SQLite 3.40's printf writes the repeats of `%.*c` one at a time, in one step of its VM that no
// time limit can stop: printf('%.*c', 1000000000, 'x') spins for seconds (about 3 s here) even once
// its memory is refused, and returns NULL, not an error. The guard reads the format first and
// refuses at once, with an error naming the limit, a width or a precision that would write more
// than the limit (not a precision that cuts text: %.9999999999s is harmless); everything else is
// SQLite's own printf, run on a private in-memory connection on the same thread (so within the
// same memory budget). Private to store/.
#include <array>
#include <cstdint>
#include <memory>
#include <string>

struct sqlite3;
struct sqlite3_stmt;
struct sqlite3_context;
struct sqlite3_value;

namespace frugal::store {

class PrintfGuard {
 public:
  // Replaces printf() and format() on `db`; nullptr if SQLite refused (printf then stays SQLite's).
  // REQUIRES: the guard outlives every statement of `db` that calls them.
  static std::unique_ptr<PrintfGuard> install(sqlite3* db);
  ~PrintfGuard();
  PrintfGuard(const PrintfGuard&) = delete;
  PrintfGuard& operator=(const PrintfGuard&) = delete;

  // The most bytes a width or precision may ask for; 0: no check.
  void set_limit(std::int64_t bytes) { m_limit_bytes = bytes; }
  // Whether a call was refused since the last clear_refusal (the statement's error says why).
  bool refused() const { return m_refused; }
  void clear_refusal() { m_refused = false; }

 private:
  PrintfGuard() = default;
  static void call(sqlite3_context* context, int argc, sqlite3_value** argv);
  sqlite3_stmt* statement_for(int argc);

  sqlite3* m_helper = nullptr;                       // where SQLite's printf runs
  std::array<sqlite3_stmt*, 128> m_statements{};     // "SELECT printf(?1, ..., ?n)" by n (SQLite allows 127)
  std::int64_t m_limit_bytes = 0;
  bool m_refused = false;
};

}  // namespace frugal::store
