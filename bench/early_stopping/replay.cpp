// replay: runs the 3,072 real tuning runs of ../shared/data/learning_curves through early-stopping
// policies, as a sequential random search would meet them, and reports per data set the compute
// saved and the regret (how much worse the best final result found is than without stopping).
//   replay LEARNING_CURVES_DIR
#include <cmath>
#include <cstdio>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "stopping/stopping.h"

using namespace frugal;

namespace {

struct Point {
  std::int64_t step;
  double value;
  double cost;  // cumulative: seconds (ImageNet) or optimiser steps (DeBERTa)
};

struct Run {
  std::vector<Point> curve;
  bool complete = true;  // trained to its budget (not NaN)
};

std::vector<Run> load(const std::string& path, bool deberta) {
  std::vector<Run> runs;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    Run run;
    if (deberta) {
      for (const auto& p : j["learning_curves"]["matched"])
        run.curve.push_back({p[0].get<std::int64_t>(), p[1].get<double>(), p[0].get<double>()});
    } else {
      run.complete = !j["nan_train_loss"].get<bool>();
      for (const auto& p : j["learning_curve"])
        run.curve.push_back({p["epoch"].get<std::int64_t>(), p["top_1"].get<double>(), p["time"].get<double>()});
    }
    runs.push_back(std::move(run));
  }
  return runs;
}

struct Outcome {
  double saved = 0;   // fraction of compute not spent
  double regret = 0;  // best final without stopping − best found with it
  int stopped = 0;
};

// `make` builds the policy for one run, given the curves of the runs completed before it.
template <typename Make>
Outcome replay(const std::vector<Run>& runs, Make make) {
  double total = 0, spent = 0, best_all = 0, best_found = 0;
  std::vector<stopping::Curve> completed;
  Outcome out;
  for (const auto& run : runs) {
    if (run.curve.empty()) continue;
    double full = run.curve.back().cost;
    total += full;
    if (run.complete) best_all = std::max(best_all, run.curve.back().value);
    stopping::Policy policy = make(completed);
    std::size_t stop_at = run.curve.size();
    for (std::size_t k = 0; k < run.curve.size(); ++k) {
      if (policy.observe("acc", run.curve[k].step, run.curve[k].value)) {
        stop_at = k + 1;
        break;
      }
    }
    bool stopped = stop_at < run.curve.size();
    spent += run.curve[stop_at - 1].cost;
    // What the search keeps: a completed run's final model, or a stopped run's last checkpoint.
    if (run.complete || stopped) best_found = std::max(best_found, run.curve[stop_at - 1].value);
    if (stopped) {
      ++out.stopped;
    } else if (run.complete) {
      stopping::Curve c;
      for (const auto& p : run.curve) c[p.step] = p.value;
      completed.push_back(std::move(c));
    }
  }
  out.saved = total > 0 ? 1 - spent / total : 0;
  out.regret = best_all - best_found;
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: replay LEARNING_CURVES_DIR\n");
    return 2;
  }
  std::string dir = argv[1];
  struct Set {
    const char* name;
    const char* file;
    bool deberta;
    std::int64_t warmup;  // in the set's own step unit: epochs, or optimiser steps
  };
  const Set sets[] = {{"AlexNet/ImageNet", "alexnet_tuning.results.jsonl", false, 5},
                      {"ConvNeXt/ImageNet", "convnext-tiny_tuning.results.jsonl", false, 5},
                      {"DeBERTa/MNLI", "deberta-base_tuning.results.jsonl", true, 5000},
                      {"DeBERTaV3/MNLI", "deberta-v3-base_tuning.results.jsonl", true, 5000}};
  fmt::print("| data set | runs | policy | compute saved | regret (abs. accuracy) | runs stopped |\n|---|---|---|---|---|---|\n");
  for (const auto& set : sets) {
    auto runs = load(dir + "/" + set.file, set.deberta);
    auto median = [&](int startup, std::int64_t warmup, double percentile = 50) {
      return [=](const std::vector<stopping::Curve>& completed) {
        stopping::MedianPruner p{"acc", stopping::Mode::max, startup, warmup, completed, percentile};
        return stopping::Policy({}, p);
      };
    };
    auto patience = [](int n) {
      return [=](const std::vector<stopping::Curve>&) {
        return stopping::Policy({stopping::PatienceRule{"acc", stopping::Mode::max, n, 0.001}});
      };
    };
    struct Named {
      std::string name;
      std::function<stopping::Policy(const std::vector<stopping::Curve>&)> make;
    };
    std::vector<Named> policies = {
        {"none", [](const std::vector<stopping::Curve>&) { return stopping::Policy({}); }},
        {"10th percentile (default: --prune percentile=10)", median(5, 0, 10)},
        {"median (--prune median)", median(5, 0)},
        {fmt::format("median, warmup {}", set.warmup), median(5, set.warmup)},
        {"25th percentile", median(5, 0, 25)},
        {fmt::format("25th percentile, warmup {}", set.warmup), median(5, set.warmup, 25)},
        {"patience=3", patience(3)},
        {"patience=10", patience(10)},
    };
    for (const auto& p : policies) {
      Outcome o = replay(runs, p.make);
      fmt::print("| {} | {} | {} | {:.1f}% | {:.4f} | {} |\n", set.name, runs.size(), p.name, 100 * o.saved, o.regret,
                 o.stopped);
    }
  }
  return 0;
}
