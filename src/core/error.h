#pragma once
// Result<T> is how every expected failure travels: a value, or an Error whose message names the
// file, line or field at fault. Exceptions are reserved for bugs and fatal start-up errors.
#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace frugal {

enum class ErrorCode {
  invalid,         // bad input from a user, file or flag
  not_found,       // a named thing does not exist
  io,              // the file system or a database refused
  conflict,        // a concurrent or duplicate write
  quota_exceeded,  // a budget forbids the action
  unavailable,     // a peer or resource is not there now
  unauthenticated, // no valid credentials (a server's 401)
  forbidden,       // valid credentials, not allowed this (a server's 403)
  too_large,       // over a size or count limit (a server's 413)
};

struct Error {
  ErrorCode code = ErrorCode::invalid;
  std::string message;

  // Returns a copy whose message is "context: message", for adding the file or field at fault.
  Error wrap(std::string_view context) const {
    return Error{code, std::string(context) + ": " + message};
  }
};

template <typename T>
using Result = std::expected<T, Error>;

// Shorthand for the failure branch: `return fail(ErrorCode::invalid, "...")`.
inline std::unexpected<Error> fail(ErrorCode code, std::string message) {
  return std::unexpected(Error{code, std::move(message)});
}

std::string_view error_code_name(ErrorCode code);

}  // namespace frugal

// Propagates a failed Result from the enclosing function; yields the value otherwise.
// (A GCC statement expression: the one extension we allow, as ccache's TRY does.)
#define FRUGAL_TRY(expr)                                                         \
  __extension__({                                                                \
    auto&& frugal_try_result_ = (expr);                                          \
    if (!frugal_try_result_) return std::unexpected(frugal_try_result_.error()); \
    std::move(*frugal_try_result_);                                              \
  })

// The same for a Result<void>: propagates the failure, yields nothing.
#define FRUGAL_CHECK(expr)                                                       \
  do {                                                                           \
    auto&& frugal_check_result_ = (expr);                                        \
    if (!frugal_check_result_) return std::unexpected(frugal_check_result_.error()); \
  } while (0)
