// Rule "transfer" (data and compute apart): runs whose dataset lives in another region, or at
// another provider, than the run. The dataset's place comes from its URL where the URL says it
// (https://bucket.s3.eu-west-1.amazonaws.com/…), else from the bills (the bucket or storage
// account is a billed resource with a region). The money is what crossed: the bytes the data cache
// downloaded for that dataset in the window (frugal data get records each download), at the
// inter-region price, or at the provider's internet egress price the download recorded when
// the data sits at another provider. A dataset whose bytes were never measured gets no advice:
// it could not say what moving it saves.
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "advise/rules.h"
#include "util/strings.h"

namespace frugal::advise {
namespace {

// AWS, Google Cloud (within a continent) and Azure list inter-region transfer at about 2 cents
// a GB; it is what co-locating saves per GB when both ends are at one provider.
const Money k_inter_region_per_gb = *Money::parse("0.02");

struct DataHome {  // where a dataset lives
  std::string provider;  // aws, gcp, azure
  std::string bucket;    // the billed resource: bucket or storage account
  std::string region;    // "" when the URL does not say
  std::string known_from;
};

// Where a dataset URL points, as far as the URL itself tells.
std::optional<DataHome> home_of(std::string_view url) {
  auto after = [&](std::string_view scheme) { return url.substr(scheme.size()); };
  auto first_part = [](std::string_view rest, char sep) { return rest.substr(0, rest.find(sep)); };
  if (url.starts_with("s3://")) return DataHome{"aws", std::string(first_part(after("s3://"), '/')), "", ""};
  if (url.starts_with("gs://")) return DataHome{"gcp", std::string(first_part(after("gs://"), '/')), "", ""};
  std::string_view rest;
  if (url.starts_with("https://")) rest = after("https://");
  else if (url.starts_with("http://")) rest = after("http://");
  else return std::nullopt;
  std::string_view host = first_part(rest, '/');
  std::string_view path = rest.substr(host.size());
  if (path.starts_with('/')) path.remove_prefix(1);
  if (host.ends_with(".blob.core.windows.net"))
    return DataHome{"azure", std::string(first_part(host, '.')), "", ""};
  if (!host.ends_with(".amazonaws.com")) return std::nullopt;
  // bucket.s3.REGION.amazonaws.com, bucket.s3-REGION.amazonaws.com, s3.REGION.amazonaws.com/bucket,
  // bucket.s3.amazonaws.com (no region: us-east-1's legacy global endpoint, left to the bills).
  std::vector<std::string_view> labels = util::split(host.substr(0, host.size() - 14), '.');
  DataHome place{"aws", "", "", "its URL"};
  std::size_t s3 = 0;
  while (s3 < labels.size() && !labels[s3].starts_with("s3")) ++s3;
  if (s3 == labels.size()) return std::nullopt;
  if (s3 > 0) place.bucket = std::string(host.substr(0, static_cast<std::size_t>(labels[s3].data() - host.data()) - 1));
  else place.bucket = std::string(first_part(path, '/'));
  if (labels[s3].starts_with("s3-")) place.region = std::string(labels[s3].substr(3));
  else if (s3 + 1 < labels.size()) place.region = std::string(labels[s3 + 1]);
  if (place.region == "dualstack" && s3 + 2 < labels.size()) place.region = std::string(labels[s3 + 2]);
  if (place.region.empty()) place.known_from.clear();
  return place;
}

// Regions the bills give buckets and storage accounts (ResourceId or ResourceName, AWS's ARN too).
Result<std::map<std::string, std::string>> billed_regions(const Context& c, const std::set<std::string>& buckets) {
  std::map<std::string, std::string> regions;
  if (buckets.empty()) return regions;
  std::string marks;
  std::vector<store::Value> params;
  for (const auto& b : buckets) {
    for (std::string id : {b, "arn:aws:s3:::" + b}) {
      marks += marks.empty() ? "?" : ", ?";
      params.emplace_back(std::move(id));
    }
  }
  std::vector<store::Value> both = params;
  both.insert(both.end(), params.begin(), params.end());
  FRUGAL_CHECK(c.store.for_each_row(
      "SELECT coalesce(resource_id, ''), coalesce(resource_name, ''), region_id, count(*) FROM charges "
      "WHERE (resource_id IN (" + marks + ") OR resource_name IN (" + marks + ")) AND region_id IS NOT NULL "
      "AND region_id <> '' GROUP BY 1, 2, 3 ORDER BY 4 DESC",
      both, [&](const store::Row& r) {
        for (std::string name : {store::as_text(r[0]), store::as_text(r[1])}) {
          if (name.starts_with("arn:aws:s3:::")) name = name.substr(13);
          if (buckets.contains(name)) regions.try_emplace(name, store::as_text(r[2]));  // most-billed region first
        }
        return true;
      }));
  return regions;
}

// A team's runs of one dataset: where they ran.
struct Reads {
  std::map<std::pair<std::string, std::string>, std::int64_t> runs_at;  // (provider, region) → runs
  std::int64_t runs = 0;
};

}  // namespace

Result<void> data_locality(const Context& c, std::vector<Recommendation>& out) {
  const WindowRuns& w = *FRUGAL_TRY(c.runs());
  std::map<std::pair<Label, Label>, Reads> reads;  // (dataset, team)
  for (const WindowRun& r : w.runs) {
    if (w.name(r.dataset).empty() || w.name(r.region).empty()) continue;
    Reads& read = reads[{r.dataset, r.team}];
    ++read.runs_at[{util::to_lower(w.name(r.provider)), w.name(r.region)}];
    ++read.runs;
  }
  std::map<Label, DataHome> places;
  std::set<std::string> unplaced;
  for (const auto& [key, read] : reads) {
    if (places.contains(key.first)) continue;
    if (auto place = home_of(w.name(key.first))) {
      places.emplace(key.first, *place);
      if (place->region.empty() && !place->bucket.empty()) unplaced.insert(place->bucket);
    }
  }
  auto billed = FRUGAL_TRY(billed_regions(c, unplaced));
  for (auto& [label, place] : places)
    if (place.region.empty())
      if (auto it = billed.find(place.bucket); it != billed.end()) {
        place.region = it->second;
        place.known_from = "the bills (" + place.bucket + ")";
      }

  for (const auto& [key, read] : reads) {
    auto found = places.find(key.first);
    if (found == places.end() || found->second.region.empty()) continue;
    const DataHome& data = found->second;
    std::int64_t away = 0;
    std::string where_runs;
    bool other_provider = false;
    for (const auto& [at, n] : read.runs_at) {
      bool same_provider = at.first.empty() || at.first == data.provider;
      if (same_provider && at.second == data.region) continue;
      away += n;
      other_provider = other_provider || !same_provider;
      where_runs += fmt::format("{}{} {} in {}{}", where_runs.empty() ? "" : ", ", n, n == 1 ? "run" : "runs",
                                at.second, same_provider ? "" : " (" + at.first + ")");
    }
    if (away == 0) continue;
    const std::string& dataset = w.name(key.first);
    const std::string& team = w.name(key.second);
    // What the data cache downloaded of this dataset for the team in the window; the share of it
    // that the runs away from the data pulled across.
    std::vector<store::Value> p = {c.since, c.until, dataset, dataset};
    std::string team_clause;
    if (!team.empty()) {
      team_clause = " AND team = ?";
      p.emplace_back(team);
    }
    auto downloaded = FRUGAL_TRY(c.store.query(
        "SELECT coalesce(sum(bytes), 0), coalesce(max(egress_nanos_per_gb), 0), count(*) FROM data_events "
        "WHERE at >= ? AND at < ? AND kind <> 'hit' AND substr(url, 1, length(?)) = ?" + team_clause, p));
    std::int64_t bytes = store::as_int(downloaded.rows.at(0).at(0));
    if (bytes <= 0) continue;  // never measured: no price to put on a move
    std::int64_t crossed = static_cast<std::int64_t>(static_cast<__int128>(bytes) * away / read.runs);
    Money per_gb = other_provider ? Money::from_nanos(store::as_int(downloaded.rows[0][1])) : k_inter_region_per_gb;
    if (per_gb <= Money{}) per_gb = k_inter_region_per_gb;
    Money cost = per_gb.scaled(crossed, 1'000'000'000);
    Recommendation rec;
    rec.rule = "transfer";
    rec.target = fmt::format("dataset {} ({} {})", dataset, data.provider, data.region);
    rec.id = recommendation_id(rec.rule, team + "|" + rec.target);
    rec.team = team;
    rec.finding = fmt::format("{} of {} runs read {}, which is in {} {}, from elsewhere ({}); about {:.1f} GB crossed, "
                              "costing {}",
                              away, read.runs, dataset, data.provider, data.region, where_runs,
                              static_cast<double>(crossed) / 1e9, usd(cost));
    rec.evidence = {{"dataset", dataset},
                    {"dataset region", fmt::format("{} {} (from {})", data.provider, data.region, data.known_from)},
                    {"runs away from it", where_runs},
                    {"downloaded in window", fmt::format("{:.1f} GB in {} downloads (frugal data get)",
                                                         static_cast<double>(bytes) / 1e9,
                                                         store::as_int(downloaded.rows[0][2]))},
                    {"price", fmt::format("{}/GB ({})", per_gb.to_string(2),
                                          other_provider ? "the provider's internet egress" : "inter-region")}};
    rec.query = fmt::format("SELECT region, provider, count(*) AS runs, sum(cost_nanos) / 1e9 AS cost_usd FROM runs "
                            "WHERE dataset = {} AND started_at >= '{}' AND started_at < '{}' GROUP BY region, provider",
                            sql_literal(dataset), c.since, c.until);
    rec.monthly_saving = c.monthly(cost);
    rec.confidence = 0.6;  // bytes by share of runs: the runs away may have read more or less of it
    rec.action = fmt::format("run these jobs in {} (--region {}), or replicate {} once into the region that reads it; "
                             "`frugal data get` keeps a local copy so reruns do not cross again",
                             data.region, util::shell_word(data.region), dataset);
    out.push_back(std::move(rec));
  }
  return {};
}

}  // namespace frugal::advise
