// RowPrinter prints rows as they come in the bytes print_table writes for the same rows; the table
// format sizes its columns from its first rows and prints later ones in them (cli/row_printer.h).
#include <cstdio>
#include <cstdlib>

#include <gtest/gtest.h>

#include "cli/row_printer.h"

namespace frugal::cli {
namespace {

// What `print` writes to a FILE, as text.
template <typename Print>
std::string captured(Print&& print) {
  char* buffer = nullptr;
  std::size_t size = 0;
  std::FILE* out = open_memstream(&buffer, &size);
  print(out);
  std::fclose(out);
  std::string text(buffer, size);
  std::free(buffer);
  return text;
}

std::string streamed(const Table& table, Format format, TableSample sample = {}) {
  return captured([&](std::FILE* out) {
    RowPrinter printer(out, format, sample);
    printer.columns(table.columns);
    for (const auto& row : table.rows) EXPECT_TRUE(printer.row(row));
    EXPECT_TRUE(printer.finish());
  });
}

std::string whole(const Table& table, Format format) {
  return captured([&](std::FILE* out) { print_table(out, table, format); });
}

Table sample_table() {
  Table t;
  t.columns = {"team", "cost", "cost", "note"};
  t.rows = {{Cell::str("vision"), Cell::num("12.5"), Cell::num("3"), Cell::null()},
            {Cell::str("ünïcode"), Cell::num("0.000001"), Cell::num("NaN"), Cell::str("a,\"b\"\nc")},
            {Cell::str(""), Cell::num("123456789012345678"), Cell::num("-1"), Cell::str("x")}};
  return t;
}

TEST(RowPrinter, WritesTheBytesPrintTableWritesInEveryFormat) {
  Table t = sample_table();
  Table empty{{"a", "b"}, {}};
  for (Format format : {Format::table, Format::csv, Format::json}) {
    EXPECT_EQ(streamed(t, format), whole(t, format));
    if (format != Format::table) {
      EXPECT_EQ(streamed(t, format, TableSample{1, 1}), whole(t, format)) << "only the table format samples rows";
    }
    EXPECT_EQ(streamed(empty, format), whole(empty, format));
  }
  EXPECT_EQ(whole(empty, Format::table), "a  b\n(no rows)\n");
  EXPECT_EQ(whole(empty, Format::json), "[]\n");
  EXPECT_EQ(whole(empty, Format::csv), "a,b\n");
}

TEST(RowPrinter, JsonIsOneDocumentWrittenRowByRow) {
  Table t{{"n", "n"}, {{Cell::num("1"), Cell::str("a")}, {Cell::num("2"), Cell::null()}}};
  EXPECT_EQ(streamed(t, Format::json),
            "[\n  {\n    \"n\": 1,\n    \"n_2\": \"a\"\n  },\n  {\n    \"n\": 2,\n    \"n_2\": null\n  }\n]\n");
}

TEST(RowPrinter, TableSizesItsColumnsFromTheSampleAndPrintsWiderLaterCellsWhole) {
  Table t{{"id", "name"},
          {{Cell::num("1"), Cell::str("ab")},
           {Cell::num("22"), Cell::str("c")},
           {Cell::num("333"), Cell::str("a much longer name")},
           {Cell::str("x"), Cell::str("d")}}};
  EXPECT_EQ(streamed(t, Format::table, TableSample{2, 1 << 20}),
            "id  name\n"
            " 1  ab\n"
            "22  c\n"
            "333  a much longer name\n"
            " x  d\n");
}

TEST(RowPrinter, TableSampleEndsAtItsByteLimitToo) {
  Table t{{"v"}, {{Cell::str("aaaa")}, {Cell::str("bbbbbbbb")}, {Cell::str("cc")}}};
  EXPECT_EQ(streamed(t, Format::table, TableSample{1000, 4}), "v\naaaa\nbbbbbbbb\ncc\n");
}

TEST(RowPrinter, AFailedWriteStopsTheRows) {
  std::FILE* full = std::fopen("/dev/full", "w");
  ASSERT_NE(full, nullptr);
  std::setvbuf(full, nullptr, _IONBF, 0);
  RowPrinter printer(full, Format::csv);
  printer.columns({"a"});
  EXPECT_FALSE(printer.row({Cell::str("x")}));
  EXPECT_FALSE(printer.finish());
  std::fclose(full);
}

}  // namespace
}  // namespace frugal::cli
