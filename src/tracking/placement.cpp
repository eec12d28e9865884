// Where a run turned out to run, the ids that join it to bills, and its cost while it runs.
#include <algorithm>
#include <charconv>
#include <cstdint>

#include "tracking/tracking.h"
#include "util/strings.h"

namespace frugal::tracking {
namespace {

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
bool is_lower_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'); }

// EC2: "i-" and 8 hex digits (before 2016) or 17 (since).
bool aws_shape(std::string_view id) {
  if (!id.starts_with("i-")) return false;
  std::string_view hex = id.substr(2);
  return (hex.size() == 8 || hex.size() == 17) && std::ranges::all_of(hex, is_lower_hex);
}

// Compute Engine: the metadata server's instance/id, an unsigned 64-bit number in decimal.
bool gcp_shape(std::string_view id) {
  if (id.empty() || id.front() == '0') return false;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), value);
  return ec == std::errc() && end == id.data() + id.size();
}

// 8-4-4-4-12 hex digits: an Azure VM's vmId, a subscription id.
bool guid_shape(std::string_view id) {
  if (id.size() != 36) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-' : !is_hex(id[i])) return false;
  }
  return true;
}

// A VM's vmId, or its resource id (what arcee's client sends and Azure's bills name, in any case):
// /subscriptions/GUID/resourceGroups/GROUP/providers/Microsoft.Compute/virtualMachines/NAME.
bool azure_shape(std::string_view id) {
  if (guid_shape(id)) return true;
  std::string lower = util::to_lower(id);
  auto parts = util::split(lower, '/');
  return parts.size() == 9 && parts[0].empty() && parts[1] == "subscriptions" && guid_shape(parts[2]) &&
         parts[3] == "resourcegroups" && !parts[4].empty() && parts[5] == "providers" &&
         parts[6] == "microsoft.compute" && parts[7] == "virtualmachines" && !parts[8].empty();
}

// ECS: "i-" and lower-case letters and digits (20 today).
bool alibaba_shape(std::string_view id) {
  if (!id.starts_with("i-")) return false;
  std::string_view rest = id.substr(2);
  return rest.size() >= 8 && rest.size() <= 30 && std::ranges::all_of(rest, is_lower_alnum);
}

}  // namespace

bool is_cloud_instance_id(std::string_view provider, std::string_view id) {
  std::string name = util::to_lower(provider);
  if (name == "aws") return aws_shape(id);
  if (name == "gcp") return gcp_shape(id);
  if (name == "azure") return azure_shape(id);
  if (name == "alibaba") return alibaba_shape(id);
  if (name.empty()) return aws_shape(id) || gcp_shape(id) || azure_shape(id);
  return false;
}

Result<void> record_placement(store::Store& store, std::int64_t run_id, const Placement& placement) {
  const Placement& p = placement;
  bool says_where = !p.instance_id.empty() || !p.instance_type.empty() || !p.provider.empty() ||
                    !p.region.empty() || !p.host.empty();
  if (!says_where) return {};
  return store.transaction([&]() -> Result<void> {
    store::Value where[] = {p.instance_id, p.instance_type, p.provider, p.region, p.host, run_id};
    FRUGAL_CHECK(store.execute(
        "UPDATE runs SET instance_id = coalesce(nullif(?, ''), instance_id), "
        "instance_type = coalesce(instance_type, nullif(?, '')), "
        "provider = coalesce(provider, nullif(?, '')), region = coalesce(region, nullif(?, '')), "
        "host = coalesce(host, nullif(?, '')) WHERE id = ?",
        where));
    if (!p.hourly_price || p.instance_type.empty()) return {};
    std::int64_t gpus = p.instance_gpu_count;
    store::Value price[] = {p.hourly_price->nanos(),
                            store::text_or_null(p.price_source),
                            std::string(pricing_name(p.pricing)),
                            gpus,
                            gpus,
                            run_id,
                            p.instance_type};
    FRUGAL_CHECK(store.execute(
        "UPDATE runs SET hourly_price_nanos = ?, price_source = ?, pricing = ?, gpu_count = ?, "
        "instance_gpu_count = ? WHERE id = ? AND status = 'running' AND hourly_price_nanos IS NULL "
        "AND instance_type = ?",
        price));
    return {};
  });
}

Result<void> meter_cost(store::Store& store, std::int64_t run_id, TimePoint now) {
  store::Value id[] = {run_id};
  auto found =
      FRUGAL_TRY(store.query("SELECT started_at, hourly_price_nanos, gpu_count, instance_gpu_count FROM runs "
                             "WHERE id = ? AND status = 'running' AND hourly_price_nanos IS NOT NULL",
                             id));
  if (found.rows.empty()) return {};
  const auto& row = found.rows.front();
  TimePoint started = FRUGAL_TRY(parse_utc(store::as_text(row[0])));
  std::int64_t elapsed_ms = std::max<std::int64_t>(0, (now - started).count());
  Money cost =
      estimate_cost(Money::from_nanos(store::as_int(row[1])), elapsed_ms,
                    static_cast<int>(store::as_int(row[2])), static_cast<int>(store::as_int(row[3])));
  if (!cost.fits_nanos())
    return {};  // a start centuries before `now`: finish_run names it; metering leaves it
  store::Value set[] = {cost.nanos_rounded(), run_id};
  FRUGAL_CHECK(store.execute("UPDATE runs SET cost_nanos = ? WHERE id = ? AND status = 'running'", set));
  return {};
}

}  // namespace frugal::tracking
