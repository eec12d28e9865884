#include "store/sqlite_printf_guard.h"

#include <algorithm>

#include <fmt/format.h>
#include <sqlite3.h>

#include "store/query_limits.h"

namespace frugal::store {
namespace {

// The next argument as SQLite's printf reads a number from it: a missing one is 0.
std::int64_t int_argument(int argc, sqlite3_value** argv, int& next) {
  return next < argc ? sqlite3_value_int64(argv[next++]) : 0;
}

// The largest width or precision in `format` that makes printf write that many bytes, read as
// SQLite 3.40's printf reads it (src/printf.c, sqlite3_str_vappendf): the same flags, the same
// arguments taken by `*` and by each conversion, the same stop at a conversion it does not know.
std::int64_t largest_request(const unsigned char* format, int argc, sqlite3_value** argv) {
  int next = 1;  // argv[0] is the format
  std::int64_t largest = 0;
  for (const unsigned char* p = format; *p != 0; ++p) {
    if (*p != '%') continue;
    unsigned char c = *++p;
    if (c == 0) break;
    std::int64_t width = 0;
    std::int64_t precision = -1;
    bool done = false;
    do {
      switch (c) {
        case '-': case '+': case ' ': case '#': case '!': case '0': case ',':
          break;
        case 'l':
          c = *++p;
          if (c == 'l') c = *++p;
          done = true;
          break;
        case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9': {
          unsigned digits = c - '0';
          while ((c = *++p) >= '0' && c <= '9') digits = digits * 10 + (c - '0');
          width = digits & 0x7fffffffU;
          if (c != '.' && c != 'l') done = true;
          else --p;
          break;
        }
        case '*': {
          auto w = static_cast<int>(int_argument(argc, argv, next));
          width = w >= 0 ? w : (w >= -2147483647 ? -static_cast<std::int64_t>(w) : 0);
          c = p[1];
          if (c != '.' && c != 'l') {
            c = *++p;
            done = true;
          }
          break;
        }
        case '.': {
          c = *++p;
          if (c == '*') {
            auto q = static_cast<int>(int_argument(argc, argv, next));
            precision = q >= 0 ? q : (q >= -2147483647 ? -static_cast<std::int64_t>(q) : -1);
            c = *++p;
          } else {
            unsigned digits = 0;
            for (; c >= '0' && c <= '9'; c = *++p) digits = digits * 10 + (c - '0');
            precision = digits & 0x7fffffffU;
          }
          if (c == 'l') --p;
          else done = true;
          break;
        }
        default:
          done = true;
          break;
      }
    } while (!done && (c = *++p) != 0);
    switch (c) {
      case 'd': case 'i': case 'u': case 'x': case 'X': case 'o': case 'p': case 'r':  // precision: zeros
      case 'f': case 'e': case 'E': case 'g': case 'G':                                // precision: digits
      case 'c':                                                                        // precision: repeats
        ++next;
        largest = std::max({largest, width, precision});
        break;
      case 's': case 'z': case 'q': case 'Q': case 'w':  // precision cuts the text
        ++next;
        largest = std::max(largest, width);
        break;
      case '%':
        largest = std::max(largest, width);
        break;
      case 'n':
        break;
      default:
        return largest;  // the end, or a conversion SQLite stops at
    }
  }
  return largest;
}

}  // namespace

std::unique_ptr<PrintfGuard> PrintfGuard::install(sqlite3* db) {
  std::unique_ptr<PrintfGuard> guard(new PrintfGuard());
  if (sqlite3_open_v2(":memory:", &guard->m_helper, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK)
    return nullptr;
  for (const char* name : {"printf", "format"})
    if (sqlite3_create_function_v2(db, name, -1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, guard.get(),
                                   &PrintfGuard::call, nullptr, nullptr, nullptr) != SQLITE_OK)
      return nullptr;
  return guard;
}

PrintfGuard::~PrintfGuard() {
  for (sqlite3_stmt* s : m_statements) sqlite3_finalize(s);
  sqlite3_close_v2(m_helper);
}

sqlite3_stmt* PrintfGuard::statement_for(int argc) {
  auto n = static_cast<std::size_t>(argc);
  if (n >= m_statements.size()) return nullptr;
  if (!m_statements[n]) {
    std::string sql = "SELECT printf(";
    for (int i = 1; i <= argc; ++i) sql += fmt::format("{}?{}", i > 1 ? ", " : "", i);
    sql += ")";
    if (sqlite3_prepare_v2(m_helper, sql.c_str(), -1, &m_statements[n], nullptr) != SQLITE_OK) return nullptr;
  }
  return m_statements[n];
}

void PrintfGuard::call(sqlite3_context* context, int argc, sqlite3_value** argv) {
  auto* self = static_cast<PrintfGuard*>(sqlite3_user_data(context));
  const unsigned char* format = argc > 0 ? sqlite3_value_text(argv[0]) : nullptr;
  if (format && self->m_limit_bytes > 0) {
    std::int64_t asked = largest_request(format, argc, argv);
    if (asked > self->m_limit_bytes) {
      self->m_refused = true;
      std::string why = fmt::format("printf: a width or precision of {} is over the query's memory limit of {}",
                                    asked, byte_size_text(self->m_limit_bytes));
      sqlite3_result_error(context, why.c_str(), -1);
      return;
    }
  }
  sqlite3_stmt* stmt = self->statement_for(argc);
  if (!stmt) {
    sqlite3_result_error(context, sqlite3_errmsg(self->m_helper), -1);
    return;
  }
  for (int i = 0; i < argc; ++i) sqlite3_bind_value(stmt, i + 1, argv[i]);
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) sqlite3_result_value(context, sqlite3_column_value(stmt, 0));
  else if (rc == SQLITE_NOMEM) sqlite3_result_error_nomem(context);
  else sqlite3_result_error(context, sqlite3_errmsg(self->m_helper), -1);
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
}

}  // namespace frugal::store
