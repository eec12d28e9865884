// frugal label plan: the labeling planner (labeling/labeling.h), recorded as a run whose cost is
// the labels it buys, so labeling spend shows in leaderboards, reports and quotas.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/context.h"
#include "labeling/labeling.h"
#include "tracking/tracking.h"

namespace frugal::cli {
namespace {

struct LabelFlags {
  std::string predictions, embeddings, validation, budget, cost_per_label, strategy = "hybrid", out;
  double auto_label_accuracy = 0.98;
  std::uint64_t seed = 0;
  bool json = false;
  std::string user, team, project, dataset;
  std::vector<std::string> argv;  // the recorded run's command
};

Result<std::int64_t> record(Context& ctx, const LabelFlags& f, const labeling::PlanReport& r,
                            TimePoint started) {
  const Config& c = *ctx.config;
  auto store = FRUGAL_TRY(ctx.open_store(store::Access::read_write));
  tracking::RunStart run;
  run.labels = {c.get("user"), c.get("team"), c.get("project"), "", c.get("dataset"), ""};
  run.name = "label plan";
  run.command = f.argv;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) run.host = host;
  run.started = started;
  run.params = {{"strategy", std::string(f.strategy)},
                {"budget_usd", f.budget},
                {"cost_per_label_usd", f.cost_per_label},
                {"labels_bought", std::to_string(r.labels_bought)},
                {"auto_labeled", std::to_string(r.auto_labeled)}};
  run.tags = {{"kind", "labeling"}};
  std::int64_t id = FRUGAL_TRY(tracking::start_run(*store, run));
  tracking::RunEnd end;
  end.ended = std::max(started, ctx.clock.now());
  end.exit_code = 0;
  end.cost = r.spent;
  FRUGAL_CHECK(tracking::finish_run(*store, id, end));
  return id;
}

void print_text(const labeling::PlanReport& r, std::int64_t run_id) {
  fmt::print("{} of {} unlabelled items to label for ${} ({}; {} affordable), {} auto-labelled\n", r.labels_bought,
             r.candidates, r.spent.to_string(2), r.strategy, r.labels_affordable, r.auto_labeled);
  if (r.threshold)
    fmt::print("auto labels: confidence ≥ {:.4g}; {:.1f}% accurate on the {} validation items above it (95% CI "
               "{:.1f}%–{:.1f}%)\n",
               r.threshold->confidence, r.threshold->accuracy * 100, r.threshold->validation_items,
               r.threshold->low * 100, r.threshold->high * 100);
  else
    fmt::print("{}\n", r.auto_label_note);
  fmt::print("labelling all {} would cost ${}; this plan spends ${} (${} less)\n", r.candidates,
             r.cost_to_label_all.to_string(2), r.spent.to_string(2), r.saved.to_string(2));
  fmt::print("wrote {}, {}, {} (run {})\n", r.to_label_file.string(), r.auto_labeled_file.string(),
             r.report_file.string(), run_id);
}

Result<int> execute(Context& ctx, const LabelFlags& f) {
  for (const auto& [key, value] : {std::pair{"user", f.user}, std::pair{"team", f.team},
                                   std::pair{"project", f.project}, std::pair{"dataset", f.dataset}})
    if (!value.empty()) ctx.flags[key] = value;
  ctx.config.reset();
  if (auto loaded = ctx.load_config(); !loaded) return std::unexpected(loaded.error());
  labeling::PlanOptions o;
  auto budget = parse_usd(f.budget, "--budget-usd");
  if (!budget) return std::unexpected(budget.error());
  auto cost = parse_usd(f.cost_per_label, "--cost-per-label");
  if (!cost) return std::unexpected(cost.error());
  auto strategy = labeling::parse_strategy(f.strategy);
  if (!strategy) return std::unexpected(strategy.error());
  o.predictions = f.predictions;
  o.embeddings = f.embeddings;
  o.validation = f.validation;
  o.budget = *budget;
  o.cost_per_label = *cost;
  o.strategy = *strategy;
  o.auto_label_accuracy = f.auto_label_accuracy;
  o.seed = f.seed;
  o.out = f.out;
  TimePoint started = ctx.clock.now();
  auto report = labeling::plan(o);
  if (!report) return std::unexpected(report.error());
  auto run_id = record(ctx, f, *report, started);
  if (!run_id) return std::unexpected(run_id.error());
  if (f.json || ctx.format() == Format::json)
    fmt::print("{}", labeling::report_json(*report));
  else
    print_text(*report, *run_id);
  return k_exit_ok;
}

}  // namespace

void add_label_command(CLI::App& app, Context& ctx) {  // NOLINT(readability-function-size)
  auto flags = std::make_shared<LabelFlags>();
  auto* label = app.add_subcommand("label", "plan labeling: buy labels only where they matter, auto-label the rest");
  label->require_subcommand(1);
  auto* cmd = label->add_subcommand(
      "plan", "rank unlabelled items by what a label is worth, within a budget; auto-label what the model "
              "labels reliably (threshold validated on human labels)");
  cmd->add_option("--predictions", flags->predictions,
                  "CSV (id + a column per class, or id,label_1,prob_1,…) or JSON lines ({\"id\", \"probs\"|\"top\"})")
      ->required();
  cmd->add_option("--embeddings", flags->embeddings, "CSV (id,e0,e1,…) or JSON lines ({\"id\", \"embedding\"})");
  cmd->add_option("--validation", flags->validation, "human labels: CSV (id,label) or JSON lines ({\"id\", \"label\"})");
  cmd->add_option("--budget-usd", flags->budget, "money for human labels")->required();
  cmd->add_option("--cost-per-label", flags->cost_per_label, "USD per human label")->required();
  cmd->add_option("--strategy", flags->strategy,
                  "hybrid (margin-weighted k-center over the most uncertain; needs --embeddings, else margin), entropy, margin, "
                  "least-confidence, rare, diverse")
      ->capture_default_str();
  cmd->add_option("--auto-label-accuracy", flags->auto_label_accuracy,
                  "accuracy the auto labels must show on --validation (95% lower bound)")
      ->capture_default_str();
  cmd->add_option("--seed", flags->seed, "breaks ties and seeds k-center's first pick")->capture_default_str();
  cmd->add_option("--out", flags->out, "folder for to_label.csv, auto_labeled.csv and report.json")->required();
  cmd->add_flag("--json", flags->json, "print report.json instead of the summary");
  cmd->add_option("--user", flags->user, "who the recorded run is for (default $FRUGAL_USER, then $USER)");
  cmd->add_option("--team", flags->team, "team charged for the labels");
  cmd->add_option("--project", flags->project, "project charged for the labels");
  cmd->add_option("--dataset", flags->dataset, "the dataset being labelled");
  cmd->callback([&ctx, flags, cmd] {
    // The command as recorded: the options given, in a fixed order.
    flags->argv = {"frugal", "label", "plan"};
    for (const auto* option : cmd->get_options())
      if (option->count() > 0 && option->get_name() != "--help")
        for (const auto& value : option->results()) {
          flags->argv.push_back(option->get_name());
          if (option->get_expected_min() > 0) flags->argv.push_back(value);
        }
    ctx.action = [&ctx, flags] { return execute(ctx, *flags); };
  });
}

}  // namespace frugal::cli
