#pragma once
// SHA-256 over a stream of bytes (OpenSSL's, which uses the CPU's SHA extensions where it has
// them). Private to cache/: the key, the object store and its checks hash with it.
#include <cstddef>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <openssl/evp.h>

namespace frugal::cache {

class Sha256 {
 public:
  Sha256() : m_ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free) { EVP_DigestInit_ex(m_ctx.get(), EVP_sha256(), nullptr); }
  void update(const void* data, std::size_t n) { EVP_DigestUpdate(m_ctx.get(), data, n); }
  std::string hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(m_ctx.get(), digest, &length);
    std::string out;
    for (unsigned int i = 0; i < length; ++i) out += fmt::format("{:02x}", digest[i]);
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> m_ctx;
};

}  // namespace frugal::cache
