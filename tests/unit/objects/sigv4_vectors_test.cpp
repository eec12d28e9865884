// Requests signed the way Frugal signs them (libcurl's SigV4 through objects::sign_request) against
// published vectors: the AWS Signature Version 4 test suite and the S3 API reference's examples
// (tests/fixtures/sigv4, README there). Each vector's request is sent to a loopback server that keeps
// it; the Authorization header must match the published one to the hex digit. The vector's Host and
// time are sent as signed headers (a Host or X-Amz-Date given to sign_request replaces the URL's and
// the clock's). Its path and query go through Frugal's own encoding: the path is percent-decoded and
// encoded again as an S3 key is (uri_encode_path), the query rebuilt by canonical_query.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "objects/objects.h"
#include "objects/signed_request.h"
#include "sigv4_test_support.h"
#include "test_dir.h"

namespace frugal::objects {
namespace {

using frugal::testing::LoopbackHttp;
using namespace sigv4_test;
namespace fs = std::filesystem;

struct Request {
  std::string method, path, query, body;
  std::vector<std::string> headers;  // "Name:value", as the vector writes them
};

// request.txt: "METHOD target HTTP/1.1", header lines, a blank line, the body. The target may hold
// spaces (get-space-unnormalized).
Request parse_request(const std::string& text) {
  Request r;
  auto blank = text.find("\n\n");
  std::string head = text.substr(0, blank);
  if (blank != std::string::npos) r.body = text.substr(blank + 2);
  std::istringstream lines(head);
  std::string line;
  std::getline(lines, line);
  auto first = line.find(' '), last = line.rfind(' ');
  r.method = line.substr(0, first);
  std::string target = line.substr(first + 1, last - first - 1);
  auto question = target.find('?');
  r.path = target.substr(0, question);
  if (question != std::string::npos) r.query = target.substr(question + 1);
  while (std::getline(lines, line))
    if (!line.empty()) r.headers.push_back(line);
  return r;
}

// The query as Frugal sends it: parameters decoded, then encoded and sorted by canonical_query.
std::string frugal_query(const std::string& query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::istringstream pairs(query);
  std::string pair;
  while (std::getline(pairs, pair, '&')) {
    auto eq = pair.find('=');
    params.emplace_back(percent_decode(pair.substr(0, eq)), eq == std::string::npos ? "" : percent_decode(pair.substr(eq + 1)));
  }
  return canonical_query(std::move(params));
}

// "2015-08-30T12:36:00Z" → "20150830T123600Z"
std::string amz_date(std::string iso) {
  std::erase(iso, '-');
  std::erase(iso, ':');
  return iso;
}

std::string published_authorization(const fs::path& vector) {
  std::istringstream lines(read_file(vector / "header-signed-request.txt"));
  for (std::string line; std::getline(lines, line);)
    if (line.starts_with("Authorization:")) return line.substr(14);
  return "";
}

std::vector<std::string> vectors() {
  std::vector<std::string> names;
  for (const char* suite : {"aws-sig-v4-test-suite", "s3-examples"})
    for (const auto& entry : fs::directory_iterator(fixtures() / suite))
      names.push_back(std::string(suite) + "/" + entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

class SigV4Vector : public ::testing::TestWithParam<std::string> {};

TEST_P(SigV4Vector, SignatureMatchesThePublishedOne) {
  fs::path vector = fixtures() / GetParam();
  auto context = nlohmann::json::parse(read_file(vector / "context.json"));
  Request request = parse_request(read_file(vector / "request.txt"));
  const auto& keys = context["credentials"];
  Signing signing{context["region"], keys["access_key_id"], keys["secret_access_key"], keys.value("token", ""),
                  context["service"], "", request.headers};  // the S3 examples send their payload hash as a header
  signing.headers.push_back("X-Amz-Date: " + amz_date(context["timestamp"]));

  LoopbackHttp server(answer_anything);
  ScopedEnv env;
  env.without_proxies();
  testing::TestDir dir;
  std::string url = server.url(uri_encode_path(percent_decode(request.path)));
  if (!request.query.empty()) url += "?" + frugal_query(request.query);
  if (request.method == "GET" && request.body.empty()) {
    auto got = http_download(url, dir.file("body"), &signing);
    ASSERT_TRUE(got) << got.error().message;
  } else {
    std::ofstream(dir.file("upload"), std::ios::binary) << request.body;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> upload(std::fopen(dir.file("upload").c_str(), "rb"), std::fclose);
    std::string answer;
    auto status = send_signed(url, request.method.c_str(), signing, request.body.empty() ? nullptr : upload.get(),
                              static_cast<std::int64_t>(request.body.size()), answer);
    ASSERT_TRUE(status) << status.error().message;
  }
  ASSERT_EQ(server.requests().size(), 1U);
  EXPECT_EQ(testing::header_value(server.requests().back(), "Authorization"), published_authorization(vector))
      << "sent:\n" << server.requests().back() << "expected canonical request:\n"
      << read_file(vector / "header-canonical-request.txt");
}

INSTANTIATE_TEST_SUITE_P(Published, SigV4Vector, ::testing::ValuesIn(vectors()), [](const auto& info) {
  std::string name = info.param;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
});

TEST(SigV4, ATamperedSecretGivesAnotherSignature) {
  LoopbackHttp server(answer_anything);
  ScopedEnv env;
  env.without_proxies();
  Signing s{"us-east-1", "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEX", "", "service", "", {}};
  s.headers = {"Host:example.amazonaws.com", "X-Amz-Date: 20150830T123600Z"};
  testing::TestDir dir;
  ASSERT_TRUE(http_download(server.url("/"), dir.file("body"), &s));
  EXPECT_NE(testing::header_value(server.requests().back(), "Authorization"),
            published_authorization(fixtures() / "aws-sig-v4-test-suite/get-vanilla"));
}

TEST(CanonicalQuery, SortsByNameAndEncodesAllButUnreserved) {
  EXPECT_EQ(canonical_query({{"prefix", "a/b c"}, {"list-type", "2"}, {"continuation-token", "x+y="}}),
            "continuation-token=x%2By%3D&list-type=2&prefix=a%2Fb%20c");
  EXPECT_EQ(canonical_query({{"b", "2"}, {"b", "1"}, {"a", ""}}), "a=&b=1&b=2");
  EXPECT_EQ(canonical_query({}), "");
}

TEST(UriEncodePath, KeepsUnreservedAndSlashesAndEncodesEveryOtherByte) {
  EXPECT_EQ(uri_encode_path("a/b c/~x_y-z.0"), "a/b%20c/~x_y-z.0");
  EXPECT_EQ(uri_encode_path("é+=!*'()%"), "%C3%A9%2B%3D%21%2A%27%28%29%25");
  EXPECT_EQ(uri_encode_path("runs/../x/./y//z"), "runs/../x/./y//z");
}

}  // namespace
}  // namespace frugal::objects
