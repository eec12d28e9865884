#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <utility>

#include "cache/cache.h"
#include "cli/context.h"
#include "runner/runner.h"

namespace frugal::cli {
namespace {

struct CacheFlags {
  std::vector<std::string> inputs, params, env, outputs, command;
  std::string key;
  bool explain = false;
  std::string rm_key;
};

// Held for the whole miss: two processes missing the same key run the command once; the second
// waits here and then finds the entry. flock is released by the kernel if its holder dies.
class KeyLock {
 public:
  static Result<KeyLock> acquire(const std::string& folder, const std::string& key) {
    std::error_code ec;
    std::filesystem::create_directories(folder + "/locks", ec);
    std::string path = folder + "/locks/" + key;
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return fail(ErrorCode::io, fmt::format("{}: {}", path, std::strerror(errno)));
    while (::flock(fd, LOCK_EX) != 0)
      if (errno != EINTR) {
        ::close(fd);
        return fail(ErrorCode::io, fmt::format("{}: lock: {}", path, std::strerror(errno)));
      }
    return KeyLock(fd);
  }
  KeyLock(KeyLock&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  KeyLock(const KeyLock&) = delete;
  KeyLock& operator=(const KeyLock&) = delete;
  KeyLock& operator=(KeyLock&&) = delete;
  ~KeyLock() {
    if (m_fd >= 0) ::close(m_fd);
  }

 private:
  explicit KeyLock(int fd) : m_fd(fd) {}
  int m_fd;
};

Result<std::string> cache_folder(Context& ctx) {
  FRUGAL_CHECK(ctx.load_config());
  return ctx.config->home_dir() + "/cache";
}

std::string seconds_text(std::int64_t ms) { return fmt::format("{}.{:03}s", ms / 1000, ms % 1000); }

int run_stage(Context& ctx, const CacheFlags& f) {
  cache::StageInputs in{f.command, f.inputs, {}, f.env, f.key};
  for (const auto& p : f.params) {
    auto kv = parse_key_value(p, "--param");
    if (!kv) return report_error(kv.error());
    in.params.push_back(*kv);
  }
  auto key = cache::stage_key(in);
  if (!key) return report_error(key.error());
  if (f.explain) {
    for (const auto& line : key->record) fmt::print(stderr, "frugal: key input: {}\n", line);
  }
  auto folder = cache_folder(ctx);
  if (!folder) return report_error(folder.error());
  cache::ObjectStore store(*folder);
  auto lock = KeyLock::acquire(*folder, key->hex);
  if (!lock) return report_error(lock.error());
  auto hit = store.get(key->hex);
  if (!hit) return report_error(hit.error());
  if (*hit) {
    auto started = std::chrono::steady_clock::now();
    auto how = store.restore(**hit);
    if (!how) return report_error(how.error());
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    fmt::print(stderr, "frugal: cache hit {} ({} files, {} bytes, {} in {}): saved {} of compute\n", key->hex.substr(0, 12),
               (*hit)->files.size(), (*hit)->bytes, *how == cache::Restore::hard_link ? "linked" : "copied",
               seconds_text(took), seconds_text((*hit)->compute_ms));
    return k_exit_ok;
  }
  fmt::print(stderr, "frugal: cache miss {}: running the stage\n", key->hex.substr(0, 12));
  auto outcome = runner::run_child(f.command, ctx.clock);
  if (!outcome) return report_error(outcome.error());
  if (outcome->exit_code != 0) {
    fmt::print(stderr, "frugal: the stage failed (exit {}); nothing cached\n", outcome->exit_code);
    return outcome->exit_code;
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(outcome->ended - outcome->started).count();
  auto entry = store.put(key->hex, f.outputs, ms);
  if (!entry) return report_error(entry.error());
  fmt::print(stderr, "frugal: cached {} ({} files, {} bytes, computed in {})\n", key->hex.substr(0, 12),
             entry->files.size(), entry->bytes, seconds_text(ms));
  return k_exit_ok;
}

int list_entries(Context& ctx) {
  auto folder = cache_folder(ctx);
  if (!folder) return report_error(folder.error());
  auto entries = cache::ObjectStore(*folder).list();
  if (!entries) return report_error(entries.error());
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

int remove_entry(Context& ctx, const std::string& key) {
  auto folder = cache_folder(ctx);
  if (!folder) return report_error(folder.error());
  cache::ObjectStore store(*folder);
  if (auto ok = store.remove(key); !ok) return report_error(ok.error());
  fmt::print("removed {}\n", key);
  return k_exit_ok;
}

void repeatable(CLI::App* cmd, const char* name, std::vector<std::string>& into, const char* help) {
  // One value per flag, so a repeated flag never swallows the command after --.
  cmd->add_option(name, into, help)->expected(1)->allow_extra_args(false)->multi_option_policy(
      CLI::MultiOptionPolicy::TakeAll);
}

}  // namespace

void add_cache_command(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<CacheFlags>();
  auto* cache = app.add_subcommand("cache", "computation cache: run a pipeline stage once per distinct input");
  cache->require_subcommand(1);

  auto* run = cache->add_subcommand("run", "frugal cache run --in PATH --out PATH [--param K=V] -- COMMAND ...");
  repeatable(run, "--in", flags->inputs, "input file or folder whose content goes into the key (repeatable)");
  repeatable(run, "--out", flags->outputs, "output file or folder the stage makes (repeatable)");
  repeatable(run, "--param", flags->params, "parameter KEY=VALUE that goes into the key (repeatable)");
  repeatable(run, "--env", flags->env, "environment variable whose value goes into the key (repeatable)");
  run->add_option("--key", flags->key, "your own key, added to the derived one");
  run->add_flag("--explain", flags->explain, "print what went into the key");
  run->add_option("command", flags->command, "the stage's command, after --")->required();
  run->callback([&ctx, flags] {
    ctx.action = [&ctx, flags]() -> int {
      if (flags->outputs.empty()) return report_error({ErrorCode::invalid, "cache run: give at least one --out"});
      return run_stage(ctx, *flags);
    };
  });

  auto* ls = cache->add_subcommand("ls", "list cache entries");
  ls->callback([&ctx] { ctx.action = [&ctx] { return list_entries(ctx); }; });

  auto* rm = cache->add_subcommand("rm", "remove a cache entry");
  rm->add_option("key", flags->rm_key, "the entry's key (from frugal cache ls)")->required();
  rm->callback([&ctx, flags] { ctx.action = [&ctx, flags] { return remove_entry(ctx, flags->rm_key); }; });
}

}  // namespace frugal::cli
