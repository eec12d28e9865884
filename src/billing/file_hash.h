#pragma once
// SHA-256 of a file's content, hex: recognises a bill imported before. Private to billing/.
#include <string>

#include "core/error.h"

namespace frugal::billing {

Result<std::string> sha256_file(const std::string& path);

}  // namespace frugal::billing
