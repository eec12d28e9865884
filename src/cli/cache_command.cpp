#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <fmt/format.h>
#include <utility>

#include "cache/cache.h"
#include "cli/context.h"
#include "cli/repeatable_option.h"
#include "runner/runner.h"
#include "store/store.h"
#include "util/display.h"

namespace frugal::cli {
namespace {

struct CacheFlags {
  std::vector<std::string> inputs, params, env, outputs, command;
  std::string key;
  bool explain = false;
  std::string rm_key;
  std::string max_size;
  std::string hourly_usd, instance_type, team, project;
};

// Who the stage runs for and its price, resolved before anything runs so a bad flag costs nothing.
struct Accounting {
  std::unique_ptr<store::Store> store;
  cache::EventContext context;
  std::optional<Money> hourly;
};

Result<Accounting> open_accounting(Context& ctx, const CacheFlags& f) {
  for (const auto& [key, value] : {std::pair{"instance_type", &f.instance_type}, {"team", &f.team}, {"project", &f.project}})
    if (!value->empty()) ctx.flags[key] = *value;
  ctx.config.reset();
  FRUGAL_CHECK(ctx.load_config());
  const Config& c = *ctx.config;
  Accounting a;
  a.context = {c.get("user"), c.get("team"), c.get("project"), c.get("instance_type"), c.get("region"), c.get("provider"), {}};
  if (!f.hourly_usd.empty()) a.context.hourly = FRUGAL_TRY(parse_usd(f.hourly_usd, "--hourly-usd"));
  a.store = FRUGAL_TRY(ctx.open_store(store::Access::read_write));
  a.hourly = FRUGAL_TRY(cache::hourly_price(*a.store, a.context));
  return a;
}

std::string saved_text(const std::optional<Money>& saved) {
  return saved ? fmt::format(" and ${}", money_text(*saved)) : std::string();
}

Result<std::string> cache_folder(Context& ctx) {
  FRUGAL_CHECK(ctx.load_config());
  return ctx.config->home_dir() + "/cache";
}

std::string seconds_text(std::int64_t ms) { return fmt::format("{}.{:03}s", ms / 1000, ms % 1000); }

// --max-size, else the cache_max_size setting; neither → no bound. Checked before anything runs.
Result<std::optional<std::uint64_t>> parse_bound(Context& ctx, const std::string& max_size) {
  FRUGAL_CHECK(ctx.load_config());
  if (!max_size.empty()) return std::optional<std::uint64_t>{FRUGAL_TRY(cache::parse_size(max_size, "--max-size"))};
  const std::string& configured = ctx.config->get("cache_max_size");
  if (configured.empty()) return std::optional<std::uint64_t>{};
  return std::optional<std::uint64_t>{FRUGAL_TRY(cache::parse_size(configured, "cache_max_size"))};
}

// A damaged entry is removed with its damaged objects and recorded; the caller then runs the stage.
Result<void> forget_damaged(Context& ctx, cache::ObjectStore& store, const cache::Entry& entry, const cache::Damage& damage,
                            Accounting& accounting) {
  FRUGAL_CHECK(store.discard(entry, damage));
  FRUGAL_TRY(cache::record_event(*accounting.store, cache::EventKind::damaged, entry, ctx.clock.now(), accounting.context, {}));
  fmt::print(stderr, "frugal: cache entry {} is damaged ({}{} no longer matches its hash): removed\n", entry.key.substr(0, 12),
             damage.paths.front(), damage.paths.size() > 1 ? fmt::format(" and {} more", damage.paths.size() - 1) : "");
  return {};
}

Result<int> collect(cache::ObjectStore& store, std::uint64_t bound) {
  auto r = store.gc(bound);
  if (!r) return std::unexpected(r.error());
  namespace display = util::display;
  fmt::print(stderr, "frugal: cache gc: evicted {} ({} freed), kept {} ({} in use), {} used\n",
             display::count(static_cast<long long>(r->entries_evicted), "entry", "entries"), display::bytes(r->bytes_freed),
             r->entries_kept, r->entries_in_use, display::bytes(r->bytes_used));
  return k_exit_ok;
}

Result<int> run_stage(Context& ctx, const CacheFlags& f) {
  auto bound = parse_bound(ctx, f.max_size);
  if (!bound) return std::unexpected(bound.error());
  cache::StageInputs in{f.command, f.inputs, {}, f.env, f.key};
  for (const auto& p : f.params) {
    auto kv = parse_key_value(p, "--param", "lr=0.001");
    if (!kv) return std::unexpected(kv.error());
    in.params.push_back(*kv);
  }
  auto accounting = open_accounting(ctx, f);
  if (!accounting) return std::unexpected(accounting.error());
  auto mode = cache::parse_restore_mode(ctx.config->get("cache_restore"), "cache_restore");
  if (!mode) return std::unexpected(mode.error());
  auto folder = cache_folder(ctx);
  if (!folder) return std::unexpected(folder.error());
  if (auto ok = cache::check_outputs(f.outputs, f.inputs, *folder); !ok) return std::unexpected(ok.error());
  auto key = cache::stage_key(in);
  if (!key) return std::unexpected(key.error());
  if (f.explain) {
    for (const auto& line : key->record) fmt::print(stderr, "frugal: key input: {}\n", line);
  }
  cache::ObjectStore store(*folder);
  auto lock = cache::KeyLock::acquire(*folder, key->hex);
  if (!lock) return std::unexpected(lock.error());
  std::optional<cache::KeyLock> held(std::move(*lock));
  auto hit = store.get(key->hex);
  if (!hit) return std::unexpected(hit.error());
  if (*hit) {
    auto started = std::chrono::steady_clock::now();
    auto damage = store.check(**hit);
    if (!damage) return std::unexpected(damage.error());
    if (!damage->empty()) {
      if (auto dropped = forget_damaged(ctx, store, **hit, *damage, *accounting); !dropped) return std::unexpected(dropped.error());
    } else {
      auto how = store.restore(**hit, *mode);
      if (!how) return std::unexpected(how.error());
      if (auto ok = store.touch(key->hex); !ok) return std::unexpected(ok.error());
      auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
      auto saved = cache::record_event(*accounting->store, cache::EventKind::hit, **hit, ctx.clock.now(),
                                       accounting->context, accounting->hourly);
      if (!saved) return std::unexpected(saved.error());
      fmt::print(stderr, "frugal: cache hit {} ({} files, {} bytes, {} in {}): saved {} of compute{}\n",
                 key->hex.substr(0, 12), (*hit)->files.size(), (*hit)->bytes,
                 *how == cache::Restore::hard_link ? "linked" : *how == cache::Restore::reflink ? "cloned" : "copied", seconds_text(took),
                 seconds_text((*hit)->compute_ms), saved_text(*saved));
      return k_exit_ok;
    }
  }
  fmt::print(stderr, "frugal: cache miss {}: running the stage\n", key->hex.substr(0, 12));
  auto outcome = runner::run_child(f.command, ctx.clock);
  if (!outcome) return std::unexpected(outcome.error());
  if (outcome->exit_code != 0) {
    fmt::print(stderr, "frugal: the stage failed (exit {}); nothing cached\n", outcome->exit_code);
    return outcome->exit_code;
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(outcome->ended - outcome->started).count();
  auto entry = store.put(key->hex, f.outputs, ms);
  if (!entry) return std::unexpected(entry.error());
  auto recorded = cache::record_event(*accounting->store, cache::EventKind::store, *entry, ctx.clock.now(),
                                      accounting->context, accounting->hourly);
  if (!recorded) return std::unexpected(recorded.error());
  fmt::print(stderr, "frugal: cached {} ({} files, {} bytes, computed in {})\n", key->hex.substr(0, 12),
             entry->files.size(), entry->bytes, seconds_text(ms));
  if (*bound) {
    held.reset();  // our own entry is done; gc must be free to weigh it like any other
    return collect(store, **bound);
  }
  return k_exit_ok;
}

Result<int> list_entries(Context& ctx) {
  auto folder = cache_folder(ctx);
  if (!folder) return std::unexpected(folder.error());
  auto entries = cache::ObjectStore(*folder).list();
  if (!entries) return std::unexpected(entries.error());
  Table t;
  t.columns = {"key", "files", "bytes", "compute_s", "outputs"};
  for (const auto& e : *entries) {
    std::string outs;
    for (const auto& o : e.outputs) outs += (outs.empty() ? "" : " ") + o;
    t.rows.push_back({Cell::str(e.key), int_cell(static_cast<std::int64_t>(e.files.size())), int_cell(e.bytes),
                      Cell::num(fmt::format("{:.3f}", e.compute_ms / 1000.0)), Cell::str(outs)});
  }
  print_table(stdout, t, ctx.format());
  return k_exit_ok;
}

Result<int> show_stats(Context& ctx) {
  auto folder = cache_folder(ctx);
  if (!folder) return std::unexpected(folder.error());
  auto s = cache::ObjectStore(*folder).stats();
  if (!s) return std::unexpected(s.error());
  auto store = ctx.open_store(store::Access::read_only);
  if (!store) return std::unexpected(store.error());
  auto events = (*store)->query(
      "SELECT count(*) FILTER (WHERE kind = 'hit'), count(*) FILTER (WHERE kind = 'damaged'), max(at) FILTER (WHERE kind = 'damaged') "
      "FROM cache_events");
  if (!events) return std::unexpected(events.error());
  const auto& row = events->rows.at(0);
  Table t;
  t.columns = {"entries", "objects", "bytes_on_disk", "bytes_referenced", "compute_s_per_hit_round", "hits", "damaged_found",
               "last_damaged_at"};
  t.rows.push_back({int_cell(static_cast<std::int64_t>(s->entries)), int_cell(static_cast<std::int64_t>(s->objects)),
                    int_cell(static_cast<std::int64_t>(s->bytes_on_disk)),
                    int_cell(static_cast<std::int64_t>(s->bytes_referenced)),
                    Cell::num(fmt::format("{:.3f}", s->compute_ms / 1000.0)), int_cell(store::as_int(row[0])),
                    int_cell(store::as_int(row[1])), Cell::str(store::as_text(row[2]))});
  print_table(stdout, t, ctx.format());
  return k_exit_ok;
}

// Re-hashes every object of every entry, whatever its stamp says: damage beneath the file system
// (a bad sector, a bit flipped in storage) leaves no trace a stat could see.
Result<int> verify_all(Context& ctx) {
  auto folder = cache_folder(ctx);
  if (!folder) return std::unexpected(folder.error());
  cache::ObjectStore store(*folder);
  auto entries = store.list();
  if (!entries) return std::unexpected(entries.error());
  CacheFlags none;
  auto accounting = open_accounting(ctx, none);
  if (!accounting) return std::unexpected(accounting.error());
  std::size_t damaged = 0;
  for (const auto& e : *entries) {
    auto lock = cache::KeyLock::acquire(*folder, e.key);  // not while a stage stores or restores it
    if (!lock) return std::unexpected(lock.error());
    auto damage = store.check(e, cache::Verify::always);
    if (!damage) return std::unexpected(damage.error());
    if (damage->empty()) continue;
    ++damaged;
    if (auto dropped = forget_damaged(ctx, store, e, *damage, *accounting); !dropped) return std::unexpected(dropped.error());
  }
  fmt::print("checked {} entries: {} damaged and removed\n", entries->size(), damaged);
  return damaged ? k_exit_failure : k_exit_ok;
}

Result<int> collect_garbage(Context& ctx, const std::string& max_size) {
  auto folder = cache_folder(ctx);
  if (!folder) return std::unexpected(folder.error());
  auto bound = parse_bound(ctx, max_size);
  if (!bound) return std::unexpected(bound.error());
  if (!*bound) return fail(ErrorCode::invalid, "cache gc: give --max-size (or set cache_max_size)");
  cache::ObjectStore store(*folder);
  return collect(store, **bound);
}

Result<int> remove_entry(Context& ctx, const std::string& key) {
  auto folder = cache_folder(ctx);
  if (!folder) return std::unexpected(folder.error());
  cache::ObjectStore store(*folder);
  if (auto ok = store.remove(key); !ok) return std::unexpected(ok.error());
  fmt::print("removed {}\n", key);
  return k_exit_ok;
}


}  // namespace

void add_cache_command(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<CacheFlags>();
  auto* cache = app.add_subcommand("cache", "computation cache: run a pipeline stage once per distinct input");
  cache->require_subcommand(1);

  auto* run = cache->add_subcommand("run", "frugal cache run --in PATH --out PATH [--param K=V] -- COMMAND ...");
  add_repeatable(run, "--in", flags->inputs, "input file or folder whose content goes into the key (repeatable)");
  add_repeatable(run, "--out", flags->outputs, "output file or folder the stage makes (repeatable)");
  add_repeatable(run, "--param", flags->params, "parameter KEY=VALUE that goes into the key (repeatable)");
  add_repeatable(run, "--env", flags->env, "environment variable whose value goes into the key (repeatable)");
  run->add_option("--key", flags->key, "your own key, added to the derived one");
  run->add_flag("--explain", flags->explain, "print what went into the key");
  run->add_option("--instance-type", flags->instance_type, "instance the stage runs on: prices what a hit saves");
  run->add_option("--hourly-usd", flags->hourly_usd, "price per hour of the machine (overrides the catalog)");
  run->add_option("--team", flags->team, "team charged (or FRUGAL_TEAM)");
  run->add_option("--project", flags->project, "project charged (or FRUGAL_PROJECT)");
  run->add_option("--max-size", flags->max_size, "after storing, evict least recently used entries down to this (50G)");
  run->add_option("command", flags->command, "the stage's command, after --")->required();
  run->callback([&ctx, flags] {
    ctx.action = [&ctx, flags]() -> Result<int> {
      if (flags->outputs.empty()) return fail(ErrorCode::invalid, "cache run: give at least one --out");
      return run_stage(ctx, *flags);
    };
  });

  auto* ls = cache->add_subcommand("ls", "list cache entries");
  ls->callback([&ctx] { ctx.action = [&ctx] { return list_entries(ctx); }; });

  auto* stats = cache->add_subcommand("stats", "entries, distinct objects, bytes on disk");
  stats->callback([&ctx] { ctx.action = [&ctx] { return show_stats(ctx); }; });

  auto* verify = cache->add_subcommand("verify", "re-hash every object; remove the entries whose outputs are damaged (exit 1)");
  verify->callback([&ctx] { ctx.action = [&ctx] { return verify_all(ctx); }; });

  auto* gc = cache->add_subcommand("gc", "evict least recently used entries until the cache fits --max-size");
  gc->add_option("--max-size", flags->max_size,
                 "the bound: 50G, 512Mi, ... (0 empties all but entries in use); default the cache_max_size setting");
  gc->callback([&ctx, flags] { ctx.action = [&ctx, flags] { return collect_garbage(ctx, flags->max_size); }; });

  auto* rm = cache->add_subcommand("rm", "remove a cache entry");
  rm->add_option("key", flags->rm_key, "the entry's key (from frugal cache ls)")->required();
  rm->callback([&ctx, flags] { ctx.action = [&ctx, flags] { return remove_entry(ctx, flags->rm_key); }; });
}

}  // namespace frugal::cli
