#include "catalog/catalog.h"
#include "cache/cache.h"
#include "core/time.h"
#include "store/store.h"

namespace frugal::cache {
namespace {


}  // namespace

Result<std::optional<Money>> hourly_price(store::Store& store, const EventContext& context) {
  if (context.hourly) return context.hourly;
  if (context.instance_type.empty()) return std::optional<Money>{};
  auto price = catalog::price_of(store, context.instance_type, context.region, context.provider,
                                 catalog::Pricing::on_demand);
  if (!price) return std::unexpected(price.error().wrap("--instance-type"));
  return std::optional<Money>{price->hourly};
}

Result<std::optional<Money>> record_event(store::Store& store, EventKind kind, const Entry& entry, TimePoint at,
                                          const EventContext& context, std::optional<Money> hourly) {
  std::optional<Money> saved;
  if (kind == EventKind::hit && hourly) saved = hourly->scaled(entry.compute_ms, 3'600'000);
  store::Value params[] = {format_utc(at),
                           std::string(kind == EventKind::hit ? "hit" : kind == EventKind::store ? "store" : "damaged"),
                           entry.key,
                           entry.compute_ms,
                           entry.bytes,
                           store::text_or_null(context.user),
                           store::text_or_null(context.team),
                           store::text_or_null(context.project),
                           store::text_or_null(context.instance_type),
                           hourly ? store::Value{hourly->nanos()} : store::Value{},
                           saved ? store::Value{saved->nanos()} : store::Value{}};
  FRUGAL_TRY(store.execute(
      "INSERT INTO cache_events (at, kind, cache_key, compute_ms, bytes, username, team, project, instance_type, "
      "hourly_price_nanos, saved_nanos) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      params));
  return saved;
}

}  // namespace frugal::cache
