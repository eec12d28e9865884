#pragma once
// The rules behind advise.h and what they share. Private to advise/.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "advise/advise.h"
#include "advise/window_runs.h"
#include "catalog/catalog.h"

namespace frugal::advise {

struct Context {
  store::Store& store;
  const Options& options;
  std::string since;  // the window as ISO text, for SQL
  std::string until;
  double days = 30;   // the window's length

  // The window's runs, read on first use and shared by the rules that follow.
  Result<const WindowRuns*> runs() const;

  // " AND <column> = ?" when one team is asked for, else "".
  std::string team_filter(std::string_view column = "team") const;
  // Appends the team to params when team_filter added a "?".
  void bind_team(std::vector<store::Value>& params) const;
  // An amount spent over the window, per 30 days.
  Money monthly(Money over_window) const;

  mutable std::optional<WindowRuns> window = {};
};

// The catalog's offers of a provider and region ("" = any), read once per rule however many
// groups ask (a rule may have hundreds).
class OfferCache {
 public:
  explicit OfferCache(store::Store& store) : m_store(store) {}
  Result<const std::vector<catalog::Offer>*> in(const std::string& provider, const std::string& region) {
    auto key = std::pair{provider, region};
    auto it = m_offers.find(key);
    if (it == m_offers.end())
      it = m_offers.emplace(key, FRUGAL_TRY(catalog::list_offers(m_store, {.provider = provider, .region = region}))).first;
    return &it->second;
  }

 private:
  store::Store& m_store;
  std::map<std::pair<std::string, std::string>, std::vector<catalog::Offer>> m_offers;
};

// Builds a recommendation's id from its rule and target (stable, so a dismissal sticks).
std::string recommendation_id(std::string_view rule, std::string_view target);
std::string usd(Money m);                   // "$1,234.56"
std::string percent(double fraction);       // "37%"
// 'text' with its quotes doubled: a literal for the queries a user pastes (names may hold quotes).
std::string sql_literal(std::string_view text);

using Rule = Result<void> (*)(const Context&, std::vector<Recommendation>&);

Result<void> rightsize(const Context& c, std::vector<Recommendation>& out);
Result<void> idle_gpus(const Context& c, std::vector<Recommendation>& out);
Result<void> spot(const Context& c, std::vector<Recommendation>& out);
Result<void> cheapest_offer(const Context& c, std::vector<Recommendation>& out);
Result<void> transfer(const Context& c, std::vector<Recommendation>& out);
Result<void> data_locality(const Context& c, std::vector<Recommendation>& out);  // also rule "transfer"
Result<void> commitments(const Context& c, std::vector<Recommendation>& out);
Result<void> failed_runs(const Context& c, std::vector<Recommendation>& out);
Result<void> early_stop(const Context& c, std::vector<Recommendation>& out);
Result<void> idle_instances(const Context& c, std::vector<Recommendation>& out);
Result<void> idle_partitions(const Context& c, std::vector<Recommendation>& out);
Result<void> autoscale_pools(const Context& c, std::vector<Recommendation>& out);

}  // namespace frugal::advise
