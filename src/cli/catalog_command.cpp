#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "catalog/catalog.h"
#include "advise/advise.h"
#include "cli/context.h"

namespace frugal::cli {
namespace {

struct CatalogFlags {
  std::vector<std::string> files;
  std::string provider, region, gpu, max_usd;
  double count = 0;
  bool spot = false;
  std::size_t limit = 50;
};

Table offers_table(const std::vector<catalog::Offer>& offers, Format format) {
  Table t;
  t.columns = {"provider", "region", "instance_type", "gpu", "gpus", "vcpus", "memory_gib", "usd_per_hour",
               "spot_usd_per_hour", "source"};
  for (const auto& o : offers)
    t.rows.push_back({Cell::str(o.provider), Cell::str(o.region), Cell::str(o.instance_type), Cell::str(o.gpu_model),
                      Cell::num(format_double(o.gpu_count)), Cell::num(format_double(o.vcpus)),
                      Cell::num(format_double(o.memory_gib)),
                      money_cell(o.on_demand, format), o.spot ? money_cell(*o.spot, format) : Cell::null(),
                      Cell::str(o.source)});
  return t;
}

Result<int> import(Context& ctx, const CatalogFlags& f) {
  auto store = ctx.open_store(store::Access::read_write);
  if (!store) return std::unexpected(store.error());
  for (const auto& file : f.files) {
    auto stats = catalog::import_file(**store, file, f.provider, ctx.clock.now());
    if (!stats) return std::unexpected(stats.error());
    fmt::print("{}: {} ({}), {} rows → {} instance types and {} accelerators in {} regions\n", stats->file,
               stats->provider, stats->format, stats->rows_read, stats->instances, stats->accelerators, stats->regions);
  }
  return k_exit_ok;
}

Result<int> import_spot_advisor(Context& ctx, const std::string& file) {
  auto store = ctx.open_store(store::Access::read_write);
  if (!store) return std::unexpected(store.error());
  auto stats = advise::import_spot_advisor(**store, file, ctx.clock.now());
  if (!stats) return std::unexpected(stats.error());
  fmt::print("{}: {} interruption bands in {} regions (frugal advise reads them as spot risk)\n", file, stats->rows,
             stats->regions);
  return k_exit_ok;
}

Result<catalog::OfferFilter> filter_of(const CatalogFlags& f) {
  catalog::OfferFilter filter;
  filter.gpu_model = f.gpu;
  filter.min_gpu_count = f.count;
  filter.provider = f.provider;
  filter.region = f.region;
  filter.pricing = f.spot ? catalog::Pricing::spot : catalog::Pricing::on_demand;
  filter.limit = f.limit;
  if (!f.max_usd.empty()) filter.max_hourly = FRUGAL_TRY(parse_usd(f.max_usd, "--max-usd"));
  return filter;
}

Result<int> list(Context& ctx, const CatalogFlags& f) {
  auto filter = filter_of(f);
  if (!filter) return std::unexpected(filter.error());
  auto store = ctx.open_store(store::Access::read_only);
  if (!store) return std::unexpected(store.error());
  auto offers = catalog::list_offers(**store, *filter);
  if (!offers) return std::unexpected(offers.error());
  print_table(stdout, offers_table(*offers, ctx.format()), ctx.format());
  return k_exit_ok;
}

Result<int> cheapest(Context& ctx, const CatalogFlags& f) {
  if (f.gpu.empty()) return fail(ErrorCode::invalid, "catalog cheapest: --gpu is required (e.g. --gpu H100 --count 8)");
  auto store = ctx.open_store(store::Access::read_only);
  if (!store) return std::unexpected(store.error());
  auto offers = catalog::cheapest(**store, f.gpu, f.count > 0 ? f.count : 1,
                                  f.spot ? catalog::Pricing::spot : catalog::Pricing::on_demand);
  if (!offers) return std::unexpected(offers.error());
  print_table(stdout, offers_table(*offers, ctx.format()), ctx.format());
  return k_exit_ok;
}

}  // namespace

void add_catalog_command(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<CatalogFlags>();
  auto* catalog_cmd = app.add_subcommand("catalog", "instance price catalog: import, list, compare");
  catalog_cmd->require_subcommand(1);

  auto* import_cmd = catalog_cmd->add_subcommand("import", "import SkyPilot vms.csv or ec2instances.info CSV files");
  import_cmd->add_option("files", flags->files, "catalog files")->required()->check(CLI::ExistingFile);
  import_cmd->add_option("--provider", flags->provider, "provider of the file (default: from its name)");
  import_cmd->callback([&ctx, flags] { ctx.action = [&ctx, flags] { return import(ctx, *flags); }; });
  auto spot_file = std::make_shared<std::string>();
  auto* spot_cmd = catalog_cmd->add_subcommand("import-spot-advisor", "import AWS's Spot Instance Advisor feed "
                                                                      "(spot-advisor-data.json): interruption bands");
  spot_cmd->add_option("file", *spot_file, "spot-advisor-data.json")->required()->check(CLI::ExistingFile);
  spot_cmd->callback([&ctx, spot_file] { ctx.action = [&ctx, spot_file] { return import_spot_advisor(ctx, *spot_file); }; });

  auto* list_cmd = catalog_cmd->add_subcommand("list", "offers, cheapest first");
  list_cmd->add_option("--gpu", flags->gpu, "accelerator model (A100, H100, L4, ...)");
  list_cmd->add_option("--count", flags->count, "at least this many accelerators");
  list_cmd->add_option("--max-usd", flags->max_usd, "at most this per hour");
  list_cmd->add_option("--provider", flags->provider, "only this provider");
  list_cmd->add_option("--region", flags->region, "only this region");
  list_cmd->add_flag("--spot", flags->spot, "filter and sort by the spot price");
  list_cmd->add_option("--limit", flags->limit, "rows to show (0 = all)")->capture_default_str();
  list_cmd->callback([&ctx, flags] { ctx.action = [&ctx, flags] { return list(ctx, *flags); }; });

  auto* cheapest_cmd = catalog_cmd->add_subcommand("cheapest", "the cheapest way per provider to get N GPUs of a model");
  cheapest_cmd->add_option("--gpu", flags->gpu, "accelerator model (A100, H100, ...)")->required();
  cheapest_cmd->add_option("--count", flags->count, "how many GPUs (default 1)");
  cheapest_cmd->add_flag("--spot", flags->spot, "compare spot prices");
  cheapest_cmd->callback([&ctx, flags] { ctx.action = [&ctx, flags] { return cheapest(ctx, *flags); }; });
}

}  // namespace frugal::cli
