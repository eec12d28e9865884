// The Python-literal reader of catalog cells and the GpuInfo column built on it, on any text.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog/gpu_info.h"
#include "catalog/py_literal.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace frugal;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto value = catalog::parse_py_literal(text)) {
    if (value->type == catalog::PyValue::Type::dict && value->keys.size() != value->items.size())
      fuzz::broken("a dict with keys and values of different counts");
  }
  (void)catalog::parse_gpu_info(text);
  return 0;
}
