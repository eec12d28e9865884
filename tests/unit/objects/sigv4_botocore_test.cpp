// Frugal's S3 requests against botocore's: for each case of tests/fixtures/sigv4/botocore/cases.json
// (GET, HEAD, PUT, LIST, ranged GET and DELETE; session tokens; unicode and reserved characters in
// keys; custom endpoints with ports; path and virtual-host style), the URL S3Client builds must be
// the one botocore's S3 client builds, and the Authorization header Frugal sends must be the one
// botocore.auth.S3SigV4Auth computes for that request at the same time. botocore_reference.py
// computed the stored values and checks them again where botocore is installed (ctest
// objects.sigv4_botocore_reference).
//
// The request really goes out through libcurl, to a loopback server set as the HTTP proxy: libcurl
// then derives the Host header (port included) from the URL itself, as it does for S3. An https://
// URL is sent as http:// for that, which changes nothing signed (the scheme is not; 443 and 80 are
// both left out of Host). The time is pinned by an X-Amz-Date header, which libcurl signs instead
// of the clock's.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <memory>
#include <string>

#include "objects/objects.h"
#include "objects/signed_request.h"
#include "sigv4_test_support.h"
#include "test_dir.h"

namespace frugal::objects {
namespace {

using frugal::testing::LoopbackHttp;
using nlohmann::json;
using namespace sigv4_test;

struct Case {
  json fields;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.fields["name"].get<std::string>(); }

std::vector<Case> cases() {
  std::vector<Case> out;
  for (auto& fields : json::parse(read_file(fixtures() / "botocore/cases.json"))) out.push_back({fields});
  return out;
}

class Botocore : public ::testing::TestWithParam<Case> {};

TEST_P(Botocore, FrugalSendsTheUrlAndSignatureBotocoreComputes) {
  const json& c = GetParam().fields;
  LoopbackHttp server(answer_anything);
  testing::TestDir dir;
  // Where and who, as a user sets them; nothing from this machine's own AWS set-up.
  ScopedEnv env;
  env.set("HOME", dir.path());
  env.set("AWS_ACCESS_KEY_ID", c["access_key"]);
  env.set("AWS_SECRET_ACCESS_KEY", c["secret_key"]);
  env.set("AWS_SESSION_TOKEN", c.value("session_token", ""));
  env.set("FRUGAL_S3_ENDPOINT", "");
  env.set("AWS_ENDPOINT_URL", "");
  env.without_proxies();
  env.set("http_proxy", server.url(""));

  auto client = S3Client::from_environment(c["endpoint"], c["region"]);
  ASSERT_TRUE(client) << client.error().message;
  const std::string op = c["operation"];
  std::string url = op == "list" ? list_url(*client, {c["bucket"], c["prefix"]}, c.value("continuation_token", ""))
                                 : client->url_for({c["bucket"], c["key"]});
  EXPECT_EQ(url, c["url"].get<std::string>());

  Signing signing = client->signing();
  if (c.contains("payload_sha256")) signing.payload_hash = c["payload_sha256"];
  signing.headers.push_back("X-Amz-Date: " + c["amz_date"].get<std::string>());
  if (c.value("checksum_mode", false)) signing.headers.push_back("x-amz-checksum-mode: ENABLED");  // as the data cache asks
  if (url.starts_with("https://")) url.replace(0, 5, "http");

  std::string body;
  Result<long> status = 0L;
  if (op == "get") {
    auto got = http_download(url, dir.file("object"), &signing);
    ASSERT_TRUE(got) << got.error().message;
  } else if (op == "ranged-get") {
    std::ofstream(dir.file("object")) << std::string(c["range_from"].get<std::size_t>(), 'x');
    Resume resume{c["range_from"], c["etag"]};
    auto got = http_download(url, dir.file("object"), &signing, &resume);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_TRUE(got->resumed);
  } else if (op == "head") {
    auto got = http_head(url, &signing);
    ASSERT_TRUE(got) << got.error().message;
  } else if (op == "put") {
    std::string content = c.value("body", "checkpoint bytes");
    std::ofstream(dir.file("upload"), std::ios::binary) << content;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> upload(std::fopen(dir.file("upload").c_str(), "rb"), std::fclose);
    status = send_signed(url, "PUT", signing, upload.get(), static_cast<std::int64_t>(content.size()), body);
  } else {
    status = send_signed(url, op == "delete" ? "DELETE" : "GET", signing, nullptr, 0, body);
  }
  ASSERT_TRUE(status) << status.error().message;
  ASSERT_EQ(server.requests().size(), 1U);
  const std::string sent = server.requests().back();
  EXPECT_EQ(testing::header_value(sent, "Authorization"), c["authorization"].get<std::string>()) << "sent:\n" << sent;
}

INSTANTIATE_TEST_SUITE_P(SigV4, Botocore, ::testing::ValuesIn(cases()), [](const auto& info) {
  std::string name = info.param.fields["name"];
  for (char& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name;
});

}  // namespace
}  // namespace frugal::objects
