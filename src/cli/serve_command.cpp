#include <CLI/CLI.hpp>
#include <charconv>
#include <fmt/format.h>

#include "cli/context.h"
#include "core/time.h"
#include "server/server.h"

namespace frugal::cli {
namespace {

struct ServeFlags {
  std::string listen = "127.0.0.1:8080";
  std::size_t max_body_mb = 16;
  int rate = 1000;
  int threads = 16;
  std::size_t max_connections = 16384;
  std::size_t max_per_client = 2048;
  int sql_timeout_ms = 5000;
};

struct TokenFlags {
  std::string team, role = "member", name, expires;
  std::int64_t id = 0;
};

// "host:port" (":8080" and "8080" mean 127.0.0.1); port 0 picks a free one.
Result<std::pair<std::string, int>> parse_listen(const std::string& text) {
  auto colon = text.rfind(':');
  std::string host = colon == std::string::npos ? "127.0.0.1" : text.substr(0, colon);
  std::string port_text = colon == std::string::npos ? text : text.substr(colon + 1);
  if (host.empty()) host = "127.0.0.1";
  int port = -1;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 0 || port > 65535)
    return fail(ErrorCode::invalid, fmt::format("--listen '{}': expected HOST:PORT, e.g. 127.0.0.1:8080", text));
  return std::pair{host, port};
}

Result<int> serve(Context& ctx, const ServeFlags& f) {
  auto where = parse_listen(f.listen);
  if (!where) return std::unexpected(where.error());
  if (auto ok = ctx.load_config(); !ok) return std::unexpected(ok.error());
  server::ServeOptions options;
  std::tie(options.host, options.port) = *where;
  options.database = ctx.config->database();
  options.max_body_bytes = f.max_body_mb << 20;
  options.requests_per_second = f.rate;
  options.threads = f.threads;
  options.max_connections = f.max_connections;
  options.max_connections_per_client = f.max_per_client;
  options.sql_timeout_ms = f.sql_timeout_ms;
  options.on_listening = [&](int port) {
    fmt::print(stderr, "frugal: serving {} on http://{}:{} (OpenAPI at /api/openapi.json)\n", options.database, options.host, port);
  };
  if (auto ok = server::serve(options); !ok) return std::unexpected(ok.error());
  fmt::print(stderr, "frugal: server stopped\n");
  return k_exit_ok;
}

Result<int> create_token(Context& ctx, const TokenFlags& f) {
  auto role = server::parse_role(f.role);
  if (!role) return std::unexpected(role.error());
  server::NewToken t{f.name, f.team, *role, std::nullopt};
  if (!f.expires.empty()) {
    auto d = parse_duration(f.expires);
    if (!d) return std::unexpected(d.error().wrap("--expires"));
    t.expires = ctx.clock.now() + *d;
  }
  auto store = ctx.open_store(store::Access::read_write);
  if (!store) return std::unexpected(store.error());
  auto token = server::create_token(**store, t, ctx.clock.now());
  if (!token) return std::unexpected(token.error());
  fmt::print("{}\n", *token);
  fmt::print(stderr, "frugal: a {} token{}; shown once, only its hash is stored\n", f.role, f.team.empty() ? "" : " of team " + f.team);
  return k_exit_ok;
}

Result<int> list(Context& ctx) {
  auto store = ctx.open_store(store::Access::read_only);
  if (!store) return std::unexpected(store.error());
  auto tokens = server::list_tokens(**store);
  if (!tokens) return std::unexpected(tokens.error());
  Table t;
  t.columns = {"id", "prefix", "role", "team", "name", "created_at", "expires_at", "revoked_at"};
  for (const auto& k : *tokens)
    t.rows.push_back({int_cell(k.id), Cell::str(k.prefix), Cell::str(std::string(server::role_name(k.role))), Cell::str(k.team),
                      Cell::str(k.name), Cell::str(k.created_at), Cell::str(k.expires_at), Cell::str(k.revoked_at)});
  print_table(stdout, t, ctx.format());
  return k_exit_ok;
}

Result<int> revoke(Context& ctx, std::int64_t id) {
  auto store = ctx.open_store(store::Access::read_write);
  if (!store) return std::unexpected(store.error());
  if (auto ok = server::revoke_token(**store, id, ctx.clock.now()); !ok) return std::unexpected(ok.error());
  fmt::print(stderr, "frugal: token {} revoked\n", id);
  return k_exit_ok;
}

}  // namespace

void add_serve_command(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<ServeFlags>();
  auto* cmd = app.add_subcommand("serve", "HTTP API for a team: runs, metrics, leaderboards, MLflow-compatible ingest, /metrics");
  cmd->add_option("--listen", flags->listen, "HOST:PORT to listen on")->capture_default_str();
  cmd->add_option("--max-body-mb", flags->max_body_mb, "largest request body, MiB (413 beyond)")->capture_default_str()->check(CLI::Range(1, 1024));
  cmd->add_option("--rate", flags->rate, "requests a second per token (429 beyond; 0: no limit)")->capture_default_str()->check(CLI::Range(0, 10000000));
  cmd->add_option("--threads", flags->threads, "worker threads that run requests (connections take none)")->capture_default_str()->check(CLI::Range(1, 256));
  cmd->add_option("--max-connections", flags->max_connections, "open connections in all (503 beyond)")
      ->capture_default_str()->check(CLI::Range(1, 1000000));
  cmd->add_option("--max-connections-per-client", flags->max_per_client, "open connections from one address (429 beyond)")
      ->capture_default_str()->check(CLI::Range(1, 1000000));
  cmd->add_option("--sql-timeout-ms", flags->sql_timeout_ms, "time limit of a query to /api/v1/sql, ms")
      ->capture_default_str()->check(CLI::Range(1, 3600000));
  cmd->callback([&ctx, flags] { ctx.action = [&ctx, flags] { return serve(ctx, *flags); }; });

  auto tflags = std::make_shared<TokenFlags>();
  auto* token = app.add_subcommand("token", "API tokens of frugal serve (stored hashed, shown once)");
  token->require_subcommand(1);
  auto* create = token->add_subcommand("create", "make a token and print it");
  create->add_option("--role", tflags->role, "agent (writes its team's runs), member (reads its team), admin (all)")->capture_default_str();
  create->add_option("--team", tflags->team, "the team it acts for (agent, member)");
  create->add_option("--name", tflags->name, "what it is for");
  create->add_option("--expires", tflags->expires, "lifetime: 90d, 12h; default never");
  create->callback([&ctx, tflags] { ctx.action = [&ctx, tflags] { return create_token(ctx, *tflags); }; });
  auto* ls = token->add_subcommand("list", "tokens (never the tokens themselves)");
  ls->callback([&ctx] { ctx.action = [&ctx] { return list(ctx); }; });
  auto* rv = token->add_subcommand("revoke", "revoke a token by id");
  rv->add_option("id", tflags->id, "token id (frugal token list)")->required();
  rv->callback([&ctx, tflags] { ctx.action = [&ctx, tflags] { return revoke(ctx, tflags->id); }; });
}

}  // namespace frugal::cli
