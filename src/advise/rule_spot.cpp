// Rule "spot": on-demand runs that checkpoint (a preemption costs only the work since the last
// checkpoint) or are short (under an hour: a preemption costs little) would have cost the
// catalog's spot price. The risk is the Spot Instance Advisor's interruption band for the type and
// region (frugal catalog import-spot-advisor), which sets the confidence.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "advise/rules.h"
#include "catalog/catalog.h"

namespace frugal::advise {
namespace {

struct Candidate : Placed {
  std::int64_t runs = 0, checkpointed = 0;
  Money cost;
  std::int64_t hourly_nanos = 0;  // what they paid per hour (the whole instance)
};

// The higher the interruption band, the less sure the saving (a preempted attempt redoes work).
double confidence_of(std::int64_t interruption_max_pct) {
  if (interruption_max_pct <= 5) return 0.85;
  if (interruption_max_pct <= 11) return 0.75;
  if (interruption_max_pct <= 16) return 0.6;
  if (interruption_max_pct <= 22) return 0.5;
  return 0.35;
}

}  // namespace

Result<void> spot(const Context& c, std::vector<Recommendation>& out) {
  const WindowRuns& w = *FRUGAL_TRY(c.runs());
  std::map<PlaceKey, Candidate> by_key;
  for (const WindowRun& r : w.runs) {
    if (r.pricing != Pricing::on_demand || r.status != Status::finished || r.instance_type == k_no_label ||
        r.cost_nanos <= 0 || r.hourly_price_nanos <= 0)
      continue;
    bool short_run = r.has(WindowRun::duration) && r.duration_ms < 3'600'000;
    if (!short_run && !r.checkpointed) continue;
    Candidate& k = by_key[place_key(r)];
    ++k.runs;
    k.checkpointed += r.checkpointed;
    k.cost += Money::from_nanos(r.cost_nanos);
    k.hourly_nanos = std::max(k.hourly_nanos, r.hourly_price_nanos);
  }
  std::vector<Candidate> candidates;
  for (auto& [key, k] : by_key) {
    w.name(k, key);
    candidates.push_back(std::move(k));
  }
  OfferCache catalog_offers(c.store);
  for (const auto& k : candidates) {
    const auto& offers = *FRUGAL_TRY(catalog_offers.in(k.provider, k.region));
    const catalog::Offer* offer = nullptr;
    for (const auto& o : offers)
      if (o.instance_type == k.instance_type && o.spot && (!offer || *o.spot < *offer->spot)) offer = &o;
    if (!offer) continue;
    // What the same hours cost at the spot price, scaled from what they paid.
    Money on_spot = k.cost.scaled(offer->spot->nanos(), k.hourly_nanos);
    Money saving = k.cost - on_spot;
    if (saving <= Money{}) continue;
    std::vector<store::Value> key = {offer->region, k.instance_type};
    auto band = FRUGAL_TRY(c.store.query("SELECT interruption_label, interruption_max_pct, savings_pct FROM spot_advisor "
                                         "WHERE region = ? AND os = 'Linux' AND instance_type = ?",
                                         key));
    std::string risk = "unknown: import the Spot Instance Advisor feed (frugal catalog import-spot-advisor)";
    double confidence = 0.5;
    if (!band.rows.empty()) {
      risk = fmt::format("interrupted {} of the time (AWS Spot Instance Advisor; it puts the saving at {}%)",
                         store::as_text(band.rows[0][0]), store::as_int(band.rows[0][2]));
      confidence = confidence_of(store::as_int(band.rows[0][1]));
    }
    std::string target = fmt::format("project {} on {} ({})", k.project.empty() ? "(none)" : k.project,
                                      k.instance_type, offer->region);
    Recommendation rec;
    rec.rule = "spot";
    rec.id = recommendation_id(rec.rule, k.team + "|" + target);
    rec.team = k.team;
    rec.target = target;
    rec.finding = fmt::format("{} on-demand run(s) that {} would have cost {} on spot instead of {}", k.runs,
                              k.checkpointed == k.runs ? "checkpoint" : "checkpoint or finish within an hour",
                              usd(on_spot), usd(k.cost));
    rec.evidence = {{"runs", fmt::format("{} ({} checkpointing)", k.runs, k.checkpointed)},
                    {"on-demand paid", fmt::format("{} at ${}/h", usd(k.cost), Money::from_nanos(k.hourly_nanos).to_string(2))},
                    {"spot price", fmt::format("${}/h in {} ({})", offer->spot->to_string(2), offer->region, offer->source)},
                    {"interruption risk", risk}};
    rec.query = fmt::format(
        "SELECT r.id, r.name, r.duration_ms / 3600000.0 AS hours, r.cost_usd, (SELECT count(*) FROM checkpoints k "
        "WHERE k.run_id = r.id) AS checkpoints FROM runs r WHERE r.instance_type = {} AND r.pricing = 'on_demand' "
        "AND r.status = 'finished' AND r.started_at >= '{}' AND r.started_at < '{}' ORDER BY r.cost_nanos DESC",
        sql_literal(k.instance_type), c.since, c.until);
    rec.monthly_saving = c.monthly(saving);
    rec.confidence = confidence;
    rec.action = fmt::format("run them on spot and let frugal restart them from their last checkpoint: frugal run "
                             "--instance-type {} --spot --retries 3 --checkpoint-dir ckpt --preemption-notice {} -- ...",
                             k.instance_type, k.provider == "gcp" ? "gcp" : "aws");
    out.push_back(std::move(rec));
  }
  return {};
}

}  // namespace frugal::advise
