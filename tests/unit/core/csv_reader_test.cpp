#include <gtest/gtest.h>

#include "core/csv_reader.h"

namespace frugal {
namespace {

std::vector<std::vector<std::string>> read_all(CsvReader& r) {
  std::vector<std::vector<std::string>> out;
  while (true) {
    auto more = r.next();
    EXPECT_TRUE(more) << (more ? "" : more.error().message);
    if (!more || !*more) break;
    out.emplace_back(r.fields().begin(), r.fields().end());
  }
  return out;
}

TEST(CsvReader, ReadsQuotedFieldsWithCommasQuotesAndNewlines) {
  auto r = CsvReader::from_string("\xEF\xBB\xBF" "a,b,c\r\n\"x,1\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n,,\n");
  auto rows = read_all(r);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"x,1", "say \"hi\"", "two\nlines"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"", "", ""}));
}

TEST(CsvField, QuotesOnlyWhatNeedsItAndReadsBackAsWritten) {
  EXPECT_EQ(csv_field("plain"), "plain");
  std::vector<std::string> fields = {"x,1", "say \"hi\"", "two\nlines", "cr\r", ""};
  std::string line;
  for (const auto& f : fields) line += (line.empty() ? "" : ",") + csv_field(f);
  auto r = CsvReader::from_string(line + "\n");
  EXPECT_EQ(read_all(r), std::vector<std::vector<std::string>>{fields});
}

TEST(CsvReader, ReportsTheLineWhereARecordStarts) {
  auto r = CsvReader::from_string("h\n\"multi\nline\"\nnext\n", "cat.csv");
  ASSERT_TRUE(*r.next());
  ASSERT_TRUE(*r.next());
  EXPECT_EQ(r.line(), 2u);
  ASSERT_TRUE(*r.next());
  EXPECT_EQ(r.line(), 4u);
  EXPECT_EQ(r.where(), "cat.csv:4: ");
}

TEST(CsvReader, UnterminatedQuoteIsAnErrorNamingFileAndLine) {
  auto r = CsvReader::from_string("a,b\n1,\"open\n", "bad.csv");
  ASSERT_TRUE(*r.next());
  auto e = r.next();
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("bad.csv:2:"), std::string::npos) << e.error().message;
}

TEST(CsvReader, TextAfterAClosingQuoteIsAnError) {
  auto r = CsvReader::from_string("\"a\"b,c\n", "bad.csv");
  auto e = r.next();
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("after a closing quote"), std::string::npos);
}

TEST(CsvReader, LastRecordWithoutNewlineIsRead) {
  auto r = CsvReader::from_string("a,b\n1,2");
  auto rows = read_all(r);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"1", "2"}));
}

}  // namespace
}  // namespace frugal
