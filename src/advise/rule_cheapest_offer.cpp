// Rule "cheapest_offer": a project pays more per GPU-hour for its usual GPUs than the cheapest
// on-demand offer of the same GPU model and count elsewhere in the catalog (another provider, or
// another region of its own: SkyPilot compares providers, not a provider's regions).
#include <cmath>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "advise/rules.h"
#include "catalog/catalog.h"
#include "util/strings.h"

namespace frugal::advise {
namespace {

constexpr std::int64_t k_ms_per_hour = 3'600'000;

// What a project ran on one instance type, held that many GPUs at a time.
struct Usage {
  std::string provider, region, instance_type;
  std::int64_t gpus = 0;
  std::int64_t runs = 0;
  std::int64_t gpu_ms = 0;
  Money cost;
};

// A project's need (GPU model × GPUs held) and what it used for it.
struct Need {
  std::int64_t runs = 0;
  std::int64_t gpu_ms = 0;
  Money cost;
  const Usage* main = nullptr;  // the instance that carried most of its GPU-hours
};

// An instance type's GPU model as the catalog lists it (imported rows, built-in ones, GCP's
// VM + accelerator compositions), read once per provider and region.
class GpuModels {
 public:
  explicit GpuModels(store::Store& store) : m_offers(store) {}

  Result<std::string> of(const Usage& u) {
    std::string model = FRUGAL_TRY(find(u.provider, u.region, u.instance_type));
    // A region the catalog does not list: the type has the same GPUs in every region.
    if (model.empty() && !u.region.empty()) model = FRUGAL_TRY(find(u.provider, "", u.instance_type));
    return model;
  }

 private:
  Result<std::string> find(const std::string& provider, const std::string& region, const std::string& type) {
    for (const auto& o : *FRUGAL_TRY(m_offers.in(provider, region)))
      if (o.instance_type == type) return o.gpu_model;
    return std::string();
  }

  OfferCache m_offers;
};

std::string where(const Usage& u) {
  // Runs sent through the API may not say where they ran: say so rather than print a blank.
  if (u.provider.empty() && u.region.empty()) return "(provider and region not recorded)";
  if (u.provider.empty()) return fmt::format("(provider not recorded) {}", u.region);
  return u.region.empty() ? u.provider : fmt::format("{} {}", u.provider, u.region);
}

// Providers whose offers are independent hosts rented through a marketplace.
bool is_marketplace(std::string_view provider) { return provider == "vast"; }

// What a move to another provider gives up, so the saving is weighed rather than taken blind.
std::string trade_off(const std::string& from, const catalog::Offer& to) {
  if (to.provider == from) return "";
  std::string leaving = from.empty() ? "the current provider" : from;
  std::string text = fmt::format(
      " Moving to {} trades away what {} gives now: its account (IAM, network, quotas, committed discounts), data "
      "next to the compute (reading data from {} costs egress), and its support.",
      to.provider, leaving, leaving);
  if (is_marketplace(to.provider))
    text += fmt::format(" {} hosts are independent machines rented through a marketplace: no SLA, host quality and "
                        "network vary, a host can go away mid-run (checkpoint, and keep `frugal run` restarting "
                        "warm), and the data sits on someone else's machine.",
                        to.provider);
  return text;
}
std::string where(const catalog::Offer& o) { return fmt::format("{} {}", o.provider, o.region); }

// The offer's price for `gpu_ms` GPU-milliseconds, metered as frugal meters a run: by GPU share.
Money priced(const catalog::Offer& o, std::int64_t gpu_ms) {
  return o.on_demand.scaled(gpu_ms, k_ms_per_hour * static_cast<std::int64_t>(std::llround(o.gpu_count)));
}

std::string per_gpu_hour(const catalog::Offer& o) {
  return usd(o.on_demand.scaled(1, static_cast<std::int64_t>(std::llround(o.gpu_count))));
}

Result<void> recommend(const Context& c, const std::string& team, const std::string& project,
                       const std::string& model, std::int64_t gpus, const Need& need,
                       std::vector<Recommendation>& out) {
  const double need_gpus = static_cast<double>(gpus);
  auto offers = FRUGAL_TRY(catalog::list_offers(
      c.store, {.gpu_model = model, .min_gpu_count = need_gpus, .pricing = catalog::Pricing::on_demand, .limit = 1}));
  if (offers.empty()) return {};
  // Cheapest whole instance first: the smallest machine that fits the need, not a bigger one
  // that is cheaper only per GPU.
  const catalog::Offer& best = offers.front();
  const Usage& now = *need.main;
  if (best.provider == now.provider && best.region == now.region && best.instance_type == now.instance_type) return {};
  Money saving = need.cost - priced(best, need.gpu_ms);
  if (saving.scaled(20, 1) < need.cost) return {};  // under 5%: not worth a move
  double gpu_hours = static_cast<double>(need.gpu_ms) / k_ms_per_hour;
  Money now_rate = need.cost.scaled(k_ms_per_hour, need.gpu_ms);
  std::string name = project.empty() ? "(none)" : project;
  std::string shape = fmt::format("{}×{}", gpus, model);

  Recommendation rec;
  rec.rule = "cheapest_offer";
  rec.target = fmt::format("project {} on {}", name, shape);
  rec.id = recommendation_id(rec.rule, team + "|" + rec.target);
  rec.team = team;
  rec.finding = fmt::format(
      "Project {} ran {:.1f} GPU-hours on {} at {} per GPU-hour; {} {} sells {} at {} per GPU-hour, {} less",
      name, gpu_hours, shape, usd(now_rate), where(best), best.instance_type, shape, per_gpu_hour(best),
      percent(saving.to_double() / need.cost.to_double()));
  rec.evidence = {{"runs", std::to_string(need.runs)},
                  {"GPU-hours", fmt::format("{:.1f} on {}", gpu_hours, shape)},
                  {"cost in window", usd(need.cost)},
                  {"now", fmt::format("{} {}: {} per GPU-hour", where(now), now.instance_type, usd(now_rate))},
                  {"cheapest offer", fmt::format("{} {} ({:g}×{}): {} per GPU-hour", where(best), best.instance_type,
                                                 best.gpu_count, best.gpu_model, per_gpu_hour(best))}};
  // The provider's own cheapest region too: a move that keeps the account, data and quotas.
  if (!now.provider.empty() && best.provider != now.provider) {
    auto own = FRUGAL_TRY(catalog::list_offers(c.store, {.gpu_model = model, .min_gpu_count = need_gpus,
                                                         .provider = now.provider, .limit = 1}));
    if (!own.empty() && !(own.front().region == now.region && own.front().instance_type == now.instance_type) &&
        priced(own.front(), need.gpu_ms) < need.cost)
      rec.evidence.push_back({"cheapest at " + now.provider,
                              fmt::format("{} {}: {} per GPU-hour", where(own.front()), own.front().instance_type,
                                          per_gpu_hour(own.front()))});
  }
  rec.query = fmt::format(
      "SELECT provider, region, instance_type, gpu_count, count(*) AS runs, sum(duration_ms * gpu_count) / 3600000.0 "
      "AS gpu_hours, sum(cost_nanos) / 1e9 AS cost_usd FROM runs WHERE coalesce(team, '') = {} "
      "AND coalesce(project, '') = {} AND started_at >= '{}' AND started_at < '{}' AND pricing = 'on_demand' "
      "AND gpu_count > 0 AND cost_nanos IS NOT NULL AND duration_ms > 0 "
      "GROUP BY provider, region, instance_type, gpu_count ORDER BY gpu_hours DESC",
      sql_literal(team), sql_literal(project), c.since, c.until);
  rec.monthly_saving = c.monthly(saving);
  // Data egress, quotas and capacity at the other offer are not priced; a marketplace host's
  // reliability still less.
  rec.confidence = is_marketplace(best.provider) ? 0.3 : 0.5;
  rec.action = fmt::format("run project {} on {} in {} {} (--instance-type {} --region {}); "
                           "`frugal catalog cheapest --gpu {} --count {}` compares the offers.{}",
                           name, best.instance_type, best.provider, best.region, util::shell_word(best.instance_type),
                           util::shell_word(best.region), util::shell_word(model), gpus, trade_off(now.provider, best));
  out.push_back(std::move(rec));
  return {};
}

}  // namespace

Result<void> cheapest_offer(const Context& c, std::vector<Recommendation>& out) {
  // Spot and committed runs are left out: they are compared with on-demand offers.
  const WindowRuns& w = *FRUGAL_TRY(c.runs());
  std::map<std::tuple<Label, Label, Label, Label, Label, std::int32_t>, Usage> usage;
  for (const WindowRun& r : w.runs) {
    if (r.pricing != Pricing::on_demand || r.instance_type == k_no_label || r.gpu_count <= 0 ||
        !r.has(WindowRun::hourly_price) || !r.has(WindowRun::cost) || r.duration_ms <= 0)
      continue;
    Usage& u = usage[{r.team, r.project, r.provider, r.region, r.instance_type, r.gpu_count}];
    ++u.runs;
    u.gpu_ms += r.duration_ms * r.gpu_count;
    u.cost += Money::from_nanos(r.cost_nanos);
  }
  std::map<std::pair<std::string, std::string>, std::vector<Usage>> projects;
  for (auto& [key, u] : usage) {
    auto [team, project, provider, region, instance_type, gpus] = key;
    u.provider = w.name(provider);
    u.region = w.name(region);
    u.instance_type = w.name(instance_type);
    u.gpus = gpus;
    projects[{w.name(team), w.name(project)}].push_back(std::move(u));
  }
  GpuModels models(c.store);
  for (const auto& [key, usages] : projects) {
    std::map<std::pair<std::string, std::int64_t>, Need> needs;
    for (const Usage& u : usages) {
      std::string model = FRUGAL_TRY(models.of(u));
      if (model.empty()) continue;  // a type the catalog does not know, or one without GPUs
      Need& n = needs[{model, u.gpus}];
      n.runs += u.runs;
      n.gpu_ms += u.gpu_ms;
      n.cost += u.cost;
      if (!n.main || u.gpu_ms > n.main->gpu_ms) n.main = &u;
    }
    // The typical need: the one that carries most GPU-hours (ties: the first in order).
    const std::pair<std::string, std::int64_t>* typical = nullptr;
    for (const auto& [shape, need] : needs)
      if (!typical || need.gpu_ms > needs.at(*typical).gpu_ms) typical = &shape;
    if (typical && needs.at(*typical).gpu_ms > 0)
      FRUGAL_CHECK(recommend(c, key.first, key.second, typical->first, typical->second, needs.at(*typical), out));
  }
  return {};
}

}  // namespace frugal::advise
