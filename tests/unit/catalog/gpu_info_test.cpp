#include <gtest/gtest.h>

#include "catalog/gpu_info.h"
#include "catalog/py_literal.h"

namespace frugal::catalog {
namespace {

TEST(GpuInfo, ReadsNameCountAndTotalMemoryFromPythonDict) {
  auto info = parse_gpu_info(
      "{'Gpus': [{'Name': 'A100', 'Manufacturer': 'NVIDIA', 'Count': 8.0, 'MemoryInfo': {'SizeInMiB': 40960}}], "
      "'TotalGpuMemoryInMiB': 327680}");
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->name, "A100");
  EXPECT_EQ(info->count, 8.0);
  EXPECT_EQ(info->size_mib, 40960.0);
  EXPECT_EQ(info->total_memory_mib, 327680.0);
}

TEST(GpuInfo, SumsSizeTimesCountWhenTotalIsAbsent) {
  auto info = parse_gpu_info("{'Gpus': [{'Name': 'T4', 'Count': 2, 'MemoryInfo': {'SizeInMiB': 16384}}, "
                             "{'Name': 'T4', 'MemoryInfo': {'SizeInMiB': 16384}}]}");
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->total_memory_mib, 3 * 16384.0);  // a GPU without Count counts once
  EXPECT_EQ(info->count, 2.0);
}

TEST(GpuInfo, GcpAcceleratorRowGivesSizeWithoutNameOrCount) {
  auto info = parse_gpu_info("{'Gpus': [{'MemoryInfo': {'SizeInMiB': 40960}}]}");
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->name, "");
  EXPECT_FALSE(info->count);
  EXPECT_EQ(info->size_mib, 40960.0);
}

TEST(GpuInfo, TakesABareNameAsTheNameWithNoMemory) {
  auto info = parse_gpu_info("A100-80GB");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->name, "A100-80GB");
  EXPECT_FALSE(info->total_memory_mib);
}

TEST(GpuInfo, EmptyTextMeansNoGpu) {
  auto info = parse_gpu_info("  ");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->name, "");
  EXPECT_FALSE(info->total_memory_mib);
}

TEST(GpuInfo, RejectsAMalformedDictSayingWhere) {
  for (const char* bad : {"{'Gpus': [{'Name': 'A100'}]", "{'Gpus' [1]}", "{'Gpus': [{'Name': 'A100}]}",
                          "{'TotalGpuMemoryInMiB': 12x}"}) {
    auto info = parse_gpu_info(bad);
    ASSERT_FALSE(info) << bad;
    EXPECT_EQ(info.error().code, ErrorCode::invalid);
    EXPECT_NE(info.error().message.find("at character"), std::string::npos) << info.error().message;
  }
}

TEST(PyLiteral, ReadsEscapesTuplesBooleansAndNone) {
  auto v = parse_py_literal(R"({"a": 'it\'s', 'b': (1, -2.5e1,), 'c': True, 'd': None, 'e': [],})");
  ASSERT_TRUE(v) << v.error().message;
  ASSERT_EQ(v->type, PyValue::Type::dict);
  EXPECT_EQ(v->get("a")->text, "it's");
  ASSERT_EQ(v->get("b")->items.size(), 2u);
  EXPECT_EQ(v->get("b")->items[1].number, -25.0);
  EXPECT_EQ(v->get("c")->type, PyValue::Type::boolean);
  EXPECT_EQ(v->get("c")->number, 1.0);
  EXPECT_EQ(v->get("d")->type, PyValue::Type::none);
  EXPECT_TRUE(v->get("e")->items.empty());
  EXPECT_EQ(v->get("missing"), nullptr);
}

TEST(PyLiteral, RejectsTrailingTextAndDeepNesting) {
  EXPECT_FALSE(parse_py_literal("{'a': 1} extra"));
  EXPECT_FALSE(parse_py_literal(std::string(100, '[') + std::string(100, ']')));
}

}  // namespace
}  // namespace frugal::catalog
