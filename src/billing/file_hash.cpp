#include "billing/file_hash.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <memory>
#include <openssl/evp.h>

namespace frugal::billing {

Result<std::string> sha256_file(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!f) return fail(ErrorCode::io, fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::string buffer(1 << 20, '\0');
  std::size_t got;
  while ((got = std::fread(buffer.data(), 1, buffer.size(), f.get())) > 0) EVP_DigestUpdate(ctx.get(), buffer.data(), got);
  if (std::ferror(f.get())) return fail(ErrorCode::io, fmt::format("{}: read error", path));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &length);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

}  // namespace frugal::billing
