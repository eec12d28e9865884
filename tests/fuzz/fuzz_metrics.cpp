// What a job reports while it runs: JSON lines on FRUGAL_METRICS_FD ({"step": 10, "val_loss": 0.31},
// with Python's bare NaN and Infinity) and output lines matched by --metric NAME=REGEX, through the
// runner's MetricsSink into the early-stopping rules and the store. Each line of the input goes to
// both channels; the points are then stored for a run, rolled back.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_support.h"
#include "runner/metrics_sink.h"
#include "stopping/stopping.h"
#include "tracking/tracking.h"

namespace {

std::int64_t run_id() {
  static const std::int64_t id = [] {
    frugal::tracking::RunStart run;
    run.name = "fuzz";
    run.command = {"train.py"};
    run.started = frugal::fuzz::fixed_now();
    auto started = frugal::tracking::start_run(frugal::fuzz::scratch_store(), run);
    if (!started) frugal::fuzz::broken("cannot start the run: " + started.error().message);
    return *started;
  }();
  return id;
}

std::unique_ptr<frugal::stopping::Policy> policy() {
  std::vector<frugal::stopping::Rule> rules;
  for (const char* text : {"val_loss min patience=3 min_delta=0.001", "val_acc < 0.2 after step=5", "loss > 1e6"}) {
    auto rule = frugal::stopping::parse_rule(text);
    if (!rule) frugal::fuzz::broken(std::string("a rule of the harness does not parse: ") + text);
    rules.push_back(*rule);
  }
  return std::make_unique<frugal::stopping::Policy>(std::move(rules));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace frugal;
  // Patterns as the README shows them; the sink rejects what RE2 cannot compile, not the lines.
  static const std::vector<std::pair<std::string, std::string>> patterns = {
      {"loss", R"(loss[:=] *([^ ,]+))"}, {"val_acc", R"(val_acc=([0-9.eE+-]+))"}};
  auto sink = runner::MetricsSink::create(patterns, policy());
  if (!sink) fuzz::broken("the harness's patterns do not compile: " + sink.error().message);
  std::string_view input(reinterpret_cast<const char*>(data), size);
  TimePoint now = fuzz::fixed_now();
  while (!input.empty()) {
    auto end = input.find('\n');
    std::string_view line = input.substr(0, end);
    input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);
    (*sink)->on_json_line(line, now);
    (*sink)->on_output_line(line, now);
    now += std::chrono::milliseconds(1);
  }
  auto& store = fuzz::scratch_store();
  std::int64_t id = run_id();
  fuzz::rolled_back(store, [&] { (void)(*sink)->flush(store, id); });
  return 0;
}
