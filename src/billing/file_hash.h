#pragma once
// SHA-256 of a bill's content, hex: recognises a file imported before. Private to billing/.
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"

struct evp_md_ctx_st;

namespace frugal::billing {

// Incremental, so the importer hashes the bytes as it parses them instead of reading twice.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view bytes);
  std::string hex();  // ends the hash

 private:
  evp_md_ctx_st* m_ctx;
};

}  // namespace frugal::billing
