#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fstream>

#include "cache/cache.h"
#include "cli/context.h"
#include "datacache/datacache.h"
#include "util/strings.h"

namespace frugal::cli {
namespace {

struct DataFlags {
  std::vector<std::string> urls;
  std::string list_file;
  std::string max_size;
  bool revalidate = false;
};

Result<datacache::DataCache> open_cache(Context& ctx) {
  FRUGAL_CHECK(ctx.load_config());
  return datacache::DataCache(ctx.config->home_dir() + "/data");
}

const char* outcome_name(datacache::Outcome o) {
  switch (o) {
    case datacache::Outcome::hit: return "hit";
    case datacache::Outcome::miss: return "miss";
    case datacache::Outcome::refetched: return "refetched";
  }
  return "?";
}

// Prints each URL's local path on stdout (one per line, in order), what happened on stderr.
int get(Context& ctx, const DataFlags& f, bool quiet_paths) {
  auto cache = open_cache(ctx);
  if (!cache) return report_error(cache.error());
  datacache::GetOptions options{f.revalidate, 0};
  if (!f.max_size.empty()) {
    auto bound = cache::parse_size(f.max_size, "--max-size");
    if (!bound) return report_error(bound.error());
    options.max_bytes = *bound;
  }
  std::vector<std::string> urls = f.urls;
  if (!f.list_file.empty()) {
    std::ifstream in(f.list_file);
    if (!in) return report_error({ErrorCode::not_found, fmt::format("{}: cannot read", f.list_file)});
    std::string line;
    while (std::getline(in, line))
      if (auto url = util::trim(line); !url.empty() && !url.starts_with("#")) urls.emplace_back(url);
  }
  for (const auto& url : urls) {
    auto got = cache->get(url, options);
    if (!got) return report_error(got.error());
    if (!quiet_paths) fmt::print("{}\n", got->path);
    if (got->outcome != datacache::Outcome::hit)
      fmt::print(stderr, "frugal: {} {} ({} bytes)\n", outcome_name(got->outcome), url, got->bytes);
  }
  return k_exit_ok;
}

int stats(Context& ctx) {
  auto cache = open_cache(ctx);
  if (!cache) return report_error(cache.error());
  auto s = cache->stats();
  if (!s) return report_error(s.error());
  Table t;
  t.columns = {"objects", "bytes"};
  t.rows.push_back({int_cell(static_cast<std::int64_t>(s->objects)), int_cell(static_cast<std::int64_t>(s->bytes))});
  print_table(stdout, t, ctx.format());
  return k_exit_ok;
}

int gc(Context& ctx, const std::string& max_size) {
  auto bound = cache::parse_size(max_size, "--max-size");
  if (!bound) return report_error(bound.error());
  auto cache = open_cache(ctx);
  if (!cache) return report_error(cache.error());
  auto r = cache->gc(*bound);
  if (!r) return report_error(r.error());
  fmt::print(stderr, "frugal: data gc: evicted {} objects ({} bytes freed), {} in use kept, {} bytes used\n", r->evicted,
             r->bytes_freed, r->in_use, r->bytes_used);
  return k_exit_ok;
}

}  // namespace

void add_data_command(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<DataFlags>();
  auto* data = app.add_subcommand("data", "local cache of remote data (s3://, https://, http://, file://)");
  data->require_subcommand(1);

  auto* get_cmd = data->add_subcommand("get", "print each URL's local path, downloading it on a miss");
  get_cmd->add_option("url", flags->urls, "s3://bucket/key, https://host/path, file:///path")->required();
  get_cmd->add_flag("--revalidate", flags->revalidate, "check with the server (HEAD) that the copy is current");
  get_cmd->add_option("--max-size", flags->max_size, "after a download, evict least recently used objects to this");
  get_cmd->callback([&ctx, flags] { ctx.action = [&ctx, flags] { return get(ctx, *flags, false); }; });

  auto* prefetch = data->add_subcommand("prefetch", "download every URL listed in a file (one per line)");
  prefetch->add_option("list", flags->list_file, "file of URLs; blank lines and # comments skipped")->required();
  prefetch->add_option("--max-size", flags->max_size, "evict least recently used objects to this");
  prefetch->callback([&ctx, flags] { ctx.action = [&ctx, flags] { return get(ctx, *flags, true); }; });

  auto* stats_cmd = data->add_subcommand("stats", "objects held and their bytes");
  stats_cmd->callback([&ctx] { ctx.action = [&ctx] { return stats(ctx); }; });

  auto* gc_cmd = data->add_subcommand("gc", "evict least recently used objects until the rest fit --max-size");
  gc_cmd->add_option("--max-size", flags->max_size, "the bound: 50G, 512Mi, ...")->required();
  gc_cmd->callback([&ctx, flags] { ctx.action = [&ctx, flags] { return gc(ctx, flags->max_size); }; });
}

}  // namespace frugal::cli
