#include "cli/s3_export_source.h"

#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <sstream>

#include "objects/objects.h"

namespace frugal::cli {
namespace {

namespace fs = std::filesystem;

class S3ExportSource final : public billing::ExportSource {
 public:
  S3ExportSource(objects::S3Client client, objects::S3Url root, std::string tmp)
      : m_client(std::move(client)), m_root(std::move(root)), m_tmp(std::move(tmp)) {
    if (!m_root.key.empty() && !m_root.key.ends_with('/')) m_root.key += '/';
  }
  ~S3ExportSource() override {
    std::error_code ec;
    fs::remove_all(m_tmp, ec);
  }

  Result<std::vector<billing::ExportObject>> list() override {
    auto keys = FRUGAL_TRY(m_client.list(m_root));
    std::vector<billing::ExportObject> out;
    for (auto& key : keys) {
      if (!key.starts_with(m_root.key) || key.ends_with('/')) continue;
      billing::ExportObject o;
      o.key = key.substr(m_root.key.size());
      out.push_back(std::move(o));
    }
    return out;
  }

  Result<std::string> read_text(const std::string& key) override {
    std::string local = m_tmp + "/manifest.json";
    auto signing = m_client.signing();
    FRUGAL_TRY(objects::http_download(url_of(key), local, &signing));
    std::ifstream in(local, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    fs::remove(local);
    return s.str();
  }

  std::string name_of(const std::string& key) const override {
    return fmt::format("s3://{}/{}{}", m_root.bucket, m_root.key, key);
  }

  Result<billing::ExportFingerprint> fingerprint(const billing::ExportObject& object) override {
    auto signing = m_client.signing();
    auto info = FRUGAL_TRY(objects::http_head(url_of(object.key), &signing));
    if (info.etag.empty()) return fail(ErrorCode::io, fmt::format("{}: the server sent no ETag", name_of(object.key)));
    billing::ExportFingerprint print;
    print.etag = info.etag;
    print.bytes = info.bytes;
    return print;
  }

  Result<std::string> fetch(const billing::ExportObject& object) override {
    // The object's own name, so that a .parquet one is refused by name as well as by its bytes.
    std::string base = object.key.substr(object.key.rfind('/') + 1);
    std::string local = m_tmp + "/" + base;
    auto signing = m_client.signing();
    FRUGAL_TRY(objects::http_download(url_of(object.key), local, &signing));
    return local;
  }

  void release(const std::string& local_path) override {
    std::error_code ec;
    fs::remove(local_path, ec);
  }

 private:
  std::string url_of(const std::string& key) const {
    return m_client.url_for(objects::S3Url{m_root.bucket, m_root.key + key});
  }
  objects::S3Client m_client;
  objects::S3Url m_root;
  std::string m_tmp;
};

}  // namespace

Result<std::unique_ptr<billing::ExportSource>> s3_export_source(const std::string& url) {
  auto root = FRUGAL_TRY(objects::parse_s3_url(url));
  auto client = FRUGAL_TRY(objects::S3Client::from_environment());
  std::string pattern = (fs::temp_directory_path() / "frugal-bill-import-XXXXXX").string();
  if (!mkdtemp(pattern.data())) return fail(ErrorCode::io, "cannot make a temporary folder for downloads");
  return std::make_unique<S3ExportSource>(std::move(client), std::move(root), pattern);
}

}  // namespace frugal::cli
