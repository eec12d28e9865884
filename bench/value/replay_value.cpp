// replay_value: what each dollar bought in four real random searches. Records the 3,072 tuning runs
// of ../shared/data/learning_curves (AlexNet and ConvNeXt-tiny on ImageNet, DeBERTa-base and
// DeBERTaV3-base on MultiNLI) in a fresh store, each search one experiment whose runs ran one after
// another, then asks value::experiment_value what `frugal value --metric val_acc:max` answers:
// each run's best accuracy against its cost, the Pareto frontier, the cheapest run within 1% of the
// best, what the dominated runs cost and what stopping each run within 1% of its own best saves.
//   replay_value LEARNING_CURVES_DIR [DB]
// DB (a new file; refused if it exists) keeps the store for `frugal --db DB value ...`; without it
// the store lives in a temporary file, removed at the end.
//
// Costs. Every run holds a whole p4d.24xlarge (8 × A100) at its on-demand price, $32.7726 an hour
// (AWS us-east-1), from its start to its end:
//   - ImageNet: each point at the curve's own `time` (seconds since the run's start); a run ends at
//     its last evaluation. A run whose loss went NaN (`nan_train_loss`) ends, failed, at its last
//     evaluation, or at its start when it has none: its cost is a lower bound (the time from that
//     evaluation to the NaN is not in the data), and a run with no point has no val_acc, so it is
//     kept apart.
//   - MultiNLI has no times: a point at step s comes s × train_batch_size / 1,000 seconds after the
//     start: a constant 1,000 examples a second. Examples, not steps, because the work of a step
//     grows with its batch (16 to 64 here) and the compute of fine-tuning is per example; so a
//     run's cost follows the examples it read, which is num_train_epochs × MultiNLI's 392,702
//     examples, and the four epoch budgets make four bands of cost. The throughput sets the dollar
//     scale alone: the frontier, the runs named, and every share are the same at any constant rate.
#include <fmt/format.h>
#include <unistd.h>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/store.h"
#include "tracking/tracking.h"
#include "value/value.h"

using namespace frugal;

namespace {

constexpr const char* k_hourly = "32.7726";     // p4d.24xlarge on demand, us-east-1, per hour
constexpr double k_examples_per_second = 1000;  // MultiNLI fine-tuning throughput (see above)

struct Point {
  std::int64_t step;
  double value;
  std::int64_t at_ms;  // since the run's start
};

struct Run {
  int iteration = 0;
  std::vector<Point> curve;
  std::int64_t duration_ms = 0;
  bool nan = false;
  tracking::KeyValues params;
};

std::string num(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::vector<Run> load(const std::string& path, bool deberta) {
  std::vector<Run> runs;
  std::ifstream in(path);
  if (!in) {
    fmt::print(stderr, "replay_value: cannot read {}\n", path);
    std::exit(1);
  }
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    Run run;
    run.iteration = j["iteration"].get<int>();
    if (deberta) {
      double batch = j["train_batch_size"].get<double>();
      auto at = [&](double step) {
        return static_cast<std::int64_t>(std::llround(step * batch / k_examples_per_second * 1000));
      };
      for (const auto& p : j["learning_curves"]["matched"])
        run.curve.push_back({p[0].get<std::int64_t>(), p[1].get<double>(), at(p[0].get<double>())});
      run.duration_ms = at(j["total_model_steps"].get<double>());
      for (const char* k : {"num_train_epochs", "train_batch_size", "total_model_steps", "learning_rate",
                            "warmup_steps", "cls_drop_out"})
        run.params.emplace_back(k, num(j[k]));
    } else {
      run.nan = j["nan_train_loss"].get<bool>();
      for (const auto& p : j["learning_curve"])
        run.curve.push_back({p["epoch"].get<std::int64_t>(), p["top_1"].get<double>(),
                             static_cast<std::int64_t>(std::llround(p["time"].get<double>() * 1000))});
      run.duration_ms = run.curve.empty() ? 0 : run.curve.back().at_ms;
      for (const char* k :
           {"epochs", "batch_size", "lr", "lr_peak_epoch", "momentum", "weight_decay", "label_smoothing"})
        run.params.emplace_back(k, num(j[k]));
    }
    runs.push_back(std::move(run));
  }
  return runs;
}

struct Set {
  const char* experiment;  // also the model label
  const char* shown;
  const char* file;
  const char* project;  // the data set
  bool deberta;
};

// Records one search: its runs back to back from `start`. Returns where the next search may start.
Result<TimePoint> record(store::Store& store, const Set& set, const std::vector<Run>& runs, TimePoint start) {
  Money hourly = *Money::parse(k_hourly);
  FRUGAL_CHECK(store.transaction([&]() -> Result<void> {
    for (const Run& run : runs) {
      tracking::RunStart s;
      s.name = fmt::format("{}-{:04}", set.experiment, run.iteration);
      s.command = {"python", "train.py"};
      s.labels = {.user = "opda",
                  .team = "research",
                  .project = set.project,
                  .model = set.experiment,
                  .dataset = set.project,
                  .experiment = set.experiment};
      s.provider = "aws";
      s.region = "us-east-1";
      s.instance_type = "p4d.24xlarge";
      s.hourly_price = hourly;
      s.price_source = "flag";
      s.started = start;
      s.params = run.params;
      auto id = FRUGAL_TRY(tracking::start_run(store, s));
      std::vector<tracking::MetricPoint> points;
      points.reserve(run.curve.size());
      for (const Point& p : run.curve)
        points.push_back({"val_acc", p.step, start + std::chrono::milliseconds(p.at_ms), p.value});
      FRUGAL_CHECK(tracking::log_metrics(store, id, points));
      tracking::RunEnd end;
      end.ended = start + std::chrono::milliseconds(run.duration_ms);
      end.status = run.nan ? tracking::RunStatus::failed : tracking::RunStatus::finished;
      end.exit_code = run.nan ? 1 : 0;
      FRUGAL_CHECK(tracking::finish_run(store, id, end));
      start = end.ended;
    }
    return {};
  }));
  return start;
}

// $62,542.37
std::string usd(const Money& m) {
  std::string digits = m.to_fixed(2), out;
  bool negative = !digits.empty() && digits[0] == '-';
  if (negative) digits.erase(0, 1);
  std::size_t whole = digits.find('.');
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && i < whole && (whole - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (negative ? "-$" : "$") + out;
}
std::string pct(const Money& part, const Money& whole) {
  return whole > Money() ? fmt::format("{:.1f}%", 100 * part.to_double() / whole.to_double()) : "–";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: replay_value LEARNING_CURVES_DIR [DB]\n");
    return 2;
  }
  std::string dir = argv[1];
  bool keep = argc > 2;
  std::string db = keep ? argv[2]
                        : fmt::format("{}/frugal-replay-value-{}.db",
                                      std::filesystem::temp_directory_path().string(), getpid());
  if (std::filesystem::exists(db)) {
    fmt::print(stderr, "replay_value: {} exists; give a new file (the store must be fresh)\n", db);
    return 2;
  }
  auto opened = store::open_store(db);
  if (!opened) {
    fmt::print(stderr, "replay_value: {}\n", opened.error().message);
    return 1;
  }
  store::Store& store = **opened;
  const Set sets[] = {
      {"alexnet", "AlexNet/ImageNet", "alexnet_tuning.results.jsonl", "imagenet", false},
      {"convnext-tiny", "ConvNeXt-tiny/ImageNet", "convnext-tiny_tuning.results.jsonl", "imagenet", false},
      {"deberta-base", "DeBERTa-base/MNLI", "deberta-base_tuning.results.jsonl", "mnli", true},
      {"deberta-v3-base", "DeBERTaV3-base/MNLI", "deberta-v3-base_tuning.results.jsonl", "mnli", true}};
  TimePoint start = *parse_utc("2025-01-01T00:00:00Z");
  auto fail_with = [&](const Error& e) {
    fmt::print(stderr, "replay_value: {}\n", e.message);
    if (!keep) std::filesystem::remove(db);
    return 1;
  };
  for (const Set& set : sets) {
    auto runs = load(dir + "/" + set.file, set.deberta);
    auto next = record(store, set, runs, start);
    if (!next) return fail_with(next.error());
    start = *next + std::chrono::hours(1);
  }

  fmt::print(
      "Each run holds a p4d.24xlarge at ${}/h; MultiNLI timed at {:g} examples/s. Metric val_acc:max, within "
      "1%.\n\n",
      k_hourly, k_examples_per_second);
  fmt::print(
      "| search | runs | placed (apart) | frontier | best run: top-1, cost | cheapest within 1% of the best: "
      "top-1, cost "
      "| total spent | on dominated runs | stopping each run within 1% of its own best saves |\n"
      "|---|---:|---:|---:|---|---|---:|---:|---:|\n");
  std::vector<std::string> frontiers;
  for (const Set& set : sets) {
    value::Query q{.experiment = set.experiment, .metric = "val_acc", .direction = value::Direction::max};
    auto report = value::experiment_value(store, q);
    if (!report) return fail_with(report.error());
    const value::Summary& s = report->summary;
    auto find = [&](std::optional<std::int64_t> id) -> const value::RunValue* {
      for (const auto& r : report->runs)
        if (id && r.run_id == *id) return &r;
      return nullptr;
    };
    auto named = [&](const value::RunValue* r) {
      return r ? fmt::format("{}: {:.4f}, {}", r->name, *r->value, usd(*r->cost)) : std::string("none");
    };
    std::size_t on = 0;
    std::string line;
    for (const auto& r : report->runs)
      if (r.on_frontier) {
        ++on;
        line += fmt::format("{}${} {:.4f}", line.empty() ? "" : "; ", r.cost->to_fixed(4), *r.value);
      }
    fmt::print("| {} | {} | {} ({}) | {} | {} | {} | {} | {} ({}) | {} ({}) |\n", set.shown, s.runs, s.placed,
               report->apart.size(), on, named(find(s.best_run)), named(find(s.cheapest_within_run)),
               usd(s.total_cost), usd(s.dominated_cost), pct(s.dominated_cost, s.total_cost),
               usd(s.early_stop_saving), pct(s.early_stop_saving, s.total_cost));
    frontiers.push_back(fmt::format("- {} ({} runs, cost: best top-1): {}", set.shown, on, line));
  }
  fmt::print(
      "\nThe frontiers, cheapest first (to the hundredth of a cent: MultiNLI's runs of one epoch budget "
      "differ by less than a cent):\n");
  for (const auto& f : frontiers) fmt::print("{}\n", f);

  // The saving of stopping each run once within a margin of its own best, as the margin narrows:
  // 1% of an accuracy near 0.9 is about the whole spread of a search's good runs.
  const double margins[] = {0.01, 0.005, 0.001};
  fmt::print(
      "\n| search | stopping each run within 1% of its own best saves | within 0.5% | within 0.1% "
      "|\n|---|---:|---:|---:|\n");
  for (const Set& set : sets) {
    std::string row = fmt::format("| {} |", set.shown);
    for (double within : margins) {
      value::Query q{.experiment = set.experiment,
                     .metric = "val_acc",
                     .direction = value::Direction::max,
                     .within = within};
      auto report = value::experiment_value(store, q);
      if (!report) return fail_with(report.error());
      row += fmt::format(" {} ({}) |", usd(report->summary.early_stop_saving),
                         pct(report->summary.early_stop_saving, report->summary.total_cost));
    }
    fmt::print("{}\n", row);
  }

  // Per model, over all four searches: how far each moved val_acc, from its first run to its best,
  // per $1,000 (value_by, `frugal value --by model`).
  auto by = value::value_by(store, {.metric = "val_acc", .direction = value::Direction::max}, "model");
  if (!by) return fail_with(by.error());
  fmt::print(
      "\n| model | runs | cost | first run's top-1 | best top-1 | improvement per $1,000 "
      "|\n|---|---:|---:|---:|---:|---:|\n");
  for (const auto& g : *by)
    fmt::print("| {} | {} | {} | {:.4f} | {:.4f} | {} |\n", g.key, g.runs, usd(g.cost),
               g.first_value.value_or(0), g.best_value.value_or(0),
               g.per_1000_usd ? fmt::format("{:.5f}", *g.per_1000_usd) : "–");
  if (!keep) std::filesystem::remove(db);
  return 0;
}
