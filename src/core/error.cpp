#include "core/error.h"

namespace frugal {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid: return "invalid";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::io: return "io";
    case ErrorCode::conflict: return "conflict";
    case ErrorCode::quota_exceeded: return "quota_exceeded";
    case ErrorCode::unavailable: return "unavailable";
    case ErrorCode::unauthenticated: return "unauthenticated";
    case ErrorCode::forbidden: return "forbidden";
    case ErrorCode::too_large: return "too_large";
  }
  return "unknown";
}

}  // namespace frugal
