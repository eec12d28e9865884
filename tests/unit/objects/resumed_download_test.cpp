// Downloads that go on from a partial file (Range + If-Range), against a loopback server that plays
// a well-behaved server, one whose object changed, one that ignores If-Range and one that hangs up.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "loopback_http.h"
#include "objects/objects.h"
#include "test_dir.h"

namespace frugal::objects {
namespace {

using frugal::testing::header_value;
using frugal::testing::LoopbackHttp;

const std::string k_object = "0123456789abcdefghijklmnopqrstuvwxyz";

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

std::string answer(int status, const std::string& etag, const std::string& body, std::size_t announced,
                   const std::string& content_range = "") {
  const char* reason = status == 206 ? "Partial Content" : status == 404 ? "Not Found" : "OK";
  return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nETag: \"" + etag + "\"\r\n" +
         (content_range.empty() ? "" : "Content-Range: " + content_range + "\r\n") +
         "Content-Length: " + std::to_string(announced) + "\r\n\r\n" + body;
}

// "bytes from-last/total" of a 206 that sends the object from byte `from` to its end.
std::string rest_from(std::size_t from, std::size_t total) {
  return "bytes " + std::to_string(from) + "-" + std::to_string(total - 1) + "/" + std::to_string(total);
}

// Serves `object` as version `etag`, honouring Range and If-Range as RFC 9110 says.
LoopbackHttp::Handler honest_server(std::string object, std::string etag) {
  return [object, etag](const std::string& head) {
    std::string range = header_value(head, "Range"), if_range = header_value(head, "If-Range");
    if (!range.empty() && if_range == "\"" + etag + "\"") {
      std::size_t from = std::stoul(range.substr(6));
      return answer(206, etag, object.substr(from), object.size() - from, rest_from(from, object.size()));
    }
    return answer(200, etag, object, object.size());
  };
}

struct ResumedDownload : ::testing::Test {
  testing::TestDir dir;
  std::string part = dir.file("object.part");
};

TEST_F(ResumedDownload, AsksForTheRestAndAppendsIt) {
  LoopbackHttp server(honest_server(k_object, "v1"));
  write(part, k_object.substr(0, 10));
  Resume resume{10, "v1"};
  auto got = http_download(server.url("/o"), part, nullptr, &resume);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(got->resumed);
  EXPECT_EQ(got->bytes, k_object.size());
  EXPECT_EQ(read(part), k_object);
  EXPECT_EQ(header_value(server.requests().at(0), "Range"), "bytes=10-");
  EXPECT_EQ(header_value(server.requests().at(0), "If-Range"), "\"v1\"");
}

TEST_F(ResumedDownload, AChangedObjectIsFetchedWholeNotSpliced) {
  std::string new_version = "NEW-" + k_object;
  LoopbackHttp server(honest_server(new_version, "v2"));
  write(part, k_object.substr(0, 10));
  Resume resume{10, "v1"};
  auto got = http_download(server.url("/o"), part, nullptr, &resume);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_FALSE(got->resumed);
  EXPECT_EQ(got->etag, "v2");
  EXPECT_EQ(read(part), new_version);
}

TEST_F(ResumedDownload, AServerIgnoringIfRangeIsCaughtByTheETagAndRestarted) {
  std::string new_version = "NEW-" + k_object;
  LoopbackHttp server([&](const std::string& head) {
    std::string range = header_value(head, "Range");
    if (range.empty()) return answer(200, "v2", new_version, new_version.size());
    std::size_t from = std::stoul(range.substr(6));
    return answer(206, "v2", new_version.substr(from), new_version.size() - from,
                  rest_from(from, new_version.size()));  // If-Range ignored
  });
  write(part, k_object.substr(0, 10));
  Resume resume{10, "v1"};
  auto got = http_download(server.url("/o"), part, nullptr, &resume);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(read(part), new_version);
  EXPECT_EQ(server.requests().size(), 2U);
}

TEST_F(ResumedDownload, ACutConnectionKeepsWhatArrivedAndTheETag) {
  LoopbackHttp server([](const std::string&) { return answer(200, "v1", k_object.substr(0, 20), k_object.size()); });
  std::string etag;
  auto got = http_download(server.url("/o"), part, nullptr, nullptr, &etag);
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().message.find(server.url("/o")), std::string::npos) << got.error().message;
  EXPECT_EQ(etag, "v1");
  EXPECT_EQ(read(part), k_object.substr(0, 20));
}

TEST_F(ResumedDownload, AnErrorPageIsNotAppendedToThePartialFile) {
  LoopbackHttp server([](const std::string&) { return answer(404, "", "<Error>NoSuchKey</Error>", 24); });
  write(part, k_object.substr(0, 10));
  Resume resume{10, "v1"};
  auto got = http_download(server.url("/o"), part, nullptr, &resume);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::not_found);
  EXPECT_EQ(read(part), k_object.substr(0, 10));
}

TEST_F(ResumedDownload, APartialAlreadyWholeStartsAgainOn416) {
  LoopbackHttp server([](const std::string& head) {
    if (!header_value(head, "Range").empty()) return std::string("HTTP/1.1 416 Range Not Satisfiable\r\nContent-Length: 0\r\n\r\n");
    return answer(200, "v1", k_object, k_object.size());
  });
  write(part, k_object);
  Resume resume{k_object.size(), "v1"};
  auto got = http_download(server.url("/o"), part, nullptr, &resume);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(read(part), k_object);
}

// A 206 is appended only when its Content-Range continues the partial file to the object's end: a
// multipart object's composite checksum cannot check the bytes, so the sizes must.
TEST_F(ResumedDownload, A206FromAnotherOffsetIsNotAppendedButTheObjectFetchedWhole) {
  LoopbackHttp server([](const std::string& head) {
    if (header_value(head, "Range").empty()) return answer(200, "v1", k_object, k_object.size());
    return answer(206, "v1", k_object, k_object.size(), rest_from(0, k_object.size()));  // the range's start ignored
  });
  write(part, k_object.substr(0, 10));
  Resume resume{10, "v1"};
  auto got = http_download(server.url("/o"), part, nullptr, &resume);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_FALSE(got->resumed);
  EXPECT_EQ(read(part), k_object);
  EXPECT_EQ(server.requests().size(), 2U);
}

TEST_F(ResumedDownload, A206ThatStopsShortOfTheEndIsNotAppended) {
  LoopbackHttp server([](const std::string& head) {
    if (header_value(head, "Range").empty()) return answer(200, "v1", k_object, k_object.size());
    return answer(206, "v1", k_object.substr(10, 5), 5, "bytes 10-14/" + std::to_string(k_object.size()));
  });
  write(part, k_object.substr(0, 10));
  Resume resume{10, "v1"};
  auto got = http_download(server.url("/o"), part, nullptr, &resume);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->bytes, k_object.size());
  EXPECT_EQ(read(part), k_object);
}

TEST_F(ResumedDownload, A206WithoutContentRangeIsNotAppended) {
  LoopbackHttp server([](const std::string& head) {
    if (header_value(head, "Range").empty()) return answer(200, "v1", k_object, k_object.size());
    return answer(206, "v1", k_object.substr(10), k_object.size() - 10);
  });
  write(part, k_object.substr(0, 10));
  Resume resume{10, "v1"};
  auto got = http_download(server.url("/o"), part, nullptr, &resume);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_FALSE(got->resumed);
  EXPECT_EQ(read(part), k_object);
}

}  // namespace
}  // namespace frugal::objects
