#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fstream>

#include "cache/cache.h"
#include "cli/context.h"
#include "cli/progress_line.h"
#include "datacache/datacache.h"
#include "store/store.h"
#include "util/display.h"
#include "util/strings.h"

namespace frugal::cli {
namespace {

struct DataFlags {
  std::vector<std::string> urls;
  std::string list_file;
  std::string max_size, min_free;
  std::string endpoint, region;
  bool revalidate = false;
  bool pin = false;
  int attempts = 3;
};

Result<datacache::DataCache> open_cache(Context& ctx) {
  FRUGAL_CHECK(ctx.load_config());
  return datacache::DataCache(ctx.config->home_dir() + "/data");
}

// "5%", "0.5%", "0": the share of the file system to keep free.
Result<double> parse_free_share(const std::string& text, std::string_view source) {
  std::string_view t = util::trim(text);
  if (t == "0") return 0.0;
  double percent = 0;
  if (t.ends_with("%")) {
    std::string number(t.substr(0, t.size() - 1));
    char* end = nullptr;
    percent = std::strtod(number.c_str(), &end);
    if (!number.empty() && end == number.c_str() + number.size() && percent >= 0 && percent <= 90) return percent / 100;
  }
  return fail(ErrorCode::invalid, fmt::format("{} '{}': expected a share of the disk like 5% (0 to 90%)", source, text));
}

// The flags, else the settings (data_max_size, data_min_free).
Result<datacache::Limits> parse_limits(Context& ctx, const DataFlags& f) {
  FRUGAL_CHECK(ctx.load_config());
  datacache::Limits limits;
  std::string max_size = f.max_size.empty() ? ctx.config->get("data_max_size") : f.max_size;
  if (!max_size.empty()) limits.max_bytes = FRUGAL_TRY(cache::parse_size(max_size, f.max_size.empty() ? "data_max_size" : "--max-size"));
  std::string min_free = f.min_free.empty() ? ctx.config->get("data_min_free") : f.min_free;
  if (!min_free.empty()) limits.min_free_fraction = FRUGAL_TRY(parse_free_share(min_free, f.min_free.empty() ? "data_min_free" : "--min-free"));
  return limits;
}

const char* outcome_name(datacache::Outcome o) {
  switch (o) {
    case datacache::Outcome::hit: return "hit";
    case datacache::Outcome::miss: return "miss";
    case datacache::Outcome::refetched: return "refetched";
  }
  return "?";
}

Result<std::vector<std::string>> urls_to_get(const DataFlags& f) {
  std::vector<std::string> urls = f.urls;
  if (!f.list_file.empty()) {
    std::ifstream in(f.list_file);
    if (!in) return fail(ErrorCode::not_found, fmt::format("{}: cannot read", f.list_file));
    std::string line;
    while (std::getline(in, line))
      if (auto url = util::trim(line); !url.empty() && !url.starts_with("#")) urls.emplace_back(url);
  }
  return urls;
}

}  // namespace

Result<void> fold_data_hits(Context& ctx) {
  FRUGAL_CHECK(ctx.load_config());
  std::string folder = ctx.config->home_dir() + "/data";
  if (!datacache::journal_pending(folder)) return {};
  auto store = FRUGAL_TRY(ctx.open_store(store::Access::read_write));
  FRUGAL_TRY(datacache::fold_journal(folder, *store));
  return {};
}

namespace {

// Records each object served, with the egress a hit avoided: downloads in the store, hits in the
// data cache's journal (datacache.h says why), folded in with the next download. The data was
// served either way: a record that cannot be written costs a warning, not the caller's path.
class EventLog {
 public:
  EventLog(Context& ctx, const DataFlags& f) : m_ctx(ctx), m_custom_endpoint(!f.endpoint.empty()) {
    if (const char* e = std::getenv("FRUGAL_S3_ENDPOINT"); e && *e) m_custom_endpoint = true;
    if (const char* e = std::getenv("AWS_ENDPOINT_URL"); e && *e) m_custom_endpoint = true;
  }
  Result<void> prepare() {
    FRUGAL_CHECK(m_ctx.load_config());
    m_prices = FRUGAL_TRY(datacache::EgressPrices::parse(m_ctx.config->get("egress_usd_per_gb")));
    m_who = {m_ctx.config->get("user"), m_ctx.config->get("team"), m_ctx.config->get("project")};
    return {};
  }
  void record(const std::string& url, const datacache::GetResult& got) {
    if (m_failed) return;
    std::string provider = datacache::egress_provider(url, m_custom_endpoint);
    if (got.outcome == datacache::Outcome::hit) {
      auto avoided = datacache::journal_hit(m_ctx.config->home_dir() + "/data", url, got, m_ctx.clock.now(), provider,
                                            m_prices, m_who);
      if (!avoided) return warn(avoided.error());
      m_avoided += *avoided;
      return;
    }
    if (!m_store) {
      auto opened = m_ctx.open_store(store::Access::read_write);
      if (!opened) return warn(opened.error());
      m_store = std::move(*opened);
      auto folded = datacache::fold_journal(m_ctx.config->home_dir() + "/data", *m_store);
      if (!folded) return warn(folded.error());
    }
    auto recorded = datacache::record_get(*m_store, url, got, m_ctx.clock.now(), provider, m_prices, m_who);
    if (!recorded) return warn(recorded.error());
  }
  Money avoided() const { return m_avoided; }

 private:
  void warn(const Error& e) {
    m_failed = true;
    fmt::print(stderr, "frugal: warning: data served but not recorded: {}\n", e.message);
  }
  Context& m_ctx;
  bool m_custom_endpoint;
  bool m_failed = false;
  datacache::EgressPrices m_prices;
  datacache::Requester m_who;
  std::unique_ptr<store::Store> m_store;
  Money m_avoided;
};

// `data get` prints each local path; `data prefetch` only warms the cache.
enum class PrintPaths { yes, no };
enum class Pin { yes, no };

// Prints each URL's local path on stdout (one per line, in order), what happened on stderr.

Result<int> get(Context& ctx, const DataFlags& f, PrintPaths print) {
  const bool quiet_paths = print == PrintPaths::no;
  auto cache = open_cache(ctx);
  if (!cache) return std::unexpected(cache.error());
  datacache::GetOptions options;
  options.revalidate = f.revalidate;
  options.pin = f.pin;
  options.attempts = f.attempts;
  options.s3_endpoint = f.endpoint;
  options.s3_region = f.region;
  auto limits = parse_limits(ctx, f);
  if (!limits) return std::unexpected(limits.error());
  options.limits = *limits;
  auto urls = urls_to_get(f);
  if (!urls) return std::unexpected(urls.error());
  EventLog log(ctx, f);
  if (auto ok = log.prepare(); !ok) return std::unexpected(ok.error());
  ProgressLine progress;
  for (const auto& url : *urls) {
    if (progress.on()) {
      progress.start(url + ": ", 0, 0);
      options.on_progress = [&progress](std::uint64_t held, std::uint64_t total) {
        progress.total(total);
        progress.update(held);
      };
    }
    auto got = cache->get(url, options);
    progress.clear();
    if (!got) return std::unexpected(got.error());
    if (!quiet_paths) fmt::print("{}\n", got->path);
    if (got->outcome != datacache::Outcome::hit)
      fmt::print(stderr, "frugal: {} {} ({})\n", outcome_name(got->outcome), url, util::display::bytes(got->bytes));
    log.record(url, *got);
  }
  if (quiet_paths && log.avoided() > Money())
    fmt::print(stderr, "frugal: hits avoided ${} of egress\n", money_text(log.avoided()));
  return k_exit_ok;
}

Result<int> pin(Context& ctx, const DataFlags& f, Pin pin) {
  auto cache = open_cache(ctx);
  if (!cache) return std::unexpected(cache.error());
  for (const auto& url : f.urls)
    if (auto ok = pin == Pin::yes ? cache->pin(url) : cache->unpin(url); !ok) return std::unexpected(ok.error());
  return k_exit_ok;
}

// What the cache holds, and from the store what it served and saved.
Result<int> stats(Context& ctx) {
  auto cache = open_cache(ctx);
  if (!cache) return std::unexpected(cache.error());
  auto s = cache->stats();
  if (!s) return std::unexpected(s.error());
  if (auto folded = fold_data_hits(ctx); !folded) return std::unexpected(folded.error());
  auto store = ctx.open_store(store::Access::read_only);
  if (!store) return std::unexpected(store.error());
  auto served = (*store)->query(
      "SELECT count(*) FILTER (WHERE kind = 'hit'), coalesce(sum(bytes) FILTER (WHERE kind = 'hit'), 0), "
      "count(*) FILTER (WHERE kind <> 'hit'), coalesce(sum(bytes) FILTER (WHERE kind <> 'hit'), 0), "
      "coalesce(sum(avoided_nanos), 0) FROM data_events");
  if (!served) return std::unexpected(served.error());
  const auto& row = served->rows.at(0);
  Format format = ctx.format();
  Table t;
  t.columns = {"objects", "bytes", "pinned", "pinned_bytes", "partial_bytes", "hits", "hit_bytes", "downloads",
               "downloaded_bytes", "egress_avoided_usd"};
  auto count = [](std::size_t n) { return int_cell(static_cast<std::int64_t>(n)); };
  t.rows.push_back({count(s->objects), count(s->bytes), count(s->pinned), count(s->pinned_bytes), count(s->partial_bytes),
                    int_cell(store::as_int(row[0])), int_cell(store::as_int(row[1])), int_cell(store::as_int(row[2])),
                    int_cell(store::as_int(row[3])), money_cell(Money::from_nanos(store::as_int(row[4])), format)});
  print_table(stdout, t, format);
  return k_exit_ok;
}

Result<int> gc(Context& ctx, const DataFlags& f) {
  auto limits = parse_limits(ctx, f);
  if (!limits) return std::unexpected(limits.error());
  if (!limits->max_bytes && f.min_free.empty())
    return fail(ErrorCode::invalid, "data gc: give --max-size or --min-free (or set data_max_size)");
  auto cache = open_cache(ctx);
  if (!cache) return std::unexpected(cache.error());
  auto r = cache->gc(*limits);
  if (!r) return std::unexpected(r.error());
  namespace display = util::display;
  fmt::print(stderr, "frugal: data gc: evicted {} ({} freed), {} in use and {} pinned kept, {} used\n",
             display::count(static_cast<long long>(r->evicted), "object"), display::bytes(r->bytes_freed), r->in_use,
             r->pinned, display::bytes(r->bytes_used));
  return k_exit_ok;
}

void add_fetch_flags(CLI::App* cmd, DataFlags& f) {
  cmd->add_flag("--revalidate", f.revalidate, "check with the server (HEAD) that the copy is current");
  cmd->add_flag("--pin", f.pin, "pin the objects: never evicted until `frugal data unpin`");
  cmd->add_option("--max-size", f.max_size, "after a download, evict least recently used objects to this (data_max_size)");
  cmd->add_option("--min-free", f.min_free, "keep this share of the disk free, evicting to make room (data_min_free, 5%)");
  cmd->add_option("--endpoint", f.endpoint, "S3-compatible endpoint for s3:// URLs (http://host:port); default $FRUGAL_S3_ENDPOINT or AWS");
  cmd->add_option("--region", f.region, "region for s3:// URLs; default $AWS_REGION or us-east-1");
  cmd->add_option("--attempts", f.attempts, "tries of a download cut short, each resuming the last")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
}

}  // namespace

void add_data_command(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<DataFlags>();
  auto* data = app.add_subcommand("data", "local cache of remote data (s3://, https://, http://, file://)");
  data->require_subcommand(1);

  auto* get_cmd = data->add_subcommand("get", "print each URL's local path, downloading it on a miss");
  get_cmd->add_option("url", flags->urls, "s3://bucket/key, https://host/path, file:///path")->required();
  add_fetch_flags(get_cmd, *flags);
  get_cmd->callback([&ctx, flags] { ctx.action = [&ctx, flags] { return get(ctx, *flags, PrintPaths::yes); }; });

  auto* prefetch = data->add_subcommand("prefetch", "download every URL listed in a file (one per line)");
  prefetch->add_option("list", flags->list_file, "file of URLs; blank lines and # comments skipped")->required();
  add_fetch_flags(prefetch, *flags);
  prefetch->callback([&ctx, flags] { ctx.action = [&ctx, flags] { return get(ctx, *flags, PrintPaths::no); }; });

  auto* pin_cmd = data->add_subcommand("pin", "never evict these URLs' objects (held now or later)");
  pin_cmd->add_option("url", flags->urls, "URLs to pin")->required();
  pin_cmd->callback([&ctx, flags] { ctx.action = [&ctx, flags] { return pin(ctx, *flags, Pin::yes); }; });
  auto* unpin_cmd = data->add_subcommand("unpin", "let these URLs' objects be evicted again");
  unpin_cmd->add_option("url", flags->urls, "URLs to unpin")->required();
  unpin_cmd->callback([&ctx, flags] { ctx.action = [&ctx, flags] { return pin(ctx, *flags, Pin::no); }; });

  auto* stats_cmd = data->add_subcommand("stats", "objects held, what was served from disk and the egress it avoided");
  stats_cmd->callback([&ctx] { ctx.action = [&ctx] { return stats(ctx); }; });

  auto* gc_cmd = data->add_subcommand("gc", "evict least recently used objects until the rest fit --max-size and --min-free");
  gc_cmd->add_option("--max-size", flags->max_size, "the bound: 50G, 512Mi, ... (data_max_size)");
  gc_cmd->add_option("--min-free", flags->min_free, "keep this share of the disk free (data_min_free, 5%)");
  gc_cmd->callback([&ctx, flags] { ctx.action = [&ctx, flags] { return gc(ctx, *flags); }; });
}

}  // namespace frugal::cli
