#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "advise/advise.h"
#include "cli/context.h"

namespace frugal::cli {
namespace {

struct AdviseFlags {
  std::string since = "30d";
  std::string until;
  std::string team;
  bool json = false;
  double memory_headroom = 0.2;
  double commitment_discount = 0.3;
  std::string id, why;  // dismiss
};

void print_text(const std::vector<advise::Recommendation>& recs, const std::string& window) {
  // No grand total: savings of different rules can price the same hours (idle GPUs are underused
  // GPUs too), so they do not add up.
  fmt::print("{} recommendations over {}, largest saving per month first (savings of different rules can overlap)\n\n",
             recs.size(), window);
  for (std::size_t i = 0; i < recs.size(); ++i) {
    const auto& r = recs[i];
    fmt::print("{}. ${}/month  {}  [{}]  {}{}  (confidence {:.2f})\n", i + 1, money_text(r.monthly_saving), r.target,
               r.rule, r.id, r.team.empty() ? "" : "  team " + r.team, r.confidence);
    fmt::print("   {}\n", r.finding);
    for (const auto& e : r.evidence) fmt::print("   - {}: {}\n", e.name, e.value);
    fmt::print("   do: {}\n", r.action);
    if (!r.query.empty()) fmt::print("   see: frugal sql \"{}\"\n", r.query);
    fmt::print("\n");
  }
}

void print_json(const std::vector<advise::Recommendation>& recs) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : recs) {
    nlohmann::json evidence = nlohmann::json::array();
    for (const auto& e : r.evidence) evidence.push_back({{"name", e.name}, {"value", e.value}});
    out.push_back({{"id", r.id},
                   {"rule", r.rule},
                   {"team", r.team},
                   {"target", r.target},
                   {"finding", r.finding},
                   {"evidence", evidence},
                   {"query", r.query},
                   {"monthly_saving_usd", r.monthly_saving.to_string(2)},
                   {"confidence", r.confidence},
                   {"action", r.action}});
  }
  fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
}

Result<int> execute(Context& ctx, const AdviseFlags& f) {
  if (f.memory_headroom < 0 || f.memory_headroom > 4)
    return fail(ErrorCode::invalid, fmt::format("--memory-headroom {}: expected a fraction such as 0.2", f.memory_headroom));
  if (f.commitment_discount <= 0 || f.commitment_discount >= 1)
    return fail(ErrorCode::invalid, fmt::format("--commitment-discount {}: expected a fraction between 0 and 1, "
                                                         "such as 0.3", f.commitment_discount));
  auto window = parse_window(f.since, f.until, ctx.clock.now());
  if (!window) return std::unexpected(window.error());
  advise::Options options;
  std::tie(options.since, options.until) = *window;
  options.team = f.team;
  options.memory_headroom = f.memory_headroom;
  options.commitment_discount = f.commitment_discount;
  auto store = ctx.open_store(store::Access::read_write);
  if (!store) return std::unexpected(store.error());
  auto found = advise::compute(**store, options);
  if (!found) return std::unexpected(found.error());
  if (auto saved = advise::save(**store, *found, f.team, ctx.clock.now()); !saved) return std::unexpected(saved.error());
  // What is shown is what is stored and open: a dismissed recommendation stays out.
  auto open = advise::open_recommendations(**store, f.team);
  if (!open) return std::unexpected(open.error());
  Format format = ctx.format();
  if (f.json || format == Format::json) {
    print_json(*open);
  } else if (format == Format::csv) {
    Table t;
    t.columns = {"id", "rule", "team", "target", "monthly_saving_usd", "confidence", "finding", "action"};
    for (const auto& r : *open)
      t.rows.push_back({Cell::str(r.id), Cell::str(r.rule), Cell::str(r.team), Cell::str(r.target),
                        Cell::num(r.monthly_saving.to_string(2)), Cell::num(format_double(r.confidence)),
                        Cell::str(r.finding), Cell::str(r.action)});
    print_table(stdout, t, format);
  } else {
    print_text(*open, format_utc(options.since) + " .. " + format_utc(options.until));
  }
  return k_exit_ok;
}

Result<int> dismiss(Context& ctx, const AdviseFlags& f) {
  auto store = ctx.open_store(store::Access::read_write);
  if (!store) return std::unexpected(store.error());
  if (auto ok = advise::dismiss(**store, f.id, f.why, ctx.clock.now()); !ok) return std::unexpected(ok.error());
  fmt::print("dismissed {}\n", f.id);
  return k_exit_ok;
}

}  // namespace

void add_advise_command(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<AdviseFlags>();
  auto* cmd = app.add_subcommand("advise", "recommendations with evidence and dollars: rightsizing, spot, cheapest "
                                           "offer, idle GPUs, transfer, commitments, failures, early stops");
  cmd->add_option("--since", flags->since, "start: a duration back (30d) or a date")->capture_default_str();
  cmd->add_option("--until", flags->until, "end (exclusive): a duration back or a date; default now");
  cmd->add_option("--team", flags->team, "only this team's");
  cmd->add_flag("--json", flags->json, "every recommendation with its evidence, as JSON");
  cmd->add_option("--memory-headroom", flags->memory_headroom, "GPU memory rightsizing keeps spare")->capture_default_str();
  cmd->add_option("--commitment-discount", flags->commitment_discount,
                  "what a 1-year commitment takes off on-demand prices")->capture_default_str();
  cmd->callback([&ctx, flags, cmd] {
    if (cmd->get_subcommands().empty()) ctx.action = [&ctx, flags] { return execute(ctx, *flags); };
  });
  auto* dismiss_cmd = cmd->add_subcommand("dismiss", "dismiss a recommendation (it is not shown again)");
  dismiss_cmd->add_option("id", flags->id, "its id, as frugal advise shows it")->required();
  dismiss_cmd->add_option("--why", flags->why, "why: kept with it")->required();
  dismiss_cmd->callback([&ctx, flags] { ctx.action = [&ctx, flags] { return dismiss(ctx, *flags); }; });
}

}  // namespace frugal::cli
