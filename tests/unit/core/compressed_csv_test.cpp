// CsvReader over gzip, zstd and ZIP files: same records as the plain text, chosen by the first bytes,
// the observer sees the stored (compressed) bytes, and damage or a cut is an error naming the file.
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

#include "core/csv_reader.h"
#include "test_dir.h"

namespace frugal {
namespace {

std::string gzip(const std::string& text) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);  // +16: a gzip header
  std::string out(deflateBound(&z, text.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string zstd(const std::string& text) {
  std::string out(ZSTD_compressBound(text.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), text.data(), text.size(), 3));
  return out;
}

void write(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

// A bill big enough to span many 1 MiB chunks, with quoted fields that hold newlines.
std::string big_csv() {
  std::ostringstream s;
  s << "\xEF\xBB\xBF" "id,note,cost\r\n";
  for (int i = 0; i < 60'000; ++i) s << i << ",\"line " << i << "\nsecond, \"\"quoted\"\"\"," << i * 7 << ".25\r\n";
  return s.str();
}

struct Read {
  std::vector<std::vector<std::string>> rows;
  std::string observed;
  std::uint64_t stored = 0;
};

Result<Read> read_file(const std::string& path) {
  auto r = FRUGAL_TRY(CsvReader::open(path));
  Read out;
  r.observe_bytes([&](std::string_view bytes) { out.observed += bytes; });
  while (FRUGAL_TRY(r.next())) out.rows.emplace_back(r.fields().begin(), r.fields().end());
  out.stored = r.stored_bytes_read();
  return out;
}

TEST(CompressedCsv, GzipAndZstdReadAsTheSameRecordsAsThePlainFile) {
  testing::TestDir dir;
  std::string text = big_csv();
  write(dir.file("bill.csv"), text);
  write(dir.file("bill.csv.gz"), gzip(text));
  write(dir.file("bill.csv.zst"), zstd(text));
  auto plain = read_file(dir.file("bill.csv"));
  ASSERT_TRUE(plain) << plain.error().message;
  ASSERT_EQ(plain->rows.size(), 60'001u);
  EXPECT_EQ(plain->rows[1], (std::vector<std::string>{"0", "line 0\nsecond, \"quoted\"", "0.25"}));
  for (const char* name : {"bill.csv.gz", "bill.csv.zst"}) {
    auto packed = read_file(dir.file(name));
    ASSERT_TRUE(packed) << packed.error().message;
    EXPECT_EQ(packed->rows, plain->rows) << name;
  }
}

TEST(CompressedCsv, TheObserverSeesTheFileAsStoredNotTheText) {
  testing::TestDir dir;
  std::string packed = gzip(big_csv());
  write(dir.file("bill.csv.gz"), packed);
  auto read = read_file(dir.file("bill.csv.gz"));
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->observed, packed);
  EXPECT_EQ(read->stored, packed.size());
}

TEST(CompressedCsv, IsChosenByTheFirstBytesNotTheName) {
  testing::TestDir dir;
  write(dir.file("gzip_named_plain.csv"), gzip("a,b\n1,2\n"));
  write(dir.file("plain_named_gzip.csv.gz"), "a,b\n1,2\n");
  for (const char* name : {"gzip_named_plain.csv", "plain_named_gzip.csv.gz"}) {
    auto read = read_file(dir.file(name));
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(read->rows, (std::vector<std::vector<std::string>>{{"a", "b"}, {"1", "2"}})) << name;
  }
}

TEST(CompressedCsv, ConcatenatedGzipMembersAndZstdFramesReadAsOneFile) {
  testing::TestDir dir;
  write(dir.file("two.csv.gz"), gzip("a,b\n1,2\n") + gzip("3,4\n"));
  write(dir.file("two.csv.zst"), zstd("a,b\n1,2\n") + zstd("3,4\n"));
  for (const char* name : {"two.csv.gz", "two.csv.zst"}) {
    auto read = read_file(dir.file(name));
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(read->rows, (std::vector<std::vector<std::string>>{{"a", "b"}, {"1", "2"}, {"3", "4"}})) << name;
  }
}

TEST(CompressedCsv, ACutOrDamagedFileFailsNamingIt) {
  testing::TestDir dir;
  std::string text = big_csv();
  std::string gz = gzip(text), zs = zstd(text);
  write(dir.file("cut.csv.gz"), gz.substr(0, gz.size() / 2));
  write(dir.file("cut.csv.zst"), zs.substr(0, zs.size() / 2));
  std::string damaged = gz;
  for (std::size_t i = 100; i < 200; ++i) damaged[i] = static_cast<char>(damaged[i] ^ 0x5a);
  write(dir.file("damaged.csv.gz"), damaged);
  for (const char* name : {"cut.csv.gz", "cut.csv.zst", "damaged.csv.gz"}) {
    auto read = read_file(dir.file(name));
    ASSERT_FALSE(read) << name;
    EXPECT_EQ(read.error().code, ErrorCode::io) << name;
    EXPECT_NE(read.error().message.find(name), std::string::npos) << read.error().message;
  }
}

TEST(CompressedCsv, AParquetFileIsRefusedSayingWhichExportsToTakeAsCsv) {
  testing::TestDir dir;
  write(dir.file("part-00001.snappy.parquet"), std::string("PAR1\x15\x04", 6));
  write(dir.file("mislabelled.csv"), std::string("PAR1\x15\x04", 6));
  for (const char* name : {"part-00001.snappy.parquet", "mislabelled.csv"}) {
    auto r = CsvReader::open(dir.file(name));
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error().code, ErrorCode::invalid);
    EXPECT_NE(r.error().message.find("Parquet"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("CSV"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(name), std::string::npos) << r.error().message;
  }
}

// ZIP archives as Python's zipfile writes them (an implementation of the format independent of
// frugal's): "deflate" to a file (sizes and CRC in the header), "stream" to a pipe (a data
// descriptor after the data), "zip64" (ZIP64 extra fields, 8-byte descriptor sizes), "stored"
// (no compression), "two" (a second file in the archive).
std::string python_zip(testing::TestDir& dir, const std::string& text, const std::string& mode) {
  write(dir.file("zip-input.csv"), text);
  std::string out = dir.file("made-" + mode + ".zip");
  std::string script =
      "import sys, zipfile\n"
      "mode, src, dst = sys.argv[1:4]\n"
      "data = open(src, 'rb').read()\n"
      "method = zipfile.ZIP_STORED if mode == 'stored' else zipfile.ZIP_DEFLATED\n"
      "sink = sys.stdout.buffer if mode in ('stream', 'zip64') else open(dst, 'wb')\n"
      "with zipfile.ZipFile(sink, 'w', method) as z:\n"
      "    with z.open('report-1.csv', 'w', force_zip64=(mode == 'zip64')) as f:\n"
      "        f.write(data)\n"
      "    if mode == 'two':\n"
      "        z.writestr('report-2.csv', data)\n";
  write(dir.file("make_zip.py"), script);
  // A pipe through cat: zipfile cannot seek back, so it writes data descriptors.
  std::string command = "python3 " + dir.file("make_zip.py") + " " + mode + " " + dir.file("zip-input.csv") + " " + out +
                        (mode == "stream" || mode == "zip64" ? " | cat > " + out : "");
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  std::ifstream in(out, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(CompressedCsv, AZipOfOneCsvReadsAsThePlainFileWhicheverWayItWasWritten) {
  testing::TestDir dir;
  std::string text = big_csv();
  write(dir.file("bill.csv"), text);
  auto plain = read_file(dir.file("bill.csv"));
  ASSERT_TRUE(plain) << plain.error().message;
  for (const char* mode : {"deflate", "stream", "zip64", "stored"}) {
    std::string zipped = python_zip(dir, text, mode);
    ASSERT_GT(zipped.size(), 4u) << mode;
    if (std::string(mode) == "stream") {
      EXPECT_NE(zipped[6] & 8, 0) << "the stream has a data descriptor";
    }
    write(dir.file(std::string("bill-") + mode + ".csv.zip"), zipped);
    auto read = read_file(dir.file(std::string("bill-") + mode + ".csv.zip"));
    ASSERT_TRUE(read) << mode << ": " << read.error().message;
    EXPECT_EQ(read->rows, plain->rows) << mode;
    EXPECT_EQ(read->observed, zipped) << mode << ": the observer sees the whole archive as stored, central directory too";
  }
}

TEST(CompressedCsv, ACutDamagedOrTwoFileZipIsRefusedNamingIt) {
  testing::TestDir dir;
  std::string text = big_csv();
  std::string zipped = python_zip(dir, text, "deflate");
  write(dir.file("cut.csv.zip"), zipped.substr(0, zipped.size() / 2));
  std::string damaged = zipped;
  for (std::size_t i = 2000; i < 2100; ++i) damaged[i] = static_cast<char>(damaged[i] ^ 0x5a);
  write(dir.file("damaged.csv.zip"), damaged);
  std::string stored = python_zip(dir, text, "stored");
  stored[stored.size() / 2] = static_cast<char>(stored[stored.size() / 2] ^ 1);  // only the CRC-32 can tell
  write(dir.file("flipped.csv.zip"), stored);
  write(dir.file("two.csv.zip"), python_zip(dir, "a,b\n1,2\n", "two"));
  const std::pair<const char*, const char*> cases[] = {{"cut.csv.zip", "cut short"},
                                                       {"damaged.csv.zip", "damaged"},
                                                       {"flipped.csv.zip", "CRC-32 does not match"},
                                                       {"two.csv.zip", "more than one file"}};
  for (const auto& [name, says] : cases) {
    auto read = read_file(dir.file(name));
    ASSERT_FALSE(read) << name;
    EXPECT_NE(read.error().message.find(name), std::string::npos) << read.error().message;
    EXPECT_NE(read.error().message.find(says), std::string::npos) << read.error().message;
  }
}

}  // namespace
}  // namespace frugal
