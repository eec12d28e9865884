#include <fmt/format.h>

#include "datacache/datacache.h"
#include "store/store.h"
#include "util/strings.h"

namespace frugal::datacache {
namespace {

// The host of an http(s) URL, lower-cased, without port or credentials.
std::string host_of(const std::string& url) {
  auto start = url.find("://");
  if (start == std::string::npos) return "";
  start += 3;
  auto end = url.find_first_of("/?#", start);
  std::string host = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (auto at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
  if (auto colon = host.find(':'); colon != std::string::npos) host = host.substr(0, colon);
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return host;
}

bool is_or_under(const std::string& host, std::string_view domain) {
  return host == domain || (host.size() > domain.size() && host.ends_with(domain) && host[host.size() - domain.size() - 1] == '.');
}

}  // namespace

std::string egress_provider(const std::string& url, bool custom_s3_endpoint) {
  if (url.starts_with("file://")) return "local";
  if (url.starts_with("s3://")) return custom_s3_endpoint ? "other" : "aws";
  std::string host = host_of(url);
  if (is_or_under(host, "r2.cloudflarestorage.com")) return "cloudflare";
  if (is_or_under(host, "amazonaws.com")) return "aws";
  if (is_or_under(host, "storage.googleapis.com")) return "gcp";
  if (is_or_under(host, "blob.core.windows.net")) return "azure";
  return "other";
}

Result<EgressPrices> EgressPrices::parse(const std::string& text) {
  EgressPrices out;
  for (auto entry : util::split(text, ',')) {
    entry = util::trim(entry);
    if (entry.empty()) continue;
    auto eq = entry.find('=');
    if (eq == std::string_view::npos)
      return fail(ErrorCode::invalid, fmt::format("egress_usd_per_gb: '{}': expected provider=USD", entry));
    std::string provider(util::trim(entry.substr(0, eq)));
    auto price = Money::parse(util::trim(entry.substr(eq + 1)));
    if (provider.empty() || !price || *price < Money())
      return fail(ErrorCode::invalid,
                  fmt::format("egress_usd_per_gb: '{}': expected provider=USD with a price of 0 or more", entry));
    out.m_prices.emplace_back(provider, *price);
  }
  return out;
}

Money EgressPrices::per_gb(const std::string& provider) const {
  if (provider == "local") return Money();
  for (const auto& [name, price] : m_prices)
    if (name == provider) return price;
  return Money();
}

Result<Money> record_get(store::Store& store, const std::string& url, const GetResult& got, TimePoint at,
                         const std::string& provider, const EgressPrices& prices, const Requester& who) {
  Money per_gb = prices.per_gb(provider);
  Money avoided = got.outcome == Outcome::hit ? per_gb.scaled(static_cast<std::int64_t>(got.bytes), 1'000'000'000) : Money();
  const char* kind = got.outcome == Outcome::hit ? "hit" : got.outcome == Outcome::miss ? "miss" : "refetched";
  store::Value params[] = {format_utc(at), std::string(kind), url, provider, static_cast<std::int64_t>(got.bytes),
                           store::text_or_null(who.user), store::text_or_null(who.team), store::text_or_null(who.project),
                           per_gb.nanos(), avoided.nanos()};
  FRUGAL_TRY(store.execute("INSERT INTO data_events (at, kind, url, provider, bytes, username, team, project, "
                           "egress_nanos_per_gb, avoided_nanos) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           params));
  return avoided;
}

}  // namespace frugal::datacache
