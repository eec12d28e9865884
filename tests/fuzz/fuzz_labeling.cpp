// The inputs of `frugal label plan`: predictions (a column per class, or top-k pairs), validation
// labels and embeddings, each as CSV or JSON lines (chosen by the file's extension). The first
// byte picks the reader (its low two bits) and the extension (the next ones); the rest is the file.
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_set>

#include "fuzz_support.h"
#include "labeling/inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace frugal;
  if (size < 1) return 0;
  static constexpr std::array<const char*, 3> extensions = {".csv", ".jsonl", ".json"};
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const char* extension = extensions[(data[0] >> 2) % extensions.size()];
  switch (data[0] & 3) {  // 0 predictions, 1 validation, 2 and 3 embeddings
    case 0: {
      std::string path = fuzz::write_input(std::string("predictions") + extension, bytes);
      labeling::Classes classes;
      labeling::IdDuplicates duplicates;
      auto read = labeling::read_predictions(path, classes, [&](const labeling::Prediction& p) -> Result<void> {
        if (!(p.confidence >= 0 && p.confidence <= 1 + 1e-9) || !(p.runner_up >= 0 && p.runner_up <= p.confidence))
          fuzz::broken("a prediction's confidence is not a probability, or below the runner-up's");
        if (!std::isfinite(p.entropy) || p.entropy < 0) fuzz::broken("a prediction's entropy is not finite and >= 0");
        if (p.predicted >= classes.size()) fuzz::broken("a prediction names an unknown class");
        duplicates.add(p.id, p.line);
        return {};
      });
      if (read) (void)duplicates.check(path);
      break;
    }
    case 1: {
      std::string path = fuzz::write_input(std::string("validation") + extension, bytes);
      if (auto labels = labeling::read_validation(path)) {
        for (const auto& [id, label] : *labels)
          if (id.empty() || label.empty()) fuzz::broken("an empty id or label was accepted");
      }
      break;
    }
    default: {
      std::string path = fuzz::write_input(std::string("embeddings") + extension, bytes);
      // The ids the seeds use; the reader skips the others without parsing their numbers.
      static const std::unordered_set<std::string> wanted = {"a", "b", "c", "1", "2", "3", "img_1", "img_2"};
      if (auto e = labeling::read_embeddings(path, wanted)) {
        if (e->vectors.size() != e->dim * e->row_of.size()) fuzz::broken("embeddings: rows × dim != floats kept");
        for (float x : e->vectors)
          if (!std::isfinite(x)) fuzz::broken("embeddings: a component that is not a finite float was kept");
      }
      break;
    }
  }
  return 0;
}
