// The SHA-256 a GET reports: the object's own (x-amz-checksum-sha256 of a single-part object) or a
// multipart object's composite one ("<base64>-<parts>", x-amz-checksum-type: COMPOSITE), which is
// a SHA-256 of the parts' SHA-256s and so never taken for the object's.
#include <gtest/gtest.h>

#include "loopback_http.h"
#include "objects/objects.h"
#include "test_dir.h"

namespace frugal::objects {
namespace {

using frugal::testing::LoopbackHttp;

const char* const k_hello_sha256 = "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=";  // of "hello"

// Serves "hello" with the checksum headers given ("" leaves one out), as S3 answers a GET with
// x-amz-checksum-mode: ENABLED.
LoopbackHttp::Handler s3_answer(std::string checksum, std::string type) {
  return [checksum, type](const std::string&) {
    std::string head = "HTTP/1.1 200 OK\r\nETag: \"5d41402abc4b2a76b9719d911017c592-3\"\r\n";
    if (!checksum.empty()) head += "x-amz-checksum-sha256: " + checksum + "\r\n";
    if (!type.empty()) head += "x-amz-checksum-type: " + type + "\r\n";
    return head + "Content-Length: 5\r\n\r\nhello";
  };
}

ObjectInfo get(const std::string& checksum, const std::string& type) {
  LoopbackHttp server(s3_answer(checksum, type));
  testing::TestDir dir;
  auto got = http_download(server.url("/o"), dir.file("o"), nullptr);
  EXPECT_TRUE(got) << got.error().message;
  return got ? *got : ObjectInfo{};
}

TEST(ObjectChecksum, ASinglePartObjectsSha256IsTheObjects) {
  for (const char* type : {"", "FULL_OBJECT"}) {
    auto info = get(k_hello_sha256, type);
    EXPECT_EQ(info.sha256_base64, k_hello_sha256) << type;
    EXPECT_EQ(info.sha256_composite, "") << type;
  }
}

TEST(ObjectChecksum, AMultipartObjectsCompositeChecksumIsKeptApart) {
  std::string composite = std::string(k_hello_sha256) + "-3";
  for (const char* type : {"", "COMPOSITE", "composite"}) {
    auto info = get(composite, type);
    EXPECT_EQ(info.sha256_base64, "") << type;
    EXPECT_EQ(info.sha256_composite, composite) << type;
    EXPECT_EQ(info.bytes, 5U);
    EXPECT_EQ(info.etag, "5d41402abc4b2a76b9719d911017c592-3");
  }
}

TEST(ObjectChecksum, ACompositeTypeMakesAChecksumWithoutPartCountCompositeToo) {
  auto info = get(k_hello_sha256, "COMPOSITE");
  EXPECT_EQ(info.sha256_base64, "");
  EXPECT_EQ(info.sha256_composite, k_hello_sha256);
}

}  // namespace
}  // namespace frugal::objects
