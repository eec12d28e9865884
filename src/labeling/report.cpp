#include <nlohmann/json.hpp>

#include "labeling/labeling.h"

namespace frugal::labeling {

std::string report_json(const PlanReport& r) {
  nlohmann::json auto_labels = {{"items", r.auto_labeled}};
  if (r.threshold) {
    auto_labels["threshold"] = r.threshold->confidence;
    auto_labels["validation_items_above"] = r.threshold->validation_items;
    auto_labels["validation_correct_above"] = r.threshold->correct;
    auto_labels["estimated_accuracy"] = r.threshold->accuracy;
    auto_labels["accuracy_95ci"] = {r.threshold->low, r.threshold->high};
  } else {
    auto_labels["note"] = r.auto_label_note;
  }
  nlohmann::json out = {
      {"strategy", r.strategy},
      {"items", r.items},
      {"classes", r.classes},
      {"validation_items", r.validation_items},
      {"candidates", r.candidates},
      {"labels_affordable", r.labels_affordable},
      {"labels_bought", r.labels_bought},
      {"spent_usd", r.spent.to_string(2)},
      {"cost_to_label_all_usd", r.cost_to_label_all.to_string(2)},
      {"saved_usd", r.saved.to_string(2)},
      {"auto_labels", auto_labels},
      {"files", {{"to_label", r.to_label_file.filename().string()},
                 {"auto_labeled", r.auto_labeled_file.filename().string()}}},
  };
  return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace frugal::labeling
