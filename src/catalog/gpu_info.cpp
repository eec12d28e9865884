#include "catalog/gpu_info.h"

#include "catalog/py_literal.h"
#include "util/strings.h"

namespace frugal::catalog {
namespace {

std::optional<double> number_at(const PyValue* v) {
  if (v && (v->type == PyValue::Type::number || v->type == PyValue::Type::boolean)) return v->number;
  return std::nullopt;
}

}  // namespace

Result<GpuInfo> parse_gpu_info(std::string_view text) {
  std::string_view t = util::trim(text);
  GpuInfo info;
  if (t.empty()) return info;
  if (t.front() != '{') {  // Azure and GCP TPUs write only the name
    info.name = std::string(t);
    return info;
  }
  PyValue root = FRUGAL_TRY(parse_py_literal(t));
  if (root.type != PyValue::Type::dict) return fail(ErrorCode::invalid, "GpuInfo is not a dict");

  double summed_mib = 0;
  bool any_size = false;
  if (const PyValue* gpus = root.get("Gpus"); gpus && gpus->type == PyValue::Type::list) {
    for (const PyValue& gpu : gpus->items) {
      if (const PyValue* name = gpu.get("Name"); name && name->type == PyValue::Type::string && info.name.empty())
        info.name = name->text;
      const PyValue* memory = gpu.get("MemoryInfo");
      std::optional<double> count = number_at(gpu.get("Count"));
      if (count) info.count = info.count.value_or(0) + *count;
      if (auto size = number_at(memory ? memory->get("SizeInMiB") : nullptr)) {
        if (!info.size_mib) info.size_mib = *size;
        summed_mib += *size * count.value_or(1.0);
        any_size = true;
      }
    }
  }
  if (auto total = number_at(root.get("TotalGpuMemoryInMiB"))) {
    info.total_memory_mib = *total;
  } else if (any_size) {
    info.total_memory_mib = summed_mib;
  }
  return info;
}

}  // namespace frugal::catalog
